"""The render stage's structure: HTML through templates, one label catalogue, one flag rule."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path
from typing import get_args

import numpy as np
import pandas as pd
import pytest

from geoplan.config.indicators import IndicatorConfig
from geoplan.config.scoring import TRACKS
from geoplan.i18n import Group, catalogue, tr
from geoplan.indicators.exposure import REASON_CODES, hazard_reasons
from geoplan.render import columns, qgis, tables

RENDER = Path(__file__).resolve().parents[1] / "geoplan" / "render"
PACKAGE = RENDER.parent

# An HTML or XML tag in a string literal: "<p>", "</td>", "<div hidden id=...>".
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?/?>")

# Modules of geoplan/render that may hold tags in Python, and why.  Every other module
# writes HTML through templates/ (Jinja2, autoescaping on).
TAGS_ALLOWED = {
    "map_base.py": "the map's language marker, and the check that a file is a page",
    "map_dashboard.py": "the dashboard's side column, wrapped around template output",
    "offline.py": "the vendored scripts and styles, inlined into the page head",
    "map_compact.py": "the compact layers' vendored script, inlined into the page head",
    "qgis.py": "QGIS project XML (xml.sax.saxutils escapes), not HTML",
    "qgis_styles.py": "QGIS style XML (xml.sax.saxutils escapes), not HTML",
    "xlsx_rows.py": "the rows of a spreadsheet's sheet XML (escaped as xlsxwriter does), not HTML",
}


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _tag_literals(path: Path) -> list[str]:
    """String literals (f-string parts included, docstrings aside) holding a tag."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    return [
        f"{path.name}:{node.lineno}: {node.value[:60]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docs
        and TAG.search(node.value)
    ]


def test_render_writes_html_through_templates_only():
    found = [
        hit
        for path in sorted(RENDER.glob("*.py"))
        if path.name not in TAGS_ALLOWED
        for hit in _tag_literals(path)
    ]
    assert not found, "HTML built in Python; write it in render/templates/:\n" + "\n".join(found)


def test_tag_allow_list_is_not_stale():
    for name in TAGS_ALLOWED:
        assert _tag_literals(RENDER / name), f"{name} no longer builds tags: drop it from the list"


