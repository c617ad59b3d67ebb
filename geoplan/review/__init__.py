"""Commune review packs: officers check the village data behind the ranking.

``export_packs`` writes one workbook per commune; ``import_packs`` validates the
returned workbooks and appends every change (who, when, why) to the scenario's
change log; ``apply_corrections`` lays the logged corrections over the village
layer when a scenario is run (the layer files themselves never change), and
``rank_changes`` lists the villages whose rank moved.
"""

from typing import TYPE_CHECKING, Any

from geoplan.review.corrections import (
    apply_corrections,
    correct_layers,
    corrections_path,
    rank_changes,
    read_corrections,
)

if TYPE_CHECKING:
    from geoplan.review.packs import REVIEW_FIELDS, ImportResult, export_packs, import_packs

# the packs (workbooks: the render's table writers) load on first use, so that a run,
# which only lays the logged corrections over its villages, does not carry them
_PACKS = ("REVIEW_FIELDS", "ImportResult", "export_packs", "import_packs")

__all__ = [
    "REVIEW_FIELDS",
    "ImportResult",
    "apply_corrections",
    "correct_layers",
    "corrections_path",
    "export_packs",
    "import_packs",
    "rank_changes",
    "read_corrections",
]


def __getattr__(name: str) -> Any:
    if name in _PACKS:
        from geoplan.review import packs

        return getattr(packs, name)
    msg = f"module 'geoplan.review' has no attribute {name!r}"
    raise AttributeError(msg)
