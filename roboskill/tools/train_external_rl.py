"""RL fallback for `learn --env`: SB3 SAC on the generated reward, judged by the env's own success flag.

The sampling trajectory optimiser needs to rewind the env (`save_state` / `restore_state`), which
panda-gym and MuJoCo envs allow and others (a hardware-in-the-loop env, a game) do not. For those —
and for a plan whose sub-task asks for learner "rl" — a policy is trained instead: Stable-Baselines3
SAC on `GeneratedRewardEnv` (the generated `compute_reward(state)` replaces the env's reward, the env's
`info["is_success"]` stays the judge, Eureka's protocol).

Goal-conditioned envs (dict observation with `achieved_goal` / `desired_goal`, e.g. Fetch) train with
HER. HER relabels stored transitions with other goals, so it must recompute the reward for a goal the
transition was not collected with; the generated reward reads a live state, which is gone by then.
`RecordedState` solves that: every step records what the state view showed (the named positions, the
gripper, the grasp flags), and `compute_reward(achieved, desired, info)` re-runs the generated code on
that record with the goal ("target", `goal_position()`) replaced — the same code, the same names.

Training is wall-clock budgeted (not the verdict); evaluation runs `n_eval_episodes` seeded episodes of
the deterministic policy, each judged by the env's flag at its end.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from roboskill.sim.state import StateError


def _recordable_names(state: Any) -> list[str]:
    try:
        return [n for n in state.object_names() if n not in ("target", "goal")][:8]
    except Exception:  # noqa: BLE001
        return []


def record_state(state: Any) -> dict[str, Any]:
    """What generated code may read of `state`, as plain values (positions, gripper, grasp, threshold)."""
    rec: dict[str, Any] = {"positions": {}, "grasped": {}}
    for name in _recordable_names(state):
        try:
            rec["positions"][name] = np.asarray(state.object_position(name), dtype=np.float64).copy()
        except Exception:  # noqa: BLE001 - a name the view cannot place (e.g. before reset)
            continue
        try:
            rec["grasped"][name] = bool(state.is_grasped(name))
        except Exception:  # noqa: BLE001
            pass
    for key, fn in (("ee", "ee_position"), ("ee_velocity", "ee_velocity")):
        try:
            rec[key] = np.asarray(getattr(state, fn)(), dtype=np.float64).copy()
        except Exception:  # noqa: BLE001
            pass
    for key, fn in (("gripper_opening", "gripper_opening"), ("success_threshold", "success_threshold")):
        try:
            rec[key] = float(getattr(state, fn)())
        except Exception:  # noqa: BLE001
            pass
    rec["initial"] = {k: v.copy() for k, v in getattr(state, "_initial", {}).items()}
    return rec


def _state_base() -> type:
    from roboskill.sim.external import ExternalState

    return ExternalState


class RecordedState(_state_base()):  # type: ignore[misc]
    """A state view over one recorded step with the goal replaced (HER's relabelled transitions)."""

    def __init__(self, record: dict[str, Any], goal: np.ndarray, achieved: np.ndarray | None = None) -> None:
        super().__init__()
        self._rec = record
        self._goal = np.asarray(goal, dtype=np.float64).reshape(-1)[:3]
        self._achieved = None if achieved is None else np.asarray(achieved, dtype=np.float64).reshape(-1)
        self._initial = dict(record.get("initial") or {})
        self.env_id = "recorded"

    def object_names(self) -> list[str]:
        return [*self._rec["positions"], "target"]

    def _position(self, name: str) -> np.ndarray:
        if name in ("target", "goal"):
            return self._goal.copy()
        try:
            return self._rec["positions"][name].copy()
        except KeyError:
            raise self._unknown(name) from None

    def goal_position(self, name: str | None = None) -> np.ndarray:
        return self._goal.copy()

    def achieved_goal(self) -> np.ndarray:
        if self._achieved is None:
            raise self._unsupported("achieved_goal")
        return self._achieved.copy()

    def _get(self, key: str) -> Any:
        if key not in self._rec:
            raise StateError(f"{key} was not recorded for HER relabelling")
        return self._rec[key]

    def ee_position(self) -> np.ndarray:
        return np.asarray(self._get("ee")).copy()

    def ee_velocity(self) -> np.ndarray:
        return np.asarray(self._get("ee_velocity")).copy()

    def gripper_opening(self) -> float:
        return float(self._get("gripper_opening"))

    def success_threshold(self) -> float:
        return float(self._get("success_threshold"))

    def is_grasped(self, name: str) -> bool:
        return bool(self._rec["grasped"].get(name, False))


def _her_env_class() -> type:
    from roboskill.sim.external import GeneratedRewardEnv

    class HerRewardEnv(GeneratedRewardEnv):
        """GeneratedRewardEnv that records each step's state view and recomputes the generated reward for
        any goal (`compute_reward(achieved_goal, desired_goal, info)`, what SB3's HER calls)."""

        def step(self, action: Any):
            obs, reward, terminated, truncated, info = super().step(action)
            info["state_record"] = record_state(self.state)
            return obs, reward, terminated, truncated, info

        def compute_reward(self, achieved_goal: Any, desired_goal: Any, info: Any) -> np.ndarray:
            achieved = np.asarray(achieved_goal, dtype=np.float64)
            desired = np.asarray(desired_goal, dtype=np.float64)
            infos = np.atleast_1d(np.asarray(info, dtype=object)) if not isinstance(info, dict) else np.array([info])
            batched = desired.ndim > 1
            achieved, desired = np.atleast_2d(achieved), np.atleast_2d(desired)
            out = np.empty(len(desired), dtype=np.float32)
            for i in range(len(desired)):
                rec = (infos[i] if i < len(infos) else {}).get("state_record")
                if rec is None:
                    out[i] = -float(np.linalg.norm(achieved[i] - desired[i]))
                    continue
                out[i] = float(self._functions.compute_reward(RecordedState(rec, desired[i], achieved[i]))[0])
            return out if batched else out[0]

    return HerRewardEnv


def is_goal_conditioned(env: Any) -> bool:
    import gymnasium as gym

    space = env.observation_space
    return isinstance(space, gym.spaces.Dict) and {"observation", "achieved_goal", "desired_goal"} <= set(space.spaces)


def train_sac(env: Any, budget_s: float, seed: int = 0, *, her: bool | None = None) -> tuple[Any, dict[str, Any]]:
    """SAC (with HER on goal-conditioned envs) on `env`'s reward for about `budget_s` wall-clock seconds."""
    import torch
    from stable_baselines3 import SAC, HerReplayBuffer
    from stable_baselines3.common.callbacks import BaseCallback

    torch.set_num_threads(1)
    her = is_goal_conditioned(env) if her is None else her
    deadline = time.monotonic() + budget_s

    class Budget(BaseCallback):
        def _on_step(self) -> bool:
            return time.monotonic() < deadline

    kwargs: dict[str, Any] = {}
    if her:
        kwargs = {"replay_buffer_class": HerReplayBuffer,
                  "replay_buffer_kwargs": {"n_sampled_goal": 4, "goal_selection_strategy": "future"}}
    policy = "MultiInputPolicy" if hasattr(env.observation_space, "spaces") else "MlpPolicy"
    model = SAC(policy, env, learning_starts=min(1000, max(100, int(budget_s * 10))), batch_size=256, seed=seed,
                device="cpu", verbose=0, **kwargs)
    model.learn(total_timesteps=10_000_000, callback=Budget())
    return model, {"algorithm": "SAC" + ("+HER" if her else ""), "env_steps": int(model.num_timesteps)}


def make_rl_env(env_id: str, reward_code: str, success_code: str | None, *, render: bool = False) -> Any:
    """The env an RL sub-task trains on: HER-capable GeneratedRewardEnv over `make_external_env(env_id)`."""
    from roboskill.sim.external import external_state, make_external_env
    from roboskill.tools.train_external import _Functions

    base = make_external_env(env_id, **({"render_mode": "rgb_array"} if render else {}))
    state = external_state(base, env_id)
    return _her_env_class()(base, None, env_id=env_id, state=state, reward_functions=_Functions(reward_code, success_code))


def evaluate_rl(model: Any, env: Any, seeds: list[int], frame_hook: Any = None) -> list[Any]:
    """Deterministic-policy episodes from `seeds`; success = the env's own flag at the end of each episode."""
    from roboskill.tools.evaluate import EpisodeResult
    from roboskill.tools.runtime import StepLog

    episodes = []
    for k, seed in enumerate(seeds):
        obs, info = env.reset(seed=seed)
        log, done, success = StepLog(), False, bool(info.get("is_success", False))
        ep = EpisodeResult(seed, False, [], 0.0, 0, None, [], judged_by="env")
        while not done:
            action, _ = model.predict(obs, deterministic=True)
            obs, reward, terminated, truncated, info = env.step(action)
            if frame_hook is not None and k == 0:
                frame_hook(env)
            log.actions.append(np.asarray(action, dtype=np.float32))
            log.rewards.append(float(reward))
            log.components.append(dict(info.get("reward_components") or {}))
            success = bool(info.get("is_success", False))
            ep.length += 1
            done = terminated or truncated
        ep.success = success
        ep.success_step = ep.length if success else None
        ep.sub_success.append(success)
        ep.sub_logs.append(log)
        ep.ret = float(sum(log.rewards))
        episodes.append(ep)
    return episodes


__all__ = ["RecordedState", "evaluate_rl", "is_goal_conditioned", "make_rl_env", "record_state", "train_sac"]
