"""Work in forked child processes that die with the parent and fail as the parent would.

The shared machinery of the render's helper processes (:mod:`geoplan.render.workers`) and
of the landslide model's cross-validation (:mod:`geoplan.hazard.model`):

- :func:`process_count` reads how many processes a step may use from an environment
  variable (1 runs everything in this process) and falls back to 1 where forking is not
  available or not safe (no ``fork`` start method, a daemonic process).
- :func:`die_with` makes the kernel kill a child when its parent dies (Linux), even by
  SIGKILL, so no child outlives a killed run.
- :func:`describe` and :func:`rebuild` carry a child's exception to the parent: the same
  type when it can be pickled, with the child's traceback attached as the cause.
- :func:`call_forked` runs one function in a forked child while the caller goes on, and
  returns its result (pickled through a pipe) when asked; it stops the child if the
  caller fails or is interrupted before asking.

A forked child shares the parent's memory copy-on-write: every page it writes is a page
added to the machine's use, so children freeze the objects alive at the fork for the
garbage collector (a collection would otherwise write to every one of them).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from geoplan.errors import GeoplanError
from geoplan.memory import release_freed_memory

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

__all__ = [
    "ForkedCall",
    "ForkedProcessError",
    "call_forked",
    "can_fork",
    "describe",
    "die_with",
    "flush_streams",
    "fork_is_safe",
    "process_count",
    "rebuild",
    "stop",
]

_PR_SET_PDEATHSIG = 1  # linux/prctl.h

R = TypeVar("R")


class ForkedProcessError(GeoplanError):
    """A child process stopped without reporting (killed, out of memory)."""


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a child process, shown as its cause."""

    def __str__(self) -> str:
        return str(self.args[0])


def can_fork() -> bool:
    """Return whether this process may fork helper processes.

    Not without the ``fork`` start method (Windows), nor inside a daemonic process
    (which may not have children).
    """
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    return not multiprocessing.current_process().daemon


def fork_is_safe() -> bool:
    """Return whether a child may be forked now: :func:`can_fork`, and no other thread alive.

    A child forked beside a running thread can deadlock on a lock that thread held.
    """
    import threading

    return can_fork() and threading.active_count() == 1


def process_count(env: str, requested: int | None, default: int) -> int:
    """Return how many processes a step may use.

    Parameters
    ----------
    env
        The environment variable that sets the count (a whole number, 1 or more).
    requested
        An explicit count, which wins over the variable.
    default
        The count on Linux when neither is given, capped at the usable cores;
        elsewhere (macOS: forking after system frameworks are loaded is not safe) 1.

    Returns
    -------
    int
        At least 1; 1 where :func:`can_fork` is false.

    Raises
    ------
    GeoplanError
        If the variable is not a whole number of at least 1.
    """
    if requested is None:
        text = os.environ.get(env, "").strip()
        if text:
            if not text.isdigit() or int(text) < 1:
                msg = f"${env}={text!r}: give a whole number of processes, 1 or more"
                raise GeoplanError(msg)
            requested = int(text)
        elif sys.platform.startswith("linux"):
            requested = min(default, len(os.sched_getaffinity(0)))
        else:
            requested = 1
    if not can_fork():
        return 1
    return max(1, int(requested))


def flush_streams() -> None:
    """Flush stdout and stderr before a fork, else a child prints their buffers again."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def die_with(parent: int) -> None:
    """Have the kernel kill this child when the parent ``parent`` dies (Linux), even by SIGKILL.

    Otherwise a child of a killed run would go on working (and writing) on its own.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before that was set
        os._exit(0)


