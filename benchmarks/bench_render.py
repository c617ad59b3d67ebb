"""CPU of writing the outputs from a cached pipeline result, per group of files and per product.

Usage::

    python benchmarks/bench_render.py --cache DIR --factor 100 [--out DIR]

Loads ``DIR/result-{factor}x.pickle`` (as ``benchmarks/bench_maps.py --scale F --cache DIR``
writes it), calls :func:`geoplan.render.write_outputs` once and prints, as Markdown, the CPU
and wall seconds of each group of files (the progress callback's steps), the CPU seconds of
each product's writer (``feature_collection`` and ``compact_points`` are the maps' payloads,
counted inside the map groups) and the process's peak resident memory.  Judge by the CPU
column on a shared machine.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import pickle
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Writers timed on their own: (module, name) as `write_outputs` and `add_layer` look them up.
WRITERS = [
    ("geoplan.render.outputs", "write_gpkg"),
    ("geoplan.render.outputs", "write_csv"),
    ("geoplan.render.outputs", "write_xlsx"),
    ("geoplan.render.outputs", "priority_png"),
    ("geoplan.render.outputs", "hazard_png"),
    ("geoplan.render.outputs", "write_plan_files"),
    ("geoplan.render.outputs", "report_html"),
    ("geoplan.render.outputs", "save_map"),
    ("geoplan.render.map_base", "compact_points"),
]
MAP_MODULES = ["map_base", "map_priority", "map_hazard", "map_dashboard", "map_plan", "base_layers"]


def _timed(totals: dict[str, float], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[name] = totals.get(name, 0.0) + time.process_time() - start

    return wrapper


def _instrument(totals: dict[str, float]) -> None:
    import importlib

    from geoplan.render import _geo

    for module, name in WRITERS:
        mod = importlib.import_module(module)
        setattr(mod, name, _timed(totals, name, getattr(mod, name)))
    collection = _timed(totals, "feature_collection", _geo.feature_collection)
    for module in MAP_MODULES:
        mod = importlib.import_module(f"geoplan.render.{module}")
        if hasattr(mod, "feature_collection"):
            mod.feature_collection = collection  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with (args.cache / f"result-{args.factor}x.pickle").open("rb") as f:
        result = pickle.load(f)
    loaded_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from geoplan.render import outputs

    totals: dict[str, float] = {}
    _instrument(totals)
    marks: list[tuple[str, float, float]] = [("context", time.process_time(), time.perf_counter())]

    def progress(name: str) -> None:
        marks.append((name, time.process_time(), time.perf_counter()))

    with tempfile.TemporaryDirectory() as tmp:
        outputs.write_outputs(result, args.out or Path(tmp) / "out", progress=progress)
        marks.append(("end", time.process_time(), time.perf_counter()))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.factor}x, {platform.node()}, Python {platform.python_version()}\n")
    print("| files written | CPU s | wall s |\n|---|---:|---:|")
    for (name, cpu, wall), (_, cpu_next, wall_next) in itertools.pairwise(marks):
        print(f"| {name} | {cpu_next - cpu:.2f} | {wall_next - wall:.2f} |")
    cpu_all, wall_all = marks[-1][1] - marks[0][1], marks[-1][2] - marks[0][2]
    print(f"| **all** | **{cpu_all:.2f}** | {wall_all:.2f} |\n")
    print("| writer | CPU s |\n|---|---:|")
    for name, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"| `{name}` | {seconds:.2f} |")
    print(f"\npeak RSS {peak_mib:.0f} MiB ({loaded_mib:.0f} MiB with the result loaded)")


if __name__ == "__main__":
    main()
