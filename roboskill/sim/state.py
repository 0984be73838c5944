"""The read-only State API: the only view of the simulation that generated reward/success code gets.

Why a separate layer: generated code must never see pybullet ids or the World (it could step,
teleport or reset things), and it addresses everything by the names of the scene spec
("cube", "cabinet.drawer_0", "cabinet.drawer_0_handle", "ee"). Unknown names raise `StateError`
listing the valid names with close matches, so the reward writer can fix its code from the message.

Reads are cached per simulation step when the owner (the env) calls `invalidate()` after stepping,
so a reward with a dozen terms costs a handful of pybullet queries. `state_api_doc()` renders the
method signatures and first docstring lines for prompts, so prompts never drift from the code.
"""

from __future__ import annotations

import difflib
import inspect
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pybullet as p

#: Names that mean "the end effector" (point between the fingertips) wherever a name is accepted.
EE_NAMES = frozenset({"ee", "gripper", "end_effector", "hand"})
#: Names that mean "any link of the robot" for contacts.
ROBOT_NAMES = frozenset({"robot"})

#: The public State API, in documentation order. The sandbox exposes exactly these to generated
#: code (plus the extra names external-env views add: goal_position, achieved_goal, success_threshold).
STATE_API_NAMES: tuple[str, ...] = (
    "object_names", "joint_names", "link_names",
    "object_position", "object_orientation", "object_euler", "object_velocity", "object_angular_velocity",
    "object_aabb", "object_size",
    "joint_position", "joint_open_fraction", "joint_velocity",
    "ee_position", "ee_orientation", "ee_velocity", "ee_yaw", "gripper_opening",
    "is_grasped", "in_contact", "distance", "xy_distance",
    "is_on_top_of", "is_inside", "is_above", "is_aligned",
    "initial_object_position", "initial_joint_open_fraction", "time_step", "elapsed_time",
    "goal_position", "achieved_goal", "success_threshold",
)

PositionLike = str | Sequence[float] | np.ndarray


