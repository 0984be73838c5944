"""Motion primitives: scripted, IK-based skills that act through the env's action interface.

Why through `env.step` and not by teleporting joints: the actions a primitive emits are an ordinary
trajectory (5-d env actions), so it replays exactly, renders to video, feeds the reward reflection,
and can warm-start trajectory optimisation. Each primitive is closed-loop on the state (it re-reads
object poses every step) and returns a `PrimitiveResult(reached, actions, message)`.

Geometry comes from the State API (AABBs, poses) and, for articulations, from the joint itself: the
handle link's pose over the joint's range is tabulated by forward kinematics (save state, set the
joint, read the link, restore), so the same code opens drawers (straight line), doors and levers
(arcs) and turns knobs (the handle's yaw), whatever the generator's geometry.

Robustness (measured by tests/tools/test_primitives_matrix.py over randomised seeds):
- articulations are driven closed-loop on the joint: each step reads the open fraction, looks a few
  centimetres ahead along the handle's path and moves the hand to where its grasp point will be;
  a lost handle is re-grasped; when holding cannot move it any further (a lid past vertical, the
  arm at its reach) the primitive pushes the handle — or the panel nearer the hinge — from behind;
  closing a drawer is a brisk push (it coasts shut even where the hand meets the handle above);
  a drawer pulled out over the target's handle is closed first and re-opened afterwards;
- pushes advance from where the hand touches the object (its contact distance depends on its yaw),
  in short slow segments, re-aiming behind the object whenever it drifts off the line;
- every move stops early when the hand is blocked, so a failed approach does not eat the budget.
Collision awareness is cheap and local: approaches come from above the whole moving part with
clearance, pushes start behind the object at a safe height, retreats go up (or off a tilted tab).

Argument conventions are validated by `roboskill.tools.plan.PrimitiveCall` (see docs/contracts.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pybullet as p

from roboskill.tools.plan import PRIMITIVE_ARGS, PRIMITIVE_NAMES, PrimitiveCall, primitives_catalog
from roboskill.tools.runtime import StepLog, env_step, wrap_angle

CLEARANCE = 0.08      # metres above an object's top for approaches and retreats
GRIP_STEPS = 12       # env steps to close / open the gripper
OPEN, CLOSED = 1.0, -1.0


class PrimitiveError(ValueError):
    """A primitive cannot run here (unknown object/joint, object not grasped...); message says why."""


@dataclass
class PrimitiveResult:
    name: str
    reached: bool
    actions: np.ndarray
    message: str = ""
    log: StepLog = field(default_factory=StepLog, repr=False)


class Mover:
    """Drives the end effector to Cartesian targets through env steps (recording every action)."""

    def __init__(self, env: Any, log: StepLog | None = None, max_steps: int = 600) -> None:
        self.env = env
        self.robot = env.robot
        self.log = log if log is not None else StepLog()
        self.budget = max_steps
        # keep holding what the previous sub-task grasped: a primitive that needs an open hand says so
        self.grip = float(getattr(self.robot, "_gripper_cmd", OPEN))

    @property
    def exhausted(self) -> bool:
        return len(self.log) >= self.budget

    def step(self, delta_xyz: np.ndarray, dyaw: float = 0.0, grip: float | None = None) -> None:
        if grip is not None:
            self.grip = grip
        a = np.zeros(5)
        a[:3] = np.clip(delta_xyz / self.env.max_delta, -1.0, 1.0)
        a[3] = np.clip(dyaw / self.env.max_delta_yaw, -1.0, 1.0)
        a[4] = self.grip
        # re-solve IK from the current configuration every step: PyBullet's IK is iterative, and a
        # cached solution for an unchanged target can leave a centimetre of error at the goal
        self.robot.invalidate_ik()
        env_step(self.env, a, self.log)

    def _base(self) -> np.ndarray:
        """Where the robot's next IK target starts from (mirrors Robot.apply_action's lead clipping)."""
        from roboskill.sim.robot import MAX_LEAD

        ee = self.robot.ee_position()
        tgt = self.robot.target_position
        lead = tgt - ee
        d = float(np.linalg.norm(lead))
        return tgt if d <= MAX_LEAD else ee + lead * (MAX_LEAD / d)

    def goto(self, pos: Any, yaw: float | None = None, grip: float | None = None, *, tol: float = 0.01,
             max_steps: int = 80, speed: float = 1.0) -> bool:
        """Straight-line move of the IK target to `pos` (and yaw); True once the hand is within `tol`."""
        goal = np.asarray(pos, dtype=float)
        vmax = self.env.max_delta * speed
        last, last_yaw, still = self.robot.ee_position(), self.robot.ee_yaw(), 0
        for _ in range(max_steps):
            if self.exhausted:
                break
            # blocked (out of reach, or pressing on something): give the budget to the next move
            ee, ee_yaw = self.robot.ee_position(), self.robot.ee_yaw()
            if float(np.linalg.norm(ee - last)) < 0.0008 and abs(wrap_angle(ee_yaw - last_yaw)) < 0.005:
                still += 1
                if still >= 12:
                    break
            else:
                still, last, last_yaw = 0, ee, ee_yaw
            delta = goal - self._base()
            n = float(np.linalg.norm(delta))
            # decelerate near the goal (held objects slip under abrupt stops)
            v = max(0.004, min(vmax, 0.4 * float(np.linalg.norm(goal - self.robot.ee_position()))))
            if n > v:
                delta = delta * (v / n)
            dyaw = 0.0 if yaw is None else wrap_angle(yaw - self.robot.ee_yaw())
            self.step(delta, dyaw, grip)
            err = float(np.linalg.norm(self.robot.ee_position() - goal))
            if err < tol and (yaw is None or abs(wrap_angle(yaw - self.robot.ee_yaw())) < 0.08):
                return True
        return float(np.linalg.norm(self.robot.ee_position() - goal)) < tol * 2

    def hold(self, n: int, grip: float | None = None) -> None:
        for _ in range(n):
            if self.exhausted:
                break
            self.step(np.zeros(3), 0.0, grip)


# ------------------------------------------------------------------------------------ geometry
def _link_of(env: Any, name: str) -> tuple[int, int] | None:
    return env.world.links.get(name)


def _aabb(env: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    link = _link_of(env, name)
    if link is not None:
        lo, hi = p.getAABB(link[0], link[1], physicsClientId=env.world.client)
        return np.array(lo), np.array(hi)
    if name not in env.world.bodies:
        raise PrimitiveError(f"unknown object {name!r}; the scene has {sorted(env.world.bodies)}")
    lo, hi = env.state.object_aabb(name)
    return np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)


def _center(env: Any, name: str) -> np.ndarray:
    lo, hi = _aabb(env, name)
    return (lo + hi) / 2


def _grasp_yaw(env: Any, obj: str) -> float:
    """A top-grasp yaw aligned with the object's faces, the one closest to the hand's current yaw."""
    try:
        obj_yaw = float(env.state.object_euler(obj)[2])
    except Exception:  # noqa: BLE001 - links have no euler; keep the current yaw
        return env.robot.ee_yaw()
    cur = env.robot.ee_yaw()
    cands = [obj_yaw + k * math.pi / 2 for k in range(-4, 5)]
    return min(cands, key=lambda y: abs(wrap_angle(y - cur)))


def _nearest_equiv(yaw: float, cur: float) -> float:
    """Gripper yaw is symmetric under +pi: the equivalent closest to `cur`."""
    return min((yaw, yaw + math.pi, yaw - math.pi), key=lambda y: abs(wrap_angle(y - cur)))


def _joint(env: Any, joint: str) -> Any:
    ref = env.world.joints.get(joint)
    if ref is None:
        raise PrimitiveError(f"unknown joint {joint!r}; the scene has joints {sorted(env.world.joints) or 'none'}")
    return ref


def _handle(env: Any, joint: str) -> tuple[int, int]:
    obj, local = joint.split(".", 1)
    link = env.world.links.get(f"{obj}.{local}_handle") or env.world.links.get(joint)
    if link is None:
        ref = _joint(env, joint)
        link = (ref.body, ref.index)
    return link


def handle_path(env: Any, joint: str, f0: float, f1: float, n: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Handle link positions and yaws while the joint goes from open fraction f0 to f1 (forward kinematics)."""
    ref = _joint(env, joint)
    body, link = _handle(env, joint)
    c = env.world.client
    sid = env.world.save_state()
    pts, yaws = [], []
    try:
        for f in np.linspace(f0, f1, n):
            p.resetJointState(ref.body, ref.index, ref.from_fraction(float(f)), 0.0, physicsClientId=c)
            lo, hi = p.getAABB(body, link, physicsClientId=c)
            ls = p.getLinkState(body, link, computeForwardKinematics=1, physicsClientId=c)
            pts.append((np.array(lo) + np.array(hi)) / 2)
            rot = np.array(p.getMatrixFromQuaternion(ls[5])).reshape(3, 3)
            yaws.append(math.atan2(rot[1, 0], rot[0, 0]))
    finally:
        env.world.restore_state(sid)
        env.world.remove_state(sid)
        env.state.invalidate(advanced=0)
    return np.array(pts), np.unwrap(np.array(yaws))


