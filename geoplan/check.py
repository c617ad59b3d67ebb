"""``geoplan check``: find every input problem a run would fail on, before it runs.

:func:`check_paths` checks scenarios (every layer, as :func:`geoplan.io.load_layers`
reads them, then :func:`scenario_problems`) and bare layer files; it never
raises for bad input.  :func:`preflight_run` is what ``geoplan run`` does
before the pipeline: the same :func:`scenario_problems`, raised as one error,
so check and run give the same message for the same cause.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geoplan.errors import GeoplanError, Issue, LayerError, ScenarioError
from geoplan.io.crs import crs_label
from geoplan.io.fields import KINDS
from geoplan.io.integrity import check_file_integrity
from geoplan.io.load import _msg, load_report, read_checked, read_raster
from geoplan.io.readers import RASTER_SUFFIXES, list_layers
from geoplan.io.report import LayerSummary, ValidationReport
from geoplan.io.validate import guess_kinds, prepare_layer

if TYPE_CHECKING:
    from geoplan.io.load import Layers
    from geoplan.scenario import Scenario

__all__ = ["check_paths", "memory_budget", "preflight_run", "scenario_problems", "stability_bytes"]


def memory_budget() -> int:
    """Return the memory a run may plan to use: half of the machine's physical memory."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 * 1024**3
    return int(total) // 2


def stability_bytes(villages: int, criteria: int, draws: int, chunk_size: int) -> int:
    """Estimate the peak memory of one track's Monte Carlo stability analysis.

    The weight draws (``draws x criteria`` floats), one chunk of scores and
    ranks (``chunk x villages``) and the rank histograms (``villages x bins``).
    """
    if draws <= 0 or villages <= 0:
        return 0
    chunk = min(chunk_size, draws)
    bins = min(villages + 1, 257)
    return int(
        draws * max(criteria, 1) * 8 + chunk * villages * (8 * 3 + 4 * 2) + villages * bins * 4
    )


def _count_villages(scenario: Scenario) -> int | None:
    """Return the villages layer's feature count from its header (no data read), if known."""
    spec = scenario.layers.villages
    if spec is None:
        return None
    try:
        import pyogrio

        info = pyogrio.read_info(spec.path, layer=spec.layer)
        count = int(info.get("features", -1))
    except Exception:  # an unreadable layer is reported by the load stage, not here
        return None
    return count if count >= 0 else None


def _floor_problems(scenario: Scenario, communes: pd.DataFrame | None) -> list[Issue]:
    """Return the budget floors no solver can meet: shares over 100%, units that do not exist."""
    allocation = scenario.plan.allocation
    if not (scenario.plan.enabled and allocation.enabled and allocation.min_shares):
        return []
    file = str(scenario.source) if scenario.source else None
    issues: list[Issue] = []
    for level in ("district", "commune", "kind"):
        total = sum(
            ms.share for ms in allocation.min_shares if ms.basis == "budget" and ms.level == level
        )
        if total > 1 + 1e-9:
            issues.append(
                Issue(
                    "error",
                    f"minimum shares of the budget for level '{level}' add up to {total:.1%} > "
                    "100%; lower them in plan.allocation.min_shares",
                    file=file,
                    field="plan.allocation.min_shares",
                    code="infeasible-floor",
                )
            )
    column = {"district": "district_code", "commune": "commune_code"}
    for i, ms in enumerate(allocation.min_shares):
        if ms.level == "kind":
            known = set(allocation.interventions)
        elif communes is not None and column[ms.level] in communes:
            known = set(communes[column[ms.level]].dropna().astype(str))
        else:
            continue
        if ms.code not in known:
            where = "plan.allocation.interventions" if ms.level == "kind" else "the communes layer"
            issues.append(
                Issue(
                    "error",
                    f"the floor of {ms.share:.0%} for {ms.level} '{ms.code}' cannot be met: "
                    f"there is no {ms.level} '{ms.code}' in {where}; fix the code or remove "
                    "the floor",
                    file=file,
                    field=f"plan.allocation.min_shares[{i}].code",
                    code="infeasible-floor",
                )
            )
    return issues


