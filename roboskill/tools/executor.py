"""Run many training jobs (e.g. the K reward candidates of one iteration) locally or on Ray.

One interface: `Executor(kind).map(jobs) -> [EvalReport | JobFailure]`, results in job order.
Every job runs in its own worker process (spawn context: no state inherited from the agent process)
with rlimits on CPU time, memory and core dumps, so a job that raises, calls `os._exit`, segfaults or
runs out of memory becomes a `JobFailure` with the reason, and the other jobs go on.

- `local` (default): at most `workers` (default: the CPU count) worker processes at a time.
- `ray`: each job is a Ray task (`num_cpus=1`) that starts the same worker process, so results are
  identical; `ray.init(address=...)` for an existing cluster, else a local Ray with `num_cpus` = the
  cores, no dashboard, no network beyond localhost.

Progress: `progress=True` shows a rich progress bar; `callback(event)` receives
{"event": "start"|"done"|"failed", "index", "done", "total", ...} for live views.

No orphans: each worker leads its own process group (so what it starts, e.g. SB3 env processes, is
killed with it); when the agent process dies, even by SIGKILL, the kernel sends the worker SIGTERM
(Linux PR_SET_PDEATHSIG) and the worker SIGKILLs its whole group.
Whatever ends `map` early (Ctrl-C, SIGTERM, any exception) kills its running workers before it
propagates, and `kill_workers()` (what the run's signal handler calls) kills every worker at once.
"""

from __future__ import annotations

import atexit
import multiprocessing as mp
import os
import signal
import sys
import time
import traceback
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, Callable, Literal

from pydantic import BaseModel, Field

from roboskill.sim.spec import SceneSpec
from roboskill.tools.plan import EvalReport, SkillPlan

WALL_FACTOR = 3.0      # a job gets budget_s * WALL_FACTOR + WALL_SLACK_S of wall time before it is killed,
WALL_SLACK_S = 120.0   # plus EVAL_EPISODE_ALLOWANCE_S per evaluation episode
EVAL_EPISODE_ALLOWANCE_S = 30.0
"""Evaluation is budgeted in samples (the verdict must not depend on the machine's load), so the kill limit must
grow with the number of evaluation episodes; measured at ~2-6 s per episode idle on 2 cores, 30 s leaves room for
a machine loaded several times over. The limit only catches hung jobs; it must never be what decides a verdict."""


class TrainJob(BaseModel):
    spec: SceneSpec
    plan: SkillPlan
    out_dir: str
    budget_s: float = 60.0
    seed: int = 0
    n_eval_episodes: int = 20
    options: dict[str, Any] = Field(default_factory=dict)
    """Forwarded to `train_plan_inprocess` (video, rl_algo, trajopt, eval_budget_s)."""
    env_id: str | None = None
    """An external gymnasium env ("module:EnvId") to train on instead of `spec` (`learn --env`): the job runs
    `roboskill.tools.train_external.train_external_inprocess`, judged by the env's own `info["is_success"]`."""


def job_wall_limit(job: TrainJob) -> float:
    """Seconds of wall time before a training job is killed as hung: its training budget with slack, plus an
    allowance per evaluation episode (evaluation is budgeted in samples, so its wall time grows with load)."""
    return job.budget_s * WALL_FACTOR + WALL_SLACK_S + job.n_eval_episodes * EVAL_EPISODE_ALLOWANCE_S


class JobFailure(BaseModel):
    index: int
    error: str
    kind: Literal["exception", "crash", "timeout", "memory", "cancelled"] = "exception"
    out_dir: str | None = None


# ------------------------------------------------------------------------------ worker lifetime
_LIVE: dict[int, Any] = {}
"""pid -> Process of every worker started here and not yet reaped (read by `kill_workers`, maybe from a
signal handler: only atomic dict operations on it, no lock)."""


def _kill(proc: Any) -> None:
    """SIGKILL a worker and its process group (whatever it started); never raises."""
    pid = proc.pid
    if pid:
        try:
            os.killpg(pid, signal.SIGKILL)  # pgid == pid once the worker ran _detach(); ESRCH before that
        except OSError:
            pass
    try:
        proc.kill()
    except (OSError, ValueError, AttributeError):
        pass


def _reap(proc: Any) -> None:
    """Wait for a worker that has finished (or was killed), then kill what it left in its process group."""
    proc.join(5)
    _kill(proc)
    proc.join(2)
    _LIVE.pop(proc.pid, None)