# ---------------------------------------------------------------------------------- primitives
def move_to(m: Mover, position: list[float], yaw: float | None = None) -> tuple[bool, str]:
    ok = m.goto(position, yaw, tol=0.015, max_steps=120)
    m.hold(4)
    return ok, "" if ok else f"end effector did not reach {np.round(position, 3).tolist()}"


def grasp(m: Mover, object: str) -> tuple[bool, str]:
    """Top grasp at the object's faces, close, lift 8 cm; re-grasps (from the new pose) if it slipped."""
    env = m.env
    for attempt in range(3):
        if m.exhausted:
            break
        if attempt:  # open and back off above wherever the object ended up
            m.hold(GRIP_STEPS, OPEN)
            ee = m.robot.ee_position()
            m.goto([ee[0], ee[1], max(ee[2], _aabb(env, object)[1][2] + 0.05)], None, OPEN, tol=0.02,
                   max_steps=25)
        lo, hi = _aabb(env, object)
        c = (lo + hi) / 2
        yaw = _grasp_yaw(env, object)
        height = hi[2] - lo[2]
        z_g = max(lo[2] + 0.012, min(c[2], hi[2] - 0.015)) if height > 0.03 else lo[2] + height * 0.5
        z_g = max(z_g, 0.008)
        m.goto([c[0], c[1], hi[2] + CLEARANCE], yaw, OPEN, tol=0.02, max_steps=80)
        c = _center(env, object)  # re-read: it may have been nudged
        m.goto([c[0], c[1], hi[2] + 0.03], yaw, OPEN, tol=0.01, max_steps=30, speed=0.6)
        m.goto([c[0], c[1], z_g], yaw, OPEN, tol=0.008, max_steps=40, speed=0.5)
        m.hold(GRIP_STEPS, CLOSED)  # wait for the fingers to close before lifting
        ee = m.robot.ee_position()
        m.goto(ee + [0, 0, 0.08], None, CLOSED, tol=0.015, max_steps=40, speed=0.3)
        m.hold(3)
        if env.state.is_grasped(object):
            return True, ""
    return False, f"{object} is not held after closing the gripper (3 attempts)"


