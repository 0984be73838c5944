"""Shared plumbing of the learners: one env per plan, per-sub-task reward swapping, step logging.

Why: every learner (primitive, trajopt, RL) and the evaluator act through the same `SkillEnv`
action interface, so a trajectory produced by any of them replays the same way, videos show what
was evaluated, and the reward reflection sees the same components. A plan runs in ONE env (the
state after sub-task i is where sub-task i+1 starts); only the reward/success functions change
between sub-tasks (`set_task`).

The env is built with `action_mode="xyz_yaw_gripper"` (5 numbers: dx, dy, dz, dyaw, gripper) so the
primitives can turn the gripper; learners that search over 4 numbers use `expand_action`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from roboskill.sim.spec import SceneSpec
from roboskill.tools.plan import SubTask

ACTION_DIM = 5  # dx, dy, dz, dyaw, gripper


def make_plan_env(spec: SceneSpec, *, seed: int | None = 0, horizon: int = 10_000, render: bool = False) -> Any:
    """A SkillEnv for running plans: long horizon (sub-task budgets are enforced by the callers)."""
    from roboskill.sim.env import SkillEnv

    return SkillEnv(spec, None, None, horizon=horizon, seed=seed, action_mode="xyz_yaw_gripper",
                    render_mode="rgb_array" if render else None)


def set_task(env: Any, reward: Any = None, success: Any = None) -> None:
    """Swap the env's reward / success functions (source code -> sandbox loader; callables trusted).

    Uses the env's own loader so generated code is compiled exactly as `SkillEnv` would compile it.
    """
    from roboskill.sim.env import _load_functions

    env._reward_fn, env._success_fn = _load_functions(reward, success, getattr(env, "_code_limit_s", 0.5))


def set_subtask(env: Any, sub: SubTask, trusted: dict[str, Any] | None = None) -> None:
    """Install a sub-task's reward/success (trusted callables from `trusted[sub.name]` win: reference tasks)."""
    if trusted and sub.name in trusted:
        reward, success = trusted[sub.name]
    else:
        reward, success = sub.reward_code or None, sub.success_code or None
    set_task(env, reward, success)


def has_success(env: Any) -> bool:
    return getattr(env, "_success_fn", None) is not None


def expand_action(a4: np.ndarray) -> np.ndarray:
    """(dx, dy, dz, grip) -> (dx, dy, dz, 0 yaw, grip); batches too."""
    a4 = np.asarray(a4, dtype=np.float64)
    out = np.zeros(a4.shape[:-1] + (ACTION_DIM,))
    out[..., :3] = a4[..., :3]
    out[..., 4] = a4[..., 3]
    return out


@dataclass
class StepLog:
    """What happened while a skill acted: actions (replayable), rewards, components, success step."""

    actions: list[np.ndarray] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    components: list[dict[str, float]] = field(default_factory=list)
    success_step: int | None = None

    def __len__(self) -> int:
        return len(self.actions)


def env_step(env: Any, action: np.ndarray, log: StepLog | None = None) -> tuple[float, dict[str, float], bool]:
    """One env step with a 5-d action; records it in `log`; returns (reward, components, success)."""
    a = np.clip(np.asarray(action, dtype=np.float64).reshape(-1), -1.0, 1.0)
    if a.shape[0] == 4:
        a = expand_action(a)
    _, r, _, _, info = env.step(a)
    comps = info.get("reward_components", {})
    success = bool(info.get("is_success", False))
    if log is not None:
        log.actions.append(a.astype(np.float32))
        log.rewards.append(float(r))
        log.components.append(dict(comps))
        if success and log.success_step is None:
            log.success_step = len(log.actions)
    return float(r), comps, success


def wrap_angle(a: float) -> float:
    return (a + math.pi) % (2 * math.pi) - math.pi


def control_dt(env: Any) -> float:
    return float(getattr(env.world, "time_step", 1 / 240)) * int(getattr(env, "action_repeat", 6))
