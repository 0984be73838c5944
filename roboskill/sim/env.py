"""`SkillEnv`: a gymnasium env from (scene spec, reward, success, horizon) for learners.

Action (Box(-1, 1)): end-effector Δx, Δy, Δz (scaled by `max_delta` metres per step), optional
Δyaw (`action_mode="xyz_yaw_gripper"`), then the gripper command (+1 open, -1 closed); the robot
turns it into joint targets through IK. Observation: robot proprioception, then per scene object
position / quaternion / linear velocity, then the open fraction of every articulation joint; the
exact layout is `env.observation_layout()`.

Reward and success come either from generated source code, loaded through the sandbox
(`roboskill.tools.sandbox.load_reward_module` — this env therefore belongs in a sandbox worker
process, never the agent process), or from trusted Python callables `fn(state)` (reference tasks).
Their named reward components and the success flag are in `info` every step.

Speed: the per-step work is one IK solve, `action_repeat` physics steps and one read of every body
(shared with the reward through the State cache), so reward terms cost almost nothing extra.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import gymnasium as gym
import numpy as np
import pybullet as p

from roboskill.sim.spec import SceneSpec
from roboskill.sim.state import State

#: Physics steps (1/240 s each) per env step: ~0.021 s of simulated time per action (48 Hz control).
DEFAULT_ACTION_REPEAT = 5
#: Metres the end-effector target moves per unit action per env step.
DEFAULT_MAX_DELTA = 0.025
#: Radians of yaw per unit action per env step (xyz_yaw_gripper mode).
DEFAULT_MAX_DELTA_YAW = 0.2
#: Physics steps run after each reset so objects placed a millimetre above their support settle.
SETTLE_STEPS = 10

RewardLike = str | Callable[[Any], tuple[float, dict[str, float]]] | None
SuccessLike = str | Callable[[Any], bool] | None


class EnvError(ValueError):
    """Bad env arguments (the message names the argument and the fix)."""


def _build_world(spec: SceneSpec, seed: int | None) -> Any:
    """Build without re-running scene validation (specs reaching an env were validated upstream)."""
    from roboskill.sim import builder

    try:
        return builder.build_scene(spec, seed=seed, validate=False)
    except ImportError:  # builder without its validation module: build directly
        return builder._build(spec, client=None, seed=seed)


class SkillEnv(gym.Env):
    """A scene spec as a gymnasium env. See docs/contracts.md, "Gym env"."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 25}

    def __init__(
        self,
        spec: SceneSpec | dict[str, Any],
        reward_source: RewardLike = None,
        success_source: SuccessLike = None,
        horizon: int = 100,
        seed: int | None = None,
        render_mode: str | None = None,
        action_repeat: int = DEFAULT_ACTION_REPEAT,
        *,
        action_mode: Literal["xyz_gripper", "xyz_yaw_gripper"] = "xyz_gripper",
        max_delta: float = DEFAULT_MAX_DELTA,
        max_delta_yaw: float = DEFAULT_MAX_DELTA_YAW,
        terminate_on_success: bool = False,
        code_time_limit_s: float = 0.5,
        render_size: tuple[int, int] = (320, 240),
        camera: str | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(spec, SceneSpec):
            spec = SceneSpec.from_dict(spec)
        if horizon < 1:
            raise EnvError(f"horizon must be >= 1, got {horizon}")
        if action_repeat < 1:
            raise EnvError(f"action_repeat must be >= 1, got {action_repeat}")
        if action_mode not in ("xyz_gripper", "xyz_yaw_gripper"):
            raise EnvError(f"action_mode must be 'xyz_gripper' or 'xyz_yaw_gripper', got {action_mode!r}")
        if render_mode not in (None, "rgb_array"):
            raise EnvError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.scene_spec = spec
        self.horizon = int(horizon)
        self.action_repeat = int(action_repeat)
        self.action_mode = action_mode
        self.max_delta = float(max_delta)
        self.max_delta_yaw = float(max_delta_yaw)
        self.terminate_on_success = terminate_on_success
        self.render_mode = render_mode
        self.render_size = render_size
        self.camera = camera
        self._seed = seed

        self.world = _build_world(spec, seed)
        self.robot = self.world.robot
        dt = float(getattr(self.world, "time_step", 1.0 / 240.0)) * self.action_repeat
        self.state = State(self.world, cached=True, control_dt=dt)
        self.metadata = {**self.metadata, "render_fps": max(1, int(round(1.0 / dt)))}

        self.code_time_limit_s = float(code_time_limit_s)
        self._code_limit_s = self.code_time_limit_s  # alias read by tools/runtime.py
        self._reward_fn, self._success_fn = load_functions(reward_source, success_source, code_time_limit_s)

        # observation layout: proprioception, objects (pos, quat, linvel), joint open fractions
        from roboskill.sim.robot import PROPRIO_LAYOUT

        self._objects = [o.name for o in spec.objects]
        self._object_bodies = [int(self.world.bodies[n]) for n in self._objects]
        self._joints = list(self.world.joints)
        layout: dict[str, tuple[int, int]] = {}
        i = len(PROPRIO_LAYOUT)
        layout["proprio"] = (0, i)
        for n in self._objects:
            for field, size in (("pos", 3), ("quat", 4), ("vel", 3)):
                layout[f"{n}.{field}"] = (i, i + size)
                i += size
        for j in self._joints:
            layout[f"{j}.open"] = (i, i + 1)
            i += 1
        self._layout = layout
        self._obs_size = i
        self._proprio_names = PROPRIO_LAYOUT
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (i,), dtype=np.float32)
        n_act = 5 if action_mode == "xyz_yaw_gripper" else 4
        self.action_space = gym.spaces.Box(-1.0, 1.0, (n_act,), dtype=np.float32)

        self._t = 0
        self._snapshots: dict[int, tuple[int, dict[str, float]]] = {}
        self._pristine = self.world.save_state()
        self._episode_seed_rng = np.random.default_rng(seed)
        self._last_success = False
        self._recorder: Any = None
        #: Highest open fraction each joint reached this episode (goals over momentary controls, e.g. a
        #: sprung button); saved and restored with snapshots so planners' imagined rollouts never count.
        self.joint_peaks: dict[str, float] = {}

    # --------------------------------------------------------------------------------- gym API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self._episode_seed_rng = np.random.default_rng(seed)
        episode_seed = int(self._episode_seed_rng.integers(0, 2**31 - 1))
        # restore the just-built physics state first, so contact caches never leak across episodes
        self.world.restore_state(self._pristine)
        self.world.reset(episode_seed)
        self.world.step(SETTLE_STEPS)
        self._sync_kinematics()
        self.state.record_initial()
        self._t = 0
        self.joint_peaks = {}
        obs = self._observe()
        reward, components = self._evaluate_reward()
        success = self._evaluate_success()
        self._last_success = success
        return obs, {"reward_components": components, "is_success": success, "episode_seed": episode_seed}

    def step(self, action: Any):
        a = np.asarray(action, dtype=np.float64).reshape(-1)
        if a.shape != self.action_space.shape:
            raise EnvError(f"action must have shape {self.action_space.shape}, got {a.shape}")
        if not np.all(np.isfinite(a)):
            raise EnvError(f"action contains NaN/inf: {a}")
        a = np.clip(a, -1.0, 1.0)
        if self.action_mode == "xyz_yaw_gripper":
            self.robot.apply_action(a[:3] * self.max_delta, float(a[4]), float(a[3]) * self.max_delta_yaw)
        else:
            self.robot.apply_action(a[:3] * self.max_delta, float(a[3]))
        self.world.step(self.action_repeat)
        self._sync_kinematics()
        self.state.invalidate()
        self._t += 1
        obs = self._observe()
        reward, components = self._evaluate_reward()
        success = self._evaluate_success()
        self._last_success = success
        terminated = bool(success and self.terminate_on_success)
        truncated = self._t >= self.horizon
        info = {"reward_components": components, "is_success": success}
        if self._recorder is not None:
            self._recorder.capture()
        return obs, float(reward), terminated, truncated, info

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array":
            return None
        from roboskill.sim.render import render_rgb

        width, height = self.render_size
        if self.camera is not None:
            return render_rgb(self.world, width, height, camera=self.camera)
        return render_rgb(self.world, width, height)

    def close(self) -> None:
        world = getattr(self, "world", None)
        if world is not None:
            world.close()
            self.world = None

    # ------------------------------------------------------------------------------- extras
    def observation_layout(self) -> dict[str, tuple[int, int]]:
        """Name -> (start, stop) index range in the observation vector.

        "proprio" is the robot's `PROPRIO_LAYOUT` (ee xyz, ee velocity xyz, ee yaw, gripper opening);
        then "<object>.pos" (3), "<object>.quat" (4, xyzw), "<object>.vel" (3) for every spec object
        in spec order, then "<object>.<joint>.open" (1) for every articulation joint.
        """
        return dict(self._layout)

    def observation_names(self) -> list[str]:
        """One name per observation index (e.g. "cube.pos.x"), for plots and debugging."""
        names = list(self._proprio_names)
        for n in self._objects:
            names += [f"{n}.pos.{a}" for a in "xyz"] + [f"{n}.quat.{a}" for a in "xyzw"] + [f"{n}.vel.{a}" for a in "xyz"]
        names += [f"{j}.open" for j in self._joints]
        return names

    def set_task(self, reward_source: RewardLike = None, success_source: SuccessLike = None) -> None:
        """Swap the reward / success functions without rebuilding (a plan's sub-tasks share one env).

        Same rules as the constructor: source code goes through the sandbox, callables are trusted.
        """
        self._reward_fn, self._success_fn = load_functions(reward_source, success_source, self.code_time_limit_s)

    @property
    def has_reward(self) -> bool:
        return self._reward_fn is not None

    @property
    def has_success(self) -> bool:
        return self._success_fn is not None

    @property
    def elapsed_steps(self) -> int:
        return self._t

    def save_state(self) -> int:
        """Snapshot the simulation and the episode step counter (for trajectory optimisation)."""
        sid = self.world.save_state()
        self._snapshots[sid] = (self._t, dict(self.joint_peaks))
        return sid

    def restore_state(self, state_id: int) -> None:
        """Return to a snapshot from `save_state` (physics, robot targets, step counter)."""
        if state_id not in self._snapshots:
            raise EnvError(f"unknown state id {state_id}; use an id returned by save_state()")
        self.world.restore_state(state_id)
        self._t, peaks = self._snapshots[state_id]
        self.joint_peaks = dict(peaks)
        self.state.invalidate(advanced=0)

    def remove_state(self, state_id: int) -> None:
        """Free a snapshot."""
        if self._snapshots.pop(state_id, None) is not None and hasattr(self.world, "remove_state"):
            self.world.remove_state(state_id)

    def current_observation(self) -> np.ndarray:
        """The observation of the current state (after `restore_state`, say)."""
        return self._observe()

    def evaluate(self) -> tuple[float, dict[str, float], bool]:
        """(reward, components, success) of the current state without stepping."""
        reward, components = self._evaluate_reward()
        return reward, components, self._evaluate_success()

    def attach_recorder(self, recorder: Any) -> None:
        """Call `recorder.capture()` after every step (e.g. `render.VideoRecorder(env.world, out_dir)`); None detaches."""
        self._recorder = recorder

    # ------------------------------------------------------------------------------ internals
    def _sync_kinematics(self) -> None:
        """Recompute the robot's link frames for the current joint positions.

        After `stepSimulation` PyBullet's cached link frames lag one physics step behind, while after
        `restoreState` they are current; without this, a restored snapshot would read (and act on) a
        slightly different end-effector position than when it was saved, and trajectory optimisation
        would not be reproducible. One forward-kinematics call per env step.
        """
        p.getLinkState(self.robot.body, self.robot.ee_link, computeForwardKinematics=1,
                       physicsClientId=self.world.client)

    def _observe(self) -> np.ndarray:
        out = np.empty(self._obs_size, dtype=np.float32)
        st = self.state
        proprio = self.robot.proprioception()
        st.seed_cache("ee_pos", proprio[0:3].copy())
        st.seed_cache("grip", float(proprio[7]))
        st.seed_cache("ee_vel", proprio[3:6].copy())
        n = len(proprio)
        out[:n] = proprio
        i = n
        for body in self._object_bodies:
            pos, quat = st._body_pose(body)
            lin = st._get(("vel", body), lambda b=body: tuple(np.array(v) for v in p.getBaseVelocity(
                b, physicsClientId=self.world.client)))[0]
            out[i:i + 3] = pos
            out[i + 3:i + 7] = quat
            out[i + 7:i + 10] = lin
            i += 10
        peaks = self.joint_peaks
        for j in self._joints:
            frac = st.joint_open_fraction(j)
            out[i] = frac
            if frac > peaks.get(j, -1.0):
                peaks[j] = float(frac)
            i += 1
        return out

    def _evaluate_reward(self) -> tuple[float, dict[str, float]]:
        if self._reward_fn is None:
            return 0.0, {}
        total, components = self._reward_fn(self.state)
        return _check_trusted_reward(total, components)

    def _evaluate_success(self) -> bool:
        if self._success_fn is None:
            return False
        return bool(self._success_fn(self.state))


