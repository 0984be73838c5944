"""Receding-horizon trajectory optimisation on an external env, under a CPU budget per episode.

Used by `bench external` for methods (a) and (b): the same planner, only the reward differs. The
env must offer `save_state()` / `restore_state(id)` / `remove_state(id)` (GeneratedRewardEnv forwards
them to panda-gym's sim, goal and time-limit counters included). The sample-and-refit optimiser is
the toolbox's CEM step (`roboskill.tools.trajopt.cem_step`), so (a) and (b) measure roboskill's own
optimiser; only the episode loop lives here because panda-gym's 3/4-number actions differ from SkillEnv's.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import numpy as np

from roboskill.tools.trajopt import cem_step

HORIZON = 10
POPULATION = 16
ELITES = 4
INIT_STD = 0.6


def _cpu() -> float:
    return time.process_time()


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


def plan_episode(env: Any, episode_seed: int, cpu_budget_s: float, seed: int = 0) -> tuple[bool, int]:
    """Run one episode with MPC: at every control step, optimise the next HORIZON actions, apply the first.

    The budget is split evenly over the episode's control steps (at least one CEM iteration each).
    Returns (the env's own is_success at the end, env steps simulated in total).
    """
    rng = np.random.default_rng(seed)
    step_fn = partial(cem_step, population=POPULATION, elites=ELITES)
    obs, info = env.reset(seed=episode_seed)
    space = env.action_space
    dim = int(np.prod(space.shape))
    max_steps = int(getattr(getattr(env, "spec", None), "max_episode_steps", None) or 50)
    per_step = cpu_budget_s / max_steps
    mean = np.zeros((HORIZON, dim))
    used = 0
    success = bool(info.get("is_success", False))
    for _ in range(max_steps):
        deadline = _cpu() + per_step
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
            if _cpu() >= deadline:
                break
        used += counter[0]
        env.restore_state(root)
        env.remove_state(root)
        _, _, terminated, truncated, info = env.step(best[0].astype(space.dtype))
        used += 1
        success = bool(info.get("is_success", False))
        if terminated or truncated:
            break
        mean = np.vstack([best[1:], best[-1:]])  # warm start: shift the plan by one step
    return success, used


def planner_name() -> str:
    return "roboskill.tools.trajopt.cem_step"