def kill_workers(*, all_children: bool = True) -> int:
    """Kill every worker process this process still runs (training jobs, with their process groups, and with
    `all_children` any other multiprocessing child, e.g. a sandbox check); returns how many. Safe to call from
    a signal handler (a run's Ctrl-C / SIGTERM handler calls it)."""
    procs = list(_LIVE.copy().values())
    if all_children:
        try:
            procs += [p for p in mp.active_children() if p.pid not in _LIVE]
        except Exception:  # noqa: BLE001 - best effort
            pass
    for proc in procs:
        _kill(proc)
    return len(procs)


# at exit, before multiprocessing's own hook (which would SIGTERM the workers but not what they started)
atexit.register(kill_workers, all_children=False)


def _detach() -> None:
    """Inside a worker: lead a new process group, and end it all (the worker and whatever it started) when the
    agent process dies (Linux parent-death signal) or sends SIGTERM, so nothing outlives the agent."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    signal.signal(signal.SIGTERM, _end_group)
    parent = mp.parent_process()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if parent is not None and parent.pid != os.getppid():
        _end_group(signal.SIGTERM, None)  # the agent process died before the death signal was armed


def _end_group(signum: int, frame: Any) -> None:
    """SIGTERM in a worker: SIGKILL its process group (itself included), never the agent's group."""
    if os.getpgid(0) == os.getpid():
        os.killpg(0, signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


# ------------------------------------------------------------------------------------- worker
def _run_job(job_json: str) -> dict[str, Any]:
    """Inside the worker: train and return the report dump."""
    import torch

    torch.set_num_threads(1)
    from roboskill.tools.train import train_plan_inprocess

    job = TrainJob.model_validate_json(job_json)
    options = dict(job.options)
    if job.env_id:
        from roboskill.tools.train_external import train_external_inprocess

        return train_external_inprocess(job.env_id, job.plan, job.out_dir, budget_s=job.budget_s, seed=job.seed,
                                        n_eval_episodes=job.n_eval_episodes, **options).model_dump(mode="json")
    report = train_plan_inprocess(job.spec, job.plan, job.out_dir, budget_s=job.budget_s, seed=job.seed,
                                  n_eval_episodes=job.n_eval_episodes, **options)
    return report.model_dump(mode="json")


def _worker(conn: Any, fn: Callable[..., Any], arg: Any, cpu_s: float, memory_mb: int) -> None:
    try:
        _detach()
        from roboskill.tools.sandbox.process import apply_limits

        # files stay writable (the job writes its artefacts) and SB3 may start env processes;
        # reward code cannot reach either: the sandbox loader's AST check and builtins forbid it
        apply_limits(cpu_s=cpu_s, memory_mb=memory_mb, no_files=False, no_procs=False)
        conn.send(("ok", fn(arg)))
    except MemoryError:
        conn.send(("error", f"job ran out of memory (limit {memory_mb} MB)", "memory"))
    except BaseException as exc:  # noqa: BLE001
        tb = traceback.format_exc(limit=4)
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}\n{tb}"[-1500:], "exception"))
        except Exception:  # noqa: BLE001
            pass
    finally:
        conn.close()


def _exit_reason(code: int | None) -> tuple[str, str]:
    if code is None:
        return "worker did not finish", "crash"
    if code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        kind = "memory" if name in ("SIGKILL",) else "crash"
        if name == "SIGXCPU":
            return "job exceeded its CPU-time limit (SIGXCPU)", "timeout"
        return f"worker killed by {name} (crash, or out of memory)", kind
    return f"worker exited with code {code} without a result (os._exit or a crash in native code)", "crash"


def run_job_process(fn: Callable[[Any], Any], arg: Any, *, timeout_s: float, memory_mb: int = 4096) -> Any:
    """Run `fn(arg)` in one limited spawn worker; returns its result or raises RuntimeError(reason)."""
    out = _run_processes([(fn, arg, timeout_s)], workers=1, memory_mb=memory_mb)[0]
    if isinstance(out, tuple) and out and out[0] == "__failure__":
        raise RuntimeError(out[1])
    return out