def place(m: Mover, object: str, position: list[float] | None = None, on: str | None = None) -> tuple[bool, str]:
    env = m.env
    st = env.state
    if not st.is_grasped(object):
        return False, f"place: {object} is not grasped (add a grasp sub-task first)"
    lo, hi = _aabb(env, object)
    half_h = (hi[2] - lo[2]) / 2
    obj_c = (lo + hi) / 2
    offset = obj_c - m.robot.ee_position()
    if on is not None:
        olo, ohi = _aabb(env, on)
        goal = np.array([(olo[0] + ohi[0]) / 2, (olo[1] + ohi[1]) / 2, ohi[2] + half_h + 0.008])
    else:
        goal = np.asarray(position, dtype=float).copy()
        goal[2] = max(goal[2], half_h + 0.005)
    safe_z = max(goal[2], hi[2]) + 0.06 - offset[2]
    ee_goal = goal - offset
    m.goto([m.robot.ee_position()[0], m.robot.ee_position()[1], safe_z], None, CLOSED, tol=0.02, max_steps=40,
           speed=0.4)
    m.goto([ee_goal[0], ee_goal[1], safe_z], None, CLOSED, tol=0.012, max_steps=200, speed=0.2)
    # correct for slip: aim the object's centre, not the hand
    m.hold(4, CLOSED)
    for _ in range(2):
        cur = _center(env, object)
        err = goal[:2] - cur[:2]
        ee = m.robot.ee_position()
        m.goto([ee[0] + err[0], ee[1] + err[1], safe_z], None, CLOSED, tol=0.006, max_steps=20, speed=0.5)
    cur = _center(env, object)
    ee = m.robot.ee_position()
    m.goto([ee[0], ee[1], ee[2] - (cur[2] - goal[2]) + 0.004], None, CLOSED, tol=0.006, max_steps=50, speed=0.4)
    m.hold(GRIP_STEPS, OPEN)
    ee = m.robot.ee_position()
    m.goto(ee + [0, 0, CLEARANCE], None, OPEN, tol=0.02, max_steps=30, speed=0.6)
    m.hold(6)
    final = _center(env, object)
    if on is not None:
        ok = bool(st.is_on_top_of(object, on) or st.is_inside(object, on))
    else:
        ok = float(np.linalg.norm(final[:2] - goal[:2])) < 0.03 and not st.is_grasped(object)
    return ok, "" if ok else f"{object} ended at {np.round(final, 3).tolist()}, goal {np.round(goal, 3).tolist()}"


