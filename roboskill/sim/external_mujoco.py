"""MuJoCo envs (Gymnasium-Robotics Fetch, Meta-World, any `MujocoEnv`) for `learn --env`: state view and snapshots.

Two things make a MuJoCo env usable by roboskill's toolbox the way panda-gym is:

- `MujocoState`, a State-API view read live from the env's `model` / `data` by the model's own names
  (bodies, sites, joints), so generated reward code says `state.object_position("object")`,
  `state.ee_position()`, `state.distance("ee", "target")`, `state.goal_position()` on every backend.
  `FetchState` and `MetaWorldState` add what only each family knows: which site is the gripper,
  which body is "object", where the goal lives (`env.goal` / `env._target_pos`) and the env's own
  success distance. Every MuJoCo body, site and joint name is accepted too, so a reward for a model
  nobody adapted can still name its parts.
- `MujocoSnapshots`, save/restore of the full physics state (`mj_getState(mjSTATE_INTEGRATION)`: qpos,
  qvel, act, time, mocap, warm start, controls, applied forces) plus everything else an env keeps
  between steps: its plain attributes (Fetch's `goal`, Meta-World's `curr_path_length`,
  `_target_pos`, `_prev_obs` frame stack), the derived kinematics as the env last saw them (MuJoCo
  leaves positions from the start of the last substep and Fetch reads them), every wrapper's counters (TimeLimit's elapsed steps,
  episode statistics), the RNG, and the model fields a reset moves (Meta-World places the drawer and
  goal site in `model`, not `data`). That is what the sampling trajectory optimiser needs: restore,
  then replaying the same actions gives the same observations.

Only numpy, gymnasium and (lazily, when an env is MuJoCo) `mujoco` are imported.
"""

from __future__ import annotations

import inspect
import math
import re
import sys
from typing import Any, Callable

import gymnasium as gym
import numpy as np

from roboskill.sim.state import StateError

#: derived arrays an env may read before its next physics step (Fetch re-anchors its mocap at the gripper
#: body's `xpos`): MuJoCo leaves them from the start of the last substep, so they are kept as they were.
_KINEMATICS = ("xpos", "xquat", "xmat", "xipos", "ximat", "geom_xpos", "geom_xmat", "site_xpos", "site_xmat",
               "cvel", "cinert", "subtree_com", "cdof", "qacc", "actuator_force", "sensordata")
_PLAIN = (bool, int, float, str, type(None), np.ndarray, np.generic)
#: env attributes never snapshotted: simulator handles, spaces, renderers (not state, or restored otherwise)
_SKIP_ATTRS = frozenset({"model", "data", "env", "spec", "observation_space", "action_space", "_action_space",
                         "_observation_space", "mujoco_renderer", "renderer", "viewer", "fullpath", "_np_random",
                         "np_random", "_ezpickle_args", "_ezpickle_kwargs", "metadata", "render_mode"})


def is_mujoco_env(env: gym.Env) -> bool:
    """The env (unwrapped) holds a `mujoco.MjModel` and `MjData` (gymnasium's MujocoEnv, Fetch, Meta-World)."""
    base = env.unwrapped
    model, data = getattr(base, "model", None), getattr(base, "data", None)
    return type(model).__name__ == "MjModel" and type(data).__name__ == "MjData"


def _vec(value: Any) -> np.ndarray:
    return np.asarray(value, dtype=np.float64).reshape(-1)


def _wrappers(env: gym.Env) -> list[gym.Env]:
    out, cur = [], env
    while isinstance(cur, gym.Wrapper):
        out.append(cur)
        cur = cur.env
    return out


def _plain_attrs(obj: Any, *, flags: bool = True) -> dict[str, Any]:
    """Copy of an object's plain attributes (numbers, strings, None, arrays): its counters and goal.

    `flags=False` leaves booleans out: a wrapper's flags are checks ("already checked the first step",
    "has been reset"), not episode state, and rewinding them makes the checker run again on stale data.
    """
    out = {}
    for key, value in vars(obj).items():
        if key in _SKIP_ATTRS or not isinstance(value, _PLAIN) or (not flags and isinstance(value, (bool, np.bool_))):
            continue
        out[key] = value.copy() if isinstance(value, np.ndarray) else value
    return out


