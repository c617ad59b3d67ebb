"""rankings.xlsx at scale: geoplan's streaming writer beside openpyxl's in-memory workbook.

The demo's village sheet (every column, office formats) is replicated ``factor`` times and
written in a fresh process by each writer; the child reports wall time and the resident memory
the write added above the loaded table (peak RSS sampled every 20 ms by psutil, minus the RSS
before the write).

- geoplan: ``tables.write_office_sheet`` (xlsxwriter, constant-memory mode: rows flushed as
  written), what ``rankings.xlsx`` uses;
- peer: openpyxl's default workbook with the same values and number formats (every cell object
  kept until ``save``), what geoplan used before issue #15.

The openpyxl peer runs only up to ``--peer-max`` (10 by default: at 100x it would take hours);
above it, the row compares geoplan's time per cell with its own at the smallest factor.

Usage: python benchmarks/bench_tables.py [--factors 1 10] [--peer-max 10]
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

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, threading, time
from pathlib import Path
import pandas as pd
import psutil
from geoplan.render.columns import display_value
from geoplan.render.tables import _cell, office_columns, office_workbook, write_office_sheet

writer, table, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
frame = pd.read_parquet(table)
columns = office_columns(frame, "vi", "villages")
process = psutil.Process()
before = process.memory_info().rss
peak = [before]
running = True
def sample():
    while running:
        peak[0] = max(peak[0], process.memory_info().rss)
        time.sleep(0.02)
sampler = threading.Thread(target=sample)
sampler.start()
start = time.perf_counter()
cpu_start = time.process_time()
if writer == "geoplan":
    wb = office_workbook(out)
    write_office_sheet(wb, "Thôn", frame, columns, "vi")
    wb.close()
else:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append([c.header for c in columns])
    positions = [frame.columns.get_loc(c.name) for c in columns]
    for values in frame.itertuples(index=False, name=None):
        ws.append([display_value(c, _cell(values[p]), "vi") for c, p in zip(columns, positions)])
        for cell, c in zip(ws[ws.max_row], columns):
            cell.number_format = c.number_format
    wb.save(out)
seconds = time.perf_counter() - start
cpu = time.process_time() - cpu_start
running = False
sampler.join()
print(json.dumps({"seconds": seconds, "cpu": cpu, "added_mib": (peak[0] - before) / 2**20,
                  "cells": len(frame) * len(columns), "bytes": out.stat().st_size}))
"""


def _villages_table() -> pd.DataFrame:
    from geoplan import load_scenario
    from geoplan.pipeline import run
    from geoplan.render.context import prepare
    from geoplan.render.tables import _with_lonlat

    result = run(load_scenario(ROOT / "scenarios" / "kontum-2025.yaml"))
    return _with_lonlat(prepare(result, "vi"))


def _replicate(frame: pd.DataFrame, factor: int) -> pd.DataFrame:
    copies = []
    for k in range(factor):
        copy = frame.copy()
        copy["village_id"] = copy["village_id"].astype(str) + f"-{k}"
        copies.append(copy)
    return pd.concat(copies, ignore_index=True)


def main() -> None:
    """Run the benchmark and print a Markdown table row per scale and writer."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--peer-max", type=int, default=10)
    args = parser.parse_args()
    base = _villages_table()
    print(f"# {datetime.now(UTC):%Y-%m-%d}, {platform.processor() or platform.machine()}")
    print(
        "| villages | cells | geoplan wall (CPU) | openpyxl workbook | ratio"
        " | µs per cell (vs first factor) | memory added |"
    )
    print("|---|---|---|---|---|---|---|")
    first_rate = None
    with tempfile.TemporaryDirectory() as tmp:
        for factor in args.factors:
            table = Path(tmp) / f"v{factor}.parquet"
            _replicate(base, factor).to_parquet(table)
            res = {}
            writers = ("geoplan", "openpyxl") if factor <= args.peer_max else ("geoplan",)
            for writer in writers:
                print(f"  {writer} at {factor}x ...", file=sys.stderr, flush=True)
                done = subprocess.run(
                    [sys.executable, "-c", CHILD, writer, str(table), str(Path(tmp) / "o.xlsx")],
                    capture_output=True,
                    text=True,
                    check=True,
                    env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                )
                res[writer] = json.loads(done.stdout.strip().splitlines()[-1])
            g, o = res["geoplan"], res.get("openpyxl")
            rate = g["cpu"] / g["cells"] * 1e6
            first_rate = first_rate or rate
            peer = f"{o['seconds']:.1f} s" if o else "not run"
            ratio = f"{o['seconds'] / g['seconds']:.1f}×" if o else "–"
            peer_mib = f"{o['added_mib']:.0f} MiB" if o else "–"
            print(
                f"| {len(base) * factor:,} | {g['cells']:,} | {g['seconds']:.1f} s"
                f" ({g['cpu']:.1f} s) | {peer} | {ratio} | {rate:.1f} ({rate / first_rate:.2f}×)"
                f" | {g['added_mib']:.0f} MiB / {peer_mib} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