def _missing_value_problems(scenario: Scenario, villages: pd.DataFrame | None) -> list[Issue]:
    """Warn where a criterion that refuses missing values reads an empty village field.

    ``run`` stops only when such a village is ranked (eligibility needs the
    indicators), so ``check`` warns for every row that may stop it.
    """
    if villages is None:
        return []
    from geoplan.scoring.catalogue import get_criterion

    spec = scenario.layers.villages
    issues: list[Issue] = []
    seen: set[tuple[str, str]] = set()
    labels = villages.get("village_id", None)
    for name, track in scenario.scoring.tracks.items():
        for cspec in track.criteria:
            if (cspec.missing or track.missing) != "refuse":
                continue
            try:
                crit = get_criterion(cspec.id)
            except KeyError:
                continue
            for col in crit.columns:
                if col not in villages or (cspec.id, col) in seen:
                    continue
                seen.add((cspec.id, col))
                empty = villages[col].isna().to_numpy()
                if not empty.any():
                    continue
                rows = villages.index[empty]
                who = ", ".join(
                    str(labels.iloc[i]) if labels is not None else str(i) for i in list(rows)[:10]
                )
                issues.append(
                    Issue(
                        "warning",
                        f"track '{name}', criterion '{cspec.id}': {int(empty.sum())} village(s) "
                        f"have no '{col}' (e.g. {who}); the run stops if one of them is ranked, "
                        "unless `missing:` on the track or criterion says how to fill them",
                        file=str(spec.path),
                        layer="villages",
                        row=int(rows[0]) if len(rows) == 1 else None,
                        field=col,
                        code="missing-value",
                    )
                )
    return issues


def scenario_problems(
    scenario: Scenario, *, villages: int | None = None, communes: pd.DataFrame | None = None
) -> list[Issue]:
    """Return the problems of a scenario's numbers that the data makes fatal.

    A stability analysis whose draws would not fit in memory (the estimate is
    in the message); budget floors that cannot be met (shares of one level
    above 100%, a floor for a district, commune or kind that does not exist).

    Parameters
    ----------
    scenario
        The validated scenario.
    villages
        Number of villages (counted from the villages layer's header when omitted).
    communes
        The loaded communes layer, when known (floors are then checked against it).

    Returns
    -------
    list of Issue
        Errors, each naming the scenario file and the key.
    """
    issues: list[Issue] = _floor_problems(scenario, communes)
    n = villages if villages is not None else _count_villages(scenario)
    if n is None:
        return issues
    st = scenario.scoring.stability
    budget = memory_budget()
    for name, track in scenario.scoring.tracks.items():
        need = stability_bytes(n, len(track.criteria), st.draws, st.chunk_size)
        if need > budget:
            issues.append(
                Issue(
                    "error",
                    f"track '{name}': {st.draws:,} stability draws for {n:,} villages need "
                    f"about {need / 1024**3:.1f} GiB of memory, more than the "
                    f"{budget / 1024**3:.1f} GiB geoplan may use on this machine; lower "
                    "scoring.stability.draws (or chunk_size)",
                    file=str(scenario.source) if scenario.source else None,
                    field="scoring.stability.draws",
                    code="too-much-memory",
                )
            )
    return issues


def preflight_run(scenario: Scenario, layers: Layers | None = None) -> None:
    """Refuse a scenario that :func:`scenario_problems` finds fatal.

    The CLI calls it before the pipeline (scenario and layer headers only);
    the pipeline calls it again once the layers are loaded.

    Raises
    ------
    ScenarioError
        With the same message ``geoplan check`` prints.
    """
    if layers is None:
        found = scenario_problems(scenario)
    else:
        found = scenario_problems(scenario, villages=len(layers.villages), communes=layers.communes)
    errors = [i for i in found if i.severity == "error"]
    if errors:
        raise ScenarioError("\n".join(str(i) for i in errors))


