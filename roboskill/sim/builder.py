"""Turn a `SceneSpec` into a live PyBullet world (`World`): table, robot, objects, joints, placements.

Why placement is re-resolved at every `reset()` rather than baked in at build time: relations such as
`on: cube` or `inside: cabinet.drawer_0` must follow their target when the target's pose is
randomised or the drawer starts half open, and a resolved relation is just a handful of AABB look-ups.

World frame (docs/contracts.md): table top at z = 0, robot base at (-0.6, 0, 0) facing +x, the front
of articulated objects faces -x (towards the robot). Relations from the robot's point of view:
`left_of` = +y, `right_of` = -y, `front_of` = -x (closer to the robot), `behind` = +x. `distance` is
centre-to-centre, increased when needed so the two footprints do not overlap.

Build cost matters (a 10-object scene with 2 articulated objects must build in < 1 s): each world is
its own DIRECT client, URDF text for articulated objects is cached on disk, and the catalog's
measured sizes are not needed to build (sizes come from live AABBs).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pybullet as p
import pybullet_data

from roboskill.sim import articulated
from roboskill.sim.robot import ROBOT_BASE_POSITION, Robot
from roboskill.sim.spec import ArticulatedObject, AssetObject, PrimitiveObject, SceneSpec

#: Table top extents (world frame) when `spec.table` is true; its surface is z = 0.
TABLE_X = (-0.85, 0.65)
TABLE_Y = (-0.5, 0.5)
TIME_STEP = 1.0 / 240.0
GRAVITY = -9.81
_EPS = 0.001  # objects are placed this far above their support so they settle without popping

_DIRS = {"left_of": (0.0, 1.0), "right_of": (0.0, -1.0), "front_of": (-1.0, 0.0), "behind": (1.0, 0.0)}


class SceneBuildError(RuntimeError):
    """The spec passed validation but PyBullet could not load something (names the object)."""


@dataclass(frozen=True)
class JointRef:
    """A joint of an articulated object: `World.joints["cabinet.drawer_0"]`.

    `lower`/`upper` are the joint limits (metres or radians); open fraction = (q - lower) / (upper - lower).
    """

    body: int
    index: int
    lower: float
    upper: float
    name: str = ""
    kind: str = "prismatic"
    object: str = ""

    def to_fraction(self, q: float) -> float:
        span = self.upper - self.lower
        return float(min(1.0, max(0.0, (q - self.lower) / span))) if span > 0 else 0.0

    def from_fraction(self, frac: float) -> float:
        return float(self.lower + min(1.0, max(0.0, frac)) * (self.upper - self.lower))


def pose_spread(obj: PrimitiveObject | AssetObject | ArticulatedObject, spec: SceneSpec) -> Any:
    """The start randomisation of an object's pose: its own `randomize`, else the scene's default for free
    objects (not fixed, not articulated, not resting `on`/`inside` another object), else None."""
    pl = obj.placement
    if pl.randomize is not None:
        return pl.randomize
    if isinstance(obj, ArticulatedObject) or getattr(obj, "fixed", False):
        return None
    kind, target = pl.relation
    if kind == "inside" or (kind == "on" and target != "table"):
        return None
    return spec.start_randomization


def joint_spread(obj: ArticulatedObject, spec: SceneSpec) -> float:
    """± open fraction of an articulated object's joints at reset: its own `randomize_joints` when the spec
    sets it, else the scene's default."""
    if "randomize_joints" in obj.model_fields_set:
        return float(obj.randomize_joints)
    return float(spec.start_randomization.joints)


@dataclass
class _Placed:
    """Per-object data the World needs to re-resolve placements at reset."""

    name: str
    body: int
    quat: tuple[float, float, float, float]
    local_min: np.ndarray  # AABB of the whole object relative to its URDF base frame (at `quat`)
    local_max: np.ndarray
    inertial: tuple[float, float, float] = (0.0, 0.0, 0.0)  # base COM in the base frame (PyBullet poses are COM poses)
    asset: articulated.GeneratedAsset | None = None
    link_index: dict[str, int] = field(default_factory=dict)


