"""Physical checks of one articulated object, with a per-part / per-joint error a designer can act on.

Why a check of its own, before any scene: a model-written object can be wrong in ways the schema
cannot see — a door whose hinge axis swings it into its own carcass, a drawer that slides out through
the table, parts built inside each other, a fridge that tips over when its door opens, a 50 kg door
the arm cannot move. Each is found here in a throw-away DIRECT client (the object alone on a floor
at z = 0) and reported naming the part or joint and what to change.

Checks, in order:
1. mass: per-part density in a plausible range, moving parts light enough for the arm;
2. rest: no two parts interpenetrate with every joint closed (a part may touch its parent);
3. sweep: every joint, swept through its range with the others closed (or, failing that, open), never
   drives its moving parts into another part, deeper into its parent, or through the support;
4. drive: a test force moves every joint to both limits without jamming or exploding;
5. stability (not `mounted`): standing free, closed and with every joint open, it neither tips nor slides.
Reachability needs the robot and a placement, so the scene validation checks it (`reach_problems`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pybullet as p
import pybullet_data

from roboskill.sim.articulated_spec import ArticulatedSpec

if TYPE_CHECKING:
    from roboskill.sim.builder import World

#: Tolerances (metres): interpenetration allowed between unrelated parts / of a part into its parent.
OVERLAP_TOL = 0.004
PARENT_TOL = 0.015
SUPPORT_TOL = 0.004
MIN_DENSITY, MAX_DENSITY = 5.0, 12000.0     # kg/m^3: foam .. lead (of a part's shape volume)
MAX_MOVING_MASS = 8.0                        # kg: what the arm can still swing or pull
REACHED = 0.9                                # open fraction a joint must reach under the test force
MAX_SPEED = 15.0                             # m/s: faster than this is an exploding simulation
MAX_TILT, MAX_DRIFT = 0.2, 0.03              # rad, m while standing free
ARM_FORCE = 25.0                             # N: the push / pull the arm can give a handle


@dataclass(frozen=True)
class ObjectProblem:
    """One defect of an object: a code, the part or joint it concerns, what happened and the fix."""

    code: str
    part: str
    message: str
    fix: str
    where: tuple[float, float, float] | None = None
    """World position (m) the problem is at, when it has one (a handle out of reach)."""

    def __str__(self) -> str:
        return f"[{self.code}] {self.part}: {self.message} (fix: {self.fix})"


_CACHE: dict[str, list[ObjectProblem]] = {}


def check_object(spec: ArticulatedSpec, *, asset: Any = None) -> list[ObjectProblem]:
    """Every physical defect of `spec` (empty: it is sound). Results are cached per compiled URDF."""
    from roboskill.sim.articulated_urdf import compile_spec

    asset = asset or compile_spec(spec)
    key = str(asset.urdf_path)
    if key not in _CACHE:
        problems = _mass_problems(spec)
        c = p.connect(p.DIRECT)
        try:
            problems += _physics_problems(spec, asset, c)
        finally:
            p.disconnect(physicsClientId=c)
        _CACHE[key] = problems
    return list(_CACHE[key])


# ---------------------------------------------------------------------------------- mass
def _mass_problems(spec: ArticulatedSpec) -> list[ObjectProblem]:
    from roboskill.sim.articulated_urdf import _volume

    out = []
    for q in spec.parts:
        vol = sum(_volume(sh) for sh in q.shapes)
        density = q.mass / max(vol, 1e-9)
        if density > MAX_DENSITY:
            out.append(ObjectProblem("bad_mass", q.name, f"{q.mass:g} kg in {vol * 1e6:.0f} cm^3 of shapes is "
                                     f"{density:.0f} kg/m^3, denser than lead",
                                     f"lower its mass to at most {MAX_DENSITY * vol:.3g} kg or enlarge its shapes"))
        elif density < MIN_DENSITY:
            out.append(ObjectProblem("bad_mass", q.name, f"{q.mass:g} kg in {vol * 1e6:.0f} cm^3 of shapes is "
                                     f"{density:.1f} kg/m^3, lighter than foam",
                                     f"raise its mass to at least {MIN_DENSITY * vol:.3g} kg"))
        if q.joint.type != "fixed" and _subtree_mass(spec, q.name) > MAX_MOVING_MASS:
            out.append(ObjectProblem("bad_mass", q.name, f"the parts moving with joint {q.name!r} weigh "
                                     f"{_subtree_mass(spec, q.name):.1f} kg; the arm moves at most {MAX_MOVING_MASS:g} kg",
                                     f"make {q.name!r} (and the parts on it) lighter"))
    return out


def _subtree(spec: ArticulatedSpec, name: str) -> list[str]:
    out = [name]
    for child in spec.children(name):
        out += _subtree(spec, child.name)
    return out


def _subtree_mass(spec: ArticulatedSpec, name: str) -> float:
    return sum(spec.part(n).mass for n in _subtree(spec, name))


# -------------------------------------------------------------------------------- physics
class _Body:
    """The object loaded in a client: link indices by name, which links move with which joint."""

    def __init__(self, spec: ArticulatedSpec, asset: Any, c: int, *, fixed: bool = True, z: float = 0.0) -> None:
        self.c = c
        self.spec = spec
        self.body = p.loadURDF(str(asset.urdf_path), [0, 0, z], useFixedBase=fixed, physicsClientId=c)
        self.index: dict[str, int] = {spec.root.name: -1}
        self.parent_of: dict[str, str] = {}
        self.joint_index: dict[str, int] = {}
        for j in range(p.getNumJoints(self.body, physicsClientId=c)):
            info = p.getJointInfo(self.body, j, physicsClientId=c)
            link = info[12].decode()
            self.index[link] = j
            self.joint_index[info[1].decode()] = j
            parent_idx = info[16]
            self.parent_of[link] = next(n for n, i in self.index.items() if i == parent_idx) if parent_idx >= 0 \
                else spec.root.name
        self.geometric = [n for n in self.index if n not in {s.name for s in spec.sites}]
        self.joints = {ji.name: ji for ji in asset.joints}

    def owner(self, link: str) -> str:
        """The part a handle belongs to (a part is its own owner): messages name parts, not handle links."""
        for h in self.spec.handles:
            if h.link_name == link:
                return f"{link} (handle of {h.part})"
        return link

    def descendants(self, link: str) -> set[str]:
        out = {link}
        changed = True
        while changed:
            changed = False
            for child, parent in self.parent_of.items():
                if parent in out and child not in out:
                    out.add(child)
                    changed = True
        return out

    def set_all(self, which: str) -> None:
        for name, ji in self.joints.items():
            q = ji.lower if which == "lower" else ji.upper
            p.resetJointState(self.body, self.joint_index[name], q, 0.0, physicsClientId=self.c)

    def penetration(self, a: str, b: str) -> float:
        pts = p.getClosestPoints(self.body, self.body, 0.0, linkIndexA=self.index[a], linkIndexB=self.index[b],
                                 physicsClientId=self.c)
        return float(-min(pt[8] for pt in pts)) if pts else 0.0

    def into_support(self, a: str, floor: int) -> float:
        pts = p.getClosestPoints(self.body, floor, 0.0, linkIndexA=self.index[a], physicsClientId=self.c)
        return float(-min(pt[8] for pt in pts)) if pts else 0.0


def _physics_problems(spec: ArticulatedSpec, asset: Any, c: int) -> list[ObjectProblem]:
    p.setGravity(0, 0, -9.81, physicsClientId=c)
    p.setTimeStep(1.0 / 240.0, physicsClientId=c)
    floor = p.loadURDF(f"{pybullet_data.getDataPath()}/plane.urdf", [0, 0, 0], physicsClientId=c)
    obj = _Body(spec, asset, c, z=0.0)
    obj.set_all("lower")
    p.performCollisionDetection(physicsClientId=c)
    out: list[ObjectProblem] = []
    out += _rest_problems(obj, floor)
    rest_parent = {n: obj.penetration(n, obj.parent_of[n]) for n in obj.geometric if n in obj.parent_of}
    if not any(q.code == "part_overlap" for q in out):
        for name in obj.joints:
            problem = _sweep_problem(obj, name, floor, rest_parent)
            if problem is not None:
                out.append(problem)
    obj.set_all("lower")
    out += _drive_problems(obj, {q.part for q in out})
    p.removeBody(obj.body, physicsClientId=c)
    if not spec.mounted:
        out += _stability_problems(spec, asset, c, floor)
    return out


def _rest_problems(obj: _Body, floor: int) -> list[ObjectProblem]:
    out = []
    names = obj.geometric
    for i, a in enumerate(names):
        depth = obj.into_support(a, floor)
        if depth > SUPPORT_TOL:
            out.append(ObjectProblem("below_support", obj.owner(a), f"reaches {depth * 100:.1f} cm below z = 0, into "
                                     "the surface the object stands on", "raise it: the object's bottom is at z = 0"))
        for b in names[i + 1:]:
            adjacent = obj.parent_of.get(a) == b or obj.parent_of.get(b) == a
            depth = obj.penetration(a, b)
            if depth > (PARENT_TOL if adjacent else OVERLAP_TOL):
                out.append(ObjectProblem("part_overlap", obj.owner(b),
                                         f"interpenetrates part {obj.owner(a)!r} by {depth * 100:.1f} cm with every joint closed",
                                         f"move {b!r} (its position or shape positions) out of {a!r}, or shrink one of them"))
    return out


def _samples(ji: Any, n: int = 7) -> list[float]:
    return [ji.lower + (ji.upper - ji.lower) * k / (n - 1) for k in range(1, n)]


def _sweep_problem(obj: _Body, joint: str, floor: int, rest_parent: dict[str, float]) -> ObjectProblem | None:
    """The first collision joint `joint` runs into while swept (others closed, then others open)."""
    ji = obj.joints[joint]
    moving = obj.descendants(joint)
    static = [n for n in obj.geometric if n not in moving]
    first: tuple[float, str, float] | None = None
    for others in ("lower", "upper"):
        obj.set_all(others)
        hit = None
        for q in _samples(ji):
            p.resetJointState(obj.body, obj.joint_index[joint], q, 0.0, physicsClientId=obj.c)
            p.performCollisionDetection(physicsClientId=obj.c)
            for m in moving:
                if m not in obj.geometric:
                    continue
                depth = obj.into_support(m, floor)
                if depth > SUPPORT_TOL:
                    hit = (_fraction(ji, q), "the support surface (z = 0)", depth)
                    break
                for s in static:
                    if s == obj.parent_of.get(m):
                        depth = obj.penetration(m, s) - rest_parent.get(m, 0.0)
                        tol = PARENT_TOL
                    else:
                        depth, tol = obj.penetration(m, s), OVERLAP_TOL
                    if depth > tol:
                        hit = (_fraction(ji, q), f"part {obj.owner(s)!r}", depth)
                        break
                if hit:
                    break
            if hit:
                break
        if hit is None:
            return None
        first = first or hit
    frac, what, depth = first  # type: ignore[misc]
    return ObjectProblem("joint_jammed", joint, f"sweeping it to {frac:.0%} open drives its parts {depth * 100:.1f} cm "
                         f"into {what}: in the world it would jam there",
                         f"check joint {joint!r}: its axis sign (the value must grow as it opens, away from the "
                         f"carcass), its limits ({ji.lower:.2f}..{ji.upper:.2f}) and the clearance around it")


def _fraction(ji: Any, q: float) -> float:
    span = ji.upper - ji.lower
    return (q - ji.lower) / span if span > 0 else 0.0


def _lever(obj: _Body, joint: str) -> float:
    """Metres from the joint's origin to the farthest corner of what it moves (where a hand would push)."""
    c = obj.c
    origin = np.array(p.getLinkState(obj.body, obj.joint_index[joint], computeForwardKinematics=1,
                                     physicsClientId=c)[4])
    far = 0.05
    for link in obj.descendants(joint):
        lo, hi = (np.array(v) for v in p.getAABB(obj.body, obj.index[link], physicsClientId=c))
        for corner in ((x, y, z) for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])):
            far = max(far, float(np.linalg.norm(np.array(corner) - origin)))
    return far