def _run_processes(tasks: list[tuple[Callable[[Any], Any], Any, float]], workers: int, memory_mb: int,
                   on_event: Callable[[dict[str, Any]], None] | None = None,
                   stop_when: Callable[[Any], bool] | None = None) -> list[Any]:
    """Run tasks in spawn processes, `workers` at a time; failures come back as ("__failure__", msg, kind).

    `stop_when(result)`: once a finished task's result satisfies it, the tasks still running or
    pending are cancelled (kind "cancelled") — e.g. K reward candidates once one already succeeds.
    """
    ctx = mp.get_context("spawn")
    results: list[Any] = [None] * len(tasks)
    pending = list(range(len(tasks)))
    running: dict[int, tuple[Any, Any, float]] = {}  # index -> (proc, conn, deadline)
    done = 0
    emit = on_event or (lambda e: None)
    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                i = pending.pop(0)
                fn, arg, timeout_s = tasks[i]
                parent, child = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_worker, args=(child, fn, arg, timeout_s, memory_mb), daemon=True)
                proc.start()
                running[i] = (proc, parent, time.monotonic() + timeout_s)
                _LIVE[proc.pid] = proc
                child.close()
                emit({"event": "start", "index": i, "done": done, "total": len(tasks)})
            handles = {}
            for i, (proc, conn, _) in running.items():
                handles[conn] = i
                handles[proc.sentinel] = i
            ready = wait(list(handles), timeout=1.0)
            finished: set[int] = set()
            for h in ready:
                i = handles[h]
                if i in finished:
                    continue
                proc, conn, _ = running[i]
                msg = None
                if conn.poll():
                    try:
                        msg = conn.recv()
                    except (EOFError, OSError):
                        msg = None
                elif proc.is_alive():
                    continue  # sentinel not ready yet; the pipe fired spuriously
                if msg is None:
                    proc.join(5)
                    reason, kind = _exit_reason(proc.exitcode)
                    results[i] = ("__failure__", reason, kind)
                elif msg[0] == "ok":
                    results[i] = msg[1]
                else:
                    results[i] = ("__failure__", msg[1], msg[2])
                finished.add(i)
            now = time.monotonic()
            for i, (proc, conn, deadline) in running.items():
                if i not in finished and now > deadline:
                    _kill(proc)
                    results[i] = ("__failure__", f"job exceeded its wall-clock limit ({tasks[i][2]:.0f} s) and was killed",
                                  "timeout")
                    finished.add(i)
            winner = next((i for i in sorted(finished) if stop_when is not None and not (
                isinstance(results[i], tuple) and results[i] and results[i][0] == "__failure__") and stop_when(results[i])), None)
            if winner is not None:
                for i in [*running, *pending]:
                    if i not in finished:
                        if i in running:
                            _kill(running[i][0])
                        results[i] = ("__failure__", f"cancelled: job {winner} already met the stop condition", "cancelled")
                        finished.add(i)
                pending.clear()
            for i in finished:
                proc, conn, _ = running.pop(i) if i in running else (None, None, None)
                if proc is None:
                    done += 1
                    emit({"event": "failed", "index": i, "done": done, "total": len(tasks), "error": results[i][1]})
                    continue
                _reap(proc)
                conn.close()
                done += 1
                failed = isinstance(results[i], tuple) and results[i] and results[i][0] == "__failure__"
                emit({"event": "failed" if failed else "done", "index": i, "done": done, "total": len(tasks),
                      **({"error": results[i][1]} if failed else {})})
    except BaseException:  # Ctrl-C, SIGTERM or a failing callback: no worker may outlive this call
        for proc, conn, _ in running.values():
            _kill(proc)
            _reap(proc)
            conn.close()
        raise
    return results


def _ray_task(fn: Callable[[Any], Any], arg: Any, timeout_s: float, memory_mb: int) -> Any:
    """Inside a Ray worker: the same limited subprocess as the local executor (identical results)."""
    return _run_processes([(fn, arg, timeout_s)], workers=1, memory_mb=memory_mb)[0]