def _restore_attrs(obj: Any, saved: dict[str, Any]) -> None:
    for key, value in saved.items():
        setattr(obj, key, value.copy() if isinstance(value, np.ndarray) else value)


class MujocoSnapshots:
    """save / restore / remove for any MuJoCo-based gymnasium env (see the module docstring for what is kept).

    `env` is the outermost env whose wrappers' counters belong to the episode (GeneratedRewardEnv passes
    the env it wraps). Snapshot ids are small ints, like panda-gym's `save_state()`.
    """

    def __init__(self, env: gym.Env) -> None:
        import mujoco

        if not is_mujoco_env(env):
            raise TypeError(f"{type(env.unwrapped).__name__} is not a MuJoCo env (no MjModel/MjData)")
        self._mj = mujoco
        self.env = env
        self.base = env.unwrapped
        self._spec = getattr(getattr(mujoco, "mjtState", None), "mjSTATE_INTEGRATION", None)
        self._store: dict[int, dict[str, Any]] = {}
        self._next = 1

    def _physics(self) -> Any:
        m, d = self.base.model, self.base.data
        if self._spec is not None:
            buf = np.empty(self._mj.mj_stateSize(m, self._spec))
            self._mj.mj_getState(m, d, buf, self._spec)
            return buf
        # older mujoco: the integration state by hand
        return {k: np.copy(getattr(d, k)) for k in ("qpos", "qvel", "act", "ctrl", "mocap_pos", "mocap_quat",
                                                    "qacc_warmstart", "qfrc_applied", "xfrc_applied")} | {"time": d.time}

    def save(self) -> int:
        """Snapshot physics, model placements, env attributes, wrapper counters and RNG; returns an id."""
        m = self.base.model
        rng = getattr(self.base, "_np_random", None)
        snap = {
            "physics": self._physics(),
            "kinematics": {k: np.copy(getattr(self.base.data, k)) for k in _KINEMATICS if hasattr(self.base.data, k)},
            "model": (m.body_pos.copy(), m.body_quat.copy(), m.site_pos.copy()),
            "attrs": _plain_attrs(self.base),
            "wrappers": [_plain_attrs(w, flags=False) for w in _wrappers(self.env)],
            "rng": None if rng is None else rng.bit_generator.state,
        }
        sid = self._next
        self._next += 1
        self._store[sid] = snap
        return sid

    def restore(self, sid: int) -> None:
        """Return to snapshot `sid` (it stays available until `remove`)."""
        try:
            snap = self._store[sid]
        except KeyError:
            raise KeyError(f"no MuJoCo snapshot {sid} (removed, or taken by another env)") from None
        m, d = self.base.model, self.base.data
        m.body_pos[:], m.body_quat[:], m.site_pos[:] = snap["model"]
        physics = snap["physics"]
        if isinstance(physics, dict):
            for key, value in physics.items():
                if key == "time":
                    d.time = value
                else:
                    getattr(d, key)[:] = value
        else:
            self._mj.mj_setState(m, d, physics, self._spec)
        self._mj.mj_forward(m, d)  # contacts and everything derived, for the restored state
        for key, value in snap["kinematics"].items():  # ... then exactly as the env last saw them (see _KINEMATICS)
            getattr(d, key)[...] = value
        _restore_attrs(self.base, snap["attrs"])
        for wrapper, saved in zip(_wrappers(self.env), snap["wrappers"], strict=False):
            _restore_attrs(wrapper, saved)
        rng = getattr(self.base, "_np_random", None)
        if rng is not None and snap["rng"] is not None:
            rng.bit_generator.state = snap["rng"]

    def remove(self, sid: int) -> None:
        self._store.pop(sid, None)


# ------------------------------------------------------------------------------------------- state
def _quat_xyzw(wxyz: np.ndarray) -> np.ndarray:
    w, x, y, z = _vec(wxyz)
    return np.array([x, y, z, w])


def _euler(q_xyzw: np.ndarray) -> np.ndarray:
    x, y, z, w = _vec(q_xyzw)
    roll = math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    pitch = math.asin(max(-1.0, min(1.0, 2 * (w * y - z * x))))
    yaw = math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
    return np.array([roll, pitch, yaw])


