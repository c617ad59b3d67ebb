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

from geoplan.render._geo import coverage_simplify, dissolve_parts, generalise_coverage
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
