"""Row checks of a prepared layer: duplicates, impossible and implausible values."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.errors import Issue
from geoplan.io.report import LayerSummary
from geoplan.io.rows import MAX_ROWS_LISTED, row_issues, row_label

__all__ = [
    "DEFAULT_BOUNDS",
    "check_communes",
    "check_villages",
    "drop_duplicates",
    "duplicate_codes",
    "plausibility_issues",
]


def _duplicate_rows(gdf: gpd.GeoDataFrame) -> pd.Series:
    """Mark rows equal (geometry and attributes) to an earlier row.

    Geometries are compared first (vectorised); only rows whose geometry
    repeats have their attributes compared.
    """
    geom = gdf.geometry
    arr = geom.to_numpy()
    types = shapely.get_type_id(arr)
    if (types == 0).all():
        # points: compare coordinates (much faster than WKB)
        xy = shapely.get_coordinates(arr)
        same_geom = pd.DataFrame(xy).duplicated(keep=False).to_numpy()
    else:
        same_geom = pd.Series(shapely.to_wkb(arr)).duplicated(keep=False).to_numpy()
    dup = pd.Series(False, index=gdf.index)
    if same_geom.any():
        cand = gdf[same_geom]
        key = pd.DataFrame(cand.drop(columns=geom.name)).astype(str)
        key["__wkb__"] = shapely.to_wkb(cand.geometry.to_numpy())
        dup.loc[cand.index] = key.duplicated(keep="first").to_numpy()
    return dup


def drop_duplicates(
    gdf: gpd.GeoDataFrame, summary: LayerSummary, issues: list[Issue], layer: str | None
) -> gpd.GeoDataFrame:
    """Drop rows equal to an earlier row (a warning per row) and return the rest."""
    if gdf.empty:
        return gdf
    dup = _duplicate_rows(gdf)
    if dup.any():
        issues.extend(
            row_issues(
                gdf.index[dup.to_numpy()],
                severity="warning",
                message="exact duplicate of an earlier feature (same geometry and attributes); "
                "left out",
                file=summary.file,
                layer=layer,
                field=None,
                code="duplicate-feature",
            )
        )
        summary.count_repair("duplicate-feature-dropped", int(dup.sum()))
        return gdf.loc[~dup.to_numpy()]
    return gdf


def duplicate_codes(
    gdf: pd.DataFrame,
    col: str,
    *,
    summary: LayerSummary,
    issues: list[Issue],
    layer: str | None,
    src: str,
) -> None:
    """Report every row whose code repeats, each pointing at the other rows."""
    if col not in gdf:
        return
    s = gdf[col]
    dup = s.notna() & s.duplicated(keep=False)
    if dup.any():
        labels = s[dup]
        rows_by_code = labels.groupby(labels, sort=False).groups
        for row in list(gdf.index[dup.to_numpy()])[:MAX_ROWS_LISTED]:
            others = [row_label(r) for r in rows_by_code[labels.at[row]] if r != row]
            shown = ", ".join(str(r) for r in others[:5]) + (", ..." if len(others) > 5 else "")
            issues.append(
                Issue(
                    "error",
                    f"duplicate {col} '{labels.at[row]}' (also at row {shown}); "
                    "codes must be unique",
                    file=summary.file,
                    layer=layer,
                    row=row_label(row),
                    field=src,
                    code="duplicate-code",
                )
            )
        if dup.sum() > MAX_ROWS_LISTED:
            issues.append(
                Issue(
                    "error",
                    f"... and {int(dup.sum()) - MAX_ROWS_LISTED} more rows with duplicate {col}",
                    file=summary.file,
                    layer=layer,
                    field=src,
                    code="duplicate-code",
                )
            )


def check_villages(
    gdf: pd.DataFrame, summary: LayerSummary, issues: list[Issue], layer: str | None
) -> None:
    """Report impossible and implausible village counts (poor above households...)."""
    f = summary.fields
    labels = gdf["village_id"].rename("village_id") if "village_id" in gdf else None
    hh = gdf.get("households", None)
    if hh is None:
        return
    for col in (
        "poor_households",
        "near_poor_households",
        "em_households",
        "hygienic_water_households",
        "em_hh_no_residential_land",
        "em_hh_no_production_land",
    ):
        if col in gdf:
            over = gdf[col] > hh
            issues.extend(
                row_issues(
                    gdf.index[over.fillna(False).to_numpy()],
                    severity="error",
                    message=f"'{col}' is larger than 'households'; check both values",
                    file=summary.file,
                    layer=layer,
                    field=f.get(col, col),
                    code="impossible-value",
                    labels=labels,
                )
            )
    if "poor_households" in gdf and "near_poor_households" in gdf:
        both = (gdf["poor_households"] + gdf["near_poor_households"]) > hh
        both &= ~(gdf["poor_households"] > hh) & ~(gdf["near_poor_households"] > hh)
        issues.extend(
            row_issues(
                gdf.index[both.fillna(False).to_numpy()],
                severity="error",
                message="poor plus near-poor households exceed 'households' (the groups do not "
                "overlap)",
                file=summary.file,
                layer=layer,
                field=f.get("near_poor_households"),
                code="impossible-value",
                labels=labels,
            )
        )
    if "population" in gdf:
        few = gdf["population"] < hh
        issues.extend(
            row_issues(
                gdf.index[few.fillna(False).to_numpy()],
                severity="error",
                message="'population' is smaller than 'households' (every household has at "
                "least one person); check both columns",
                file=summary.file,
                layer=layer,
                field=f.get("population"),
                code="implausible-value",
                labels=labels,
            )
        )
    zero = hh == 0
    issues.extend(
        row_issues(
            gdf.index[zero.fillna(False).to_numpy()],
            severity="warning",
            message="village has 0 households",
            file=summary.file,
            layer=layer,
            field=f.get("households"),
            code="suspicious-value",
            labels=labels,
        )
    )


# Plausible ranges per layer kind and canonical field (a Kon Tum village has tens to a
# few hundred households); a scenario replaces them with `bounds:` on the layer.
DEFAULT_BOUNDS: dict[str, dict[str, tuple[float | None, float | None]]] = {
    "villages": {"households": (0, 5_000), "population": (0, 30_000)},
    "communes": {"households": (0, 50_000), "population": (0, 200_000)},
}


def plausibility_issues(
    gdf: pd.DataFrame,
    kind: str | None,
    *,
    bounds: dict[str, tuple[float | None, float | None]] | None = None,
    summary: LayerSummary,
    layer: str | None,
) -> list[Issue]:
    """Return an error for every value outside its plausible range, naming row and field.

    Parameters
    ----------
    gdf
        The prepared layer (canonical field names).
    kind
        Its canonical kind; :data:`DEFAULT_BOUNDS` of that kind apply.
    bounds
        Field -> ``(low, high)`` from the scenario, replacing the defaults per field.
    summary, layer
        Where the layer came from (for the messages).

    Returns
    -------
    list of Issue
        ``implausible-value`` errors.
    """
    rules = dict(DEFAULT_BOUNDS.get(kind or "", {}))
    rules.update(bounds or {})
    labels = gdf["village_id"].rename("village_id") if "village_id" in gdf else None
    issues: list[Issue] = []
    for name, (lo, hi) in rules.items():
        if name not in gdf or not pd.api.types.is_numeric_dtype(gdf[name].dtype):
            continue
        values = gdf[name].astype("float64")
        bad = pd.Series(~np.isfinite(values.to_numpy()), index=values.index) & values.notna()
        if lo is not None:
            bad |= values < lo
        if hi is not None:
            bad |= values > hi
        rng = f"{lo if lo is not None else '-inf'}..{hi if hi is not None else 'inf'}"
        issues.extend(
            row_issues(
                gdf.index[bad.fillna(False).to_numpy()],
                severity="error",
                message=f"'{name}' is outside the plausible range {rng}; fix the value or "
                f"widen it with `bounds: {{{name}: [low, high]}}` on the layer",
                file=summary.file,
                layer=layer,
                field=summary.fields.get(name, name),
                code="implausible-value",
                labels=labels,
            )
        )
    return issues


def check_communes(
    gdf: pd.DataFrame, summary: LayerSummary, issues: list[Issue], layer: str | None
) -> None:
    """Report commune values that contradict each other (NTM status and criteria)."""
    years = [c for c in gdf.columns if re.fullmatch(r"ntm_criteria_20\d\d", str(c))]
    if "ntm_criteria_met" in gdf and "ntm_status" in gdf:
        bad = (
            (gdf["ntm_status"] != "none")
            & gdf["ntm_status"].notna()
            & (gdf["ntm_criteria_met"] < 19)
        )
        issues.extend(
            row_issues(
                gdf.index[bad.fillna(False).to_numpy()],
                severity="warning",
                message="'ntm_status' says the NTM standard is met but fewer than 19 criteria "
                "are met",
                file=summary.file,
                layer=layer,
                field=summary.fields.get("ntm_status"),
                code="suspicious-value",
            )
        )
    del years