def _base_state_cls() -> type:
    from roboskill.sim.external import ExternalState

    return ExternalState


class MujocoState(_base_state_cls()):  # type: ignore[misc]
    """State API over a MuJoCo env, read live from `model` / `data` by the model's own names.

    Names: the adapter's aliases first ("object", "target", "table", like panda-gym), then any body,
    site or geom of the model (e.g. "object0", "drawer_link", "robot0:grip"). Joints: every hinge or
    slide joint by its model name (`joint_position`, `joint_open_fraction` from its range).
    The generic view knows no end effector or goal unless the model has a site named like a gripper
    or the env a `goal` attribute; the Fetch and Meta-World adapters say exactly.
    """

    ee_site: str | None = None
    finger_bodies: tuple[str, ...] = ()
    robot_prefixes: tuple[str, ...] = ("robot",)
    robot_names: frozenset[str] = frozenset()

    def __init__(self, env: gym.Env, env_id: str = "") -> None:
        super().__init__()
        import mujoco

        self._mj = mujoco
        self._env = env
        self._base = env.unwrapped
        self.model, self.data = self._base.model, self._base.data
        self.env_id = env_id or getattr(getattr(env, "spec", None), "id", "") or type(self._base).__name__
        self._obs: Any = None
        self._initial_joints: dict[str, float] = {}
        if self.ee_site is None:
            self.ee_site = next((n for n in self._names(mujoco.mjtObj.mjOBJ_SITE)
                                 if re.search(r"grip|end_?effector|(^|[:_])ee$", n, re.I)), None)

    # -- names
    def _names(self, kind: Any) -> list[str]:
        count = {self._mj.mjtObj.mjOBJ_BODY: self.model.nbody, self._mj.mjtObj.mjOBJ_SITE: self.model.nsite,
                 self._mj.mjtObj.mjOBJ_JOINT: self.model.njnt, self._mj.mjtObj.mjOBJ_GEOM: self.model.ngeom}[kind]
        names = (self._mj.mj_id2name(self.model, kind, i) for i in range(count))
        return [n for n in names if n]

    def _id(self, kind: Any, name: str) -> int:
        return int(self._mj.mj_name2id(self.model, kind, name))

    def aliases(self) -> dict[str, Callable[[], np.ndarray]]:
        """Adapter names -> position getters ("object", "target", "table" ...)."""
        out: dict[str, Callable[[], np.ndarray]] = {}
        try:
            self.goal_position()
            out["target"] = self.goal_position
        except StateError:
            pass
        return out

    def _is_robot(self, name: str) -> bool:
        return name in self.robot_names or any(name.startswith(p) for p in self.robot_prefixes)

    def object_names(self) -> list[str]:
        """Aliases, then free (movable) bodies and non-robot sites of the model."""
        names = list(self.aliases())
        m = self.model
        for j in range(m.njnt):
            if m.jnt_type[j] == self._mj.mjtJoint.mjJNT_FREE:
                body = self._mj.mj_id2name(m, self._mj.mjtObj.mjOBJ_BODY, int(m.jnt_bodyid[j]))
                if body and body not in names:
                    names.append(body)
        names += [s for s in self._names(self._mj.mjtObj.mjOBJ_SITE) if not self._is_robot(s) and s not in names]
        return names

    def model_names(self) -> dict[str, list[str]]:
        """All body, site and joint names of the MuJoCo model (each accepted by the methods above)."""
        return {"bodies": self._names(self._mj.mjtObj.mjOBJ_BODY), "sites": self._names(self._mj.mjtObj.mjOBJ_SITE),
                "joints": self._names(self._mj.mjtObj.mjOBJ_JOINT)}

    def _position(self, name: str) -> np.ndarray:
        alias = self.aliases().get(name)
        if alias is not None:
            return _vec(alias()).copy()
        for kind, arr in ((self._mj.mjtObj.mjOBJ_BODY, self.data.xpos), (self._mj.mjtObj.mjOBJ_SITE, self.data.site_xpos),
                          (self._mj.mjtObj.mjOBJ_GEOM, self.data.geom_xpos)):
            i = self._id(kind, name)
            if i >= 0:
                return _vec(arr[i]).copy()
        raise self._unknown(name)

    def _unknown(self, name: str) -> StateError:
        import difflib

        names = self.object_names()
        pool = names + [n for ns in self.model_names().values() for n in ns]
        close = difflib.get_close_matches(str(name), pool, n=3)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        return StateError(f"unknown object {name!r}{hint}; this env has: {', '.join(names)}, 'ee', "
                          "and any body/site name of its MuJoCo model")

    def _body_id(self, name: str) -> int:
        aliases = self.aliases()
        if name in aliases:
            body = self._alias_body(name)
            if body is not None:
                return body
            # a point alias (a handle offset from its body): the nearest non-robot body carries it
            point = _vec(aliases[name]())
            m = self.model
            best, best_d = -1, np.inf
            for b in range(1, m.nbody):
                if self._is_robot(self._mj.mj_id2name(m, self._mj.mjtObj.mjOBJ_BODY, b) or ""):
                    continue
                d = float(np.linalg.norm(self.data.xpos[b] - point))
                if d < best_d:
                    best, best_d = b, d
            if best >= 0:
                return best
        i = self._id(self._mj.mjtObj.mjOBJ_BODY, name)
        if i < 0:
            site = self._id(self._mj.mjtObj.mjOBJ_SITE, name)
            if site >= 0:
                return int(self.model.site_bodyid[site])
            raise self._unknown(name)
        return i

    def _alias_body(self, name: str) -> int | None:
        """The MuJoCo body behind an alias, for orientation/contacts/boxes (None: a point such as a goal)."""
        return None

    # -- observation hooks
    def observe(self, observation: Any) -> None:
        self._obs = observation

    def on_reset(self, observation: Any = None) -> None:
        super().on_reset(observation)
        self._initial_joints = {}
        for joint in self.joint_names():
            try:
                self._initial_joints[joint] = self.joint_open_fraction(joint)
            except StateError:
                continue

    def _control_dt(self) -> float:
        return float(getattr(self._base, "dt", self.model.opt.timestep))

    # -- robot
    def ee_position(self) -> np.ndarray:
        """End-effector (between the fingers) position, metres, world frame."""
        if self.ee_site is None:
            raise self._unsupported("ee_position (no gripper site in the model)")
        return _vec(self.data.site_xpos[self._id(self._mj.mjtObj.mjOBJ_SITE, self.ee_site)]).copy()

    def ee_orientation(self) -> np.ndarray:
        """End-effector quaternion (x, y, z, w)."""
        if self.ee_site is None:
            raise self._unsupported("ee_orientation")
        mat = self.data.site_xmat[self._id(self._mj.mjtObj.mjOBJ_SITE, self.ee_site)]
        q = np.empty(4)
        self._mj.mju_mat2Quat(q, np.asarray(mat, dtype=np.float64))
        return _quat_xyzw(q)

    def ee_velocity(self) -> np.ndarray:
        """End-effector linear velocity (m/s)."""
        if self.ee_site is None:
            raise self._unsupported("ee_velocity")
        return self._velocity(self._mj.mjtObj.mjOBJ_SITE, self._id(self._mj.mjtObj.mjOBJ_SITE, self.ee_site))[3:]

    def _velocity(self, kind: Any, i: int) -> np.ndarray:
        res = np.zeros(6)
        self._mj.mj_objectVelocity(self.model, self.data, kind, i, res, 0)
        return res  # (angular, linear), world frame

    def gripper_opening(self) -> float:
        """Distance between the fingers (metres); 0 when the env blocks the gripper."""
        if len(self.finger_bodies) != 2:
            raise self._unsupported("gripper_opening")
        a, b = (self.data.xpos[self._id(self._mj.mjtObj.mjOBJ_BODY, n)] for n in self.finger_bodies)
        return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))

    # -- objects
    def object_orientation(self, name: str) -> np.ndarray:
        """Quaternion (x, y, z, w)."""
        from roboskill.sim.external import EE_ALIASES

        if name in EE_ALIASES:
            return self.ee_orientation()
        return _quat_xyzw(self.data.xquat[self._body_id(name)])

    def object_euler(self, name: str) -> np.ndarray:
        """Roll, pitch, yaw (radians)."""
        return _euler(self.object_orientation(name))

    def object_velocity(self, name: str) -> np.ndarray:
        """Linear velocity (m/s)."""
        from roboskill.sim.external import EE_ALIASES

        if name in EE_ALIASES:
            return self.ee_velocity()
        return self._velocity(self._mj.mjtObj.mjOBJ_BODY, self._body_id(name))[3:].copy()

    def object_angular_velocity(self, name: str) -> np.ndarray:
        """Angular velocity (rad/s)."""
        return self._velocity(self._mj.mjtObj.mjOBJ_BODY, self._body_id(name))[:3].copy()

    def _body_geoms(self, body: int) -> list[int]:
        m = self.model
        return [g for g in range(m.ngeom) if int(m.geom_bodyid[g]) == body]

    def object_aabb(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Axis-aligned bounding box (min xyz, max xyz) of the body's geoms, world frame."""
        body = self._body_id(name)
        geoms = self._body_geoms(body)
        if not geoms:
            raise self._unsupported(f"object_aabb({name!r}) (the body has no geoms)")
        los, his = [], []
        signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=np.float64)
        for g in geoms:
            aabb = np.asarray(self.model.geom_aabb[g], dtype=np.float64)  # local centre (3), half sizes (3)
            corners = aabb[:3] + signs * aabb[3:]
            world = corners @ np.asarray(self.data.geom_xmat[g]).reshape(3, 3).T + self.data.geom_xpos[g]
            los.append(world.min(axis=0))
            his.append(world.max(axis=0))
        return np.min(los, axis=0), np.max(his, axis=0)

    def _bodies_of(self, name: str) -> set[int]:
        from roboskill.sim.external import _ROBOT_ALIASES, EE_ALIASES

        m = self.model
        if name in _ROBOT_ALIASES or name in EE_ALIASES:
            return {b for b in range(m.nbody) if self._is_robot(self._mj.mj_id2name(m, self._mj.mjtObj.mjOBJ_BODY, b) or "")}
        root = self._body_id(name)
        out = {root}
        for b in range(m.nbody):  # the body's subtree (a drawer's handle, a robot's fingers)
            p = b
            while p > 0:
                if p == root:
                    out.add(b)
                    break
                p = int(m.body_parentid[p])
        return out

    def _touching(self, a: set[int], b: set[int]) -> bool:
        m, d = self.model, self.data
        for i in range(d.ncon):
            c = d.contact[i]
            ba, bb = int(m.geom_bodyid[c.geom1]), int(m.geom_bodyid[c.geom2])
            if (ba in a and bb in b) or (ba in b and bb in a):
                return True
        return False

    def in_contact(self, a: str, b: str) -> bool:
        """Whether bodies `a` and `b` touch ('robot'/'ee' mean the arm)."""
        return self._touching(self._bodies_of(a), self._bodies_of(b))

    def is_grasped(self, name: str) -> bool:
        """Both fingers touch the object."""
        if len(self.finger_bodies) != 2:
            raise self._unsupported("is_grasped")
        target = self._bodies_of(name)
        return all(self._touching({self._id(self._mj.mjtObj.mjOBJ_BODY, f)}, target) for f in self.finger_bodies)

    # -- joints
    def joint_names(self) -> list[str]:
        """Hinge and slide joints of the model that are not the robot's (drawers, doors, windows ...)."""
        m = self.model
        keep = (self._mj.mjtJoint.mjJNT_HINGE, self._mj.mjtJoint.mjJNT_SLIDE)
        out = []
        for j in range(m.njnt):
            name = self._mj.mj_id2name(m, self._mj.mjtObj.mjOBJ_JOINT, j)
            if name and m.jnt_type[j] in keep and not self._is_robot(name):
                out.append(name)
        return out

    def _joint(self, joint: str) -> int:
        j = self._id(self._mj.mjtObj.mjOBJ_JOINT, joint)
        if j < 0 or self.model.jnt_type[j] not in (self._mj.mjtJoint.mjJNT_HINGE, self._mj.mjtJoint.mjJNT_SLIDE):
            import difflib

            close = difflib.get_close_matches(str(joint), self.joint_names(), n=3)
            raise StateError(f"unknown joint {joint!r}" + (f" (did you mean {', '.join(map(repr, close))}?)" if close else "")
                             + f"; this env has: {', '.join(self.joint_names()) or 'no hinge/slide joints'}")
        return j

    def joint_position(self, joint: str) -> float:
        """Joint coordinate (radians for hinges, metres for slides)."""
        return float(self.data.qpos[self.model.jnt_qposadr[self._joint(joint)]])

    def joint_velocity(self, joint: str) -> float:
        """Joint velocity."""
        return float(self.data.qvel[self.model.jnt_dofadr[self._joint(joint)]])

    def joint_open_fraction(self, joint: str) -> float:
        """Position within the joint's range, 0 (lower limit) .. 1 (upper limit)."""
        j = self._joint(joint)
        lo, hi = (float(v) for v in self.model.jnt_range[j])
        if not self.model.jnt_limited[j] or hi <= lo:
            raise self._unsupported(f"joint_open_fraction({joint!r}) (the joint has no range)")
        return float(np.clip((self.joint_position(joint) - lo) / (hi - lo), 0.0, 1.0))

    def initial_joint_open_fraction(self, joint: str) -> float:
        """`joint_open_fraction` right after the last reset."""
        if joint not in self._initial_joints:
            return self.joint_open_fraction(joint) if self._joint(joint) >= 0 else 0.0
        return self._initial_joints[joint]

    # -- goal
    def goal_position(self, name: str | None = None) -> np.ndarray:
        """Where the env wants the object (or the gripper) to be."""
        goal = getattr(self._base, "goal", None)
        if goal is None and isinstance(self._obs, dict) and "desired_goal" in self._obs:
            goal = self._obs["desired_goal"]
        if goal is None:
            raise self._unsupported("goal_position")
        return _vec(goal)[:3].copy()

    def achieved_goal(self) -> np.ndarray:
        """What the env's own success check compares with the goal."""
        if isinstance(self._obs, dict) and "achieved_goal" in self._obs:
            return _vec(self._obs["achieved_goal"]).copy()
        raise self._unsupported("achieved_goal")

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out["joints"] = self.joint_names()
        out["model_names"] = "any MuJoCo body/site name is accepted as an object name, any hinge/slide joint name as a joint"
        return out