def _test_effort(obj: _Body, joint: str) -> float:
    """The force (N) or torque (N·m) the arm can put on a joint: ARM_FORCE at the far end of the moving parts."""
    ji = obj.joints[joint]
    return ARM_FORCE * (_lever(obj, joint) if ji.type == "revolute" else 1.0)


def _drive_problems(obj: _Body, skip: set[str]) -> list[ObjectProblem]:
    c = obj.c
    out = []
    idx = [obj.joint_index[n] for n in obj.joints]
    for name, ji in obj.joints.items():
        if name in skip:
            continue
        obj.set_all("lower")
        # the others hold still; this one is driven by a bounded test force to each limit in turn
        p.setJointMotorControlArray(obj.body, idx, p.VELOCITY_CONTROL, targetVelocities=[0.0] * len(idx),
                                    forces=[50.0] * len(idx), physicsClientId=c)
        span = ji.upper - ji.lower
        budget = _test_effort(obj, name)
        # dry friction and a return spring oppose the arm; gravity acts on the parts in the simulation itself
        effort = budget - ji.friction - ji.spring_force
        if effort <= 0.05 * budget:
            out.append(ObjectProblem("joint_jammed", name, f"its friction ({ji.friction:g}) and spring "
                                     f"({ji.spring_force:g}) leave nothing of the {budget:.1f} N(m) the arm can apply",
                                     f"lower its friction / spring below {0.5 * budget:.2g}"))
            continue
        for target, want in ((ji.upper + 0.15 * span, 1.0), (ji.lower - 0.15 * span, 0.0)):
            p.setJointMotorControl2(obj.body, obj.joint_index[name], p.POSITION_CONTROL, targetPosition=target,
                                    force=effort, maxVelocity=max(span / 0.35, 0.2), physicsClientId=c)
            worst_speed = 0.0
            for _ in range(150):
                p.stepSimulation(physicsClientId=c)
            for link in obj.index.values():
                if link >= 0:
                    v = p.getLinkState(obj.body, link, computeLinkVelocity=1, physicsClientId=c)[6]
                    worst_speed = max(worst_speed, float(np.linalg.norm(v)))
            q = float(p.getJointState(obj.body, obj.joint_index[name], physicsClientId=c)[0])
            frac = _fraction(ji, q)
            if not math.isfinite(q) or worst_speed > MAX_SPEED or frac < -0.3 or frac > 1.3:
                out.append(ObjectProblem("joint_unstable", name, f"under a {effort:.0f} N(m) test force the simulation "
                                         f"exploded (value {q:.2f}, speed {worst_speed:.0f} m/s)",
                                         "give its parts sane masses (not tiny next to heavy ones), add damping"))
                break
            if (want == 1.0 and frac < REACHED) or (want == 0.0 and frac > 1 - REACHED):
                way = "open" if want == 1.0 else "closed"
                touching = _contacts(obj, name)
                out.append(ObjectProblem("joint_jammed", name, f"a {effort:.0f} N(m) test force moved it only to "
                                         f"{frac:.0%} open when driving it {way}{touching}",
                                         "lower its friction / spring / mass, or clear what blocks it"))
                break
    return out


