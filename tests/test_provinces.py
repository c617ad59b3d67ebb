"""A scenario of several provinces' layer sets loads as one layer per kind."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from _paths import DEMO_SCENARIO

from geoplan import load_scenario
from geoplan.errors import LayerValidationError, ScenarioError
from geoplan.io import load_layers


def _demo_spec() -> dict:
    spec = yaml.safe_load(DEMO_SCENARIO.read_text(encoding="utf-8"))
    for layer in spec["layers"].values():
        layer["path"] = str((DEMO_SCENARIO.parent / layer["path"]).resolve())
    return spec


def _split(spec: dict, folder) -> tuple[str, str]:
    """Write the demo's communes and villages as two provinces' files (halves of the communes)."""
    communes = gpd.read_file(spec["layers"]["communes"]["path"], layer="communes_2025")
    villages = gpd.read_file(spec["layers"]["villages"]["path"], layer="villages")
    codes = sorted(communes["commune_code"].astype(str))
    first = set(codes[: len(codes) // 2])
    paths = []
    for name, keep in (("a", True), ("b", False)):
        path = folder / f"{name}.gpkg"
        communes[communes["commune_code"].astype(str).isin(first) == keep].to_file(
            path, layer="communes_2025"
        )
        villages[villages["commune_code_2025"].astype(str).isin(first) == keep].to_file(
            path, layer="villages"
        )
        paths.append(str(path))
    return paths[0], paths[1]


def _scenario(tmp_path, spec: dict):
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return load_scenario(path)


@pytest.fixture(scope="module")
def two_provinces(tmp_path_factory):
    folder = tmp_path_factory.mktemp("provinces")
    spec = _demo_spec()
    a, b = _split(spec, folder)
    spec["layers"]["communes"] = {"path": a, "layer": "communes_2025"}
    spec["layers"]["villages"] = {"path": a, "layer": "villages"}
    spec["provinces"] = [
        {
            "name": "B",
            "layers": {
                "communes": {"path": b, "layer": "communes_2025"},
                "villages": {"path": b, "layer": "villages"},
            },
        }
    ]
    return folder, spec


def _by_key(frame: gpd.GeoDataFrame, key: str) -> pd.DataFrame:
    out = pd.DataFrame(frame).assign(geometry=frame.geometry.to_wkb())
    return out.sort_values(key).reset_index(drop=True)


def test_the_province_sets_load_as_the_whole(two_provinces, demo_result):
    folder, spec = two_provinces
    layers = load_layers(_scenario(folder, spec))
    whole = demo_result.layers
    pd.testing.assert_frame_equal(
        _by_key(layers.villages, "village_id"), _by_key(whole.villages, "village_id")
    )
    pd.testing.assert_frame_equal(
        _by_key(layers.communes, "commune_code"), _by_key(whole.communes, "commune_code")
    )
    files = {s.file for s in layers.report.layers if s.name.startswith("villages")}
    assert len(files) == 2, "each province's file is summarised on its own"


def test_input_hashes_cover_every_province_file(two_provinces):
    from geoplan.pipeline import input_hashes

    folder, spec = two_provinces
    hashed = input_hashes(_scenario(folder, spec))
    assert spec["provinces"][0]["layers"]["villages"]["path"] in hashed
    assert spec["layers"]["villages"]["path"] in hashed


def test_the_same_commune_twice_is_an_error_naming_the_file(two_provinces, tmp_path):
    _, spec = two_provinces
    spec = yaml.safe_load(yaml.safe_dump(spec))
    spec["provinces"][0]["layers"] = {
        "communes": dict(spec["layers"]["communes"]),
        "villages": dict(spec["layers"]["villages"]),
    }
    with pytest.raises(LayerValidationError) as caught:
        load_layers(_scenario(tmp_path, spec))
    text = str(caught.value)
    assert "provinces[0] (B).layers.communes: commune_code" in text
    assert "already given" in text


def test_different_fields_are_an_error(two_provinces, tmp_path):
    _, spec = two_provinces
    spec = yaml.safe_load(yaml.safe_dump(spec))
    source = spec["provinces"][0]["layers"]["villages"]
    villages = gpd.read_file(source["path"], layer="villages")
    poorer = tmp_path / "poorer.gpkg"
    villages.drop(columns=["poor_households"]).to_file(poorer, layer="villages")
    spec["provinces"][0]["layers"]["villages"] = {"path": str(poorer), "layer": "villages"}
    with pytest.raises(LayerValidationError, match=r"lacks poor_households"):
        load_layers(_scenario(tmp_path, spec))


def test_a_raster_per_province_is_refused(two_provinces, tmp_path):
    _, spec = two_provinces
    spec = yaml.safe_load(yaml.safe_dump(spec))
    spec["provinces"][0]["layers"]["dem"] = dict(spec["layers"]["dem"])
    with pytest.raises(ScenarioError, match="a province adds only vector layers"):
        _scenario(tmp_path, spec)
