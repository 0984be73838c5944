"""Scene validation that a designer (human or LLM) can act on: every problem, each with a fix.

Two passes, because some problems are visible in the spec alone and others only in physics:
- `static_checks(spec)`: duplicate names, unknown assets, bad generator parameters, unknown joints,
  unknown / impossible relation targets (inside a non-container, on a link, placement cycles),
  explicit positions out of reach or under the table, objects too big for the container they are
  placed inside, primitives too wide for the gripper (an error when the goal needs them grasped, a
  warning otherwise).
- `physical_checks(world)`: on the built world — resolved poses out of the robot's reach, objects
  interpenetrating each other or the robot, then ~0.5 s of settling: objects falling off the table or
  sliding / toppling far from where the spec put them. The world's state is restored afterwards.

`validate_scene(spec)` runs both (building the scene in its own client) and returns the full
report; `build_scene(spec, validate=True)` raises `SceneValidationError(report)` whose str() lists
all problems, so one round trip fixes them all instead of one per attempt.

Every `fix` is meant to be applied literally: an object out of reach gets a whole placement
(`"placement": {...}` with position or table offset AND orientation) that the reach model accepts,
chosen next to where the object was; `Problem.suggested_placement()` reads it back.
"""

from __future__ import annotations

import difflib
import json
import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pybullet as p
from pydantic import BaseModel, Field

from roboskill.sim import articulated
from roboskill.sim.spec import ArticulatedObject, AssetObject, PrimitiveObject, SceneSpec, suggested_placement

if TYPE_CHECKING:
    from roboskill.sim.builder import World

ProblemCode = Literal[
    "duplicate_name", "unknown_asset", "bad_params", "unknown_joint", "unknown_target", "impossible_relation",
    "placement_cycle", "out_of_reach", "below_table", "interpenetration", "overlaps_robot", "fell_off_table",
    "unstable", "build_failed", "too_wide_to_grasp", "container_too_small", "asset_limit",
    # an articulated object's own defects (`roboskill.sim.articulated_check`), each naming the part or joint
    "part_overlap", "joint_jammed", "joint_unstable", "tips_over", "bad_mass", "below_support",
]
Severity = Literal["error", "warning"]

#: Reach model of the arms (robot base at (-0.6, 0, 0)): a point is reachable for a top-down grasp when
#: it is within REACH_RADIUS of the shoulder and at least MIN_RADIUS (horizontally) from the base.
SHOULDER = np.array([-0.6, 0.0, 0.333])
REACH_RADIUS = 0.86
MIN_RADIUS = 0.25
MAX_HEIGHT = 0.65
#: Horizontal reach on the table top (z = 0) from the robot base: MIN_RADIUS .. this (~0.79 m).
TABLE_REACH = math.sqrt(REACH_RADIUS ** 2 - SHOULDER[2] ** 2)
#: The Panda's gripper opening (m); robots without a gripper skip the grasp-width check.
GRIPPER_OPENING = 0.08
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
    severity: Severity = "error"
    """"error": the scene is rejected; "warning": worth a look, the scene is still valid."""

    def __str__(self) -> str:
        tag = f"{self.code}, warning" if self.severity == "warning" else self.code
        return f"[{tag}] {self.object}: {self.message} (fix: {self.fix})"

    def suggested_placement(self) -> dict[str, Any] | None:
        """The `"placement": {...}` a fix suggests, as a mapping (None when the fix names none)."""
        return suggested_placement(self.fix)