class World:
    """A built scene in its own PyBullet client. See docs/contracts.md, "Built world".

    Attributes: `client`, `spec`, `robot`, `bodies` (name -> body id, "table" too), `joints`
    ("obj.joint" -> JointRef), `links` ("obj.link" -> (body, link index)), `time_step` (s),
    `initial_poses` (name -> (position, quaternion) after the last reset), `initial_joint_fractions`.
    """

    def __init__(self, spec: SceneSpec, client: int, robot: Robot, owns_client: bool) -> None:
        self.spec = spec
        self.client = client
        self.robot = robot
        self.bodies: dict[str, int] = {}
        self.joints: dict[str, JointRef] = {}
        self.links: dict[str, tuple[int, int]] = {}
        self.time_step = TIME_STEP
        self.initial_poses: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.initial_joint_fractions: dict[str, float] = {}
        self.containers: dict[str, tuple[str, articulated.Container]] = {}
        self.rng = np.random.default_rng()
        self.floor: int | None = None
        self._owns_client = owns_client
        self._placed: dict[str, _Placed] = {}
        self._order: list[str] = []
        self._robot_snapshots: dict[int, tuple[Any, ...]] = {}
        self._closed = False
        self._jitter = True

    # --------------------------------------------------------------------------------- public API
    def reset(self, seed: int | None = None, *, nominal: bool = False) -> None:
        """Robot home, articulated joints to their initial (randomised) fractions, objects to their
        resolved (randomised) poses, all velocities zero.

        `nominal=True` skips the start randomisation: the layout exactly as written, which is what
        validation must judge so that its verdict does not depend on a random draw."""
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self._jitter = not nominal
        self.robot.reset()
        c = self.client
        for obj in self.spec.objects:
            if isinstance(obj, ArticulatedObject):
                for local in self._placed[obj.name].asset.joints if self._placed[obj.name].asset else []:
                    ref = self.joints[f"{obj.name}.{local.name}"]
                    frac = float(obj.initial_joints.get(local.name, 0.0))
                    spread = joint_spread(obj, self.spec) if self._jitter else 0.0
                    if spread > 0:
                        frac += float(self.rng.uniform(-spread, spread))
                    frac = min(1.0, max(0.0, frac))
                    p.resetJointState(ref.body, ref.index, ref.from_fraction(frac), 0.0, physicsClientId=c)
                    self.initial_joint_fractions[f"{obj.name}.{local.name}"] = frac
        for name in self._order:
            obj = self.spec.object(name)
            pos, quat = self._resolve(obj)
            body = self.bodies[name]
            p.resetBasePositionAndOrientation(body, pos.tolist(), quat, physicsClientId=c)
            p.resetBaseVelocity(body, [0, 0, 0], [0, 0, 0], physicsClientId=c)
            self.initial_poses[name] = (pos, np.asarray(quat))

    def step(self, n: int = 1) -> None:
        """Advance the physics `n` steps of `time_step` seconds."""
        c = self.client
        for _ in range(n):
            p.stepSimulation(physicsClientId=c)

    def save_state(self) -> int:
        """Snapshot physics (p.saveState) plus the robot's motor command, so restore is exact."""
        sid = p.saveState(physicsClientId=self.client)
        r = self.robot
        self._robot_snapshots[sid] = (r._target_pos.copy(), r._target_yaw, r._gripper_cmd, list(r._last_arm_q))
        return sid

    def restore_state(self, state_id: int) -> None:
        """Return to a `save_state` snapshot (physics and robot motor targets)."""
        p.restoreState(stateId=state_id, physicsClientId=self.client)
        snap = self._robot_snapshots.get(state_id)
        if snap is not None:
            r = self.robot
            r._target_pos, r._target_yaw, r._gripper_cmd, r._last_arm_q = snap[0].copy(), snap[1], snap[2], list(snap[3])
            r._last_ik_key = None
            r._send(r._last_arm_q, r._gripper_cmd)

    def remove_state(self, state_id: int) -> None:
        """Free a snapshot (trajectory optimisers save thousands)."""
        p.removeState(state_id, physicsClientId=self.client)
        self._robot_snapshots.pop(state_id, None)

    def close(self) -> None:
        """Disconnect the client if this World created it (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._owns_client:
            try:
                p.disconnect(physicsClientId=self.client)
            except p.error:  # already gone
                pass

    def __enter__(self) -> World:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # helpers for other layers (additions to the contract)
    def object_aabb(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """World AABB of a whole object (all links) — used by validation and the State API."""
        return _body_aabb(self.bodies[name], self.client)

    def joint_position(self, joint: str) -> float:
        ref = self.joints[joint]
        return float(p.getJointState(ref.body, ref.index, physicsClientId=self.client)[0])

    def set_joint_fraction(self, joint: str, frac: float) -> None:
        """Teleport a joint to an open fraction (tests, scripted demos)."""
        ref = self.joints[joint]
        p.resetJointState(ref.body, ref.index, ref.from_fraction(frac), 0.0, physicsClientId=self.client)

    # ------------------------------------------------------------------------------- placement
    def _resolve(self, obj: PrimitiveObject | AssetObject | ArticulatedObject) -> tuple[np.ndarray, tuple]:
        placed = self._placed[obj.name]
        pl = obj.placement
        kind, target = pl.relation
        quat = placed.quat
        dx = dy = dyaw = 0.0
        spread = pose_spread(obj, self.spec) if self._jitter else None
        if spread is not None:
            if spread.xy > 0:
                dx, dy = (float(v) for v in self.rng.uniform(-spread.xy, spread.xy, 2))
            if spread.yaw > 0:
                dyaw = float(self.rng.uniform(-spread.yaw, spread.yaw))
        if dyaw:
            quat = p.multiplyTransforms([0, 0, 0], p.getQuaternionFromEuler((0, 0, dyaw)), [0, 0, 0], quat)[1]
        lo, hi = placed.local_min, placed.local_max
        if kind == "position":
            pos = np.array(target, dtype=float)
        elif kind == "on":
            if target == "table":
                support_z, cx, cy = 0.0, 0.0, 0.0
            else:
                tlo, thi = self._support_aabb(target)
                tpos = self._base_pos(target)
                support_z, cx, cy = float(thi[2]), float(tpos[0]), float(tpos[1])
            pos = np.array([cx + pl.offset[0], cy + pl.offset[1], support_z - lo[2] + _EPS])
        elif kind == "inside":
            pos = self._inside_position(target, lo, hi)
            pos[0] += pl.offset[0]
            pos[1] += pl.offset[1]
        else:
            ux, uy = _DIRS[kind]
            tlo, thi = self._support_aabb(target)
            tpos = self._base_pos(target)
            t_half = (thi[0] - tlo[0]) / 2 if ux else (thi[1] - tlo[1]) / 2
            own_half = (hi[0] - lo[0]) / 2 if ux else (hi[1] - lo[1]) / 2
            dist = max(pl.distance, t_half + own_half + 0.01)
            tcx, tcy = (tlo[0] + thi[0]) / 2, (tlo[1] + thi[1]) / 2
            ocx, ocy = (lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2  # own AABB centre relative to base
            # along the relation axis use AABB centres, across it keep the target's base coordinate
            x = tcx + ux * dist - ocx if ux else tpos[0] + pl.offset[0]
            y = tcy + uy * dist - ocy if uy else tpos[1] + pl.offset[1]
            support_z = float(tlo[2]) if target != "table" else 0.0
            pos = np.array([x, y, support_z - lo[2] + _EPS])
        pos[0] += dx
        pos[1] += dy
        if any(placed.inertial):  # PyBullet base poses are centre-of-mass poses
            pos = pos + np.array(p.multiplyTransforms([0, 0, 0], quat, placed.inertial, [0, 0, 0, 1])[0])
        return pos, tuple(quat)

    def _base_pos(self, name: str) -> np.ndarray:
        return np.array(p.getBasePositionAndOrientation(self.bodies[name], physicsClientId=self.client)[0])

    def _support_aabb(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """AABB of a target's base link (for articulated objects: the carcass, not the moving parts)."""
        lo, hi = p.getAABB(self.bodies[name], -1, physicsClientId=self.client)
        return np.array(lo), np.array(hi)

    def _inside_position(self, target: str, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        if target in self.containers:
            obj_name, cont = self.containers[target]
            body = self.bodies[obj_name]
            if cont.link:
                idx = self._placed[obj_name].link_index[cont.link]
                ls = p.getLinkState(body, idx, computeForwardKinematics=1, physicsClientId=self.client)
                frame_pos, frame_quat = ls[4], ls[5]
            else:
                frame_pos, frame_quat = p.getBasePositionAndOrientation(body, physicsClientId=self.client)
            floor, _ = p.multiplyTransforms(frame_pos, frame_quat, cont.center, [0, 0, 0, 1])
            return np.array([floor[0], floor[1], floor[2] - lo[2] + _EPS])
        # a plain container asset (tray, bowl, box): centre of its AABB, resting on its floor
        tlo, thi = self.object_aabb(target)
        floor_z = tlo[2] + min(0.015, (thi[2] - tlo[2]) * 0.2)
        tpos = self._base_pos(target)
        return np.array([tpos[0], tpos[1], floor_z - lo[2] + _EPS])


# ------------------------------------------------------------------------------------ building
def build_scene(spec: SceneSpec, *, client: int | None = None, seed: int | None = None,
                validate: bool = True, nominal: bool = False) -> World:
    """Build `spec` into a World (own DIRECT client unless `client` is given) and reset it
    (`nominal=True`: to the layout as written, without start randomisation).

    With `validate=True` the spec is checked statically before loading and physically after
    (settling, interpenetration, falling off the table); every problem is raised together as
    `SceneValidationError(report)`.
    """
    from roboskill.sim import validation

    if validate:
        report = validation.static_checks(spec)
        if not report.ok:
            raise validation.SceneValidationError(report)
    world = _build(spec, client=client, seed=seed, nominal=nominal)
    if validate:
        try:
            report = validation.physical_checks(world)
        except Exception:
            world.close()
            raise
        if not report.ok:
            world.close()
            raise validation.SceneValidationError(report)
    return world


def prepare_assets(spec: SceneSpec) -> None:
    """Write every file the build of `spec` will read (the articulated objects' generated URDFs).

    Why: scenes are also built inside sandbox processes, which may not create files (RLIMIT_FSIZE=0);
    generating the URDFs first, in the trusted parent, makes those builds read-only. Idempotent and
    cheap: a URDF already in the cache is not rewritten. A bad generator parameter raises the same
    `ArticulationParamError` the build would.
    """
    for obj in spec.objects:
        if isinstance(obj, ArticulatedObject):
            articulated.object_asset(obj)
        elif isinstance(obj, AssetObject):
            _prepare_asset(obj)


def _prepare_asset(obj: AssetObject) -> None:
    """Write a composite's URDF / a user mesh's convex decomposition (see `prepare_assets`)."""
    from roboskill.sim import composite, meshes
    from roboskill.sim.catalog import get_catalog

    entry = get_catalog().resolve(obj.asset)
    if entry.format == "composite":
        composite.urdf_path(entry.name, dict(obj.params), obj.scale * entry.scale)
    elif entry.source == "user" and entry.format in ("obj", "stl"):
        meshes.prepare_mesh(entry.path, obj.scale * entry.scale, obj.mass)


def _connect(client: int | None) -> tuple[int, bool]:
    if client is not None:
        return client, False
    return p.connect(p.DIRECT), True


def _build(spec: SceneSpec, *, client: int | None, seed: int | None, nominal: bool = False) -> World:
    c, owns = _connect(client)
    try:
        p.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=c)
        p.setGravity(0, 0, GRAVITY, physicsClientId=c)
        p.setTimeStep(TIME_STEP, physicsClientId=c)
        data = pybullet_data.getDataPath()
        if spec.table:
            floor = p.loadURDF(f"{data}/plane.urdf", [0, 0, -0.625], physicsClientId=c)
            table = p.loadURDF(f"{data}/table/table.urdf", [-0.1, 0, -0.625], useFixedBase=True, physicsClientId=c)
            p.changeDynamics(table, -1, lateralFriction=0.8, physicsClientId=c)
        else:
            floor = p.loadURDF(f"{data}/plane.urdf", [0, 0, 0], physicsClientId=c)
            table = floor
        robot = Robot(c, spec.robot, ROBOT_BASE_POSITION)
        world = World(spec, c, robot, owns)
        world.floor = floor
        world.bodies["table"] = table
        for obj in spec.objects:
            try:
                _load_object(world, obj)
            except (p.error, OSError, ValueError) as exc:
                raise SceneBuildError(f"object {obj.name!r}: could not be loaded: {exc}") from exc
        world._order = _placement_order(spec)
        world.reset(seed, nominal=nominal)
        return world
    except BaseException:
        if owns:
            p.disconnect(physicsClientId=c)
        raise


