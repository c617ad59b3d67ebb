"""Where the embedded Kon Tum demo scenario lives (light: no scientific stack imported)."""

from __future__ import annotations

from pathlib import Path

from geoplan.errors import GeoplanError

__all__ = ["DEMO_SCENARIO", "demo_scenario"]

DEMO_SCENARIO = "kontum-2025.yaml"


def demo_scenario() -> Path:
    """Return the path of the embedded Kon Tum demo scenario.

    The scenario and its layers are shipped inside the installed package
    (``geoplan/embedded``); in a source checkout they are the repository's
    ``scenarios/`` and ``layers/`` folders.

    Returns
    -------
    Path
        The scenario YAML file, ready for :func:`geoplan.load_scenario`.

    Raises
    ------
    GeoplanError
        If neither location holds it (an incomplete installation).

    Examples
    --------
    >>> import geoplan
    >>> geoplan.demo_scenario().name
    'kontum-2025.yaml'
    """
    package = Path(__file__).resolve().parent
    candidates = [
        package / "embedded" / "scenarios" / DEMO_SCENARIO,
        package.parent / "scenarios" / DEMO_SCENARIO,
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    msg = (
        "the embedded demo scenario was not found (looked in "
        + ", ".join(str(c) for c in candidates)
        + "); reinstall geoplan with `pip install .` from a full checkout"
    )
    raise GeoplanError(msg)
