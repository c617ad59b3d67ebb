"""VN-2000 and other CRS spellings, CRS guessing and datum checks.

VN-2000 comes in three flavours that planners meet:

* geographic (``EPSG:4756``, spelt ``vn2000``);
* UTM zones 48N/49N (``EPSG:3405`` / ``EPSG:3406``, spelt ``vn2000-utm:48``);
* the provincial TM-3 zones (scale 0.9999, false easting 500 000 m) whose
  central meridian is set per province by Circular 973/2001/TT-TCĐC, e.g.
  107°30' for Kon Tum (``EPSG:9216``) and 108°00' for Quảng Ngãi
  (``EPSG:5898``); spelt ``vn2000-tm3:kontum`` or ``vn2000-tm3:107.5``
  (also ``107-30`` or ``107°30'``).

Each spelling resolves to the official EPSG definition, so pyproj applies the
VN-2000 -> WGS 84 datum shift (about 200 m in Kon Tum) when reprojecting.
"""

from __future__ import annotations

import math
import re

import pyproj
from pyproj.exceptions import CRSError

from geoplan.errors import ScenarioError
from geoplan.io.text import normalize_name

__all__ = [
    "PROVINCE_MERIDIANS",
    "TM3_EPSG",
    "crs_label",
    "guess_crs",
    "identify_vn2000",
    "is_metric",
    "resolve_crs",
]

#: EPSG code of the VN-2000 TM-3 CRS for each central meridian (degrees).
TM3_EPSG: dict[float, int] = {
    102.0: 5896, 103.0: 9205, 104.0: 9206, 104.5: 9207, 104.75: 9208, 105.0: 5897,
    105.5: 9209, 105.75: 9210, 106.0: 9211, 106.25: 9212, 106.5: 9213, 107.0: 9214,
    107.25: 9215, 107.5: 9216, 107.75: 5899, 108.0: 5898, 108.25: 9217, 108.5: 9218,
}  # fmt: skip

#: Central meridian of the TM-3 zone of each province (Circular 973/2001/TT-TCĐC),
#: keyed by :func:`geoplan.io.text.normalize_name` of the pre-2025 province name.
PROVINCE_MERIDIANS: dict[str, float] = {
    "laichau": 103.0, "dienbien": 103.0, "sonla": 104.0, "laocai": 104.75, "yenbai": 104.75,
    "hagiang": 105.5, "tuyenquang": 106.0, "phutho": 104.5, "vinhphuc": 105.0,
    "caobang": 105.75, "langson": 107.25, "backan": 106.5, "backan2": 106.5,
    "thainguyen": 106.5, "bacgiang": 107.0, "bacninh": 105.5, "quangninh": 107.75,
    "haiphong": 105.75, "haiduong": 105.5, "hungyen": 105.5, "hanoi": 105.0,
    "hoabinh": 106.0, "hanam": 105.0, "namdinh": 105.5, "thaibinh": 105.5,
    "ninhbinh": 105.0, "thanhhoa": 105.0, "nghean": 104.75, "hatinh": 105.5,
    "quangbinh": 106.0, "quangtri": 106.25, "thuathienhue": 107.0, "hue": 107.0,
    "danang": 107.75, "quangnam": 107.75, "quangngai": 108.0, "binhdinh": 108.25,
    "kontum": 107.5, "gialai": 108.5, "daklak": 108.5, "daclac": 108.5, "daknong": 108.5,
    "phuyen": 108.5, "khanhhoa": 108.25, "ninhthuan": 108.25, "binhthuan": 108.5,
    "lamdong": 107.75, "binhduong": 105.75, "binhphuoc": 106.25, "dongnai": 107.75,
    "bariavungtau": 107.75, "vungtau": 107.75, "tayninh": 105.5, "longan": 105.75,
    "tiengiang": 105.75, "bentre": 105.75, "dongthap": 105.0, "vinhlong": 105.5,
    "travinh": 105.5, "angiang": 104.75, "kiengiang": 104.5, "cantho": 105.0,
    "haugiang": 105.0, "soctrang": 105.5, "baclieu": 105.0, "camau": 104.5,
    "hochiminh": 105.75, "tphochiminh": 105.75, "hcm": 105.75, "saigon": 105.75,
}  # fmt: skip

_VN2000_UTM = {48: 3405, 49: 3406}
_MERIDIAN = re.compile(r"^(\d{3})(?:(?:[.,](\d+))|(?:[-°:\s]+(\d{1,2})'?))?$")

_SPELLINGS_HELP = (
    "use 'EPSG:<code>', 'vn2000' (EPSG:4756), 'vn2000-utm:48' / 'vn2000-utm:49', "
    "'vn2000-tm3:<province>' (e.g. 'vn2000-tm3:kontum') or 'vn2000-tm3:<meridian>' "
    "(e.g. 'vn2000-tm3:107.5' or '107-30')"
)