def check_paths(
    paths: list[str | Path] | tuple[str | Path, ...],
    *,
    strict: bool = False,
    kind: str | None = None,
) -> ValidationReport:
    """Check scenarios and bare layer files; never raises for bad input.

    A ``.yaml``/``.yml`` path is loaded as a scenario and all its layers are
    checked as :func:`load_layers` would; any other path is read as a layer
    (every layer of a GeoPackage/KML), with its kind guessed from its name,
    columns and geometry; rasters are opened and checked.

    Parameters
    ----------
    paths
        Files to check.
    strict
        Stored on the report: :meth:`ValidationReport.exit_code` then returns
        1 when there are only warnings.
    kind
        What every bare layer file is (a key of :data:`~geoplan.io.fields.KINDS`);
        without it the kind is guessed, only when the guess is unambiguous, and
        the guess is shown in the layer's summary.

    Returns
    -------
    ValidationReport
        Every issue found, with per-layer summaries.
    """
    report = ValidationReport(strict=strict)
    if kind is not None and kind not in KINDS:
        report.add(
            Issue(
                "error",
                f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}",
                code="unknown-kind",
            )
        )
        return report
    for item in paths:
        p = Path(item)
        try:
            if p.suffix.lower() in {".yaml", ".yml"}:
                from geoplan.scenario import load_scenario

                try:
                    scenario = load_scenario(p)
                except ScenarioError as exc:
                    report.add(Issue("error", _msg(exc, p), file=str(p), code="scenario"))
                    continue
                layers, sub = load_report(scenario)
                report.merge(sub)
                if layers is not None:
                    report.extend(
                        scenario_problems(
                            scenario, villages=len(layers.villages), communes=layers.communes
                        )
                    )
                    report.extend(_missing_value_problems(scenario, layers.villages))
                else:
                    report.extend(scenario_problems(scenario))
            elif p.suffix.lower() in RASTER_SUFFIXES:
                try:
                    r = read_raster(p)
                except LayerError as exc:
                    report.add(Issue("error", _msg(exc, p), file=str(p), code="raster"))
                    continue
                n = int(np.isfinite(r.array).sum())
                report.layers.append(
                    LayerSummary(
                        name=p.stem,
                        file=str(p),
                        features=n,
                        kept=n,
                        source_crs=crs_label(r.crs),
                        crs=crs_label(r.crs),
                        geometry_type=f"raster {r.shape[1]}x{r.shape[0]}",
                    )
                )
            else:
                _check_file(p, report, kind=kind)
        except GeoplanError as exc:
            report.add(Issue("error", _msg(exc, p), file=str(p), code="unreadable"))
        except Exception as exc:  # `geoplan check` reports, never crashes
            report.add(
                Issue(
                    "error",
                    f"unexpected {type(exc).__name__} while checking: {exc} (please report this "
                    "as a geoplan bug with the file)",
                    file=str(p),
                    code="internal-error",
                )
            )
    return report


def _check_file(p: Path, report: ValidationReport, *, kind: str | None = None) -> None:
    if not p.exists():
        report.add(Issue("error", "file not found", file=str(p), code="not-found"))
        return
    try:
        check_file_integrity(p)
        names: list[str | None] = list(list_layers(p))
    except LayerError as exc:
        report.add(Issue("error", _msg(exc, p), file=str(p), code="unreadable"))
        return
    single = p.suffix.lower() in {
        ".shp",
        ".csv",
        ".txt",
        ".tsv",
        ".parquet",
        ".geoparquet",
        ".geojson",
        ".json",
        ".fgb",
    }
    for name in names:
        layer = None if single else name
        try:
            raw = read_checked(p, layer=layer)
        except LayerError as exc:
            report.add(Issue("error", _msg(exc, p), file=str(p), layer=layer, code="unreadable"))
            continue
        label = name if not single else p.stem
        given = kind
        if given is None:
            candidates = guess_kinds(raw.frame, label)
            if len(candidates) > 1:
                report.add(
                    Issue(
                        "error",
                        f"cannot tell what this layer is ({' or '.join(candidates)}); "
                        f"say it with `geoplan check --kind {candidates[0]} {p}`",
                        file=str(p),
                        layer=layer,
                        code="ambiguous-kind",
                    )
                )
                continue
            given = candidates[0] if candidates else None
        shown = given if kind is not None or given is None else f"{given} (guessed)"
        summary = LayerSummary(name=shown or (name or p.stem), file=str(p), layer=raw.layer)
        report.layers.append(summary)
        issues: list[Issue] = []
        prepare_layer(
            raw,
            file=str(p),
            name=layer or summary.name,
            kind=given,
            fields=None,
            crs=None,
            summary=summary,
            issues=issues,
        )
        report.extend(issues)
