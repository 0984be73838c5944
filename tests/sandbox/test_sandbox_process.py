"""The worker-process wall: results come back, memory / CPU / file / env limits hold, errors are clear."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from roboskill.tools.sandbox import SandboxError, SandboxProcessError, run_in_sandbox_process


def _double(x: int) -> int:
    return 2 * x


def _allocate(mb: int) -> int:
    return len(bytearray(mb * 1024 * 1024))


def _spin() -> None:
    x = 10 ** (10**8)  # C-level big-int work: no Python-level timer can interrupt it
    del x


def _write(path: str) -> int:
    with open(path, "w") as fh:
        fh.write("x" * 100_000)
    return 1


def _environment() -> dict[str, str]:
    return dict(os.environ)


def _raise_sandbox_error() -> None:
    raise SandboxError("boom", 7, kind="runtime")


def _raise_other() -> None:
    raise ValueError("plain failure")


def _hard_exit() -> None:
    os._exit(3)


def test_returns_result() -> None:
    assert run_in_sandbox_process(_double, 21, timeout_s=5) == 42


def test_memory_limit() -> None:
    with pytest.raises(SandboxProcessError) as exc_info:
        run_in_sandbox_process(_allocate, 2048, timeout_s=5, memory_mb=256)
    assert exc_info.value.kind == "memory" and "memory" in exc_info.value.message
    assert run_in_sandbox_process(_allocate, 16, timeout_s=5, memory_mb=256) == 16 * 1024 * 1024


def test_cpu_limit() -> None:
    with pytest.raises(SandboxProcessError) as exc_info:
        run_in_sandbox_process(_spin, timeout_s=1, memory_mb=512)
    assert exc_info.value.kind == "timeout"
    assert "CPU time" in exc_info.value.message or "timed out" in exc_info.value.message


def test_files_cannot_grow(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with pytest.raises(SandboxError, match="File too large"):
        run_in_sandbox_process(_write, str(target), timeout_s=5)
    assert not target.exists() or target.stat().st_size == 0


def test_environment_is_emptied(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROBOSKILL_SECRET_CANARY", "s3cr3t")
    assert run_in_sandbox_process(_environment, timeout_s=5) == {}
    assert "ROBOSKILL_SECRET_CANARY" in run_in_sandbox_process(_environment, timeout_s=5, keep_env=True)
    assert os.environ["ROBOSKILL_SECRET_CANARY"] == "s3cr3t"


def test_errors_come_back_with_line_and_kind() -> None:
    with pytest.raises(SandboxError) as exc_info:
        run_in_sandbox_process(_raise_sandbox_error, timeout_s=5)
    assert (exc_info.value.message, exc_info.value.line, exc_info.value.kind) == ("boom", 7, "runtime")
    with pytest.raises(SandboxProcessError, match="ValueError: plain failure"):
        run_in_sandbox_process(_raise_other, timeout_s=5)
    with pytest.raises(SandboxProcessError, match="exited with code 3"):
        run_in_sandbox_process(_hard_exit, timeout_s=5)