def push(m: Mover, object: str, target: Any = None, direction: list[float] | None = None,
         distance: float | None = None, tol: float = 0.012) -> tuple[bool, str]:
    env = m.env
    st = env.state
    start = np.asarray(st.object_position(object), dtype=float)
    if isinstance(target, str):
        goal = np.asarray(st.object_position(target), dtype=float)[:2]
    elif target is not None:
        goal = np.asarray(target, dtype=float)[:2]
    else:
        d = np.asarray(direction, dtype=float)
        goal = start[:2] + d / max(np.linalg.norm(d), 1e-9) * float(distance or 0.0)
    lo, hi = _aabb(env, object)
    radius = 0.5 * float(np.hypot(hi[0] - lo[0], hi[1] - lo[1])) * 0.8
    z_push = max(0.012, min((lo[2] + hi[2]) / 2, lo[2] + 0.02))
    for attempt in range(7):
        obj = np.asarray(st.object_position(object), dtype=float)
        e = goal - obj[:2]
        if np.linalg.norm(e) < tol or m.exhausted:
            break
        u = e / np.linalg.norm(e)
        pre = obj[:2] - u * (radius + 0.035)
        yaw = None  # keep the wrist where it is (some push yaws run the wrist into its limit)
        z = z_push if attempt % 2 == 0 else max(0.008, z_push - 0.006)
        ee = m.robot.ee_position()
        travel_z = max(ee[2], hi[2] + 0.04)
        m.goto([ee[0], ee[1], travel_z], None, CLOSED, tol=0.02, max_steps=20)
        # travel at that height, then come down over the pre-push point: a diagonal descent from where the
        # last primitive left the hand (e.g. just above a drawer handle it let go of) caught the handle and
        # pushed the drawer shut on the way
        m.goto([pre[0], pre[1], travel_z], yaw, CLOSED, tol=0.012, max_steps=60)
        if travel_z > hi[2] + 0.045:
            m.goto([pre[0], pre[1], hi[2] + 0.04], yaw, CLOSED, tol=0.012, max_steps=30)
        m.goto([pre[0], pre[1], z], yaw, CLOSED, tol=0.01, max_steps=30, speed=0.6)
        still, last = 0, obj.copy()
        for _ in range(160):
            if m.exhausted:
                break
            obj = np.asarray(st.object_position(object), dtype=float)
            e = goal - obj[:2]
            dist = float(np.linalg.norm(e))
            if dist < tol * 0.6:
                break
            u = e / dist
            ee = m.robot.ee_position()
            rel = obj[:2] - ee[:2]
            # off the line behind the object: re-approach instead of pushing it sideways
            if np.linalg.norm(rel) > radius + 0.06 or float(rel @ u) / max(np.linalg.norm(rel), 1e-9) < 0.8:
                break
            # stuck (pressing on an edge): re-approach, at another height
            if float(np.linalg.norm(obj[:2] - last[:2])) < 0.0005:
                still += 1
                if still > 15:
                    break
            else:
                still, last = 0, obj.copy()
            # slow, short pushes: a fast cube slides past the goal and turns on its corner
            step = min(0.005, dist * 0.5)
            # advance from where the hand is (the contact distance depends on the object's yaw),
            # sliding sideways onto the line through the object's centre
            behind = float((obj[:2] - ee[:2]) @ u)
            want = obj[:2] - u * min(behind, radius + 0.012) + u * step
            base = m._base()
            delta = np.array([want[0] - base[0], want[1] - base[1], z - base[2]])
            n = float(np.linalg.norm(delta))
            cap = 0.005 if dist > 0.04 else 0.0025
            if n > cap:
                delta *= cap / n
            m.step(delta, 0.0, CLOSED)
        m.hold(5)
        # back off along the push line before lifting (lifting at the cube can tip or drag it)
        ee = m.robot.ee_position()
        obj = np.asarray(st.object_position(object), dtype=float)
        away = ee[:2] - obj[:2]
        away = away / max(float(np.linalg.norm(away)), 1e-9) * 0.02
        m.goto([ee[0] + away[0], ee[1] + away[1], ee[2]], None, CLOSED, tol=0.006, max_steps=8)
    ee = m.robot.ee_position()
    m.goto([ee[0], ee[1], hi[2] + 0.05], None, CLOSED, tol=0.02, max_steps=20)
    final = np.asarray(st.object_position(object), dtype=float)
    err = float(np.linalg.norm(final[:2] - goal))
    ok = err < max(tol * 1.7, 0.02)
    return ok, "" if ok else f"{object} stopped {err:.3f} m from the push goal"


@dataclass
class _JointTable:
    """Forward-kinematics table of a handle link over the joint's range (sampled once per primitive)."""

    fracs: np.ndarray        # (n,)
    pos: np.ndarray          # (n, 3) link frame origin
    rot: np.ndarray          # (n, 3, 3) link frame rotation
    centers: np.ndarray      # (n, 3) link AABB centre

    def at(self, f: float) -> tuple[np.ndarray, np.ndarray]:
        """Interpolated (position, rotation) of the link frame at open fraction f (rotation: nearest sample)."""
        f = float(np.clip(f, 0.0, 1.0))
        i = int(np.clip(np.searchsorted(self.fracs, f) - 1, 0, len(self.fracs) - 2))
        w = (f - self.fracs[i]) / max(self.fracs[i + 1] - self.fracs[i], 1e-9)
        pos = (1 - w) * self.pos[i] + w * self.pos[i + 1]
        return pos, self.rot[i if w < 0.5 else i + 1]

    def yaw(self, f: float) -> float:
        """Unwrapped yaw of the link frame at open fraction f (continuous over the range)."""
        if not self.turns_about_z():
            return 0.0  # lids and levers tilt: the top-down hand keeps its yaw
        yaws = np.unwrap(np.arctan2(self.rot[:, 1, 0], self.rot[:, 0, 0]))
        return float(np.interp(float(np.clip(f, 0.0, 1.0)), self.fracs, yaws))

    def turns_about_z(self) -> bool:
        """Whether the link rotates about a vertical axis (door, knob) rather than tilting (lid, lever)."""
        r = self.rot[-1] @ self.rot[0].T
        axis = np.array([r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]])
        n = float(np.linalg.norm(axis))
        return n > 1e-3 and abs(axis[2]) / n > 0.7

    def path_length(self) -> float:
        return float(np.sum(np.linalg.norm(np.diff(self.centers, axis=0), axis=1)))


