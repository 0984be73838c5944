"""Receding-horizon trajectory optimisation on an external env, under a sample budget per episode.

Used by `learn --env` (`roboskill.tools.train_external`, its rollouts) and by `bench external` for
methods (a) and (b): the same planner, only the reward differs. The env must offer `save_state()` /
`restore_state(id)` / `remove_state(id)` (GeneratedRewardEnv forwards them to panda-gym's sim, goal
and time-limit counters included). The sample-and-refit optimiser is the toolbox's CEM step
(`roboskill.tools.trajopt.cem_step`); only the episode loop lives here because panda-gym's 3/4-number
actions differ from SkillEnv's.

Budgets are env steps simulated by the planner's rollouts (samples), never seconds, so the load of
the machine does not change what the planner does (and so the verdict).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from roboskill.tools.trajopt import cem_step

HORIZON = 10
POPULATION = 16
ELITES = 4
INIT_STD = 0.6


def rollout_return(env: Any, root: int, actions: np.ndarray) -> tuple[float, int]:
    """Sum of rewards of `actions` from snapshot `root` (stops at termination); returns (return, steps)."""
    env.restore_state(root)
    total, steps = 0.0, 0
    for action in actions:
        _, reward, terminated, truncated, info = env.step(action)
        steps += 1
        total += float(reward)
        if terminated or truncated:
            break
    return total, steps


def plan_episode(env: Any, episode_seed: int, sample_budget: int, seed: int = 0) -> tuple[bool, int]:
    """Run one episode with MPC: at every control step, optimise the next HORIZON actions, apply the first.

    `sample_budget`: env steps the planner's rollouts may simulate over the whole episode, split
    evenly over its control steps (at least one CEM iteration each).
    Returns (the env's own `info["is_success"]` at the END of the episode, env steps simulated in total).
    """
    rng = np.random.default_rng(seed)
    step_fn = partial(cem_step, population=POPULATION, elites=ELITES)
    obs, info = env.reset(seed=episode_seed)
    space = env.action_space
    dim = int(np.prod(space.shape))
    max_steps = int(getattr(getattr(env, "spec", None), "max_episode_steps", None) or 50)
    per_step = max(1, int(sample_budget) // max_steps)
    mean = np.zeros((HORIZON, dim))
    used = 0
    success = bool(info.get("is_success", False))
    for _ in range(max_steps):
        root = env.save_state()
        std = np.full_like(mean, INIT_STD)
        counter = [0]

        def evaluate(actions: np.ndarray) -> float:
            ret, n = rollout_return(env, root, actions)
            counter[0] += n
            return ret

        best = mean
        while True:
            mean, std, best, _ = step_fn(evaluate, mean, std, rng)
            if counter[0] >= per_step:
                break
        used += counter[0]
        env.restore_state(root)
        env.remove_state(root)
        _, _, terminated, truncated, info = env.step(best[0].astype(space.dtype))
        used += 1
        success = bool(info.get("is_success", False))  # the verdict is the last step's: the end of the episode
        if terminated or truncated:
            break
        mean = np.vstack([best[1:], best[-1:]])  # warm start: shift the plan by one step
    return success, used


def planner_name() -> str:
    return "roboskill.tools.trajopt.cem_step"


__all__ = ["ELITES", "HORIZON", "INIT_STD", "POPULATION", "plan_episode", "planner_name", "rollout_return"]
