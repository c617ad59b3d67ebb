"""Record the SHA-256 of every demo output (run.json aside) in ``tests/output_hashes.json``.

``tests/test_output_hashes.py`` compares a fresh demo run against this record, so a
restructuring that changes any output byte fails. When an issue changes outputs on
purpose, re-record in one command from the repository root::

    PYTHONPATH=$PWD python tests/record_output_hashes.py

or hash an output folder written earlier (``geoplan demo --out DIR`` or
``geoplan run scenarios/kontum-2025.yaml --out DIR``)::

    PYTHONPATH=$PWD python tests/record_output_hashes.py DIR

and commit the changed JSON with the change that explains it.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECORD = HERE / "output_hashes.json"
DEMO_SCENARIO = HERE.parent / "scenarios" / "kontum-2025.yaml"
# run.json holds timings, versions and absolute paths: it differs between runs by design.
UNHASHED = frozenset({"run.json"})
# The report cites the absolute paths of the scenario and its inputs; the clone's root is
# replaced by a placeholder so that the record holds in any clone.
ROOT_PLACEHOLDER = b"<repository>"


def output_hashes(folder: Path, root: Path = HERE.parent) -> dict[str, str]:
    """Return ``{relative path: sha256}`` for every output file under ``folder``.

    Occurrences of ``root`` (the clone the inputs were read from) are replaced by
    :data:`ROOT_PLACEHOLDER` before hashing.
    """
    hashes = {}
    root_bytes = str(root).encode()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name not in UNHASHED:
            content = path.read_bytes().replace(root_bytes, ROOT_PLACEHOLDER)
            hashes[name] = hashlib.sha256(content).hexdigest()
    return hashes


def write_demo_outputs(out: Path) -> Path:
    """Run the demo scenario and write its outputs the way the session fixture does."""
    from geoplan import load_scenario
    from geoplan.pipeline import run
    from geoplan.render import write_outputs

    write_outputs(run(load_scenario(DEMO_SCENARIO)), out)
    return out


def main(argv: list[str]) -> int:
    """Hash ``argv[0]`` if given, else a fresh demo run, into :data:`RECORD`."""
    if argv:
        hashes = output_hashes(Path(argv[0]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            hashes = output_hashes(write_demo_outputs(Path(tmp) / "kontum-demo"))
    RECORD.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {len(hashes)} output hashes in {RECORD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
