"""The plan stage alone ("sites, budget and targets") at 1x, 10x and 100x the demo.

The scaled scenarios come from :func:`bench_scale.build` (demo villages replicated inside their
communes).  For each scale the pipeline runs once up to the plan in a fresh process and its state
(layers, indicators, scores) is pickled into ``--keep DIR``; then ``make_plan`` runs on that
state and the scenario read again, in a fresh process, ``--runs`` times, recording wall time, CPU
time, the peak resident memory (and the state's own), the resident memory sampled every 0.1 s
while the plan runs, the plan's sub-stage timings, the assignment and allocation statuses and
gaps, and a digest of the plan's frames: two runs must give the same digest (deterministic
solver limits, no clock).

Peer in the same run: the greedy assignment plus the greedy-by-score allocation of the same
instance is in the plan's own summary (``greedy`` beside ``milp``), so the ratio is reported by
the plan itself.

Usage: python benchmarks/bench_plan_scale.py [--factors 1 10 100] [--keep DIR] [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import ROOT, build

PREPARE = r"""
import pickle, sys
import geoplan
from geoplan.check import preflight_run
from geoplan.indicators import compute_indicators
from geoplan.io import load_layers
from geoplan.review.corrections import correct_layers
from geoplan.scoring import score_tracks

scenario = geoplan.load_scenario(sys.argv[1])
layers = correct_layers(load_layers(scenario), scenario)
preflight_run(scenario, layers)
indicators = compute_indicators(layers, scenario)
scoring = score_tracks(indicators, scenario)
with open(sys.argv[2], "wb") as fh:
    pickle.dump((layers, indicators, scoring), fh, protocol=pickle.HIGHEST_PROTOCOL)
"""

PLAN = r"""
import hashlib, json, pickle, resource, sys, threading, time
import pandas as pd
import geoplan
from geoplan.plan import make_plan

def usage():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024

def rss_mib():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20

with open(sys.argv[1], "rb") as fh:
    layers, indicators, scoring = pickle.load(fh)
scenario = geoplan.load_scenario(sys.argv[2])  # read again: the plan's settings may change
timeline, running = [], True

def sample():  # the resident memory every 0.1 s while the plan runs
    start = time.perf_counter()
    while running:
        timeline.append((round(time.perf_counter() - start, 1), round(rss_mib())))
        time.sleep(0.1)

sampler = threading.Thread(target=sample, daemon=True)
wall0, cpu0, rss0 = usage()
sampler.start()
plan = make_plan(indicators, scoring, scenario, layers=layers)
running = False
sampler.join()
wall1, cpu1, rss1 = usage()
digest = hashlib.sha256()
for name in ("sites", "moves", "greedy_moves", "unplaced", "allocation", "budget_use", "targets",
             "targets_by_district", "targets_by_commune"):
    frame = pd.DataFrame(getattr(plan, name)).drop(columns="geometry", errors="ignore")
    digest.update(frame.to_csv(index=False).encode())
a, s = plan.allocation_summary, plan.assignment_summary
print(json.dumps({
    "wall_s": wall1 - wall0, "cpu_s": cpu1 - cpu0,
    "peak_mib": rss1, "state_mib": rss0,
    "sampled_peak_mib": max(m for _, m in timeline),
    "rss_timeline_mib": timeline[:: max(1, len(timeline) // 30)],
    "timings_s": plan.summary["timings_s"],
    "villages_at_risk": s["villages_at_risk"], "candidate_pairs": s["candidate_pairs"],
    "model_pairs": s["model_pairs"],
    "assignment": {k: s["milp"][k] for k in ("status", "method", "mip_gap", "components",
                   "heuristic_components", "solves", "nodes", "households_placed",
                   "priority_repairs")},
    "greedy_households_placed": s["greedy"]["households_placed"],
    "allocation": {k: a.get(k) for k in ("method", "status", "mip_gap", "objective",
                   "greedy_objective", "candidates", "variables", "constraints", "nodes",
                   "node_limit")},
    "digest": digest.hexdigest()[:16],
}))
"""


def prepare(factor: int, folder: Path) -> Path:
    """Build the scale's scenario in ``folder`` and pickle the pipeline state before the plan."""
    folder.mkdir(parents=True, exist_ok=True)
    state = folder / "state.pkl"
    if not state.exists():
        scenario, _ = build(factor, folder)
        subprocess.run(
            [sys.executable, "-c", PREPARE, str(scenario), str(state)], cwd=ROOT, check=True
        )
    return state


def plan_once(state: Path) -> dict[str, object]:
    """Run the plan stage on a saved state in a fresh process; return its measures."""
    child = subprocess.run(
        [sys.executable, "-c", PLAN, str(state), str(state.parent / "scenario.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if child.returncode:
        return {"error": child.stderr.strip()[-2000:]}
    result: dict[str, object] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument(
        "--keep", type=Path, default=Path(tempfile.gettempdir()) / "geoplan-plan-scale"
    )
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    results = []
    for factor in args.factors:
        state = prepare(factor, args.keep / f"{factor}x")
        runs = [plan_once(state) for _ in range(args.runs)]
        digests = {r.get("digest") for r in runs}
        entry = {"factor": factor, "runs": runs, "identical": len(digests) == 1}
        results.append(entry)
        print(json.dumps(entry), file=sys.stderr, flush=True)
    print(
        json.dumps(
            {
                "date": datetime.now(UTC).strftime("%Y-%m-%d"),
                "machine": f"{platform.machine()}, python {platform.python_version()}",
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
