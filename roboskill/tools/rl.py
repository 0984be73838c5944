"""Reinforcement learning of one sub-task with Stable-Baselines3 (PPO or SAC).

Why these choices: PPO steps ~500/s on one CPU core and SAC ~60/s (gradient step per env step), so
RL is the learner of last resort for short, dense-reward sub-tasks; every episode starts where the
previous sub-tasks leave the scene (their skills are replayed on reset), one torch thread per worker,
and a callback both records the reward reflection at regular checkpoints and stops training on a
success plateau or when the wall-clock budget is spent. Checkpoints are saved atomically.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from roboskill.sim.spec import SceneSpec
from roboskill.tools.plan import ReflectionPoint, SkillPlan
from roboskill.tools.reflection import reflection_point
from roboskill.tools.runtime import env_step, expand_action, make_plan_env, set_subtask


class SubtaskGymEnv(gym.Env):
    """Sub-task `index` of a plan as a gymnasium env: 4-d actions, terminates on success."""

    metadata = {"render_modes": []}

    def __init__(self, spec: SceneSpec, plan: SkillPlan, index: int, prefix_skills: list[Any] | None = None,
                 trusted: dict[str, Any] | None = None, seed: int = 0) -> None:
        super().__init__()
        self.env = make_plan_env(spec, seed=seed)
        self.plan, self.index, self.sub = plan, index, plan.subtasks[index]
        self.prefix = list(prefix_skills or [])
        self.trusted = trusted
        self.observation_space = self.env.observation_space
        self.action_space = gym.spaces.Box(-1.0, 1.0, (4,), dtype=np.float32)
        self._rng = np.random.default_rng(seed)
        self._t = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        from roboskill.tools.evaluate import as_training_seed, run_chain

        for _ in range(3):  # a prefix that fails leaves a useless start: try another seed
            s = as_training_seed(int(self._rng.integers(0, 2**31 - 1)))  # never an evaluation start
            if self.index == 0:
                self.env.reset(seed=s)
                break
            if run_chain(self.env, self.plan, self.prefix, s, upto=self.index, trusted=self.trusted).success:
                break
        set_subtask(self.env, self.sub, self.trusted)
        self._t = 0
        return self.env.current_observation(), {}

    def step(self, action: Any):
        r, comps, success = env_step(self.env, expand_action(np.asarray(action, dtype=np.float64)))
        self._t += 1
        info = {"is_success": success, "reward_components": comps}
        return self.env.current_observation(), r, bool(success), self._t >= self.sub.horizon, info

    def close(self) -> None:
        self.env.close()


@dataclass
class RLResult:
    model: Any
    reflection: list[ReflectionPoint] = field(default_factory=list)
    timesteps: int = 0
    path: str | None = None
    stopped: str = ""


def _make_callback(eval_env: SubtaskGymEnv, eval_every: int, n_eval: int, deadline: float, target: float,
                   patience: int, points: list[ReflectionPoint], log_fn: Any = None, started: float = 0.0) -> Any:
    from stable_baselines3.common.callbacks import BaseCallback

    class ReflectionCallback(BaseCallback):
        """Every `eval_every` steps: evaluate, record a reflection point, stop on plateau or deadline."""

        def __init__(self) -> None:
            super().__init__()
            self.good = 0
            self.stopped = ""

        def evaluate(self) -> ReflectionPoint:
            succ, rets, comps = [], [], []
            for k in range(n_eval):
                obs, _ = eval_env.reset(seed=10_000 + k)
                done, ret, ok = False, 0.0, False
                while not done:
                    a, _ = self.model.predict(obs, deterministic=True)
                    obs, r, term, trunc, info = eval_env.step(a)
                    ret += r
                    comps.append(info["reward_components"])
                    ok = ok or info["is_success"]
                    done = term or trunc
                succ.append(ok)
                rets.append(ret)
            pt = reflection_point(self.num_timesteps, succ, rets, comps)
            pt.wall_s = time.monotonic() - started
            return pt

        def _on_step(self) -> bool:
            if time.monotonic() > deadline:
                self.stopped = "budget"
                points.append(self.evaluate())
                return False
            if self.n_calls % eval_every == 0:
                pt = self.evaluate()
                points.append(pt)
                if log_fn:
                    log_fn(pt)
                self.good = self.good + 1 if pt.success_rate >= target else 0
                if self.good >= patience:
                    self.stopped = "plateau"
                    return False
            return True

    return ReflectionCallback()


def train_rl(spec: SceneSpec, plan: SkillPlan, index: int, prefix_skills: list[Any], *, algo: str = "ppo",
             budget_s: float = 60.0, seed: int = 0, out_dir: str | Path | None = None, n_envs: int = 1,
             trusted: dict[str, Any] | None = None, eval_every: int = 2048, n_eval: int = 5,
             target: float = 0.9, patience: int = 2, max_timesteps: int = 10_000_000,
             tensorboard_log: str | Path | None = None) -> RLResult:
    """Train sub-task `index` with PPO or SAC until success plateaus or `budget_s` of wall time passes.

    `tensorboard_log`: a directory for SB3's own TensorBoard scalars (one `<sub-task>_<n>` run in it).
    """
    import torch
    from stable_baselines3 import PPO, SAC
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    torch.set_num_threads(1)
    algo = algo.lower()
    if algo not in ("ppo", "sac"):
        raise ValueError(f"RL algorithm must be 'ppo' or 'sac', got {algo!r}")
    started = time.monotonic()
    deadline = started + budget_s

    def factory(rank: int):
        return lambda: SubtaskGymEnv(spec, plan, index, prefix_skills, trusted, seed=seed + rank)

    if n_envs > 1:
        venv = SubprocVecEnv([factory(i) for i in range(n_envs)], start_method="fork")
    else:
        venv = DummyVecEnv([factory(0)])
    eval_env = SubtaskGymEnv(spec, plan, index, prefix_skills, trusted, seed=seed + 999)
    points: list[ReflectionPoint] = []
    tb = str(tensorboard_log) if tensorboard_log is not None else None
    if algo == "ppo":
        n_steps = max(64, min(1024, eval_every // max(1, n_envs)))
        model = PPO("MlpPolicy", venv, n_steps=n_steps, batch_size=64, learning_rate=3e-4, gamma=0.97,
                    ent_coef=0.0, seed=seed, device="cpu", verbose=0, policy_kwargs={"net_arch": [64, 64]},
                    tensorboard_log=tb)
    else:
        model = SAC("MlpPolicy", venv, learning_starts=200, batch_size=128, gamma=0.97, train_freq=1,
                    seed=seed, device="cpu", verbose=0, policy_kwargs={"net_arch": [128, 128]}, tensorboard_log=tb)
    cb = _make_callback(eval_env, max(1, eval_every // max(1, n_envs)), n_eval, deadline, target, patience, points,
                        started=started)
    try:
        model.learn(total_timesteps=max_timesteps, callback=cb, progress_bar=False,
                    tb_log_name=plan.subtasks[index].name)
    finally:
        venv.close()
        eval_env.close()
    path = None
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        final = out / f"policy_{plan.subtasks[index].name}.zip"
        tmp = out / f".policy_{plan.subtasks[index].name}.{os.getpid()}.tmp.zip"
        model.save(tmp)
        os.replace(tmp, final)
        path = str(final)
    return RLResult(model, points, int(model.num_timesteps), path, cb.stopped)


__all__ = ["RLResult", "SubtaskGymEnv", "train_rl"]
