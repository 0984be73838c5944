"""Learned sub-task solutions with one interface: `skill.run(env, max_steps, log, rng)`.

Why one interface: the evaluator, the chain runner (which replays earlier sub-tasks to reach the
start state of a later one) and the video recorder treat primitives, optimised trajectories and RL
policies alike. Every `run` acts from the env's current state through `env.step` and records into a
`StepLog` (success is whatever the env's current success function says). `last_message` says what
the skill reported about its last run (why a primitive failed, an MPC that ran out of samples), for
the per-episode record of an evaluation.

Budgets are samples, never seconds: a `TrajectorySkill` re-plans with a fixed number of simulated
rollout steps (`max_sim_steps`), so evaluating the same skill twice gives the same episodes whatever
the machine's load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from roboskill.tools.plan import PrimitiveCall
from roboskill.tools.runtime import StepLog, env_step, expand_action


@dataclass
class PrimitiveSkill:
    call: PrimitiveCall
    kind: str = "primitive"
    last_message: str = field(default="", init=False, repr=False)
    last_reached: bool = field(default=False, init=False, repr=False)

    def run(self, env: Any, max_steps: int, log: StepLog, rng: np.random.Generator | None = None) -> bool:
        from roboskill.tools.primitives import run_primitive

        res = run_primitive(env, self.call, max_steps=max_steps, log=log)
        self.last_message = res.message
        self.last_reached = res.reached
        return res.reached


@dataclass
class TrajectorySkill:
    """A nominal trajectory plus the MPC that re-plans it from each episode's actual state.

    `max_sim_steps`: the planning budget of one run in simulated rollout steps (None: plan every
    step of the horizon); there is deliberately no wall-clock budget.
    """

    actions: np.ndarray                      # T x 5 env actions (what was executed in training)
    config: Any = None                       # TrajoptConfig
    max_sim_steps: int | None = None
    closed_loop: bool = True
    kind: str = "trajopt"
    last_message: str = field(default="", init=False, repr=False)

    def run(self, env: Any, max_steps: int, log: StepLog, rng: np.random.Generator | None = None) -> bool:
        from roboskill.tools.trajopt import TrajoptConfig, mpc_run, replay

        self.last_message = ""
        if not self.closed_loop:
            return replay(env, self.actions[:max_steps], log)
        rng = rng or np.random.default_rng(0)
        nominal = np.concatenate([self.actions[:, :3], self.actions[:, 4:5]], axis=1) if len(self.actions) else None
        res = mpc_run(env, max_steps, self.config or TrajoptConfig(), rng, log=log, nominal=nominal,
                      max_sim_steps=self.max_sim_steps)
        if res.budget_spent:
            self.last_message = (f"planning budget of {self.max_sim_steps} simulated steps spent after {res.replans} "
                                 f"re-plans; the rest of the plan was played open loop")
        return res.success


@dataclass
class PolicySkill:
    """An SB3 policy over 4-d actions (dx, dy, dz, gripper); deterministic at evaluation."""

    model: Any
    kind: str = "rl"
    stop_on_success: bool = True
    obs_fn: Any = field(default=None, repr=False)
    """env -> the observation the policy was trained on (set when a skill runs in another scene with rebound
    objects: `roboskill.tools.skill_runner.observation_adapter`); None reads `env.current_observation()`."""
    last_message: str = field(default="", init=False, repr=False)

    def run(self, env: Any, max_steps: int, log: StepLog, rng: np.random.Generator | None = None) -> bool:
        success = False
        for _ in range(max_steps):
            obs = self.obs_fn(env) if self.obs_fn is not None else env.current_observation()
            action, _ = self.model.predict(obs, deterministic=True)
            _, _, s = env_step(env, expand_action(np.asarray(action, dtype=np.float64)), log)
            success = success or s
            if success and self.stop_on_success:
                break
        return success


@dataclass
class ChainedSkill:
    """A library skill reused as one sub-task: its own steps in order, each with its own success check.

    Why its own checks: the reused skill was accepted with them; a step that fails here stops the chain and
    names the step, so the critic can tell "the reused skill does not work in this scene" (re-learn it) from
    "the new steps fail".
    """

    name: str
    plan: Any                                # the reused skill's SkillPlan, rebound to this scene's names
    skills: list[Any]
    kind: str = "skill"
    last_message: str = field(default="", init=False, repr=False)

    def run(self, env: Any, max_steps: int, log: StepLog, rng: np.random.Generator | None = None) -> bool:
        from roboskill.tools.evaluate import subtask_budget
        from roboskill.tools.runtime import has_success, set_subtask, set_task

        self.last_message = ""
        ok = True
        for sub, skill in zip(self.plan.subtasks, self.skills):
            set_subtask(env, sub)
            reached = skill.run(env, subtask_budget(sub), log, rng)
            ok = bool(env.evaluate()[2]) if has_success(env) else bool(reached)
            if not ok:
                inner = str(getattr(skill, "last_message", "") or "")
                self.last_message = f"reused skill {self.name!r}: its step {sub.name!r} failed" + (f" ({inner})" if inner else "")
                break
        set_task(env, None, None)  # the outer sub-task's verdict is this chain's, not its last step's check
        return ok


__all__ = ["ChainedSkill", "PolicySkill", "PrimitiveSkill", "TrajectorySkill"]
