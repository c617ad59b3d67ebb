"""Raster overlays for web maps: hillshade from the DEM, coloured probability rasters.

Images are warped to Web Mercator (the map's display projection) so that Leaflet's
linear stretch between the corner coordinates places every pixel correctly, and
shipped as PNG ``data:`` URIs inside the page.
"""

from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image
from rasterio.crs import CRS
from rasterio.transform import Affine, array_bounds
from rasterio.warp import Resampling, calculate_default_transform, reproject, transform_bounds

from geoplan.blocks import block_rows
from geoplan.hazard.grid import row_windows
from geoplan.hazard.terrain import SHADE_BLOCK_PIXELS, hillshade

if TYPE_CHECKING:
    from geoplan.hazard.grid import RasterLike

__all__ = ["ImageOverlayData", "colour_overlay", "hillshade_overlay", "raster_parts"]

WEB_MERCATOR = CRS.from_epsg(3857)


@dataclass(frozen=True)
class ImageOverlayData:
    """A PNG ``data:`` URI and its ``[[south, west], [north, east]]`` bounds."""

    url: str
    bounds: list[list[float]]


def raster_parts(
    raster: RasterLike | None, *, fallback_crs: Any = None
) -> tuple[np.ndarray, Affine, CRS] | None:
    """Return ``(array, transform, crs)`` from a Raster-like object, or ``None``.

    Accepts geoplan's ``Raster`` (``array``, ``transform``, ``crs``) or any object
    with those attributes; ``fallback_crs`` is used when the object has no CRS.
    """
    if raster is None:
        return None
    array = raster.array
    transform = raster.transform
    crs = raster.crs or fallback_crs
    if transform is None or crs is None:
        return None
    array = np.asarray(array, dtype="float64")
    if array.ndim == 3:
        array = array[0]
    if array.ndim != 2 or not np.isfinite(array).any():
        return None
    return array, Affine(*tuple(transform)[:6]), CRS.from_user_input(crs)


def _to_mercator(
    array: np.ndarray, transform: Affine, crs: CRS, max_px: int, resampling: Resampling
) -> tuple[np.ndarray, list[list[float]]]:
    height, width = array.shape
    left, bottom, right, top = array_bounds(height, width, transform)
    with warnings.catch_warnings():
        # rasterio <= 1.4 multiplies Affine objects with `*`, which affine 2.4+ flags
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        dst_transform, dst_w, dst_h = calculate_default_transform(
            crs, WEB_MERCATOR, width, height, left, bottom, right, top
        )
    scale = max(dst_w, dst_h) / max_px
    if scale > 1:
        dst_w, dst_h = max(1, round(dst_w / scale)), max(1, round(dst_h / scale))
        dst_transform = dst_transform @ Affine.scale(scale, scale)
    dst = np.full((dst_h, dst_w), np.nan, dtype="float64")
    reproject(
        array,
        dst,
        src_transform=transform,
        src_crs=crs,
        src_nodata=np.nan,
        dst_transform=dst_transform,
        dst_crs=WEB_MERCATOR,
        dst_nodata=np.nan,
        resampling=resampling,
    )
    ml, mb, mr, mt = array_bounds(dst_h, dst_w, dst_transform)
    west, south, east, north = transform_bounds(WEB_MERCATOR, "EPSG:4326", ml, mb, mr, mt)
    return dst, [[round(south, 6), round(west, 6)], [round(north, 6), round(east, 6)]]


def _png_uri(rgba: np.ndarray) -> str:
    mode = "LA" if rgba.shape[2] == 2 else "RGBA"
    buf = io.BytesIO()
    # zlib's default level: within 2 % of the size of optimize=True (level 9) in a third of the time
    Image.fromarray(rgba, mode=mode).save(buf, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def hillshade_overlay(
    dem: RasterLike, *, max_px: int = 1400, levels: int = 48
) -> ImageOverlayData | None:
    """Shade the DEM and return it as a translucent grey PNG overlay.

    Light comes from the north-west at 45°.  Flat ground is transparent and
    shadows darken, so outlines and vector layers stay readable on top; the grey
    is quantised to ``levels`` steps to keep the PNG small.
    """
    parts = raster_parts(dem)
    if parts is None:
        return None
    array, transform, crs = parts
    shade = hillshade(array, transform, crs)
    merc, bounds = _to_mercator(shade, transform, crs, max_px, Resampling.bilinear)
    del shade
    la = np.zeros((*merc.shape, 2), dtype="uint8")
    # by row windows: the grey's float64 temporaries are a few MiB, not a few whole images
    for r0, r1 in row_windows(merc.shape[0], block_rows(merc.shape, SHADE_BLOCK_PIXELS)):
        la[r0:r1] = _shade_grey(merc[r0:r1], levels)
    return ImageOverlayData(_png_uri(la), bounds)


def _shade_grey(merc: np.ndarray, levels: int) -> np.ndarray:
    """Return the grey and alpha (uint8) of hillshade values, transparent on flat ground."""
    valid = np.isfinite(merc)
    flat = float(np.sin(np.radians(45)))
    # darkness relative to flat ground; lit slopes get a faint white
    dark = np.clip((flat - np.nan_to_num(merc, nan=flat)) / flat, -1, 1)
    alpha = np.where(dark > 0, dark * 200, -dark * 70)
    grey = np.where(dark > 0, 40, 255)
    alpha = np.round(alpha / 255 * (levels - 1)) * (255 / (levels - 1))
    la = np.zeros((*merc.shape, 2), dtype="uint8")
    la[..., 0] = grey
    la[..., 1] = np.where(valid, np.clip(alpha, 0, 255), 0).astype("uint8")
    return la


def colour_overlay(
    raster: RasterLike,
    colours: list[str],
    *,
    vmin: float = 0.0,
    vmax: float = 1.0,
    alpha: int = 170,
    max_px: int = 900,
    fallback_crs: Any = None,
) -> ImageOverlayData | None:
    """Colour a continuous raster with a stepped palette and return it as a PNG overlay.

    Parameters
    ----------
    raster
        Raster-like object (``array``, ``transform``, ``crs``).
    colours
        Hex colours from low to high; values are cut into ``len(colours)`` equal steps.
    vmin, vmax
        Value range mapped onto the palette.
    alpha
        Opacity 0–255 of valid cells; NaN cells are transparent.
    max_px
        Longest side of the image.
    fallback_crs
        CRS to assume when the raster has none.
    """
    parts = raster_parts(raster, fallback_crs=fallback_crs)
    if parts is None:
        return None
    array, transform, crs = parts
    merc, bounds = _to_mercator(array, transform, crs, max_px, Resampling.nearest)
    valid = np.isfinite(merc)
    span = (vmax - vmin) or 1.0
    idx = np.clip(
        ((np.nan_to_num(merc, nan=vmin) - vmin) / span * len(colours)).astype(int),
        0,
        len(colours) - 1,
    )
    lut = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in colours], dtype="uint8")
    rgba = np.zeros((*merc.shape, 4), dtype="uint8")
    rgba[..., :3] = lut[idx]
    rgba[..., 3] = np.where(valid, alpha, 0)
    return ImageOverlayData(_png_uri(rgba), bounds)
