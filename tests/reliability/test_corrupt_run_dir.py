"""A corrupted run directory gives a clear error naming the file, and never loses data.

Each case: a real finished run (runner + checkpoints + trace store, scripted models, fake trainer), one file
replaced with garbage / truncated / emptied, then `roboskill run --resume ID` and `roboskill traces show|export
ID`. Every file of the run directory is hashed before and after: nothing may be deleted or rewritten
(run.json is a derived summary the resume rewrites; its unreadable bytes must be kept as run.json.corrupt).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from roboskill.agents.runner import open_run
from roboskill.cli.main import app
from roboskill.config import load_settings
from tests.agents import fakes as F
from tests.agents.test_runner import factory, scripts

GARBAGE = b"this is not a database \x00\xff" * 64


def _fake_world(monkeypatch: pytest.MonkeyPatch) -> Any:
    make = factory(F.ScriptedChatModel(scripts=scripts()), F.FakeLibrary(), F.FakeTrainer([[0.9]]))
    monkeypatch.setattr("roboskill.agents.runner.default_deps", make)
    return make


def _finished_run(run_id: str, make: Any) -> Path:
    with open_run(load_settings(budgets={"max_tasks": 1}), run_id=run_id, deps_factory=make) as run:
        assert run.start().status == "finished"
        return run.run_dir


def _hashes(run_dir: Path) -> dict[str, str]:
    """Content hash of every file except SQLite's own -wal/-shm side files (readers may create those)."""
    return {str(p.relative_to(run_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(run_dir.rglob("*")) if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


def _corrupt(path: Path, how: str) -> None:
    for side in ("-wal", "-shm"):
        Path(f"{path}{side}").unlink(missing_ok=True)
    if how == "garbage":
        path.write_bytes(GARBAGE)
    elif how == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "binary":
        path.write_bytes(b"\xff\xfe\x00garbage")


def _no_traceback(res: Any) -> str:
    out = res.output
    assert "Traceback" not in out, out
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    return out


@pytest.mark.parametrize("fname, how", [
    ("checkpoints.sqlite", "garbage"), ("checkpoints.sqlite", "truncated"), ("checkpoints.sqlite", "empty"),
    ("traces.sqlite", "garbage"), ("traces.sqlite", "truncated"),
])
def test_corrupted_store_resume_names_file_and_keeps_it(monkeypatch: pytest.MonkeyPatch, fname: str, how: str) -> None:
    make = _fake_world(monkeypatch)
    run_dir = _finished_run(f"r_{fname.split('.')[0]}_{how}", make)
    target = run_dir / fname
    _corrupt(target, how)
    before = _hashes(run_dir)
    res = CliRunner().invoke(app, ["run", "--resume", run_dir.name, "--no-live", "--max-tasks", "2"])
    out = _no_traceback(res)
    assert res.exit_code != 0, out
    assert str(target) in out.replace("\n", ""), f"error must name {target}: {out}"
    assert _hashes(run_dir) == before, "resume must not delete or rewrite anything in a corrupted run"


@pytest.mark.parametrize("how", ["garbage", "truncated", "empty"])
def test_corrupted_trace_store_traces_commands_name_file(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    make = _fake_world(monkeypatch)
    run_dir = _finished_run(f"t_{how}", make)
    target = run_dir / "traces.sqlite"
    _corrupt(target, how)
    before = _hashes(run_dir)
    for cmd in (["traces", "show", run_dir.name], ["traces", "export", run_dir.name, "--format", "jsonl"],
                ["traces", "show", run_dir.name, "--json"]):
        res = CliRunner().invoke(app, cmd)
        out = _no_traceback(res)
        if how == "empty":  # an empty SQLite file is a valid, empty store: no spans is a fine answer
            assert res.exit_code in (0, 1), out
        else:
            assert res.exit_code != 0 and str(target) in out.replace("\n", ""), out
    assert _hashes(run_dir) == before


@pytest.mark.parametrize("how", ["garbage", "binary", "truncated"])
def test_corrupted_run_json(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """run.json is a derived summary: listing/showing still work, resume rebuilds it and keeps the old bytes."""
    make = _fake_world(monkeypatch)
    run_dir = _finished_run(f"j_{how}", make)
    target = run_dir / "run.json"
    _corrupt(target, how)
    bad = target.read_bytes()
    before = _hashes(run_dir)
    res = CliRunner().invoke(app, ["traces", "list", "--json"])
    _no_traceback(res)
    assert res.exit_code == 0 and run_dir.name in res.output
    res = CliRunner().invoke(app, ["traces", "show", run_dir.name])
    _no_traceback(res)
    assert res.exit_code == 0 and "push_cube_left" in res.output
    assert _hashes(run_dir) == before  # reading never writes
    res = CliRunner().invoke(app, ["run", "--resume", run_dir.name, "--no-live"])
    out = _no_traceback(res)
    assert res.exit_code == 0, out
    assert json.loads(target.read_text())["status"] == "finished"
    assert (run_dir / "run.json.corrupt").read_bytes() == bad, "the unreadable run.json must be kept"
    after = _hashes(run_dir)
    for name in ("checkpoints.sqlite", "config.yaml"):
        assert after[name] == before[name]


def test_resume_of_a_run_from_another_directory_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkpoint store copied from another run holds nothing for this id: clear error, nothing written."""
    import shutil

    make = _fake_world(monkeypatch)
    src = _finished_run("original", make)
    dst = src.parent / "copied"
    shutil.copytree(src, dst)
    before = _hashes(dst)
    res = CliRunner().invoke(app, ["run", "--resume", "copied", "--no-live"])
    out = _no_traceback(res)
    assert res.exit_code != 0 and "checkpoints.sqlite" in out and "no checkpoint" in out, out
    assert _hashes(dst) == before


def test_corrupted_library_on_resume_names_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The real default deps open the library: a corrupted records.sqlite stops the run with its name."""
    import roboskill.agents.runner as runner

    real = runner.default_deps
    make = _fake_world(monkeypatch)
    run_dir = _finished_run("lib_corrupt", make)
    monkeypatch.setattr(runner, "default_deps", real)  # the real deps open the real SkillLibrary
    lib = load_settings().library_dir
    lib.mkdir(parents=True, exist_ok=True)
    (lib / "records.sqlite").write_bytes(GARBAGE)
    before = (lib / "records.sqlite").read_bytes()
    res = CliRunner().invoke(app, ["run", "--resume", run_dir.name, "--no-live", "--max-tasks", "2"])
    out = _no_traceback(res)
    assert res.exit_code != 0 and "records.sqlite" in out, out
    assert (lib / "records.sqlite").read_bytes() == before
