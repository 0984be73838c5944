"""Robot arms with end-effector (IK) control: Franka Panda (default), xArm6 and KUKA iiwa from pybullet_data.

Everything learned in roboskill acts through `Robot.apply_action(delta_xyz, gripper, delta_yaw)`:
the end effector is moved by a small Cartesian delta via inverse kinematics, always pointing down
(top grasps) with an optional yaw. Keeping the action space Cartesian makes rewards, primitives and
policies transfer between arms.

Speed matters (the env must step > 1,300/s with reward evaluation), so each action is one
`getLinkState`, at most one `calculateInverseKinematics` (skipped when the target did not change) and
one `setJointMotorControlArray` for all controlled joints, with joint index lists and limits
precomputed at load time.

Gripper command convention (both `apply_action` and `move_ee_to`): a float in [-1, 1];
+1 = fully open, -1 = fully closed, linear in between (target finger gap = (g+1)/2 * max_opening).

KUKA: pybullet_data's `kuka_iiwa/model.urdf` has no gripper. We attach nothing; the gripper command
is a no-op, `gripper_opening()` returns 0.0 and `finger_links` is (-1, -1). Use it for push / press /
slide tasks only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np
import pybullet as p
import pybullet_data

RobotKind = Literal["panda", "xarm6", "kuka"]

ROBOT_BASE_POSITION: tuple[float, float, float] = (-0.6, 0.0, 0.0)

#: Cartesian box the IK target is clipped to (world frame, metres). Slightly larger than the
#: documented reachable workspace so motions near the edges are not cut short.
WORKSPACE_LOW = np.array([-0.35, -0.55, -0.005])
WORKSPACE_HIGH = np.array([0.45, 0.55, 0.75])

#: How far (m) the IK target may lead the measured end-effector position in `apply_action`.
MAX_LEAD = 0.02
#: Position gain of the arm's joint PD motors (PyBullet's default 0.1 lags ~50% behind targets).
ARM_POSITION_GAIN = 0.3

#: Proprioception layout returned by `Robot.proprioception()` (8 floats).
PROPRIO_LAYOUT: tuple[str, ...] = ("ee_x", "ee_y", "ee_z", "ee_vx", "ee_vy", "ee_vz", "ee_yaw", "gripper_opening")


@dataclass(frozen=True)
class RobotConfig:
    """Static description of one arm: which joints to drive and how."""

    urdf: str
    arm_joints: tuple[int, ...]
    ee_link: int
    home: tuple[float, ...]
    arm_forces: tuple[float, ...]
    finger_joints: tuple[int, ...] = ()
    finger_links: tuple[int, int] = (-1, -1)
    finger_force: float = 0.0
    max_opening: float = 0.0
    #: maps a gap (m) to finger joint targets
    finger_mode: Literal["prismatic", "xarm", "none"] = "none"
    ee_down_euler: tuple[float, float, float] = (math.pi, 0.0, 0.0)
    ik_iterations: int = 20


PANDA = RobotConfig(
    urdf="franka_panda/panda.urdf",
    arm_joints=(0, 1, 2, 3, 4, 5, 6),
    ee_link=11,
    home=(0.0, -0.35, 0.0, -2.45, 0.0, 2.1, 0.785),
    arm_forces=(87.0, 87.0, 87.0, 87.0, 12.0, 120.0, 120.0),
    finger_joints=(9, 10),
    finger_links=(9, 10),
    finger_force=40.0,
    max_opening=0.08,
    finger_mode="prismatic",
)

XARM6 = RobotConfig(
    urdf="xarm/xarm6_with_gripper.urdf",
    arm_joints=(1, 2, 3, 4, 5, 6),
    ee_link=7,
    home=(0.0, -0.3, -0.9, 0.0, 1.2, 0.0),
    arm_forces=(50.0, 50.0, 32.0, 32.0, 32.0, 20.0),
    finger_joints=(8, 9, 10, 11, 12, 13),
    finger_links=(9, 12),
    finger_force=10.0,
    max_opening=0.085,
    finger_mode="xarm",
)

KUKA = RobotConfig(
    urdf="kuka_iiwa/model.urdf",
    arm_joints=(0, 1, 2, 3, 4, 5, 6),
    ee_link=6,
    home=(0.0, 0.35, 0.0, -1.6, 0.0, 1.2, 0.0),
    arm_forces=(200.0, 200.0, 100.0, 100.0, 100.0, 40.0, 40.0),
)

ROBOT_CONFIGS: dict[str, RobotConfig] = {"panda": PANDA, "xarm6": XARM6, "kuka": KUKA}

#: Extra length from the KUKA flange / xArm gripper base to the point between the fingertips.
_EE_TIP_OFFSET = {"panda": 0.0, "xarm6": 0.16, "kuka": 0.05}


class Robot:
    """An arm in a PyBullet client, controlled through end-effector targets.

    Attributes: `body` (pybullet body id), `finger_links` (left, right link indices; (-1, -1) for KUKA),
    `ee_link`, `kind`, `client`.
    """

    def __init__(self, client: int, kind: RobotKind = "panda",
                 base_position: Sequence[float] = ROBOT_BASE_POSITION) -> None:
        if kind not in ROBOT_CONFIGS:
            raise ValueError(f"unknown robot {kind!r}; choose one of {sorted(ROBOT_CONFIGS)}")
        self.kind: str = kind
        self.client = client
        self.cfg = cfg = ROBOT_CONFIGS[kind]
        self.base_position = tuple(float(v) for v in base_position)
        flags = p.URDF_USE_SELF_COLLISION_EXCLUDE_PARENT if kind == "panda" else 0
        self.body: int = p.loadURDF(
            str(_data_path() + "/" + cfg.urdf), self.base_position, [0, 0, 0, 1],
            useFixedBase=True, flags=flags, physicsClientId=client,
        )
        self.ee_link = cfg.ee_link
        self.finger_links: tuple[int, int] = cfg.finger_links
        self.has_gripper = cfg.finger_mode != "none"
        self._tip_offset = _EE_TIP_OFFSET[kind]

        # movable joints in IK order (IK returns one value per non-fixed joint)
        movable = [j for j in range(p.getNumJoints(self.body, physicsClientId=client))
                   if p.getJointInfo(self.body, j, physicsClientId=client)[2] != p.JOINT_FIXED]
        self._movable = movable
        self._ik_arm_slots = [movable.index(j) for j in cfg.arm_joints]
        infos = [p.getJointInfo(self.body, j, physicsClientId=client) for j in movable]
        self._lower = [float(i[8]) for i in infos]
        self._upper = [float(i[9]) for i in infos]
        self._ranges = [max(u - l, 1e-3) for l, u in zip(self._lower, self._upper)]
        rest = [0.0] * len(movable)
        for slot, q in zip(self._ik_arm_slots, cfg.home):
            rest[slot] = q
        self._rest = rest

        self._ctrl_joints = list(cfg.arm_joints) + list(cfg.finger_joints)
        self._ctrl_forces = list(cfg.arm_forces) + [cfg.finger_force] * len(cfg.finger_joints)
        self._ctrl_gains = [ARM_POSITION_GAIN] * len(cfg.arm_joints) + [0.2] * len(cfg.finger_joints)

        if cfg.finger_links != (-1, -1):
            for link in cfg.finger_links:
                p.changeDynamics(self.body, link, lateralFriction=1.5, spinningFriction=0.002,
                                 frictionAnchor=1, physicsClientId=client)
        if kind == "xarm6":  # the gripper's mimic linkage: keep all six knuckles moving together
            for j in cfg.finger_joints:
                p.changeDynamics(self.body, j, jointDamping=0.1, physicsClientId=client)

        self._down_yaw0 = 0.0
        self._target_pos = np.zeros(3)
        self._target_yaw = 0.0
        self._gripper_cmd = 1.0
        self._last_ik_key: tuple[float, ...] | None = None
        self._last_arm_q: list[float] = list(cfg.home)
        self.reset()

    # ---------------------------------------------------------------------------------- control
    def reset(self) -> None:
        """Teleport to the home configuration (gripper open) and hold it."""
        c = self.client
        for j, q in zip(self.cfg.arm_joints, self.cfg.home):
            p.resetJointState(self.body, j, q, 0.0, physicsClientId=c)
        for j, q in zip(self.cfg.finger_joints, self._finger_targets(1.0)):
            p.resetJointState(self.body, j, q, 0.0, physicsClientId=c)
        self._last_arm_q = list(self.cfg.home)
        self._last_ik_key = None
        self._target_pos = self.ee_position()
        self._target_yaw = self.ee_yaw()
        self._gripper_cmd = 1.0
        self._send(self._last_arm_q, 1.0)

    def apply_action(self, delta_xyz: Sequence[float], gripper: float, delta_yaw: float = 0.0) -> None:
        """Move the IK target by `delta_xyz` metres (clipped to the workspace).

        The delta is added to the previous target, which is kept within MAX_LEAD (2 cm) of the actual
        end effector, so motion per action matches the command without winding up against obstacles.

        `gripper` in [-1, 1] (+1 open, -1 closed). `delta_yaw` radians, added to the current target yaw.
        Only sets motor targets: the caller steps the simulation.
        """
        pos = self.ee_position()
        # accumulate on the previous target so the arm really moves delta per action despite PD lag,
        # but never let the target run more than MAX_LEAD ahead of the hand (no wind-up when blocked)
        base = self._target_pos
        lead = base - pos
        dist = float(np.sqrt(lead @ lead))
        if dist > MAX_LEAD:
            base = pos + lead * (MAX_LEAD / dist)
        target = np.clip(base + np.asarray(delta_xyz, dtype=float), WORKSPACE_LOW, WORKSPACE_HIGH)
        if delta_yaw:
            self._target_yaw = _wrap(self._target_yaw + float(delta_yaw))
        self._target_pos = target
        self._gripper_cmd = float(np.clip(gripper, -1.0, 1.0))
        self._send(self._ik(target, self._target_yaw), self._gripper_cmd)

    def move_ee_to(self, position: Sequence[float], yaw: float | None = None, gripper: float | None = None) -> None:
        """Set an absolute IK target (world metres; yaw radians; gripper in [-1, 1], None keeps the last)."""
        target = np.clip(np.asarray(position, dtype=float), WORKSPACE_LOW, WORKSPACE_HIGH)
        if yaw is not None:
            self._target_yaw = _wrap(float(yaw))
        if gripper is not None:
            self._gripper_cmd = float(np.clip(gripper, -1.0, 1.0))
        self._target_pos = target
        self._send(self._ik(target, self._target_yaw), self._gripper_cmd)

    def set_gripper(self, gripper: float) -> None:
        """Change only the gripper command ([-1, 1]), keeping the arm's current target."""
        self._gripper_cmd = float(np.clip(gripper, -1.0, 1.0))
        self._send(self._last_arm_q, self._gripper_cmd)

    def reach(self, position: Sequence[float], yaw: float | None = None, gripper: float | None = None,
              *, max_steps: int = 300, tol: float = 0.01) -> bool:
        """Blocking helper for scripted motions: re-target IK each few steps until within `tol` metres.

        Returns whether the target was reached. Steps the simulation of this robot's client.
        """
        target = np.clip(np.asarray(position, dtype=float), WORKSPACE_LOW, WORKSPACE_HIGH)
        for i in range(max_steps):
            if i % 4 == 0:
                self._last_ik_key = None  # re-solve from the current configuration
                self.move_ee_to(target, yaw, gripper)
            p.stepSimulation(physicsClientId=self.client)
            if i % 4 == 3 and np.linalg.norm(self.ee_position() - target) < tol:
                return True
        return bool(np.linalg.norm(self.ee_position() - target) < tol)

    # ------------------------------------------------------------------------------ perception
    def ee_position(self) -> np.ndarray:
        """World position of the point between the fingertips (metres)."""
        ls = p.getLinkState(self.body, self.ee_link, physicsClientId=self.client)
        pos = np.array(ls[4])
        if self._tip_offset:
            rot = np.array(p.getMatrixFromQuaternion(ls[5])).reshape(3, 3)
            pos = pos + rot[:, 2] * self._tip_offset
        return pos

    def ee_orientation(self) -> np.ndarray:
        """End-effector orientation quaternion (x, y, z, w)."""
        return np.array(p.getLinkState(self.body, self.ee_link, physicsClientId=self.client)[5])

    def ee_yaw(self) -> float:
        """Yaw of the (downward-pointing) gripper about world z, radians."""
        q = self.ee_orientation()
        rot = np.array(p.getMatrixFromQuaternion(q)).reshape(3, 3)
        return float(math.atan2(rot[1, 0], rot[0, 0]))

    def ee_velocity(self) -> np.ndarray:
        """World linear velocity of the end-effector link (m/s)."""
        ls = p.getLinkState(self.body, self.ee_link, computeLinkVelocity=1, physicsClientId=self.client)
        return np.array(ls[6])

    def gripper_opening(self) -> float:
        """Distance between the fingers in metres (0.0 for KUKA, which has no gripper)."""
        if not self.has_gripper:
            return 0.0
        if self.cfg.finger_mode == "prismatic":
            a, b = p.getJointStates(self.body, list(self.cfg.finger_joints), physicsClientId=self.client)
            return float(a[0] + b[0])
        q = p.getJointState(self.body, self.cfg.finger_joints[0], physicsClientId=self.client)[0]
        return float(self.cfg.max_opening * (1.0 - q / 0.85))

    def proprioception(self) -> np.ndarray:
        """8 floats, layout `PROPRIO_LAYOUT`: ee xyz, ee linear velocity xyz, ee yaw, gripper opening."""
        ls = p.getLinkState(self.body, self.ee_link, computeLinkVelocity=1, physicsClientId=self.client)
        pos = np.asarray(ls[4], dtype=float)
        rot = p.getMatrixFromQuaternion(ls[5])
        if self._tip_offset:
            pos = pos + np.array((rot[2], rot[5], rot[8])) * self._tip_offset
        yaw = math.atan2(rot[3], rot[0])
        out = np.empty(8, dtype=np.float64)
        out[0:3] = pos
        out[3:6] = ls[6]
        out[6] = yaw
        out[7] = self.gripper_opening()
        return out

    def arm_joint_positions(self) -> np.ndarray:
        states = p.getJointStates(self.body, list(self.cfg.arm_joints), physicsClientId=self.client)
        return np.array([s[0] for s in states])

    @property
    def target_position(self) -> np.ndarray:
        return self._target_pos.copy()

    @property
    def target_yaw(self) -> float:
        """The yaw (radians) the IK target currently asks for (deltas in `apply_action` add to it)."""
        return float(self._target_yaw)

    def invalidate_ik(self) -> None:
        """Re-solve IK on the next command even if the target did not change.

        Why: PyBullet's IK is iterative and starts from the current configuration; re-solving a held
        target from where the arm now is removes the last centimetre of error (scripted primitives).
        """
        self._last_ik_key = None

    # -------------------------------------------------------------------------------- internals
    def _ik(self, target: np.ndarray, yaw: float) -> list[float]:
        key = (round(float(target[0]), 4), round(float(target[1]), 4), round(float(target[2]), 4), round(yaw, 3))
        if key == self._last_ik_key:
            return self._last_arm_q
        r, pch, _ = self.cfg.ee_down_euler
        orn = p.getQuaternionFromEuler((r, pch, yaw))
        link_target = target
        if self._tip_offset:
            rot = np.array(p.getMatrixFromQuaternion(orn)).reshape(3, 3)
            link_target = target - rot[:, 2] * self._tip_offset
        sol = p.calculateInverseKinematics(
            self.body, self.ee_link, link_target.tolist(), orn,
            lowerLimits=self._lower, upperLimits=self._upper, jointRanges=self._ranges, restPoses=self._rest,
            maxNumIterations=self.cfg.ik_iterations, residualThreshold=1e-4, physicsClientId=self.client,
        )
        arm_q = [sol[s] for s in self._ik_arm_slots]
        self._last_ik_key = key
        self._last_arm_q = arm_q
        return arm_q

    def _finger_targets(self, gripper: float) -> list[float]:
        frac = (gripper + 1.0) * 0.5
        mode = self.cfg.finger_mode
        if mode == "prismatic":
            half = frac * self.cfg.max_opening * 0.5
            return [half, half]
        if mode == "xarm":
            q = (1.0 - frac) * 0.85
            return [q] * len(self.cfg.finger_joints)
        return []

    def _send(self, arm_q: Sequence[float], gripper: float) -> None:
        targets = list(arm_q) + self._finger_targets(gripper)
        p.setJointMotorControlArray(
            self.body, self._ctrl_joints, p.POSITION_CONTROL, targetPositions=targets,
            forces=self._ctrl_forces, positionGains=self._ctrl_gains, physicsClientId=self.client,
        )


def _wrap(angle: float) -> float:
    return (angle + math.pi) % (2 * math.pi) - math.pi


_DATA_PATH: str | None = None


def _data_path() -> str:
    global _DATA_PATH
    if _DATA_PATH is None:
        _DATA_PATH = pybullet_data.getDataPath()
    return _DATA_PATH


__all__ = ["PROPRIO_LAYOUT", "ROBOT_BASE_POSITION", "ROBOT_CONFIGS", "Robot", "RobotConfig", "RobotKind",
           "WORKSPACE_HIGH", "WORKSPACE_LOW"]