def _joint_table(env: Any, joint: str, n: int = 41) -> _JointTable:
    ref = _joint(env, joint)
    body, link = _handle(env, joint)
    c = env.world.client
    sid = env.world.save_state()
    fr, pos, rot, cen = np.linspace(0.0, 1.0, n), [], [], []
    try:
        for f in fr:
            p.resetJointState(ref.body, ref.index, ref.from_fraction(float(f)), 0.0, physicsClientId=c)
            ls = p.getLinkState(body, link, computeForwardKinematics=1, physicsClientId=c)
            lo, hi = p.getAABB(body, link, physicsClientId=c)
            pos.append(np.array(ls[4]))
            rot.append(np.array(p.getMatrixFromQuaternion(ls[5])).reshape(3, 3))
            cen.append((np.array(lo) + np.array(hi)) / 2)
    finally:
        env.world.restore_state(sid)
        env.world.remove_state(sid)
        env.state.invalidate(advanced=0)
    return _JointTable(fr, np.array(pos), np.array(rot), np.array(cen))


def _handle_grasp(env: Any, joint: str) -> tuple[np.ndarray, float, str]:
    """Where and with which yaw to grasp a joint's handle from above, and the handle style.

    All generators build handles sticking out along the link's -x (the object's front): a bar handle's
    grip is its part farthest along -x and is grasped with the fingers closing across it (along the
    link's y), which keeps the fingers clear of the posts; a knob fin is grasped across its thin side.
    """
    body, link = _handle(env, joint)
    c = env.world.client
    lo, hi = (np.array(v) for v in p.getAABB(body, link, physicsClientId=c))
    ls = p.getLinkState(body, link, computeForwardKinematics=1, physicsClientId=c)
    rot = np.array(p.getMatrixFromQuaternion(ls[5])).reshape(3, 3)
    link_yaw = math.atan2(rot[1, 0], rot[0, 0])
    center = (lo + hi) / 2
    kind = "knob" if joint.endswith("knob") else ("ball" if joint.endswith("lever") else "bar")
    pt = center.copy()
    if kind == "bar":
        front = -rot[:, 0]
        front[2] = 0.0
        nf = float(np.linalg.norm(front))
        if nf > 0.5:
            front /= nf
            ext = abs(front[0]) * (hi[0] - lo[0]) + abs(front[1]) * (hi[1] - lo[1])
            pt[:2] += front[:2] * max(0.0, ext / 2 - 0.009)
        height = hi[2] - lo[2]
        # tall bar: hold it low, just above the lower post, so the hand stays clear of a handle above
        pt[2] = lo[2] + 0.02 if height > 0.04 else hi[2] - min(0.012, height / 2)
    elif kind == "knob":
        pt[2] = hi[2] - 0.012
    else:
        pt[2] = center[2]
    return pt, link_yaw, kind


def _grasp_handle(m: Mover, joint: str, turn: float = 0.0) -> bool:
    """Approach the handle from above (open), descend, close; True when the fingers hold something.

    `turn`: how much the hand will rotate while holding it; the grasp yaw (symmetric under pi) is the
    one that keeps the whole turn inside the wrist's range.
    """
    env = m.env
    pt, link_yaw, kind = _handle_grasp(env, joint)
    # a knob's fin (1.2 cm thin) slips out of the finger pads; pinching its 5 cm length holds it firmly
    yaw = link_yaw + (math.pi / 2 if kind == "knob" else 0.0)
    if abs(turn) > 0.3:
        yaw = min((wrap_angle(yaw) + k * math.pi for k in (-2, -1, 0, 1, 2)), key=lambda y: abs(y + turn / 2))
    else:
        yaw = _nearest_equiv(yaw, m.robot.ee_yaw())
    body, link = _handle(env, joint)
    hi_z = p.getAABB(body, link, physicsClientId=env.world.client)[1][2]
    ref = _joint(env, joint)
    part_top = p.getAABB(ref.body, ref.index, physicsClientId=env.world.client)[1][2]
    ee = m.robot.ee_position()
    # travel above the whole moving part: sweeping into a door panel on the way would swing it
    top = max(hi_z + 0.07, part_top + 0.04)
    if ee[2] < top - 0.01:
        m.goto([ee[0], ee[1], top], None, OPEN, tol=0.03, max_steps=30)
    m.goto([pt[0], pt[1], top], yaw, OPEN, tol=0.012, max_steps=90)
    m.goto([pt[0], pt[1], hi_z + 0.015], yaw, OPEN, tol=0.008, max_steps=30, speed=0.6)
    m.goto([pt[0], pt[1], pt[2]], yaw, OPEN, tol=0.006, max_steps=40, speed=0.4)
    m.hold(GRIP_STEPS, CLOSED)
    return m.robot.gripper_opening() > 0.004


