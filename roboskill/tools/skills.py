"""Learned sub-task solutions with one interface: `skill.run(env, max_steps, log, rng)`.

Why one interface: the evaluator, the chain runner (which replays earlier sub-tasks to reach the
start state of a later one) and the video recorder treat primitives, optimised trajectories and RL
policies alike. Every `run` acts from the env's current state through `env.step` and records into a
`StepLog` (success is whatever the env's current success function says).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from roboskill.tools.plan import PrimitiveCall
from roboskill.tools.runtime import StepLog, env_step, expand_action


@dataclass
class PrimitiveSkill:
    call: PrimitiveCall
    kind: str = "primitive"

    def run(self, env: Any, max_steps: int, log: StepLog, rng: np.random.Generator | None = None) -> bool:
        from roboskill.tools.primitives import run_primitive

        res = run_primitive(env, self.call, max_steps=max_steps, log=log)
        self.last_message = res.message
        self.last_reached = res.reached
        return res.reached


@dataclass
class TrajectorySkill:
    """A nominal trajectory plus the MPC that re-plans it from each episode's actual state."""

    actions: np.ndarray                      # T x 5 env actions (what was executed in training)
    config: Any = None                       # TrajoptConfig
    per_episode_budget_s: float = 20.0
    closed_loop: bool = True
    kind: str = "trajopt"

    def run(self, env: Any, max_steps: int, log: StepLog, rng: np.random.Generator | None = None) -> bool:
        from roboskill.tools.trajopt import TrajoptConfig, mpc_run, replay

        if not self.closed_loop:
            return replay(env, self.actions[:max_steps], log)
        rng = rng or np.random.default_rng(0)
        nominal = np.concatenate([self.actions[:, :3], self.actions[:, 4:5]], axis=1) if len(self.actions) else None
        res = mpc_run(env, max_steps, self.config or TrajoptConfig(), rng, log=log, nominal=nominal,
                      deadline=time.monotonic() + self.per_episode_budget_s)
        return res.success


@dataclass
class PolicySkill:
    """An SB3 policy over 4-d actions (dx, dy, dz, gripper); deterministic at evaluation."""

    model: Any
    kind: str = "rl"
    stop_on_success: bool = True
    obs_fn: Any = field(default=None, repr=False)

    def run(self, env: Any, max_steps: int, log: StepLog, rng: np.random.Generator | None = None) -> bool:
        success = False
        for _ in range(max_steps):
            obs = env.current_observation()
            action, _ = self.model.predict(obs, deterministic=True)
            _, _, s = env_step(env, expand_action(np.asarray(action, dtype=np.float64)), log)
            success = success or s
            if success and self.stop_on_success:
                break
        return success


__all__ = ["PolicySkill", "PrimitiveSkill", "TrajectorySkill"]
