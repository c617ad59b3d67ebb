"""Write independent output products on several processes, into one staging folder.

``write_outputs`` hands :func:`write_products` a list of :class:`Product`: each writes
its files into the staging folder and returns their names.  With one worker they are
written in list order.  With more, the main process forks helper processes after the
render context is prepared (they share its memory, copy-on-write) and every process
takes the next product from one shared queue, most expensive first (measured CPU
seconds on the demo), so the work spreads evenly whatever each product costs on this
run; the main process takes the first (the hazard map) before forking.  Products
marked ``last`` read other products' files (the report embeds the PNGs, the QGIS
project opens the GeoPackages): the main process writes them after all the others are
done.  Every product computes its bytes from the context alone, so the files are the
same whatever the number of workers or the order in which they finish.

Memory: every page a helper writes is a page added to the machine's use, so the
objects alive at the fork are frozen for the garbage collector (``gc.freeze``: a
collection would otherwise write to every one of them), each product's garbage is
collected as soon as it is written, and the largest product stays in the main process,
whose heap has room left by the pipeline.

A product that fails in a helper fails the run as it would in one process: its
exception is raised again in the main process (same type, its traceback attached as
the cause, a note naming the product), the other helpers are stopped, and nothing is
committed.  Ctrl-C reaches the main process, which stops the helpers before the
staging folder is removed; the helpers ignore it themselves and stop when the main
process is gone.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from geoplan.forked import (
    ForkedProcessError,
    describe,
    enter_child,
    flush_streams,
    process_count,
    rebuild,
    stop,
)
from geoplan.memory import release_freed_memory

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess
    from multiprocessing.sharedctypes import Synchronized

__all__ = [
    "WORKERS_ENV",
    "Product",
    "RenderWorkerError",
    "frozen_heap",
    "render_workers",
    "write_product",
    "write_products",
]

WORKERS_ENV = "GEOPLAN_RENDER_WORKERS"
DEFAULT_WORKERS = 2  # one helper: the render's products split well in two; more costs memory

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Product:
    """One group of output files, written by one call.

    Parameters
    ----------
    label
        The files it writes, as the progress message shows them.
    write
        Writes the files into the staging folder; returns their names.
    cost
        CPU seconds it took on the demo: the most expensive go first.
    last
        It reads files of other products, so it is written after all of them.
    plan_free
        Neither its files nor whether it is written depend on the plan: it may be
        written while the plan is still being made.
    """

    label: str
    write: Callable[[], list[str]]
    cost: float = 0.0
    last: bool = False
    plan_free: bool = False


class RenderWorkerError(ForkedProcessError):
    """A render helper process stopped without reporting (killed, out of memory)."""


def render_workers(requested: int | None = None) -> int:
    """Return how many processes write the outputs.

    Parameters
    ----------
    requested
        An explicit count (``write_outputs(workers=...)``); otherwise
        ``$GEOPLAN_RENDER_WORKERS``, otherwise on Linux 2 or the number of usable
        cores if fewer, elsewhere 1.  1 writes everything in this process.  Without
        the ``fork`` start method (Windows) or inside a daemonic process the count
        is 1.

    Raises
    ------
    GeoplanError
        If ``$GEOPLAN_RENDER_WORKERS`` is not a whole number of at least 1.
    """
    return process_count(WORKERS_ENV, requested, DEFAULT_WORKERS)


def write_products(
    products: Sequence[Product],
    workers: int,
    progress: Progress | None = None,
    *,
    done: Mapping[str, list[str]] | None = None,
) -> list[str]:
    """Write every product; return their file names in the order of ``products``.

    Parameters
    ----------
    products
        The products, in the order their names are listed.
    workers
        Processes to write on (see :func:`render_workers`); 1 writes them in order here.
    progress
        Called with a product's label when it starts (in this process or a helper).
    done
        The names of the products already written (by label, e.g. beside the plan):
        they are not written again, and their names are listed in their place.
    """
    step = progress or (lambda label: None)
    written: dict[int, list[str]] = {
        i: list(done[p.label]) for i, p in enumerate(products) if done and p.label in done
    }
    pool = [i for i, p in enumerate(products) if i not in written and not p.last]
    helpers = min(workers, len(pool)) - 1
    if helpers < 1:
        with frozen_heap():
            for i, product in enumerate(products):
                if i not in written:
                    written[i] = write_product(product, step)
    else:
        order = sorted(range(len(products)), key=lambda i: -products[i].cost)
        queue = [i for i in order if i in pool]
        release_freed_memory()
        with frozen_heap():  # in a helper, a collection would write to every shared object
            written.update(_write_shared(products, queue, helpers, step))
        for i in order:
            if products[i].last and i not in written:
                written[i] = write_product(products[i], step)
    return [name for i in range(len(products)) for name in written[i]]


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep the objects alive now out of the garbage collector's passes within the block.

    The pipeline's results are millions of objects that the render never frees: without
    this, every full collection while writing walks all of them (about 0.5 s of the demo's
    render), and in a forked helper it would write to every shared page.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def write_product(product: Product, progress: Progress, *, collect: bool = False) -> list[str]:
    """Write one product in this process; return its file names.

    A failure carries a note naming the product; the freed heap goes back to the system
    afterwards (after a garbage collection with ``collect``).
    """
    progress(product.label)
    try:
        names = product.write()
    except Exception as exc:
        exc.add_note(f"while writing {product.label}")
        raise
    if collect:  # cheap while the shared objects are frozen; see _helper
        gc.collect()
    # one group's freed heap goes back now, so the render's peak is one group's, not the sum
    # of their leftovers
    release_freed_memory()
    return names


def _claim(counter: Synchronized[int], size: int) -> int:
    """Take the next index of the shared queue (``size`` when it is empty)."""
    with counter.get_lock():
        index = int(counter.value)
        if index < size:
            counter.value = index + 1
        return index


def _write_shared(
    products: Sequence[Product], queue: list[int], helpers: int, step: Progress
) -> dict[int, list[str]]:
    """Write the ``queue`` of products on this process and ``helpers`` forked ones."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("i", 0)
    parent = os.getpid()
    written: dict[int, list[str]] = {}
    running: dict[Connection, tuple[BaseProcess, list[int]]] = {}
    # This process takes the most expensive product (the hazard map, which also needs the
    # most memory): its heap has room left by the pipeline, while all a helper allocates adds.
    index = _claim(counter, len(queue))
    flush_streams()
    try:
        for _ in range(helpers):
            ours, theirs = ctx.Pipe(duplex=False)
            helper: BaseProcess = ctx.Process(
                target=_helper,
                args=(products, queue, counter, theirs, parent),
                name="geoplan-render",
                daemon=True,
            )
            helper.start()
            theirs.close()
            running[ours] = (helper, [])
        while index < len(queue):
            _collect(running, products, queue, written, step, block=False)
            written[queue[index]] = write_product(products[queue[index]], step, collect=True)
            index = _claim(counter, len(queue))
        while running:
            _collect(running, products, queue, written, step, block=True)
    finally:
        lock = counter.get_lock()
        if lock.acquire(timeout=1):  # a helper killed while holding it must not hang us
            counter.value = len(queue)  # the helpers take nothing more
            lock.release()
        for conn, (proc, _) in running.items():
            stop(proc)
            conn.close()
    missing = [products[i].label for i in queue if i not in written]
    if missing:  # pragma: no cover - a helper exits 0 only when the queue is empty
        raise RenderWorkerError(f"the render processes did not write {', '.join(missing)}")
    return written