def _parse_meridian(text: str) -> float | None:
    m = _MERIDIAN.match(text.strip().replace("′", "'").replace("º", "°"))
    if not m:
        return None
    deg = float(m.group(1))
    if m.group(2) is not None:
        return float(f"{m.group(1)}.{m.group(2)}")
    if m.group(3) is not None:
        return deg + float(m.group(3)) / 60.0
    return deg


def resolve_crs(text: str | int | pyproj.CRS) -> pyproj.CRS:
    """Resolve a CRS spelling to a :class:`pyproj.CRS`.

    Parameters
    ----------
    text
        ``"EPSG:9216"``, ``9216``, ``"vn2000"``, ``"vn2000-utm:48"``,
        ``"vn2000-tm3:kontum"``, ``"vn2000-tm3:107.5"``, ``"vn2000-tm3:107-30"``,
        a WKT or PROJ string, or a CRS.

    Returns
    -------
    pyproj.CRS
        The official EPSG definition for VN-2000 spellings.

    Raises
    ------
    ScenarioError
        If the spelling is not recognised; the message lists the accepted ones.

    Examples
    --------
    >>> resolve_crs("vn2000-tm3:kontum").to_epsg()
    9216
    >>> resolve_crs("vn2000-tm3:108").to_epsg()
    5898
    """
    if isinstance(text, pyproj.CRS):
        return text
    if isinstance(text, int):
        text = f"EPSG:{text}"
    raw = str(text).strip()
    low = raw.lower().replace(" ", "")
    if low.startswith(("vn2000", "vn-2000", "vn_2000")):
        return pyproj.CRS.from_epsg(_vn2000_code(raw, low))
    try:
        return pyproj.CRS.from_user_input(raw)
    except CRSError as exc:
        msg = f"unknown CRS {raw!r}: {_SPELLINGS_HELP}"
        raise ScenarioError(msg) from exc


def _vn2000_code(raw: str, low: str) -> int:
    rest = re.sub(r"^vn[-_]?2000", "", low)
    if rest in ("", ":geographic", "-geographic", "-geo", ":4756"):
        return 4756
    m = re.match(r"^[-_:]?utm[-_:]?(\d\d)n?$", rest)
    if m and int(m.group(1)) in _VN2000_UTM:
        return _VN2000_UTM[int(m.group(1))]
    m = re.match(r"^[-_:]?tm-?3[-_:](.+)$", rest)
    if m:
        arg = m.group(1)
        meridian = _parse_meridian(arg)
        if meridian is None:
            province = normalize_name(raw.split(":", 1)[-1], drop_prefix=True)
            meridian = PROVINCE_MERIDIANS.get(province)
            if meridian is None:
                msg = (
                    f"unknown province in CRS {raw!r}; known: "
                    f"{', '.join(sorted(PROVINCE_MERIDIANS))}, or give the meridian "
                    "('vn2000-tm3:107.5')"
                )
                raise ScenarioError(msg)
        code = TM3_EPSG.get(round(meridian * 4) / 4)
        if code is None or not math.isclose(meridian * 4, round(meridian * 4)):
            msg = (
                f"no EPSG VN-2000 TM-3 CRS with central meridian {meridian}° in {raw!r}; "
                f"known meridians: {', '.join(str(k) for k in sorted(TM3_EPSG))}"
            )
            raise ScenarioError(msg)
        return code
    msg = f"unknown CRS {raw!r}: {_SPELLINGS_HELP}"
    raise ScenarioError(msg)


def crs_label(crs: pyproj.CRS | None) -> str | None:
    """Return ``"EPSG:9216"`` when the CRS has an EPSG code, else its name.

    Parameters
    ----------
    crs
        A CRS or ``None``.

    Returns
    -------
    str or None
        A short label.
    """
    if crs is None:
        return None
    auth = crs.to_authority(min_confidence=100)
    if auth:
        return f"{auth[0]}:{auth[1]}"
    return crs.name or "custom CRS"


def is_metric(crs: pyproj.CRS) -> bool:
    """Return whether the CRS is projected with metre units.

    Parameters
    ----------
    crs
        A CRS.

    Returns
    -------
    bool
        ``True`` for projected CRSs in metres.
    """
    if not crs.is_projected:
        return False
    units = {ax.unit_name.lower() for ax in crs.axis_info}
    return units <= {"metre", "meter", "m"}


def _tmerc_params(crs: pyproj.CRS) -> dict[str, float] | None:
    op = crs.coordinate_operation
    if op is None or "transverse mercator" not in op.method_name.lower():
        return None
    out: dict[str, float] = {}
    for p in op.params:
        name = p.name.lower()
        if "longitude of natural origin" in name:
            out["lon_0"] = float(p.value)
        elif "scale factor" in name:
            out["k"] = float(p.value)
        elif "false easting" in name:
            out["x_0"] = float(p.value)
        elif "false northing" in name:
            out["y_0"] = float(p.value)
        elif "latitude of natural origin" in name:
            out["lat_0"] = float(p.value)
    return out


