"""Evaluate a learned plan: N seeded episodes from randomised initial states, whole chain each time.

Each episode resets the env with its own seed (randomised poses / joints), then runs every sub-task's
skill from the state the previous one left. Who decides the episode (`run_episode`):

- with the task's `Goal` (`judged_by="goal"`): every sub-task runs, whatever its generated success
  check says (that check stays the writer's shaping / termination signal), then
  `roboskill.sim.goals.judge` settles the world with the robot holding its last command and checks
  the goal's conditions and rest. A cube that sat on top for a moment and slid off fails.
- without a goal (`judged_by="success_code"`, older plans): a sub-task succeeds when its success
  function holds at the END of its run (primitive sub-tasks without success code: when the primitive
  reached its goal); the episode succeeds when every sub-task did, and stops at the first that did not.

Seeds: training and evaluation seeds are disjoint by construction (`training_seeds` are even,
`evaluation_seeds` are 1 mod 4, `verification_seeds` of `skills verify` are 3 mod 4), and every chain
replayed for training (`run_chain(purpose="train")`) maps its seed to an even one.

Returns are sums of each sub-task's generated reward; time to success is simulated seconds until the
last sub-task first succeeded (goal-judged: the end of the episode).

The report models (`EvalReport`, `EpisodeOutcome`, ...) live in `roboskill.tools.plan` and are re-exported here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from roboskill.tools.plan import (
    ComponentStats, EpisodeOutcome, EvalReport, ReflectionPoint, SkillPlan, SubTaskResult,
)
from roboskill.tools.runtime import StepLog, control_dt, has_success, set_subtask

PRIMITIVE_MIN_STEPS = 600
_SEED_MOD = 2**29  # seeds stay below 2**31


# ------------------------------------------------------------------------------------------ seeds
def training_seeds(base: int, n: int) -> list[int]:
    """`n` distinct even seeds for training episodes of a job with seed `base`."""
    return [2 * ((abs(int(base)) * 7919 + k) % (2 * _SEED_MOD)) for k in range(n)]


def as_training_seed(seed: int) -> int:
    """Any seed mapped to an even one (identity on even seeds): what training chains reset with."""
    s = abs(int(seed))
    return s - s % 2


def evaluation_seeds(base: int, n: int) -> list[int]:
    """`n` distinct seeds (1 mod 4) for the evaluation episodes of a job with seed `base`."""
    return [4 * ((abs(int(base)) * 104729 + 50_000 + k) % _SEED_MOD) + 1 for k in range(n)]


def verification_seeds(n: int, base: int = 0) -> list[int]:
    """`n` distinct seeds (3 mod 4) for re-verifying stored skills: never a training or evaluation seed."""
    return [4 * ((abs(int(base)) * 15485863 + 70_000 + k) % _SEED_MOD) + 3 for k in range(n)]


def seed_purpose(seed: int) -> str:
    """Which family a seed belongs to: "train" | "eval" | "verify"."""
    s = int(seed)
    return "train" if s % 2 == 0 else ("eval" if s % 4 == 1 else "verify")


# ------------------------------------------------------------------------------------- episodes
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
    judged_by: str = "success_code"
    conditions: list[dict[str, Any]] = field(default_factory=list)
    moving: list[str] = field(default_factory=list)
    end_state: dict[str, Any] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    error: str | None = None

    def outcome(self) -> EpisodeOutcome:
        """The report's view of this episode (no step logs)."""
        return EpisodeOutcome(seed=int(self.seed), success=bool(self.success),
                              subtask_success=[bool(x) for x in self.sub_success], conditions=list(self.conditions),
                              moving=list(self.moving), end_state=dict(self.end_state), messages=list(self.messages),
                              error=self.error)


def run_subtask(env: Any, sub: Any, skill: Any, rng: np.random.Generator, trusted: dict[str, Any] | None = None
                ) -> tuple[bool, StepLog]:
    """Run one sub-task's skill; ok = its success check at the END of the run (not at any step)."""
    set_subtask(env, sub, trusted)
    log = StepLog()
    reached = skill.run(env, subtask_budget(sub), log, rng)
    ok = bool(env.evaluate()[2]) if has_success(env) else bool(reached)
    return ok, log


def run_chain(env: Any, plan: SkillPlan, skills: list[Any], seed: int, *, upto: int | None = None,
              trusted: dict[str, Any] | None = None, stop_on_failure: bool = True,
              purpose: Literal["train", "eval"] = "train") -> EpisodeResult:
    """Reset with `seed` and run sub-tasks [0, upto) (all by default).

    purpose="train" (replaying earlier sub-tasks to reach a training start) resets with the even
    `as_training_seed(seed)`; purpose="eval" requires an odd (evaluation / verification) seed.
    """
    if purpose == "train":
        seed = as_training_seed(seed)
    elif int(seed) % 2 == 0:
        raise ValueError(f"evaluation seed {seed} is even: even seeds are training seeds (use evaluation_seeds)")
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    n = len(plan.subtasks) if upto is None else upto
    subs, logs, ret, length, step_at = [], [], 0.0, 0, None
    messages: list[str] = []
    for sub, skill in zip(plan.subtasks[:n], skills[:n]):
        ok, log = run_subtask(env, sub, skill, rng, trusted)
        msg = str(getattr(skill, "last_message", "") or "")
        if msg:
            messages.append(f"{sub.name}: {msg}")
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
    return EpisodeResult(seed, success, subs, ret, length, step_at if success else None, logs, messages=messages)