def _collect(
    running: dict[Connection, tuple[BaseProcess, list[int]]],
    products: Sequence[Product],
    queue: list[int],
    written: dict[int, list[str]],
    step: Progress,
    *,
    block: bool,
) -> None:
    """Read the helpers' reports; raise a helper's failure here."""
    from multiprocessing.connection import wait

    for ready in wait(list(running), timeout=None if block else 0):
        conn = cast("Connection", ready)
        proc, started = running[conn]
        try:
            message: tuple[Any, ...] = conn.recv()
        except EOFError:
            proc.join()
            del running[conn]
            conn.close()
            if proc.exitcode:
                unfinished = [products[queue[i]].label for i in started if i not in written]
                raise _lost(proc, unfinished) from None
            continue
        kind, index = message[0], int(message[1])
        if kind == "start":
            started.append(index)
            step(products[queue[index]].label)
        elif kind == "done":
            written[queue[index]] = list(message[2])
        else:
            raise _failure(products[queue[index]].label, *message[2:])


def _failure(label: str, blob: bytes | None, summary: str, trace: str) -> BaseException:
    """Rebuild a helper's exception, naming the product and carrying the helper's traceback."""
    exc = rebuild(
        blob, summary, trace, where="the render process",
        fallback=lambda text: RenderWorkerError(f"{label}: {text} (in a render process)"),
    )  # fmt: skip
    exc.add_note(f"while writing {label} (in a render process)")
    return exc


def _lost(proc: BaseProcess, unfinished: list[str]) -> RenderWorkerError:
    """Return the error for a helper that died without reporting (killed, out of memory)."""
    what = f"writing {', '.join(unfinished)}" if unfinished else "starting"
    msg = (
        f"the render process stopped while {what} (exit code {proc.exitcode}); nothing was "
        f"changed; run again, or with {WORKERS_ENV}=1 to write everything in one process"
    )
    return RenderWorkerError(msg)


def _helper(
    products: Sequence[Product],
    queue: list[int],
    counter: Synchronized[int],
    conn: Connection,
    parent: int,
) -> None:
    """Body of a helper: write products from the shared queue, report each to the parent."""
    enter_child(parent)  # Ctrl-C is the main process's to handle; dies with it
    try:
        while (index := _claim(counter, len(queue))) < len(queue):
            if os.getppid() != parent:
                return  # the main process is gone: nobody will commit these files
            conn.send(("start", index))
            try:
                names = products[queue[index]].write()
                # a product's cycles (a matplotlib figure and its 5 MB canvas...) freed now
                # rather than whenever the collector runs: each helper page is memory added
                gc.collect()
                release_freed_memory()
            except BaseException as exc:
                conn.send(("failed", index, *describe(exc)))
                return
            conn.send(("done", index, names))
    except (BrokenPipeError, ConnectionResetError):
        return
    finally:
        conn.close()
