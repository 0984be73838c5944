"""Sampling-based trajectory optimisation (CEM / MPPI) over env action sequences, receding horizon.

Why sampling-based MPC: generated rewards are black boxes (sandboxed code over the state), so no
gradients; PyBullet's saveState/restoreState makes "try K action sequences from here" cheap (a
restore costs microseconds, the env steps ~1,300/s on one core). Each control step plans the next
`plan_horizon` actions (4-d: dx, dy, dz, gripper), warm-started from the previous plan shifted by the
executed steps (or from a nominal trajectory), executes the first `execute` actions, and re-plans.
The executed actions form a replayable trajectory (`.npz`).

The rollout score is the sum of the generated rewards plus `success_bonus` per step in success,
so plans that succeed earlier score higher whatever the reward's scale.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from roboskill.tools.runtime import StepLog, env_step, expand_action

MIN_STD = 0.05


@dataclass
class TrajoptConfig:
    method: str = "mppi"          # "mppi" or "cem"
    plan_horizon: int = 12        # actions planned per replan
    population: int = 20
    elites: int = 4               # CEM
    iterations: int = 2           # optimiser iterations per replan
    execute: int = 3              # actions executed per replan
    init_std: float = 0.6
    temperature: float = 0.5      # MPPI, relative to the score spread
    success_bonus: float = 1.0
    eval_max_sim_steps: int | None = 6000
    """Sample budget (simulated rollout steps) of one evaluation run of a trajopt sub-task (6000: about 5 s of
    one core; once spent, the current plan plays open loop); None: the MPC plans every step of the sub-task's
    horizon. Never seconds, so a verdict does not depend on load; 20 evaluation starts stay within a job's time."""


