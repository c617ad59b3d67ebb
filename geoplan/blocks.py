"""Blocks of a raster grid, sized by a count of cells.

Rasters larger than memory are read and processed block by block (rows of
the grid, with a halo where a 3x3 kernel needs one).  A block's size is a
count of cells, never derived from the machine's memory, so the results never
depend on the machine; every computation that takes ``block_pixels`` gives the
same values whatever its size.
"""

from __future__ import annotations

__all__ = ["DEFAULT_BLOCK_PIXELS", "block_rows"]

#: Cells per block when a scenario sets none: 8 MB per float64 array, so the
#: temporaries of one block of terrain derivatives stay near 100 MB.
DEFAULT_BLOCK_PIXELS = 1_000_000


def block_rows(shape: tuple[int, int], block_pixels: int | None) -> int:
    """Return the rows of a block of at most ``block_pixels`` cells (at least one row).

    Parameters
    ----------
    shape
        ``(rows, cols)`` of the grid.
    block_pixels
        Cells per block; ``None`` is the whole grid in one block.

    Returns
    -------
    int
        Rows per block; a single row wider than ``block_pixels`` is one block.
    """
    height, width = shape
    if block_pixels is None:
        return max(height, 1)
    return max(1, block_pixels // max(width, 1))