def _datum_name(crs: pyproj.CRS) -> str:
    try:
        return (crs.datum.name if crs.datum else "") or ""
    except CRSError:
        return ""


def identify_vn2000(crs: pyproj.CRS) -> tuple[pyproj.CRS | None, str | None]:
    """Recognise a VN-2000 CRS written without its EPSG code or datum shift.

    Parameters
    ----------
    crs
        The CRS a file declares.

    Returns
    -------
    tuple of (pyproj.CRS or None, str or None)
        ``(official, None)`` when the file's CRS is a VN-2000 CRS that lacks
        the EPSG definition (replace it by ``official`` to get the datum
        shift); ``(None, warning)`` when the datum is unknown but the numbers
        look like VN-2000; ``(None, None)`` otherwise.
    """
    epsg = crs.to_epsg(min_confidence=100)
    if epsg in (4756, 3405, 3406, 5896, 5897, 5898, 5899) or (epsg and 9205 <= epsg <= 9218):
        return None, None
    datum = normalize_name(_datum_name(crs))
    says_vn2000 = "vn2000" in datum or "vietnam2000" in datum or "vietnam" in datum
    if crs.is_geographic:
        if says_vn2000:
            return pyproj.CRS.from_epsg(4756), None
        return None, None
    params = _tmerc_params(crs)
    if not params or abs(params.get("lat_0", 0.0)) > 1e-9 or params.get("y_0", 0.0) != 0.0:
        return None, None
    lon0, k, x0 = params.get("lon_0"), params.get("k", 1.0), params.get("x_0")
    if lon0 is None or x0 != 500000.0:
        return None, None
    candidate: int | None = None
    if math.isclose(k, 0.9999, abs_tol=1e-9):
        candidate = (
            TM3_EPSG.get(round(lon0 * 4) / 4) if math.isclose(lon0 * 4, round(lon0 * 4)) else None
        )
    elif math.isclose(k, 0.9996, abs_tol=1e-9):
        candidate = {105.0: 3405, 111.0: 3406}.get(lon0)
    if candidate is None:
        return None, None
    if says_vn2000:
        return pyproj.CRS.from_epsg(candidate), None
    known = datum and datum not in {
        "unknown",
        "dunknown",
        "notspecified",
        "notspecifiedbasedonwgs84ellipsoid",
    }
    is_wgs84 = "wgs84" in datum or "worldgeodeticsystem1984" in datum
    if math.isclose(k, 0.9996, abs_tol=1e-9) and known:
        return None, None  # a real UTM on a named datum (e.g. WGS 84 / UTM 48N)
    what = "VN-2000 TM-3" if math.isclose(k, 0.9999, abs_tol=1e-9) else "VN-2000 UTM"
    datum_txt = _datum_name(crs) or "unknown"
    hint = "" if not is_wgs84 else " (a TM-3 projection on WGS 84 is almost always VN-2000)"
    warning = (
        f"the projection looks like {what} (central meridian {lon0:g}°) but the datum is "
        f"'{datum_txt}'{hint}, so no VN-2000 datum shift is applied and positions may be "
        f"about 200 m off; if the data is VN-2000 set `crs: EPSG:{candidate}`"
    )
    return None, warning


def guess_crs(bounds: tuple[float, float, float, float]) -> str:
    """Propose the likely CRS of coordinates with no CRS, from their ranges.

    Parameters
    ----------
    bounds
        ``(minx, miny, maxx, maxy)`` of the layer.

    Returns
    -------
    str
        A sentence proposing CRS spellings.
    """
    minx, miny, maxx, maxy = bounds
    if not all(map(math.isfinite, bounds)):
        return "the layer has no coordinates to guess from"
    if minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90:
        if minx >= 100 and maxx <= 112 and miny >= 6 and maxy <= 24:
            return (
                "the coordinates are degrees in Vietnam: probably 'EPSG:4326' (WGS 84, GPS) "
                "or 'vn2000' (EPSG:4756, VN-2000 geographic)"
            )
        return "the coordinates look like degrees: probably 'EPSG:4326' (WGS 84)"
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    if 900_000 <= cy <= 2_700_000 and 100_000 <= cx <= 900_000:
        if minx >= 330_000 and maxx <= 670_000:
            center = ""
            if 1_500_000 <= cy <= 1_700_000:
                center = (
                    " ('vn2000-tm3:kontum' = EPSG:9216 for Kon Tum data, EPSG:5898 for Quang Ngai)"
                )
            return (
                "the coordinates are metres with eastings near 500,000: probably VN-2000 TM-3 "
                f"of the province{center}, or VN-2000 UTM ('vn2000-utm:48' = EPSG:3405, "
                "'vn2000-utm:49' = EPSG:3406)"
            )
        return (
            "the coordinates are metres in the UTM range: probably 'vn2000-utm:48' (EPSG:3405) "
            "or 'vn2000-utm:49' (EPSG:3406), or WGS 84 UTM (EPSG:32648 / EPSG:32649)"
        )
    return "the coordinate ranges do not match a CRS used in Vietnam"
