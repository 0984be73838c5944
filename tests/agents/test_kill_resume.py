"""SIGKILL a run mid-way (during an LLM call, during training, between storing a skill and its
checkpoint), resume it, and check library, run state and checkpoints agree: nothing lost, no duplicate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from roboskill.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.reliability]


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.agents.killable_run", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ))


def _wait_marker(proc: subprocess.Popen, mark: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            break
        seen.append(line)
        if line.startswith(f"MARK {mark}"):
            return
    proc.kill()
    raise AssertionError(f"marker {mark!r} not seen; output:\n{''.join(seen)[-3000:]}")


@pytest.mark.parametrize("kill_at", ["llm", "train", "after_store"])
def test_sigkill_then_resume(kill_at: str) -> None:
    run_id = f"kill_{kill_at}"
    proc = _spawn("start", run_id, kill_at)
    _wait_marker(proc, kill_at)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    done = subprocess.run([sys.executable, "-m", "tests.agents.killable_run", "resume", run_id, "none"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "STATUS finished 2" in done.stdout, done.stdout

    from roboskill.memory import SkillLibrary

    settings = load_settings()
    lib = SkillLibrary(settings.library_dir)
    skills = lib.list()
    assert sorted(s.name for s in skills) == ["open_top_drawer", "push_cube_left"]  # none lost, none duplicated
    assert sorted(s.task_id for s in skills) == ["t001_push_cube_left", "t002_open_top_drawer"]
    status = json.loads((settings.runs_root / run_id / "run.json").read_text())
    assert status["status"] == "finished" and len(status["skills"]) == 2
    # no half-written artefact: every plan.json referenced is complete JSON, no temp files left behind
    run_dir = settings.runs_root / run_id
    for plan in run_dir.rglob("plan.json"):
        json.loads(plan.read_text())
    assert not [p for p in run_dir.rglob(".*.tmp*")]
