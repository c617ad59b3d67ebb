"""Candidate interventions per village or commune, from the scenario's catalogue.

Each kind of intervention in ``plan.allocation.interventions`` says where it is
needed (conditions on the unit's columns), what it costs, whose priority score
weighs its benefit and which programmes may pay.  One row is one *need*
(one unit, one kind): P-NODUP funds it at most once, whatever the programme.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from geoplan.config.plan import InterventionSpec
from geoplan.errors import ScenarioError

__all__ = ["CANDIDATE_COLUMNS", "build_candidates", "parse_condition"]

CANDIDATE_COLUMNS = [
    "intervention_id",
    "kind",
    "label_vi",
    "label_en",
    "level",
    "village_id",
    "village_name",
    "commune_code",
    "district_code",
    "relocation",
    "in_place",
    "cost",
    "beneficiaries",
    "score",
    "benefit",
]

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_COND = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$")


def _literal(text: str) -> Any:
    low = text.lower()
    if low in {"true", "false"}:
        return low == "true"
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    try:
        return float(text)
    except ValueError:
        return text


def parse_condition(text: str) -> tuple[str, str, Any]:
    """Split ``'field op value'`` into its parts.

    Parameters
    ----------
    text
        E.g. ``"all_season_road == false"`` or ``"water_gap > 0.2"``.

    Returns
    -------
    tuple
        ``(field, op, value)`` with ``value`` a bool, float or str.

    Raises
    ------
    ScenarioError
        If the text is not of that form.
    """
    m = _COND.match(text)
    if not m:
        msg = f"condition {text!r} is not 'field op value' with op one of == != < <= > >="
        raise ScenarioError(msg)
    return m.group(1), m.group(2), _literal(m.group(3))


def _mask(frame: pd.DataFrame, conditions: list[str]) -> tuple[pd.Series, str | None]:
    mask = pd.Series(True, index=frame.index)
    for text in conditions:
        name, op, value = parse_condition(text)
        if name not in frame.columns:
            return mask & False, name
        col = frame[name]
        if isinstance(value, bool):
            col = col.astype("boolean")
        elif isinstance(value, float):
            col = pd.to_numeric(col, errors="coerce")
        else:
            col = col.astype("string")
        result = _OPS[op](col, value)
        mask &= pd.Series(result, index=frame.index).fillna(False).astype(bool)
    return mask, None


def build_candidates(
    villages: pd.DataFrame,
    communes: pd.DataFrame,
    interventions: Mapping[str, InterventionSpec],
    *,
    relocating: pd.DataFrame | None = None,
    in_place_allowed: frozenset[str] = frozenset(),
) -> tuple[pd.DataFrame, dict[str, str]]:
    """List every candidate intervention with its cost and benefit.

    Parameters
    ----------
    villages, communes
        Scored frames (``<track>_score`` columns plus indicator columns).
    interventions
        The catalogue, kind -> spec.
    relocating
        Villages that have a destination site (``village_id``, ``households``,
        optionally ``cost``: the whole relocation cost of the move); relocation
        interventions are offered only for them, and no other village-level
        need of theirs is (no money at the site people leave) unless its kind
        is in ``in_place_allowed``.
    in_place_allowed
        Kinds a moving village may still receive (scenario exceptions with a
        citation, e.g. emergency works).

    Returns
    -------
    candidates : pandas.DataFrame
        ``CANDIDATE_COLUMNS``, sorted by kind then unit, benefit > 0 only.
    skipped : dict
        Kind -> why no candidate of that kind could be built (missing field).
    """
    frames: list[pd.DataFrame] = []
    skipped: dict[str, str] = {}
    for kind in sorted(interventions):
        spec = interventions[kind]
        base = communes if spec.level == "commune" else villages
        if spec.relocation:
            unit: pd.DataFrame | str = _moving_units(base, spec, relocating)
        else:
            moving = None if kind in in_place_allowed else relocating
            unit = _units_in_need(kind, base, spec, moving)
        if isinstance(unit, str):
            skipped[kind] = unit
            continue
        if not len(unit):
            continue
        found = _kind_candidates(kind, spec, unit, relocating)
        if isinstance(found, str):
            skipped[kind] = found
            continue
        frames.append(found)
    if not frames:
        return pd.DataFrame({c: [] for c in CANDIDATE_COLUMNS}), skipped
    out = pd.concat(frames, ignore_index=True)
    out = out[(out["benefit"] > 0) & (out["cost"] > 0)]
    out = out.sort_values(["kind", "intervention_id"], kind="stable").reset_index(drop=True)
    return out[CANDIDATE_COLUMNS], skipped


def _moving_units(
    base: pd.DataFrame, spec: InterventionSpec, relocating: pd.DataFrame | None
) -> pd.DataFrame | str:
    """Return the villages placed at a site (with the households that move), or why none."""
    if relocating is None or not len(relocating) or spec.level != "village":
        return "no village was placed at a resettlement site"
    ids = set(relocating["village_id"].astype(str))
    unit = base[base["village_id"].astype(str).isin(ids)]
    if "households" in relocating.columns:
        moved = relocating.set_index(relocating["village_id"].astype(str))["households"]
        unit = unit.assign(households=unit["village_id"].astype(str).map(moved).to_numpy())
    return unit


def _units_in_need(
    kind: str, base: pd.DataFrame, spec: InterventionSpec, moving: pd.DataFrame | None
) -> pd.DataFrame | str:
    """Return the units that meet the kind's conditions, or why it cannot be checked.

    Villages in ``moving`` (that leave for a site) receive no village-level need.
    """
    mask, missing = _mask(base, spec.when)
    if missing is not None:
        return (
            f"{spec.level} field '{missing}' missing "
            f"(condition of plan.allocation.interventions.{kind})"
        )
    # only the columns a candidate reads: a village frame is wide, and copying every column
    # of the units in need was most of the time on a national village layer
    read = ("village_id", "village_name", "commune_code", "district_code", "households",
            f"{spec.track}_score", spec.beneficiaries)  # fmt: skip
    unit = base.loc[mask.to_numpy(), [c for c in dict.fromkeys(read) if c in base.columns]]
    if spec.level == "village" and moving is not None:
        leaving = unit["village_id"].astype(str).isin(set(moving["village_id"].astype(str)))
        unit = unit[~leaving.to_numpy()]
    return unit


def _missing_field(kind: str, spec: InterventionSpec, unit: pd.DataFrame) -> str | None:
    """Return why the kind's score, beneficiaries or cost cannot be read, or ``None``."""
    score_col = f"{spec.track}_score"
    if score_col not in unit.columns:
        return f"{spec.level} field '{score_col}' missing (track {spec.track} not scored)"
    if spec.beneficiaries not in unit.columns:
        return f"{spec.level} field '{spec.beneficiaries}' missing (beneficiaries of {kind})"
    if spec.cost_per == "household" and "households" not in unit.columns:
        return f"{spec.level} field 'households' missing (cost of {kind} is per household)"
    return None


