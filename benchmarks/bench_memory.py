"""Resident memory of `geoplan demo` over time, by stage, in a fresh process.

A thread samples ``VmRSS`` (``/proc/self/status``, Linux only) every 50 ms while the CLI runs the
demo, and notes the stage the main thread is in (the outermost geoplan stage package on its
stack: ``io``, ``indicators``/``hazard``, ``scoring``, ``plan``, ``render``; ``imports`` while a
module is being imported; ``between stages`` and ``cli`` elsewhere).  It reports, per stage, the
resident memory on entry and the largest seen, and where the main thread was at the overall
peak.  Memory does not depend on the machine's load, so this runs on a shared machine; CPU
seconds are reported beside the wall time.

Peer in the same run: the resident memory once the modules a demo run needs are imported (the
floor every stage sits on).

Usage: python benchmarks/bench_memory.py [--interval 0.05]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, resource, sys, tempfile, threading, time

def rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return 0.0

STAGES = {"io": "load", "indicators": "indicators and model", "hazard": "indicators and model",
          "scoring": "scoring", "plan": "plan", "render": "render"}
main_id = threading.main_thread().ident
interval = float(sys.argv[1])
samples = []
done = threading.Event()

def where():
    frame, stack = sys._current_frames().get(main_id), []
    while frame is not None:
        name = frame.f_code.co_filename.replace(os.sep, "/")
        if "/geoplan/" in name and "site-packages" not in name:
            stack.append(f"{name.rsplit('/geoplan/', 1)[1]}:{frame.f_code.co_name}")
        frame = frame.f_back
    if any(entry.endswith(":<module>") for entry in stack):
        return "imports", stack[:3]
    for entry in reversed(stack):  # outermost first: the stage that called the rest
        package = entry.split("/", 1)[0] if "/" in entry else ""
        if package in STAGES:
            return STAGES[package], stack[:3]
    if "pipeline.py:run" in stack:
        return "between stages", stack[:3]
    return "cli", stack[:3]

def sample():
    while not done.is_set():
        stage, stack = where()
        samples.append((time.perf_counter(), rss_mib(), stage, stack))
        done.wait(interval)

start = time.perf_counter()
threading.Thread(target=sample, daemon=True).start()
from geoplan.cli import main
with tempfile.TemporaryDirectory() as tmp:
    sys.argv = ["geoplan", "demo", "-q", "--out", os.path.join(tmp, "out")]
    try:
        main()
    except SystemExit as exc:
        if exc.code:
            raise
done.set()
stages = {}
for t, rss, stage, _ in samples:
    entry = stages.setdefault(stage, {"from_s": round(t - start, 2), "entry_mib": round(rss)})
    entry["max_mib"] = max(entry.get("max_mib", 0), round(rss))
peak = max(samples, key=lambda s: s[1])
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "wall_s": round(time.perf_counter() - start, 1),
    "cpu_s": round(ru.ru_utime + ru.ru_stime, 1),
    "peak_mib": round(ru.ru_maxrss / 1024),
    "peak_at": {"s": round(peak[0] - start, 2), "stage": peak[2], "stack": peak[3]},
    "stages": stages,
}))
"""

FLOOR = r"""
import geoplan.cli, geoplan.check, geoplan.pipeline, geoplan.indicators, geoplan.scoring
import geoplan.plan, geoplan.render.outputs
with open("/proc/self/status") as status:
    print(next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between samples")
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        raise SystemExit("bench_memory reads /proc/self/status: Linux only")
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(args.interval)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result = json.loads(run.stdout.strip().splitlines()[-1])
    floor = subprocess.run(
        [sys.executable, "-c", FLOOR], capture_output=True, text=True, check=True, cwd=ROOT
    )
    result["import_floor_mib"] = round(float(floor.stdout.strip().splitlines()[-1]))
    result["date"] = datetime.now(UTC).strftime("%Y-%m-%d")
    result["machine"] = f"{platform.machine()}, python {platform.python_version()}"
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
