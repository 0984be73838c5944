"""Evaluate a learned plan: N seeded episodes from randomised initial states, whole chain each time.

Each episode resets the env with its own seed (randomised poses / joints), then runs every sub-task's
skill from the state the previous one left; a sub-task succeeds when its success function holds at
some step of its run (primitive sub-tasks without success code: when the primitive reached its goal).
The episode succeeds when every sub-task did. Returns are sums of each sub-task's generated reward;
time to success is simulated seconds until the last sub-task first succeeded.

The report models (`EvalReport`, ...) live in `roboskill.tools.plan` and are re-exported here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from roboskill.tools.plan import ComponentStats, EvalReport, ReflectionPoint, SkillPlan, SubTaskResult
from roboskill.tools.runtime import StepLog, control_dt, has_success, set_subtask

PRIMITIVE_MIN_STEPS = 600


def subtask_budget(sub: Any) -> int:
    """Env steps a sub-task may use: its horizon (primitives get room for their scripted motions)."""
    return max(sub.horizon, PRIMITIVE_MIN_STEPS) if sub.learner == "primitive" else sub.horizon


@dataclass
class EpisodeResult:
    seed: int
    success: bool
    sub_success: list[bool]
    ret: float
    length: int
    success_step: int | None
    sub_logs: list[StepLog] = field(default_factory=list, repr=False)


def run_subtask(env: Any, sub: Any, skill: Any, rng: np.random.Generator, trusted: dict[str, Any] | None = None
                ) -> tuple[bool, StepLog]:
    set_subtask(env, sub, trusted)
    log = StepLog()
    reached = skill.run(env, subtask_budget(sub), log, rng)
    if has_success(env):
        ok = log.success_step is not None or bool(env.evaluate()[2])
    else:
        ok = bool(reached)
    return ok, log


def run_chain(env: Any, plan: SkillPlan, skills: list[Any], seed: int, *, upto: int | None = None,
              trusted: dict[str, Any] | None = None, stop_on_failure: bool = True) -> EpisodeResult:
    """Reset with `seed` and run sub-tasks [0, upto) (all by default)."""
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    n = len(plan.subtasks) if upto is None else upto
    subs, logs, ret, length, step_at = [], [], 0.0, 0, None
    for sub, skill in zip(plan.subtasks[:n], skills[:n]):
        ok, log = run_subtask(env, sub, skill, rng, trusted)
        subs.append(ok)
        logs.append(log)
        ret += float(sum(log.rewards))
        if ok and len(subs) == n and log.success_step is not None:
            step_at = length + log.success_step
        elif ok and len(subs) == n:
            step_at = length + len(log)
        length += len(log)
        if not ok and stop_on_failure:
            break
    success = len(subs) == n and all(subs)
    return EpisodeResult(seed, success, subs, ret, length, step_at if success else None, logs)


def evaluate_plan(env: Any, plan: SkillPlan, skills: list[Any], seeds: list[int], *,
                  trusted: dict[str, Any] | None = None, recorder: Any = None) -> list[EpisodeResult]:
    """Run the whole chain for every seed; the recorder (if any) films the first episode."""
    out = []
    for i, s in enumerate(seeds):
        env.attach_recorder(recorder if (recorder is not None and i == 0) else None)
        out.append(run_chain(env, plan, skills, s, trusted=trusted))
    env.attach_recorder(None)
    return out


def summarize(episodes: list[EpisodeResult], dt: float) -> dict[str, Any]:
    succ = [e.success for e in episodes]
    times = [e.success_step * dt for e in episodes if e.success and e.success_step is not None]
    return {
        "success_rate": float(np.mean(succ)) if succ else 0.0,
        "mean_return": float(np.mean([e.ret for e in episodes])) if episodes else 0.0,
        "mean_length": float(np.mean([e.length for e in episodes])) if episodes else 0.0,
        "time_to_success": float(np.mean(times)) if times else None,
        "n_episodes": len(episodes),
    }


def write_json_atomic(path: str | Path, data: Any) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=float), encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_report(report: EvalReport, out_dir: str | Path) -> Path:
    """metrics.json (the EvalReport dump), atomically."""
    path = Path(out_dir) / "metrics.json"
    report.artefacts.setdefault("metrics", str(path))
    return write_json_atomic(path, report.model_dump(mode="json"))


__all__ = ["ComponentStats", "EpisodeResult", "EvalReport", "ReflectionPoint", "SubTaskResult", "control_dt",
           "evaluate_plan", "run_chain", "run_subtask", "subtask_budget", "summarize", "write_json_atomic",
           "write_report"]
