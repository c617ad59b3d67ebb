"""Wall time and peak memory of `geoplan demo`, median of N runs, each in a fresh process.

Peer in the same run: plain ``geopandas.read_file`` of every demo vector layer plus
``rasterio`` reading the DEM (the floor any pipeline pays to look at the data).

Memory is reported twice: ``ru_maxrss`` (the largest resident set of any one process) and the
peak of the process tree's summed PSS (``/proc/<pid>/smaps_rollup``, sampled every 20 ms: a
shared page counts once, and a forked helper's own pages count too).  The sampling slows the
run it watches, so each of the N rounds runs the demo twice: once timed, once sampled.  CPU time is
user + system of the whole tree.  Set ``GEOPLAN_RENDER_WORKERS`` to compare render settings.

With ``--render-stages``, two more fresh processes run the pipeline and then ``write_outputs``
with one render process and with two, and report the render's wall and CPU time (the main
process and its helper), the peak memory before and after writing, the process tree's PSS
peak in the pipeline and in the render, and, with one process, the wall and CPU time of each
group of output files (the map or table named).

Usage: python benchmarks/bench_demo.py [--runs 3] [--render-stages]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The memory of a process tree: the sum of the proportional set sizes (PSS: each shared page
# counted once over the processes that share it) of a process and its descendants, sampled
# by a thread.  ru_maxrss alone misses what a forked helper adds, and counts shared pages once
# per process.
TREE = r"""
import os, threading

def _tree(pid):
    found = [pid]
    for p in found:
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    found += [int(c) for c in fh.read().split()]
        except OSError:
            pass
    return found

def tree_pss_mib(pid):
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
        except (OSError, StopIteration):
            pass
    return total / 1024

class TreeSampler(threading.Thread):
    # peak tree PSS per phase (the phase is set by the caller)
    def __init__(self, pid, every=0.02):
        super().__init__(daemon=True)
        self.pid, self.every, self.phase, self.peaks = pid, every, "run", {}
        self.done = threading.Event()
    def run(self):
        while not self.done.wait(self.every):
            mib = tree_pss_mib(self.pid)
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0.0), mib)
    def stop(self):
        self.done.set()
        self.join()
        return {k: round(v) for k, v in self.peaks.items()}
"""

CHILD = (
    TREE
    + r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
sample = sys.argv[1] == "sample"
proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
sampler = TreeSampler(proc.pid)
if sample:
    sampler.start()
out, err = proc.communicate()
wall = time.perf_counter() - start
peaks = sampler.stop() if sample else {}
if proc.returncode:
    sys.stderr.write(err)
    raise SystemExit(proc.returncode)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the helpers too: each was reaped
print(json.dumps({
    "wall": wall,
    "cpu": usage.ru_utime + usage.ru_stime,
    "maxrss_mib": usage.ru_maxrss / 1024,
    "tree_pss_mib": peaks.get("run"),
}))
"""
)

PEER = r"""
import time
import geopandas as gpd, pyogrio, rasterio
start = time.perf_counter()
path = "layers/kontum-demo/kontum.gpkg"
for name, _ in pyogrio.list_layers(path):
    gpd.read_file(path, layer=name)
with rasterio.open("layers/kontum-demo/dem.tif") as src:
    src.read(1)
print(time.perf_counter() - start)
"""


