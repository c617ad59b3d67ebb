"""Map weight and render time in headless Chromium (network blocked).

Usage::

    python benchmarks/bench_maps.py            # run the demo scenario, then render
    python benchmarks/bench_maps.py --fixture  # the small synthetic test result
    python benchmarks/bench_maps.py --out DIR  # maps already written in DIR

Render time is ``window.geoplanReady`` (ms since navigation start, taken when the
runtime has drawn every layer), median of ``--repeat`` loads.  The peer in the same
run is an empty map page with the same inlined Leaflet and runtime; the ratio
map / peer is what to compare across machines.  Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

MAPS = [
    "priority_resettlement",
    "priority_infrastructure",
    "priority_investment",
    "hazard_overlay",
    "dashboard",
]


def _peer(folder: Path) -> Path:
    import folium

    from geoplan.render.elements import Call
    from geoplan.render.i18n import strings
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
    args = parser.parse_args()

    from _render_browser import chromium, open_map

    from geoplan.render import write_outputs

    work = Path(tempfile.mkdtemp(prefix="bench-maps-"))
    if args.out:
        out = args.out
        write_s = float("nan")
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
    rows = []
    with chromium(1366, 768) as driver:
        base = statistics.median(open_map(driver, peer) for _ in range(args.repeat))
        for name in MAPS:
            path = out / f"{name}.html"
            times = [open_map(driver, path) for _ in range(args.repeat)]
            rows.append((name, path.stat().st_size, statistics.median(times), max(times)))
    print(
        f"machine: {platform.machine()}, {platform.processor() or platform.platform()}; "
        f"date: {time.strftime('%Y-%m-%d')}; write_outputs: {write_s:.1f} s"
    )
    print(f"peer (empty map, same inlined assets): {base:.0f} ms\n")
    print("| map | size (MB) | render median (ms) | render max (ms) | ratio to peer |")
    print("|---|---:|---:|---:|---:|")
    for name, size, med, worst in rows:
        print(f"| {name}.html | {size / 1e6:.2f} | {med:.0f} | {worst:.0f} | {med / base:.1f} |")


if __name__ == "__main__":
    main()
