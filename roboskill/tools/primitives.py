"""Motion primitives: scripted, IK-based skills that act through the env's action interface.

Why through `env.step` and not by teleporting joints: the actions a primitive emits are an ordinary
trajectory (5-d env actions), so it replays exactly, renders to video, feeds the reward reflection,
and can warm-start trajectory optimisation. Each primitive is closed-loop on the state (it re-reads
object poses every step) and returns a `PrimitiveResult(reached, actions, message)`.

Geometry comes from the State API (AABBs, poses) and, for articulations, from the joint itself: the
handle's path while the joint moves from its current to its target open fraction is sampled by
forward kinematics (save state, set the joint, read the handle link, restore), so the same code opens
drawers (straight line), doors and levers (arcs) and turns knobs (the handle's yaw), whatever the
generator's geometry. Collision awareness is cheap and local: every approach comes from above with
clearance, pushes start behind the object at a safe height, and retreats go straight up.

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
        self.grip = OPEN

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
        self.robot._last_ik_key = None
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
        for _ in range(max_steps):
            if self.exhausted:
                break
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
    env = m.env
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
    m.hold(GRIP_STEPS, CLOSED)
    ee = m.robot.ee_position()
    m.goto(ee + [0, 0, 0.08], None, CLOSED, tol=0.015, max_steps=40, speed=0.3)
    m.hold(3)
    ok = bool(env.state.is_grasped(object))
    return ok, "" if ok else f"{object} is not held after closing the gripper"


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
    for _attempt in range(4):
        obj = np.asarray(st.object_position(object), dtype=float)
        e = goal - obj[:2]
        if np.linalg.norm(e) < tol or m.exhausted:
            break
        u = e / np.linalg.norm(e)
        pre = obj[:2] - u * (radius + 0.035)
        ee = m.robot.ee_position()
        m.goto([ee[0], ee[1], max(ee[2], hi[2] + 0.04)], None, CLOSED, tol=0.02, max_steps=20)
        m.goto([pre[0], pre[1], hi[2] + 0.04], None, CLOSED, tol=0.012, max_steps=60)
        m.goto([pre[0], pre[1], z_push], None, CLOSED, tol=0.01, max_steps=30, speed=0.6)
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
            step = min(0.006, dist * 0.5)
            want = obj[:2] - u * (radius + 0.012) + u * step
            base = m._base()
            delta = np.array([want[0] - base[0], want[1] - base[1], z_push - base[2]])
            n = float(np.linalg.norm(delta))
            cap = 0.008 if dist > 0.03 else 0.004
            if n > cap:
                delta *= cap / n
            m.step(delta, 0.0, CLOSED)
        m.hold(5)
    ee = m.robot.ee_position()
    m.goto([ee[0], ee[1], hi[2] + 0.05], None, CLOSED, tol=0.02, max_steps=20)
    final = np.asarray(st.object_position(object), dtype=float)
    err = float(np.linalg.norm(final[:2] - goal))
    ok = err < max(tol * 1.7, 0.02)
    return ok, "" if ok else f"{object} stopped {err:.3f} m from the push goal"


def _move_joint(m: Mover, joint: str, f1: float) -> tuple[bool, str]:
    env = m.env
    st = env.state
    f0 = float(st.joint_open_fraction(joint))
    if abs(f1 - f0) < 0.03:
        return True, ""
    pts, yaws = handle_path(env, joint, f0, f1)
    motion = pts[-1] - pts[0]
    grasp_pt = pts[0].copy()
    body, link = _handle(env, joint)
    lo, hi = p.getAABB(body, link, physicsClientId=env.world.client)
    lo, hi = np.array(lo), np.array(hi)
    horiz = motion[:2]
    if np.linalg.norm(horiz) > 0.01:
        u = horiz / np.linalg.norm(horiz)
        # the bar of a handle is its part farthest along the opening direction
        ext = abs(u[0]) * (hi[0] - lo[0]) + abs(u[1]) * (hi[1] - lo[1])
        grasp_pt[:2] += u * max(0.0, ext / 2 - 0.012)
        yaw = _nearest_equiv(math.atan2(u[1], u[0]), m.robot.ee_yaw())
    else:
        yaw = _nearest_equiv(yaws[0] + math.pi / 2, m.robot.ee_yaw())  # fingers across a knob's bar
    z_g = max(lo[2] + 0.01, min(grasp_pt[2], hi[2] - 0.012))
    ee = m.robot.ee_position()
    top = max(hi[2], ee[2] - 0.05) + 0.06
    m.goto([ee[0], ee[1], max(ee[2], top)], None, OPEN, tol=0.03, max_steps=30)
    m.goto([grasp_pt[0], grasp_pt[1], top], yaw, OPEN, tol=0.012, max_steps=80)
    m.goto([grasp_pt[0], grasp_pt[1], z_g], yaw, OPEN, tol=0.008, max_steps=50, speed=0.5)
    m.hold(GRIP_STEPS, CLOSED)
    # follow the handle's path (shifted to where we hold it), turning with it
    hold_off = m.robot.ee_position() - pts[0]
    for k in range(1, len(pts)):
        target = pts[k] + hold_off
        m.goto(target, yaw + (yaws[k] - yaws[0]), CLOSED, tol=0.01, max_steps=20, speed=0.5)
    m.hold(6, CLOSED)
    m.hold(GRIP_STEPS, OPEN)
    ee = m.robot.ee_position()
    back = -motion / max(np.linalg.norm(motion), 1e-9) * 0.0
    m.goto(ee + back + np.array([0, 0, 0.06]), None, OPEN, tol=0.02, max_steps=25)
    final = float(st.joint_open_fraction(joint))
    ok = abs(final - f1) < 0.2 or (f1 >= f0 and final >= f1 - 0.2) or (f1 < f0 and final <= f1 + 0.2)
    return ok, "" if ok else f"{joint} is at open fraction {final:.2f}, wanted {f1:.2f}"


def open_(m: Mover, joint: str, fraction: float = 1.0) -> tuple[bool, str]:
    return _move_joint(m, joint, fraction)


def close(m: Mover, joint: str, fraction: float = 0.0) -> tuple[bool, str]:
    return _move_joint(m, joint, fraction)


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
