"""The render stage's shortcuts give what the long way gave.

Dissolving patches that only meet at points without a union, branca's rendered
macros not compiled again, and office cells decided per column block: each is
checked against the slower operation it replaces.
"""

from __future__ import annotations

import branca.element
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from geoplan.render._geo import (
    coverage_simplify,
    dissolve_parts,
    generalise_coverage,
    without_small_parts,
)
from geoplan.render.columns import display_value
from geoplan.render.elements import Verbatim
from geoplan.render.tables import (
    _cell,
    _ShownColumn,
    office_columns,
    office_workbook,
    write_cell,
    write_office_sheet,
)


def _demo_zones(demo_result) -> gpd.GeoDataFrame:
    zones = demo_result.indicators.susceptibility.zones
    out = zones[["level", "geometry"]].copy()
    out["level"] = out["level"].astype(int)
    return out


def test_dissolve_equals_union_on_the_demo_zones(demo_result):
    simplified = coverage_simplify(_demo_zones(demo_result), 90.0)
    for level, group in simplified.groupby("level"):
        geoms = group.geometry.to_numpy()
        # the reference is GEOS's coverage union (the simplified cells form a coverage), an
        # algorithm independent of dissolve_parts and much faster than a general union
        fast, union = dissolve_parts(geoms), shapely.coverage_union_all(geoms)
        assert shapely.is_valid(fast), level
        assert fast.area == pytest.approx(union.area, rel=1e-9), level
        assert shapely.symmetric_difference(fast, union).area < 1e-6 * union.area, level


def test_generalised_zones_cover_what_the_union_covered(demo_result):
    zones = _demo_zones(demo_result)
    out = generalise_coverage(zones, "level", 90.0, 100_000.0)
    assert list(out["level"]) == sorted(set(zones["level"]))
    assert shapely.is_valid(out.geometry.to_numpy()).all()
    for level, geom in zip(out["level"], out.geometry, strict=True):
        parts = shapely.get_parts(geom)
        assert (shapely.area(parts) >= 100_000.0).all()
        simplified = coverage_simplify(zones[zones["level"] == level], 90.0)
        # the cells of a coverage do not overlap: the level's area is the sum of their areas
        # (the union itself is checked against the fast dissolve in the test above)
        covered = float(shapely.area(simplified.geometry.to_numpy()).sum())
        # dropping small parts and filling small holes changes little of the level's area
        assert geom.area == pytest.approx(covered, rel=0.05), level


def test_dissolve_falls_back_to_a_union_when_parts_overlap():
    overlapping = np.array([box(0, 0, 2, 2), box(1, 1, 3, 3), box(5, 5, 6, 6)])
    merged = dissolve_parts(overlapping)
    assert shapely.is_valid(merged)
    assert merged.area == pytest.approx(4 + 4 - 1 + 1)
    assert len(shapely.get_parts(merged)) == 2
    sharing_an_edge = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1)])
    assert len(shapely.get_parts(dissolve_parts(sharing_an_edge))) == 1
    corners = np.array([box(0, 0, 1, 1), box(1, 1, 2, 2)])
    assert len(shapely.get_parts(dissolve_parts(corners))) == 2


def _clean_one_by_one(geom, min_area):
    """The small parts and holes dropped polygon by polygon, as first written."""
    from shapely.geometry import MultiPolygon, Polygon

    polys = []
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type != "Polygon" or part.is_empty or part.area < min_area:
            continue
        holes = [h for h in part.interiors if Polygon(h).area >= min_area]
        polys.append(Polygon(part.exterior, holes))
    return MultiPolygon(polys) if polys else None


def _same_geometries(a, b) -> bool:
    """The same geometries, vertex for vertex and in the same order (``None`` alike)."""
    return [None if g is None else g.wkb for g in a] == [None if g is None else g.wkb for g in b]


def test_small_parts_and_holes_dropped_as_one_by_one():
    square = box(0, 0, 10, 10)
    holed = square.difference(box(1, 1, 2, 2)).difference(box(4, 4, 8, 8))  # holes of 1 and 16
    geoms = np.array(
        [
            holed,
            shapely.multipolygons([holed, box(20, 0, 21, 1), box(30, 0, 34, 4)]),
            box(0, 0, 1, 2),  # only a small part: nothing left
            shapely.from_wkt(
                "GEOMETRYCOLLECTION (POLYGON ((0 0, 9 0, 9 9, 0 0)), LINESTRING (0 0, 5 5), "
                "POLYGON ((20 20, 21 20, 21 21, 20 20)), POINT (1 1))"
            ),
            shapely.from_wkt("POLYGON EMPTY"),
            shapely.from_wkt("MULTIPOLYGON (((0 0, 0 3, 3 3, 3 0, 0 0), (1 1, 2 1, 2 2, 1 1)))"),
        ],
        dtype=object,
    )
    for min_area in (0.5, 1.0, 4.0, 16.0, 100.0):
        fast = without_small_parts(geoms, min_area)
        slow = [_clean_one_by_one(g, min_area) for g in geoms]
        assert _same_geometries(fast, slow), min_area
    kept = without_small_parts(geoms, 4.0)
    assert kept[2] is None and kept[4] is None
    assert len(kept[0].geoms[0].interiors) == 1  # the 16 m² hole stays, the 1 m² one is filled