def _load_object(world: World, obj: PrimitiveObject | AssetObject | ArticulatedObject) -> None:
    c = world.client
    quat = tuple(p.getQuaternionFromEuler(obj.placement.euler))
    asset = None
    link_index: dict[str, int] = {}
    if isinstance(obj, PrimitiveObject):
        body = _load_primitive(obj, quat, c)
    elif isinstance(obj, AssetObject):
        body = _load_asset(obj, quat, c, world)
    else:
        asset = articulated.object_asset(obj)
        body = p.loadURDF(str(asset.urdf_path), [0, 0, 0], quat, useFixedBase=True, physicsClientId=c)
        by_name = {}
        for j in range(p.getNumJoints(body, physicsClientId=c)):
            info = p.getJointInfo(body, j, physicsClientId=c)
            by_name[info[1].decode()] = j
            link_index[info[12].decode()] = j
        motor_joints, motor_forces = [], []
        for ji in asset.joints:
            idx = by_name[ji.name]
            world.joints[f"{obj.name}.{ji.name}"] = JointRef(body, idx, ji.lower, ji.upper, ji.name, ji.type, obj.name)
            if ji.spring_force > 0:  # a return spring: a weak position motor towards the rest position
                p.setJointMotorControl2(body, idx, p.POSITION_CONTROL, targetPosition=ji.lower,
                                        force=ji.spring_force, positionGain=0.2, physicsClientId=c)
            else:  # replace PyBullet's default (stiff) velocity motor by dry friction
                motor_joints.append(idx)
                motor_forces.append(ji.friction)
        if motor_joints:
            p.setJointMotorControlArray(body, motor_joints, p.VELOCITY_CONTROL, targetVelocities=[0.0] * len(motor_joints),
                                        forces=motor_forces, physicsClientId=c)
        for link in asset.links:
            world.links[f"{obj.name}.{link}"] = (body, link_index[link])
        for cname, cont in asset.containers.items():
            world.containers[f"{obj.name}.{cname}" if cname else obj.name] = (obj.name, cont)
    world.bodies[obj.name] = body
    lo, hi = _body_aabb(body, c)  # loaded with its URDF frame at the origin
    if isinstance(obj, PrimitiveObject) and obj.visual_only:  # no collision shape, so no AABB: use the size
        half = _primitive_half_extents(obj)
        lo, hi = -half, half
    inertial = tuple(float(v) for v in p.getDynamicsInfo(body, -1, physicsClientId=c)[3])
    world._placed[obj.name] = _Placed(obj.name, body, quat, lo, hi, inertial, asset, link_index)
    # park it far away until reset places it, so loading order never causes overlaps
    p.resetBasePositionAndOrientation(body, [0, 0, 20 + 2 * len(world._placed)], quat, physicsClientId=c)


