"""Run a callable in a resource-limited child process: the outer wall of the sandbox.

Why a process: Python-level guards cannot stop C code that allocates or loops (numpy, big ints), and
an escape from the restricted namespace would otherwise own the agent process. The child gets
RLIMIT_AS (address space above what it already maps), RLIMIT_CPU, RLIMIT_FSIZE = 0 (no file can
grow), RLIMIT_CORE = 0, RLIMIT_NPROC a little above the current count (a fork-bomb guard where
the kernel enforces it), an emptied environment (secrets are unreadable), stdin closed and stdout/stderr sent
to /dev/null (no huge outputs). Results come back through a pipe; death is translated into a clear
message (killed for memory, CPU time exceeded, timed out).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from roboskill.tools.sandbox.loader import SandboxError

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY_MB = 1024
MAX_RESULT_BYTES = 32 * 1024 * 1024


class SandboxProcessError(SandboxError):
    """The worker process failed: killed for memory, out of CPU time, timed out, or crashed."""

    def __init__(self, message: str, line: int | None = None, *, kind: str = "process") -> None:
        super().__init__(message, line, kind=kind)


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _task_count() -> int:
    try:
        uid = os.getuid()
        count = 0
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    if os.stat(f"/proc/{pid}").st_uid == uid:
                        count += len(os.listdir(f"/proc/{pid}/task"))
                except OSError:
                    continue
        return count
    except OSError:
        return 0


def apply_limits(*, cpu_s: float, memory_mb: int, no_files: bool = True, no_procs: bool = True) -> None:
    """Apply rlimits to the *current* process (call it in the child only)."""
    import resource

    def setlim(which: int, soft: int, hard: int | None = None) -> None:
        cur_soft, cur_hard = resource.getrlimit(which)
        hard = soft if hard is None else hard
        if cur_hard != resource.RLIM_INFINITY:
            hard = min(hard, cur_hard)
            soft = min(soft, hard)
        try:
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):
            pass

    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu_used = int(used.ru_utime + used.ru_stime)
    setlim(resource.RLIMIT_CPU, cpu_used + max(1, int(cpu_s + 0.999)), cpu_used + max(1, int(cpu_s + 0.999)) + 2)
    setlim(resource.RLIMIT_AS, _vm_bytes() + memory_mb * 1024 * 1024)
    setlim(resource.RLIMIT_CORE, 0)
    if no_files:
        setlim(resource.RLIMIT_FSIZE, 0)
    if no_procs and hasattr(resource, "RLIMIT_NPROC"):
        count = _task_count()
        if count:
            # a margin for library worker threads (OpenBLAS re-creates its pool after fork; threads
            # count as tasks): this is a fork-bomb guard, the AST check is what forbids processes
            setlim(resource.RLIMIT_NPROC, count + 32)


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
           timeout_s: float, memory_mb: int, keep_env: bool) -> None:
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        # SIGXFSZ would kill silently on a write attempt; make it an OSError instead
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        if not keep_env:
            os.environ.clear()
        apply_limits(cpu_s=timeout_s, memory_mb=memory_mb)
        result = fn(*args, **kwargs)
        conn.send(("ok", result))
    except SandboxError as exc:
        conn.send(("error", exc.message, exc.line, exc.kind, isinstance(exc, SandboxProcessError)))
    except MemoryError:
        conn.send(("error", f"worker ran out of memory (limit {memory_mb} MB)", None, "memory", True))
    except BaseException as exc:  # noqa: BLE001 - report anything, never hang the parent
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" (at {tb[-1].filename}:{tb[-1].lineno})" if tb else ""
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}{where}"[:600], None, "process", True))
        except Exception:  # noqa: BLE001
            pass
    finally:
        conn.close()
        os._exit(0)


def _context(start_method: str | None) -> mp.context.BaseContext:
    if start_method:
        return mp.get_context(start_method)
    if sys.platform == "linux":
        return mp.get_context("fork")
    return mp.get_context("spawn")


def run_in_sandbox_process(fn: Callable[..., Any], *args: Any, timeout_s: float = DEFAULT_TIMEOUT_S,
                           memory_mb: int = DEFAULT_MEMORY_MB, start_method: str | None = None,
                           keep_env: bool = False, **kwargs: Any) -> Any:
    """Run `fn(*args, **kwargs)` in a child with rlimits and return its (picklable) result.

    Raises SandboxError (re-raised from the child, with its line) when fn raised one, and
    SandboxProcessError when the child died: out of memory, out of CPU time, wall timeout
    (`timeout_s` of CPU, 2x + 5 s of wall clock), or a crash. The environment is cleared in the
    child unless `keep_env`; fork is used on Linux (fast, no re-import) unless `start_method` says
    otherwise ("spawn"/"forkserver" need fn picklable).
    """
    ctx = _context(start_method)
    parent_conn, child_conn = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child_conn, fn, args, kwargs, timeout_s, memory_mb, keep_env), daemon=True)
    proc.start()
    child_conn.close()
    wall = 2 * timeout_s + 5.0
    message: tuple[Any, ...] | None = None
    try:
        if parent_conn.poll(wall):
            try:
                message = parent_conn.recv()
            except (EOFError, OSError):
                message = None
        else:
            if proc.is_alive():
                proc.kill()
                proc.join(5)
                raise SandboxProcessError(f"timed out after {wall:g}s of wall-clock time", kind="timeout")
    finally:
        parent_conn.close()
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join(5)
    if message is not None:
        if message[0] == "ok":
            return message[1]
        _, text, line, kind, from_process = message
        raise SandboxProcessError(text, line, kind=kind) if from_process else SandboxError(text, line, kind=kind)
    code = proc.exitcode
    if code is not None and code < 0:
        sig = -code
        if sig == signal.SIGXCPU:
            raise SandboxProcessError(f"killed: CPU time limit of {timeout_s:g}s exceeded", kind="timeout")
        if sig == signal.SIGKILL:
            raise SandboxProcessError(f"killed (SIGKILL): probably over the memory limit of {memory_mb} MB "
                                      "or the CPU limit", kind="memory")
        if sig == signal.SIGSEGV:
            raise SandboxProcessError("worker crashed (segmentation fault), possibly out of memory", kind="memory")
        raise SandboxProcessError(f"worker killed by signal {signal.Signals(sig).name}")
    raise SandboxProcessError(f"worker exited with code {code} without a result")
