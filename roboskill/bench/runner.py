"""Run benchmarks by name, guarded: a failing benchmark is recorded, never fatal to the others.

Why this shape: `roboskill bench all` must survive one benchmark crashing (a PyBullet segfault, an
area that has not landed yet, a timeout), and still write every other figure and BENCHMARKS.md. So
`run_one` catches exceptions in-process, and `run_all` runs each benchmark in its own child process
(`python -m roboskill.bench.runner NAME`) with a wall-clock limit; whatever the child could not write
is recorded by the parent as a failed result naming the cause.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roboskill.bench.results import BenchResult, coerce_result, git_revision, machine_info, now_iso, write_result

BENCH_NAMES = ["sim", "learn", "external", "loop", "diversity", "memory", "distill", "fidelity", "compose"]
#: Order `bench all` runs them in: cheap first, so a total time limit costs the fewest figures.
RUN_ORDER = ["sim", "diversity", "memory", "external", "loop", "learn", "distill", "fidelity", "compose"]


@dataclass(frozen=True)
class BenchMode:
    """How big a run is. `smoke` is the tiniest setting (tests); `quick` fits `all` into ~20 minutes."""

    quick: bool = False
    smoke: bool = False
    seed: int = 0

    @property
    def label(self) -> str:
        return "smoke" if self.smoke else ("quick" if self.quick else "full")


class BenchUnavailable(RuntimeError):
    """A benchmark depends on a part that is not installed / not landed; recorded as `not_available`."""


# name -> (module, function, owner-supplied?) ; owner-supplied functions take `quick` (and maybe `smoke`)
_REGISTRY: dict[str, tuple[str, str, bool]] = {
    "sim": ("roboskill.bench.sim_bench", "run_sim_bench", False),
    "learn": ("roboskill.bench.learn_bench", "run_learn_bench", True),
    "external": ("roboskill.bench.external_bench", "run_external_bench", False),
    "loop": ("roboskill.bench.loop_bench", "run_loop_bench", False),
    "diversity": ("roboskill.bench.diversity_bench", "run_diversity_bench", False),
    "memory": ("roboskill.bench.memory_bench", "run_memory_bench", True),
    "distill": ("roboskill.bench.distill_bench", "run_distill_bench", True),
    "fidelity": ("roboskill.bench.fidelity_bench", "run_fidelity_bench", False),
    "compose": ("roboskill.bench.compose_bench", "run_compose_bench", False),
}

#: Wall-clock limits (s) per benchmark for `run_all` children, by mode.
TIME_LIMITS = {
    "smoke": {name: 300 for name in BENCH_NAMES},
    "quick": {"sim": 240, "learn": 480, "external": 480, "loop": 480, "diversity": 240, "memory": 300, "distill": 480,
              "fidelity": 1800, "compose": 4800},
    "full": {**{name: 3 * 3600 for name in BENCH_NAMES}, "fidelity": 12 * 3600, "compose": 6 * 3600},
}
#: Wall-clock limit (s) for a whole `bench all` run, by mode (`all --quick` must fit in 20 minutes).
TOTAL_LIMITS = {"smoke": 900.0, "quick": 1200.0, "full": 24 * 3600.0}


def command_line(name: str, mode: BenchMode) -> str:
    flags = " --smoke" if mode.smoke else (" --quick" if mode.quick else "")
    return f"roboskill bench {name}{flags}"


def _resolve(name: str) -> tuple[Callable[..., Any], bool]:
    if name not in _REGISTRY:
        raise ValueError(f"unknown benchmark {name!r}; choose one of {', '.join(BENCH_NAMES)} or 'all'")
    module_name, func_name, owned_elsewhere = _REGISTRY[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise BenchUnavailable(f"{module_name} is not available (not landed yet): {exc}") from exc
        raise
    func = getattr(module, func_name, None)
    if func is None:
        raise BenchUnavailable(f"{module_name} has no {func_name}()")
    return func, owned_elsewhere


def _call(func: Callable[..., Any], owned_elsewhere: bool, mode: BenchMode) -> Any:
    if not owned_elsewhere:
        return func(mode)
    params = inspect.signature(func).parameters
    kwargs: dict[str, Any] = {}
    if "smoke" in params:
        kwargs["smoke"] = mode.smoke
    if "seed" in params:
        kwargs["seed"] = mode.seed
    return func(quick=mode.quick or mode.smoke, **kwargs)


def run_one(name: str, mode: BenchMode, out_dir: str | Path | None = "bench_out") -> BenchResult:
    """Run one benchmark in this process; exceptions become a failed result. Writes JSON if out_dir."""
    commit, dirty = git_revision()
    started, t0 = now_iso(), time.perf_counter()
    try:
        func, owned_elsewhere = _resolve(name)
        result = coerce_result(name, _call(func, owned_elsewhere, mode))
    except BenchUnavailable as exc:
        result = BenchResult(name=name, status="not_available", error=str(exc))
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - the point is to record any failure
        tb = traceback.format_exc(limit=8)
        result = BenchResult(name=name, status="failed", error=f"{type(exc).__name__}: {exc}\n{tb}")
    result = result.model_copy(
        update={
            "name": name,
            "quick": mode.quick,
            "smoke": mode.smoke,
            "started_at": started,
            "wall_time_s": round(time.perf_counter() - t0, 2),
            "command": command_line(name, mode),
            "git_commit": commit,
            "git_dirty": dirty,
            "machine": machine_info(),
        }
    )
    if out_dir is not None:
        write_result(result, out_dir)
    return result


def run_isolated(name: str, mode: BenchMode, out_dir: str | Path, timeout_s: float) -> BenchResult:
    """Run one benchmark in a child process with a time limit; a crash or timeout is recorded."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / f"{name}.json"
    before = json_path.stat().st_mtime_ns if json_path.exists() else None
    cmd = [sys.executable, "-m", "roboskill.bench.runner", name, "--out", str(out)]
    if mode.smoke:
        cmd.append("--smoke")
    elif mode.quick:
        cmd.append("--quick")
    cmd += ["--seed", str(mode.seed)]
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    started, t0 = now_iso(), time.perf_counter()
    error: str | None = None
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env)
        if proc.returncode != 0:
            error = f"benchmark process exited with code {proc.returncode}: {(proc.stderr or proc.stdout)[-1500:]}"
    except subprocess.TimeoutExpired:
        error = f"benchmark exceeded its {timeout_s:.0f} s limit and was stopped"
    fresh = json_path.exists() and json_path.stat().st_mtime_ns != before
    if fresh and error is None:
        return BenchResult.model_validate_json(json_path.read_text(encoding="utf-8"))
    commit, dirty = git_revision()
    result = BenchResult(
        name=name, status="failed", error=error or "benchmark process wrote no result",
        quick=mode.quick, smoke=mode.smoke, started_at=started, wall_time_s=round(time.perf_counter() - t0, 2),
        command=command_line(name, mode), git_commit=commit, git_dirty=dirty, machine=machine_info(),
    )
    write_result(result, out)
    return result


