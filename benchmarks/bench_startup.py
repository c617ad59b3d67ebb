"""Start-up time of the light commands: `geoplan --version`, `--help` and `check` of a small file.

Each command runs N times in a fresh process; the median and the worst wall time are reported.
Peers in the same run: a bare ``python -c pass`` (the floor of any Python command) and
``python -c "import geopandas"`` (the floor of any command that reads a vector layer), reported
as ratios.

Usage: python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _timed(argv: list[str]) -> float:
    """Wall seconds of one fresh process running ``argv``."""
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def _small_layer(folder: Path) -> Path:
    import geopandas as gpd

    villages = gpd.read_file(ROOT / "layers" / "kontum-demo" / "kontum.gpkg", layer="villages")
    path = folder / "villages.geojson"
    villages.head(20).to_file(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    geoplan = [sys.executable, "-m", "geoplan"]
    with tempfile.TemporaryDirectory() as tmp:
        layer = _small_layer(Path(tmp))
        commands = {
            "python -c pass (peer)": [sys.executable, "-c", "pass"],
            "import geopandas (peer)": [sys.executable, "-c", "import geopandas"],
            "geoplan --version": [*geoplan, "--version"],
            "geoplan --help": [*geoplan, "--help"],
            "geoplan check (20 villages)": [*geoplan, "check", "--kind", "villages", str(layer)],
        }
        rows = {}
        for name, argv in commands.items():
            _timed(argv)  # warm the file cache once
            walls = [_timed(argv) for _ in range(args.runs)]
            rows[name] = (statistics.median(walls), max(walls))
    floor = rows["python -c pass (peer)"][0]
    gpd_floor = rows["import geopandas (peer)"][0]
    print(f"{datetime.now(UTC):%Y-%m-%d} {platform.machine()} {platform.python_version()}")
    print("| command | median (s) | worst (s) | / `python -c pass` | / `import geopandas` |")
    print("|---|---:|---:|---:|---:|")
    for name, (median, worst) in rows.items():
        ratios = f"{median / floor:.1f} | {median / gpd_floor:.2f}"
        print(f"| {name} | {median:.2f} | {worst:.2f} | {ratios} |")


if __name__ == "__main__":
    main()