class ValidationReport(BaseModel):
    """All problems found in a scene (empty = valid)."""

    scene: str = ""
    problems: list[Problem] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No errors (warnings do not make a scene invalid)."""
        return not self.errors

    @property
    def errors(self) -> list[Problem]:
        return [q for q in self.problems if q.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [q for q in self.problems if q.severity == "warning"]

    def add(self, obj: str, code: ProblemCode, message: str, fix: str, severity: Severity = "error") -> None:
        self.problems.append(Problem(object=obj, code=code, message=message, fix=fix, severity=severity))

    def extend(self, other: ValidationReport) -> None:
        seen = {(q.object, q.code) for q in self.problems}
        self.problems.extend(q for q in other.problems if (q.object, q.code) not in seen)

    def format(self) -> str:
        if not self.problems:
            return f"scene {self.scene!r}: valid"
        if self.ok:
            lines = [f"scene {self.scene!r}: valid, {len(self.problems)} warning(s):"]
        else:
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


def reach_summary(short: bool = False) -> str:
    """The reach envelope in words, from the constants above (prompts and fixes quote it, so they agree)."""
    lo_x = -0.6 + MIN_RADIUS
    hi_x = -0.6 + TABLE_REACH
    if short:
        return (f"within reach on the table: {MIN_RADIUS:g}-{TABLE_REACH:.2f} m horizontally from the robot base "
                f"(-0.6, 0), i.e. x in [{lo_x:.2f}, {hi_x:.2f}] at y = 0; nothing above z = {MAX_HEIGHT:g}")
    return (f"reachable = within {REACH_RADIUS:g} m of the shoulder at (-0.6, 0, {SHOULDER[2]:g}), at least "
            f"{MIN_RADIUS:g} m horizontally from the base and below z = {MAX_HEIGHT:g}; on the table top that is "
            f"{MIN_RADIUS:g}-{TABLE_REACH:.2f} m from (-0.6, 0): x in [{lo_x:.2f}, {hi_x:.2f}] at y = 0, "
            f"|y| <= 0.3 for x in [-0.3, 0.1]")


def _round(v: float) -> float:
    return round(float(v), 3) + 0.0  # + 0.0: never "-0.0"


def _placement_text(placement: dict[str, Any]) -> str:
    return '"placement": ' + json.dumps(placement)


def _reachable_with_margin(point: np.ndarray, margin: float) -> bool:
    pt = np.asarray(point, dtype=float)
    horiz = math.hypot(pt[0] + 0.6, pt[1])
    return bool(np.linalg.norm(pt - SHOULDER) <= REACH_RADIUS - margin and horiz >= MIN_RADIUS + margin
                and pt[2] <= MAX_HEIGHT - margin)


def _search_origin(points: list[tuple[float, float, float]], footprint: tuple[float, float, float, float],
                   current: tuple[float, float], avoid: list[tuple[float, float, float, float]] = (),
                   margin: float = 0.05) -> tuple[float, float] | None:
    """A table position (x, y) for an object's origin from which every point is reachable with `margin`.

    `points` are (dx, dy, z): offsets from the origin in x, y and absolute heights (grasp points, handles);
    `footprint` (x0, x1, y0, y1) is the object's extent around its origin; `avoid` are other objects' world
    footprints. The footprint stays on the table, clear of the robot (x > -0.3) and of `avoid`. The closest
    such position to `current` wins (the designer's layout changes as little as possible).
    """
    from roboskill.sim.builder import TABLE_X, TABLE_Y

    best: tuple[float, float] | None = None
    best_d = float("inf")
    for x in np.arange(-0.35, 0.4001, 0.01):
        for y in np.arange(-0.4, 0.4001, 0.01):
            x0, x1, y0, y1 = x + footprint[0], x + footprint[1], y + footprint[2], y + footprint[3]
            if x0 < max(TABLE_X[0] + 0.05, -0.3) or x1 > TABLE_X[1] - 0.05 or y0 < TABLE_Y[0] + 0.05 or y1 > TABLE_Y[1] - 0.05:
                continue
            if any(x0 < b[1] + 0.02 and b[0] - 0.02 < x1 and y0 < b[3] + 0.02 and b[2] - 0.02 < y1 for b in avoid):
                continue
            if not all(_reachable_with_margin(np.array([x + dx, y + dy, z]), margin) for dx, dy, z in points):
                continue
            d = math.hypot(x - current[0], y - current[1])
            if d < best_d - 1e-9:
                best, best_d = (float(x), float(y)), d
    return best


def _reach_fix(kind: str, origin: np.ndarray, euler: tuple[float, float, float], points: list[tuple[float, float, float]],
               footprint: tuple[float, float, float, float], avoid: list[tuple[float, float, float, float]] = (),
               articulated_object: bool = False) -> str:
    """A fix that can be applied literally: a whole placement (where AND which way round) inside reach."""
    found = _search_origin(points, footprint, (float(origin[0]), float(origin[1])), avoid)
    if found is None:
        top = max(z for _, _, z in points)
        why = (f"its highest point to reach is at z = {top:.2f}, the arm reaches up to z = {MAX_HEIGHT:g}: make it "
               "lower (fewer drawers, smaller height params)") if top > MAX_HEIGHT - 0.05 else \
            "it is too large to have every handle within reach: make it smaller (params) or leave out parts"
        return f"no table position puts it within reach; {why}. {reach_summary(short=True)}"
    x, y = found
    eul = [0.0, 0.0, 0.0] if articulated_object else [_round(v) for v in euler]
    if kind == "position":
        placement: dict[str, Any] = {"position": [_round(x), _round(y), _round(origin[2])], "euler": eul}
    else:
        placement = {"on": "table", "offset": [_round(x), _round(y)], "euler": eul}
    turn = " (yaw 0 turns its front, handles included, to the robot at -x)" if articulated_object else ""
    return f"set {_placement_text(placement)}{turn}; {reach_summary(short=True)}"


def _grasp_width(obj: PrimitiveObject) -> float:
    """The narrowest horizontal width of a primitive as it stands (m): what the gripper must close across."""
    ex, ey, _ = obj.extents()
    roll, pitch, _ = obj.placement.euler
    if abs(roll) > 0.3 or abs(pitch) > 0.3:  # lying on its side: its height may be the narrow width
        return min(obj.extents())
    return min(ex, ey)


def _object_footprint(obj: Any) -> tuple[float, float] | None:
    """Full x, y extents (m) of a free object from its spec (primitive) or the catalog (asset); None if unknown."""
    if isinstance(obj, PrimitiveObject):
        ex, ey, _ = obj.extents()
        return ex, ey
    if isinstance(obj, AssetObject):
        from roboskill.sim.catalog import get_catalog

        try:
            size = get_catalog().size(obj.asset)
        except Exception:  # noqa: BLE001 - unknown assets are reported elsewhere
            return None
        if size is None:
            return None
        return float(size[0]) * obj.scale, float(size[1]) * obj.scale
    return None


def _check_asset(obj: AssetObject, entry: Any, interiors: dict[str, tuple[float, float]],
                 report: ValidationReport) -> None:
    """Composite parameters (and the inside of an open composite); a user mesh's size, vertex, scale and mass limits."""
    from roboskill.sim import composite, meshes

    scale = obj.scale * entry.scale
    if entry.format == "composite":
        try:
            d = composite.design(entry.name, dict(obj.params), scale)
        except composite.CompositeParamError as exc:
            report.add(obj.name, "bad_params", str(exc), "remove the parameter or use a value in its range")
            return
        if d.interior is not None:
            interiors[obj.name] = (2 * d.interior.half_extents[0], 2 * d.interior.half_extents[1])
    elif obj.params:
        report.add(obj.name, "bad_params", f"{obj.asset!r} is not a composite asset: it takes no params",
                   "remove `params`")
    elif entry.source == "user" and entry.format in ("obj", "stl"):
        try:
            meshes.check_mesh(entry.path, scale, obj.mass)
        except meshes.MeshLimitError as exc:
            report.add(obj.name, "asset_limit", str(exc), f"respect {exc.limit}: a smaller / simpler mesh, or another "
                       "scale or mass")


def _check_sizes(obj: Any, objs: dict[str, Any], generated: dict[str, articulated.GeneratedAsset],
                 container_assets: set[str], spec: SceneSpec, grasp_targets: set[str] | None,
                 report: ValidationReport, interiors: dict[str, tuple[float, float]] | None = None) -> None:
    """Grasp width against the gripper, and an `inside:` object against its container's interior."""
    from roboskill.sim.robot import ROBOT_CONFIGS

    opening = ROBOT_CONFIGS[spec.robot].max_opening if spec.robot in ROBOT_CONFIGS else GRIPPER_OPENING
    if isinstance(obj, PrimitiveObject) and not obj.visual_only and not obj.fixed and opening > 0:
        width = _grasp_width(obj)
        needed = grasp_targets is not None and obj.name in grasp_targets
        if width > opening:
            what = "the goal needs it grasped, but it" if needed else "it"
            report.add(obj.name, "too_wide_to_grasp",
                       f"{what} is {width * 100:.1f} cm wide in every horizontal direction; the gripper opens "
                       f"{opening * 100:.0f} cm (size is FULL extents in metres: {obj.shape} {obj.size})",
                       f"make it narrower than {opening * 100:.0f} cm in one horizontal direction, e.g. size "
                       f"{_narrower(obj, opening)} (full extents, metres); it can still be pushed as it is",
                       "error" if needed else "warning")
    kind, target = obj.placement.relation
    if kind != "inside" or isinstance(obj, ArticulatedObject):
        return
    base, _, link = str(target).partition(".")
    interior: tuple[float, float] | None = None
    if base in generated:
        cont = generated[base].containers.get(link)
        if cont is not None:
            interior = 2 * cont.half_extents[0], 2 * cont.half_extents[1]
    elif interiors and base in interiors:  # an open composite: its measured inside
        interior = interiors[base]
    elif base in container_assets:
        outer = _object_footprint(objs[base])
        if outer is not None:  # the walls take about a centimetre on each side
            interior = max(outer[0] - 0.02, 0.0), max(outer[1] - 0.02, 0.0)
    own = _object_footprint(obj)
    if interior is None or own is None:
        return
    fits = (own[0] <= interior[0] and own[1] <= interior[1]) or (own[0] <= interior[1] and own[1] <= interior[0])
    if not fits:
        report.add(obj.name, "container_too_small",
                   f"it is {own[0] * 100:.1f} x {own[1] * 100:.1f} cm across but {target!r} is only "
                   f"{interior[0] * 100:.1f} x {interior[1] * 100:.1f} cm inside: too large for its container",
                   f"make it smaller than {interior[0] * 100:.0f} x {interior[1] * 100:.0f} cm (sizes are full "
                   "extents in metres), or use a bigger container (e.g. larger width / depth params)")


def _narrower(obj: PrimitiveObject, opening: float) -> list[float]:
    """A size like `obj.size` whose narrow horizontal width is 5/8 of the gripper opening (5 cm for the Panda)."""
    target = round(opening * 0.625, 3)
    if obj.shape == "box":
        x, y, z = (float(v) for v in obj.size)
        return [target, y, z] if x <= y else [x, target, z]
    if obj.shape == "sphere":
        return [target]
    height = float(obj.size[1])
    return [target, max(height, target) if obj.shape == "capsule" else height]


def _goal_grasp_targets(goal: Any) -> set[str]:
    """Objects the goal needs carried: lifted, grasped, placed on or inside something."""
    if goal is None:
        return set()
    conditions = goal.get("conditions", []) if isinstance(goal, dict) else getattr(goal, "conditions", [])
    out: set[str] = set()
    for cond in conditions or []:
        kind = cond.get("kind") if isinstance(cond, dict) else getattr(cond, "kind", None)
        name = cond.get("object") if isinstance(cond, dict) else getattr(cond, "object", None)
        if kind in ("lifted", "grasped", "on", "inside") and isinstance(name, str):
            out.add(name)
    return out


# ----------------------------------------------------------------------------------- static pass
def static_checks(spec: SceneSpec, grasp_targets: set[str] | None = None) -> ValidationReport:
    """Everything that can be checked from the spec alone (no physics).

    `grasp_targets`: objects the task must grasp (from its goal); a primitive among them that is too wide
    for the gripper is an error, any other free primitive that is too wide only a warning.
    """
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
    interiors: dict[str, tuple[float, float]] = {}
    for obj in spec.objects:
        if isinstance(obj, AssetObject):
            try:
                entry = get_catalog().resolve(obj.asset)
                if "container" in entry.tags:
                    container_assets.add(obj.name)
                _check_asset(obj, entry, interiors, report)
            except UnknownAssetError as exc:
                report.add(obj.name, "unknown_asset", str(exc), exc.fix)
        elif isinstance(obj, ArticulatedObject):
            try:
                generated[obj.name] = asset = articulated.object_asset(obj)
            except articulated.ArticulationParamError as exc:
                report.add(obj.name, "bad_params", str(exc), "remove the parameter or use a valid value")
                continue
            if obj.object is not None:  # designed inline: untrusted, so checked in physics on its own first
                from roboskill.sim.articulated_check import check_object

                for q in check_object(obj.object, asset=asset):
                    report.add(obj.name, q.code, f"{q.part!r}: {q.message}", q.fix)  # type: ignore[arg-type]
            jnames = [j.name for j in asset.joints]
            for jn in obj.initial_joints:
                if jn not in jnames:
                    report.add(obj.name, "unknown_joint", f"{obj.category} has no joint {jn!r} (joints: {jnames})",
                               f"use one of {jnames} in initial_joints")

    for obj in spec.objects:
        _check_relation(obj, objs, generated, container_assets, spec, report)
        _check_sizes(obj, objs, generated, container_assets, spec, grasp_targets, report, interiors)
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
        # articulated objects are judged at their handles, by the physical pass (their origin is the back-centre
        # of a footprint whose front may well be in reach)
        if not isinstance(obj, ArticulatedObject) and not reachable(pos + np.array([0, 0, 0.02])):
            half = obj.half_extents() if isinstance(obj, PrimitiveObject) else (0.03, 0.03, 0.03)
            fix = _reach_fix("position", pos, obj.placement.euler, [(0.0, 0.0, float(pos[2]) + max(half[2], 0.02))],
                             (-half[0], half[0], -half[1], half[1]))
            report.add(obj.name, "out_of_reach", f"position ({pos[0]:.2f}, {pos[1]:.2f}, {pos[2]:.2f}) is out of the "
                       "robot's reach", fix)
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
                           f"{target!r} is not a container ({tobj.category} containers: {valid or 'none'})", fix)
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
                           "is out of the robot's reach", _world_reach_fix(world, obj, points))
            else:  # objects built from a spec: every handle and site, at the start and with the joints open
                from roboskill.sim.articulated_check import reach_problems

                far = reach_problems(world, obj.name)
                if far:
                    where = [np.asarray(q.where) for q in far if q.where is not None]
                    report.add(obj.name, "out_of_reach", far[0].message, _world_reach_fix(world, obj, points + where))
        else:
            lo, hi = world.object_aabb(obj.name)
            top = np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, hi[2]])
            if not reachable(top):
                report.add(obj.name, "out_of_reach", f"it is at ({top[0]:.2f}, {top[1]:.2f}, {top[2]:.2f}), out of the "
                           "robot's reach", _world_reach_fix(world, obj, [top]))

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