STAGES = (
    TREE
    + r"""
import json, os, resource, sys, tempfile, time
from pathlib import Path
from geoplan import load_scenario
from geoplan.pipeline import run
from geoplan.render import write_outputs

workers = int(sys.argv[2])
sampler = TreeSampler(os.getpid())
sampler.start()
sampler.phase = "pipeline"
result = run(load_scenario(sys.argv[1]))
before_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
sampler.phase = "render"
marks = [("prepare", time.process_time(), time.perf_counter())]
with tempfile.TemporaryDirectory() as tmp:
    write_outputs(
        result,
        Path(tmp) / "out",
        workers=workers,
        progress=lambda m: marks.append((m, time.process_time(), time.perf_counter())),
    )
marks.append(("end", time.process_time(), time.perf_counter()))
peaks = sampler.stop()
helpers = resource.getrusage(resource.RUSAGE_CHILDREN)
stages = [
    {"files": m, "cpu_s": round(c2 - c, 2), "wall_s": round(w2 - w, 2)}
    for (m, c, w), (_, c2, w2) in zip(marks, marks[1:])
]
print(json.dumps({
    "workers": workers,
    "render_cpu_s": round(marks[-1][1] - marks[0][1], 2),
    "render_helper_cpu_s": round(helpers.ru_utime + helpers.ru_stime, 2),
    "render_wall_s": round(marks[-1][2] - marks[0][2], 2),
    "peak_mib_before_render": round(before_mib),
    "peak_mib_after_render": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "helper_maxrss_mib": round(helpers.ru_maxrss / 1024),
    "tree_pss_peak_mib": peaks,
    "stages": stages if workers == 1 else "in any order on several processes: see workers=1",
}))
"""
)


def render_stages(workers: int) -> dict[str, object]:
    """Return the render's wall, CPU and memory with ``workers`` processes, in a fresh process.

    With one worker, also the wall and CPU time of each group of output files.
    """
    scenario = str(ROOT / "scenarios" / "kontum-2025.yaml")
    out = subprocess.run(
        [sys.executable, "-c", STAGES, scenario, str(workers)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(command: list[str], *, sample: bool) -> dict[str, float]:
    """Return the wall time, CPU, ru_maxrss (and with ``sample`` the tree's PSS peak) of a command.

    Sampling the PSS of every process of the tree every 20 ms costs the kernel a walk of each
    process's page tables: on two cores it slows the run it measures (the demo by 3-4 s), so
    the timed runs are not sampled and the memory runs are not timed.
    """
    out = subprocess.run(
        [sys.executable, "-c", CHILD, "sample" if sample else "time", *command],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--render-stages", action="store_true")
    args = parser.parse_args()
    geoplan = str(Path(sys.executable).with_name("geoplan"))
    runs, sampled, peers = [], [], []
    for _ in range(args.runs):
        for sample, into in ((False, runs), (True, sampled)):
            with tempfile.TemporaryDirectory() as tmp:
                command = [geoplan, "demo", "-q", "--out", str(Path(tmp) / "out")]
                into.append(measure(command, sample=sample))
        peer = subprocess.run(
            [sys.executable, "-c", PEER], capture_output=True, text=True, check=True, cwd=ROOT
        )
        peers.append(float(peer.stdout))
    median = _median_of(runs)
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, python {platform.python_version()}",
        "runs": args.runs,
        "render_workers": os.environ.get("GEOPLAN_RENDER_WORKERS", "default"),
        "demo_wall_s_median": round(median("wall"), 2),
        "demo_wall_s_all": [round(r["wall"], 2) for r in runs],
        "demo_cpu_s_median": round(median("cpu"), 2),
        "demo_peak_mib_median": round(median("maxrss_mib"), 1),
        "demo_tree_pss_peak_mib_median": round(_median_of(sampled)("tree_pss_mib"), 1),
        "demo_tree_pss_peak_mib_all": [r["tree_pss_mib"] for r in sampled],
        "demo_wall_s_while_sampled": [round(r["wall"], 2) for r in sampled],
        "peer_read_all_layers_s_median": round(statistics.median(peers), 2),
        "ratio_demo_to_peer": round(median("wall") / statistics.median(peers), 1),
        "ratio_demo_cpu_to_peer": round(median("cpu") / statistics.median(peers), 1),
    }
    if args.render_stages:
        result["render"] = [render_stages(workers) for workers in (1, 2)]
    print(json.dumps(result, indent=2))


def _median_of(runs: list[dict[str, float]]) -> Callable[[str], float]:
    return lambda key: statistics.median(r[key] for r in runs)


if __name__ == "__main__":
    main()
