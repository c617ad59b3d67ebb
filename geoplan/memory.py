"""Give the heap memory freed by a finished step back to the operating system.

A solver or raster step can free hundreds of MiB that the C allocator keeps mapped for later;
the next step's peak then stacks on top of it.  ``malloc_trim`` (glibc) returns those pages.
Nothing computed depends on it; elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache
from typing import Any

__all__ = ["release_freed_memory"]


@lru_cache(maxsize=1)
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_freed_memory() -> None:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim``); else do nothing."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
