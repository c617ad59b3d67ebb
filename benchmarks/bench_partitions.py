"""Partitioned (dask) against single-process runs of the same replicated demo, in one run.

For each scale (the demo's villages replicated as in ``bench_scale.py``) the scenario is run end to
end twice in fresh processes: as it is (the peer), and with ``partitions: {by: district_code,
workers: W}`` (one partition per district on a local cluster of W worker processes). It records
wall, CPU and peak memory per stage of both, the ratio of the indicator stage's wall time, and
whether every output file but run.json and report.html (which name the scenario) is byte-identical.

Usage: python benchmarks/bench_partitions.py [--factors 1 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import yaml
from bench_scale import CHILD, ROOT, build

STAGE = "indicators and hazard model"
NAMED = {"run.json", "report.html"}  # carry the scenario's name and path


def _run(scenario: Path, out: Path) -> dict[str, object]:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(scenario), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if child.returncode:
        return {"error": child.stderr.strip()[-2000:]}
    return json.loads(child.stdout.strip().splitlines()[-1])


def _stage_wall(result: dict[str, object]) -> float:
    stages = result.get("stages", [])
    return next(s["wall_s"] for s in stages if s["stage"] == STAGE)  # type: ignore[union-attr]


def measure(factor: int, workers: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        single, n = build(factor, folder)
        spec = yaml.safe_load(single.read_text(encoding="utf-8"))
        communes = spec["layers"]["communes"]
        codes = sorted(
            gpd.read_file(communes["path"], layer=communes.get("layer"))["commune_code"].astype(str)
        )
        halves = [codes[: len(codes) // 2], codes[len(codes) // 2 :]]
        spec["partitions"] = {"by": "commune_code", "groups": halves, "workers": workers}
        parted = folder / "partitioned.yaml"
        parted.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")
        one = _run(single, folder / "out-single")
        many = _run(parted, folder / "out-partitioned")
        same = None
        if "error" not in one and "error" not in many:
            names = sorted(p.name for p in (folder / "out-single").iterdir())
            same = {
                name: filecmp.cmp(
                    folder / "out-single" / name, folder / "out-partitioned" / name, shallow=False
                )
                for name in names
                if name not in NAMED
            }
    result: dict[str, object] = {"factor": factor, "villages": n, "workers": workers}
    result["single"] = one
    result["partitioned"] = many
    if same is not None:
        result["identical_outputs"] = all(same.values())
        result["different_files"] = [k for k, v in same.items() if not v]
        result["indicator_stage_ratio"] = round(_stage_wall(many) / _stage_wall(one), 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    results = []
    for factor in args.factors:
        result = measure(factor, args.workers)
        results.append(result)
        print(json.dumps(result), file=sys.stderr, flush=True)
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
