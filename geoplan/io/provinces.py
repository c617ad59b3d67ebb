"""Several provinces' layer sets merged into one layer each at load.

A scenario's ``provinces:`` lists the vector layers of further provinces; each
file is read and validated like the scenario's own (its issues name its file
and rows), reprojected into the scenario CRS, and its rows are appended to the
layer of the same name, in the order the scenario lists them.  The sets must
agree: the same canonical fields, the same geometry family, and no commune or
village code given twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from geoplan.config.layers import LayerSpec
from geoplan.errors import Issue
from geoplan.io.fields import KINDS
from geoplan.io.report import ValidationReport

if TYPE_CHECKING:
    from geoplan.scenario import Scenario

__all__ = ["append_provinces"]

Reader = Callable[[str, str, LayerSpec], "gpd.GeoDataFrame | None"]

_UNIQUE_KEYS = {"communes": "commune_code", "villages": "village_id"}


def _canonical(frame: gpd.GeoDataFrame, kind: str) -> set[str]:
    definition = KINDS.get(kind)
    names = {f.name for f in definition.fields} if definition is not None else set()
    return names & set(frame.columns)


def _disagreement(
    base: gpd.GeoDataFrame, extra: gpd.GeoDataFrame, kind: str, key: str | None
) -> str | None:
    """Return why ``extra`` cannot be appended to ``base``, or ``None``."""
    missing = sorted(_canonical(base, kind) - _canonical(extra, kind))
    added = sorted(_canonical(extra, kind) - _canonical(base, kind))
    if missing or added:
        parts = [f"lacks {', '.join(missing)}"] if missing else []
        parts += [f"has {', '.join(added)} which `layers:` lacks"] if added else []
        return f"its fields differ from the scenario's own layer: it {'; it '.join(parts)}"
    families = {
        t.replace("Multi", "") for t in pd.concat([base.geom_type, extra.geom_type]).dropna()
    }
    if len(families) > 1:
        return f"its geometries ({', '.join(sorted(families))}) mix kinds the layer cannot hold"
    if key is not None and key in base and key in extra:
        repeated = sorted(set(base[key].astype(str)) & set(extra[key].astype(str)))
        if repeated:
            shown = ", ".join(repeated[:5])
            return f"{key} {shown} {'is' if len(repeated) == 1 else 'are'} already given"
    return None


def append_provinces(
    frames: dict[str, gpd.GeoDataFrame | None],
    scenario: Scenario,
    read: Reader,
    report: ValidationReport,
    *,
    kind_of: Callable[[str], str],
) -> None:
    """Append each listed province's layers to ``frames``, in place.

    Parameters
    ----------
    frames
        The scenario's own vector layers, by layer name, as read.
    scenario
        The scenario; its ``provinces`` are read in order.
    read
        Reads one layer: ``read(label, layer name, spec)``, issues to ``report``.
    report
        Where a disagreement between sets goes, as an error naming the file.
    kind_of
        The field set of a layer name (the 2025 communes differ from 2022's).
    """
    for n, province in enumerate(scenario.provinces):
        for name, spec in province.layers.items():
            extra = read(f"{name} ({province.name})", name, spec)
            base = frames.get(name)
            if extra is None or base is None:
                continue  # its own read error is in the report
            kind = kind_of(name)
            why = _disagreement(base, extra, kind, _UNIQUE_KEYS.get(name))
            if why is not None:
                report.add(
                    Issue(
                        "error",
                        f"provinces[{n}] ({province.name}).layers.{name}: {why}; the layer "
                        "sets of a scenario must agree to be merged",
                        file=str(spec.path),
                        layer=name,
                        code="province-mismatch",
                    )
                )
                continue
            frames[name] = gpd.GeoDataFrame(
                pd.concat([base, extra.to_crs(base.crs)], ignore_index=True),
                geometry=base.geometry.name,
                crs=base.crs,
            )
