"""Review workbooks: one per commune out, validated changes back in."""

from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from geoplan.errors import GeoplanError
from geoplan.i18n import Lang, tr
from geoplan.render.columns import column_info
from geoplan.render.tables import office_workbook, write_cell
from geoplan.review.corrections import LOG_COLUMNS, corrections_path, read_corrections

__all__ = ["REVIEW_FIELDS", "ImportResult", "export_packs", "import_packs"]

# village fields an officer may correct: counts, then yes/no facts
COUNT_FIELDS = (
    "households",
    "population",
    "poor_households",
    "near_poor_households",
    "em_households",
    "hygienic_water_households",
    "em_hh_no_residential_land",
    "em_hh_no_production_land",
)
FLAG_FIELDS = ("is_especially_difficult", "all_season_road", "has_grid_power", "has_communal_house")
REVIEW_FIELDS = COUNT_FIELDS + FLAG_FIELDS
# counts that cannot exceed the village's households
_AT_MOST_HOUSEHOLDS = (
    "poor_households",
    "near_poor_households",
    "em_households",
    "hygienic_water_households",
)
_SHOWN = ("hh_exposed_high", "landslide_level", "dist_road_m", "travel_min_commune_centre")
_META_SHEET = "_geoplan"
_YES = {"có", "yes", "true", "1"}
_NO = {"không", "no", "false", "0"}


@dataclass(frozen=True)
class ImportResult:
    """What ``import_packs`` recorded.

    Attributes
    ----------
    changes
        The new change-log rows (``LOG_COLUMNS``).
    log_path
        The scenario's change log, appended to.
    """

    changes: pd.DataFrame
    log_path: Path


def _word(key: str, lang: Lang) -> str:
    return tr(key, lang, "review")


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    ascii_text = ascii_text.encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-") or "commune"


def _pack_frame(result: Any) -> pd.DataFrame:
    villages = result.layers.villages
    scored = result.scoring.villages.set_index("village_id")
    frame = pd.DataFrame(villages.drop(columns="geometry")).copy()
    frame["village_id"] = frame["village_id"].astype(str)
    for col in _SHOWN:
        if col in scored:
            frame[col] = frame["village_id"].map(scored[col])
    for track in result.scenario.scoring.tracks:
        frame[f"{track}_rank"] = frame["village_id"].map(scored.get(f"{track}_rank"))
    return frame


def export_packs(result: Any, out_dir: Path, *, lang: Lang = "vi") -> list[Path]:
    """Write one review workbook per commune into ``out_dir``.

    Each workbook lists the commune's villages: code and name (locked), the
    fields of ``REVIEW_FIELDS`` (editable, validated: whole numbers from 0, Có/Không),
    the poverty and water-gap rates as protected formulas over them, exposure,
    road distance, travel time and ranks for reference (locked), and "who"/"why"
    columns.  The sheet is protected (no password: it guards against slips).

    Parameters
    ----------
    result
        A ``PlanResult`` (villages from ``result.layers``, ranks from ``result.scoring``).
    out_dir
        Folder for the workbooks; created if needed.  An existing file is never
        overwritten.
    lang
        Language of headers and values.

    Returns
    -------
    list of Path
        The workbooks, one per commune with villages, by commune code.
    """
    frame = _pack_frame(result)
    names = dict(
        zip(
            result.layers.communes["commune_code"].astype(str),
            result.layers.communes["commune_name"].astype(str),
            strict=False,
        )
    )
    out_dir = Path(out_dir)
    targets = {
        code: out_dir / f"{code}_{_slug(names.get(code, code))}.xlsx"
        for code in sorted(frame["commune_code"].astype(str).unique())
    }
    clash = [p for p in targets.values() if p.exists()]
    if clash:
        msg = f"{clash[0]} already exists: export the review packs into an empty folder"
        raise GeoplanError(msg)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        for code, target in targets.items():
            villages = frame[frame["commune_code"].astype(str) == code]
            _write_pack(
                Path(tmp) / target.name, villages, result, (code, names.get(code, code)), lang
            )
        for target in targets.values():
            shutil.move(str(Path(tmp) / target.name), target)
    return list(targets.values())


# The header of a pack's sheet is on row 3 (index 2), its villages from row 4.
_HEADER_ROW = 2
_FIRST_ROW = 3


def _write_pack(
    path: Path, villages: pd.DataFrame, result: Any, commune: tuple[str, str], lang: Lang
) -> None:
    code, name = commune
    wb = office_workbook(path)
    ws = wb.add_worksheet(_word("sheet", lang))
    formats = _pack_formats(wb)
    tracks = list(result.scenario.scoring.tracks)
    shown = [c for c in (*_SHOWN, *(f"{t}_rank" for t in tracks)) if c in villages]
    fields = [
        "village_id",
        "village_name",
        *REVIEW_FIELDS,
        "=poverty_rate",
        "=water_gap",
        *shown,
        "who",
        "why",
    ]
    col = {f: i for i, f in enumerate(fields)}
    title = f"{name} ({code}) – {result.scenario.title or result.scenario.name}"
    _write_header(ws, title, col, formats, lang)
    for r, (_, v) in enumerate(villages.iterrows(), start=_FIRST_ROW):
        _write_village(ws, r, v, col=col, shown=shown, formats=formats, lang=lang)
    _protect_sheet(ws, col, len(villages), lang)
    meta = wb.add_worksheet(_META_SHEET)
    meta.write_string(0, 0, "scenario")
    meta.write_string(0, 1, str(result.scenario.name))
    meta.write_string(1, 0, "commune_code")
    meta.write_string(1, 1, code)
    meta.write_string(2, 0, "header_row")
    meta.write_number(2, 1, _FIRST_ROW)
    for i, f in enumerate(fields):
        meta.write_string(3, i, f)
    meta.hide()
    wb.close()


