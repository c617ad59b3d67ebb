"""Planning in the 2025 structure: villages keyed by either code, history from 2022 communes.

With ``admin_structure: "2025"`` the planning communes are the communes and wards of
2025. A village may carry a 2025 code (``commune_code`` or ``commune_code_2025``) or
a 2022 code (translated through the crosswalk when a ``communes_2022`` layer is
given); commune fields missing from the 2025 layer (the 2021-2024 statistics) are
carried over from the 2022 layer by area share, weighted by households or
population.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geoplan.errors import Issue
from geoplan.io.fields import KINDS
from geoplan.io.report import ValidationReport

__all__ = ["history_from_2022", "villages_to_2025"]

_KEEP = {"commune_code", "commune_name", "district_code", "district_name", "geometry"}
_COUNTS = {"em_households_in_coop"}


def villages_to_2025(
    villages: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    communes_2022: gpd.GeoDataFrame | None,
    report: ValidationReport,
) -> gpd.GeoDataFrame:
    """Key every village by its 2025 commune when its code says which.

    A ``commune_code_2025`` column wins; a ``commune_code`` that is a 2022 code
    (of ``communes_2022``) is translated to the 2025 unit holding most of that
    commune's area. The 2022 code is kept as ``commune_code_2022``. Codes found in
    neither are left for the usual checks (an error, or a spatial assignment when
    ``assign_commune_spatially`` is set).

    Parameters
    ----------
    villages, communes, communes_2022
        The loaded layers (``communes`` are the 2025 units).
    report
        Receives one repair line with the number of villages translated.

    Returns
    -------
    geopandas.GeoDataFrame
        The villages with ``commune_code`` in 2025 codes where known.
    """
    if "commune_code" not in villages or "commune_code" not in communes:
        return villages
    out = villages.copy()
    stated = out["commune_code"].astype("string")
    new_codes = set(communes["commune_code"].astype(str))
    if "commune_code_2025" in out.columns:
        given = out["commune_code_2025"].astype("string").str.strip()
        use = given.notna() & given.isin(new_codes)
        out["commune_code_2022"] = stated
        out.loc[use, "commune_code"] = given[use]
        how = "by their commune_code_2025 column"
        translated = int((use & (given != stated)).sum())
    else:
        how = "through the crosswalk of communes_2022"
        translated = 0
        if communes_2022 is not None and "commune_code" in communes_2022:
            # imported here: geoplan.plan loads the planning stack, which `geoplan check` of a
            # single layer does not need
            from geoplan.plan.crosswalk import crosswalk_2022

            cw = crosswalk_2022(communes, communes_2022)
            main = cw.sort_values(["commune_code", "area_share"], ascending=[True, False])
            main = main.drop_duplicates("commune_code").set_index("commune_code")
            # a code of the 2022 layer is read as a 2022 code; the 2025 code of a merged unit
            # is the code of one of its own members, so a code in both layers agrees
            old = stated.isin(main.index)
            if old.any():
                mapped = stated[old].map(main["commune_code_2025"])
                translated = int((mapped != stated[old]).sum())
                out["commune_code_2022"] = stated.where(old)
                out.loc[old, "commune_code"] = mapped
    if translated:
        report.add(
            Issue(
                "repair",
                f"{translated} villages keyed by a 2022 commune code were placed in the 2025 "
                f"commune their 2022 commune merged into ({how}; the 2022 code is kept as "
                "commune_code_2022)",
                layer="villages",
                field="commune_code",
                code="commune-2022-to-2025",
            )
        )
    return out


def history_from_2022(
    communes: gpd.GeoDataFrame, communes_2022: gpd.GeoDataFrame, report: ValidationReport
) -> gpd.GeoDataFrame:
    """Carry commune fields the 2025 layer lacks over from the 2022 communes.

    Rates and counts of the commune field set (``poverty_rate_2021``...,
    ``ntm_criteria_2021``...) are averaged over the 2022 communes by area share,
    weighted by ``population`` or ``households`` when the 2022 layer has it
    (counts are split by area share and summed).

    Parameters
    ----------
    communes
        The 2025 units.
    communes_2022
        The 2022 communes.
    report
        Receives one line naming the fields carried over.

    Returns
    -------
    geopandas.GeoDataFrame
        ``communes`` with the missing fields added (NaN where no 2022 commune maps).
    """
    numeric = {
        f.name
        for f in KINDS["communes"].fields
        if f.type in ("int", "float", "rate") and f.name not in _KEEP
    }
    wanted = sorted(c for c in numeric & set(communes_2022.columns) if c not in communes.columns)
    if not wanted:
        return communes
    from geoplan.plan.crosswalk import crosswalk_2022, to_2025

    cw = crosswalk_2022(communes, communes_2022)
    weight = next((w for w in ("population", "households") if w in communes_2022.columns), None)
    frame = pd.DataFrame(communes_2022.drop(columns="geometry"))
    sums = [c for c in wanted if c in _COUNTS]
    means = [c for c in wanted if c not in _COUNTS]
    agg = to_2025(frame, cw, sums=sums, means=means, weight=weight)
    agg = agg.set_index("commune_code_2025")
    out = communes.copy()
    codes = out["commune_code"].astype(str)
    for col in wanted:
        values = codes.map(agg[col])
        out[col] = values.round() if col.startswith("ntm_criteria") else values
    report.add(
        Issue(
            "repair",
            f"fields carried over from communes_2022 by area share"
            f"{f' weighted by {weight}' if weight else ''}: {', '.join(wanted)}",
            layer="communes",
            code="history-from-2022",
        )
    )
    return out
