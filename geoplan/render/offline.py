"""Make folium maps self-contained: vendored Leaflet and geoplan's runtime, inlined.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs.  geoplan's maps
need only Leaflet (every control is drawn by ``assets/geoplan/geoplan.js``), so
:func:`make_offline` empties the map's CDN lists and puts the vendored files inline
in the page head; images the CSS refers to become ``data:`` URIs.  The result opens
with the network off and sends no request anywhere.
"""

from __future__ import annotations

import base64
import json
import re
from functools import cache
from pathlib import Path
from typing import Any, cast

import folium
from branca.element import Element, Figure

__all__ = [
    "asset_bytes",
    "asset_text",
    "deterministic_ids",
    "jinja_safe_html",
    "make_offline",
    "safe_json",
]

ASSETS_DIR = Path(__file__).resolve().parent / "assets"


def asset_bytes(relpath: str) -> bytes:
    """Return the bytes of a vendored asset, e.g. ``"leaflet/leaflet.js"``."""
    return (ASSETS_DIR / relpath).read_bytes()


def asset_text(relpath: str) -> str:
    """Return a vendored text asset decoded as UTF-8."""
    return asset_bytes(relpath).decode("utf-8")


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


@cache
def _leaflet_css() -> str:
    css = asset_text("leaflet/leaflet.css")

    def inline(match: re.Match[str]) -> str:
        name = match.group(1)
        return "url(" + _data_uri(asset_bytes(f"leaflet/{name}"), "image/png") + ")"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)


def _strip_source_map(js: str) -> str:
    return re.sub(r"//# sourceMappingURL=\S+\s*$", "", js)


@cache
def _head_html() -> str:
    leaflet_js = _strip_source_map(asset_text("leaflet/leaflet.js"))
    return "\n".join(
        [
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<!-- Leaflet 1.9.4 (BSD-2-Clause, see geoplan/render/assets/leaflet/LICENSE) -->",
            f"<style>{_leaflet_css()}</style>",
            f"<style>{asset_text('geoplan/geoplan.css')}</style>",
            f"<script>{leaflet_js}</script>",
            f"<script>{asset_text('geoplan/geoplan.js')}</script>",
        ]
    )


def make_offline(m: folium.Map) -> folium.Map:
    """Replace the map's CDN links with inlined vendored Leaflet and geoplan runtime.

    Parameters
    ----------
    m
        A folium map that uses no folium plugin (plugins bring their own CDN links).

    Returns
    -------
    folium.Map
        The same map, modified in place, for chaining.
    """
    m.default_js = []
    m.default_css = []
    cast(Figure, m.get_root()).header.add_child(
        Element(_head_html()), name="geoplan_offline_assets"
    )
    return m


_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def safe_json(value: Any) -> str:
    r"""Serialise to JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c``-style escapes, so a string such as
    ``</script><img src=x onerror=alert(1)>`` cannot close the script element;
    the browser still reads the original text.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = re.sub("[<>&\u2028\u2029]", lambda m: _UNSAFE[m.group(0)], text)
    # branca renders every script through Jinja a second time: a name such as
    # "{{ 7*7 }}" would be evaluated.  In JSON a "{" followed by "{", "%" or "#"
    # can only be inside a string, where the \u escape reads the same.
    return _JINJA_OPEN.sub(r"\\u007b", text)


_JINJA_OPEN = re.compile(r"\{(?=[{%#])")


def jinja_safe_html(html: str) -> str:
    """Escape ``{`` as ``&#123;`` in server-rendered HTML that folium passes through Jinja.

    Use it for markup added with ``folium.Element`` (built with ``html.escape``,
    which leaves braces alone), so data text cannot open a Jinja expression.
    """
    return html.replace("{", "&#123;")


# The "_" is matched rather than looked behind: a pattern that starts with a literal is
# searched for that character first, ten times faster over a map of a few MB.
_ID = re.compile(r"_([0-9a-f]{32})(?![0-9a-zA-Z])")


def deterministic_ids(html: str) -> str:
    """Replace folium's random element ids by sequence numbers, for byte-identical maps.

    An id is 32 lowercase hex digits after ``_`` (``map_<id>``, ``feature_group_<id>``)
    and before no further letter or digit; each distinct id becomes ``0001``, ``0002``...
    in the order of first appearance.
    """
    mapping: dict[str, str] = {}

    def repl(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in mapping:
            mapping[key] = f"{len(mapping) + 1:04d}"
        return "_" + mapping[key]

    return _ID.sub(repl, html)