def _generalised_the_long_way(gdf, by, tolerance_m, min_area):
    """generalise_coverage as first written: every polygon checked, then each dissolved level."""
    simplified = coverage_simplify(gdf[[by, "geometry"]], tolerance_m)
    simplified = simplified[simplified.geometry.notna() & ~simplified.geometry.is_empty]
    groups = list(simplified.groupby(by, sort=True).geometry)
    keys = [key for key, _ in groups]
    geoms = [_clean_one_by_one(dissolve_parts(g.to_numpy()), min_area) for _, g in groups]
    return [(k, g) for k, g in zip(keys, geoms, strict=True) if g is not None]


def _grid_coverage(levels: list[list[int]], size: float = 100.0) -> gpd.GeoDataFrame:
    """Square cells of ``size`` m by level, row by row, with a wiggle on each edge to simplify."""
    cells, values = [], []
    for r, row in enumerate(levels):
        for c, level in enumerate(row):
            cells.append(box(c * size, -r * size - size, c * size + size, -r * size))
            values.append(level)
    grid = gpd.GeoDataFrame({"level": values}, geometry=cells, crs="EPSG:32648")
    # densify so that the simplification has vertices to remove
    grid.geometry = shapely.segmentize(grid.geometry.to_numpy(), size / 7)
    return grid


@pytest.mark.parametrize(
    "levels",
    [
        # like levels meet at corners only: one validity check per level
        [[1, 2, 1, 2], [2, 1, 2, 1], [1, 2, 1, 2]],
        # like levels share edges: the union
        [[1, 1, 2, 2], [1, 3, 3, 2], [3, 3, 1, 1]],
        # a level in a ring around another (holes)
        [[1, 1, 1, 1], [1, 2, 2, 1], [1, 2, 2, 1], [1, 1, 1, 1]],
    ],
)
def test_generalised_coverage_is_what_the_long_way_gave(levels):
    grid = _grid_coverage(levels)
    for tolerance_m, min_area in ((20.0, 0.0), (20.0, 15_000.0), (0.0, 5_000.0)):
        out = generalise_coverage(grid, "level", tolerance_m, min_area)
        slow = _generalised_the_long_way(grid, "level", tolerance_m, min_area)
        assert list(out["level"]) == [k for k, _ in slow]
        assert _same_geometries(out.geometry, [g for _, g in slow]), (tolerance_m, min_area)
        assert out.crs == grid.crs


def test_generalised_coverage_of_an_invalid_simplification_is_what_the_long_way_gave():
    # a bow-tie: the per-polygon repair runs, as in the long way
    bow = shapely.from_wkt("POLYGON ((0 0, 100 100, 100 0, 0 100, 0 0))")
    grid = gpd.GeoDataFrame(
        {"level": [1, 2, 2]}, geometry=[bow, box(200, 0, 300, 100), box(400, 0, 500, 100)]
    )
    grid = grid.set_crs("EPSG:32648")
    out = generalise_coverage(grid, "level", 5.0, 1.0)
    slow = _generalised_the_long_way(grid, "level", 5.0, 1.0)
    assert list(out["level"]) == [k for k, _ in slow]
    assert _same_geometries(out.geometry, [g for _, g in slow])
    assert shapely.is_valid(out.geometry.to_numpy()).all()


@pytest.mark.parametrize(
    "text",
    [
        "var a = 1;",
        '\n        var a = GP.dataLayer("x", {"n":"\\u007b{ 7*7 }}"});\n        ',
        "line one\r\nline two\rline three\n",
        "ends with two newlines\n\n",
        "",
    ],
)
def test_verbatim_renders_what_branca_renders(text):
    assert Verbatim(text).render() == branca.element.Element(text).render()


def _hostile_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "village_id": ["V1", "V2", "V3", "V4"],
            "village_name": ["=1+1", "@SUM(A1)", "Plei\u202eKần", None],
            "households": [12, 0, 7, 3],
            "poverty_rate": [0.25, np.nan, 1.0, np.inf],
            "dist_road_m": [1500.0, 0.0, np.nan, 250.5],
            "all_season_road": [True, False, True, False],
        }
    )


