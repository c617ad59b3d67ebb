"""folium elements that call geoplan's map runtime (``assets/geoplan/geoplan.js``).

Each element renders one line of JavaScript whose arguments are produced by
:func:`geoplan.render.offline.safe_json`, so data never reaches the page
unescaped.
"""

from __future__ import annotations

from typing import Any

from branca.element import Element, Figure, MacroElement
from folium.map import Layer
from folium.template import Template

from geoplan.render.offline import safe_json

__all__ = ["BaseGroupLayer", "Call", "DataLayer", "ImageLayer", "TileLayer", "Verbatim"]


class Verbatim(Element):
    """Rendered markup kept as it is.

    branca wraps what a macro renders in an ``Element``, which compiles the text as
    a new Jinja template (the whole data payload of a layer, lexed once more).  The
    text has been rendered already, so it is returned as Jinja would return it:
    newlines normalised, one trailing newline dropped.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        text = str(text).replace("\r\n", "\n").replace("\r", "\n")
        self.text = text[:-1] if text.endswith("\n") else text

    def render(self, **kwargs: Any) -> str:
        """Return the text."""
        return self.text


class _VerbatimMacro(MacroElement):
    """A macro element whose rendered header, html and script are not compiled again."""

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as branca's MacroElement
        """Add the rendered macros to the figure, then render the children."""
        figure = self.get_root()
        if not isinstance(figure, Figure):
            msg = "cannot render an element that is not in a Figure"
            raise TypeError(msg)
        module = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = module.get(part)
            if macro is not None:
                getattr(figure, part).add_child(Verbatim(macro(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class Call(_VerbatimMacro):
    """Call ``GP.<function>(<json args>)`` once; the map is ``GP.map`` after :func:`init`."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.code }}
        {% endmacro %}
        """
    )

    def __init__(self, function: str, *args: Any, raw_first: str | None = None) -> None:
        super().__init__()
        self._name = "GPCall"
        parts = [raw_first] if raw_first else []
        parts += [safe_json(a) for a in args]
        self.function = function
        self.args = parts

    def render(self, **kwargs: Any) -> Any:
        """Render with the parent map's variable name available."""
        parent = self._parent.get_name() if self._parent is not None else "GP.map"
        args = [a.replace("__MAP__", parent) for a in self.args]
        self.code = f"GP.{self.function}({', '.join(args)});"
        return super().render(**kwargs)


class _GPLayer(Layer, _VerbatimMacro):
    """A Leaflet layer created by a ``GP.*Layer`` factory."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.factory }};
        {% endmacro %}
        """
    )

    def __init__(
        self, lid: str, name: str, factory: str, *, overlay: bool = True, show: bool = True
    ) -> None:
        super().__init__(name=name, overlay=overlay, control=True, show=show)
        self._name = "GPLayer"
        self.lid = lid
        self.factory = factory


class DataLayer(_GPLayer):
    """GeoJSON features with a style, popup, tooltip and search spec (see ``GP.dataLayer``)."""

    def __init__(
        self, lid: str, name: str, data: dict[str, Any], spec: dict[str, Any], *, show: bool = True
    ) -> None:
        factory = f"GP.dataLayer({safe_json(lid)}, {safe_json(data)}, {safe_json(spec)})"
        super().__init__(lid, name, factory, show=show)


class ImageLayer(_GPLayer):
    """An image overlay (PNG data URI) between two corners."""

    def __init__(
        self,
        lid: str,
        name: str,
        url: str,
        bounds: list[list[float]],
        *,
        opacity: float = 1.0,
        pane: str = "gpRaster",
        show: bool = True,
    ) -> None:
        opts = {"opacity": opacity, "pane": pane}
        args = ", ".join(safe_json(a) for a in (lid, url, bounds, opts))
        factory = f"GP.imageLayer({args})"
        super().__init__(lid, name, factory, show=show)


class BaseGroupLayer(_GPLayer):
    """The offline base layer: a group of layers made earlier by ``Call`` (see ``GP.baseGroup``)."""

    def __init__(self, lid: str, name: str, parts: list[str], *, show: bool = True) -> None:
        factory = f"GP.baseGroup({safe_json(lid)}, {safe_json(parts)})"
        super().__init__(lid, name, factory, overlay=False, show=show)


class TileLayer(_GPLayer):
    """An online tile base layer that fails quietly when offline."""

    def __init__(
        self, lid: str, name: str, url: str, attribution: str, *, show: bool = False
    ) -> None:
        opts = {"attribution": attribution}
        factory = f"GP.tileLayer({safe_json(lid)}, {safe_json(url)}, {safe_json(opts)})"
        super().__init__(lid, name, factory, overlay=False, show=show)