def _world_reach_fix(world: World, obj: Any, points: list[np.ndarray]) -> str:
    """`_reach_fix` for a built object: its reach points and footprint relative to its URDF origin (at yaw 0
    for articulated objects, whose front must face the robot), the other objects' footprints to keep clear of."""
    c = world.client
    body = world.bodies[obj.name]
    placed = world._placed[obj.name]
    com, quat = p.getBasePositionAndOrientation(body, physicsClientId=c)
    origin = np.array(com) - np.array(p.multiplyTransforms([0, 0, 0], quat, placed.inertial, [0, 0, 0, 1])[0])
    art = isinstance(obj, ArticulatedObject)
    # the fix keeps a free object's own orientation; an articulated object is turned to yaw 0 (identity)
    rot = np.array(p.getMatrixFromQuaternion(quat)).reshape(3, 3)
    to_local = rot.T if art else np.eye(3)
    rel = [to_local @ (np.asarray(pt, dtype=float) - origin) for pt in points]
    spec_rot = np.array(p.getMatrixFromQuaternion(placed.quat)).reshape(3, 3)
    corners = np.array([[x, y, z] for x in (placed.local_min[0], placed.local_max[0])
                        for y in (placed.local_min[1], placed.local_max[1])
                        for z in (placed.local_min[2], placed.local_max[2])])
    if art:  # local_min/max were measured at the spec's orientation: undo it
        corners = corners @ spec_rot  # == (spec_rot.T @ corner.T).T
    xs = [v[0] for v in corners] + [r[0] for r in rel]
    ys = [v[1] for v in corners] + [r[1] for r in rel]
    footprint = (min(xs), max(xs), min(ys), max(ys))
    points_rel = [(float(r[0]), float(r[1]), float(origin[2] + r[2])) for r in rel]
    avoid = []
    for other in world.spec.objects:
        if other.name == obj.name or (isinstance(other, PrimitiveObject) and other.visual_only):
            continue
        lo, hi = world.object_aabb(other.name)
        avoid.append((float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])))
    kind = obj.placement.relation[0]
    return _reach_fix("position" if kind == "position" else "on", origin, obj.placement.euler, points_rel, footprint,
                      avoid, articulated_object=art)


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
def validate_scene(spec: SceneSpec, goal: Any = None) -> ValidationReport:
    """All problems of `spec`: static checks, then (if it can be built) the physical checks.

    `goal` (a `roboskill.sim.goals.Goal` or its dump): the objects it needs lifted, grasped or placed must
    fit the gripper (else an error; without a goal a too-wide primitive is only a warning).
    """
    from roboskill.sim.builder import SceneBuildError, build_scene

    report = static_checks(spec, grasp_targets=_goal_grasp_targets(goal) if goal is not None else None)
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
        world = build_scene(reduced, validate=False, nominal=True)
    except SceneBuildError as exc:
        report.add(spec.name, "build_failed", str(exc), "check the asset file / parameters of that object")
        return report
    try:
        report.extend(physical_checks(world))
    finally:
        world.close()
    return report


__all__ = ["GRIPPER_OPENING", "Problem", "ProblemCode", "SceneValidationError", "Severity", "ValidationReport",
           "physical_checks", "reach_summary", "reachable", "static_checks", "suggested_placement", "validate_scene"]
