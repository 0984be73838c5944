"""The real thing: offline model, real scenes, sandbox and training (slow; needs the tools layer)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

from roboskill.config import load_settings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("roboskill.tools.executor") is None,
                       reason="roboskill.tools.executor has not landed yet"),
]


def _roboskill(*args: str, stdin: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(["roboskill", *args], input=stdin, capture_output=True, text=True, timeout=timeout)


def _status(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text())


def test_run_two_tasks_learns_a_skill() -> None:
    res = _roboskill("run", "--max-tasks", "2", "--no-live")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    (run_dir,) = list(load_settings().runs_root.iterdir())
    status = _status(run_dir)
    assert status["status"] == "finished" and status["skills"], status
    assert any(s.get("video") and Path(s["video"]).exists() for s in status["skills"])
    assert "video of" in res.stdout and "traces.sqlite" in res.stdout
    skills = _roboskill("skills", "list")
    assert status["skills"][0]["name"] in skills.stdout


def test_learn_open_the_top_drawer() -> None:
    res = _roboskill("learn", "open the top drawer", "--no-live")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    (run_dir,) = list(load_settings().runs_root.iterdir())
    assert _status(run_dir)["skills"][0]["name"] == "open_the_top_drawer"


def test_scripted_chat_with_offline_model() -> None:
    res = _roboskill("chat", "--max-tasks", "1", stdin="focus on articulated objects\nreject too easy\napprove\n")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    (run_dir,) = list(load_settings().runs_root.iterdir())
    status = _status(run_dir)
    assert status["directives"] and status["status"] == "finished"
    assert "skill(s) learned" in res.stdout and status["skills"]
    trace = _roboskill("traces", "show", status["run_id"], "--full")
    assert trace.returncode == 0, trace.stderr
    assert "directives" in trace.stdout and "focus on articulated objects" in trace.stdout
