"""Office deliverables: project.qgz, rankings.xlsx, CSV locale, shapefile zip, CLI help."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from geoplan.cli import cli

QGIS_PYTHON = "/usr/bin/python3"
LAYER_FILES = ("rankings.gpkg", "resettlement_sites.gpkg", "landslide_model.gpkg")


def _qgs(out: Path) -> ET.Element:
    with zipfile.ZipFile(out / "project.qgz") as archive:
        assert archive.namelist() == ["project.qgs"]
        return ET.fromstring(archive.read("project.qgs"))


def _gpkg_tables(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'"
        ).fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


def test_project_layers_paths_styles(demo_outputs):
    root = _qgs(demo_outputs)
    layers = root.findall("./projectlayers/maplayer")
    sources = {lyr.findtext("datasource") for lyr in layers}
    # every feature table of every GeoPackage written is in the project, by a relative path
    expected = {
        f"./{name}|layername={table}"
        for name in LAYER_FILES
        if (demo_outputs / name).exists()
        for table in _gpkg_tables(demo_outputs / name)
    }
    assert expected and sources == expected
    for lyr in layers:
        source = lyr.findtext("datasource")
        assert not Path(source.split("|")[0]).is_absolute()
        assert (demo_outputs / source.split("|")[0]).exists()
        renderer = lyr.find("renderer-v2")
        assert renderer is not None, source
    assert root.find("./properties/Paths/Absolute").text == "false"
    by_id = {lyr.findtext("id"): lyr for lyr in layers}
    communes = by_id["rankings_communes"]
    symbol = communes.find("renderer-v2//layer[@class='SimpleFill']")
    options = {o.get("name"): o.get("value") for o in symbol.iter("Option") if o.get("name")}
    assert options["style"] == "no"  # an outline: villages beneath stay visible
    assert communes.find("labeling/settings/text-style").get("fieldName") == "commune_name"
    for lyr in layers:  # translucent fills everywhere
        for fill in lyr.findall("renderer-v2//layer[@class='SimpleFill']"):
            opts = {o.get("name"): o.get("value") for o in fill.iter("Option") if o.get("name")}
            assert opts["style"] == "no" or int(opts["color"].split(",")[3]) < 255
            assert float(opts["outline_width"]) <= 0.6
    village = by_id["villages_resettlement"]
    aliases = {a.get("field"): a.get("name") for a in village.iter("alias")}
    assert aliases["households"] == "Số hộ (hộ)"
    assert aliases["dist_road_m"].endswith("(km)")
    # the layer tree holds every layer once, in groups
    tree_ids = [t.get("id") for t in root.iter("layer-tree-layer") if t.get("source")]
    assert sorted(set(tree_ids)) == sorted(by_id)


def test_project_layouts(demo_outputs, demo_result):
    root = _qgs(demo_outputs)
    layouts = root.findall("./Layouts/Layout")
    tracks = list(demo_result.scenario.scoring.tracks)
    assert len(layouts) == len(tracks) + 1  # one per track and the hazard review
    for layout in layouts:
        page = layout.find("./PageCollection/LayoutItem")
        assert page.get("size") == "420,297,mm"  # A3 landscape
        kinds = [int(item.get("type")) for item in layout.findall("./LayoutItem")]
        # map, legend, scale bar, north arrow, and title / data note / date labels
        for kind in (65639, 65642, 65646, 65640):
            assert kinds.count(kind) == 1, (layout.get("name"), kind)
        labels = [i.get("labelText") for i in layout.findall("./LayoutItem[@type='65641']")]
        assert layout.get("name") in labels
        assert any("format_date(now()" in text for text in labels)
        assert any("geoplan" in text for text in labels)
        map_item = layout.find("./LayoutItem[@type='65639']")
        layer_ids = [e.text for e in map_item.findall("./LayerSet/Layer")]
        legend_ids = [e.get("id") for e in layout.iter("layer-tree-layer")]
        assert layer_ids and legend_ids == layer_ids


def test_geopackages_are_1_2_with_default_styles(demo_outputs):
    for name in LAYER_FILES:
        path = demo_outputs / name
        if not path.exists():
            continue
        con = sqlite3.connect(path)
        try:
            assert con.execute("PRAGMA user_version").fetchone()[0] == 10200, name
            styled = {
                r[0]
                for r in con.execute("SELECT f_table_name FROM layer_styles WHERE useAsDefault")
            }
            qml = dict(
                con.execute(
                    "SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault"
                ).fetchall()
            )
        finally:
            con.close()
        assert styled == _gpkg_tables(path), name
        if name == "rankings.gpkg":
            assert '<alias field="poverty_rate"' in qml["villages"]
            assert 'fieldName="commune_name"' in qml["communes"]
            assert "Xã ĐBKK" in qml["communes"] and "Thôn ĐBKK" in qml["villages"]


@pytest.mark.skipif(
    subprocess.run(
        [QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True, check=False
    ).returncode
    != 0
    if Path(QGIS_PYTHON).exists()
    else True,
    reason="python3-qgis is not installed (.ci/run installs it)",
)
def test_project_loads_in_qgis_and_exports_layouts(demo_outputs, tmp_path):
    copy = tmp_path / "copied folder"  # relative paths: the folder can move
    shutil.copytree(demo_outputs, copy)
    script = Path(__file__).with_name("_qgis_load.py")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [QGIS_PYTHON, str(script), str(copy / "project.qgz"), str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["gdal_messages"] == []  # GDAL 3.6 opens every GeoPackage without a warning
    assert report["read"] and report["messages"] == []
    layers = report["layers"]
    assert len(layers) == len(_qgs(copy).findall("./projectlayers/maplayer"))
    for layer_id, layer in layers.items():
        assert layer["valid"], layer_id
        assert layer["features"] > 0, layer_id
        assert str(copy) in layer["source"]
    assert layers["villages_resettlement"]["renderer"] == "categorizedSymbol"
    assert layers["villages_resettlement"]["labels"]
    assert layers["villages_resettlement"]["aliases"] > 50
    communes = layers["rankings_communes"]
    assert communes["labels"] and communes["aliases"] > 20
    # styled by geoplan, not QGIS's random single colour: a labelled outline without fill
    assert communes["symbol"] == {
        "style": "no",
        "color": "0,0,0,0",
        "outline_color": "66,66,66,255",
    }
    for other in (lid for lid in layers if lid == "rankings_communes_2025"):
        assert layers[other]["symbol"]["style"] == "no"
    assert len(report["layouts"]) >= 2
    for name, layout in report["layouts"].items():
        png = Path(layout["png"])
        assert layout["ok"], name
        assert png.stat().st_size > 20_000, name
        assert {"QgsLayoutItemLegend", "QgsLayoutItemScaleBar", "QgsLayoutItemPicture"} <= set(
            layout["items"]
        )


def test_rankings_xlsx_for_an_office(demo_outputs):
    wb = load_workbook(demo_outputs / "rankings.xlsx")
    assert wb.sheetnames[:2] == ["Thôn", "Xã"] and wb.sheetnames[-1] == "Đọc tôi"
    villages, communes = wb["Thôn"], wb["Xã"]
    for ws in wb.worksheets[:-1]:
        header = [c.value for c in ws[1]]
        # every header translated: no machine name left
        assert not [h for h in header if "_" in str(h)], ws.title
        assert ws.freeze_panes in ("B2", "C2")
        assert ws.auto_filter.ref.startswith("A1:")
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.paperSize in (9, "9")
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToHeight in (0, "0")
        assert ws.print_title_rows == "$1:$1"
    header = [c.value for c in villages[1]]
    col = {h: i for i, h in enumerate(header)}
    for unit_header in ("Số hộ (hộ)", "Tỷ lệ hộ nghèo (%)", "Đến đường gần nhất (km)"):
        assert unit_header in col
    assert any(h.endswith("(phút)") for h in header)
    row = [c for c in villages[2]]
    assert row[col["Tỷ lệ hộ nghèo (%)"]].number_format == "0.0%"
    assert row[col["Số hộ (hộ)"]].number_format == "#,##0"
    assert row[col["Đến đường gần nhất (km)"]].number_format == "#,##0.00"
    flags = {r[col["Đường đi được 4 mùa"]] for r in villages.iter_rows(min_row=2, values_only=True)}
    assert flags <= {"Có", "Không"} and flags
    # the commune sheet heads commune fields as commune fields
    commune_header = [c.value for c in communes[1]]
    assert "Xã ĐBKK" in commune_header and "Thôn ĐBKK" not in commune_header
    statuses = {
        r[commune_header.index("Mức đạt chuẩn NTM")]
        for r in communes.iter_rows(min_row=2, values_only=True)
    }
    assert statuses <= {"Chưa đạt", "Đạt chuẩn", "Nâng cao", "Kiểu mẫu"}
    if "Phân bổ vốn" in wb.sheetnames:
        alloc = wb["Phân bổ vốn"]
        head = [c.value for c in alloc[1]]
        assert "Kinh phí (triệu đồng)" in head
        kinds = {
            r[head.index("Loại hạng mục")] for r in alloc.iter_rows(min_row=2, values_only=True)
        }
        assert "road" not in kinds
    readme = [r for r in wb["Đọc tôi"].iter_rows(values_only=True)]
    fields = {r[2] for r in readme if r and len(r) > 2}
    assert {"households", "poverty_rate", "dist_road_m"} <= fields


def test_csv_keeps_field_names_and_locale_vi(demo_outputs, tmp_path):
    from geoplan.render.tables import write_frame_csv

    head = (demo_outputs / "rankings.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert head.startswith("village_id,village_name,commune_code")
    frame = pd.DataFrame({"village_id": ["a"], "poverty_rate": [0.125], "households": [1200]})
    text = write_frame_csv(frame, tmp_path / "x.csv", locale="vi").read_text("utf-8-sig")
    assert text == "village_id;poverty_rate;households\na;0,125;1200\n"


def test_shapefile_zip(demo_result, tmp_path):
    import geopandas as gpd

    from geoplan.render.context import prepare
    from geoplan.render.shapefile import short_names, write_shapefile_zip

    names = short_names(["resettlement_rank_p05", "resettlement_rank_p50", "households"])
    assert all(len(n) <= 10 for n in names.values()) and len(set(names.values())) == 3
    ctx = prepare(demo_result, "vi")
    path = write_shapefile_zip(ctx, tmp_path / "r.zip")
    with zipfile.ZipFile(path) as archive:
        listed = set(archive.namelist())
        assert {"villages.shp", "villages.cpg", "villages.dbf", "field_names.csv"} <= listed
        assert archive.read("villages.cpg") == b"UTF-8"
        table = pd.read_csv(archive.open("field_names.csv"), encoding="utf-8-sig")
    shp = gpd.read_file(f"zip://{path}!villages.shp")
    assert len(shp) == len(ctx.villages)
    assert set(shp.columns) - {"geometry"} <= set(table["short_name"].dropna())
    assert set(shp["village_id"]) == set(ctx.villages["village_id"])
    name_col = table.set_index("field").loc["village_name", "short_name"]
    assert set(shp[name_col]) == set(ctx.villages["village_name"])  # diacritics survive


def test_cli_help_renders_example_lines(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "\\b" not in result.output
    lines = result.output.splitlines()
    assert "  Start with:  geoplan demo" in lines
    assert any(line.startswith("  Your data:   geoplan check") for line in lines)
    run_help = runner.invoke(cli, ["run", "--help"]).output
    assert "--csv-locale" in run_help and "--shapefile" in run_help
    assert "export" in runner.invoke(cli, ["review", "--help"]).output


def test_demo_scenario_is_public():
    import geoplan

    path = geoplan.demo_scenario()
    assert path.is_file() and geoplan.load_scenario(path).name


def test_review_import_of_an_empty_folder_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(
        cli, ["review", "import", str(geoplan_demo()), str(tmp_path)], catch_exceptions=False
    )
    assert result.exit_code == 2
    assert "no review workbooks (.xlsx) to import" in result.output
    assert list(tmp_path.iterdir()) == []


def test_rankings_xlsx_in_english(demo_result, tmp_path):
    from geoplan.render.context import prepare
    from geoplan.render.tables import write_xlsx

    path = write_xlsx(prepare(demo_result, "en"), tmp_path / "r.xlsx")
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames[:2] == ["Villages", "Communes"] and wb.sheetnames[-1] == "Read me"
    header = [c.value for c in next(wb["Villages"].iter_rows(max_row=1))]
    assert "Households (hh)" in header and "Poverty rate (%)" in header
    assert not [h for h in header if "_" in str(h)]
    flags = {
        r[header.index("All-season road")]
        for r in wb["Villages"].iter_rows(min_row=2, values_only=True)
    }
    assert flags and flags <= {"Yes", "No"}
    wb.close()


def geoplan_demo() -> Path:
    import geoplan

    return geoplan.demo_scenario()
