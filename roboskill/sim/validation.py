"""Scene validation that a designer (human or LLM) can act on: every problem, each with a fix.

Two passes, because some problems are visible in the spec alone and others only in physics:
- `static_checks(spec)`: duplicate names, unknown assets, bad generator parameters, unknown joints,
  unknown / impossible relation targets (inside a non-container, on a link, placement cycles),
  explicit positions out of reach or under the table.
- `physical_checks(world)`: on the built world — resolved poses out of the robot's reach, objects
  interpenetrating each other or the robot, then ~0.5 s of settling: objects falling off the table or
  sliding / toppling far from where the spec put them. The world's state is restored afterwards.

`validate_scene(spec)` runs both (building the scene in its own client) and returns the full
report; `build_scene(spec, validate=True)` raises `SceneValidationError(report)` whose str() lists
all problems, so one round trip fixes them all instead of one per attempt.
"""

from __future__ import annotations

import difflib
import math
from typing import TYPE_CHECKING, Literal

import numpy as np
import pybullet as p
from pydantic import BaseModel, Field

from roboskill.sim import articulated
from roboskill.sim.spec import ArticulatedObject, AssetObject, PrimitiveObject, SceneSpec

if TYPE_CHECKING:
    from roboskill.sim.builder import World

ProblemCode = Literal[
    "duplicate_name", "unknown_asset", "bad_params", "unknown_joint", "unknown_target", "impossible_relation",
    "placement_cycle", "out_of_reach", "below_table", "interpenetration", "overlaps_robot", "fell_off_table",
    "unstable", "build_failed",
]

#: Reach model of the arms (robot base at (-0.6, 0, 0)): a point is reachable for a top-down grasp when
#: it is within REACH_RADIUS of the shoulder and at least MIN_RADIUS (horizontally) from the base.
SHOULDER = np.array([-0.6, 0.0, 0.333])
REACH_RADIUS = 0.86
MIN_RADIUS = 0.25
MAX_HEIGHT = 0.65
SETTLE_SECONDS = 0.5
MAX_SETTLE_DRIFT = 0.05
MAX_SETTLE_TILT = 0.3  # radians (~17 deg)
PENETRATION_TOL = 0.008


class Problem(BaseModel):
    """One thing wrong with a scene: which object, what kind, what happened, how to fix it."""

    object: str
    code: ProblemCode
    message: str
    fix: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.object}: {self.message} (fix: {self.fix})"


class ValidationReport(BaseModel):
    """All problems found in a scene (empty = valid)."""

    scene: str = ""
    problems: list[Problem] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, obj: str, code: ProblemCode, message: str, fix: str) -> None:
        self.problems.append(Problem(object=obj, code=code, message=message, fix=fix))

    def extend(self, other: ValidationReport) -> None:
        seen = {(q.object, q.code) for q in self.problems}
        self.problems.extend(q for q in other.problems if (q.object, q.code) not in seen)

    def format(self) -> str:
        if self.ok:
            return f"scene {self.scene!r}: valid"
        lines = [f"scene {self.scene!r}: {len(self.problems)} problem(s):"]
        lines += [f"  - {q}" for q in self.problems]
        return "\n".join(lines)