def _check_trusted_reward(total: Any, components: Any) -> tuple[float, dict[str, float]]:
    total = float(total)
    if not math.isfinite(total):
        raise EnvError(f"reward function returned a non-finite total {total}")
    return total, {str(k): float(v) for k, v in dict(components).items()}


def load_functions(reward: RewardLike, success: SuccessLike, limit_s: float = 0.5
                   ) -> tuple[Callable[[Any], Any] | None, Callable[[Any], Any] | None]:
    """Turn sources (sandboxed) or trusted callables into `fn(state)` callables (None stays None).

    A reward source that also defines is_success provides the success check when `success` is None.
    Raises SandboxError(message, line) for code that fails the check or its module-level execution.
    """
    reward_fn: Callable[[Any], Any] | None = None
    success_fn: Callable[[Any], Any] | None = None
    reward_module = None
    if isinstance(reward, str):
        from roboskill.tools.sandbox import load_reward_module

        reward_module = load_reward_module(reward, time_limit_s=limit_s, require=("compute_reward",))
        reward_fn = reward_module.compute_reward
    elif callable(reward):
        reward_fn = _trusted_reward(reward)
    elif reward is not None:
        raise EnvError(f"reward_source must be source code, a callable or None, got {type(reward).__name__}")
    if isinstance(success, str):
        from roboskill.tools.sandbox import load_reward_module

        success_fn = load_reward_module(success, time_limit_s=limit_s, require=("is_success",)).is_success
    elif callable(success):
        success_fn = success
    elif success is not None:
        raise EnvError(f"success_source must be source code, a callable or None, got {type(success).__name__}")
    elif reward_module is not None and reward_module.has_success:
        success_fn = reward_module.is_success
    return reward_fn, success_fn


def _trusted_reward(fn: Callable[[Any], Any]) -> Callable[[Any], tuple[float, dict[str, float]]]:
    """Trusted callables may return a bare float (components then {"reward": total})."""

    def call(state: Any) -> tuple[float, dict[str, float]]:
        out = fn(state)
        if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict):
            return out
        return float(out), {"reward": float(out)}

    return call


_load_functions = load_functions  # older name, still used by tools/runtime.py and tools/distill


def make_env(spec: SceneSpec | dict[str, Any], reward_source: RewardLike = None, success_source: SuccessLike = None,
             **kwargs: Any) -> SkillEnv:
    """Convenience constructor (same arguments as SkillEnv)."""
    return SkillEnv(spec, reward_source, success_source, **kwargs)


__all__ = ["DEFAULT_ACTION_REPEAT", "DEFAULT_MAX_DELTA", "EnvError", "SkillEnv", "load_functions", "make_env"]
