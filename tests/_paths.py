"""Paths shared by the tests."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_SCENARIO = ROOT / "scenarios" / "kontum-2025.yaml"
DEMO_LAYERS = ROOT / "layers" / "kontum-demo"