def _nonnegative(values: pd.Series) -> np.ndarray:
    """Return the values as numbers, 0 where missing or negative."""
    return pd.to_numeric(values, errors="coerce").fillna(0.0).clip(lower=0.0).to_numpy()


def _costs(
    spec: InterventionSpec, unit: pd.DataFrame, relocating: pd.DataFrame | None
) -> np.ndarray:
    """Return each unit's cost: the unit cost (per household or per unit) or the move's cost."""
    hh = (
        pd.to_numeric(unit["households"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
        if "households" in unit.columns
        else np.ones(len(unit))
    )
    cost = spec.unit_cost * (hh if spec.cost_per == "household" else np.ones(len(unit)))
    if spec.relocation and relocating is not None and "cost" in relocating.columns:
        whole = relocating.set_index(relocating["village_id"].astype(str))["cost"]
        cost = unit["village_id"].astype(str).map(whole).to_numpy(dtype=float)
    return cost


def _benefit(spec: InterventionSpec, score: np.ndarray, beneficiaries: np.ndarray) -> np.ndarray:
    """Return the weighted benefit: score, beneficiaries or their product."""
    if spec.benefit == "score_x_beneficiaries":
        benefit = score * beneficiaries
    elif spec.benefit == "beneficiaries":
        benefit = beneficiaries
    else:
        benefit = score
    return benefit * spec.benefit_weight


def _kind_candidates(
    kind: str, spec: InterventionSpec, unit: pd.DataFrame, relocating: pd.DataFrame | None
) -> pd.DataFrame | str:
    """Return one candidate row per unit in need of ``kind``, or why none can be built."""
    missing = _missing_field(kind, spec, unit)
    if missing is not None:
        return missing
    score = _nonnegative(unit[f"{spec.track}_score"])
    benef = _nonnegative(unit[spec.beneficiaries])
    key = (
        unit["village_id"].astype(str)
        if spec.level == "village"
        else unit["commune_code"].astype(str)
    )

    def text(name: str) -> np.ndarray:
        return unit[name].astype(str).to_numpy() if name in unit.columns else np.full(len(unit), "")

    return pd.DataFrame(
        {
            "intervention_id": (kind + ":" + key).to_numpy(),
            "kind": kind,
            "label_vi": spec.label_vi,
            "label_en": spec.label_en,
            "level": spec.level,
            "village_id": key.to_numpy() if spec.level == "village" else "",
            "village_name": text("village_name") if spec.level == "village" else "",
            "commune_code": text("commune_code"),
            "district_code": text("district_code"),
            "relocation": spec.relocation,
            "in_place": spec.in_place and not spec.relocation,
            "cost": np.round(_costs(spec, unit, relocating), 3),
            "beneficiaries": benef,
            "score": score,
            "benefit": _benefit(spec, score, benef),
        }
    )