def test_office_cells_are_what_write_cell_wrote():
    frame = _hostile_frame()
    for info in office_columns(frame, "vi", "villages"):
        expected = []
        for value in frame[info.name].tolist():
            shown = display_value(info, _cell(value), "vi")
            if shown is None or (isinstance(shown, (int, float)) and not isinstance(shown, bool)):
                expected.append(shown)
            else:
                expected.append(str(shown))
        cells = _ShownColumn(info, "vi").cells(frame[info.name])
        if info.name == "village_name":
            assert cells == ["'=1+1", "'@SUM(A1)", "PleiKần", None]
        else:
            assert cells == expected, info.name


def test_office_sheet_streams_the_same_bytes_as_cell_by_cell(tmp_path):
    frame = pd.concat([_hostile_frame()] * 3, ignore_index=True)
    columns = office_columns(frame, "vi", "villages")
    fast = tmp_path / "fast.xlsx"
    wb = office_workbook(fast)
    write_office_sheet(wb, "Thôn", frame, columns, "vi")
    wb.close()
    slow = tmp_path / "slow.xlsx"
    wb = office_workbook(slow)
    ws = write_office_sheet(wb, "Thôn", frame.iloc[:0], columns, "vi")
    formats = {}
    for r, row in enumerate(frame.itertuples(index=False, name=None), start=1):
        for c, info in enumerate(columns):
            value = display_value(info, _cell(row[frame.columns.get_loc(info.name)]), "vi")
            fmt = formats.setdefault(
                info.number_format, wb.add_format({"num_format": info.number_format})
            )
            write_cell(ws, r, c, value, fmt if value is not None else None)
    wb.close()
    import zipfile

    def sheet(path):
        with zipfile.ZipFile(path) as z:
            return z.read("xl/worksheets/sheet1.xml").decode()

    fast_xml, slow_xml = sheet(fast), sheet(slow)
    # same cells; the slow sheet's autofilter was sized for no rows
    strip = lambda xml: xml.split("<sheetData>")[1].split("</sheetData>")[0]  # noqa: E731
    assert strip(fast_xml) == strip(slow_xml)
    assert "'=1+1" in fast_xml and "\u202e" not in fast_xml


def test_layer_payloads_are_not_compiled_as_templates(monkeypatch):
    import folium
    import jinja2

    from geoplan.render.elements import DataLayer

    compiled: list[str] = []
    original = jinja2.Environment.from_string

    def spy(self, source, *args, **kwargs):
        compiled.append(str(source))
        return original(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "from_string", spy)
    m = folium.Map(location=[14.5, 108.0], zoom_start=8, tiles=None)
    data = {"type": "FeatureCollection", "features": [], "marker": "payload-7f3a"}
    DataLayer("villages", "Thôn", data, {"style": {}}).add_to(m)
    html = m.get_root().render()
    assert "payload-7f3a" in html
    assert compiled, "the spy saw no compilation at all"
    assert not [s for s in compiled if "payload-7f3a" in s]


def test_report_templates_are_compiled_once():
    from geoplan.render.templating import _env

    assert _env() is _env()
    assert _env().get_template("table.html") is _env().get_template("table.html")


def test_a_shared_value_is_computed_once_per_context():
    from _render_fixtures import make_result

    from geoplan.render.context import prepare
    from geoplan.render.shared import once

    result = make_result()
    first, second = prepare(result, "vi"), prepare(result, "vi")
    calls: list[str] = []

    def compute(name: str) -> list[str]:
        calls.append(name)
        return [name]

    value = once(first, "key", lambda: compute("first"))
    assert once(first, "key", lambda: compute("again")) is value
    assert once(second, "key", lambda: compute("second")) == ["second"]
    assert once(first, "other", lambda: compute("other")) == ["other"]
    assert calls == ["first", "second", "other"]


def test_maps_of_a_shared_context_are_those_of_fresh_contexts(tmp_path):
    from _render_fixtures import make_result

    from geoplan.render.context import prepare
    from geoplan.render.map_base import save_map
    from geoplan.render.map_dashboard import dashboard_map
    from geoplan.render.map_hazard import hazard_map
    from geoplan.render.map_priority import priority_map
    from geoplan.render.shared import _STORE

    result = make_result()
    builds = {
        "hazard": hazard_map,
        "priority": lambda c: priority_map(c, "resettlement"),
        "dashboard": lambda c: dashboard_map(c, lambda _: ""),
        "investment": lambda c: priority_map(c, "investment"),
    }
    shared = prepare(result, "en")
    for name, build in builds.items():
        reused = save_map(build(shared), tmp_path / f"{name}-shared.html").read_bytes()
        fresh = save_map(build(prepare(result, "en")), tmp_path / f"{name}.html").read_bytes()
        assert reused == fresh, name
    assert {"offline_base", "outline_communes", "bounds"} <= set(vars(shared)[_STORE])