def run_all(
    mode: BenchMode,
    out_dir: str | Path = "bench_out",
    names: list[str] | None = None,
    on_result: Callable[[BenchResult], None] | None = None,
    total_limit_s: float | None = None,
) -> list[BenchResult]:
    """Every benchmark (or `names`), each isolated in its own process, in a fixed order.

    Each child gets its own limit, capped by what is left of the mode's total limit; a benchmark
    that no time is left for is recorded as skipped.
    """
    limits = TIME_LIMITS[mode.label]
    deadline = time.monotonic() + (total_limit_s if total_limit_s is not None else TOTAL_LIMITS[mode.label])
    results = []
    for name in sorted(names or BENCH_NAMES, key=RUN_ORDER.index):
        remaining = deadline - time.monotonic()
        if remaining < 10:
            commit, dirty = git_revision()
            result = BenchResult(name=name, status="skipped", quick=mode.quick, smoke=mode.smoke,
                                 error=f"not run: the total time limit of `bench all` ({mode.label}) was used up",
                                 started_at=now_iso(), command=command_line(name, mode), git_commit=commit,
                                 git_dirty=dirty, machine=machine_info())
            write_result(result, out_dir)
        else:
            result = run_isolated(name, mode, out_dir, min(limits.get(name, 600), remaining))
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one roboskill benchmark (child process of `bench all`).")
    parser.add_argument("name", choices=BENCH_NAMES)
    parser.add_argument("--out", default="bench_out")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = run_one(args.name, BenchMode(quick=args.quick, smoke=args.smoke, seed=args.seed), args.out)
    print(f"{result.name}: {result.status} in {result.wall_time_s:.1f} s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main())