def _contacts(obj: _Body, joint: str) -> str:
    names = {i: n for n, i in obj.index.items()}
    hits = set()
    for link in obj.descendants(joint):
        for pt in p.getContactPoints(bodyA=obj.body, linkIndexA=obj.index[link], physicsClientId=obj.c):
            hits.add("the floor" if pt[2] != obj.body else names.get(pt[4], "?"))
    return f" (touching {', '.join(sorted(hits))})" if hits else ""


def _stability_problems(spec: ArticulatedSpec, asset: Any, c: int, floor: int) -> list[ObjectProblem]:
    from roboskill.sim.articulated_urdf import closed_bounds

    lo, _ = closed_bounds(spec)
    out = []
    for which in ("lower", "upper"):
        obj = _Body(spec, asset, c, fixed=False, z=-float(lo[2]) + 0.002)
        try:
            obj.set_all(which)
            idx = [obj.joint_index[n] for n in obj.joints]
            targets = [ji.lower if which == "lower" else ji.upper for ji in obj.joints.values()]
            if idx:
                p.setJointMotorControlArray(obj.body, idx, p.POSITION_CONTROL, targetPositions=targets,
                                            forces=[_test_effort(obj, n) for n in obj.joints], physicsClientId=c)
            start = np.array(p.getBasePositionAndOrientation(obj.body, physicsClientId=c)[0])
            for _ in range(180):
                p.stepSimulation(physicsClientId=c)
            pos, quat = p.getBasePositionAndOrientation(obj.body, physicsClientId=c)
            tilt = 2.0 * math.acos(min(1.0, abs(float(quat[3]))))
            drift = float(np.linalg.norm((np.array(pos) - start)[:2]))
            if tilt > MAX_TILT or drift > MAX_DRIFT:
                state = "with every joint closed" if which == "lower" else f"with {', '.join(obj.joints)} open"
                out.append(ObjectProblem("tips_over", spec.root.name, f"standing free {state} it tilts "
                                         f"{math.degrees(tilt):.0f} deg and slides {drift * 100:.0f} cm",
                                         f"widen the footprint of {spec.root.name!r} or make it heavier than the parts "
                                         "that swing out (or set mounted: true if it is fixed to a wall)"))
                break
        finally:
            p.removeBody(obj.body, physicsClientId=c)
    return out


