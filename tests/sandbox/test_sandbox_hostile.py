"""Every file of the hostile corpus (tests/data/hostile/) is rejected before it runs or stopped while
it runs, with a clear message at the right line, and leaves no file, process or leaked secret behind.

Each corpus file starts with a header:
    # ATTACK: what it tries
    # EXPECT: rejected | stopped
    # MESSAGE: a substring the error message must contain
and marks the line the error must point at with "# <- reported here".
"""

from __future__ import annotations

import math
import os
import signal
from pathlib import Path

import numpy as np
import pytest

from roboskill.tools.sandbox import (
    SandboxError,
    check_code,
    load_reward_module,
    run_in_sandbox_process,
)

from .stubs import StubState

HOSTILE_DIR = Path(__file__).resolve().parents[1] / "data" / "hostile"
FILES = sorted(HOSTILE_DIR.glob("*.py"))
CANARY_PATH = Path("/tmp/roboskill_canary_file")
CANARY_ENV = "ROBOSKILL_SANDBOX_CANARY"
CANARY_VALUE = "canary-7f3a9c-do-not-leak"


def _header(source: str, key: str) -> str | None:
    for line in source.splitlines():
        if line.startswith(f"# {key}:"):
            return line.split(":", 1)[1].strip()
    return None


def _marked_lines(source: str) -> set[int]:
    """Lines marked "# <- reported here" (a loop interrupted by the timer may stop on any of them)."""
    return {i for i, line in enumerate(source.splitlines(), start=1) if "# <- reported here" in line}


def _run_hostile(source: str) -> str:
    """Runs inside the sandbox process: load and call both functions on a stub state."""
    functions = load_reward_module(source, time_limit_s=0.3)
    state = StubState()
    functions.compute_reward(state)
    functions.is_success(state)
    return "completed"


def _children(pid: int) -> list[str]:
    out: list[str] = []
    task_dir = Path(f"/proc/{pid}/task")
    if not task_dir.exists():
        return out
    for task in task_dir.iterdir():
        try:
            out += (task / "children").read_text().split()
        except OSError:
            continue
    return out


def test_corpus_is_large_and_documented() -> None:
    assert len(FILES) >= 40
    for path in FILES:
        source = path.read_text()
        assert _header(source, "ATTACK"), f"{path.name}: missing '# ATTACK:' header"
        assert _header(source, "EXPECT") in ("rejected", "stopped"), f"{path.name}: EXPECT must be rejected|stopped"
        assert _header(source, "MESSAGE"), f"{path.name}: missing '# MESSAGE:' header"
    stages = {_header(p.read_text(), "EXPECT") for p in FILES}
    assert stages == {"rejected", "stopped"}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_hostile_file_is_rejected_or_stopped(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = path.read_text()
    expect = _header(source, "EXPECT")
    expected_text = (_header(source, "MESSAGE") or "").lower()
    marked = _marked_lines(source)
    monkeypatch.setenv(CANARY_ENV, CANARY_VALUE)
    monkeypatch.chdir(tmp_path)
    CANARY_PATH.unlink(missing_ok=True)
    children_before = set(_children(os.getpid()))

    issues = check_code(source)
    if expect == "rejected":
        assert issues, f"{path.name} should be rejected statically"
        message = "\n".join(str(i) for i in issues)
        line = issues[0].line
        # loading refuses too, before executing anything
        with pytest.raises(SandboxError) as exc_info:
            load_reward_module(source)
        assert exc_info.value.kind == "check"
        assert exc_info.value.line == line
    else:
        assert issues == [], f"{path.name} is meant to pass the static check: {issues}"
        with pytest.raises(SandboxError) as exc_info:
            run_in_sandbox_process(_run_hostile, source, timeout_s=5, memory_mb=384)
        message = str(exc_info.value)
        line = exc_info.value.line

    assert expected_text in message.lower(), f"{path.name}: {message!r} should mention {expected_text!r}"
    assert len(message) < 2000, "error messages must stay short enough to feed back to an LLM"
    if marked:
        assert line in marked, f"{path.name}: reported line {line}, expected one of {marked}: {message}"
    assert CANARY_VALUE not in message
    assert list(tmp_path.iterdir()) == [], "no file may be written in the working directory"
    assert not CANARY_PATH.exists(), "no file may be written to the canary path"
    assert set(_children(os.getpid())) <= children_before, "no process may be left behind"


def test_host_process_healthy_after_corpus(stub_state: StubState) -> None:
    """Run the whole corpus through every layer in this process's children, then check the host."""
    sqrt, load, norm = math.sqrt, np.load, np.linalg.norm
    handler = signal.getsignal(signal.SIGALRM)
    for path in FILES:
        source = path.read_text()
        if not check_code(source):
            with pytest.raises(SandboxError):
                run_in_sandbox_process(_run_hostile, source, timeout_s=5, memory_mb=384)
    assert math.sqrt is sqrt and math.sqrt(4.0) == 2.0
    assert np.load is load and np.linalg.norm is norm
    assert signal.getsignal(signal.SIGALRM) == handler
    assert os.environ.get("PATH"), "the parent's environment is untouched (only children are emptied)"
    good = (HOSTILE_DIR.parents[2] / "examples" / "rewards" / "push_cube.py")
    assert good.exists()
    functions = load_reward_module("def compute_reward(state):\n    return 1.0, {'a': 1.0}\n"
                                   "def is_success(state):\n    return True\n")
    assert functions.compute_reward(stub_state) == (1.0, {"a": 1.0})
    assert functions.is_success(stub_state) is True
