"""Crosswalk from the 2022 communes to the merged communes of 1 July 2025.

Two ways to build it: from a user table (one row per 2022 commune and 2025
commune it went into, with an optional share), or from the area overlap of
the 2022 commune layer and a 2025 commune layer.  :func:`to_2025` then
re-aggregates any 2022 commune table: counts are split by share, rates are
averaged with weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.config.plan import CrosswalkConfig
from geoplan.errors import AllocationError

__all__ = [
    "CROSSWALK_COLUMNS",
    "crosswalk_2022",
    "crosswalk_from_members",
    "crosswalk_from_overlay",
    "crosswalk_from_table",
    "make_crosswalk",
    "members_2022",
    "plan_crosswalks",
    "to_2025",
]

CROSSWALK_COLUMNS = ["commune_code", "commune_code_2025", "commune_name_2025", "area_share"]


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    total = frame.groupby("commune_code")["area_share"].transform("sum")
    out = frame.assign(area_share=(frame["area_share"] / total).round(6))
    return out.sort_values(["commune_code", "commune_code_2025"], kind="stable").reset_index(
        drop=True
    )[CROSSWALK_COLUMNS]


def crosswalk_from_table(table: pd.DataFrame, config: CrosswalkConfig) -> pd.DataFrame:
    """Read a user crosswalk table into the canonical shape.

    Parameters
    ----------
    table
        Rows of (2022 code, 2025 code[, 2025 name][, share]); column names
        from ``config``.  Without a share, a 2022 commune split over ``k``
        new communes gives ``1/k`` to each.
    config
        The scenario's ``plan.crosswalk`` section.

    Returns
    -------
    pandas.DataFrame
        ``CROSSWALK_COLUMNS``; shares per 2022 commune sum to 1.

    Raises
    ------
    AllocationError
        If a code column is missing or a row has an empty code.
    """
    missing = [
        c for c in (config.code_2022_field, config.code_2025_field) if c not in table.columns
    ]
    if missing:
        msg = (
            f"crosswalk table: column(s) {missing} missing (has {list(table.columns)}); "
            "set plan.crosswalk.code_2022_field / code_2025_field"
        )
        raise AllocationError(msg)
    out = pd.DataFrame(
        {
            "commune_code": table[config.code_2022_field].astype("string").str.strip(),
            "commune_code_2025": table[config.code_2025_field].astype("string").str.strip(),
        }
    )
    bad = out.index[out["commune_code"].isna() | out["commune_code_2025"].isna()].tolist()
    if bad:
        msg = f"crosswalk table: rows {bad[:20]} have an empty code; fill them or drop the rows"
        raise AllocationError(msg)
    out["commune_name_2025"] = (
        table[config.name_2025_field].astype(str).to_numpy()
        if config.name_2025_field in table.columns
        else ""
    )
    if config.share_field in table.columns:
        out["area_share"] = (
            pd.to_numeric(table[config.share_field], errors="coerce").fillna(0.0).to_numpy()
        )
    else:
        out["area_share"] = 1.0
    out = out[out["area_share"] > 0]
    return _normalise(out)


def crosswalk_from_overlay(
    communes_2022: gpd.GeoDataFrame, communes_2025: gpd.GeoDataFrame, config: CrosswalkConfig
) -> pd.DataFrame:
    """Build the crosswalk from the area overlap of two commune layers.

    Parameters
    ----------
    communes_2022
        Polygons with ``commune_code`` (the run's communes).
    communes_2025
        Polygons of the merged communes with ``config.code_2025_field`` (or
        ``commune_code``) and optionally ``config.name_2025_field`` (or
        ``commune_name``); reprojected to the first layer's CRS if needed.
    config
        The scenario's ``plan.crosswalk`` section.

    Returns
    -------
    pandas.DataFrame
        ``CROSSWALK_COLUMNS``: the share of each 2022 commune's area in each
        2025 commune, slivers below ``min_share`` dropped, renormalised.
    """
    new = communes_2025
    code_col = config.code_2025_field if config.code_2025_field in new.columns else "commune_code"
    name_col = config.name_2025_field if config.name_2025_field in new.columns else "commune_name"
    if code_col not in new.columns:
        msg = f"communes_2025: field '{config.code_2025_field}' (or 'commune_code') missing"
        raise AllocationError(msg)
    if new.crs is not None and communes_2022.crs is not None and new.crs != communes_2022.crs:
        new = new.to_crs(communes_2022.crs)
    old = gpd.GeoDataFrame(
        {"commune_code": communes_2022["commune_code"].astype(str).to_numpy()},
        geometry=communes_2022.geometry.to_numpy(),
        crs=communes_2022.crs,
    )
    old["_area"] = old.geometry.area
    right = gpd.GeoDataFrame(
        {
            "commune_code_2025": new[code_col].astype(str).to_numpy(),
            "commune_name_2025": new[name_col].astype(str).to_numpy()
            if name_col in new.columns
            else "",
        },
        geometry=new.geometry.to_numpy(),
        crs=new.crs,
    )
    inter = gpd.overlay(old, right, how="intersection", keep_geom_type=True)
    inter["area_share"] = inter.geometry.area / inter["_area"]
    inter = inter[inter["area_share"] >= config.min_share]
    pieces = pd.DataFrame(inter.drop(columns=["geometry", "_area"]))
    frame = pieces.groupby(
        ["commune_code", "commune_code_2025", "commune_name_2025"], as_index=False
    ).agg(area_share=("area_share", "sum"))
    return _normalise(frame)


def make_crosswalk(
    communes: gpd.GeoDataFrame,
    config: CrosswalkConfig,
    *,
    table: pd.DataFrame | None = None,
    communes_2025: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame | None:
    """Return the crosswalk the scenario asks for, or ``None``.

    Parameters
    ----------
    communes
        The run's (2022) communes.
    config
        The scenario's ``plan.crosswalk`` section.
    table, communes_2025
        The ``crosswalk`` and ``communes_2025`` layers when given.

    Returns
    -------
    pandas.DataFrame or None
        ``None`` when ``method`` is ``none`` or ``auto`` finds no input.
    """
    method = config.method
    if method == "auto":
        method = (
            "table" if table is not None else ("overlay" if communes_2025 is not None else "none")
        )
    if method == "none":
        return None
    if method == "table":
        if table is None:
            msg = "plan.crosswalk.method is 'table' but no 'crosswalk' layer is given"
            raise AllocationError(msg)
        return crosswalk_from_table(table, config)
    if communes_2025 is None:
        msg = "plan.crosswalk.method is 'overlay' but no 'communes_2025' layer is given"
        raise AllocationError(msg)
    if config.members_field in communes_2025.columns:
        return crosswalk_from_members(communes_2025, config, communes_2022=communes)
    return crosswalk_from_overlay(communes, communes_2025, config)


def crosswalk_from_members(
    communes_2025: pd.DataFrame,
    config: CrosswalkConfig,
    *,
    communes_2022: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Build the crosswalk from a 2025 layer that lists its 2022 member communes.

    Parameters
    ----------
    communes_2025
        Rows with the 2025 code (``config.code_2025_field`` or
        ``commune_code``), name, and ``config.members_field``: comma-separated
        2022 codes, or 2022 names (matched to ``communes_2022`` regardless of
        accents, case and a leading "Xã"/"Phường"/"Thị trấn").
    config
        The scenario's ``plan.crosswalk`` section.
    communes_2022
        The 2022 communes (``commune_code``, ``commune_name``); when given, every
        member must be one of their codes or names.

    Returns
    -------
    pandas.DataFrame
        ``CROSSWALK_COLUMNS``; a 2022 commune listed by ``k`` new communes
        gives ``1/k`` to each.

    Raises
    ------
    AllocationError
        If a member is neither a 2022 code nor exactly one 2022 commune's name.
    """
    new = pd.DataFrame(communes_2025)
    code_col = config.code_2025_field if config.code_2025_field in new.columns else "commune_code"
    name_col = config.name_2025_field if config.name_2025_field in new.columns else "commune_name"
    resolve = _member_resolver(communes_2022)
    rows = []
    problems = []
    for _, r in new.iterrows():
        for member in str(r[config.members_field]).split(","):
            if not member.strip():
                continue
            code, problem = resolve(member.strip())
            if problem:
                problems.append(f"{config.members_field} of {r[code_col]}: {problem}")
                continue
            rows.append(
                {
                    "commune_code": code,
                    "commune_code_2025": str(r[code_col]),
                    "commune_name_2025": str(r[name_col]) if name_col in new.columns else "",
                    "area_share": 1.0,
                }
            )
    if problems:
        msg = "communes_2025: members not found among the 2022 communes:\n  " + "\n  ".join(
            problems[:20]
        )
        raise AllocationError(msg)
    return _normalise(pd.DataFrame(rows, columns=CROSSWALK_COLUMNS))


def _member_resolver(communes_2022: pd.DataFrame | None) -> Any:
    """Return ``member -> (2022 code, problem)``: a code as is, else a unique name."""
    if communes_2022 is None or "commune_code" not in communes_2022:
        return lambda m: (m, "")
    from geoplan.io.text import normalize_name  # at call time: geoplan.io imports this module

    def key(name: object) -> str:
        text = normalize_name(name, compact=False)
        for prefix in ("thi tran ", "phuong ", "xa "):  # the unit type only ("Plei" stays)
            if text.startswith(prefix):
                text = text[len(prefix) :]
                break
        return text.replace(" ", "")

    codes = set(communes_2022["commune_code"].astype(str))
    by_name: dict[str, list[str]] = {}
    if "commune_name" in communes_2022:
        for code, name in zip(
            communes_2022["commune_code"].astype(str), communes_2022["commune_name"], strict=True
        ):
            by_name.setdefault(key(name), []).append(code)

    def resolve(member: str) -> tuple[str, str]:
        if member in codes:
            return member, ""
        found = by_name.get(key(member), [])
        if len(found) == 1:
            return found[0], ""
        if found:
            return "", f"{member!r} names several 2022 communes ({', '.join(found)}); use codes"
        return "", f"{member!r} is neither a 2022 commune code nor a 2022 commune name"

    return resolve


def to_2025(
    frame: pd.DataFrame,
    crosswalk: pd.DataFrame,
    *,
    sums: Sequence[str] = (),
    means: Sequence[str] = (),
    weight: str | None = None,
) -> pd.DataFrame:
    """Re-aggregate a table keyed by 2022 ``commune_code`` to the 2025 communes.

    Parameters
    ----------
    frame
        One row per 2022 commune, with ``commune_code``.
    crosswalk
        From :func:`make_crosswalk`.
    sums
        Count columns, split by ``area_share`` and added up.
    means
        Rate or score columns, averaged with weights ``area_share`` times
        ``weight`` (when given, e.g. ``households``).
    weight
        Column weighting the means.

    Returns
    -------
    pandas.DataFrame
        One row per ``commune_code_2025`` with ``commune_name_2025``,
        ``communes_2022`` (the codes that went into it) and the columns.
    """
    cols = list(dict.fromkeys([*sums, *means, *([weight] if weight else [])]))
    base = pd.DataFrame(frame)[["commune_code", *cols]].assign(
        commune_code=lambda f: f["commune_code"].astype(str)
    )
    merged = crosswalk.merge(base, on="commune_code", how="inner")
    s = merged["area_share"].to_numpy()
    w = s * (pd.to_numeric(merged[weight], errors="coerce").fillna(0).to_numpy() if weight else 1.0)
    out: dict[str, Any] = {}
    keys = merged["commune_code_2025"].to_numpy()
    uniq, inv = np.unique(keys, return_inverse=True)
    out["commune_code_2025"] = uniq
    names = merged.groupby("commune_code_2025")["commune_name_2025"].first()
    out["commune_name_2025"] = names.reindex(uniq).to_numpy()
    out["communes_2022"] = (
        merged.groupby("commune_code_2025")["commune_code"]
        .apply(lambda x: ",".join(sorted(set(x))))
        .reindex(uniq)
        .to_numpy()
    )
    for col in sums:
        vals = pd.to_numeric(merged[col], errors="coerce").fillna(0).to_numpy()
        out[col] = np.bincount(inv, weights=vals * s, minlength=len(uniq))
    for col in means:
        vals = pd.to_numeric(merged[col], errors="coerce").to_numpy()
        ok = ~np.isnan(vals)
        num = np.bincount(inv[ok], weights=vals[ok] * w[ok], minlength=len(uniq))
        den = np.bincount(inv[ok], weights=w[ok], minlength=len(uniq))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[col] = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return pd.DataFrame(out)


def crosswalk_2022(
    communes: gpd.GeoDataFrame,
    communes_2022: gpd.GeoDataFrame,
    config: CrosswalkConfig | None = None,
) -> pd.DataFrame:
    """Return the crosswalk from the 2022 communes to the 2025 planning communes.

    Parameters
    ----------
    communes
        The 2025 units (``commune_code``; a ``members`` column is used when present).
    communes_2022
        The 2022 communes (``commune_code``).
    config
        ``plan.crosswalk`` (defaults when omitted).

    Returns
    -------
    pandas.DataFrame
        ``commune_code`` (2022), ``commune_code_2025``, ``commune_name_2025``, ``area_share``.
    """
    cfg = config or CrosswalkConfig()
    new = communes.rename(columns={"commune_code": "commune_code_2025"}).assign(
        commune_name_2025=communes.get("commune_name", "")
    )
    if cfg.members_field in new.columns and new[cfg.members_field].isna().all():
        new = new.drop(columns=cfg.members_field)
    cw = make_crosswalk(
        communes_2022, cfg.model_copy(update={"method": "overlay"}), communes_2025=new
    )
    assert cw is not None
    return cw


def plan_crosswalks(
    communes: gpd.GeoDataFrame, config: CrosswalkConfig, layers: Any
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Return the crosswalk to write and the one that builds the 2025 view.

    In the 2022 structure both are the crosswalk the scenario asks for
    (:func:`make_crosswalk`). In the 2025 structure the planning communes are the
    2025 units: the view is the identity (each unit to itself) and the written
    crosswalk is the real 2022 -> 2025 one when a ``communes_2022`` layer is given
    (with the 2022 name and district beside each code), else the identity.

    Parameters
    ----------
    communes
        The planning communes.
    config
        ``plan.crosswalk``.
    layers
        :class:`geoplan.io.Layers` (``admin_structure``, ``communes_2025``,
        ``communes_2022``) or ``None``.

    Returns
    -------
    tuple
        ``(crosswalk for crosswalk.csv, crosswalk for the 2025 view)``; ``None``
        when there is none.
    """
    if getattr(layers, "admin_structure", "2022") != "2025":
        has_table = config.code_2025_field in communes.columns
        cw = make_crosswalk(
            communes,
            config,
            table=pd.DataFrame(communes.drop(columns="geometry")) if has_table else None,
            communes_2025=getattr(layers, "communes_2025", None),
        )
        return cw, cw
    codes = communes["commune_code"].astype(str).to_numpy()
    names = communes["commune_name"].astype(str).to_numpy() if "commune_name" in communes else ""
    identity = pd.DataFrame(
        {"commune_code": codes, "commune_code_2025": codes, "commune_name_2025": names}
    ).assign(area_share=1.0)[CROSSWALK_COLUMNS]
    old = getattr(layers, "communes_2022", None)
    if old is None or "commune_code" not in old:
        return identity, identity
    real = crosswalk_2022(communes, old, config)
    info = pd.DataFrame(old.drop(columns="geometry")).assign(
        commune_code=lambda f: f["commune_code"].astype(str)
    )
    for col in ("district_code", "commune_name"):
        if col in info:
            real.insert(1, col, real["commune_code"].map(info.set_index("commune_code")[col]))
    return real, identity


def members_2022(crosswalk: pd.DataFrame) -> dict[str, str]:
    """Return, per 2025 code, the comma-separated 2022 codes that went into it."""
    return {
        str(k): ",".join(sorted(set(map(str, g))))
        for k, g in crosswalk.groupby("commune_code_2025")["commune_code"]
    }