def _release(m: Mover, lift: float = 0.06, joint: str | None = None) -> None:
    """Open and back off: straight up, or off the end of a tilted handle (a lid's tab past vertical
    points up, and lifting the open fingers would drag the lid back)."""
    m.hold(GRIP_STEPS, OPEN)
    ee = m.robot.ee_position()
    away = np.array([0.0, 0.0, lift])
    if joint is not None:
        body, link = _handle(m.env, joint)
        ls = p.getLinkState(body, link, computeForwardKinematics=1, physicsClientId=m.env.world.client)
        out = -np.array(p.getMatrixFromQuaternion(ls[5])).reshape(3, 3)[:, 0]
        if out[2] > 0.5:
            away = out * 0.06 + np.array([0.0, 0.0, 0.02])
    m.goto(ee + away, None, OPEN, tol=0.02, max_steps=25)


def _push_joint(m: Mover, joint: str, f1: float, table: _JointTable, *, speed: float = 0.012,
                tries: int = 2) -> None:
    """Push the handle along its path with the closed fingers (no grasp), closed-loop on the joint.

    Why: some motions cannot be done holding the handle from above — a lid past vertical pulls its tab
    out of the fingers, a lower drawer's handle sits under the one above it — but pushing the handle
    from behind (relative to the motion) works; a fast push lets a drawer coast shut.
    """
    env = m.env
    st = env.state
    body, link = _handle(env, joint)
    ref = _joint(env, joint)
    sign = 1.0 if f1 > float(st.joint_open_fraction(joint)) else -1.0
    # a hinged part can also be pushed nearer its hinge (the handle may be out of the arm's reach)
    pivot = np.array(p.getLinkState(ref.body, ref.index, physicsClientId=env.world.client)[4])
    scales = [1.0, 0.6, 1.0, 0.6] if ref.kind == "revolute" else [1.0] * 4
    scale = 1.0

    def center(f: float) -> np.ndarray:
        f = float(np.clip(f, 0.0, 1.0))
        c = np.array([np.interp(f, table.fracs, table.centers[:, k]) for k in range(3)])
        return pivot + scale * (c - pivot)

    def tangent(f: float) -> np.ndarray:
        a, b = center(f - sign * 0.02), center(f + sign * 0.06)
        d = b - a
        if float(np.linalg.norm(d)) < 1e-4:
            d = center(f + sign * 0.1) - center(f)
        return d / max(float(np.linalg.norm(d)), 1e-9)

    for k in range(tries):
        f = float(st.joint_open_fraction(joint))
        if sign * (f1 - f) < 0.015 or m.exhausted:
            break
        scale = scales[k % len(scales)]
        lo, hi = (np.array(v) for v in p.getAABB(body, link, physicsClientId=env.world.client))
        u = tangent(f)
        half = 0.5 * float(np.abs(u) @ (hi - lo))
        off = half + 0.014 if scale == 1.0 else 0.022   # handle, or the (thin) panel itself
        c = center(f)
        hi = np.maximum(hi, c)
        pre = c - u * (off + 0.03)
        ee = m.robot.ee_position()
        z_safe = max(ee[2], hi[2] + 0.06)
        m.goto([ee[0], ee[1], z_safe], None, CLOSED, tol=0.03, max_steps=30)
        m.goto([pre[0], pre[1], z_safe], None, CLOSED, tol=0.015, max_steps=80)
        m.goto(pre, None, CLOSED, tol=0.01, max_steps=40, speed=0.6)
        stall, best = 0, f
        while not m.exhausted:
            f = float(st.joint_open_fraction(joint))
            if sign * (f1 - f) < 0.01:
                break
            u = tangent(f)
            want = center(f) - u * off
            ee = m.robot.ee_position()
            lateral = (want - ee) - u * float((want - ee) @ u)
            if float(np.linalg.norm(lateral)) > 0.04:
                break
            target = want + u * 0.03 + lateral
            delta = target - m._base()
            nd = float(np.linalg.norm(delta))
            if nd > speed:
                delta *= speed / nd
            m.step(delta, 0.0, CLOSED)
            if sign * (f - best) > 0.003:
                best, stall = f, 0
            else:
                stall += 1
                if stall > 25:
                    break
        # back off along the path before moving on (do not drag the handle back)
        ee = m.robot.ee_position()
        m.goto(ee - tangent(float(st.joint_open_fraction(joint))) * 0.03, None, CLOSED, tol=0.01, max_steps=10)