class FetchState(MujocoState):
    """Gymnasium-Robotics Fetch (Reach, Push, Slide, PickAndPlace): gripper site `robot0:grip`, `object0`, `env.goal`.

    Aliases mirror panda-gym: "object" is `object0`, "target" the goal, "table" `table0`. The env's success:
    distance(achieved_goal, goal) < `distance_threshold`, achieved goal = the object (the gripper for Reach).
    """

    ee_site = "robot0:grip"
    finger_bodies = ("robot0:r_gripper_finger_link", "robot0:l_gripper_finger_link")
    robot_prefixes = ("robot0:",)

    def aliases(self) -> dict[str, Callable[[], np.ndarray]]:
        out: dict[str, Callable[[], np.ndarray]] = {}
        if getattr(self._base, "has_object", False):
            out["object"] = lambda: self.data.xpos[self._id(self._mj.mjtObj.mjOBJ_BODY, "object0")]
        out["target"] = self.goal_position
        if self._id(self._mj.mjtObj.mjOBJ_BODY, "table0") >= 0:
            out["table"] = lambda: self.data.xpos[self._id(self._mj.mjtObj.mjOBJ_BODY, "table0")]
        return out

    def object_names(self) -> list[str]:
        return list(self.aliases())

    def _alias_body(self, name: str) -> int | None:
        body = {"object": "object0", "table": "table0"}.get(name)
        return None if body is None else self._id(self._mj.mjtObj.mjOBJ_BODY, body)

    def ee_position(self) -> np.ndarray:
        """End-effector (between the fingers) position, metres, world frame (Fetch's `robot0:grip` site)."""
        return super().ee_position()

    def gripper_opening(self) -> float:
        """Distance between the fingers (metres); 0 when the env blocks the gripper."""
        if getattr(self._base, "block_gripper", False):
            return 0.0
        m = self.model
        return float(sum(self.data.qpos[m.jnt_qposadr[self._id(self._mj.mjtObj.mjOBJ_JOINT, j)]]
                         for j in ("robot0:r_gripper_finger_joint", "robot0:l_gripper_finger_joint")))

    def goal_position(self, name: str | None = None) -> np.ndarray:
        """The env's goal (`env.goal`): where the object (the gripper for Reach) must be."""
        goal = getattr(self._base, "goal", None)
        if goal is None:
            raise StateError(f"{self.env_id}: the env has no goal yet; reset it first")
        return _vec(goal)[:3].copy()

    def achieved_goal(self) -> np.ndarray:
        """What the env's own success check compares with the goal (the object; the gripper for Reach)."""
        return self.object_position("object") if getattr(self._base, "has_object", False) else self.ee_position()

    def success_threshold(self) -> float:
        return float(self._base.distance_threshold)

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        blocked = bool(getattr(self._base, "block_gripper", False))
        out["gripper"] = "blocked (always closed)" if blocked else "controllable"
        out["action"] = "Box(4): dx, dy, dz (x0.05 m per step), gripper (+1 open, -1 close" + (", ignored)" if blocked else ")")
        out["success"] = "the env's own check: distance(achieved_goal, goal) < success_threshold at the end of the episode"
        return out