# ------------------------------------------------------------------------------------ executor
class Executor:
    """`map(jobs)` over local worker processes or Ray tasks; see the module docstring."""

    def __init__(self, kind: Literal["local", "ray"] = "local", workers: int | None = None,
                 ray_address: str | None = None, *, job_memory_mb: int = 4096, progress: bool = False,
                 callback: Callable[[dict[str, Any]], None] | None = None, settings: Any = None) -> None:
        if settings is not None:  # roboskill.config.ExecutorSettings
            kind = settings.kind
            workers = settings.workers
            ray_address = settings.ray_address
            job_memory_mb = settings.job_memory_mb
        if kind not in ("local", "ray"):
            raise ValueError(f"executor kind must be 'local' or 'ray', got {kind!r}")
        self.kind = kind
        self.workers = workers or os.cpu_count() or 1
        self.ray_address = ray_address
        self.job_memory_mb = job_memory_mb
        self.progress = progress
        self.callback = callback
        self._ray_started = False

    # the generic entry point: any picklable fn over args (tests use it for crashing jobs)
    def map_fn(self, fn: Callable[[Any], Any], args: list[Any], timeout_s: float = 600.0,
               stop_when: Callable[[Any], bool] | None = None) -> list[Any]:
        """Run `fn(arg)` for each arg; failures are JobFailure (fn must be importable: spawn/Ray pickle it).

        `stop_when(result)` (local executor only): cancel the rest once one result satisfies it.
        """
        tasks = [(fn, a, timeout_s) for a in args]
        with self._progress_ctx(len(tasks)) as on_event:
            raw = self._run_ray(tasks, on_event) if self.kind == "ray" else _run_processes(
                tasks, self.workers, self.job_memory_mb, on_event, stop_when)
        return [JobFailure(index=i, error=r[1], kind=r[2]) if isinstance(r, tuple) and r and r[0] == "__failure__"
                else r for i, r in enumerate(raw)]

    def map(self, jobs: list[TrainJob], *, stop_at_success: float | None = None) -> list[EvalReport | JobFailure]:
        """Train every job; one EvalReport or JobFailure per job, in order.

        `stop_at_success`: once one job's report (without error) reaches this success rate, the jobs
        still running are cancelled (JobFailure kind "cancelled") — their result could not change
        which candidate is kept. Local executor only; Ray runs every job.
        """
        args = [j.model_dump_json() for j in jobs]
        timeout = max((job_wall_limit(j) for j in jobs), default=60.0 * WALL_FACTOR + WALL_SLACK_S)
        out: list[EvalReport | JobFailure] = []
        stop = None if stop_at_success is None else (
            lambda r: isinstance(r, dict) and not r.get("error") and float(r.get("success_rate") or 0) >= stop_at_success)
        for i, r in enumerate(self.map_fn(_run_job, args, timeout, stop)):
            if isinstance(r, JobFailure):
                r.out_dir = jobs[i].out_dir
                _write_failure(r)
                out.append(r)
            else:
                out.append(EvalReport.model_validate(r))
        return out

    def close(self) -> None:
        if self._ray_started:
            import ray

            ray.shutdown()
            self._ray_started = False

    # ------------------------------------------------------------------------------- internals
    def _progress_ctx(self, total: int) -> Any:
        from contextlib import contextmanager

        @contextmanager
        def ctx():
            cb = self.callback
            if not self.progress:
                yield cb
                return
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            with Progress(TextColumn("training jobs"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                          TimeElapsedColumn()) as prog:
                task = prog.add_task("jobs", total=total)

                def on_event(e: dict[str, Any]) -> None:
                    if e["event"] in ("done", "failed"):
                        prog.update(task, completed=e["done"])
                    if cb:
                        cb(e)

                yield on_event

        return ctx()

    def _run_ray(self, tasks: list[tuple[Callable[[Any], Any], Any, float]], on_event: Any) -> list[Any]:
        import ray

        if not ray.is_initialized():
            if self.ray_address:
                ray.init(address=self.ray_address, ignore_reinit_error=True, log_to_driver=False)
            else:
                ray.init(num_cpus=self.workers, include_dashboard=False, ignore_reinit_error=True,
                         log_to_driver=False, configure_logging=False)
            self._ray_started = True
        remote = ray.remote(num_cpus=1, max_retries=0)(_ray_task)
        refs = [remote.remote(fn, arg, t, self.job_memory_mb) for fn, arg, t in tasks]
        index = {r: i for i, r in enumerate(refs)}
        results: list[Any] = [None] * len(refs)
        left, done = list(refs), 0
        while left:
            ready, left = ray.wait(left, num_returns=1)
            i = index[ready[0]]
            try:
                results[i] = ray.get(ready[0])
            except Exception as exc:  # noqa: BLE001 - a crashed Ray worker
                results[i] = ("__failure__", f"ray task failed: {type(exc).__name__}: {exc}"[:800], "crash")
            done += 1
            if on_event:
                failed = isinstance(results[i], tuple) and results[i][0] == "__failure__"
                on_event({"event": "failed" if failed else "done", "index": i, "done": done, "total": len(refs)})
        return results


def _write_failure(f: JobFailure) -> None:
    """A failed job still leaves metrics.json (an EvalReport with `error`) so runs stay browsable."""
    if not f.out_dir:
        return
    try:
        from roboskill.tools.evaluate import write_report

        Path(f.out_dir).mkdir(parents=True, exist_ok=True)
        write_report(EvalReport(success_rate=0.0, error=f.error, reflection_text=f"training job failed ({f.kind}): {f.error}"),
                     f.out_dir)
    except OSError:
        pass


__all__ = ["Executor", "JobFailure", "TrainJob", "run_job_process"]
