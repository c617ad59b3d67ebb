"""The demo's outputs are byte-identical to the recorded ones (run.json aside).

A restructuring must not change a byte of the outputs. When an issue changes
outputs on purpose, re-record them in one command (see ``record_output_hashes.py``)::

    PYTHONPATH=$PWD python tests/record_output_hashes.py

and commit ``tests/output_hashes.json`` with the change that explains the difference.
"""

from __future__ import annotations

import json

from record_output_hashes import RECORD, output_hashes

RERECORD = "re-record with: PYTHONPATH=$PWD python tests/record_output_hashes.py"


def test_demo_outputs_match_recorded_hashes(demo_outputs):
    recorded = json.loads(RECORD.read_text(encoding="utf-8"))
    current = output_hashes(demo_outputs)
    assert sorted(current) == sorted(recorded), f"output files differ; {RERECORD}"
    changed = sorted(name for name in recorded if current[name] != recorded[name])
    assert not changed, f"outputs changed: {changed}; {RERECORD}"