def _move_joint(m: Mover, joint: str, f1: float) -> tuple[bool, str]:
    """Grasp the handle and drive the joint to open fraction f1, closed-loop on the joint's state.

    Each step re-reads the joint's fraction, looks a little ahead along the handle's path (forward
    kinematics table) and moves the hand to where its grasp point will be, turning with the handle; if
    the hand loses the handle (slip, or a limit stopped the wrist) it lets go, re-grasps and goes on.
    """
    env = m.env
    st = env.state
    ref = _joint(env, joint)
    f0 = float(st.joint_open_fraction(joint))
    tol = 0.03
    if abs(f1 - f0) < tol:
        return True, ""
    table = _joint_table(env, joint)
    span = float(ref.upper - ref.lower)
    length = max(table.path_length(), 1e-3)
    # lookahead in fraction: ~2.5 cm of handle travel, or 0.25 rad for a knob that turns in place
    look = 0.025 / length if length > 0.03 else 0.25 / max(abs(span), 1e-3)
    look = float(np.clip(look, 0.02, 0.3))
    sign = 1.0 if f1 > f0 else -1.0
    at_limit = f1 <= 0.02 or f1 >= 0.98
    # aim past a limit (the joint stops there anyway), never past an intermediate target
    beyond = 0.04 if at_limit else 0.0
    if sign < 0 and ref.kind == "prismatic" and at_limit:
        # closing a drawer/slider: a brisk push on the handle is enough (and lets a lower drawer coast
        # shut where the hand would hit the handle above it); grasping is the fallback
        _push_joint(m, joint, f1, table, speed=0.02, tries=3)
    for _attempt in range(4):
        if sign * (f1 - float(st.joint_open_fraction(joint))) < tol:
            break
        if m.exhausted:
            break
        f = float(st.joint_open_fraction(joint))
        turn = float(np.clip(table.yaw(f1) - table.yaw(f), -2.4, 2.4))
        if not _grasp_handle(m, joint, turn):
            _release(m)
            continue
        fg = float(st.joint_open_fraction(joint))
        pos_g, rot_g = table.at(fg)
        local = rot_g.T @ (m.robot.ee_position() - pos_g)
        yaw_g = m.robot.ee_yaw()
        link_yaw_g = table.yaw(fg)
        stall, best = 0, fg
        while not m.exhausted:
            f = float(st.joint_open_fraction(joint))
            if sign * (f1 - f) < tol * 0.5:
                break
            fn = f + sign * min(look, abs(f1 - f) + beyond)
            pos_n, rot_n = table.at(fn)
            target = pos_n + rot_n @ local
            yaw_t = yaw_g + (table.yaw(fn) - link_yaw_g)
            # lost the handle: the hand is far from where the grasp point is now
            pos_c, rot_c = table.at(f)
            if float(np.linalg.norm(m.robot.ee_position() - (pos_c + rot_c @ local))) > 0.035:
                break
            base = m._base()
            delta = target - base
            nd = float(np.linalg.norm(delta))
            cap = 0.01 if at_limit else float(np.clip(abs(f1 - f) * length * 0.5, 0.002, 0.01))
            if nd > cap:
                delta *= cap / nd
            dyaw = float(np.clip(wrap_angle(yaw_t - m.robot.target_yaw), -0.15, 0.15))
            m.step(delta, dyaw, CLOSED)
            if sign * (f - best) > 0.005:
                best, stall = f, 0
            else:
                stall += 1
                if stall > 40:
                    break
        _release(m, joint=joint)
        f = float(st.joint_open_fraction(joint))
        if sign * (f1 - f) < tol or sign * (f - fg) < 0.03:
            break  # done, or holding the handle does not move it any more: push instead
    if sign * (f1 - float(st.joint_open_fraction(joint))) >= tol and not m.exhausted:
        _push_joint(m, joint, f1, table, tries=3)
    final = float(st.joint_open_fraction(joint))
    ok = sign * (f1 - final) < 0.1 if at_limit else abs(f1 - final) < 0.1
    return ok, "" if ok else f"{joint} is at open fraction {final:.2f}, wanted {f1:.2f}"