def enter_child(parent: int) -> None:
    """Set up a freshly forked child: signals, death with the parent, a frozen heap.

    Ctrl-C is the parent's to handle (it stops its children); SIGTERM ends the child.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with(parent)
    gc.freeze()  # objects shared with the parent stay untouched by the collector


def stop(proc: BaseProcess) -> None:
    """End a child (it may still be working when the parent fails) and reap it."""
    proc.join(timeout=0)
    if proc.is_alive():
        proc.terminate()
        proc.join(timeout=10)
    if proc.is_alive():  # pragma: no cover - SIGTERM is not ignored by the children
        proc.kill()
        proc.join()


def describe(exc: BaseException) -> tuple[bytes | None, str, str]:
    """Return the exception pickled (``None`` if it cannot be), its summary and traceback."""
    import traceback

    blob: bytes | None
    try:
        blob = pickle.dumps(exc)
        pickle.loads(blob)
    except Exception:
        blob = None
    summary = f"{type(exc).__name__}: {exc}"
    return blob, summary, "".join(traceback.format_exception(exc))


def rebuild(
    blob: bytes | None,
    summary: str,
    trace: str,
    *,
    where: str,
    fallback: Callable[[str], BaseException],
) -> BaseException:
    """Rebuild a child's exception, its traceback attached as the cause.

    Parameters
    ----------
    blob, summary, trace
        What :func:`describe` returned in the child.
    where
        The child, as the cause names it ("the render process").
    fallback
        Makes the exception from the summary when the original could not be pickled.
    """
    exc: BaseException = pickle.loads(blob) if blob is not None else fallback(summary)
    exc.__cause__ = RemoteTraceback(f"\n\nin {where}:\n{trace}")
    return exc


class ForkedCall(Generic[R]):
    """A function called in a forked child (or already in this process): see :func:`call_forked`.

    Use it as a context manager: leaving the block before :meth:`result` (an error, Ctrl-C)
    stops the child.
    """

    def __init__(self, label: str, hint: str) -> None:
        self.label = label
        self.hint = hint
        self.forked = False
        self._value: R | None = None
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None

    def result(self) -> R:
        """Wait for the child and return the function's result, or raise its exception.

        Raises
        ------
        ForkedProcessError
            If the child stopped without reporting (killed, out of memory).
        """
        if self._proc is None or self._conn is None:
            return self._value  # type: ignore[return-value]
        proc, conn = self._proc, self._conn
        try:
            message: tuple[Any, ...] = conn.recv()
        except EOFError:
            proc.join()
            msg = (
                f"the {self.label} process stopped without a result (exit code "
                f"{proc.exitcode}); run again, or {self.hint}"
            )
            raise ForkedProcessError(msg) from None
        finally:
            self.close()
        if message[0] == "done":
            value: R = message[1]
            self._value = value
            return value
        exc = rebuild(
            *message[1:],
            where=f"the {self.label} process",
            fallback=lambda summary: ForkedProcessError(f"{self.label}: {summary}"),
        )
        raise exc

    def ready(self) -> bool:
        """Return whether :meth:`result` would return (or raise) without waiting."""
        if self._conn is None:
            return True
        try:
            return self._conn.poll()
        except (OSError, EOFError):  # the child is gone: result() says how
            return True

    def close(self) -> None:
        """Stop the child if it is still running and release the pipe."""
        if self._proc is not None:
            stop(self._proc)
            self._proc = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> ForkedCall[R]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def call_forked(
    function: Callable[..., R],
    *args: Any,
    fork: bool,
    label: str,
    hint: str,
) -> ForkedCall[R]:
    """Start ``function(*args)`` in a forked child; collect it with :meth:`ForkedCall.result`.

    Parameters
    ----------
    function, args
        The call. Its result is pickled back through a pipe; an exception it raises is
        raised again by :meth:`ForkedCall.result` (same type when it can be pickled, the
        child's traceback as its cause).
    fork
        False calls it here and now (an exception is raised at once), as without this
        module; the caller decides (:func:`process_count`, :func:`can_fork`).
    label
        The work, as error messages name it ("cross-validation").
    hint
        How to run without the child, for the message of a child that was killed.

    Returns
    -------
    ForkedCall
        Use it as a context manager, so that the child is stopped if the caller fails.
    """
    call: ForkedCall[R] = ForkedCall(label, hint)
    if not fork:
        call._value = function(*args)
        return call
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    ours, theirs = ctx.Pipe(duplex=False)
    flush_streams()
    # a free heap page left resident is shared, and copied when this process reuses it
    release_freed_memory()
    proc = ctx.Process(
        target=_child,
        args=(function, args, theirs, os.getpid()),
        name=f"geoplan-{label.replace(' ', '-')}",
        daemon=True,
    )
    proc.start()
    theirs.close()
    call.forked = True
    call._proc, call._conn = proc, ours
    return call


def _child(
    function: Callable[..., Any], args: tuple[Any, ...], conn: Connection, parent: int
) -> None:
    """Body of the child of :func:`call_forked`: call, send the result or the failure."""
    enter_child(parent)
    try:
        try:
            value = function(*args)
            payload = pickle.dumps(("done", value), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:
            conn.send(("failed", *describe(exc)))
            return
        conn.send_bytes(payload)
    except (BrokenPipeError, ConnectionResetError):
        return
    finally:
        conn.close()