class SceneValidationError(ValueError):
    """Raised by `build_scene(validate=True)`; `.report` holds every problem."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(report.format())


# ------------------------------------------------------------------------------------ reach model
def reachable(point: np.ndarray | tuple[float, float, float], robot_base: tuple[float, float, float] = (-0.6, 0.0, 0.0)) -> bool:
    """Whether the arm can bring its fingertips (pointing down) to `point` (world metres)."""
    pt = np.asarray(point, dtype=float)
    shoulder = np.asarray(robot_base, dtype=float) + np.array([0.0, 0.0, 0.333])
    horiz = math.hypot(pt[0] - robot_base[0], pt[1] - robot_base[1])
    return bool(np.linalg.norm(pt - shoulder) <= REACH_RADIUS and horiz >= MIN_RADIUS and pt[2] <= MAX_HEIGHT)


def _reach_fix(point: np.ndarray) -> str:
    base = np.array([-0.6, 0.0])
    d = np.asarray(point[:2]) - base
    r = float(np.linalg.norm(d)) or 1.0
    target_r = min(max(r, MIN_RADIUS + 0.05), 0.75)
    sugg = base + d / r * target_r
    return (f"move it to about x={sugg[0]:.2f}, y={sugg[1]:.2f} (the reachable table area is roughly "
            f"x in [-0.3, 0.2], |y| <= 0.4 at table height)")


# ----------------------------------------------------------------------------------- static pass
def static_checks(spec: SceneSpec) -> ValidationReport:
    """Everything that can be checked from the spec alone (no physics)."""
    from roboskill.sim.catalog import UnknownAssetError, get_catalog

    report = ValidationReport(scene=spec.name)
    names = [o.name for o in spec.objects]
    objs = {o.name: o for o in spec.objects}
    seen: set[str] = set()
    for n in names:
        if n in seen:
            report.add(n, "duplicate_name", f"the name {n!r} is used by {names.count(n)} objects",
                       f"rename the others, e.g. {n}_2")
        seen.add(n)

    generated: dict[str, articulated.GeneratedAsset] = {}
    container_assets: set[str] = set()
    for obj in spec.objects:
        if isinstance(obj, AssetObject):
            try:
                entry = get_catalog().resolve(obj.asset)
                if "container" in entry.tags:
                    container_assets.add(obj.name)
            except UnknownAssetError as exc:
                report.add(obj.name, "unknown_asset", str(exc), exc.fix)
        elif isinstance(obj, ArticulatedObject):
            try:
                generated[obj.name] = asset = articulated.generate(obj.articulation, dict(obj.params))
            except articulated.ArticulationParamError as exc:
                report.add(obj.name, "bad_params", str(exc), "remove the parameter or use a valid value")
                continue
            jnames = [j.name for j in asset.joints]
            for jn in obj.initial_joints:
                if jn not in jnames:
                    report.add(obj.name, "unknown_joint", f"{obj.articulation} has no joint {jn!r} (joints: {jnames})",
                               f"use one of {jnames} in initial_joints")

    for obj in spec.objects:
        _check_relation(obj, objs, generated, container_assets, spec, report)
    _check_cycles(spec, report)
    return report


def _suggest(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=3, cutoff=0.5)
    return f"did you mean {', '.join(repr(c) for c in close)}?" if close else f"known objects: {options}"


def _check_relation(obj, objs, generated, container_assets, spec: SceneSpec, report: ValidationReport) -> None:
    kind, target = obj.placement.relation
    if kind == "position":
        pos = np.asarray(target, dtype=float)
        if spec.table and pos[2] < -0.005 and not getattr(obj, "visual_only", False):
            report.add(obj.name, "below_table", f"position z={pos[2]:.3f} is under the table top (z=0)",
                       "use z >= half the object's height, or `on: table`")
        if not reachable(pos + np.array([0, 0, 0.02])):
            report.add(obj.name, "out_of_reach", f"position ({pos[0]:.2f}, {pos[1]:.2f}, {pos[2]:.2f}) is out of the "
                       "robot's reach", _reach_fix(pos))
        return
    target = str(target)
    base, _, link = target.partition(".")
    if base == obj.name:
        report.add(obj.name, "impossible_relation", f"`{kind}: {target}` refers to the object itself",
                   "place it relative to the table or another object")
        return
    if target == "table":
        if kind != "on":
            report.add(obj.name, "impossible_relation", f"`{kind}: table` is not meaningful",
                       "use `on: table` with `offset: [x, y]`")
        return
    if base not in objs:
        report.add(obj.name, "unknown_target", f"`{kind}: {target}` names no object in the scene",
                   _suggest(base, list(objs) + ["table"]))
        return
    tobj = objs[base]
    if kind == "inside":
        if isinstance(tobj, ArticulatedObject):
            asset = generated.get(base)
            if asset is None:
                return  # its params were already reported
            valid = [f"{base}.{c}" if c else base for c in asset.containers]
            if target not in valid:
                fix = f"use one of {valid}" if valid else "place it `on:` the object or next to it instead"
                report.add(obj.name, "impossible_relation",
                           f"{target!r} is not a container ({tobj.articulation} containers: {valid or 'none'})", fix)
        elif link:
            report.add(obj.name, "impossible_relation", f"{base!r} has no links; {target!r} cannot contain anything",
                       f"use `inside: {base}` if it is a container, otherwise `on: {base}`")
        elif base not in container_assets:
            what = f"a {tobj.shape}" if isinstance(tobj, PrimitiveObject) else "not tagged as a container"
            report.add(obj.name, "impossible_relation", f"`inside: {base}` but {base!r} is {what}",
                       f"use `on: {base}`, or a container (tray asset, lid_box, drawer_cabinet drawer)")
        return
    if link:
        report.add(obj.name, "impossible_relation", f"`{kind}: {target}` targets a link; only `inside:` accepts links",
                   f"use `{kind}: {base}`" + (f" or `inside: {target}`" if kind == "on" else ""))
        return
    if kind == "on" and isinstance(tobj, PrimitiveObject) and tobj.visual_only:
        report.add(obj.name, "impossible_relation", f"`on: {base}` but {base!r} is a visual-only marker (no collision)",
                   f"place it `on: table` with the marker's offset, or next to the marker")
    if kind == "on" and isinstance(tobj, PrimitiveObject) and tobj.shape in ("sphere", "capsule"):
        report.add(obj.name, "impossible_relation", f"`on: {base}` but a {tobj.shape} has no flat top to rest on",
                   "stack on a box or cylinder instead")


def _check_cycles(spec: SceneSpec, report: ValidationReport) -> None:
    from roboskill.sim.builder import placement_target

    deps = {o.name: placement_target(o) for o in spec.objects}
    for start in deps:
        chain, cur = [start], deps[start]
        while cur is not None and cur in deps and cur not in chain:
            chain.append(cur)
            cur = deps[cur]
        if cur == start:
            report.add(start, "placement_cycle", f"placements form a cycle: {' -> '.join(chain + [start])}",
                       f"place {start!r} relative to the table instead")


# --------------------------------------------------------------------------------- physical pass
def physical_checks(world: World) -> ValidationReport:
    """Reach, overlaps and ~0.5 s of settling on a built world; restores its state afterwards."""
    spec = world.spec
    report = ValidationReport(scene=spec.name)
    c = world.client
    p.performCollisionDetection(physicsClientId=c)
    names = [o.name for o in spec.objects]

    # reach: graspable things at their top, articulated objects at their handles / moving links
    for obj in spec.objects:
        if isinstance(obj, ArticulatedObject):
            points = [np.array(p.getLinkState(b, i, physicsClientId=c)[0]) for key, (b, i) in world.links.items()
                      if key.startswith(obj.name + ".") and (key.endswith("_handle") or obj.articulation == "button")]
            if not points:
                points = [np.asarray(world.initial_poses[obj.name][0])]
            bad = [pt for pt in points if not reachable(pt)]
            if bad:
                report.add(obj.name, "out_of_reach", f"its handle at ({bad[0][0]:.2f}, {bad[0][1]:.2f}, {bad[0][2]:.2f}) "
                           "is out of the robot's reach", _reach_fix(bad[0]))
        else:
            lo, hi = world.object_aabb(obj.name)
            top = np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, hi[2]])
            if not reachable(top):
                report.add(obj.name, "out_of_reach", f"it is at ({top[0]:.2f}, {top[1]:.2f}, {top[2]:.2f}), out of the "
                           "robot's reach", _reach_fix(top))

    # overlaps at the initial poses
    solid = [n for n in names if not (isinstance(spec.object(n), PrimitiveObject) and spec.object(n).visual_only)]
    reported: set[tuple[str, str]] = set()
    for i, a in enumerate(solid):
        for b in solid[i + 1:]:
            depth = _penetration(world, a, b)
            if depth > PENETRATION_TOL:
                reported.add((a, b))
                report.add(a, "interpenetration", f"overlaps {b!r} by {depth * 100:.1f} cm at its initial pose",
                           f"move {a!r} or {b!r} apart (e.g. `left_of: {b}` with a larger distance)")
        pts = p.getClosestPoints(world.bodies[a], world.robot.body, 0.0, physicsClientId=c)
        if pts and min(pt[8] for pt in pts) < -PENETRATION_TOL:
            report.add(a, "overlaps_robot", "intersects the robot arm at its home pose",
                       "move it further from the robot base (x > -0.3) or lower than z = 0.2")

    # settle ~0.5 s and look for things that fell or slid
    sid = world.save_state()
    try:
        start = {n: p.getBasePositionAndOrientation(world.bodies[n], physicsClientId=c) for n in names}
        world.step(int(SETTLE_SECONDS / world.time_step))
        from roboskill.sim.builder import TABLE_X, TABLE_Y

        for n in names:
            obj = spec.object(n)
            if isinstance(obj, ArticulatedObject) or getattr(obj, "fixed", False) or getattr(obj, "visual_only", False):
                continue
            end_pos, end_quat = p.getBasePositionAndOrientation(world.bodies[n], physicsClientId=c)
            end = np.array(end_pos)
            lo, hi = world.object_aabb(n)
            off_xy = not (TABLE_X[0] <= end[0] <= TABLE_X[1] and TABLE_Y[0] <= end[1] <= TABLE_Y[1])
            if spec.table and (hi[2] < -0.02 or off_xy):
                report.add(n, "fell_off_table", f"fell off the table while settling (now at "
                           f"{end[0]:.2f}, {end[1]:.2f}, {end[2]:.2f})",
                           f"place it on the table: x in [{TABLE_X[0] + 0.1:.2f}, {TABLE_X[1] - 0.1:.2f}], "
                           f"|y| <= {TABLE_Y[1] - 0.1:.2f}, e.g. `on: table`")
                continue
            drift = float(np.linalg.norm(end - np.array(start[n][0])))
            dq = abs(float(np.dot(start[n][1], end_quat)))
            tilt = 2.0 * math.acos(min(1.0, dq))
            if drift > MAX_SETTLE_DRIFT or (tilt > MAX_SETTLE_TILT and drift > 0.01):
                cause = "it was pushed out of an overlap" if any(n in pair for pair in reported) else \
                    "it toppled, slid or fell from its support"
                report.add(n, "unstable", f"moved {drift * 100:.0f} cm and turned {math.degrees(tilt):.0f} deg while "
                           f"settling ({cause})",
                           "give it a stable support: `on: table`, on a flat box, or more space around it")
    finally:
        world.restore_state(sid)
        world.remove_state(sid)
    return report


def _penetration(world: World, a: str, b: str) -> float:
    """Penetration depth (m, >0 when overlapping) between two objects; AABB-based for two fixed bodies."""
    c = world.client
    ba, bb = world.bodies[a], world.bodies[b]
    if _is_static(world, a) and _is_static(world, b):
        la, ha = world.object_aabb(a)
        lb, hb = world.object_aabb(b)
        overlap = np.minimum(ha, hb) - np.maximum(la, lb)
        return float(overlap.min()) if (overlap > 0).all() else 0.0
    pts = p.getClosestPoints(ba, bb, 0.0, physicsClientId=c)
    return float(-min(pt[8] for pt in pts)) if pts else 0.0


def _is_static(world: World, name: str) -> bool:
    obj = world.spec.object(name)
    return isinstance(obj, ArticulatedObject) or bool(getattr(obj, "fixed", False))


# ---------------------------------------------------------------------------------------- public
def validate_scene(spec: SceneSpec) -> ValidationReport:
    """All problems of `spec`: static checks, then (if it can be built) the physical checks."""
    from roboskill.sim.builder import SceneBuildError, build_scene

    report = static_checks(spec)
    blocking = {"duplicate_name", "unknown_asset", "bad_params", "unknown_joint", "unknown_target",
                "impossible_relation", "placement_cycle"}
    # physics still checks every object that can be built, so one report shows *all* problems
    broken = {q.object for q in report.problems if q.code in blocking}
    dup_seen: set[str] = set()
    kept = []
    for obj in spec.objects:
        if obj.name in broken or obj.name in dup_seen:
            continue
        dup_seen.add(obj.name)
        kept.append(obj)
    changed = True
    while changed:  # drop objects whose placement depends on a dropped object
        names = {o.name for o in kept}
        from roboskill.sim.builder import placement_target

        new_kept = [o for o in kept if placement_target(o) is None or placement_target(o) in names]
        changed = len(new_kept) != len(kept)
        kept = new_kept
    reduced = spec.model_copy(update={"objects": kept})
    try:
        world = build_scene(reduced, validate=False)
    except SceneBuildError as exc:
        report.add(spec.name, "build_failed", str(exc), "check the asset file / parameters of that object")
        return report
    try:
        report.extend(physical_checks(world))
    finally:
        world.close()
    return report


__all__ = ["Problem", "ProblemCode", "SceneValidationError", "ValidationReport", "physical_checks", "reachable",
           "static_checks", "validate_scene"]
