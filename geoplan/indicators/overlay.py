"""Vector overlays: village areas, area shares per class, point-in-polygon, distances.

Everything is vectorised with shapely 2 and an STR-tree; no Python loop runs
over villages or polygons.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.hazard.threads import THREADS, ordered_map

__all__ = [
    "class_at_points",
    "class_shares",
    "cut_to_grid",
    "disjoint_classes",
    "nearest_distance",
    "village_areas",
]


def village_areas(villages: gpd.GeoDataFrame, buffer_m: float) -> gpd.GeoSeries:
    """Return the area of each village: its polygon, or a disc of ``buffer_m`` around its point.

    Parameters
    ----------
    villages
        Villages in a metric CRS (points, polygons or a mix).
    buffer_m
        Radius of the disc around point villages.

    Returns
    -------
    geopandas.GeoSeries
        Polygons, same index and CRS as ``villages``.
    """
    geoms = villages.geometry.to_numpy()
    is_area = np.isin(shapely.get_type_id(geoms), [3, 6])  # Polygon, MultiPolygon
    areas = geoms.copy()
    others = ~is_area & ~shapely.is_missing(geoms)
    areas[others] = shapely.buffer(geoms[others], buffer_m, quad_segs=16)
    return gpd.GeoSeries(areas, index=villages.index, crs=villages.crs)


def village_points(villages: gpd.GeoDataFrame) -> np.ndarray:
    """Return a point per village: the point itself, or a polygon's representative point."""
    geoms = villages.geometry.to_numpy()
    is_point = shapely.get_type_id(geoms) == 0
    points = geoms.copy()
    others = ~is_point & ~shapely.is_missing(geoms)
    points[others] = shapely.point_on_surface(geoms[others])
    return points


def disjoint_classes(
    polygons: gpd.GeoDataFrame, key: str, order: Sequence[object]
) -> gpd.GeoDataFrame:
    """Make polygons of different classes disjoint, earlier classes in ``order`` winning.

    Overlaps within a class are dissolved too, so areas can be summed.  When
    nothing overlaps (the usual case) the input is returned unchanged.

    Parameters
    ----------
    polygons
        Polygons with a class column ``key``.
    key
        Class column.
    order
        Classes by priority, highest first; classes not listed are dropped.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``key`` and geometry.
    """
    frame = polygons.loc[polygons[key].isin(list(order)), [key, "geometry"]]
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    geoms = frame.geometry.to_numpy()
    if not _any_overlap(geoms):
        return frame.reset_index(drop=True)
    parts: list[tuple[object, object]] = []
    taken = None
    for value in order:
        merged = shapely.union_all(geoms[(frame[key] == value).to_numpy()])
        if shapely.is_empty(merged):
            continue
        own = merged if taken is None else shapely.difference(merged, taken)
        taken = merged if taken is None else shapely.union(taken, merged)
        parts.append((value, own))
    out = gpd.GeoDataFrame(
        {key: [p[0] for p in parts]}, geometry=[p[1] for p in parts], crs=polygons.crs
    )
    return out.explode(index_parts=False).reset_index(drop=True)


def _any_overlap(geoms: np.ndarray) -> bool:
    """Return whether a polygon overlaps or contains another ("contains" catches duplicates).

    Both predicates need the two interiors to meet, so one DE-9IM matrix per pair of
    neighbours (bounding boxes that meet) finds the few pairs worth testing: on zones of
    thousands of vertices that touch along their borders, the two predicate queries over
    every neighbour cost three times as much.
    """
    left, right = shapely.STRtree(geoms).query(geoms)
    pairs = left < right  # each unordered pair once, no polygon with itself
    left, right = left[pairs], right[pairs]
    if not left.size:
        return False
    matrices = shapely.relate(geoms[left], geoms[right])
    interiors_meet = np.fromiter((m[0] != "F" for m in matrices), dtype=bool, count=left.size)
    a, b = geoms[left[interiors_meet]], geoms[right[interiors_meet]]
    return bool((shapely.overlaps(a, b) | shapely.contains(a, b) | shapely.contains(b, a)).any())