def _pack_formats(wb: Any) -> dict[str, Any]:
    """Return the cell formats of a pack: header, editable (yellow), computed (grey), title."""
    return {
        "head": wb.add_format(
            {"bold": True, "text_wrap": True, "bg_color": "#DDE4EE", "border": 1, "locked": True}
        ),
        "edit_int": wb.add_format({"locked": False, "bg_color": "#FFF2CC", "num_format": "#,##0"}),
        "edit_txt": wb.add_format({"locked": False, "bg_color": "#FFF2CC"}),
        "grey": wb.add_format({"locked": True, "bg_color": "#EEEEEE"}),
        "pct": wb.add_format({"locked": True, "bg_color": "#EEEEEE", "num_format": "0.0%"}),
        "title": wb.add_format({"bold": True, "font_size": 13}),
    }


def _write_header(
    ws: Any, title: str, col: dict[str, int], formats: dict[str, Any], lang: Lang
) -> None:
    """Write the pack's title, help line and column headers (with widths)."""
    ws.write_string(0, 0, title, formats["title"])
    ws.write_string(1, 0, _word("help", lang))
    for f, i in col.items():
        if f in ("who", "why"):
            text = _word(f, lang)
        else:
            text = column_info(f.lstrip("="), lang, sheet="villages").header
        ws.write_string(_HEADER_ROW, i, text, formats["head"])
        ws.set_column(i, i, 26 if f in ("village_name", "why") else 14)
    ws.set_row(_HEADER_ROW, 48)


def _write_village(
    ws: Any,
    r: int,
    v: pd.Series,
    *,
    col: dict[str, int],
    shown: list[str],
    formats: dict[str, Any],
    lang: Lang,
) -> None:
    """Write one village's row: editable counts and flags, rate formulas, computed columns."""
    yes, no = tr("yes", lang), tr("no", lang)
    excel_row = r + 1
    write_cell(ws, r, col["village_id"], str(v["village_id"]), formats["grey"])
    write_cell(ws, r, col["village_name"], str(v["village_name"]), formats["grey"])
    for f in COUNT_FIELDS:
        value = v.get(f)
        write_cell(ws, r, col[f], None if pd.isna(value) else int(value), formats["edit_int"])
    for f in FLAG_FIELDS:
        value = v.get(f)
        flag = None if pd.isna(value) else (yes if bool(value) else no)
        write_cell(ws, r, col[f], flag, formats["edit_txt"])
    hh, poor, water = (
        _col_letter(col["households"]),
        _col_letter(col["poor_households"]),
        _col_letter(col["hygienic_water_households"]),
    )
    ws.write_formula(
        r,
        col["=poverty_rate"],
        f'=IF({hh}{excel_row}>0,{poor}{excel_row}/{hh}{excel_row},"")',
        formats["pct"],
    )
    ws.write_formula(
        r,
        col["=water_gap"],
        f'=IF({hh}{excel_row}>0,1-{water}{excel_row}/{hh}{excel_row},"")',
        formats["pct"],
    )
    for f in shown:
        info = column_info(f, lang, sheet="villages")
        value = v.get(f)
        value = None if pd.isna(value) else float(value) / info.divisor
        write_cell(ws, r, col[f], value, formats["grey"])
    ws.write_blank(r, col["who"], None, formats["edit_txt"])
    ws.write_blank(r, col["why"], None, formats["edit_txt"])