@pytest.mark.parametrize(
    "wkts",
    [
        [
            "POLYGON ((107.123456789 14.5, 108 14.5, 108 15.000004, 107.123456789 14.5), "
            "(107.7 14.6, 107.8 14.6, 107.8 14.7, 107.7 14.6))",
            "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2), (2.1 2.1, 2.2 2.1, "
            "2.2 2.2, 2.1 2.1)))",
            "LINESTRING (-0.000001 1.234565, 2.5 -3.999995)",
            "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3, 4 4.123456789))",
            "POLYGON ((0 0, 1 0, 1 1, 0 0))",
        ],
        ["POINT (107.1234567 14.7654321)", "POINT (-1 -0.000004)"],
        # read through __geo_interface__: a collection, a 3D geometry, an empty part
        [
            "GEOMETRYCOLLECTION (POINT (1 1), LINESTRING (0 0, 1 1))",
            "POLYGON ((0 0, 1 0, 1 1, 0 0))",
        ],
        ["POLYGON Z ((0 0 1, 1 0 2, 1 1 3, 0 0 1))", "LINESTRING (0 0, 1 1)"],
        ["MULTIPOINT ((0 0), (1 1))"],
    ],
)
def test_rounded_geojson_is_what_the_geo_interface_gave(wkts):
    import json

    from shapely.geometry import mapping

    from geoplan.render._geo import _round_coords

    geoms = shapely.from_wkt(np.array(wkts, dtype=object))
    for precision in (0, 2, 5):
        rounded = shapely.transform(geoms, lambda xy, p=precision: np.round(xy, p))
        reference = [mapping(g) for g in rounded]
        assert json.dumps(_round_coords(geoms, precision)) == json.dumps(reference), precision


def test_rounded_geojson_of_an_empty_part_is_what_the_geo_interface_gave():
    import json

    from shapely.geometry import mapping

    from geoplan.render._geo import _round_coords

    parts = [box(0, 0, 1, 1), shapely.from_wkt("POLYGON EMPTY")]
    geoms = np.array([shapely.multipolygons(parts), box(2, 2, 3, 3)], dtype=object)
    assert json.dumps(_round_coords(geoms, 3)) == json.dumps([mapping(g) for g in geoms])


def _zipped_like_xlsxwriter(folder, members: dict[str, bytes], stored: set[str]):
    """An archive whose members zipfile compressed from files, in blocks, as xlsxwriter does."""
    import zipfile

    path = folder / "library.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (name, content) in enumerate(members.items()):
            source = folder / f"member{i}"
            source.write_bytes(content)
            kind = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.write(source, name, compress_type=kind)
    return path


def _restamped_the_long_way(path, edits) -> bytes:
    """Every member decompressed and written again by zipfile with the fixed date."""
    import io
    import zipfile

    from geoplan.render.zips import FIXED_ZIP_DATE

    with zipfile.ZipFile(path) as src:
        items = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, content in items:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, edits[name](content) if name in edits else content)
    return out.getvalue()


def test_restamped_zip_is_what_zipfile_writes_member_by_member(tmp_path):
    import zipfile

    from geoplan.render import zips

    rng = np.random.default_rng(7)
    rows = "".join(
        f'<row r="{i}"><c><v>{x:.6f}</v></c></row>' for i, x in enumerate(rng.random(9000))
    )
    members = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
        "xl/worksheets/sheet1.xml": rows.encode(),  # several blocks of 8 KiB
        "xl/empty.xml": b"",
        "xl/media/noise.bin": rng.integers(0, 256, 70_000, dtype=np.uint8).tobytes(),
        "Thôn/dữ liệu.xml": "Đắk Hà".encode(),
        "docProps/core.xml": b"<dcterms:created>2026-11-29T21:00:00Z</dcterms:created>",
    }
    edits = {"docProps/core.xml": lambda raw: raw.replace(b"2026-11-29T21:00:00Z", b"2000")}
    for stored in (set(), {"xl/media/noise.bin", "[Content_Types].xml"}):
        path = _zipped_like_xlsxwriter(tmp_path, members, stored)
        expected = _restamped_the_long_way(path, edits)
        zips.restamp_zip(path, edits)
        assert path.read_bytes() == expected, stored
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None
            assert archive.read("docProps/core.xml") == b"<dcterms:created>2000</dcterms:created>"
            assert {i.date_time for i in archive.infolist()} == {zips.FIXED_ZIP_DATE}
        # beyond a plain zip's sizes zipfile rewrites the archive: the same bytes here
        path = _zipped_like_xlsxwriter(tmp_path, members, stored)
        with zipfile.ZipFile(path) as src:
            zips._rewrite(path, src, edits)
        assert path.read_bytes() == expected, stored