class MetaWorldState(MujocoState):
    """Meta-World (Sawyer): "ee" between the finger pads, "object" (and "object2") as in Meta-World's own
    observation (`_get_pos_objects`: a drawer's handle, a puck, a window's handle), "target" the goal
    (`_target_pos`), and the task's own success distance read from its `evaluate_state`.
    """

    finger_bodies = ("rightpad", "leftpad")
    robot_prefixes = ("right_", "robot")
    robot_names = frozenset({"r_close", "l_close", "rightclaw", "rightpad", "leftclaw", "leftpad", "hand", "mocap"})

    def __init__(self, env: gym.Env, env_id: str = "") -> None:
        super().__init__(env, env_id)
        self._achieved = "object"
        self.calibrated = False

    def _objects(self) -> np.ndarray:
        return _vec(self._base._get_pos_objects())

    def aliases(self) -> dict[str, Callable[[], np.ndarray]]:
        out: dict[str, Callable[[], np.ndarray]] = {"object": lambda: self._objects()[:3]}
        try:
            objects = self._objects()
        except Exception:  # noqa: BLE001 - before the first reset some tasks have no object yet
            objects = np.zeros(3)
        if objects.size >= 6:
            out["object2"] = lambda: self._objects()[3:6]
        out["target"] = self.goal_position
        return out

    def object_names(self) -> list[str]:
        names = list(self.aliases())
        names += [b for b in self.object_bodies() if b not in names]
        return names

    def _alias_body(self, name: str) -> int | None:
        if name == "object":  # the body of Meta-World's own main object geom (contacts, grasp, boxes)
            try:
                return int(self.model.geom_bodyid[int(self._base._get_id_main_object())])
            except Exception:  # noqa: BLE001 - tasks without one: nearest body
                return None
        return None

    def object_bodies(self) -> list[str]:
        """Bodies that are not the robot, the table or the world (the task's objects by their model names)."""
        skip = re.compile(r"^(world|table.*|base|controller_box|pedestal.*|torso|head|screen|RetainingWall|mocap|hand|"
                          r"right_.*|rightclaw|rightpad|leftclaw|leftpad|.*camera.*)$")
        return [b for b in self._names(self._mj.mjtObj.mjOBJ_BODY) if not skip.match(b)]

    def ee_position(self) -> np.ndarray:
        """End-effector (between the fingers) position, metres, world frame (Meta-World's `tcp_center`)."""
        return _vec(self._base.tcp_center).copy()

    def ee_orientation(self) -> np.ndarray:
        """End-effector quaternion (x, y, z, w)."""
        return _quat_xyzw(self.data.xquat[self._id(self._mj.mjtObj.mjOBJ_BODY, "hand")])

    def ee_velocity(self) -> np.ndarray:
        """End-effector linear velocity (m/s)."""
        return self._velocity(self._mj.mjtObj.mjOBJ_BODY, self._id(self._mj.mjtObj.mjOBJ_BODY, "hand"))[3:].copy()

    def gripper_opening(self) -> float:
        """Distance between the finger pads (metres)."""
        a, b = (self.data.xpos[self._id(self._mj.mjtObj.mjOBJ_BODY, n)] for n in ("rightclaw", "leftclaw"))
        return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))

    def goal_position(self, name: str | None = None) -> np.ndarray:
        """The task's goal (`_target_pos`): where the object (the gripper for reach) must be."""
        goal = getattr(self._base, "_target_pos", None)
        if goal is None:
            raise StateError(f"{self.env_id}: the task has no goal yet; reset the env first")
        return _vec(goal)[:3].copy()

    def achieved_goal(self) -> np.ndarray:
        """What the env's own success check compares with the goal (the object, or the gripper for reach)."""
        return self.ee_position() if self._achieved == "ee" else self.object_position("object")

    def calibrate(self, info: dict[str, Any]) -> None:
        """Learn what the success check measures from the env's own `obj_to_target`: object or gripper to goal."""
        measured = info.get("obj_to_target")
        self.calibrated = True
        if measured is None or float(measured) <= 1e-9:  # door-open reports 0: nothing to learn from
            return
        goal = self.goal_position()
        err = {k: abs(float(np.linalg.norm(p - goal)) - float(measured))
               for k, p in (("object", self.object_position("object")), ("ee", self.ee_position()))}
        self._achieved = min(err, key=err.get)  # type: ignore[arg-type]

    def success_threshold(self) -> float:
        """The task's own success distance, read from its `evaluate_state` ('success': dist <= threshold)."""
        found = metaworld_success_rule(type(self._base))
        if found is None:
            raise self._unsupported("success_threshold")
        expr = found[1].replace("self.", "")
        total = 0.0
        for term in expr.split("+"):
            term = term.strip()
            try:
                total += float(term)
            except ValueError:
                value = getattr(self._base, term, None)
                if not isinstance(value, (int, float)):
                    raise self._unsupported("success_threshold") from None
                total += float(value)
        return total

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out["gripper"] = "controllable"
        out["action"] = "Box(4): dx, dy, dz (x0.01 m per step, mocap), gripper effort (-1 open, +1 close)"
        out["achieved_goal"] = "ee" if self._achieved == "ee" else "object"
        out["task"] = next((k for k, v in _metaworld_names().items() if v is type(self._base)), type(self._base).__name__)
        out["success"] = ("the env's own info['success'] (the episode ends on it, as in Meta-World's own evaluation): "
                          f"distance({out['achieved_goal']!r}, goal) <= success_threshold")
        return out


