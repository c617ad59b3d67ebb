"""Values several products compute alike, computed once per render context.

Every map starts from the same offline base (roads, rivers, place names) and the same
outlines; :func:`once` keeps such a value on the :class:`RenderContext` the first time a
product asks for it, so the next product in the same process reuses it.  A product
written in a forked render process sees what was kept before the fork and keeps its own
values after it: the bytes never depend on which process computed a value, since each
value is a function of the context alone.

Only values that do not depend on the plan may be kept: the render may start before
``ctx.result.plan`` is filled in.  Nothing outlives the context (no module-level cache).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from geoplan.render.context import RenderContext

__all__ = ["once"]

T = TypeVar("T")

#: The attribute of the context that holds the kept values (not a dataclass field).
_STORE = "_shared_values"


def once(ctx: RenderContext, key: str, compute: Callable[[], T]) -> T:
    """Return ``compute()``, computed on the first call for ``ctx`` and ``key`` only.

    Parameters
    ----------
    ctx
        The render context the value belongs to.
    key
        Names the value; one key, one way of computing it.
    compute
        Computes the value from ``ctx`` alone, never from ``ctx.result.plan``.  The
        value is shared: callers must not change it.
    """
    store: dict[str, Any] = vars(ctx).setdefault(_STORE, {})
    if key not in store:
        store[key] = compute()
    return store[key]