def end_state(env: Any) -> dict[str, Any]:
    """{'objects': {name: [x, y, z]}, 'joints': {name: open fraction}} of the current state (rounded)."""
    st = env.state
    objects: dict[str, list[float]] = {}
    for obj in env.world.spec.objects:
        try:
            objects[obj.name] = [round(float(v), 4) for v in st.object_position(obj.name)]
        except Exception:  # noqa: BLE001 - an unreadable object is left out, never fatal
            continue
    joints = {}
    for j in st.joint_names():
        try:
            joints[j] = round(float(st.joint_open_fraction(j)), 4)
        except Exception:  # noqa: BLE001
            continue
    return {"objects": objects, "joints": joints}


def run_episode(env: Any, plan: SkillPlan, skills: list[Any], seed: int, *, goal: Any = None,
                trusted: dict[str, Any] | None = None, recorder: Any = None,
                on_end: Callable[[Any, int], None] | None = None) -> EpisodeResult:
    """One evaluation episode from evaluation seed `seed`, judged at its end (see the module docstring).

    `goal`: a `roboskill.sim.goals.Goal` (or its dict); None judges by the plan's success code.
    `recorder`: filmed (the judged, settled end state is held for half a second at the end).
    `on_end(env, seed)`: called with the live env after the verdict (e.g. an independent check).
    """
    from roboskill.sim.goals import Goal, judge

    if goal is not None and not isinstance(goal, Goal):
        goal = Goal.model_validate(goal)
    env.attach_recorder(recorder)
    try:
        ep = run_chain(env, plan, skills, seed, trusted=trusted, stop_on_failure=goal is None, purpose="eval")
        if goal is not None:
            verdict = judge(goal, env)
            ep.judged_by = "goal"
            ep.success = bool(verdict.success)
            ep.conditions = [c.model_dump(mode="json") for c in verdict.conditions]
            ep.moving = list(verdict.moving)
            ep.error = verdict.error
            ep.success_step = ep.length if ep.success else None
            if recorder is not None:
                recorder.capture(force=True)
                last = recorder.frames[-1] if getattr(recorder, "frames", None) else None
                for _ in range(max(0, int(getattr(recorder, "fps", 20)) // 2) if last is not None else 0):
                    recorder.add_frame(last)
        ep.end_state = end_state(env)
    finally:
        env.attach_recorder(None)
    if on_end is not None:
        on_end(env, seed)
    return ep


def evaluate_plan(env: Any, plan: SkillPlan, skills: list[Any], seeds: list[int], *,
                  trusted: dict[str, Any] | None = None, recorder: Any = None, goal: Any = None,
                  stop_below: float | None = None, on_end: Callable[[Any, int], None] | None = None
                  ) -> list[EpisodeResult]:
    """`run_episode` for every seed (the recorder, if any, films the first episode); with
    `stop_below`, stops once the success rate can no longer reach it."""
    out: list[EpisodeResult] = []
    for i, s in enumerate(seeds):
        out.append(run_episode(env, plan, skills, s, goal=goal, trusted=trusted,
                               recorder=recorder if i == 0 else None, on_end=on_end))
        if evaluation_decided(out, len(seeds), stop_below):
            break
    return out


def evaluation_decided(episodes: list[Any], n_total: int, stop_below: float | None) -> bool:
    """True when even all remaining episodes succeeding could not lift the success rate to `stop_below`."""
    if stop_below is None:
        return False
    successes = sum(1 for e in episodes if e.success)
    return (successes + n_total - len(episodes)) / max(1, n_total) < stop_below


def summarize(episodes: list[EpisodeResult], dt: float) -> dict[str, Any]:
    """success_rate (with its 95 % Wilson interval), mean return / length, time to success, n."""
    from roboskill.sim.goals import wilson_interval

    succ = [e.success for e in episodes]
    times = [e.success_step * dt for e in episodes if e.success and e.success_step is not None]
    return {
        "success_rate": float(np.mean(succ)) if succ else 0.0,
        "success_ci95": wilson_interval(int(sum(succ)), len(succ)) if succ else None,
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


__all__ = ["ComponentStats", "EpisodeOutcome", "EpisodeResult", "EvalReport", "ReflectionPoint", "SubTaskResult",
           "as_training_seed", "control_dt", "end_state", "evaluate_plan", "evaluation_decided", "evaluation_seeds", "run_chain",
           "run_episode", "run_subtask", "seed_purpose", "subtask_budget", "summarize", "training_seeds",
           "verification_seeds", "write_json_atomic", "write_report"]