def _metaworld_names() -> dict[str, type]:
    try:
        from metaworld.env_dict import ALL_V3_ENVIRONMENTS
    except ImportError:  # pragma: no cover - metaworld is optional
        return {}
    return dict(ALL_V3_ENVIRONMENTS)


_SUCCESS_RE = re.compile(r'(?:"success":|\bsuccess\s*=)\s*float\(\s*([^\n]+?)\s*<=?\s*([\w.+ ]+?)\s*\)', re.S)


def metaworld_success_rule(cls: type) -> tuple[str, str] | None:
    """(measured variable, threshold expression) of a Meta-World task's `"success": float(x <= t)`, if literal."""
    try:
        source = inspect.getsource(sys.modules[cls.__module__])
    except (OSError, TypeError, KeyError):
        return None
    match = _SUCCESS_RE.search(source)
    return (match[1], " ".join(match[2].split())) if match else None


def is_fetch_env(env: gym.Env) -> bool:
    base = env.unwrapped
    return is_mujoco_env(env) and hasattr(base, "distance_threshold") and hasattr(base, "has_object") \
        and type(base).__module__.startswith("gymnasium_robotics")


def is_metaworld_env(env: gym.Env) -> bool:
    base = env.unwrapped
    return is_mujoco_env(env) and hasattr(base, "_get_pos_objects") and hasattr(base, "tcp_center")


def mujoco_state(env: gym.Env, env_id: str = "") -> MujocoState:
    """The adapter for this MuJoCo env: Fetch, Meta-World, or the generic model-name view."""
    if is_fetch_env(env):
        return FetchState(env, env_id)
    if is_metaworld_env(env):
        return MetaWorldState(env, env_id)
    return MujocoState(env, env_id)


__all__ = ["FetchState", "MetaWorldState", "MujocoSnapshots", "MujocoState", "is_fetch_env", "is_metaworld_env",
           "is_mujoco_env", "metaworld_success_rule", "mujoco_state"]
