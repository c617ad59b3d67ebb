"""Conditioning factors of the susceptibility model, on the DEM grid.

Factors that need the whole raster (wetness index, distances, forest type,
rainfall) are computed once as float32 arrays; the local terrain derivatives
are recomputed per row window, so the full stack of factors never sits in
memory at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
from rasterio import features
from rasterio.enums import Resampling

from geoplan.errors import ModelError
from geoplan.forked import call_forked
from geoplan.hazard.fitting import MODEL_WORKERS_ENV, model_forks
from geoplan.hazard.grid import RasterLike, cell_size_m, row_windows, to_pyproj, warp_to_grid
from geoplan.hazard.terrain import (
    TERRAIN_FACTORS,
    distance_m,
    relief_window_px,
    terrain_window,
    wetness_index,
)
from geoplan.hazard.threads import ordered_map

__all__ = [
    "ALL_FACTORS",
    "FactorStack",
    "build_factor_stack",
    "rasterize_mask",
    "start_factor_stack",
]

#: Factor names a scenario may list; "forest" expands to one 0/1 column per type.
ALL_FACTORS = (*TERRAIN_FACTORS, "twi", "dist_river", "dist_road", "forest", "rainfall")
FOREST_CODES = {"special_use": 1, "protective": 2, "production": 3}
#: Windows read on threads are this many times smaller than a scenario's ``window_rows``.
THREAD_WINDOW_SHARE = 8


@dataclass
class FactorStack:
    """The factor rasters on one grid, read window by window.

    Parameters
    ----------
    dem
        Elevations (float64, ``NaN`` nodata).
    transform, crs
        The DEM grid.
    mask
        Cells to model (inside the study area, valid DEM).
    names
        Output factor columns, in order.
    relief_px
        Side of the local relief window.
    global_layers
        Precomputed whole-grid factors (name -> float32 array).

    Notes
    -----
    :meth:`sample` computes the terrain factors of the windows that hold samples, which is
    most of the grid; it keeps those of their study-area cells for :meth:`inside_values`, so
    that the prediction does not compute them a second time (the values are the same: a
    cell's factors never depend on its window).
    """

    dem: np.ndarray
    transform: Any
    crs: Any
    mask: np.ndarray
    names: list[str]
    relief_px: int
    global_layers: dict[str, np.ndarray] = field(default_factory=dict)
    _kept: dict[tuple[int, int], dict[str, np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns of the grid."""
        return (int(self.dem.shape[0]), int(self.dem.shape[1]))

    def window(self, r0: int, r1: int) -> np.ndarray:
        """Return the factors of rows ``r0:r1`` as float32 ``(len(names), r1 - r0, cols)``."""
        return self._assemble(r0, r1, self._terrain(r0, r1), None)

    def _terrain(self, r0: int, r1: int) -> dict[str, np.ndarray]:
        """Compute the terrain factors of rows ``r0:r1`` (float32 grids) from the DEM."""
        terrain = tuple(n for n in self.names if n in TERRAIN_FACTORS)
        if not terrain:
            return {}
        return terrain_window(
            self.dem, self.transform, self.crs, r0, r1, relief_px=self.relief_px, factors=terrain
        )

    def _assemble(
        self, r0: int, r1: int, local: dict[str, np.ndarray], inside: np.ndarray | None
    ) -> np.ndarray:
        """Stack the factors of rows ``r0:r1``: every cell, or the ``inside`` ones only.

        ``local`` holds the terrain factors (of every cell, or of the ``inside`` ones
        already picked); the others are read from the whole-grid layers.
        """
        width = self.shape[1]
        if inside is None:
            out = np.empty((len(self.names), r1 - r0, width), dtype=np.float32)
        else:
            out = np.empty((len(self.names), int(np.count_nonzero(inside))), dtype=np.float32)

        def pick(grid: np.ndarray) -> np.ndarray:
            return grid[r0:r1] if inside is None else grid[r0:r1][inside]

        for k, name in enumerate(self.names):
            if name in local:
                out[k] = local[name]
            elif name.startswith("forest_"):
                code = FOREST_CODES[name.removeprefix("forest_")]
                out[k] = pick(self.global_layers["forest"]) == code
            else:
                out[k] = pick(self.global_layers[name])
        return out

    def inside_values(self, r0: int, r1: int) -> np.ndarray:
        """Return the factors of the study-area cells of rows ``r0:r1``, ``(names, cells)``.

        The terrain factors :meth:`sample` kept for this window are handed over (and
        released) when it kept them, else computed.
        """
        inside = self.mask[r0:r1]
        local = self._kept.pop((r0, r1), None)
        if local is None:
            local = {name: grid[inside] for name, grid in self._terrain(r0, r1).items()}
        return self._assemble(r0, r1, local, inside)

    def thread_windows(self, window_rows: int) -> list[tuple[int, int]]:
        """Row windows for :func:`~geoplan.hazard.threads.ordered_map`.

        A window is ``window_rows / THREAD_WINDOW_SHARE`` rows: glibc keeps what a thread
        frees in that thread's own arena, out of the main thread's reach, so small windows
        keep that memory small. The factors of a cell never depend on its window.
        """
        return list(row_windows(self.shape[0], max(1, window_rows // THREAD_WINDOW_SHARE)))

    def release_layers(self) -> None:
        """Drop the whole-grid factor layers and kept values; the stack still describes its grid."""
        self.global_layers.clear()
        self._kept.clear()

    def sample(self, rows: np.ndarray, cols: np.ndarray, window_rows: int) -> np.ndarray:
        """Return the factors at cells ``(rows, cols)`` as ``(n, len(names))`` float32."""
        out = np.empty((len(rows), len(self.names)), dtype=np.float32)
        order = np.argsort(rows, kind="stable")
        sorted_rows = rows[order]

        def sample_window(bounds: tuple[int, int]) -> None:
            r0, r1 = bounds
            lo, hi = np.searchsorted(sorted_rows, [r0, r1])
            if lo == hi:
                return
            sel = order[lo:hi]
            local = self._terrain(r0, r1)
            out[sel] = self._assemble(r0, r1, local, None)[:, rows[sel] - r0, cols[sel]].T
            inside = self.mask[r0:r1]
            self._kept[(r0, r1)] = {name: grid[inside] for name, grid in local.items()}

        ordered_map(sample_window, self.thread_windows(window_rows))
        return out


def rasterize_mask(
    area: gpd.GeoDataFrame | gpd.GeoSeries, transform: Any, crs: Any, shape: tuple[int, int]
) -> np.ndarray:
    """Return the cells whose centre falls in ``area`` (reprojected to the grid CRS)."""
    geoms = area.to_crs(to_pyproj(crs)).geometry if area.crs is not None else area.geometry
    shapes = [g for g in geoms if g is not None and not g.is_empty]
    if not shapes:
        return np.zeros(shape, dtype=bool)
    return features.geometry_mask(shapes, out_shape=shape, transform=transform, invert=True)


def _distance_raster(
    lines: gpd.GeoDataFrame, transform: Any, crs: Any, shape: tuple[int, int]
) -> np.ndarray:
    """Metres from each cell to the nearest line cell (Euclidean transform on the grid).

    For a geographic grid the cell size is taken at the grid's mean latitude;
    over a province (a degree or two of latitude) that is within ~1-2 %.
    """
    geoms = [g for g in lines.to_crs(to_pyproj(crs)).geometry if g is not None and not g.is_empty]
    if not geoms:
        return np.full(shape, np.nan, dtype=np.float32)
    burned = features.rasterize(
        [(g, 1) for g in geoms], out_shape=shape, transform=transform, fill=0,
        all_touched=True, dtype="uint8",
    )  # fmt: skip
    dx, dy = cell_size_m(transform, crs, shape[0])
    sampling = (float(np.mean(dy)), float(np.mean(dx)))
    free = burned == 0
    del burned
    return distance_m(free, sampling, np.float32)


@contextmanager
def start_factor_stack(
    dem: RasterLike,
    layers: Any,
    *,
    area: gpd.GeoDataFrame,
    factors: Sequence[str] | None,
    relief_radius_m: float,
) -> Iterator[Callable[[], FactorStack]]:
    """Start preparing the factor rasters; yield the function that finishes the stack.

    The wetness index, the longest factor (a flow accumulation over the whole grid), is
    computed in a forked child when :func:`geoplan.hazard.fitting.model_forks`, while
    this process does the caller's work inside the block and then the other factors;
    otherwise it is computed here when the function is called. The stack is the same
    either way.

    Parameters
    ----------
    dem, layers, area, factors, relief_radius_m
        As for :func:`build_factor_stack`.

    Yields
    ------
    callable
        Called with no argument (once, inside the block), it returns the
        :class:`FactorStack`.

    Raises
    ------
    ModelError
        If a requested factor's layer is missing or a name is unknown (on entry).
    """
    values = np.asarray(dem.array, dtype=np.float64)
    chosen, names = _chosen_factors(layers, factors)
    fork = "twi" in chosen and model_forks()
    with call_forked(
        wetness_index, values, dem.transform, dem.crs, fork=fork, label="wetness index",
        hint=f"with {MODEL_WORKERS_ENV}=1 to compute it in the main process",
    ) if fork else contextlib.nullcontext() as wetness:  # fmt: skip

        def finish() -> FactorStack:
            twi = wetness.result if wetness is not None else None
            return _factor_stack(
                values, dem, layers, chosen=chosen, names=names, area=area,
                relief_radius_m=relief_radius_m, twi=twi,
            )  # fmt: skip

        yield finish


def build_factor_stack(
    dem: RasterLike,
    layers: Any,
    *,
    area: gpd.GeoDataFrame,
    factors: Sequence[str] | None,
    relief_radius_m: float,
) -> FactorStack:
    """Prepare the factor rasters for the model.

    Parameters
    ----------
    dem
        The DEM (any CRS, metres of elevation).
    layers
        Layers-like object; ``rivers``, ``roads``, ``forest``, ``rainfall`` are used
        when present.
    area
        Study area polygons (province or communes), in any CRS.
    factors
        Factor names from :data:`ALL_FACTORS`; ``None`` selects every factor
        whose input exists.
    relief_radius_m
        Radius of the local relief window.

    Returns
    -------
    FactorStack
        Ready to sample and to predict from.

    Raises
    ------
    ModelError
        If a requested factor's layer is missing or a name is unknown.
    """
    with start_factor_stack(
        dem, layers, area=area, factors=factors, relief_radius_m=relief_radius_m
    ) as finish:
        return finish()


def _chosen_factors(layers: Any, factors: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """Return the chosen factors and the stack's names (``forest`` is one name per type)."""
    available = {
        "dist_river": getattr(layers, "rivers", None) is not None,
        "dist_road": getattr(layers, "roads", None) is not None,
        "forest": getattr(layers, "forest", None) is not None,
        "rainfall": getattr(layers, "rainfall", None) is not None,
    }
    if factors is None:
        chosen = [f for f in ALL_FACTORS if available.get(f, True)]
    else:
        unknown = [f for f in factors if f not in ALL_FACTORS]
        missing = [f for f in factors if not available.get(f, True)]
        if unknown or missing:
            parts = []
            if unknown:
                parts.append(f"unknown factor(s) {unknown}; choose from {list(ALL_FACTORS)}")
            if missing:
                parts.append(f"factor(s) {missing} need a layer that the scenario does not give")
            msg = "susceptibility.factors: " + "; ".join(parts)
            raise ModelError(msg)
        chosen = list(dict.fromkeys(factors))
    names: list[str] = []
    for name in chosen:
        if name == "forest":
            names.extend(f"forest_{kind}" for kind in FOREST_CODES)
        else:
            names.append(name)
    return chosen, names


def _factor_stack(
    values: np.ndarray,
    dem: RasterLike,
    layers: Any,
    *,
    chosen: list[str],
    names: list[str],
    area: gpd.GeoDataFrame,
    relief_radius_m: float,
    twi: Callable[[], np.ndarray] | None,
) -> FactorStack:
    """Compute the whole-grid factors (the wetness index from ``twi`` when given)."""
    shape = (int(values.shape[0]), int(values.shape[1]))
    global_layers: dict[str, np.ndarray] = {}
    if "twi" in chosen and twi is None:
        global_layers["twi"] = wetness_index(values, dem.transform, dem.crs)
    if "dist_river" in chosen:
        global_layers["dist_river"] = _distance_raster(layers.rivers, dem.transform, dem.crs, shape)
    if "dist_road" in chosen:
        global_layers["dist_road"] = _distance_raster(layers.roads, dem.transform, dem.crs, shape)
    if "forest" in chosen:
        forest = layers.forest.to_crs(to_pyproj(dem.crs))
        shapes = [
            (geom, FOREST_CODES[kind])
            for kind in ("production", "protective", "special_use")  # special-use drawn last
            for geom in forest.geometry[forest["forest_type"] == kind]
            if geom is not None and not geom.is_empty
        ]
        global_layers["forest"] = (
            features.rasterize(shapes, out_shape=shape, transform=dem.transform, fill=0,
                               dtype="uint8")
            if shapes
            else np.zeros(shape, dtype=np.uint8)
        )  # fmt: skip
    if "rainfall" in chosen:
        global_layers["rainfall"] = warp_to_grid(
            layers.rainfall, dem.transform, dem.crs, shape, resampling=Resampling.bilinear
        )
    mask = rasterize_mask(area, dem.transform, dem.crs, shape) & ~np.isnan(values)
    if "twi" in chosen and twi is not None:  # collected last: its child worked meanwhile
        global_layers = {"twi": twi(), **global_layers}
    return FactorStack(
        dem=values,
        transform=dem.transform,
        crs=dem.crs,
        mask=mask,
        names=names,
        relief_px=relief_window_px(dem.transform, dem.crs, shape[0], relief_radius_m),
        global_layers=global_layers,
    )
