"""Ctrl-C / SIGTERM stop a run within seconds, mark it `interrupted` (resumable) and leave no worker behind;
`roboskill learn --resume RUN_ID` needs no task argument."""

from __future__ import annotations

import _thread
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from roboskill.cli.main import app
from roboskill.config import load_settings
from roboskill.tracing.runs import pid_running as _alive  # a zombie does not count
from roboskill.tracing.runs import read_run
from tests.agents import fakes as F
from tests.agents.test_cli import fake_world  # noqa: F401 - the fixture

STOP_WITHIN_S = 5.0


# ------------------------------------------------------------------------------------ helpers
def _descendants(pid: int) -> list[int]:
    try:
        import psutil

        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except ImportError:
        pass
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = [], [pid]
    while frontier:
        kids = [c for c, p in parents.items() if p in frontier]
        found += kids
        frontier = kids
    return found


def _wait_for(pred: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _survivors(pids: list[int], grace: float = 2.0) -> list[int]:
    deadline = time.monotonic() + grace
    while True:
        left = [p for p in pids if _alive(p)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def _kill_all(pids: list[int]) -> None:
    """SIGKILL whatever a failing check left behind, so a failing test leaves no process either."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def spawn_grandchild_then_sleep(pid_file: str) -> str:
    """An importable executor job: start a grandchild process, record both pids, then train forever."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    Path(pid_file).write_text(f"{os.getpid()} {child.pid}")
    time.sleep(600)
    return "never"


# ------------------------------------------------------------------------------------ executor
def test_interrupted_map_kills_workers_and_what_they_started(tmp_path: Path) -> None:
    from roboskill.tools.executor import Executor

    pid_file = tmp_path / "pids"
    fired: list[float] = []

    def interrupt_once_started() -> None:
        deadline = time.monotonic() + 240  # a spawn worker on a loaded 2-core machine can take a while to start
        while time.monotonic() < deadline and not pid_file.exists():
            time.sleep(0.2)
        if pid_file.exists():
            time.sleep(0.3)
            fired.append(time.monotonic())
            _thread.interrupt_main()

    # interrupt_main() does nothing unless Python's own SIGINT handler is installed; an earlier test in this
    # process may have left another one, and what is tested here is map_fn's clean-up, not that state
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    threading.Thread(target=interrupt_once_started, daemon=True).start()
    try:
        result = Executor("local", workers=1).map_fn(spawn_grandchild_then_sleep, [str(pid_file)], timeout_s=300)
    except KeyboardInterrupt:
        pass
    else:
        pytest.fail(f"map_fn returned without being interrupted (interrupt sent: {bool(fired)}; SIGINT handler "
                    f"before the test: {previous!r}): {result!r}")
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
    pids = [int(p) for p in pid_file.read_text().split()]
    left = _survivors(pids)
    _kill_all(left)
    assert time.monotonic() - fired[0] < 30, "the interrupt took too long to stop map_fn"
    assert left == []


KILLED_PARENT = """
import sys
from roboskill.tools.executor import Executor
from tests.agents.test_interrupt import spawn_grandchild_then_sleep
Executor("local", workers=1).map_fn(spawn_grandchild_then_sleep, [sys.argv[1]], timeout_s=300)
"""


def test_workers_die_with_a_killed_agent_process(tmp_path: Path) -> None:
    """kill -9 of the agent process runs no handler there: the kernel signals its workers (PR_SET_PDEATHSIG),
    and each takes its process group (what it started) with it."""
    if not sys.platform.startswith("linux"):
        pytest.skip("parent-death signal is Linux only")
    pid_file = tmp_path / "pids"
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", KILLED_PARENT, str(pid_file)], cwd=root)
    pids: list[int] = []
    try:
        _wait_for(lambda: len(pid_file.read_text().split()) == 2 if pid_file.exists() else False, 60, "the job")
        pids = [int(p) for p in pid_file.read_text().split()]
        proc.kill()
        proc.wait(10)
        left = _survivors(pids, grace=5)
    finally:
        proc.kill()
        _kill_all(pids)
    assert left == []


# ------------------------------------------------------------------------------------ run.json
def test_running_with_a_dead_pid_reads_interrupted(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    for pid, status in ((dead.pid, "interrupted"), (os.getpid(), "running"), (None, "running")):
        (tmp_path / "run.json").write_text(json.dumps({"status": "running", "pid": pid}))
        assert read_run(tmp_path).status == status


# ------------------------------------------------------------------------------------ CLI, in process
class SigtermDuringTraining(F.FakeTrainer):
    """The first training call receives SIGTERM (as from `kill`) and would otherwise train for a minute."""

    def __call__(self, requests: list[Any], progress: Any = None) -> list[dict]:
        if not self.calls:
            self.calls.append(requests)
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(60)
            raise AssertionError("SIGTERM did not stop training")
        return super().__call__(requests, progress)


def test_learn_resume_without_a_task(fake_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from tests.agents.test_runner import factory

    def not_the_runs_handler(signum: int, frame: Any) -> None:  # without the run's handler SIGTERM would end pytest
        raise AssertionError("SIGTERM reached the handler that was there before the run")

    trainer = SigtermDuringTraining([[0.9]])
    monkeypatch.setattr("roboskill.agents.runner.default_deps", factory(fake_world["model"], fake_world["library"], trainer))
    before = signal.signal(signal.SIGTERM, not_the_runs_handler)
    try:
        first = CliRunner().invoke(app, ["learn", "open the top drawer", "--no-live"])
        assert signal.getsignal(signal.SIGTERM) is not_the_runs_handler  # the run's handler is gone with the run
    finally:
        signal.signal(signal.SIGTERM, before)
    assert first.exit_code == 128 + signal.SIGTERM, first.output
    (run_dir,) = sorted(load_settings().runs_root.iterdir())
    assert json.loads((run_dir / "run.json").read_text())["status"] == "interrupted"
    assert f"roboskill learn --resume {run_dir.name}" in first.output

    again = CliRunner().invoke(app, ["learn", "--resume", run_dir.name, "--no-live"])
    assert again.exit_code == 0, again.output
    assert [r.name for r in fake_world["library"].list()] == ["open_the_top_drawer"]
    assert json.loads((run_dir / "run.json").read_text())["status"] == "finished"


def test_learn_needs_a_task_or_resume(fake_world: dict[str, Any]) -> None:  # noqa: F811
    result = CliRunner().invoke(app, ["learn", "--no-live"])
    assert result.exit_code == 2 and "roboskill learn --resume RUN_ID" in result.output
    result = CliRunner().invoke(app, ["learn", "--resume", "no_such_run", "--no-live"])
    assert result.exit_code == 2 and "nothing to resume" in result.output, result.output


# ------------------------------------------------------------------------------------ the real CLI
def _learn(home: Path, *args: str) -> tuple[subprocess.Popen, Path]:
    env = dict(os.environ, ROBOSKILL_HOME=str(home), OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1")
    log = home / f"out{len(list(home.glob('out*')))}.txt"
    with log.open("w") as out:
        # a terminal's Ctrl-C reaches a foreground process; pytest started in the background by a script has SIGINT
        # ignored, the child would inherit that, and roboskill rightly keeps a signal its parent chose to ignore
        proc = subprocess.Popen([sys.executable, "-m", "roboskill.cli.main", "learn", *args, "--no-live"],
                                stdout=out, stderr=subprocess.STDOUT, env=env,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    return proc, log


def _stop_while_training(proc: subprocess.Popen, log: Path, signum: int) -> str:
    """Wait until training workers run, send `signum`, check the run stops in time and leaves no process."""
    def training() -> bool:
        assert proc.poll() is None, log.read_text()
        return "train (trainer)" in log.read_text() and any(
            "multiprocessing" in " ".join(_cmdline(p)) and "resource_tracker" not in " ".join(_cmdline(p))
            for p in _descendants(proc.pid))

    _wait_for(training, 90, "training workers")
    time.sleep(1.0)
    family = _descendants(proc.pid)
    t0 = time.monotonic()
    proc.send_signal(signum)
    try:
        proc.wait(STOP_WITHIN_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"still running {STOP_WITHIN_S} s after {signal.Signals(signum).name}:\n{log.read_text()}")
    output = log.read_text()
    assert proc.returncode == 128 + signum, output
    assert time.monotonic() - t0 < STOP_WITHIN_S
    assert _survivors(family) == [], f"left behind: {[_cmdline(p) for p in _survivors(family)]}"
    return output


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def test_ctrl_c_during_training_then_sigterm_after_resume(tmp_path: Path) -> None:
    """A real `roboskill learn`: Ctrl-C while its workers train, then `learn --resume ID` (no task) and SIGTERM."""
    proc, log = _learn(tmp_path, "pick up the red block")
    out = _stop_while_training(proc, log, signal.SIGINT)
    (run_dir,) = (tmp_path / "runs").iterdir()
    status = json.loads((run_dir / "run.json").read_text())
    assert status["status"] == "interrupted" and status["current"]["task_id"], status
    assert f"roboskill learn --resume {run_dir.name}" in out

    proc, log = _learn(tmp_path, "--resume", run_dir.name)
    _stop_while_training(proc, log, signal.SIGTERM)
    assert json.loads((run_dir / "run.json").read_text())["status"] == "interrupted"
    assert read_run(run_dir).status == "interrupted"
