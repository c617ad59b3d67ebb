"""Build the files the docs' examples name, as provincial offices keep them, from the demo."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import openpyxl
import pyogrio
from _paths import DEMO_LAYERS, ROOT

from geoplan.io.text import encode_tcvn3

GPKG = DEMO_LAYERS / "kontum.gpkg"
UNIT_WORD = {"xa": "Xã", "phuong": "Phường", "thi_tran": "Thị trấn"}


def yaml_blocks(doc: str) -> list[str]:
    """The ```yaml blocks of a docs page, verbatim."""
    text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)


def demo_subset(max_districts: int = 2) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Communes of a few districts (those sharing a commune name first) and their villages."""
    communes = pyogrio.read_dataframe(GPKG, layer="communes")
    repeated = communes[communes["commune_name"].duplicated(keep=False)]
    districts = list(dict.fromkeys([*repeated["district_code"], *communes["district_code"]]))
    chosen = districts[:max_districts]
    communes = communes[communes["district_code"].isin(chosen)].reset_index(drop=True)
    villages = pyogrio.read_dataframe(GPKG, layer="villages")
    villages = villages[villages["commune_code"].isin(communes["commune_code"])]
    return communes, villages.reset_index(drop=True)


def full_name(row) -> str:
    return f"{UNIT_WORD.get(row.get('commune_type'), 'Xã')} {row['commune_name']}"


def write_tcvn3_shapefile(communes: gpd.GeoDataFrame, path: Path) -> None:
    """Commune polygons with TCVN3 text in the DBF, no .prj and no .cpg."""
    tcvn3 = lambda s: encode_tcvn3(str(s)).decode("latin-1")  # noqa: E731
    gdf = gpd.GeoDataFrame(
        {
            "MA_XA": communes["commune_code"],
            "TEN_XA": [tcvn3(full_name(r)) for _, r in communes.iterrows()],
            "MA_HUYEN": communes["district_code"],
            "TEN_HUYEN": [tcvn3(n) for n in communes["district_name"]],
        },
        geometry=communes.geometry.to_numpy(),
        crs=None,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(gdf, path, encoding="latin1")
    for suffix in (".prj", ".cpg"):
        path.with_suffix(suffix).unlink(missing_ok=True)


def write_village_workbook(
    villages: gpd.GeoDataFrame, path: Path, *, titles: bool = True, ascii_header: bool = False
) -> None:
    """The village list: title rows, header, VN-2000 X (northing) / Y (easting), totals row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Danh sach thon"
    if titles:
        ws.append(["UBND TỈNH KON TUM"])
        ws.merge_cells("A1:H1")
        ws.append(["DANH SÁCH THÔN, LÀNG VÀ SỐ HỘ NĂM 2024"])
        ws.merge_cells("A2:H2")
        ws.append(["Kon Tum, ngày 15 tháng 3 năm 2024"])
    header = (
        ["stt", "ma_thon", "ten_thon", "ma_xa", "tong_so_ho", "ho_ngheo", "toa_do_x", "toa_do_y"]
        if ascii_header
        else [
            "STT",
            "Mã thôn",
            "Tên thôn",
            "Mã xã",
            "Tổng số hộ",
            "Hộ nghèo",
            "Tọa độ X",
            "Tọa độ Y",
        ]
    )
    ws.append(header)
    for i, v in enumerate(villages.itertuples(), start=1):
        ws.append(
            [
                i,
                v.village_id,
                v.village_name,
                v.commune_code,
                int(v.households),
                int(v.poor_households),
                round(v.geometry.y, 2),  # X = northing (survey convention)
                round(v.geometry.x, 2),
            ]
        )
    if titles:
        total = int(villages["households"].sum())
        ws.append(["Tổng cộng", None, None, None, total, None, None, None])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def write_poverty_csv(communes: gpd.GeoDataFrame, path: Path) -> None:
    """Poverty rate (percent, decimal comma) keyed by district and commune name, no code."""
    lines = ["Huyện;Xã;Tỷ lệ hộ nghèo (%)"]
    for i, r in communes.iterrows():
        district = str(r["district_name"]).upper()
        name = full_name(r) if i % 2 else str(r["commune_name"]).upper()
        rate = f"{round(float(r['poverty_rate_2024']) * 100, 1):.1f}".replace(".", ",")
        lines.append(f"{district};{name};{rate}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")


def _commune_table(columns: dict[str, str]) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        communes, _ = demo_subset()
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Xa" if "chi_tieu" in path.name else "2024"
        ws.append(list(columns))
        for _, r in communes.iterrows():
            ws.append([r[src] for src in columns.values()])
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)

    return build


def _tcvn3_poverty_by_code(path: Path) -> None:
    communes, _ = demo_subset()
    rows = ["Mã xã,Tỷ lệ nghèo"] + [
        f"{r.commune_code},{r.poverty_rate_2024:.3f}" for r in communes.itertuples()
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode_tcvn3("\r\n".join(rows) + "\r\n"))


def _village_poverty(path: Path) -> None:
    _, villages = demo_subset()
    lines = ["ma_thon,ho_ngheo"] + [
        f"{v.village_id},{v.poor_households}" for v in villages.itertuples()
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _demo_layer(layer: str, *, rename: dict[str, str] | None = None, driver: str | None = None):
    def build(path: Path) -> None:
        gdf = pyogrio.read_dataframe(GPKG, layer=layer)
        if rename:
            gdf = gdf.rename(columns=rename)
        path.parent.mkdir(parents=True, exist_ok=True)
        kw = {"layer": "cap_do"} if layer == "landslide_zones" else {}
        pyogrio.write_dataframe(gdf, path, driver=driver, **kw)

    return build


def _copy(name: str) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEMO_LAYERS / name, path)

    return build


def _communes_shp(path: Path) -> None:
    write_tcvn3_shapefile(demo_subset()[0], path)


def _villages_xlsx(titles: bool, ascii_header: bool) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        write_village_workbook(demo_subset()[1], path, titles=titles, ascii_header=ascii_header)

    return build


#: every file the docs' YAML examples name -> how to build it
BUILDERS: dict[str, Callable[[Path], None]] = {
    "data/xa.shp": _communes_shp,
    "data/ranh_gioi_xa.shp": _communes_shp,
    "data/nong_thon_moi.xlsx": _commune_table(
        {"Mã xã": "commune_code", "Số tiêu chí": "ntm_criteria_met"}
    ),
    "data/chi_tieu_ntm_2024.xlsx": _commune_table(
        {"ma_xa": "commune_code", "so_tieu_chi": "ntm_criteria_met"}
    ),
    "data/khu_vuc.xlsx": _commune_table(
        {"Huyện": "district_name", "Tên xã": "commune_name", "Khu vực": "region"}
    ),
    "data/ngheo.csv": _tcvn3_poverty_by_code,
    "data/ho_ngheo_2024.csv": lambda p: write_poverty_csv(demo_subset()[0], p),
    "data/thon.xlsx": _villages_xlsx(titles=True, ascii_header=False),
    "data/danh_sach_thon.xlsx": _villages_xlsx(titles=True, ascii_header=False),
    "data/thon_lang.xlsx": _villages_xlsx(titles=False, ascii_header=True),
    "data/ho_ngheo.csv": _village_poverty,
    "data/phan_vung_sat_lo.gpkg": _demo_layer("landslide_zones", rename={"level": "cap_do"}),
    "data/dem_30m.tif": _copy("dem.tif"),
    "data/ba_loai_rung.gpkg": _demo_layer("forest", rename={"forest_type": "loai_rung"}),
    "data/duong_bien_gioi.geojson": _demo_layer("border"),
    "data/giao_thong.fgb": _demo_layer("roads"),
    "data/xa_phuong_2025.gpkg": _demo_layer("communes_2025"),
    "data/xa_2022.gpkg": _demo_layer("communes"),
    "data/kontum_2025_communes.geojson": lambda p: (
        p.parent.mkdir(parents=True, exist_ok=True),
        shutil.copyfile(ROOT / "geoplan" / "demo" / "data" / "kontum_2025_communes.geojson", p),
    ),
    "data/song_suoi.kmz": _demo_layer("rivers", driver="LIBKML"),
}


def paths_named(layers: dict) -> list[str]:
    """Every `path:` of a layers mapping, joins included."""
    out = []
    for spec in layers.values():
        out.append(spec["path"])
        out.extend(j["path"] for j in spec.get("join", []))
    return out


def build_files(layers: dict, folder: Path) -> None:
    for rel in paths_named(layers):
        assert rel in BUILDERS, f"the docs name {rel}; add a builder to tests/_office_files.py"
        BUILDERS[rel](folder / rel)