def cut_to_grid(geoms: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Cut polygons along a square grid, so that no piece is larger than a cell.

    Overlaying many small areas on a few polygons of thousands of vertices
    costs each intersection the whole polygon; against grid pieces it costs
    only the piece, and the total work grows with the number of areas.

    Parameters
    ----------
    geoms
        Shapely polygons.
    size
        Cell side in CRS units.

    Returns
    -------
    tuple of numpy.ndarray
        The non-empty pieces and, for each, the index of the polygon it came from.
    """
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not ok.any() or not size > 0:
        return geoms[:0], np.zeros(0, dtype=np.intp)
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms[ok])
    nx = max(1, int(np.ceil((xmax - xmin) / size)))
    ny = max(1, int(np.ceil((ymax - ymin) / size)))
    x0, y0 = np.meshgrid(xmin + size * np.arange(nx), ymin + size * np.arange(ny))
    cells = shapely.box(x0.ravel(), y0.ravel(), x0.ravel() + size, y0.ravel() + size)
    src, cell = shapely.STRtree(cells).query(geoms, predicate="intersects")
    pieces = shapely.intersection(geoms[src], cells[cell])
    keep = shapely.area(pieces) > 0
    return pieces[keep], src[keep]


def _cell_size(areas: np.ndarray) -> float:
    # Ten area diameters: a disc meets at most four cells, and a cell holds few vertices.
    sizes = np.sqrt(shapely.area(areas[~shapely.is_missing(areas)]))
    return float(10 * np.median(sizes)) if sizes.size else 0.0


def _intersection_areas(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Area of each ``left[k] & right[k]``, the pairs split between threads (GEOS frees the GIL)."""
    parts = np.array_split(np.arange(len(left)), THREADS)
    return np.concatenate(
        ordered_map(lambda rows: shapely.area(shapely.intersection(left[rows], right[rows])), parts)
    )


def class_shares(
    areas: gpd.GeoSeries, polygons: gpd.GeoDataFrame, key: str, classes: Sequence[object]
) -> pd.DataFrame:
    """Share of each area covered by polygons of each class.

    The class polygons are first cut along a grid ten area diameters wide
    (:func:`cut_to_grid`), so that the cost grows with the number of areas
    rather than with areas times polygon vertices.

    Parameters
    ----------
    areas
        Village areas (polygons) in the same CRS as ``polygons``.
    polygons
        Class polygons, disjoint across and within classes (see
        :func:`disjoint_classes`).
    key
        Class column of ``polygons``.
    classes
        Classes to report, one output column each.

    Returns
    -------
    pandas.DataFrame
        Shares in [0, 1], index of ``areas``, one column per class;
        ``NaN`` for missing or zero-area geometries.
    """
    geoms = areas.to_numpy()
    out = np.zeros((len(geoms), len(classes)))
    total = shapely.area(geoms)
    codes = pd.Categorical(polygons[key], categories=list(classes)).codes
    wanted = codes >= 0
    if wanted.any() and len(geoms):
        pieces, src = cut_to_grid(polygons.geometry.to_numpy()[wanted], _cell_size(geoms))
        piece_codes = codes[wanted][src]
        i, j = shapely.STRtree(pieces).query(geoms, predicate="intersects")
        inter = _intersection_areas(geoms[i], pieces[j])
        flat = np.bincount(
            i * len(classes) + piece_codes[j], weights=inter, minlength=len(geoms) * len(classes)
        )
        out = flat.reshape(len(geoms), len(classes)).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.clip(out / total[:, None], 0.0, 1.0)
    shares[~(total > 0)] = np.nan
    return pd.DataFrame(shares, index=areas.index, columns=list(classes))


def class_at_points(
    points: np.ndarray, polygons: gpd.GeoDataFrame, key: str, *, reduce: str = "max"
) -> np.ndarray:
    """Return, per point, the class of the polygon containing it.

    Parameters
    ----------
    points
        Shapely points.
    polygons
        Polygons with a numeric class column ``key``.
    key
        Class column.
    reduce
        ``"max"`` takes the highest class where polygons overlap.

    Returns
    -------
    numpy.ndarray
        float array, ``NaN`` where no polygon contains the point.
    """
    out = np.full(len(points), np.nan)
    if len(polygons) == 0 or len(points) == 0:
        return out
    # The polygons query a tree of the points, so that each polygon is prepared once (its
    # edge index makes a point cost log(vertices) instead of a walk round the polygon).
    # shapely prepares them on the fly without touching the layer's geometries, which
    # partitions share between threads.
    j, i = shapely.STRtree(points).query(polygons.geometry.to_numpy(), predicate="intersects")
    values = pd.to_numeric(polygons[key], errors="coerce").to_numpy(dtype=float)[j]
    if reduce != "max":
        msg = f"unsupported reduce {reduce!r}"
        raise ValueError(msg)
    series = pd.Series(values).groupby(i).max()
    out[series.index.to_numpy()] = series.to_numpy()
    return out


#: Segments per piece when long lines and polygon outlines are cut for distance queries.
_PIECE_SEGMENTS = 32


def _edge_pieces(targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cut lines and polygon outlines into runs of at most ``_PIECE_SEGMENTS`` segments.

    The pieces keep the original vertices (no point is added or moved), so the distance
    to the nearest piece is the distance to the nearest edge, bit for bit; a polygon's
    inside is tested separately. Returns the pieces and the polygons among the targets.
    """
    parts = shapely.get_parts(targets)
    kind = shapely.get_type_id(parts)
    polygons = parts[kind == 3]
    lines = np.concatenate([parts[(kind == 1) | (kind == 2)], shapely.get_parts(
        shapely.get_rings(polygons))])  # fmt: skip
    pieces: list[object] = list(parts[(kind != 1) & (kind != 2) & (kind != 3)])
    for line in lines:
        xy = shapely.get_coordinates(line)
        if len(xy) <= _PIECE_SEGMENTS + 1:
            pieces.append(line)
            continue
        starts = range(0, len(xy) - 1, _PIECE_SEGMENTS)
        pieces.extend(shapely.linestrings(xy[s : s + _PIECE_SEGMENTS + 1]) for s in starts)
    return np.asarray(pieces, dtype=object), polygons


def nearest_distance(geoms: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Return the distance from each geometry to the nearest target (0 when touching).

    Long target lines and polygon outlines are measured piece by piece
    (:func:`_edge_pieces`), so that each village costs the few segments near it
    rather than every vertex of a province-wide polygon; the result is the same.

    Parameters
    ----------
    geoms
        Shapely geometries (villages).
    targets
        Shapely geometries to measure to (lines, polygons).

    Returns
    -------
    numpy.ndarray
        Distances in CRS units; ``NaN`` when there is no target or the
        geometry is missing.
    """
    out = np.full(len(geoms), np.nan)
    targets = targets[~(shapely.is_missing(targets) | shapely.is_empty(targets))]
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if len(targets) == 0 or not ok.any():
        return out
    idx = np.flatnonzero(ok)
    pieces, polygons = _edge_pieces(targets)
    tree = shapely.STRtree(pieces)  # built here, so that the threads only read it

    def nearest(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        (src, _), dist = tree.query_nearest(geoms[rows], return_distance=True, all_matches=False)
        return rows[src], dist

    for rows, dist in ordered_map(nearest, np.array_split(idx, THREADS)):
        out[rows] = dist
    if len(polygons):  # inside a polygon: 0 (each polygon prepared once, on the fly)
        _, inside = shapely.STRtree(geoms[idx]).query(polygons, predicate="intersects")
        out[idx[inside]] = 0.0
    return out
