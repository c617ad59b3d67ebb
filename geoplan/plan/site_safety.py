"""Safe destinations: site safety rules, field verification and safer-than-origin moves.

:func:`safe_sites` builds the candidate sites (:func:`geoplan.plan.sites.find_sites`),
profiles each one (:func:`geoplan.plan.site_profile.site_profiles`) and keeps
those that meet every rule of the scenario's ``plan.sites`` section; a rejected
candidate keeps a reason code and a sentence per broken rule.  Where the model
and the official map disagree on a site it is flagged for field verification,
whether it was kept or rejected.  :func:`safer_than_origin` is the pair filter
of the assignment: a village may only move to a site safer than where it lives
on every hazard the scenario names; :func:`compare_moves` writes both profiles
and the improvement on each move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.config.plan import SitesConfig
from geoplan.memory import release_freed_memory
from geoplan.plan.site_profile import LEVELS, PROFILE_COLUMNS, highest_level, site_profiles
from geoplan.plan.sites import SiteGrid, find_sites

__all__ = [
    "COMPARED",
    "SITE_RULES",
    "SafeSites",
    "compare_moves",
    "origin_profiles",
    "safe_sites",
    "safer_than_origin",
    "screen_sites",
    "verify_flags",
]

#: Rule code -> resolution ids it implements (the sentence is built from the limit).
SITE_RULES: dict[str, tuple[str, ...]] = {
    "official_level": ("P-RESETTLE", "T11"),
    "model_level": ("P-RESETTLE", "T11"),
    "slope_mean": ("P-RESETTLE", "T9"),
    "slope_p90": ("P-RESETTLE", "T9"),
    "near_river": ("P-RESETTLE", "T11"),
    "near_steep_slope": ("P-RESETTLE", "T11"),
    "protected_forest": ("P-RESETTLE", "P-SOCIAL"),
}

#: Hazard compared with the origin -> (origin column, site column, unit).
COMPARED: dict[str, tuple[str, str, str]] = {
    "official_level": ("origin_official_level", "site_official_level", "level"),
    "model_probability": ("origin_susceptibility", "site_susceptibility", "p"),
    "slope": ("origin_slope_deg", "site_slope_deg", "deg"),
}

SCREEN_COLUMNS = ["status", "reason_code", "reason", "verify_code", "verify_reason"]


@dataclass
class SafeSites:
    """Result of :func:`safe_sites`.

    Attributes
    ----------
    sites
        The candidates that meet every rule, with their profile
        (:data:`geoplan.plan.site_profile.PROFILE_COLUMNS`) and ``verify_code``
        / ``verify_reason``.
    screening
        Every candidate with its profile, ``status`` (``kept`` or
        ``rejected``), ``reason_code`` (rule codes joined by ``,``),
        ``reason`` (sentences joined by ``; ``) and the verification columns.
    grid
        The rasterised rules the candidates come from.
    """

    sites: gpd.GeoDataFrame
    screening: gpd.GeoDataFrame
    grid: SiteGrid

    def summary(self) -> dict[str, Any]:
        """Return counts for ``PlanOutcome.summary["sites"]``: candidates, rejections, flags.

        ``rejected_by_rule`` counts a site once per rule it breaks;
        ``rule_cites`` gives the resolution ids of each rule.
        """
        rejected = self.screening["status"] == "rejected"
        codes = self.screening["reason_code"][rejected].str.split(",").explode()
        return {
            "candidates": len(self.screening),
            "rejected": int(rejected.sum()),
            "rejected_by_rule": {
                str(k): int(v) for k, v in codes.value_counts().sort_index().items()
            },
            "to_verify": int((self.screening["verify_code"] != "").sum()),
            "rule_cites": {k: list(v) for k, v in SITE_RULES.items()},
        }


def _share_at_or_above(profile: pd.DataFrame, prefix: str, level: int) -> pd.Series:
    columns = [f"{prefix}{lv}" for lv in LEVELS if lv >= level]
    return profile[columns].apply(pd.to_numeric, errors="coerce").sum(axis=1, min_count=1)


def _checks(config: SitesConfig) -> list[tuple[str, str, Callable[[pd.DataFrame], pd.Series]]]:
    """(rule code, sentence template, value per site) with the limit already applied.

    Each function returns the measured value where the site breaks the rule and
    ``NaN`` elsewhere (or where the layer is missing: the rule cannot be judged).
    """
    checks: list[tuple[str, str, Callable[[pd.DataFrame], pd.Series]]] = []

    Column = str | Callable[[pd.DataFrame], pd.Series]

    def over(column: Column, limit: float, *, below: bool = False) -> Callable[..., pd.Series]:
        def measure(p: pd.DataFrame) -> pd.Series:
            value = column(p) if callable(column) else pd.to_numeric(p[column], errors="coerce")
            breaks = value < limit if below else value > limit + 1e-9
            return value.where(breaks)

        return measure

    for level, share in config.max_official_share.items():
        checks.append((
            "official_level",
            f"{{:.1%}} of the site in official landslide levels {level}-5 "
            f"(limit {share:.0%}, plan.sites.max_official_share)",
            over(partial(_share_at_or_above, prefix="landslide_share_", level=level), share),
        ))  # fmt: skip
    for level, share in config.max_model_share.items():
        checks.append((
            "model_level",
            f"{{:.1%}} of the site in modelled susceptibility levels {level}-5 "
            f"(limit {share:.0%}, plan.sites.max_model_share)",
            over(partial(_share_at_or_above, prefix="model_share_", level=level), share),
        ))  # fmt: skip
    if config.max_site_slope_mean_deg is not None:
        limit = config.max_site_slope_mean_deg
        checks.append(("slope_mean", f"mean slope {{:.1f}}° (limit {limit:g}°)",
                       over("slope_mean_deg", limit)))  # fmt: skip
    if config.max_site_slope_p90_deg is not None:
        limit = config.max_site_slope_p90_deg
        checks.append(("slope_p90", f"90th-percentile slope {{:.1f}}° (limit {limit:g}°)",
                       over("slope_p90_deg", limit)))  # fmt: skip
    if config.min_river_distance_m is not None:
        limit = config.min_river_distance_m
        checks.append(("near_river", f"{{:.0f}} m from a river (flash floods; at least "
                       f"{limit:g} m)", over("dist_river_m", limit, below=True)))  # fmt: skip
    if config.min_steep_distance_m is not None:
        limit = config.min_steep_distance_m
        checks.append((
            "near_steep_slope",
            f"{{:.0f}} m from ground steeper than {config.steep_slope_deg:g}° "
            f"(at least {limit:g} m)",
            over("dist_steep_m", limit, below=True),
        ))  # fmt: skip
    if config.exclude_forest:
        limit = config.max_forest_share
        kinds = "/".join(config.exclude_forest)
        checks.append(("protected_forest", f"{{:.1%}} of the site in {kinds} forest "
                       f"(limit {limit:.0%})", over("protected_forest_share", limit)))  # fmt: skip
    return checks


def screen_sites(profile: pd.DataFrame, config: SitesConfig) -> pd.DataFrame:
    """Judge each profiled site against the scenario's rules.

    Parameters
    ----------
    profile
        :func:`geoplan.plan.site_profile.site_profiles` output.
    config
        The scenario's ``plan.sites`` section.

    Returns
    -------
    pandas.DataFrame
        Same index: ``status`` (``kept`` / ``rejected``), ``reason_code``
        (codes of :data:`SITE_RULES` joined by ``,``; empty when kept) and
        ``reason`` (one sentence per broken rule, joined by ``; ``).  A rule
        whose measure is unknown (missing layer) does not reject.
    """
    codes: list[list[str]] = [[] for _ in range(len(profile))]
    texts: list[list[str]] = [[] for _ in range(len(profile))]
    for code, template, measure in _checks(config):
        values = measure(profile).to_numpy(dtype=float)
        for i in np.flatnonzero(~np.isnan(values)):
            if code not in codes[i]:
                codes[i].append(code)
            texts[i].append(template.format(values[i]))
    return pd.DataFrame(
        {
            "status": ["rejected" if c else "kept" for c in codes],
            "reason_code": [",".join(c) for c in codes],
            "reason": ["; ".join(t) for t in texts],
        },
        index=profile.index,
    )


def verify_flags(profile: pd.DataFrame, config: SitesConfig) -> pd.DataFrame:
    """Flag sites where the model and the official map disagree, for field verification.

    ``model_higher``: the official map puts the site at level 2 or below but the
    model puts more than ``verify_share`` of it in levels 4-5; ``official_higher``:
    more than ``verify_share`` of the site is in official levels 4-5 but no
    modelled level above 2 is present on it.  Both kept and rejected sites are
    flagged: a field check may reinstate or strike either.

    Returns
    -------
    pandas.DataFrame
        Same index: ``verify_code`` (empty when the sources agree) and ``verify_reason``.
    """
    official_high = _share_at_or_above(profile, "landslide_share_", 4).to_numpy(dtype=float)
    model_high = _share_at_or_above(profile, "model_share_", 4).to_numpy(dtype=float)
    official_level = pd.to_numeric(profile["official_level"], errors="coerce").to_numpy(float)
    model_level = pd.to_numeric(profile["model_level"], errors="coerce").to_numpy(float)
    limit = config.verify_share
    with np.errstate(invalid="ignore"):
        model_higher = (official_level <= 2) & (model_high > limit)
        official_higher = (official_high > limit) & (model_level <= 2)
    codes, texts = [], []
    for i in range(len(profile)):
        if model_higher[i]:
            codes.append("model_higher")
            texts.append(
                f"official level {official_level[i]:.0f} but {model_high[i]:.1%} of the site "
                "in modelled levels 4-5: check the ground before building"
            )
        elif official_higher[i]:
            codes.append("official_higher")
            texts.append(
                f"{official_high[i]:.1%} of the site in official levels 4-5 but modelled "
                f"level {model_level[i]:.0f} at most: check the zoning on the ground"
            )
        else:
            codes.append("")
            texts.append("")
    return pd.DataFrame({"verify_code": codes, "verify_reason": texts}, index=profile.index)


def _model_levels(model: Any) -> Any:
    levels = getattr(model, "levels", None)
    return levels if levels is not None and hasattr(levels, "array") else None


def safe_sites(
    communes: gpd.GeoDataFrame,
    config: SitesConfig,
    *,
    layers: Any = None,
    model: Any = None,
) -> SafeSites:
    """Find the candidate sites, profile them and keep the safe ones.

    Parameters
    ----------
    communes
        Commune polygons (scenario CRS), as for :func:`find_sites`.
    config
        The scenario's ``plan.sites`` section.
    layers
        :class:`geoplan.io.Layers` (``dem``, ``landslide_zones``, ``forest``,
        ``roads``, ``rivers``); a missing layer skips its rules.
    model
        The susceptibility result (``probability`` and ``levels``), or ``None``.

    Returns
    -------
    SafeSites
        Kept sites, every candidate with its status and reasons, the grid.
    """
    susceptibility = getattr(model, "probability", None)
    candidates, grid = find_sites(
        communes, config, layers=layers, susceptibility=susceptibility,
        model_levels=_model_levels(model),
    )  # fmt: skip
    release_freed_memory()  # the site search's temporaries, before the profiles' zonal passes
    profile = site_profiles(
        candidates,
        layers=layers,
        model=model,
        terrain=grid.terrain,
        protected_forest=config.exclude_forest,
    )
    judged = pd.concat([screen_sites(profile, config), verify_flags(profile, config)], axis=1)
    base = candidates.drop(columns=[c for c in PROFILE_COLUMNS if c in candidates.columns])
    at = list(base.columns).index("geometry")
    screening = pd.concat(
        [base.iloc[:, :at], profile, judged[SCREEN_COLUMNS], base.iloc[:, at:]], axis=1
    )
    screening = gpd.GeoDataFrame(screening, geometry="geometry", crs=candidates.crs)
    kept = screening[screening["status"] == "kept"].drop(
        columns=["status", "reason_code", "reason"]
    )
    return SafeSites(kept.reset_index(drop=True), screening.reset_index(drop=True), grid)


def origin_profiles(villages: pd.DataFrame) -> pd.DataFrame:
    """Return the hazard profile of villages where they live, as sites are profiled.

    ``official_level`` is the highest official level present on the village's
    area (``landslide_share_<level>``) or at its point (``landslide_level``);
    ``susceptibility`` and ``slope_mean_deg`` are the indicators' area means.
    """
    out = pd.DataFrame(index=villages.index)
    shares = villages.reindex(columns=[f"landslide_share_{lv}" for lv in LEVELS])
    from_area = highest_level(shares, "landslide_share_")
    at_point = pd.to_numeric(
        villages.get("landslide_level", pd.Series(np.nan, index=villages.index)), errors="coerce"
    ).to_numpy(dtype=float)
    out["official_level"] = np.fmax(from_area, at_point)
    for column in ("susceptibility", "slope_mean_deg"):
        out[column] = pd.to_numeric(
            villages.get(column, pd.Series(np.nan, index=villages.index)), errors="coerce"
        )
    return out


def _hazard_values(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return {
        "official_level": pd.to_numeric(frame["official_level"], errors="coerce").to_numpy(float),
        "model_probability": pd.to_numeric(frame["susceptibility"], errors="coerce").to_numpy(
            float
        ),
        "slope": pd.to_numeric(frame["slope_mean_deg"], errors="coerce").to_numpy(float),
    }


def _improves(hazard: str, origin: np.ndarray, site: np.ndarray) -> np.ndarray:
    """Whether ``site`` is safer than ``origin`` (broadcast); unknown values do not block."""
    with np.errstate(invalid="ignore"):
        better = site < origin
        if hazard == "official_level":  # outside every zone at both ends: nothing to improve
            better |= (site == 0) & (origin == 0)
        unknown = np.isnan(site) | np.isnan(origin)
    return better | unknown


def safer_than_origin(
    villages: pd.DataFrame, sites: pd.DataFrame, config: SitesConfig
) -> np.ndarray:
    """Return the pair filter: may each village move to each site (safer on every hazard).

    Parameters
    ----------
    villages
        Villages that move, with the hazard indicators (``landslide_share_<level>``,
        ``landslide_level``, ``susceptibility``, ``slope_mean_deg``).
    sites
        Sites with their profile (``official_level``, ``susceptibility``,
        ``slope_mean_deg``), e.g. :attr:`SafeSites.sites`.
    config
        ``plan.sites``; ``compare_with_origin`` names the hazards compared.

    Returns
    -------
    numpy.ndarray
        Boolean ``(len(villages), len(sites))``: ``True`` where the site is
        strictly lower than the village on every named hazard (official level:
        lower, or outside every zone at both ends).  A hazard unknown at either
        end (missing layer or model) does not block the pair.
    """
    allowed = np.ones((len(villages), len(sites)), dtype=bool)
    if not len(villages) or not len(sites):
        return allowed
    origin = _hazard_values(origin_profiles(villages))
    site = _hazard_values(sites)
    for hazard in config.compare_with_origin:
        allowed &= _improves(hazard, origin[hazard][:, None], site[hazard][None, :])
    return allowed


def compare_moves(
    moves: gpd.GeoDataFrame, villages: pd.DataFrame, sites: pd.DataFrame, config: SitesConfig
) -> gpd.GeoDataFrame:
    """Add the origin's and the destination's hazard profile and the improvement to each move.

    Parameters
    ----------
    moves
        Moves with ``village_id`` and ``site_id``.
    villages
        Villages with ``village_id`` and the hazard indicators.
    sites
        Sites with ``site_id`` and their profile.
    config
        ``plan.sites`` (``compare_with_origin``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``moves`` plus, for each hazard of :data:`COMPARED`, ``origin_<x>``,
        ``site_<x>`` and ``<x>_drop`` (origin minus site: positive is safer),
        ``site_model_share_high`` (share in modelled levels 4-5) and
        ``safer_than_origin`` (every named hazard improved), before ``geometry``.
    """
    origin = origin_profiles(villages).set_index(villages["village_id"].astype(str).to_numpy())
    origin = origin[~origin.index.duplicated()]
    site = sites.drop(columns="geometry", errors="ignore").set_index(
        sites["site_id"].astype(str).to_numpy()
    )
    vid = moves["village_id"].astype(str)
    sid = moves["site_id"].astype(str)
    o = _hazard_values(origin.reindex(vid))
    s = _hazard_values(site.reindex(sid))
    columns: dict[str, Any] = {}
    safer = np.ones(len(moves), dtype=bool)
    for hazard, (origin_col, site_col, _unit) in COMPARED.items():
        digits = 0 if hazard == "official_level" else (4 if hazard == "model_probability" else 2)
        columns[origin_col] = np.round(o[hazard], digits)
        columns[site_col] = np.round(s[hazard], digits)
        columns[f"{hazard}_drop"] = np.round(o[hazard] - s[hazard], digits)
        if hazard in config.compare_with_origin:
            safer &= _improves(hazard, o[hazard], s[hazard])
    high = _share_at_or_above(site.reindex(sid), "model_share_", 4).to_numpy(dtype=float)
    columns["site_model_share_high"] = np.round(high, 4)
    columns["safer_than_origin"] = safer
    out = moves.drop(columns=[c for c in columns if c in moves.columns])
    at = list(out.columns).index("geometry") if "geometry" in out.columns else len(out.columns)
    for offset, (name, values) in enumerate(columns.items()):
        out.insert(at + offset, name, values)
    return out
