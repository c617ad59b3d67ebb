"""Paths shared by the tests."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_SCENARIO = ROOT / "scenarios" / "kontum-2025.yaml"
DEMO_LAYERS = ROOT / "layers" / "kontum-demo"


def _shared() -> Path:
    """The project's shared/ folder: beside the clone (CI), or beside the worktrees' folder."""
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "data").is_dir():
            return base / "shared"
    return ROOT.parent / "shared"


#: Real data for the tests (shared/data: the 2025 communes, outline, border); CI keeps a copy
#: of shared/ beside the clone.
SHARED_DATA = _shared() / "data"


#: The output files every run writes (the contract users script against, README "Outputs").
CONTRACT = [
    "priority_resettlement.html",
    "priority_infrastructure.html",
    "priority_investment.html",
    "hazard_overlay.html",
    "dashboard.html",
    "report.html",
    "rankings.gpkg",
    "rankings.csv",
    "rankings.xlsx",
    "landslide_model.json",
    "run.json",
]

#: The plan's files, written when the scenario has a plan (2025 structure: with the crosswalk).
PLAN_CONTRACT = [
    "allocation.csv",
    "targets.csv",
    "targets_by_commune.csv",
    "targets_by_commune_2025.csv",
    "crosswalk.csv",
]