class StateError(KeyError):
    """An unknown object/link/joint name (or a bad argument) in a State API call.

    A KeyError so `except KeyError` works, with a readable `str()` (KeyError would quote it).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _vec3(value: Any, what: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise StateError(f"{what}: expected a name or an (x, y, z) position, got {value!r}") from None
    if arr.shape != (3,):
        raise StateError(f"{what}: expected a name or an (x, y, z) position, got shape {arr.shape}")
    return arr


def _joint_fields(ref: Any) -> tuple[int, int, float, float]:
    """(body, index, lower, upper) from a JointRef, a tuple or a dict (adapter over World's type)."""
    if isinstance(ref, dict):
        return int(ref["body"]), int(ref["index"]), float(ref["lower"]), float(ref["upper"])
    if hasattr(ref, "body"):
        return int(ref.body), int(ref.index), float(ref.lower), float(ref.upper)
    body, index, lower, upper = ref[:4]
    return int(body), int(index), float(lower), float(upper)


class State:
    """Read-only queries on a built World, by name. Positions in metres, world frame (table top z=0).

    `State(world, cached=False)`: with `cached=True` results are reused until `invalidate()` (the env
    calls it after every step/reset/restore); standalone users keep the default and always read fresh.
    """

    def __init__(self, world: Any, *, cached: bool = False, control_dt: float | None = None) -> None:
        self._world = world
        self._client = int(world.client)
        self._robot = world.robot
        self._bodies: dict[str, int] = {k: int(v) for k, v in world.bodies.items()}
        self._links: dict[str, tuple[int, int]] = {k: (int(v[0]), int(v[1])) for k, v in getattr(world, "links", {}).items()}
        self._joints: dict[str, tuple[int, int, float, float]] = {
            k: _joint_fields(v) for k, v in getattr(world, "joints", {}).items()}
        self._cached = cached
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._n_links: dict[int, int] = {}
        self._steps = 0
        if control_dt is None:
            control_dt = getattr(world, "time_step", None) or float(
                p.getPhysicsEngineParameters(physicsClientId=self._client)["fixedTimeStep"])
        self._control_dt = float(control_dt)
        self._initial_pos: dict[str, np.ndarray] = {}
        self._initial_frac: dict[str, float] = {}
        self.record_initial()

    # ------------------------------------------------------------------ owner hooks (not for code)
    def invalidate(self, *, advanced: int = 1) -> None:
        """Drop cached reads; call after stepping (`advanced` env steps) or any state change."""
        self._cache.clear()
        self._steps += advanced

    def record_initial(self) -> None:
        """Remember current positions / joint fractions as the episode's initial ones (after reset)."""
        self._cache.clear()
        self._steps = 0
        self._initial_pos = {n: self._pos(n).copy() for n in self._bodies}
        self._initial_frac = {j: self._fraction(j) for j in self._joints}

    def set_control_dt(self, dt: float) -> None:
        self._control_dt = float(dt)

    # ------------------------------------------------------------------ name resolution
    def _valid_names(self) -> list[str]:
        return [*self._bodies, *self._links, "ee"]

    def _unknown(self, name: Any, kind: str, valid: list[str]) -> StateError:
        close = difflib.get_close_matches(str(name), valid, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        return StateError(f"unknown {kind} {name!r}.{hint} Valid {kind} names: {', '.join(valid) or '(none)'}")

    def _kind(self, name: str) -> tuple[str, int, int]:
        """('body', body, -1) | ('link', body, link) | ('ee', robot body, -1)."""
        if name in self._bodies:
            return ("body", self._bodies[name], -1)
        if name in self._links:
            b, link = self._links[name]
            return ("link", b, link)
        if name in EE_NAMES:
            return ("ee", self._robot.body, -1)
        if name in ROBOT_NAMES:
            return ("body", self._robot.body, -1)
        if isinstance(name, str):
            tail = [k for k in self._links if k.endswith("." + name)]
            if len(tail) == 1:
                b, link = self._links[tail[0]]
                return ("link", b, link)
        raise self._unknown(name, "object or link", self._valid_names())

    def _joint(self, joint: str) -> tuple[int, int, float, float]:
        ref = self._joints.get(joint)
        if ref is None and isinstance(joint, str):
            tail = [k for k in self._joints if k.endswith("." + joint)]
            if len(tail) == 1:
                ref = self._joints[tail[0]]
        if ref is None:
            raise self._unknown(joint, "joint", list(self._joints))
        return ref

    # ------------------------------------------------------------------ cached raw reads
    def _get(self, key: tuple[Any, ...], compute: Any) -> Any:
        if not self._cached:
            return compute()
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = compute()
            return value

    def _body_pose(self, body: int) -> tuple[np.ndarray, np.ndarray]:
        def read() -> tuple[np.ndarray, np.ndarray]:
            pos, orn = p.getBasePositionAndOrientation(body, physicsClientId=self._client)
            return np.array(pos), np.array(orn)
        return self._get(("pose", body), read)

    def _link_state(self, body: int, link: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        def read() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            ls = p.getLinkState(body, link, computeLinkVelocity=1, physicsClientId=self._client)
            return np.array(ls[0]), np.array(ls[1]), np.array(ls[6]), np.array(ls[7])
        return self._get(("link", body, link), read)

    def _ee(self) -> tuple[np.ndarray, np.ndarray]:
        return self._get(("ee_pos",), self._robot.ee_position), self._get(("ee_orn",), self._robot.ee_orientation)

    def _ee_pos(self) -> np.ndarray:
        return self._get(("ee_pos",), self._robot.ee_position)

    def seed_cache(self, key: str, value: Any) -> None:
        """Let the owner share reads it already made this step ("ee_pos", "grip"); ignored when uncached."""
        if self._cached:
            self._cache[(key,)] = value

    def _pos(self, name: PositionLike, what: str = "position") -> np.ndarray:
        if not isinstance(name, str):
            return _vec3(name, what)
        kind, body, link = self._kind(name)
        if kind == "body":
            if name == "table" and body == self._bodies.get("table"):
                return self._table_top()
            return self._body_pose(body)[0]
        if kind == "link":
            return self._link_state(body, link)[0]
        return self._ee_pos()

    def _table_top(self) -> np.ndarray:
        """The table's "position" is the centre of its top surface (its base frame is on the floor)."""
        def read() -> np.ndarray:
            lo, hi = self._aabb("table")
            return np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, hi[2]])
        return self._get(("table_top",), read)

    def _aabb(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        kind, body, link = self._kind(name)

        def read() -> tuple[np.ndarray, np.ndarray]:
            if kind == "link":
                lo, hi = p.getAABB(body, link, physicsClientId=self._client)
                return np.array(lo), np.array(hi)
            if kind == "ee":
                pos = self._ee_pos()
                return pos - 0.01, pos + 0.01
            n = self._n_links.get(body)
            if n is None:
                n = self._n_links[body] = p.getNumJoints(body, physicsClientId=self._client)
            boxes = [p.getAABB(body, li, physicsClientId=self._client) for li in range(-1, n)]
            lo = np.min([b[0] for b in boxes], axis=0)
            hi = np.max([b[1] for b in boxes], axis=0)
            if np.all(hi - lo < 1e-9):  # no collision shape (visual-only goal marker): use the spec's size
                half = self._marker_half_extents(name)
                if half is not None:
                    centre = self._body_pose(body)[0]
                    return centre - half, centre + half
            return lo, hi
        return self._get(("aabb", kind, body, link), read)

    def _marker_half_extents(self, name: str) -> np.ndarray | None:
        """Half extents of a visual-only primitive from the scene spec (axis-aligned approximation)."""
        spec = getattr(self._world, "spec", None)
        try:
            obj = spec.object(name) if spec is not None else None
        except KeyError:
            return None
        half = getattr(obj, "half_extents", None)
        if half is None or not getattr(obj, "size", None):
            return None
        return np.array(half(), dtype=float)  # the spec's full extents, halved (roboskill.sim.spec)

    def _contacts(self, a: str, b: str) -> bool:
        ka, ba, la = self._kind(a)
        kb, bb, lb = self._kind(b)

        def read() -> bool:
            pts = p.getContactPoints(bodyA=ba, bodyB=bb, physicsClientId=self._client)
            if not pts:
                return False
            okA = self._link_filter(ka, ba, la)
            okB = self._link_filter(kb, bb, lb)
            return any((okA is None or c[3] in okA) and (okB is None or c[4] in okB) for c in pts)
        return self._get(("contact", ba, la, ka, bb, lb, kb), read)

    def _link_filter(self, kind: str, body: int, link: int) -> set[int] | None:
        if kind == "link":
            return {link}
        if kind == "ee":
            fingers = [f for f in self._robot.finger_links if f >= 0]
            return set(fingers) | {int(getattr(self._robot, "ee_link", -1))} if fingers else None
        return None

    def _fraction(self, joint: str) -> float:
        body, index, lower, upper = self._joint(joint)
        q = self._get(("joint", body, index),
                      lambda: p.getJointState(body, index, physicsClientId=self._client)[:2])[0]
        span = upper - lower
        if span <= 1e-9:
            return 0.0
        return float(min(1.0, max(0.0, (q - lower) / span)))

    # ================================================================== the API
    def object_names(self) -> list[str]:
        """Names of the scene's objects (including "table" when there is one)."""
        return list(self._bodies)

    def joint_names(self) -> list[str]:
        """Names of articulation joints, e.g. "cabinet.drawer_0"."""
        return list(self._joints)

    def link_names(self) -> list[str]:
        """Names of addressable links, e.g. "cabinet.drawer_0_handle"."""
        return list(self._links)

    def object_position(self, name: str) -> np.ndarray:
        """World position (x, y, z) in metres of an object, a link (its centre of mass) or "ee" ("table": top centre)."""
        return self._pos(name).copy()

    def object_orientation(self, name: str) -> np.ndarray:
        """Orientation quaternion (x, y, z, w) of an object, link or "ee"."""
        kind, body, link = self._kind(name)
        if kind == "body":
            return self._body_pose(body)[1].copy()
        if kind == "link":
            return self._link_state(body, link)[1].copy()
        return self._ee()[1].copy()

    def object_euler(self, name: str) -> np.ndarray:
        """Orientation as (roll, pitch, yaw) in radians."""
        return np.array(p.getEulerFromQuaternion(self.object_orientation(name)))

    def _velocity(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        kind, body, link = self._kind(name)
        if kind == "link":
            ls = self._link_state(body, link)
            return ls[2], ls[3]
        if kind == "ee":
            return self._get(("ee_vel",), self._robot.ee_velocity), np.zeros(3)

        def read() -> tuple[np.ndarray, np.ndarray]:
            lin, ang = p.getBaseVelocity(body, physicsClientId=self._client)
            return np.array(lin), np.array(ang)
        return self._get(("vel", body), read)

    def object_velocity(self, name: str) -> np.ndarray:
        """Linear velocity (vx, vy, vz) in m/s."""
        return self._velocity(name)[0].copy()

    def object_angular_velocity(self, name: str) -> np.ndarray:
        """Angular velocity (wx, wy, wz) in rad/s."""
        return self._velocity(name)[1].copy()

    def object_aabb(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Axis-aligned bounding box as (min xyz, max xyz); for an object all its links."""
        lo, hi = self._aabb(name)
        return lo.copy(), hi.copy()

    def object_size(self, name: str) -> np.ndarray:
        """Extent of the bounding box along x, y, z (metres)."""
        lo, hi = self._aabb(name)
        return hi - lo

    def joint_position(self, joint: str) -> float:
        """Raw joint position (metres for sliding joints, radians for hinges)."""
        body, index, _, _ = self._joint(joint)
        return float(self._get(("joint", body, index),
                               lambda: p.getJointState(body, index, physicsClientId=self._client)[:2])[0])

    def joint_velocity(self, joint: str) -> float:
        """Joint velocity (m/s or rad/s)."""
        body, index, _, _ = self._joint(joint)
        return float(self._get(("joint", body, index),
                               lambda: p.getJointState(body, index, physicsClientId=self._client)[:2])[1])

    def joint_open_fraction(self, joint: str) -> float:
        """How open a joint is: 0.0 = closed (lower limit) .. 1.0 = fully open (upper limit)."""
        return self._fraction(joint)

    def ee_position(self) -> np.ndarray:
        """End-effector position (point between the fingertips), metres."""
        return self._ee_pos().copy()

    def ee_orientation(self) -> np.ndarray:
        """End-effector quaternion (x, y, z, w)."""
        return self._ee()[1].copy()

    def ee_velocity(self) -> np.ndarray:
        """End-effector linear velocity (m/s)."""
        return self._velocity("ee")[0].copy()

    def ee_yaw(self) -> float:
        """Yaw of the downward-pointing gripper about world z (radians)."""
        q = self._ee()[1]
        return float(math.atan2(2 * (q[3] * q[2] + q[0] * q[1]), 1 - 2 * (q[1] ** 2 + q[2] ** 2)))

    def gripper_opening(self) -> float:
        """Distance between the fingers in metres (about 0.08 fully open for the Panda, ~0 closed)."""
        return float(self._get(("grip",), self._robot.gripper_opening))

    def is_grasped(self, name: str) -> bool:
        """True when both fingers touch the object/link `name` (it is held in the gripper)."""
        kind, body, link = self._kind(name)
        fingers = [f for f in self._robot.finger_links if f >= 0]
        if len(fingers) < 2 or kind == "ee":
            return False

        def read() -> bool:
            pts = p.getContactPoints(bodyA=self._robot.body, bodyB=body, physicsClientId=self._client)
            touched = {c[3] for c in pts if kind != "link" or c[4] == link}
            return all(f in touched for f in fingers)
        return self._get(("grasp", body, link), read)

    def in_contact(self, a: str, b: str) -> bool:
        """True when `a` and `b` touch. Names: objects, links, "ee" (fingers/hand) or "robot" (any link)."""
        return self._contacts(a, b)

    def distance(self, a: PositionLike, b: PositionLike) -> float:
        """Euclidean distance in metres between two names (objects, links, "ee") or (x, y, z) points."""
        d = self._pos(a, "distance(a)") - self._pos(b, "distance(b)")
        return float(math.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]))

    def xy_distance(self, a: PositionLike, b: PositionLike) -> float:
        """Distance in the table plane (x and y only), metres."""
        d = self._pos(a, "xy_distance(a)") - self._pos(b, "xy_distance(b)")
        return float(math.hypot(d[0], d[1]))

    def is_on_top_of(self, a: str, b: str, tolerance: float = 0.02) -> bool:
        """`a` rests on `b`: a's centre is over b's footprint and a's bottom is within `tolerance` of b's top."""
        alo, _ = self._aabb(a)
        blo, bhi = self._aabb(b)
        pa = self._pos(a)
        over = blo[0] <= pa[0] <= bhi[0] and blo[1] <= pa[1] <= bhi[1]
        return bool(over and abs(alo[2] - bhi[2]) <= tolerance)

    def is_inside(self, a: str, b: str, margin: float = 0.01) -> bool:
        """The centre of `a` lies within the bounding box of `b` (e.g. a drawer link), grown by `margin`."""
        lo, hi = self._aabb(b)
        pa = self._pos(a)
        return bool(np.all(pa >= lo - margin) and np.all(pa <= hi + margin))

    def is_above(self, a: str, b: str, margin: float = 0.0, xy_tolerance: float = 0.02) -> bool:
        """`a` is over `b`: a's centre within b's footprint (± xy_tolerance), a's bottom above b's top + margin (resting on counts)."""
        alo, _ = self._aabb(a)
        blo, bhi = self._aabb(b)
        pa = self._pos(a)
        over = (blo[0] - xy_tolerance <= pa[0] <= bhi[0] + xy_tolerance
                and blo[1] - xy_tolerance <= pa[1] <= bhi[1] + xy_tolerance)
        return bool(over and alo[2] >= bhi[2] + margin - 0.005)

    def is_aligned(self, a: PositionLike, b: PositionLike, axis: str = "z", tolerance: float = 0.02) -> bool:
        """`a` and `b` share coordinates on the two axes other than `axis` (within `tolerance` metres)."""
        if axis not in ("x", "y", "z"):
            raise StateError(f"axis must be 'x', 'y' or 'z', got {axis!r}")
        d = np.abs(self._pos(a) - self._pos(b))
        keep = [i for i, n in enumerate("xyz") if n != axis]
        return bool(d[keep[0]] < tolerance and d[keep[1]] < tolerance)

    def initial_object_position(self, name: str) -> np.ndarray:
        """Position of object `name` right after the last reset."""
        if name not in self._initial_pos:
            raise self._unknown(name, "object", list(self._initial_pos))
        return self._initial_pos[name].copy()

    def initial_joint_open_fraction(self, joint: str) -> float:
        """Open fraction (0..1) of `joint` right after the last reset."""
        if joint not in self._initial_frac:
            tail = [k for k in self._initial_frac if k.endswith("." + str(joint))]
            if len(tail) != 1:
                raise self._unknown(joint, "joint", list(self._initial_frac))
            joint = tail[0]
        return self._initial_frac[joint]

    @property
    def time_step(self) -> float:
        """Seconds of simulated time per env step (control period)."""
        return self._control_dt

    @property
    def elapsed_time(self) -> float:
        """Seconds of simulated time since the last reset."""
        return self._steps * self._control_dt


def state_api_doc() -> str:
    """Markdown documentation of the State API for prompts, generated from the signatures and docstrings."""
    lines = ["State API (`state` argument; read-only; names are the scene's object/link/joint names, "
             "\"ee\" is the end effector; unknown names raise an error listing valid ones):"]
    for name in STATE_API_NAMES:
        member = inspect.getattr_static(State, name, None)
        if member is None:
            continue
        if isinstance(member, property):
            doc = (inspect.getdoc(member) or "").splitlines()
            lines.append(f"- `state.{name}` (float): {doc[0] if doc else ''}")
            continue
        sig = inspect.signature(member)
        params = [str(prm).replace("'", "") for prm in list(sig.parameters.values())[1:]]
        ret = sig.return_annotation
        ret_s = ret if isinstance(ret, str) else getattr(ret, "__name__", str(ret))
        ret_s = ret_s.replace("np.ndarray", "array").replace("PositionLike", "name or xyz")
        params = [s.replace("PositionLike", "name or xyz") for s in params]
        doc = (inspect.getdoc(member) or "").splitlines()
        lines.append(f"- `state.{name}({', '.join(params)}) -> {ret_s}`: {doc[0] if doc else ''}")
    return "\n".join(lines)


__all__ = ["EE_NAMES", "STATE_API_NAMES", "State", "StateError", "state_api_doc"]