def _primitive_half_extents(obj: PrimitiveObject) -> np.ndarray:
    return np.array(obj.half_extents(), dtype=float)


def pybullet_geometry(obj: PrimitiveObject) -> dict[str, Any]:
    """The one conversion from the spec's full extents to PyBullet's shape arguments.

    box: halfExtents = size / 2; sphere: radius = diameter / 2; cylinder: radius = diameter / 2,
    length = height; capsule: radius = diameter / 2, length = height - diameter (PyBullet's capsule
    length is the straight part between the two round caps).
    """
    s = [float(v) for v in obj.size]
    if obj.shape == "box":
        return {"halfExtents": [v / 2 for v in s]}
    if obj.shape == "sphere":
        return {"radius": s[0] / 2}
    radius = s[0] / 2
    length = s[1] if obj.shape == "cylinder" else max(s[1] - s[0], 0.0)
    return {"radius": radius, "length": length}


def _load_primitive(obj: PrimitiveObject, quat: tuple, c: int) -> int:
    g = pybullet_geometry(obj)
    if obj.shape == "box":
        vis = p.createVisualShape(p.GEOM_BOX, halfExtents=g["halfExtents"], rgbaColor=obj.color, physicsClientId=c)
        col = -1 if obj.visual_only else p.createCollisionShape(p.GEOM_BOX, halfExtents=g["halfExtents"], physicsClientId=c)
    elif obj.shape == "sphere":
        vis = p.createVisualShape(p.GEOM_SPHERE, radius=g["radius"], rgbaColor=obj.color, physicsClientId=c)
        col = -1 if obj.visual_only else p.createCollisionShape(p.GEOM_SPHERE, radius=g["radius"], physicsClientId=c)
    else:
        geom = p.GEOM_CYLINDER if obj.shape == "cylinder" else p.GEOM_CAPSULE
        vis = p.createVisualShape(geom, radius=g["radius"], length=g["length"], rgbaColor=obj.color, physicsClientId=c)
        col = -1 if obj.visual_only else p.createCollisionShape(geom, radius=g["radius"], height=g["length"],
                                                                physicsClientId=c)
    mass = 0.0 if (obj.visual_only or obj.fixed) else obj.mass
    body = p.createMultiBody(mass, col, vis, [0, 0, 0], quat, physicsClientId=c)
    if not obj.visual_only:
        p.changeDynamics(body, -1, lateralFriction=obj.friction, spinningFriction=0.001, rollingFriction=0.0001,
                         physicsClientId=c)
    return body


