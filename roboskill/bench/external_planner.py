"""Receding-horizon trajectory optimisation on an external env, under a CPU budget per episode.

Used by `bench external` for methods (a) and (b): the same planner, only the reward differs. The
env must offer `save_state()` / `restore_state(id)` / `remove_state(id)` (GeneratedRewardEnv forwards
them to panda-gym's sim, goal and time-limit counters included). The sample-and-refit optimiser is
the toolbox's (`roboskill.tools.trajopt`) when it offers a callable CEM/MPPI step; until then (or if
its API does not fit) a small CEM with the same protocol runs here — the JSON records which one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

HORIZON = 10
POPULATION = 16
ELITES = 4
INIT_STD = 0.6
MIN_STD = 0.05


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


def cem_step(
    evaluate: Callable[[np.ndarray], float],
    mean: np.ndarray,
    std: np.ndarray,
    rng: np.random.Generator,
    population: int = POPULATION,
    elites: int = ELITES,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """One cross-entropy iteration: sample, score, refit to the elites. Returns (mean, std, best, best score)."""
    samples = np.clip(mean + std * rng.standard_normal((population, *mean.shape)), -1.0, 1.0)
    samples[0] = np.clip(mean, -1.0, 1.0)  # keep the incumbent
    scores = np.array([evaluate(s) for s in samples])
    order = np.argsort(scores)[::-1][:elites]
    elite = samples[order]
    return elite.mean(axis=0), np.maximum(elite.std(axis=0), MIN_STD), samples[order[0]], float(scores[order[0]])


def _toolbox_step() -> tuple[Callable[..., Any] | None, str]:
    """The toolbox's CEM/MPPI iteration if it exposes one with cem_step's signature."""
    try:
        from roboskill.tools import trajopt  # type: ignore[attr-defined]
    except ImportError:
        return None, "bench CEM (roboskill.tools.trajopt not available)"
    for name in ("cem_iteration", "cem_step"):
        fn = getattr(trajopt, name, None)
        if callable(fn):
            return fn, f"roboskill.tools.trajopt.{name}"
    return None, "bench CEM (roboskill.tools.trajopt has no cem_step)"


def plan_episode(env: Any, episode_seed: int, cpu_budget_s: float, seed: int = 0) -> tuple[bool, int]:
    """Run one episode with MPC: at every control step, optimise the next HORIZON actions, apply the first.

    The budget is split evenly over the episode's control steps (at least one CEM iteration each).
    Returns (the env's own is_success at the end, env steps simulated in total).
    """
    rng = np.random.default_rng(seed)
    step_fn, _ = _toolbox_step()
    step_fn = step_fn or cem_step
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
    return _toolbox_step()[1]
