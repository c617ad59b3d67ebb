"""Map weight and render time in headless Chromium (network blocked).

Usage::

    python benchmarks/bench_maps.py            # run the demo scenario, then render
    python benchmarks/bench_maps.py --fixture  # the small synthetic test result
    python benchmarks/bench_maps.py --out DIR  # maps already written in DIR
    python benchmarks/bench_maps.py --scale 10 --cache DIR  # 8,600 villages (and 100: 86,000)

``--scale F`` builds the demo with every village replicated ``F`` times the way
``benchmarks/bench_scale.py`` does (its builder, imported), runs the pipeline once with a
cheap plan (:data:`CHEAP_PLAN`: villages move only within their commune, no minimum
budget share, 200 weight draws;
the maps need a plan's layers, not the best plan) and writes the maps only.  ``--cache DIR``
keeps that result (a pickle) so the maps can be re-rendered without running the pipeline
again.

Render time is ``window.geoplanReady`` (ms since navigation start, taken when the
runtime has drawn every layer), median of ``--repeat`` loads, at 1366x768 and at
390x844 (a phone, emulated).  Main-thread CPU is Chromium's ``TaskDuration`` counted in
thread ticks (``Performance.getMetrics``): the work the page costs, far less sensitive
to a busy machine than the wall-clock time.  The peer in the same run is an empty map
page with the same inlined Leaflet and runtime; the ratio map / peer is what to compare
across machines.  ``--compare DIR`` measures the maps of another run (e.g. written
before a change) in the same session.  Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

MAPS = [
    "priority_resettlement",
    "priority_infrastructure",
    "priority_investment",
    "hazard_overlay",
    "dashboard",
]


#: Scenario overrides of the ``--scale`` runs: a plan that is quick to make at 100x.
CHEAP_PLAN = {
    "plan": {"assignment": {"scope": "commune"}, "allocation": {"min_shares": []}},
    "scoring": {"stability": {"draws": 200}},
}


def _merge(spec: dict[str, Any], overrides: dict[str, Any]) -> None:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(spec.get(key), dict):
            _merge(spec[key], value)
        else:
            spec[key] = value


def scaled_result(factor: int, cache: Path | None) -> Any:
    """Return the pipeline result of the demo with ``factor`` copies of every village."""
    import pickle

    import yaml
    from bench_scale import build

    from geoplan import load_scenario
    from geoplan.pipeline import run

    saved = cache / f"result-{factor}x.pickle" if cache else None
    if saved is not None and saved.exists():
        with saved.open("rb") as fh:
            return pickle.load(fh)  # our own file, written below
    folder = Path(tempfile.mkdtemp(prefix=f"bench-maps-{factor}x-"))
    scenario, _ = build(factor, folder)
    spec = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    _merge(spec, CHEAP_PLAN)
    scenario.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")
    result = run(load_scenario(scenario))
    if saved is not None:
        saved.parent.mkdir(parents=True, exist_ok=True)
        with saved.open("wb") as fh:
            pickle.dump(result, fh)
    return result


def write_maps(result: Any, folder: Path) -> float:
    """Write the five HTML maps of ``result`` into ``folder``; return the CPU seconds it took."""
    from geoplan.render.context import prepare
    from geoplan.render.dashboard import side_panel
    from geoplan.render.map_base import save_map
    from geoplan.render.map_dashboard import dashboard_map
    from geoplan.render.map_hazard import hazard_map
    from geoplan.render.map_priority import priority_map

    start = time.process_time()
    folder.mkdir(parents=True, exist_ok=True)
    ctx = prepare(result, result.scenario.outputs.lang)
    for track in ctx.tracks:
        save_map(priority_map(ctx, track), folder / f"priority_{track}.html")
    save_map(hazard_map(ctx), folder / "hazard_overlay.html")
    save_map(dashboard_map(ctx, side_panel), folder / "dashboard.html")
    return time.process_time() - start


def _peer(folder: Path) -> Path:
    import folium

    from geoplan.i18n import strings
    from geoplan.render.elements import Call
    from geoplan.render.offline import make_offline

    m = folium.Map(location=[14.6, 107.9], zoom_start=9, tiles=None)
    make_offline(m)
    Call("init", {"lang": "vi", "strings": strings("vi")}, raw_first="__MAP__").add_to(m)
    Call("finish", None).add_to(m)
    path = folder / "peer_empty.html"
    m.save(str(path))
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fixture", action="store_true")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare", type=Path, help="maps written by another run, measured too")
    parser.add_argument("--scale", type=int, help="copies of every demo village (10, 100)")
    parser.add_argument("--cache", type=Path, help="folder keeping the --scale pipeline result")
    parser.add_argument("--phone", action="store_true", help="also measure at 390x844")
    args = parser.parse_args()

    from _render_browser import chromium

    from geoplan.render import write_outputs

    work = Path(tempfile.mkdtemp(prefix="bench-maps-"))
    if args.out:
        out = args.out
        write_s = float("nan")
    elif args.scale:
        out = work / "maps"
        write_s = write_maps(scaled_result(args.scale, args.cache), out)
    else:
        if args.fixture:
            from _render_fixtures import make_result

            result = make_result()
        else:
            from geoplan import load_scenario
            from geoplan.pipeline import run

            result = run(load_scenario(ROOT / "scenarios" / "kontum-2025.yaml"))
        out = work / "maps"
        start = time.perf_counter()
        write_outputs(result, out)
        write_s = time.perf_counter() - start
    peer = _peer(work)
    folders = [("", out)] + ([("before: ", args.compare)] if args.compare else [])
    rows = []
    bases = {}
    sizes = [(1366, 768), (390, 844)] if args.phone or not args.scale else [(1366, 768)]
    for size in sizes:
        with chromium(*size) as driver:
            driver.execute_cdp_cmd("Performance.enable", {"timeDomain": "threadTicks"})
            bases[size] = statistics.median(_load(driver, peer)[0] for _ in range(args.repeat))
            for label, folder in folders:
                for name in MAPS:
                    path = folder / f"{name}.html"
                    loads = [_load(driver, path) for _ in range(args.repeat)]
                    times, cpu = [t for t, _ in loads], [c for _, c in loads]
                    rows.append(
                        (
                            f"{label}{name}.html",
                            f"{size[0]}×{size[1]}",
                            path.stat().st_size,
                            statistics.median(times),
                            max(times),
                            statistics.median(cpu),
                            statistics.median(times) / bases[size],
                        )
                    )
    print(
        f"machine: {platform.machine()}, {platform.processor() or platform.platform()}, "
        f"load average {os.getloadavg()[0]:.1f}; date: {time.strftime('%Y-%m-%d')}; "
        f"{'maps written' if args.scale else 'write_outputs'}: {write_s:.1f} s"
        f"{' (CPU)' if args.scale else ''}; maps in {out}"
    )
    peers = ", ".join(f"{w}×{h}: {b:.0f} ms" for (w, h), b in bases.items())
    print(f"peer (empty map, same inlined assets): {peers}\n")
    print(
        "| map | window | size (MB) | render median (ms) | render max (ms) | main-thread CPU (ms)"
        " | ratio to peer |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, window, size_b, med, worst, cpu, ratio in rows:
        print(
            f"| {name} | {window} | {size_b / 1e6:.2f} | {med:.0f} | {worst:.0f} | {cpu:.0f}"
            f" | {ratio:.1f} |"
        )


def _load(driver: object, path: Path) -> tuple[float, float]:
    """Open ``path``; return the render time and the main thread's CPU time, both in ms."""
    from _render_browser import open_map

    driver.get("about:blank")  # type: ignore[attr-defined]
    ready = open_map(driver, path, timeout=120)
    metrics = driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]  # type: ignore[attr-defined]
    cpu = next(m["value"] for m in metrics if m["name"] == "TaskDuration")
    return ready, 1000 * cpu


if __name__ == "__main__":
    main()
