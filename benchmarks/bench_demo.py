"""Wall time and peak memory of `geoplan demo`, median of N runs, each in a fresh process.

Peer in the same run: plain ``geopandas.read_file`` of every demo vector layer plus
``rasterio`` reading the DEM (the floor any pipeline pays to look at the data).

With ``--render-stages``, one more fresh process runs the pipeline and then
``write_outputs`` with a progress callback, and reports the wall and CPU time of each group
of output files (the map or table named, with what is written beside it), and the peak
memory before and after writing.

Usage: python benchmarks/bench_demo.py [--runs 3] [--render-stages]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
if proc.returncode:
    sys.stderr.write(proc.stderr)
    raise SystemExit(proc.returncode)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(wall, peak_kib)
"""

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


STAGES = r"""
import json, resource, sys, tempfile, time
from pathlib import Path
from geoplan import load_scenario
from geoplan.pipeline import run
from geoplan.render import write_outputs

result = run(load_scenario(sys.argv[1]))
before_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
marks = [("prepare", time.process_time(), time.perf_counter())]
with tempfile.TemporaryDirectory() as tmp:
    write_outputs(
        result,
        Path(tmp) / "out",
        progress=lambda m: marks.append((m, time.process_time(), time.perf_counter())),
    )
marks.append(("end", time.process_time(), time.perf_counter()))
stages = [
    {"files": m, "cpu_s": round(c2 - c, 2), "wall_s": round(w2 - w, 2)}
    for (m, c, w), (_, c2, w2) in zip(marks, marks[1:])
]
print(json.dumps({
    "render_cpu_s": round(marks[-1][1] - marks[0][1], 2),
    "render_wall_s": round(marks[-1][2] - marks[0][2], 2),
    "peak_mib_before_render": round(before_mib),
    "peak_mib_after_render": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "stages": stages,
}))
"""


def render_stages() -> dict[str, object]:
    """Return the wall and CPU time of each group of output files, in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", STAGES, str(ROOT / "scenarios" / "kontum-2025.yaml")],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(command: list[str]) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *command],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    wall, peak = out.stdout.split()
    return float(wall), float(peak) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--render-stages", action="store_true")
    args = parser.parse_args()
    geoplan = str(Path(sys.executable).with_name("geoplan"))
    walls, peaks, peers = [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            wall, peak = measure([geoplan, "demo", "-q", "--out", str(Path(tmp) / "out")])
        walls.append(wall)
        peaks.append(peak)
        peer = subprocess.run(
            [sys.executable, "-c", PEER], capture_output=True, text=True, check=True, cwd=ROOT
        )
        peers.append(float(peer.stdout))
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, python {platform.python_version()}",
        "runs": args.runs,
        "demo_wall_s_median": round(statistics.median(walls), 2),
        "demo_wall_s_all": [round(w, 2) for w in walls],
        "demo_peak_mib_median": round(statistics.median(peaks), 1),
        "peer_read_all_layers_s_median": round(statistics.median(peers), 2),
        "ratio_demo_to_peer": round(statistics.median(walls) / statistics.median(peers), 1),
    }
    if args.render_stages:
        result["render"] = render_stages()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