def cem_step(evaluate: Callable[[np.ndarray], float], mean: np.ndarray, std: np.ndarray, rng: np.random.Generator,
             population: int = 20, elites: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """One cross-entropy iteration: sample, score, refit to the elites. Returns (mean, std, best, best score)."""
    samples = np.clip(mean + std * rng.standard_normal((population, *mean.shape)), -1.0, 1.0)
    samples[0] = np.clip(mean, -1.0, 1.0)  # keep the incumbent
    scores = np.array([evaluate(s) for s in samples])
    order = np.argsort(scores)[::-1][:elites]
    elite = samples[order]
    return elite.mean(axis=0), np.maximum(elite.std(axis=0), MIN_STD), samples[order[0]], float(scores[order[0]])


def mppi_step(evaluate: Callable[[np.ndarray], float], mean: np.ndarray, std: np.ndarray, rng: np.random.Generator,
              population: int = 20, temperature: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """One MPPI iteration: exponentially weighted average of perturbed sequences (same return as cem_step)."""
    samples = np.clip(mean + std * rng.standard_normal((population, *mean.shape)), -1.0, 1.0)
    samples[0] = np.clip(mean, -1.0, 1.0)
    scores = np.array([evaluate(s) for s in samples])
    spread = max(float(scores.max() - scores.min()), 1e-6)
    w = np.exp((scores - scores.max()) / (temperature * spread))
    w /= w.sum()
    new_mean = np.tensordot(w, samples, axes=1)
    var = np.tensordot(w, (samples - new_mean) ** 2, axes=1)
    best = int(np.argmax(scores))
    return new_mean, np.maximum(np.sqrt(var), MIN_STD), samples[best], float(scores[best])


def rollout_score(env: Any, root: int, actions: np.ndarray, success_bonus: float = 1.0) -> tuple[float, int]:
    """Restore `root`, play 4-d `actions`, return (score, steps)."""
    env.restore_state(root)
    total = 0.0
    for a in actions:
        r, _, success = env_step(env, expand_action(a))
        total += r + (success_bonus if success else 0.0)
    return total, len(actions)


@dataclass
class MPCResult:
    success: bool
    log: StepLog
    sim_steps: int
    replans: int = 0
    budget_spent: str = ""  # "samples" | "deadline": ran out of planning budget, played the plan open loop


def mpc_run(env: Any, max_steps: int, cfg: TrajoptConfig, rng: np.random.Generator, *, log: StepLog | None = None,
            nominal: np.ndarray | None = None, deadline: float | None = None, stop_on_success: bool = True,
            max_sim_steps: int | None = None, scores: list[float] | None = None) -> MPCResult:
    """Receding-horizon optimisation from the env's current state; executes up to `max_steps` actions.

    Budgets: `max_sim_steps` caps the simulated rollout steps spent planning (a sample budget: the
    same result on any machine, whatever its load — what evaluation uses); `deadline` (a
    `time.monotonic()` value) caps wall time (training only: a loaded machine plans less). Without
    either, the cost is bounded anyway: ceil(max_steps / execute) replans of population x iterations
    x plan_horizon steps. Once a budget is spent the current plan is played open loop.
    `scores` (a list) receives the best sampled plan score of every replan: the optimiser's score curve.
    """
    log = log if log is not None else StepLog()
    H = cfg.plan_horizon
    mean = np.zeros((H, 4))
    mean[:, 3] = 1.0  # gripper open unless the reward wants otherwise
    if nominal is not None and len(nominal):
        n = min(H, len(nominal))
        mean[:n] = nominal[:n]
    sim_steps = 0
    executed = 0
    replans = 0
    spent = ""
    success = False
    step_fn = mppi_step if cfg.method == "mppi" else cem_step
    per_replan = cfg.population * cfg.iterations * H
    while executed < max_steps:
        if max_sim_steps is not None and sim_steps + per_replan > max_sim_steps:
            spent = "samples"
        elif deadline is not None and time.monotonic() > deadline:
            spent = "deadline"
        if spent:
            # out of planning budget: play the current plan open loop for the rest of the episode
            for a in np.concatenate([mean, np.repeat(mean[-1:], max_steps, axis=0)])[:max_steps - executed]:
                _, _, s = env_step(env, expand_action(a), log)
                success = success or s
                executed += 1
                if success and stop_on_success:
                    break
            break
        root = env.save_state()
        std = np.full_like(mean, cfg.init_std)
        counter = [0]

        def evaluate(seq: np.ndarray) -> float:
            score, n = rollout_score(env, root, seq, cfg.success_bonus)
            counter[0] += n
            return score

        best = mean
        best_score = -np.inf
        for it in range(cfg.iterations):
            if cfg.method == "mppi":
                mean, std, cand, score = step_fn(evaluate, mean, std, rng, cfg.population, cfg.temperature)
            else:
                mean, std, cand, score = step_fn(evaluate, mean, std, rng, cfg.population, cfg.elites)
            if score > best_score:
                best, best_score = cand, score
            if deadline is not None and time.monotonic() > deadline:
                break
        sim_steps += counter[0]
        replans += 1
        if scores is not None:
            scores.append(float(best_score))
        env.restore_state(root)
        env.remove_state(root)
        n_exec = min(cfg.execute, max_steps - executed)
        for a in best[:n_exec]:
            _, _, s = env_step(env, expand_action(a), log)
            success = success or s
        executed += n_exec
        if success and stop_on_success:
            break
        # shift the plan (and blend in the nominal trajectory where there is one)
        mean = np.concatenate([best[n_exec:], np.repeat(best[-1:], n_exec, axis=0)])
        if nominal is not None and executed < len(nominal):
            seg = nominal[executed:executed + H]
            mean[:len(seg)] = 0.5 * mean[:len(seg)] + 0.5 * seg
    return MPCResult(success, log, sim_steps, replans, spent)


def replay(env: Any, actions: np.ndarray, log: StepLog | None = None, stop_on_success: bool = True) -> bool:
    """Open-loop replay of 5-d (or 4-d) actions from the current state; True if success was reached."""
    success = False
    for a in actions:
        _, _, s = env_step(env, a, log)
        success = success or s
        if success and stop_on_success:
            break
    return success


def save_trajectory(path: str, actions: np.ndarray, **meta: Any) -> None:
    """Atomic .npz with `actions` (T x 5 env actions) and metadata arrays."""
    import os

    tmp = f"{path}.{os.getpid()}.tmp.npz"
    np.savez_compressed(tmp, actions=np.asarray(actions, dtype=np.float32),
                        **{k: np.asarray(v) for k, v in meta.items()})
    os.replace(tmp, path)


__all__ = ["MPCResult", "TrajoptConfig", "cem_step", "mppi_step", "mpc_run", "replay", "rollout_score", "save_trajectory"]