def _protect_sheet(ws: Any, col: dict[str, int], n_villages: int, lang: Lang) -> None:
    """Validate the editable cells, freeze the header, protect the sheet and set the page."""
    last = _FIRST_ROW + n_villages - 1
    if n_villages:
        ws.data_validation(
            _FIRST_ROW,
            col[COUNT_FIELDS[0]],
            last,
            col[COUNT_FIELDS[-1]],
            {"validate": "integer", "criteria": ">=", "value": 0, "error_message": "≥ 0"},
        )
        ws.data_validation(
            _FIRST_ROW,
            col[FLAG_FIELDS[0]],
            last,
            col[FLAG_FIELDS[-1]],
            {"validate": "list", "source": [tr("yes", lang), tr("no", lang)]},
        )
    ws.freeze_panes(_FIRST_ROW, 2)
    ws.protect("", {"autofilter": True, "sort": False, "format_columns": True})
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(_HEADER_ROW)


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _read_pack(path: Path, scenario_name: str) -> tuple[str, pd.DataFrame]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=False)
    except Exception as exc:
        msg = f"{path}: not a readable review workbook ({type(exc).__name__}: {exc})"
        raise GeoplanError(msg) from exc
    if _META_SHEET not in wb.sheetnames:
        msg = f"{path}: not a geoplan review pack (no {_META_SHEET} sheet)"
        raise GeoplanError(msg)
    meta = wb[_META_SHEET]
    if str(meta["B1"].value) != scenario_name:
        msg = f"{path}: exported for scenario {meta['B1'].value!r}, not {scenario_name!r}"
        raise GeoplanError(msg)
    header_row = int(meta["B3"].value)
    fields = [c.value for c in meta[4] if c.value]
    data = wb.worksheets[0]
    rows = list(data.iter_rows(min_row=header_row + 1, max_col=len(fields), values_only=True))
    frame = pd.DataFrame(rows, columns=fields)
    frame.index = pd.RangeIndex(header_row + 1, header_row + 1 + len(frame))
    return str(data.title), frame[frame["village_id"].notna()]


def _parse(field: str, value: Any) -> tuple[Any, str | None]:
    """Return ``(value, error)``: a count as int, a flag as bool."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "is empty"
    if field in FLAG_FIELDS:
        text = str(value).strip().lower()
        if text in _YES:
            return True, None
        if text in _NO:
            return False, None
        return None, f"must be Có/Không (Yes/No), not {value!r}"
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        return None, f"must be a whole number, not {value!r}"
    if number < 0 or number != int(number):
        return None, f"must be a whole number from 0, not {value!r}"
    return int(number), None


def _current(villages: pd.DataFrame, field: str, vid: str) -> Any:
    value: Any = villages.at[vid, field]
    if pd.isna(value):
        return None
    return bool(value) if field in FLAG_FIELDS else int(value)


def import_packs(
    scenario: Any,
    folder: Path,
    *,
    villages: pd.DataFrame,
    now: datetime | None = None,
) -> ImportResult:
    """Validate returned review workbooks and append their changes to the change log.

    Parameters
    ----------
    scenario
        The scenario the packs were exported from (its change log is
        :func:`geoplan.review.corrections_path`).
    folder
        Folder holding the returned ``.xlsx`` workbooks.
    villages
        The village layer as the run sees it (with earlier corrections applied):
        a value equal to it is not a change.
    now
        Time stamp of the changes (default: now, UTC).

    Returns
    -------
    ImportResult
        The recorded rows and the log's path.

    Raises
    ------
    GeoplanError
        Listing every problem (file, sheet, row, field) at once; nothing is
        recorded then.
    """
    log_path = corrections_path(scenario)
    if log_path is None:
        msg = "the scenario was not read from a file: give it a `corrections:` path"
        raise GeoplanError(msg)
    when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    current = villages.assign(village_id=villages["village_id"].astype(str)).set_index("village_id")
    errors: list[str] = []
    changes: list[dict[str, Any]] = []
    files = sorted(Path(folder).glob("*.xlsx"))
    if not files:
        msg = f"{folder}: no review workbooks (.xlsx) to import"
        raise GeoplanError(msg)
    for path in files:
        sheet, frame = _read_pack(path, str(scenario.name))
        for row_no, row in frame.iterrows():
            where = f"{path.name}, sheet {sheet!r}, row {row_no}"
            vid = str(row["village_id"])
            if vid not in current.index:
                errors.append(f"{where}: village {vid!r} is not in the village layer")
                continue
            parsed: dict[str, Any] = {}
            for field in REVIEW_FIELDS:
                value, error = _parse(field, row[field])
                if error:
                    errors.append(f"{where}, field {field}: {error}")
                else:
                    parsed[field] = value
            households = parsed.get("households")
            for field in _AT_MOST_HOUSEHOLDS:
                if households is not None and parsed.get(field, 0) > households:
                    errors.append(
                        f"{where}, field {field}: {parsed[field]} is more than the village's"
                        f" {households} households"
                    )
            edits = [(f, v) for f, v in parsed.items() if v != _current(current, f, vid)]
            who, why = (str(row.get(k) or "").strip() for k in ("who", "why"))
            if edits and not (who and why):
                errors.append(f"{where}: a changed row needs who corrected it and why")
                continue
            changes += [
                {
                    "village_id": vid,
                    "field": field,
                    "old_value": str(_current(current, field, vid)),
                    "new_value": str(value),
                    "who": who,
                    "why": why,
                    "when": when,
                    "source_file": path.name,
                }
                for field, value in edits
            ]
    if errors:
        shown = "\n  ".join(errors[:50])
        more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
        msg = f"the review packs in {folder} have {len(errors)} problem(s):\n  {shown}{more}"
        raise GeoplanError(msg)
    new = pd.DataFrame(changes, columns=LOG_COLUMNS)
    if len(new):
        log = pd.concat([read_corrections(log_path), new], ignore_index=True)
        tmp = log_path.with_name(f".{log_path.name}.tmp")
        log.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
        tmp.replace(log_path)
    return ImportResult(new, log_path)
