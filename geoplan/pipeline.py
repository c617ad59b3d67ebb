"""Chain the stages: load → indicators → score → plan.

Rendering is separate (:func:`geoplan.render.write_outputs`), so a caller can
inspect a :class:`PlanResult` in Python without writing anything.
"""

from __future__ import annotations

import hashlib
import logging
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geoplan.scenario import Scenario, scenario_hash

if TYPE_CHECKING:  # the stages load the scientific stack; the types alone do not
    from geoplan.indicators import Indicators
    from geoplan.io import Layers
    from geoplan.plan import PlanOutcome
    from geoplan.scoring import ScoringResult

__all__ = ["BesidePlan", "PlanResult", "run"]

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]
#: Work done beside the plan: called with the run so far (no plan yet) and a function that
#: tells whether the plan is ready; see :func:`run`.
BesidePlan = Callable[["PlanResult", Callable[[], bool]], None]

_VERSIONED_PACKAGES = (
    "geoplan",
    "numpy",
    "pandas",
    "geopandas",
    "shapely",
    "pyogrio",
    "pyproj",
    "rasterio",
    "folium",
    "scikit-learn",
    "scipy",
    "exactextract",
)


@dataclass(frozen=True)
class PlanResult:
    """Everything one run computed, ready to render.

    Attributes
    ----------
    scenario
        The scenario that was run.
    layers
        The validated input layers (:class:`geoplan.io.Layers`), without the
        ``landslide_truth`` raster: it is released once the landslide model has
        been scored against it (``truth_auc`` in the model card).
    indicators
        Per-village, per-commune and per-district indicators
        (:class:`geoplan.indicators.Indicators`).
    scoring
        Scores, ranks, classes and reasons per track
        (:class:`geoplan.scoring.ScoringResult`).
    plan
        Resettlement sites, budget allocation and targets
        (:class:`geoplan.plan.PlanOutcome`), or ``None`` when disabled.
    timings
        Seconds spent per stage.
    inputs
        SHA-256 of every input file, by path.
    versions
        Versions of geoplan and its main dependencies.
    """

    scenario: Scenario
    layers: Layers
    indicators: Indicators
    scoring: ScoringResult
    plan: PlanOutcome | None
    timings: dict[str, float] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def run_info(self) -> dict[str, Any]:
        """Return the content of ``run.json``: scenario, hashes, versions, timings, counts."""
        villages_in = len(self.layers.villages)
        scored = self.scoring.villages
        eligible = {
            track: int(scored[f"{track}_eligible"].fillna(False).astype(bool).sum())
            for track in self.scenario.scoring.tracks
            if f"{track}_eligible" in scored
        }
        return {
            "geoplan": self.versions.get("geoplan", ""),
            "scenario": {
                "name": self.scenario.name,
                "title": self.scenario.title,
                "source": str(self.scenario.source) if self.scenario.source else None,
                "sha256": scenario_hash(self.scenario),
                "content": self.scenario.model_dump(mode="json", exclude={"source"}),
            },
            "inputs": self.inputs,
            "versions": self.versions,
            "platform": {"python": platform.python_version(), "machine": platform.machine()},
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
            "counts": {
                "communes_in": len(self.layers.communes),
                "communes_out": len(self.scoring.communes),
                "villages_in": villages_in,
                "villages_out": len(scored),
                "eligible": eligible,
            },
            "issues": [issue.to_dict() for issue in self.layers.report.issues]
            + [issue.to_dict() for issue in self.scoring.issues],
            "plan_status": self._plan_status(),
        }

    def _plan_status(self) -> dict[str, Any] | None:
        """Return what the plan's solvers proved: status, method and gap of each model."""
        if self.plan is None:
            return None
        moves = self.plan.assignment_summary.get("milp", {})
        alloc = self.plan.allocation_summary
        return {
            "assignment": {k: moves.get(k) for k in ("status", "method", "mip_gap")},
            "allocation": {k: alloc.get(k) for k in ("status", "method", "mip_gap", "milp_scope")},
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def input_hashes(scenario: Scenario) -> dict[str, str]:
    """Return the SHA-256 of every input file the scenario names, and its change log.

    Shapefiles are hashed with their sidecar files (``.dbf``, ``.shx``,
    ``.prj``, ``.cpg``), since those carry the attributes and the CRS.
    """
    hashes: dict[str, str] = {}
    for spec in scenario.input_specs():
        path = Path(spec.path)
        candidates = [path]
        if path.suffix.lower() == ".shp":
            candidates += [path.with_suffix(s) for s in (".dbf", ".shx", ".prj", ".cpg")]
        for candidate in candidates:
            if candidate.is_file() and str(candidate) not in hashes:
                hashes[str(candidate)] = _sha256(candidate)
    from geoplan.review.corrections import corrections_path

    log = corrections_path(scenario)  # reviewed village data laid over the layer
    if log is not None and log.is_file():
        hashes[str(log)] = _sha256(log)
    return dict(sorted(hashes.items()))


def package_versions() -> dict[str, str]:
    """Return the installed versions of geoplan and its main dependencies."""
    versions: dict[str, str] = {}
    for name in _VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@contextmanager
def _stage(name: str, timings: dict[str, float], progress: Progress | None) -> Iterator[None]:
    if progress is not None:
        progress(name)
    logger.info("stage %s", name)
    start = time.perf_counter()
    try:
        yield
    finally:
        # a stage's large temporaries leave free holes in the C heap that stay resident and
        # would add to the next stage's peak
        from geoplan.memory import release_freed_memory

        release_freed_memory()
        timings[name] = time.perf_counter() - start


def run(
    scenario: Scenario,
    *,
    progress: Progress | None = None,
    beside_plan: BesidePlan | None = None,
) -> PlanResult:
    """Run a scenario from its input layers to a plan, without writing anything.

    Parameters
    ----------
    scenario
        A validated scenario, e.g. from :func:`geoplan.load_scenario`.
    progress
        Called with the name of each stage as it starts (the CLI prints it).
    beside_plan
        Work to do while the plan is being made (the CLI begins the render): where
        processes can be forked, the plan is made in a forked child and
        ``beside_plan(result, ready)`` is called here meanwhile, with the run so far
        (``plan`` is ``None``) and ``ready()``, which tells whether the plan is done,
        so that the work can stop early and leave the rest for later.  Not called when
        the plan is disabled or cannot be made in a child; the plan is then made here.
        The result is the same either way.

    Returns
    -------
    PlanResult
        Layers, indicators, scores, the plan, timings, input hashes and
        versions; pass it to :func:`geoplan.write_outputs`.

    Raises
    ------
    GeoplanError
        Any of its subclasses, with a message naming the file, layer, row
        and field at fault.
    """
    # Imported here so that `geoplan --help` and scenario checks stay fast.
    from geoplan.check import preflight_run
    from geoplan.indicators import compute_indicators
    from geoplan.io import load_layers
    from geoplan.partitions import partitioned_indicators
    from geoplan.review.corrections import correct_layers
    from geoplan.scoring import score_tracks

    timings: dict[str, float] = {}
    with _stage("load and validate layers", timings, progress):
        inputs = input_hashes(scenario)
        layers = correct_layers(load_layers(scenario), scenario)
        preflight_run(scenario, layers)  # the checks `geoplan check` makes, same messages
    with _stage("indicators and hazard model", timings, progress):
        indicators = (
            partitioned_indicators(layers, scenario)
            if scenario.partitions is not None
            else compute_indicators(layers, scenario)
        )
    # the truth raster only scores the model (its AUC is in the model card); releasing it
    # keeps a whole-grid float64 array out of the plan's and the render's memory peaks
    layers = replace(layers, landslide_truth=None)
    with _stage("scoring", timings, progress):
        scoring = score_tracks(indicators, scenario)
    result = PlanResult(
        scenario=scenario,
        layers=layers,
        indicators=indicators,
        scoring=scoring,
        plan=None,
        timings=timings,
        inputs=inputs,
        versions=package_versions(),
    )
    if scenario.plan.enabled:
        with _stage("sites, budget and targets", timings, progress):
            result = replace(result, plan=_plan(result, beside_plan))
    return result


def _plan(result: PlanResult, beside_plan: BesidePlan | None) -> PlanOutcome:
    """Make the plan of ``result``: in a forked child while ``beside_plan`` runs here, if any."""
    from geoplan.forked import call_forked, fork_is_safe
    from geoplan.plan import make_plan
    from geoplan.render.workers import WORKERS_ENV  # the variable that sets both (light)

    make = partial(
        make_plan, result.indicators, result.scoring, result.scenario, layers=result.layers
    )
    if beside_plan is None or not fork_is_safe():
        return make()
    with call_forked(
        make,
        fork=True,
        label="plan",
        hint=f"with {WORKERS_ENV}=1 to make the plan and write the outputs in one process",
    ) as planning:
        beside_plan(result, planning.ready)
        return planning.result()