def _load_asset(obj: AssetObject, quat: tuple, c: int, world: World) -> int:
    from roboskill.sim import composite, meshes
    from roboskill.sim.catalog import get_catalog

    entry = get_catalog().resolve(obj.asset)
    if entry.format == "composite":  # open containers register their inside for `inside:` placements
        built = composite.create_body(entry.name, dict(obj.params), client=c, scale=obj.scale * entry.scale,
                                      mass=obj.mass, fixed=obj.fixed, quat=quat)
        if built.interior_com is not None:
            world.containers[obj.name] = (obj.name, articulated.Container("", built.interior_com.center,
                                                                          built.interior_com.half_extents))
        return built.body
    path = Path(entry.path)
    if entry.source == "user" and entry.format in ("obj", "stl"):  # checked, convex-decomposed
        body = meshes.load_mesh_body(path, client=c, scale=obj.scale * entry.scale, mass=obj.mass, fixed=obj.fixed,
                                     quat=quat)
    elif path.suffix.lower() == ".obj":
        sc = [obj.scale * entry.scale] * 3
        vis = p.createVisualShape(p.GEOM_MESH, fileName=str(path), meshScale=sc, physicsClientId=c)
        col = p.createCollisionShape(p.GEOM_MESH, fileName=str(path), meshScale=sc, physicsClientId=c)
        mass = 0.0 if obj.fixed else (obj.mass if obj.mass is not None else 0.1)
        body = p.createMultiBody(mass, col, vis, [0, 0, 0], quat, physicsClientId=c)
    else:
        body = p.loadURDF(str(path), [0, 0, 0], quat, useFixedBase=obj.fixed, globalScaling=obj.scale * entry.scale,
                          physicsClientId=c)
        if obj.mass is not None and not obj.fixed:
            p.changeDynamics(body, -1, mass=obj.mass, physicsClientId=c)
    p.changeDynamics(body, -1, lateralFriction=max(0.6, p.getDynamicsInfo(body, -1, physicsClientId=c)[1]),
                     physicsClientId=c)
    return body


