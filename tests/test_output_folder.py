"""The output folder promise: geoplan never deletes, moves or overwrites a file it did not write.

The writer runs on the small synthetic result of ``_render_fixtures`` (no pipeline);
a written folder is made once per module and copied for the cases that need
"a previous run".
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from _render_fixtures import make_result

import geoplan.render.outputs as outputs
from geoplan.errors import GeoplanError
from geoplan.render import output_folder, write_outputs
from geoplan.render.outfolder import STAGING_PREFIX, OutputFolderError, deferred_interrupts


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not str(p.relative_to(folder)).startswith(STAGING_PREFIX)
    }


def _user_files(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("ghi chú: đừng xoá", encoding="utf-8")
    (folder / "photos").mkdir(exist_ok=True)
    (folder / "photos" / "lang-1.jpg").write_bytes(os.urandom(2048))
    (folder / "draft.xlsx").write_bytes(b"PK\x03\x04 not really")


def _staging(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(STAGING_PREFIX)]


@pytest.fixture(scope="module")
def result():
    return make_result()


@pytest.fixture(scope="module")
def written(result, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("written") / "out"
    write_outputs(result, folder)
    return folder


@pytest.fixture
def previous(written, tmp_path) -> Path:
    """A copy of a finished output folder (as a previous run left it)."""
    folder = tmp_path / "out"
    shutil.copytree(written, folder)
    return folder


def test_manifest_lists_exactly_the_files_written(written):
    manifest = json.loads((written / "run.json").read_text(encoding="utf-8"))["written_files"]
    assert manifest == sorted(p.name for p in written.iterdir())
    assert "run.json" in manifest and "rankings.xlsx" in manifest


def test_files_and_folder_follow_the_umask(written):
    mask = os.umask(0)
    os.umask(mask)
    assert (written.stat().st_mode & 0o777) == (0o777 & ~mask)
    for path in written.iterdir():
        assert (path.stat().st_mode & 0o777) == (0o666 & ~mask), path.name


def test_rerun_into_a_folder_with_user_files_touches_none(result, previous):
    _user_files(previous)
    # a hand-edited manifest naming the user's files must not make them geoplan's
    run = json.loads((previous / "run.json").read_text(encoding="utf-8"))
    ours = set(run["written_files"])
    run["written_files"] += ["notes.txt", "photos", "../outside.txt"]
    (previous / "run.json").write_text(json.dumps(run), encoding="utf-8")
    (previous.parent / "outside.txt").write_text("ngoài", encoding="utf-8")
    before = _snapshot(previous)
    foreign = {k: v for k, v in before.items() if k not in ours}
    assert set(foreign) == {"notes.txt", "photos/lang-1.jpg", "draft.xlsx"}
    files = write_outputs(result, previous)
    after = _snapshot(previous)
    assert {k: after[k] for k in foreign} == foreign
    assert (previous.parent / "outside.txt").exists()
    assert _staging(previous) == []
    assert {f.name for f in files} == ours <= set(after)
    # same inputs, same outputs: every file geoplan rewrote is byte-identical but run.json
    # (the demo's outputs are compared across two independent runs in test_cli.py)
    assert {k: after[k] for k in ours if k != "run.json"} == {
        k: before[k] for k in ours if k != "run.json"
    }


def test_first_run_into_a_folder_with_user_files_touches_none(result, tmp_path):
    folder = tmp_path / "shared"
    _user_files(folder)
    before = _snapshot(folder)
    files = write_outputs(result, folder)
    after = _snapshot(folder)
    assert {k: after[k] for k in before} == before
    assert set(after) == set(before) | {f.name for f in files}


@pytest.mark.parametrize("name", ["rankings.csv", "report.html", "run.json"])
def test_an_output_named_file_not_written_by_geoplan_is_refused(name, tmp_path):
    folder = tmp_path / "out"
    _user_files(folder)
    (folder / name).write_text("của người dùng", encoding="utf-8")
    before = _snapshot(folder)
    with pytest.raises(OutputFolderError, match=f"will not overwrite {name}"):
        output_folder(folder)
    assert _snapshot(folder) == before and _staging(folder) == []


def test_a_symlink_named_like_an_output_is_refused(tmp_path):
    target = tmp_path / "precious.csv"
    target.write_text("x", encoding="utf-8")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "rankings.csv").symlink_to(target)
    with pytest.raises(OutputFolderError, match=r"rankings\.csv"):
        output_folder(folder)
    assert target.read_text(encoding="utf-8") == "x"


def test_outputs_no_longer_written_are_removed_only_if_ours(result, previous, tmp_path):
    bare = make_result(plan=False, model=False, dem=False, extras=False)
    (previous / "notes.txt").write_text("x", encoding="utf-8")
    write_outputs(bare, previous)
    names = {p.name for p in previous.iterdir()}
    assert "landslide_model.json" not in names  # ours, no longer produced
    assert "notes.txt" in names
    manifest = json.loads((previous / "run.json").read_text())["written_files"]
    assert set(manifest) == names - {"notes.txt"}


def test_failure_while_writing_leaves_the_previous_outputs(result, previous, monkeypatch):
    before = _snapshot(previous)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(previous / "x" / "rankings.xlsx"))

    monkeypatch.setattr(outputs, "write_xlsx", full)
    with pytest.raises(OutputFolderError, match="no space left") as info:
        write_outputs(result, previous)
    assert str(previous) in str(info.value) and STAGING_PREFIX not in str(info.value)
    assert _snapshot(previous) == before and _staging(previous) == []


def test_ctrl_c_while_writing_leaves_the_previous_outputs(result, previous, monkeypatch):
    before = _snapshot(previous)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs, "save_map", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_outputs(result, previous)
    assert _snapshot(previous) == before and _staging(previous) == []


def test_little_free_space_is_refused_before_work(tmp_path, monkeypatch):
    import geoplan.render.outfolder as outfolder

    monkeypatch.setattr(
        outfolder.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10, 9, 1)
    )
    with pytest.raises(OutputFolderError, match="MiB free") as info:
        output_folder(tmp_path / "out")
    assert str(tmp_path / "out") in str(info.value)
    assert not (tmp_path / "out").exists()  # the folder it created is removed again


def _write_then_hang(result, folder: str, ready) -> None:
    def progress(step: str) -> None:
        if step == "dashboard.html":
            ready.set()
            time.sleep(60)

    write_outputs(result, folder, progress=progress)


def test_kill_9_while_writing_keeps_the_previous_outputs(result, previous):
    _user_files(previous)
    before = _snapshot(previous)
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    child = ctx.Process(target=_write_then_hang, args=(result, str(previous), ready))
    child.start()
    try:
        assert ready.wait(120), "the writer never reached dashboard.html"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.join()
    assert child.exitcode == -signal.SIGKILL
    assert _snapshot(previous) == before  # nothing replaced, nothing lost
    assert len(_staging(previous)) == 1  # the killed run's staging folder
    output_folder(previous)  # the next run cleans it before starting
    assert _staging(previous) == []
    assert _snapshot(previous) == before


def _forget(folder: Path, name: str) -> None:
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    run["written_files"].remove(name)
    (folder / "run.json").write_text(json.dumps(run), encoding="utf-8")


def test_files_a_killed_commit_moved_in_stay_ours(previous):
    # killed between two renames: crosswalk.csv is new, run.json (renamed last) still old
    _forget(previous, "crosswalk.csv")
    stale = previous / f"{STAGING_PREFIX}999999-0123abcd"
    stale.mkdir()
    (stale / ".commit.json").write_text(json.dumps(["crosswalk.csv", "run.json"]))
    folder = output_folder(previous)
    assert "crosswalk.csv" in folder.previous and not stale.exists()


def test_without_a_journal_an_unlisted_output_file_is_foreign(previous):
    _forget(previous, "crosswalk.csv")
    with pytest.raises(OutputFolderError, match="crosswalk"):
        output_folder(previous)


def test_a_second_ctrl_c_is_not_swallowed():
    with pytest.raises(KeyboardInterrupt), deferred_interrupts():
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
        pytest.fail("the second Ctrl-C was swallowed")


def test_a_first_ctrl_c_is_held_until_the_moves_are_done():
    done = []
    with pytest.raises(KeyboardInterrupt), deferred_interrupts():
        os.kill(os.getpid(), signal.SIGINT)
        done.append(True)
    assert done == [True]


def test_output_folder_errors_are_geoplan_errors():
    assert issubclass(OutputFolderError, GeoplanError)
