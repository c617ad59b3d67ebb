"""End-to-end growth with the number of villages: the demo at 1x, 10x and 100x.

Each scale replicates every demo village ``factor`` times at seeded random points inside its own
commune (households and statistics kept, ids and names suffixed), writes the villages beside a copy
of the demo scenario, and runs the whole pipeline plus ``write_outputs`` in a fresh process. Per
stage it records wall time, CPU time (with the render's helper process, once it has ended) and
the peak resident memory of the main process reached by the end of the stage, and at the end the
resident peak of the largest helper process (``helper_peak_mib``, pages shared with the main
process counted in both);
the growth exponent between two scales is ``log(t2 / t1) / log(n2 / n1)`` (1 = linear).

Peer in the same run: plain ``geopandas.read_file`` of the replicated village layer (the floor any
pipeline pays to look at the villages), reported as a ratio.

``--stop-after scoring`` disables the plan and skips ``write_outputs``, to measure the stages
before the plan alone (load, indicators and hazard model, scoring).

Usage: python benchmarks/bench_scale.py [--factors 1 10 100] [--stop-after scoring]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "kontum-2025.yaml"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import geoplan
from geoplan.pipeline import run

marks = []
def mark(name):
    ru = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # the render's helper process, once reaped
    cpu = ru.ru_utime + ru.ru_stime + kids.ru_utime + kids.ru_stime
    marks.append((name, time.perf_counter(), cpu, ru.ru_maxrss / 1024, kids.ru_maxrss / 1024))

pre_plan = sys.argv[3] == "scoring"
mark("start")
scenario = geoplan.load_scenario(sys.argv[1])
if pre_plan:
    scenario = scenario.model_copy(
        update={"plan": scenario.plan.model_copy(update={"enabled": False})}
    )
result = run(scenario, progress=mark)
if not pre_plan:
    mark("render")
    from geoplan.render import write_outputs  # as the CLI: the writers load after the pipeline

    write_outputs(result, Path(sys.argv[2]))
mark("end")
stages = []
for (name, wall, cpu, *_), (_, wall2, cpu2, peak2, _) in zip(marks[1:], marks[2:]):
    stages.append({"stage": name, "wall_s": wall2 - wall, "cpu_s": cpu2 - cpu, "peak_mib": peak2})
plan_status = result.run_info["plan_status"]
print(json.dumps({
    "villages": len(result.layers.villages),
    "total_wall_s": marks[-1][1] - marks[0][1],
    "total_cpu_s": marks[-1][2] - marks[0][2],
    "peak_mib": marks[-1][3],
    # resident peak of the largest helper process (pages shared with the main one included)
    "helper_peak_mib": marks[-1][4],
    "stages": stages,
    "plan_status": plan_status,
}))
"""

PEER = r"""
import sys, time
import geopandas as gpd
start = time.perf_counter()
gpd.read_file(sys.argv[1], layer="villages")
print(time.perf_counter() - start)
"""


def replicate_villages(
    villages: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, factor: int, seed: int = 20260
) -> gpd.GeoDataFrame:
    """Return ``factor`` copies of every village, the extra ones at random points in its commune.

    Parameters
    ----------
    villages, communes
        The demo layers (same CRS); villages carry ``commune_code``.
    factor
        Copies per village; 1 returns the villages unchanged.
    seed
        Seed of the random points (the same scale always gives the same layer).

    Returns
    -------
    geopandas.GeoDataFrame
        ``len(villages) * factor`` rows; copy ``k`` of village ``v`` has id ``v-k``.
    """
    if factor == 1:
        return villages
    rng = np.random.default_rng(seed)
    shape_of = communes.set_index("commune_code").geometry
    copies = [villages]
    for k in range(1, factor):
        copy = villages.copy()
        copy["village_id"] = villages["village_id"].astype(str) + f"-{k}"
        copy["village_name"] = villages["village_name"].astype(str) + f" {k}"
        copies.append(copy)
    out = pd.concat(copies, ignore_index=True)
    extra = np.arange(len(villages), len(out))
    points = out.geometry.to_numpy().copy()
    # villages keyed by a 2022 code also carry their 2025 unit (the demo plans in 2025)
    key = (
        "commune_code"
        if villages["commune_code"].isin(shape_of.index).all()
        else "commune_code_2025"
    )
    for code, rows in pd.Series(extra).groupby(out[key].to_numpy()[extra]):
        polygon = shape_of[code]
        xmin, ymin, xmax, ymax = polygon.bounds
        need = rows.to_numpy()
        found: list[object] = []
        shapely.prepare(polygon)
        while len(found) < len(need):
            xy = rng.uniform((xmin, ymin), (xmax, ymax), size=(2 * len(need), 2))
            cand = shapely.points(xy)
            found.extend(cand[shapely.contains(polygon, cand)][: len(need) - len(found)])
        points[need] = found
    return gpd.GeoDataFrame(out.drop(columns="geometry"), geometry=points, crs=villages.crs)