def _blockers(env: Any, joint: str) -> list[str]:
    """Other open joints of the same object whose moving part hangs over this joint's handle.

    A top drawer pulled out covers the handle of the drawer below it, so the hand cannot come down
    to it (nor push it from the front): such joints are closed first and re-opened afterwards.
    """
    obj = joint.split(".", 1)[0]
    pt = _handle_grasp(env, joint)[0]
    c = env.world.client
    out = []
    for other, ref in env.world.joints.items():
        if other == joint or not other.startswith(obj + ".") or float(env.state.joint_open_fraction(other)) < 0.05:
            continue
        lo, hi = (np.array(v) for v in p.getAABB(ref.body, ref.index, physicsClientId=c))
        hlink = env.world.links.get(f"{other}_handle")
        if hlink is not None:
            hlo, hhi = (np.array(v) for v in p.getAABB(hlink[0], hlink[1], physicsClientId=c))
            lo, hi = np.minimum(lo, hlo), np.maximum(hi, hhi)
        # the hand's footprint around the grasp point (fingers ~4 cm deep, hand ~20 cm wide)
        over = (lo[0] < pt[0] + 0.04 and hi[0] > pt[0] - 0.04 and lo[1] < pt[1] + 0.1 and hi[1] > pt[1] - 0.1
                and lo[2] > pt[2])
        if over:
            out.append(other)
    return out


def _move_unblocked(m: Mover, joint: str, f1: float) -> tuple[bool, str]:
    env = m.env
    blockers = [(b, float(env.state.joint_open_fraction(b))) for b in _blockers(env, joint)]
    for b, _f in blockers:
        _move_joint(m, b, 0.0)
    ok, msg = _move_joint(m, joint, f1)
    for b, f in reversed(blockers):  # put the other parts back where they were
        if not m.exhausted:
            _move_joint(m, b, f)
    if blockers:
        names = ", ".join(b for b, _ in blockers)
        msg = (msg + "; " if msg else "") + f"closed {names} first (it covered the handle) and re-opened it"
    return ok, msg


def open_(m: Mover, joint: str, fraction: float = 1.0) -> tuple[bool, str]:
    return _move_unblocked(m, joint, fraction)


def close(m: Mover, joint: str, fraction: float = 0.0) -> tuple[bool, str]:
    return _move_unblocked(m, joint, fraction)


def rotate(m: Mover, joint: str, angle: float | None = None, fraction: float | None = None) -> tuple[bool, str]:
    ref = _joint(m.env, joint)
    f0 = float(m.env.state.joint_open_fraction(joint))
    if fraction is None:
        span = float(ref.upper - ref.lower) or 1.0
        fraction = float(np.clip(f0 + float(angle or 0.0) / span, 0.0, 1.0))
    return _move_joint(m, joint, fraction)


def press(m: Mover, object: str) -> tuple[bool, str]:
    env = m.env
    joints = [j for j in env.world.joints if j.startswith(object + ".")]
    link_name = f"{object}.button" if f"{object}.button" in env.world.links else (joints[0] if joints else object)
    lo, hi = _aabb(env, link_name)
    c = (lo + hi) / 2
    travel = 0.015
    if joints:
        ref = env.world.joints[joints[0]]
        travel = float(abs(ref.upper - ref.lower)) if ref.upper > ref.lower else 0.015
    m.goto([c[0], c[1], hi[2] + 0.06], None, CLOSED, tol=0.015, max_steps=80)
    m.goto([c[0], c[1], hi[2] + 0.01], None, CLOSED, tol=0.008, max_steps=30, speed=0.5)
    pressed = False
    m.goto([c[0], c[1], hi[2] - travel - 0.01], None, CLOSED, tol=0.004, max_steps=25, speed=0.3)
    m.hold(8, CLOSED)
    if joints:
        pressed = float(env.state.joint_open_fraction(joints[0])) > 0.6
    m.goto([c[0], c[1], hi[2] + 0.06], None, CLOSED, tol=0.02, max_steps=25)
    ok = pressed if joints else True
    return ok, "" if ok else f"{link_name} did not go down far enough"


_IMPL = {"move_to": move_to, "grasp": grasp, "place": place, "push": push, "open": open_, "close": close,
         "press": press, "rotate": rotate}


def run_primitive(env: Any, call: PrimitiveCall | dict[str, Any], *, max_steps: int = 600,
                  log: StepLog | None = None) -> PrimitiveResult:
    """Execute one primitive from the env's current state; never raises for geometric failure."""
    call = call if isinstance(call, PrimitiveCall) else PrimitiveCall.model_validate(call)
    m = Mover(env, log, max_steps=max_steps + (len(log) if log is not None else 0))
    n0 = len(m.log)
    try:
        ok, msg = _IMPL[call.name](m, **call.args)
    except PrimitiveError as exc:
        ok, msg = False, str(exc)
    except KeyError as exc:  # State API: unknown name
        ok, msg = False, f"{call.name}: {exc}"
    acts = np.array(m.log.actions[n0:], dtype=np.float32).reshape(-1, 5)
    return PrimitiveResult(call.name, bool(ok), acts, msg, m.log)


__all__ = ["PRIMITIVE_ARGS", "PRIMITIVE_NAMES", "Mover", "PrimitiveError", "PrimitiveResult", "handle_path",
           "primitives_catalog", "run_primitive"]
