"""Fault corpus: bad scenarios, damaged or implausible layers, hostile text, output folders.

Every input case builds a small scenario in ``tmp_path`` and runs ``geoplan check``
through the CLI: it asserts the exit code, the message (file, layer, row, field)
and that nothing was written.  Output-folder cases call the writer on the small
synthetic result of ``_render_fixtures`` and assert, byte for byte, that files
geoplan did not write are untouched.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
import yaml
from rasterio.transform import from_origin

from geoplan.cli import cli

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

X0, Y0 = 540_000.0, 1_580_000.0  # Kon Tum in EPSG:9216


def _communes(**data) -> gpd.GeoDataFrame:
    base = {
        "ma_xa": ["23281", "23284", "23287"],
        "ten_xa": ["Đắk Hà", "Ngọc Hồi", "Kon Plông"],
        "ma_huyen": ["610", "610", "611"],
        "ty_le_ngheo_2024": [0.1, 0.25, 0.5],
    }
    base.update(data)
    return gpd.GeoDataFrame(
        base,
        geometry=[shapely.box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(3)],
        crs=9216,
    )


def _villages(**data) -> gpd.GeoDataFrame:
    base = {
        "ma_thon": ["V1", "V2", "V3"],
        "ten_thon": ["Kon Gu", "Đăk Ui", "Plei Kần"],
        "ma_xa": ["23281", "23284", "23287"],
        "so_ho": [100, 80, 60],
        "ho_ngheo": [10, 20, 30],
        "dan_so": [400, 300, 250],
    }
    base.update(data)
    geoms = data.pop("geometry", None) or [
        shapely.Point(X0 + 500 + i * 1000, Y0 + 500) for i in range(3)
    ]
    base.pop("geometry", None)
    return gpd.GeoDataFrame(base, geometry=geoms, crs=9216)


def _write(gdf: gpd.GeoDataFrame, path: Path, **kw) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, path, **kw)
    return path


def _dem(path: Path, values: np.ndarray) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=values.shape[0],
        width=values.shape[1],
        count=1,
        dtype="float32",
        transform=from_origin(X0, Y0 + 1000, 100, 100),
        crs="EPSG:9216",
    ) as dst:
        dst.write(values.astype("float32")[None])
    return path


def scenario(
    tmp: Path,
    *,
    villages: gpd.GeoDataFrame | None = None,
    communes: gpd.GeoDataFrame | None = None,
    **top,
) -> Path:
    """Write the data folder and scenario; ``top`` updates the scenario (``layers`` merged)."""
    data = tmp / "data"
    data.mkdir(exist_ok=True)
    gpkg = data / "kontum.gpkg"
    if not gpkg.exists():
        _write(communes if communes is not None else _communes(), gpkg, layer="communes")
        _write(villages if villages is not None else _villages(), gpkg, layer="villages")
    layers = {
        "communes": {"path": "data/kontum.gpkg", "layer": "communes"},
        "villages": {"path": "data/kontum.gpkg", "layer": "villages"},
    }
    for name, spec in (top.pop("layers", None) or {}).items():
        layers[name] = {**layers.get(name, {}), **spec}
    doc = {"name": "t", "crs": "EPSG:3405", "layers": layers, "scoring": {}, **top}
    path = tmp / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --------------------------------------------------------------------------------------
# input cases: geoplan check exits 2 (or 0 with a warning) naming where the problem is


@dataclass
class Fault:
    id: str
    build: Callable[[Path], Path]
    exit: int
    needles: tuple[str, ...]  # every one must appear in the output
    code: str = ""


def _number(key_path: list, value) -> Callable[[Path], Path]:
    """A scenario with one number replaced (``key_path`` into the YAML document)."""

    def build(tmp: Path) -> Path:
        path = scenario(tmp)
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        node = doc
        for key in key_path[:-1]:
            node = node.setdefault(key, {})
        node[key_path[-1]] = value
        text = yaml.safe_dump(doc, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        return path

    return build


def _raw_yaml(text: str) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        scenario(tmp)
        path = tmp / "scenario.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return build


BOMB = "\n".join(
    ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
)


def _villages_with(**data) -> Callable[[Path], Path]:
    return lambda tmp: scenario(tmp, villages=_villages(**data))


def _communes_with(**data) -> Callable[[Path], Path]:
    return lambda tmp: scenario(tmp, communes=_communes(**data))


def _with_layers(**layers) -> Callable[[Path], Path]:
    return lambda tmp: scenario(tmp, layers=layers)


def _corrupt_gpkg(tmp: Path) -> Path:
    path = scenario(tmp)
    zones = gpd.GeoDataFrame(
        {"cap_do": [1, 2, 3, 4, 5], "note": ["x" * 3000] * 5},
        geometry=[shapely.box(X0 + i * 500, Y0, X0 + i * 500 + 400, Y0 + 400) for i in range(5)],
        crs=9216,
    )
    zfile = _write(zones, tmp / "data" / "zones.gpkg", layer="landslide_zones")
    raw = bytearray(zfile.read_bytes())
    pages = len(raw) // 4096
    for page in range(pages - 5, pages - 1):
        raw[page * 4096 : (page + 1) * 4096] = b"\xff" * 4096
    zfile.write_bytes(bytes(raw))
    return _add_layer(path, "landslide_zones", {"path": "data/zones.gpkg"})


def _add_layer(path: Path, name: str, spec: dict) -> Path:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["layers"][name] = spec
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _empty_layer(tmp: Path) -> Path:
    path = scenario(tmp)
    forest = gpd.GeoDataFrame({"loai_rung": []}, geometry=[], crs=9216)
    _write(forest, tmp / "data" / "rung.gpkg", layer="forest")
    return _add_layer(path, "forest", {"path": "data/rung.gpkg"})


def _shapefile_without(side: str) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = scenario(tmp)
        shp = _write(
            gpd.GeoDataFrame(
                {"loai_rung": ["phòng hộ"]},
                geometry=[shapely.box(X0, Y0, X0 + 10, Y0 + 10)],
                crs=9216,
            ),
            tmp / "data" / "rung.shp",
        )
        shp.with_suffix(side).unlink()
        return _add_layer(path, "forest", {"path": "data/rung.shp"})

    return build


def _dem_of(values: np.ndarray) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = scenario(tmp)
        _dem(tmp / "data" / "dem.tif", values)
        return _add_layer(path, "dem", {"path": "data/dem.tif"})

    return build


def _pts(*xy: tuple[float, float]) -> list[shapely.Point]:
    return [shapely.Point(x, y) for x, y in xy]


INSIDE = [(X0 + 500, Y0 + 500), (X0 + 1500, Y0 + 500), (X0 + 2500, Y0 + 500)]
SWAPPED = [INSIDE[0], (Y0 + 500, X0 + 1500), INSIDE[2]]
WRONG_COMMUNE = [INSIDE[0], INSIDE[2], INSIDE[2]]

FAULTS = [
    # numbers in the scenario: finite and bounded, at validation, naming the key
    Fault("top-n-huge", _number(["outputs", "top_n"], 10**30), 2, ("top_n", "finite")),
    Fault(
        "stability-draws-1e30",
        _number(["scoring", "stability", "draws"], 10**30),
        2,
        ("draws", "finite"),
    ),
    Fault(
        "stability-concentration-nan",
        _number(["scoring", "stability", "concentration"], float("nan")),
        2,
        ("concentration", "finite"),
    ),
    Fault(
        "stability-concentration-inf",
        _number(["scoring", "stability", "concentration"], float("inf")),
        2,
        ("concentration", "finite"),
    ),
    Fault(
        "steep-slope-1e308",
        _number(["scoring", "steep_slope_deg"], 1e308),
        2,
        ("steep_slope_deg", "1e+308"),
    ),
    Fault(
        "weight-inf",
        _raw_yaml(
            "name: t\nlayers:\n  communes: {path: data/kontum.gpkg, layer: communes}\n"
            "  villages: {path: data/kontum.gpkg, layer: villages}\nscoring:\n  tracks:\n"
            "    resettlement:\n      criteria:\n        - {id: poverty, weight: .inf}\n"
        ),
        2,
        ("weight", "finite"),
    ),
    Fault(
        "weight-nan",
        _raw_yaml(
            "name: t\nlayers:\n  communes: {path: data/kontum.gpkg, layer: communes}\n"
            "  villages: {path: data/kontum.gpkg, layer: villages}\nscoring:\n  tracks:\n"
            "    resettlement:\n      criteria:\n        - {id: poverty, weight: .nan}\n"
        ),
        2,
        ("weight", "finite"),
    ),
    Fault(
        "weight-1e308-overflow",
        _raw_yaml(
            "name: t\nlayers:\n  communes: {path: data/kontum.gpkg, layer: communes}\n"
            "  villages: {path: data/kontum.gpkg, layer: villages}\nscoring:\n  tracks:\n"
            "    resettlement:\n      criteria:\n        - {id: poverty, weight: 1.0e+308}\n"
            "        - {id: em_share, weight: 1.0e+308}\n"
        ),
        2,
        ("weight", "1e+308"),
    ),
    Fault(
        "value-function-nan",
        _raw_yaml(
            "name: t\nlayers:\n  communes: {path: data/kontum.gpkg, layer: communes}\n"
            "  villages: {path: data/kontum.gpkg, layer: villages}\nscoring:\n  tracks:\n"
            "    resettlement:\n      criteria:\n        - {id: poverty, weight: 1,"
            " value_function: [[0, 0], [.nan, 1]]}\n"
        ),
        2,
        ("value_function", "finite"),
    ),
    Fault("yaml-alias-bomb", _raw_yaml(BOMB), 2, ("expands to more than", "scenario.yaml")),
    Fault("yaml-not-a-mapping", _raw_yaml("- a\n- b\n"), 2, ("YAML mapping",)),
    Fault("yaml-syntax", _raw_yaml("name: [unclosed\n"), 2, ("not a readable YAML",)),
    Fault(
        "unknown-key",
        _number(["scoring", "wieghts"], 1),
        2,
        ("wieghts", "unknown key"),
    ),
    # damaged, empty or incomplete layers
    Fault(
        "gpkg-corrupted-pages",
        _corrupt_gpkg,
        2,
        ("zones.gpkg", "landslide_zones", "damaged"),
    ),
    Fault("layer-without-features", _empty_layer, 2, ("rung.gpkg", "no features")),
    Fault("shapefile-without-dbf", _shapefile_without(".dbf"), 2, ("rung.shp", ".dbf", "missing")),
    Fault("shapefile-without-shx", _shapefile_without(".shx"), 2, ("rung.shp", ".shx", "missing")),
    Fault("dem-all-nan", _dem_of(np.full((10, 30), np.nan)), 2, ("dem.tif", "nodata")),
    Fault("dem-all-inf", _dem_of(np.full((10, 30), np.inf)), 2, ("dem.tif", "nodata")),
    # values that would silently change the result
    Fault(
        "mixed-rate-scales",
        _communes_with(ty_le_ngheo_2024=[0.1, 50.0, 0.3]),
        2,
        ("row 1", "ty_le_ngheo_2024", "mixes scales"),
        "mixed-scale",
    ),
    Fault(
        "mixed-rate-scales-fraction-among-percents",
        _communes_with(ty_le_ngheo_2024=[10.0, 50.0, 0.3]),
        2,
        ("row 2", "ty_le_ngheo_2024", "mixes scales"),
        "mixed-scale",
    ),
    Fault(
        "rates-all-percent-converted-with-warning",
        _communes_with(ty_le_ngheo_2024=[10.0, 50.0, 30.0]),
        0,
        ("ty_le_ngheo_2024", "percent", "warning"),
    ),
    Fault(
        "households-1e12",
        _villages_with(so_ho=[100, 10**12, 60], dan_so=[400, 10**12, 250]),
        2,
        ("row 1", "so_ho", "plausible range"),
        "implausible-value",
    ),
    Fault(
        "population-below-households",
        _villages_with(dan_so=[400, 50, 250]),
        2,
        ("row 1", "dan_so", "smaller than 'households'"),
        "implausible-value",
    ),
    Fault(
        "poor-above-households",
        _villages_with(ho_ngheo=[10, 95, 30]),
        2,
        ("row 1", "ho_ngheo", "larger than 'households'"),
    ),
    Fault(
        "negative-households",
        _villages_with(so_ho=[100, -3, 60]),
        2,
        ("row 1", "so_ho"),
    ),
    Fault(
        "households-not-a-number",
        _villages_with(so_ho=["100", "nhiều", "60"]),
        2,
        ("row 1", "so_ho", "number"),
    ),
    Fault(
        "xy-swapped-in-one-row",
        _villages_with(geometry=_pts(*SWAPPED)),
        2,
        ("row 1", "outside every commune"),
    ),
    Fault(
        "village-outside-its-commune",
        _villages_with(geometry=_pts(*WRONG_COMMUNE)),
        2,
        ("row 1", "ma_xa", "lies in commune 23287"),
    ),
    Fault(
        "village-outside-its-commune-downgraded",
        lambda tmp: scenario(
            tmp,
            villages=_villages(geometry=_pts(*WRONG_COMMUNE)),
            layers={"villages": {"downgrade": ["village-outside-commune"]}},
        ),
        0,
        ("row 1", "downgraded"),
    ),
    Fault(
        "outside-province-downgraded",
        lambda tmp: scenario(
            tmp,
            villages=_villages(geometry=_pts(*SWAPPED)),
            layers={"villages": {"downgrade": ["outside-communes"]}},
        ),
        0,
        ("row 1", "outside every commune", "downgraded"),
    ),
    Fault(
        "bounds-widened-in-scenario",
        lambda tmp: scenario(
            tmp,
            villages=_villages(so_ho=[100, 9000, 60], dan_so=[400, 40000, 250]),
            layers={"villages": {"bounds": {"households": [0, 10000], "population": [0, 50000]}}},
        ),
        0,
        ("OK",),
    ),
    Fault(
        "bounds-tightened-in-scenario",
        lambda tmp: scenario(tmp, layers={"villages": {"bounds": {"households": [0, 90]}}}),
        2,
        ("row 0", "so_ho", "0..90"),
        "implausible-value",
    ),
    Fault(
        "bounds-inf-in-scenario",
        lambda tmp: scenario(
            tmp, layers={"villages": {"bounds": {"households": [0, float("inf")]}}}
        ),
        2,
        ("bounds", "finite"),
    ),
    Fault(
        "duplicate-village-id",
        _villages_with(ma_thon=["V1", "V1", "V3"]),
        2,
        ("row 1", "ma_thon", "duplicate"),
    ),
    Fault(
        "unknown-commune-code",
        _villages_with(ma_xa=["23281", "99999", "23287"]),
        2,
        ("row 1", "ma_xa", "does not exist"),
    ),
    # hostile text: warned at check, neutralised in outputs
    Fault(
        "bidi-controls-in-name",
        _villages_with(ten_thon=["Kon Gu", "Đăk\u202eUi", "Plei Kần"]),
        0,
        ("row 1", "ten_thon", "bidirectional"),
        "bidi-control",
    ),
    Fault(
        "floor-for-a-district-not-in-the-data",
        _number(
            ["plan", "allocation", "min_shares"],
            [{"level": "district", "code": "999", "share": 0.2}],
        ),
        2,
        ("min_shares[0].code", "district '999'", "cannot be met"),
        "infeasible-floor",
    ),
    Fault(
        "floors-over-100-percent",
        _number(
            ["plan", "allocation", "min_shares"],
            [
                {"level": "commune", "code": "23281", "share": 0.7},
                {"level": "commune", "code": "23284", "share": 0.6},
            ],
        ),
        2,
        ("add up to 130.0%", "min_shares"),
        "infeasible-floor",
    ),
    Fault(
        "floor-for-an-unknown-kind",
        _number(
            ["plan", "allocation", "min_shares"],
            [{"level": "kind", "code": "bridges", "share": 0.2}],
        ),
        2,
        ("kind 'bridges'", "cannot be met"),
        "infeasible-floor",
    ),
    Fault(
        "criterion-value-missing-without-a-fill-rule",
        _villages_with(ho_ngheo=[10.0, None, 30.0]),
        0,
        ("criterion 'poor_households'", "V2", "missing:"),
        "missing-value",
    ),
    Fault("missing-layer-file", _with_layers(forest={"path": "data/none.gpkg"}), 2, ("none.gpkg",)),
    Fault(
        "stability-draws-beyond-memory",
        _number(["scoring", "stability", "draws"], 10**11),
        2,
        ("scoring.stability.draws", "GiB"),
        "too-much-memory",
    ),
]


def test_fault_ids_are_unique():
    assert len({f.id for f in FAULTS}) == len(FAULTS)


@pytest.mark.parametrize("fault", FAULTS, ids=[f.id for f in FAULTS])
def test_check_finds_the_fault(fault: Fault, tmp_path: Path, runner):
    path = fault.build(tmp_path)
    before = _snapshot(tmp_path)
    report = tmp_path / "report.json"
    result = runner.invoke(cli, ["check", str(path), "--json", str(report)])
    text = result.output
    assert result.exit_code == fault.exit, text
    for needle in fault.needles:
        assert needle in text, f"{needle!r} not in:\n{text}"
    assert "Traceback" not in text and "internal error" not in text and "unexpected" not in text
    # check writes nothing but the report it was asked for
    after = _snapshot(tmp_path)
    assert after.pop("report.json")
    assert after == before
    if fault.code:
        issues = json.loads(report.read_text(encoding="utf-8"))["issues"]
        assert any(i["code"] == fault.code for i in issues), issues
        assert all(i["file"] for i in issues if i["code"] == fault.code)


@pytest.mark.parametrize(
    "fault",
    [f for f in FAULTS if f.exit == 2],
    ids=[f.id for f in FAULTS if f.exit == 2],
)
def test_run_refuses_what_check_refuses_and_writes_nothing(fault: Fault, tmp_path: Path, runner):
    path = fault.build(tmp_path)
    before = _snapshot(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert any(n in result.output for n in fault.needles), result.output
    assert _snapshot(tmp_path) == before  # no output file, no temporary folder
    assert not out.exists()  # not even an empty folder


def test_check_and_run_give_the_same_memory_message(tmp_path: Path, runner):
    path = _number(["scoring", "stability", "draws"], 10**11)(tmp_path)
    checked = runner.invoke(cli, ["check", str(path)])
    ran = runner.invoke(cli, ["run", str(path), "--out", str(tmp_path / "out")])
    line = next(ln for ln in ran.output.splitlines() if "GiB" in ln)
    message = line.split("stability draws", 1)[1]
    assert message in checked.output


# --------------------------------------------------------------------------------------
# --json / --csv / --out paths that cannot be written: one clear error, before any work


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["check", "{sc}", "--json", "{tmp}/missing/report.json"], "does not exist"),
        (["check", "{sc}", "--json", "{tmp}"], "is a directory"),
        (["check", "{sc}", "--json", "/sys/geoplan-report.json"], "cannot write --json"),
        (["run", "{sc}", "--out", "{tmp}/missing/deeper/out"], "does not exist"),
        (["run", "{sc}", "--out", "{tmp}/scenario.yaml"], "is a file"),
        (["run", "{sc}", "--out", "/sys/geoplan-out"], "cannot create the output folder"),
        (["run", "{sc}", "--out", "{tmp}"], "is or contains an input"),
        (["run", "{sc}", "--out", "{tmp}/data"], "is or contains an input"),
        (["compare", "{sc}", "{sc}", "--csv", "{tmp}/missing/c.csv"], "does not exist"),
    ],
    ids=[
        "json-missing-parent",
        "json-is-a-folder",
        "json-read-only",
        "out-missing-parent",
        "out-is-a-file",
        "out-read-only",
        "out-is-the-scenario-folder",
        "out-is-the-layers-folder",
        "csv-missing-parent",
    ],
)
def test_unwritable_destinations_fail_first(args, needle, tmp_path: Path, runner):
    sc = scenario(tmp_path)
    before = _snapshot(tmp_path)
    argv = [a.format(sc=sc, tmp=tmp_path) for a in args]
    result = runner.invoke(cli, argv)
    assert result.exit_code == 2, result.output
    assert needle in result.output, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert _snapshot(tmp_path) == before


def test_scenario_folder_as_out_twice_leaves_every_file(tmp_path: Path, runner):
    sc = scenario(tmp_path)
    (tmp_path / "notes.txt").write_text("ghi chú của tôi", encoding="utf-8")
    before = _snapshot(tmp_path)
    for _ in range(2):
        result = runner.invoke(cli, ["run", str(sc), "--out", str(tmp_path)])
        assert result.exit_code == 2
        assert result.output.count("error:") == 1
    assert _snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "notes.txt", "scenario.yaml"]


def test_non_finite_scores_stop_the_run_naming_the_criterion():
    from types import SimpleNamespace

    import pandas as pd

    from geoplan.errors import ScoringError
    from geoplan.scoring.imputation import require_finite_scores

    norm = np.array([[0.5, 0.1], [np.inf, 0.2], [0.1, 0.3]])
    scores = norm @ np.array([0.5, 0.5])
    criteria = [SimpleNamespace(id="slope_mean"), SimpleNamespace(id="poverty_rate")]
    ids = pd.Series(["V1", "V2", "V3"])
    with pytest.raises(ScoringError, match=r"criterion 'slope_mean'.*V2"):
        require_finite_scores(scores, norm, criteria, where="track resettlement", ids=ids)
    require_finite_scores(np.array([0.3, 0.2, 0.1]), norm[[0, 2, 2]], criteria, where="t", ids=ids)


@pytest.mark.parametrize(
    ("field", "values", "expected", "code"),
    [
        ("Tỷ lệ hộ nghèo (%)", [0.8, 12.5, 0.3], [0.008, 0.125, 0.003], "percent-rate"),
        ("ty_le_phan_tram", [0.8, 12.5], [0.008, 0.125], "percent-rate"),
        ("ty_le_ngheo", [0.8, 12.5, 0.3], [0.8, 12.5, 0.3], "mixed-scale"),
    ],
)
def test_a_percent_header_settles_the_scale_of_small_rates(field, values, expected, code):
    from geoplan.io.fields import KINDS
    from geoplan.io.report import LayerSummary
    from geoplan.io.validate import _rate_scale

    issues: list = []
    out = _rate_scale(
        pd.Series(values),
        KINDS["communes"].get("poverty_rate_2024"),
        summary=LayerSummary(name="communes", file="x.csv"),
        issues=issues,
        kw={"file": "x.csv", "layer": None, "field": field},
    )
    np.testing.assert_allclose(out.to_numpy(), expected)
    assert [i.code for i in issues][:1] == [code]
