"""The output folder: geoplan replaces only the files it wrote, each atomically.

A run renders into a hidden staging folder inside the output folder (same file
system, so a mount point or a shared folder works), then moves each finished
file over its previous version with :func:`os.replace`.  ``run.json`` keeps the
manifest of the files written; a rerun replaces only those and refuses to
overwrite any other file.  Staging folders left by a killed run are recognised
by their name and removed by the next run, and the files they were committing
count as geoplan's.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from geoplan.errors import GeoplanError

if TYPE_CHECKING:
    from geoplan.scenario import Scenario

__all__ = [
    "MANIFEST_KEY",
    "OutputFolder",
    "OutputFolderError",
    "check_writable_file",
    "deferred_interrupts",
    "output_folder",
    "scenario_inputs",
]

MANIFEST_KEY = "written_files"
RUN_JSON = "run.json"
JOURNAL = ".commit.json"
STAGING_PREFIX = ".geoplan-staging-"
_STAGING = re.compile(r"^\.geoplan-staging-(\d+)-[0-9a-f]{8}$")
# the files of the output contract, used only to adopt a folder written before manifests
_LEGACY = re.compile(
    r"^(priority_[a-z_]+\.(html|png)|hazard_overlay\.(html|png)|dashboard\.html|report\.html"
    r"|rankings\.(gpkg|csv|xlsx)|landslide_model\.(json|gpkg)|resettlement_[a-z_]+\.(gpkg|csv)"
    r"|allocation\.csv|targets[a-z_0-9]*\.csv|crosswalk\.csv|project\.qgz|rankings_shp\.zip"
    r"|run\.json)$"
)
MIN_FREE_BYTES = 32 * 1024 * 1024


class OutputFolderError(GeoplanError, OSError):
    """The output folder cannot be used (foreign files, an input inside, not writable)."""


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _plain_name(name: str) -> bool:
    """Return whether a manifest entry names a file directly in the folder."""
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name


def _read_manifest(folder: Path) -> set[str] | None:
    """Return the names listed in ``folder/run.json``; ``None`` when there is no run.json."""
    path = folder / RUN_JSON
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if not isinstance(data, dict):
        return set()
    names = data.get(MANIFEST_KEY)
    if isinstance(names, list):
        return {n for n in names if isinstance(n, str) and _plain_name(n)}
    if "geoplan" not in data:
        return set()  # someone else's run.json: it is theirs, nothing in the folder is ours
    # a folder from geoplan before manifests: adopt the contract's file names only
    return {p.name for p in folder.iterdir() if p.is_file() and _LEGACY.match(p.name)}


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _error(path: Path, exc: OSError, doing: str) -> OutputFolderError:
    reason = exc.strerror or str(exc)
    if getattr(exc, "errno", None) == 28:
        reason = "no space left on the device"
    return OutputFolderError(f"{path}: cannot {doing}: {reason}")


def check_writable_file(path: Path, *, option: str) -> None:
    """Refuse early a file path that cannot be written (missing parent, read-only, a folder).

    Parameters
    ----------
    path
        The file that will be written at the end of the command.
    option
        The option that names it (``--json``...), quoted in the message.

    Raises
    ------
    OutputFolderError
        Naming the path and the reason.
    """
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputFolderError(f"{path}: {option} names a folder; give a file name")
    if not parent.is_dir():
        raise OutputFolderError(f"{path}: the folder {parent} does not exist ({option})")
    probe = parent / f"{STAGING_PREFIX}{os.getpid()}-probe"
    try:
        probe.write_bytes(b"geoplan")
        probe.unlink()
    except OSError as exc:
        with contextlib.suppress(OSError):
            probe.unlink()
        raise _error(path, exc, f"write {option} here") from exc
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputFolderError(f"{path}: cannot write {option} here: permission denied")


@dataclass
class OutputFolder:
    """An output folder being written by one run.

    Parameters
    ----------
    path
        The folder; created when missing (its parent must exist unless
        ``create_parents``).
    inputs
        Files the run reads; the folder may neither be nor contain one of them.
    create_parents
        Create missing parent folders (the default ``maps/<name>/``).
    """

    path: Path
    inputs: Iterable[Path] = ()
    create_parents: bool = False
    staging: Path | None = field(default=None, init=False)
    previous: set[str] = field(default_factory=set, init=False)
    _journals: list[set[str]] = field(default_factory=list, init=False)
    _created: list[Path] = field(default_factory=list, init=False)
    _committed: bool = field(default=False, init=False)

    def preflight(self) -> None:
        """Check everything about the folder before any work is done.

        Raises
        ------
        OutputFolderError
            If the folder is or contains an input, cannot be created or written,
            has too little free space, or is a file.
        """
        try:
            self._preflight()
        except BaseException:
            self.abort()  # a folder created for this run goes again
            raise

    def _preflight(self) -> None:
        self._refuse_inputs()
        out = self.path
        if out.exists() and not out.is_dir():
            raise OutputFolderError(f"{out}: --out must be a folder, this is a file")
        if not out.exists():
            if not out.parent.is_dir() and not self.create_parents:
                msg = f"{out}: the parent folder {out.parent} does not exist; create it first"
                raise OutputFolderError(msg)
            missing = [p for p in (out, *out.parents) if not p.exists()]
            try:
                out.mkdir(parents=True, exist_ok=True)
                self._created = missing  # deepest first: removed again if the run fails
            except OSError as exc:
                raise _error(out, exc, "create the output folder") from exc
        probe = out / f"{STAGING_PREFIX}{os.getpid()}-probe"
        try:
            probe.write_bytes(b"geoplan")
            probe.unlink()
        except OSError as exc:
            with contextlib.suppress(OSError):
                probe.unlink()
            raise _error(out, exc, "write in the output folder") from exc
        try:
            free = shutil.disk_usage(out).free
        except OSError:
            free = MIN_FREE_BYTES
        if free < MIN_FREE_BYTES:
            msg = (
                f"{out}: only {free // (1024 * 1024)} MiB free on the device; geoplan needs "
                f"at least {MIN_FREE_BYTES // (1024 * 1024)} MiB to write its outputs"
            )
            raise OutputFolderError(msg)
        self.clean_stale()
        self.previous = self._ours()
        contract = [p.name for p in out.iterdir() if _LEGACY.match(p.name)]
        clash = self.foreign(contract)
        if clash:
            raise OutputFolderError(self._clash_message(clash))

    def _clash_message(self, clash: list[str]) -> str:
        return (
            f"{self.path}: will not overwrite {', '.join(clash)}: not written by geoplan "
            f"(not in the folder's {RUN_JSON}); move them or choose another --out"
        )

    def _refuse_inputs(self) -> None:
        out = self.path.resolve()
        for item in self.inputs:
            inp = Path(item).resolve()
            if inp == out or out in inp.parents:
                msg = (
                    f"{self.path}: --out is or contains an input of the scenario ({inp}); "
                    "choose a separate output folder"
                )
                raise OutputFolderError(msg)

    def stale_staging(self) -> list[Path]:
        """Return the staging folders of runs that are no longer alive."""
        if not self.path.is_dir():
            return []
        found = []
        for child in self.path.iterdir():
            m = _STAGING.match(child.name)
            if m and child.is_dir() and not child.is_symlink() and not _pid_alive(int(m[1])):
                found.append(child)
        return sorted(found)

    def _ours(self) -> set[str]:
        ours = _read_manifest(self.path) or set()
        for stale in self._journals:
            ours |= stale
        return ours

    def clean_stale(self) -> None:
        """Remove the staging folders of killed runs, remembering what they were committing."""
        for folder in self.stale_staging():
            journal = folder / JOURNAL
            with contextlib.suppress(OSError, ValueError):
                names = json.loads(journal.read_text(encoding="utf-8"))
                if isinstance(names, list):
                    self._journals.append({n for n in names if isinstance(n, str)})
            shutil.rmtree(folder, ignore_errors=True)

    def begin(self) -> Path:
        """Create this run's staging folder and return it."""
        name = f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        staging = self.path / name
        try:
            staging.mkdir()
        except OSError as exc:
            raise _error(self.path, exc, "write in the output folder") from exc
        self.staging = staging
        return staging

    def foreign(self, names: Iterable[str]) -> list[str]:
        """Return the names that exist in the folder but were not written by geoplan."""
        return sorted(n for n in names if n not in self.previous and os.path.lexists(self.path / n))

    def commit(self, names: list[str]) -> None:
        """Move the staged files over their previous versions, ``run.json`` last.

        Raises
        ------
        OutputFolderError
            If a staged name is an existing file geoplan did not write.
        """
        assert self.staging is not None
        clash = self.foreign(names)
        if clash:
            raise OutputFolderError(self._clash_message(clash))
        order = [n for n in names if n != RUN_JSON] + [n for n in names if n == RUN_JSON]
        for name in order:
            _fsync_file(self.staging / name)
        journal = self.staging / JOURNAL
        journal.write_text(json.dumps(sorted(set(names) | self.previous)), encoding="utf-8")
        _fsync_file(journal)
        with deferred_interrupts():
            self._committed = True
            for name in order:
                os.replace(self.staging / name, self.path / name)
            _fsync_dir(self.path)
            self._drop_stale_outputs(set(names))
            self.abort()

    def _drop_stale_outputs(self, written: set[str]) -> None:
        """Remove files of the previous run that this run no longer writes (they were ours)."""
        for name in sorted(self.previous - written):
            if not _LEGACY.match(name):
                continue  # only contract names: a hand-edited manifest cannot delete other files
            target = self.path / name
            if target.is_file() and not target.is_symlink():
                with contextlib.suppress(OSError):
                    target.unlink()

    def abort(self) -> None:
        """Remove this run's staging folder (the previous outputs stay as they were).

        Before a commit, the folders :meth:`preflight` created are removed too
        when still empty, so a failed first run leaves nothing behind.
        """
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        if not self._committed:
            for folder in self._created:
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only when empty: never removes anything else
            self._created = []


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold a first Ctrl-C or SIGTERM until the block ends; a second one interrupts at once.

    The block is a handful of renames, so holding the first signal keeps the
    folder consistent without making geoplan feel stuck.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    old: dict[signal.Signals, Any] = {}

    def hold(signum: int, frame: FrameType | None) -> None:
        if received:
            raise KeyboardInterrupt
        received.append(signum)
        sys.stderr.write("geoplan: finishing the file moves; press Ctrl-C again to stop now\n")

    for sig in (signal.SIGINT, signal.SIGTERM):
        old[sig] = signal.signal(sig, hold)
    try:
        yield
    finally:
        for number, handler in old.items():
            signal.signal(number, handler)
    if received:
        if received[0] == signal.SIGTERM:
            raise SystemExit(128 + signal.SIGTERM)
        raise KeyboardInterrupt


def scenario_inputs(scenario: Scenario | None) -> list[Path]:
    """Return every file a scenario reads: the scenario itself, layers and joined tables."""
    if scenario is None:
        return []
    found: list[Path] = []
    if scenario.source:
        found.append(Path(scenario.source))
    for spec in scenario.layer_specs().values():
        path = Path(spec.path)
        found.append(path)
        for join in spec.join or []:
            jp = Path(join.path)
            found.append(jp if jp.is_absolute() else path.parent / jp)
    return found


def output_folder(
    out_dir: str | Path, scenario: Scenario | None = None, *, create_parents: bool = True
) -> OutputFolder:
    """Return the checked output folder for a run of ``scenario`` (see :class:`OutputFolder`).

    Call it before the pipeline runs so that a bad ``--out`` fails at once.

    Raises
    ------
    OutputFolderError
        If the folder is or contains an input, cannot be written, or holds
        output-named files geoplan did not write.
    """
    folder = OutputFolder(
        Path(out_dir), inputs=scenario_inputs(scenario), create_parents=create_parents
    )
    folder.preflight()
    return folder