# ------------------------------------------------------------------------------ in a scene
def reach_problems(world: World, name: str) -> list[ObjectProblem]:
    """Handles and sites of articulated object `name` out of the robot's reach with its joints at their start,
    and with each joint in turn fully open (a task's goal end), judged with `validation.reachable`. The joints
    are restored afterwards."""
    from roboskill.sim.validation import reachable

    asset = world._placed[name].asset
    spec = getattr(asset, "spec", None)
    if spec is None:
        return []
    c = world.client
    body = world.bodies[name]
    points = [h.link_name for h in spec.handles] + [s.name for s in spec.sites]
    refs = {k: r for k, r in world.joints.items() if r.object == name}
    saved = {k: world.joint_position(k) for k in refs}
    out: list[ObjectProblem] = []
    try:
        for opened in [None, *refs]:
            for k, r in refs.items():
                p.resetJointState(r.body, r.index, r.upper if k == opened else saved[k], 0.0, physicsClientId=c)
            for link in points:
                _, idx = world.links[f"{name}.{link}"]
                # [0]: the link's centre of mass: a handle's grip (its link frame is its part's, at the hinge)
                pos = np.array(p.getLinkState(body, idx, computeForwardKinematics=1, physicsClientId=c)[0])
                if not reachable(pos):
                    state = "at their start" if opened is None else f"at their start but {opened} open"
                    out.append(ObjectProblem("out_of_reach", link, f"{link!r} is at ({pos[0]:.2f}, {pos[1]:.2f}, "
                                             f"{pos[2]:.2f}) with its joints {state}, out of the robot's reach",
                                             "move the object closer (x nearer -0.1, |y| < 0.25) or put the handle lower",
                                             (float(pos[0]), float(pos[1]), float(pos[2]))))
            if out:
                break
    finally:
        for k, q in saved.items():
            r = refs[k]
            p.resetJointState(r.body, r.index, q, 0.0, physicsClientId=c)
    return out


__all__ = ["ObjectProblem", "check_object", "reach_problems"]