def test_render_uses_no_manual_html_escape():
    for path in sorted(RENDER.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "html":
                assert all(a.name != "escape" for a in node.names), path.name
            if isinstance(node, ast.Attribute) and node.attr == "escape":
                assert getattr(node.value, "id", "") != "html", path.name


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_label_catalogue_has_both_languages_with_the_same_placeholders():
    groups = catalogue()
    assert set(groups) == set(get_args(Group))
    for group, labels in groups.items():
        for key, (vi, en) in labels.items():
            assert vi.strip() and en.strip(), f"{group}.{key} lacks a language"
            assert _fields(vi) == _fields(en), f"{group}.{key}: placeholders differ"


def test_every_literal_label_key_is_in_the_catalogue():
    labels = catalogue()
    lookups = {"tr", "label", "section_text", "_s", "_t", "_word"}
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            key = getattr(node.args[0], "value", None)
            if name not in lookups or not isinstance(key, str):
                continue
            # tr(key, lang, group) and label(key, lang, group, ...): the key is looked up
            # in that group, then in common
            group = getattr(node.args[2], "value", None) if len(node.args) > 2 else None
            if isinstance(group, str) and group in labels:
                found = key in labels[group] or key in labels["common"]
            else:
                found = any(key in keys for keys in labels.values())
            if not found:
                missing.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {key}")
    assert not missing, missing


def test_office_column_labels_and_display_kinds_name_the_same_columns():
    # headers live in labels.yaml, number formats in columns.py: neither may lack the other
    labels = catalogue()
    assert set(labels["columns"]) == set(columns._BASE_KINDS)
    for sheet, kinds in columns._SHEET_KINDS.items():
        assert set(labels[columns._SHEET_GROUPS[sheet]]) == set(kinds), sheet
    assert set(labels["column_suffixes"]) == set(columns._TRACK_SUFFIX_KINDS)
    assert set(labels["column_tracks"]) == {*TRACKS, "ntm"}
    units = {unit for _, unit, _ in columns._KINDS.values() if unit}
    assert set(labels["column_units"]) == units
    coded = {f"{col}.{code}" for col, codes in columns._CODED_COLUMNS.items() for code in codes}
    assert set(labels["column_values"]) == coded
    for kind in {*columns._BASE_KINDS.values(), *columns._TRACK_SUFFIX_KINDS.values()}:
        assert kind in columns._KINDS, kind


SHEETS = ("villages", "communes", "communes_2025", "targets", "allocation")


def test_labels_built_from_keys_exist():
    # keys put together in code (f"sheet_{key}"...) escape the literal-key check above
    labels = catalogue()
    built = {
        "tables": [
            *(f"sheet_{key}" for key in (*SHEETS, "readme")),
            *(f"readme_{key}" for key in tables._README_HEAD),
            *(f"kind_note_{kind}" for kind in tables._KIND_NOTES),
        ],
        "qgis": [f"group_{key}" for key in qgis._GROUPS],
        "reasons": [f"track_{track}" for track in TRACKS],
    }
    missing = [f"{g}.{k}" for g, keys in built.items() for k in keys if k not in labels[g]]
    assert not missing, missing
    for kind in tables._KIND_NOTES:
        assert kind in columns._KINDS, kind


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_office_headers_come_from_the_catalogue(lang):
    # a header is the catalogue's label, with the unit of its kind, in the chosen language
    pick = 0 if lang == "vi" else 1
    labels = catalogue()
    info = columns.column_info("dist_border_m", lang)
    unit = labels["column_units"]["km"][pick]
    assert info.header == f"{labels['columns']['dist_border_m'][pick]} ({unit})"
    assert info.number_format == "#,##0.00" and info.divisor == 1000.0
    override = columns.column_info("is_especially_difficult", lang, sheet="communes")
    assert override.label == labels["columns_communes"]["is_especially_difficult"][pick]
    assert override.label != columns.column_info("is_especially_difficult", lang).label
    value = columns.display_value(columns.column_info("source", lang), "central+district", lang)
    words = labels["column_values"]
    assert value == f"{words['source.central'][pick]} + {words['source.district'][pick]}"
    assert columns.display_value(columns.column_info("source", lang), "other", lang) == "other"
    assert columns.column_info("not_a_column", lang).label == "not_a_column"


def test_every_hazard_reason_has_a_map_label():
    for code in REASON_CODES:
        assert tr(f"flag_{code}", "vi") != f"flag_{code}"


def test_hazard_reasons_follow_the_scenario_thresholds():
    frame = pd.DataFrame(
        {
            "landslide_level": [5, 3, 0, 0, np.nan],
            "landslide_share_high": [1.0, 0.25, 0.1, 0.0, np.nan],
            "dist_high_landslide_m": [0.0, 50.0, 150.0, 400.0, np.nan],
        }
    )
    config = IndicatorConfig(hazard_flag_share=0.25, hazard_flag_distance_m=150.0)
    codes = [[r.code for r in row] for row in hazard_reasons(frame, config, None)]
    assert codes == [["in_high", "share_high"], ["share_high", "near_high"], ["near_high"], [], []]
    strict = IndicatorConfig(hazard_flag_share=0.5, hazard_flag_distance_m=100.0)
    codes = [[r.code for r in row] for row in hazard_reasons(frame, strict, None)]
    assert codes == [["in_high", "share_high"], ["near_high"], [], [], []]
    first = hazard_reasons(frame, config, None).iloc[1]
    assert [r.text() for r in first] == [
        "25% of its area in levels 4-5",
        "50 m from a high landslide zone",
    ]


def _yes(value: object) -> bool:
    return bool(pd.notna(value) and value)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_hazard_map_shows_the_reasons_indicators_computed(demo_result, lang):
    from geoplan.render._geo import Columns
    from geoplan.render.context import prepare
    from geoplan.render.map_hazard import hazard_flags, village_hazard_reasons

    ctx = prepare(demo_result, lang)
    villages = ctx.villages
    reasons = village_hazard_reasons(ctx, villages)
    flags = hazard_flags(Columns(villages), list(reasons), lang)
    rows = zip(villages.iterrows(), reasons, flags, strict=True)
    for (_, row), found, shown in rows:
        written = str(row["hazard_reason"])
        assert "; ".join(r.text() for r in found) == written
        assert bool(found) == bool(row["hazard_flag"])
        forest = _yes(row["in_special_use_forest"]) or _yes(row["in_protective_forest"])
        location = int(forest) + int(_yes(row["in_border_belt"]))
        assert len(shown) == len(written.split("; ")) * bool(written) + location