def build(factor: int, folder: Path) -> tuple[Path, int]:
    """Write the scenario of one scale into ``folder``; return its path and village count."""
    spec = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for layer in spec["layers"].values():
        layer["path"] = str((DEMO.parent / layer["path"]).resolve())
    villages_spec = spec["layers"]["villages"]
    communes_spec = spec["layers"]["communes"]
    villages = gpd.read_file(villages_spec["path"], layer=villages_spec.get("layer"))
    communes = gpd.read_file(communes_spec["path"], layer=communes_spec.get("layer"))
    big = replicate_villages(villages, communes.to_crs(villages.crs), factor)
    path = folder / "villages.gpkg"
    big.to_file(path, layer="villages", driver="GPKG")
    spec["layers"]["villages"] = {**villages_spec, "path": str(path), "layer": "villages"}
    spec["name"] = f"scale-{factor}x"
    scenario = folder / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")
    return scenario, len(big)


def measure(factor: int, stop_after: str = "render") -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        scenario, n = build(factor, Path(tmp))
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(scenario), str(Path(tmp) / "out"), stop_after],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        if child.returncode:
            return {"factor": factor, "villages": n, "error": child.stderr.strip()[-2000:]}
        peer = subprocess.run(
            [sys.executable, "-c", PEER, str(Path(tmp) / "villages.gpkg")],
            capture_output=True,
            text=True,
            check=True,
        )
    result = json.loads(child.stdout.strip().splitlines()[-1])
    result["factor"] = factor
    result["peer_read_villages_s"] = float(peer.stdout)
    return result


def _exponent(n1: float, n2: float, t1: float, t2: float) -> float:
    return round(math.log(t2 / t1) / math.log(n2 / n1), 2)


def growth(results: list[dict[str, Any]], measure: str = "total_wall_s") -> dict[str, float]:
    """Growth exponent of the total ``measure`` between consecutive scales."""
    ok = [r for r in results if "error" not in r]
    out = {}
    for a, b in itertools.pairwise(ok):
        key = f"{a['factor']}x->{b['factor']}x"
        out[key] = _exponent(a["villages"], b["villages"], a[measure], b[measure])
    return out


def stage_growth(results: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Growth exponent of each stage's CPU time between consecutive scales."""
    ok = [r for r in results if "error" not in r]
    out: dict[str, dict[str, float]] = {}
    for a, b in itertools.pairwise(ok):
        key = f"{a['factor']}x->{b['factor']}x"
        cpu_a = {s["stage"]: s["cpu_s"] for s in a["stages"]}
        for stage in b["stages"]:
            if cpu_a.get(stage["stage"], 0) > 0 and stage["cpu_s"] > 0:
                out.setdefault(stage["stage"], {})[key] = _exponent(
                    a["villages"], b["villages"], cpu_a[stage["stage"]], stage["cpu_s"]
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument(
        "--stop-after",
        choices=["render", "scoring"],
        default="render",
        help="'scoring' runs load, indicators and scoring only (no plan, no outputs)",
    )
    args = parser.parse_args()
    results = []
    for factor in args.factors:
        result = measure(factor, args.stop_after)
        results.append(result)
        print(json.dumps(result), file=sys.stderr, flush=True)
    print(
        json.dumps(
            {
                "date": datetime.now(UTC).strftime("%Y-%m-%d"),
                "machine": f"{platform.machine()}, python {platform.python_version()}",
                "results": results,
                "stop_after": args.stop_after,
                "growth_exponent_wall": growth(results),
                "growth_exponent_cpu": growth(results, "total_cpu_s"),
                "stage_growth_exponent_cpu": stage_growth(results),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