def _body_aabb(body: int, c: int) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = (np.array(v) for v in p.getAABB(body, -1, physicsClientId=c))
    for j in range(p.getNumJoints(body, physicsClientId=c)):
        a, b = p.getAABB(body, j, physicsClientId=c)
        lo = np.minimum(lo, a)
        hi = np.maximum(hi, b)
    return lo, hi


def placement_target(obj: PrimitiveObject | AssetObject | ArticulatedObject) -> str | None:
    """The object (not 'table', not a link) a placement depends on, if any."""
    kind, target = obj.placement.relation
    if kind == "position" or target == "table":
        return None
    return str(target).split(".")[0]


def _placement_order(spec: SceneSpec) -> list[str]:
    """Objects ordered so every relation target is placed before the objects that refer to it."""
    deps = {o.name: placement_target(o) for o in spec.objects}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise SceneBuildError(f"placement cycle: {' -> '.join(chain + (name,))}")
        state[name] = 1
        dep = deps.get(name)
        if dep is not None and dep in deps:
            visit(dep, chain + (name,))
        state[name] = 2
        order.append(name)

    for o in spec.objects:
        visit(o.name, ())
    return order


def iter_object_bodies(world: World) -> Iterable[tuple[str, int]]:
    """(name, body) for spec objects only (not the table)."""
    for obj in world.spec.objects:
        yield obj.name, world.bodies[obj.name]


__all__ = ["GRAVITY", "JointRef", "SceneBuildError", "TABLE_X", "TABLE_Y", "TIME_STEP", "World", "build_scene", "prepare_assets",
           "placement_target", "pybullet_geometry"]
