"""The change log of a scenario and its overlay on the village layer."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from geoplan.errors import GeoplanError

__all__ = [
    "LOG_COLUMNS",
    "apply_corrections",
    "correct_layers",
    "corrections_path",
    "rank_changes",
    "read_corrections",
]

logger = logging.getLogger(__name__)

LOG_COLUMNS = [
    "village_id",
    "field",
    "old_value",
    "new_value",
    "who",
    "why",
    "when",
    "source_file",
]


def corrections_path(scenario: Any) -> Path | None:
    """Return the scenario's change log: ``corrections:`` or ``<name>.corrections.csv`` beside it.

    ``None`` when the scenario names no file and was not read from one.
    """
    given = getattr(scenario, "corrections", None)
    source = getattr(scenario, "source", None)
    if given is not None:
        path = Path(given)
        if not path.is_absolute() and source is not None:
            path = Path(source).parent / path
        return path
    if source is None:
        return None
    return Path(source).with_name(f"{Path(source).stem}.corrections.csv")


def read_corrections(path: Path) -> pd.DataFrame:
    """Read a change log (every row kept, in order); an absent file is an empty log."""
    if not path.exists():
        return pd.DataFrame(columns=LOG_COLUMNS)
    log = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in LOG_COLUMNS if c not in log.columns]
    if missing:
        msg = f"{path}: the change log lacks the columns {', '.join(missing)}"
        raise GeoplanError(msg)
    return log


def _typed(value: str, like: pd.Series) -> Any:
    if pd.api.types.is_bool_dtype(like):
        return value.strip().lower() in {"true", "1", "có", "yes"}
    if pd.api.types.is_integer_dtype(like):
        return int(float(value))
    if pd.api.types.is_float_dtype(like):
        return float(value)
    return value


def apply_corrections(
    villages: pd.DataFrame, log: pd.DataFrame, *, where: str = ""
) -> pd.DataFrame:
    """Return ``villages`` with the latest logged value of each (village, field) laid over it.

    Parameters
    ----------
    villages
        The village layer as loaded (left unchanged).
    log
        A change log (:func:`read_corrections`).
    where
        The log's file name, for error messages.

    Raises
    ------
    GeoplanError
        When the log names a village or a field the layer does not have.
    """
    if log.empty:
        return villages
    out = villages.copy()
    index = pd.Index(out["village_id"].astype(str))
    latest = log.drop_duplicates(["village_id", "field"], keep="last")
    for row_no, row in latest.iterrows():
        field, vid = str(row["field"]), str(row["village_id"])
        if field not in out.columns or vid not in index:
            what = f"field {field!r}" if field not in out.columns else f"village {vid!r}"
            msg = f"{where}: row {int(str(row_no)) + 2}: the {what} is not in the village layer"
            raise GeoplanError(msg)
        out.loc[out.index[index == vid], field] = _typed(row["new_value"], out[field])
    return out


def rank_changes(before: Any, after: Any, tracks: list[str]) -> pd.DataFrame:
    """List the villages whose rank or class moved between two scorings.

    Parameters
    ----------
    before, after
        ``ScoringResult``-like objects with a ``villages`` frame.
    tracks
        Tracks to compare.

    Returns
    -------
    DataFrame
        ``village_id``, ``village_name``, ``track``, ``rank_before``, ``rank_after``,
        ``class_before``, ``class_after``; one row per village and track that moved.
    """
    a = before.villages.set_index("village_id")
    b = after.villages.set_index("village_id")
    rows = []
    for track in tracks:
        rank, cls = f"{track}_rank", f"{track}_class"
        if rank not in a or rank not in b:
            continue
        joined = pd.DataFrame(
            {
                "village_name": b["village_name"],
                "rank_before": a[rank].reindex(b.index),
                "rank_after": b[rank],
                "class_before": a[cls].reindex(b.index),
                "class_after": b[cls],
            }
        )
        moved = joined[
            (joined["rank_before"].astype("Float64") != joined["rank_after"].astype("Float64"))
            .fillna(joined["rank_before"].isna() != joined["rank_after"].isna())
            .astype(bool)
        ]
        for vid, r in moved.iterrows():
            rows.append({"village_id": vid, "track": track, **r.to_dict()})
    columns = ["village_id", "village_name", "track", "rank_before", "rank_after"]
    return pd.DataFrame(rows, columns=[*columns, "class_before", "class_after"])


def correct_layers(layers: Any, scenario: Any) -> Any:
    """Return ``layers`` with the scenario's change log laid over its villages.

    Without a log (no ``corrections:`` and no ``<name>.corrections.csv`` beside the
    scenario) the layers come back as they are.  The layer files never change.

    Raises
    ------
    GeoplanError
        When ``corrections:`` names a file that does not exist, or the log names a
        village or field the layer does not have.
    """
    path = corrections_path(scenario)
    if path is None or not path.exists():
        if getattr(scenario, "corrections", None) is not None:
            msg = f"corrections: {path} does not exist"
            raise GeoplanError(msg)
        return layers
    log = read_corrections(path)
    if log.empty:
        return layers
    logger.info("applying %d correction(s) from %s", len(log), path)
    villages = apply_corrections(layers.villages, log, where=str(path))
    return dataclasses.replace(layers, villages=villages)
