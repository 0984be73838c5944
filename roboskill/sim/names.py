"""Every name generated reward / success code may use in a built scene, with sizes, ranges and units.

Why: the reward writer used to see only the scene *spec*, so it had to guess the names the State API
accepts (is it `cabinet.drawer_0_handle` or `drawer_handle`?), the joints' ranges (metres or radians?)
and where things end up once the builder has resolved `on:` / `left_of:` placements. `scene_names(world)`
reads them off the built world, once per validated scene, so the writer names only what exists and sets
thresholds from real sizes. The field descriptions are the documentation the model reads (`names_doc()`
renders them into the reward writer's prompt), so they state units and frames exactly as the State API
returns them.

`code_name_errors` / `plan_name_errors` are the matching cheap static check: string literals passed to
State API accessors (and primitive arguments) that name nothing in the scene are reported with the list
of valid names, before any sandbox process or training budget is spent on them. The rules mirror
`roboskill.sim.state.State` exactly (exact names, end-effector aliases, a unique `.<link>` suffix), so a
name the State API accepts is never rejected here.

Frame (docs/contracts.md, `roboskill.sim.builder`): world frame in metres, z = 0 is the table top, the
robot base stands at (-0.6, 0, 0) facing +x; from the robot's view left = +y, right = -y, front
(towards the robot) = -x, behind = +x, up = +z.

This module imports neither pybullet nor the State API at import time: the agents' code check uses it.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: The frame every position / size below is in, in words (repeated in the prompt once).
FRAME = ("world frame, metres: z = 0 is the table top, the robot base is at (-0.6, 0, 0) facing +x; from the "
         "robot's view left = +y, right = -y, front (towards the robot) = -x, behind = +x, up = +z")

#: What the open fraction of each generated joint means (local joint name prefix -> words); see
#: `roboskill.sim.articulated` for the geometry. Directions are the object's own (its front faces -x at yaw 0).
FRACTION_MEANING: dict[str, str] = {
    "drawer": "0 pushed in (closed), 1 pulled fully out of the front",
    "door": "0 closed, 1 swung fully open",
    "lid": "0 closed, 1 lifted fully open",
    "button": "0 up (released; a spring pushes it back), 1 pressed fully down",
    "lever": "0 tilted fully to the front, 0.5 upright, 1 tilted fully to the back (on)",
    "slider": "0 panel at its start (closed), 1 slid fully along the frame",
    "knob": "0 start angle, 1 turned fully anticlockwise seen from above",
}

#: What the moving link of each generated joint is (local joint name prefix -> words).
MOVING_PART: dict[str, str] = {
    "drawer": "drawer box", "door": "door panel", "lid": "lid", "button": "button cap", "lever": "lever stick",
    "slider": "sliding panel", "knob": "knob",
}

Vec3 = list[float]


class _Compact(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ObjectName(_Compact):
    """One object of the scene (and "table"), as the State API names and measures it at the nominal start."""

    name: str = Field(description="exact name for the State API")
    kind: Literal["primitive", "asset", "articulated", "table", "floor"] = Field(
        description="primitive | asset | articulated | table (floor: a scene without table)")
    category: str | None = Field(None, description="shape, asset or articulated kind")
    size: Vec3 = Field(description="full extents [x, y, z] m (= state.object_size)")
    pos: Vec3 = Field(description="start state.object_position: centre of mass (a primitive's centre; table: top centre)")
    z: list[float] = Field(description="[bottom, top] at the start, m")
    fixed: bool | None = Field(None, description="true: never moves")
    spread: list[float] | None = Field(None, description="each start varies by [± xy m, ± yaw rad]: use "
                                                         "state.initial_object_position")


class LinkName(_Compact):
    """A named link of an articulated object (a moving part or its handle)."""

    name: str = Field(description="exact '<object>.<link>', usable like an object name")
    what: str = Field(description="e.g. handle of joint cabinet.drawer_0")
    pos: Vec3 = Field(description="start position (centre of mass), m")


class JointName(_Compact):
    """A joint of an articulated object."""

    name: str = Field(description="exact '<object>.<joint>'")
    type: Literal["prismatic", "revolute"] = Field(description="prismatic slides, revolute turns")
    range: list[float] = Field(description="[lower, upper] of state.joint_position, in unit")
    unit: Literal["m", "rad"] = Field(description="m or rad")
    start: float = Field(description="open fraction at the start")
    spread: float | None = Field(None, description="± open fraction per start: use state.initial_joint_open_fraction")
    fraction: str = Field(description="meaning of state.joint_open_fraction = (q - lower) / (upper - lower)")


class RobotNames(_Compact):
    """The robot's names in the State API."""

    ee: list[str] = Field(description="end-effector names (the point between the fingertips)")
    ee_pos: Vec3 = Field(description="its start position, m")
    contact: list[str] = Field(description="any robot link, for in_contact")
    base: Vec3 = Field(description="arm base position, m")
    gripper_max: float | None = Field(None, description="state.gripper_opening() fully open, m (0 = closed); absent: "
                                                        "no gripper")


class SceneNames(_Compact):
    """Every name reward / success code may use in this scene, with units; all positions in the world frame."""

    objects: list[ObjectName] = Field(description="the scene's objects and the table")
    links: list[LinkName] = Field(default_factory=list, description="moving parts and handles")
    joints: list[JointName] = Field(default_factory=list, description="articulation joints")
    robot: RobotNames = Field(description="the robot's names")

    def compact(self) -> dict[str, Any]:
        """The JSON-able dump for prompts: unset optional fields left out."""
        return self.model_dump(mode="json", exclude_none=True)

    # ------------------------------------------------------------------ name sets (mirror State's rules)
    def object_names(self) -> list[str]:
        return [o.name for o in self.objects]

    def link_names(self) -> list[str]:
        return [k.name for k in self.links]

    def joint_names(self) -> list[str]:
        return [j.name for j in self.joints]

    def accepts(self, name: str, kind: str) -> bool:
        """Whether the State API accepts `name` where a `kind` ('thing' | 'object' | 'joint') is expected."""
        if kind == "joint":
            joints = self.joint_names()
            return name in joints or sum(1 for j in joints if j.endswith("." + name)) == 1
        if kind == "object":  # initial_object_position: bodies only
            return name in self.object_names()
        links = self.link_names()
        return (name in self.object_names() or name in links or name in self.robot.ee or name in self.robot.contact
                or sum(1 for k in links if k.endswith("." + name)) == 1)

    def valid_list(self, kind: str) -> str:
        """The valid names for `kind`, in words a model can act on."""
        if kind == "joint":
            return f"joints are: {', '.join(self.joint_names()) or '(none: this scene has no joints)'}"
        objects = f"objects are: {', '.join(self.object_names())}"
        if kind == "object":
            return objects
        links = f"; links are: {', '.join(self.link_names())}" if self.links else ""
        return f"{objects}{links}; the end effector is {self.robot.ee[0]!r}"

    def candidates(self, kind: str) -> list[str]:
        if kind == "joint":
            return self.joint_names()
        if kind == "object":
            return self.object_names()
        return [*self.object_names(), *self.link_names(), *self.robot.ee[:1]]


def _r(values: Iterable[float], nd: int = 3) -> list[float]:
    return [round(float(v), nd) + 0.0 for v in values]  # + 0.0: no "-0.0" in prompts


def _meaning(table: dict[str, str], local: str) -> str | None:
    for prefix, text in table.items():
        if local.startswith(prefix):
            return text
    return None


def scene_names(world: Any) -> SceneNames:
    """The names of a built `World` as the State API accepts them, measured in its current state.

    Call it right after a nominal reset (`build_scene(spec, validate=False, nominal=True)`): positions are
    then the layout as written, and `spread` says how much each episode's start varies around it.
    """
    from roboskill.sim.builder import joint_spread, pose_spread
    from roboskill.sim.spec import ArticulatedObject, AssetObject, PrimitiveObject
    from roboskill.sim.state import EE_NAMES, ROBOT_NAMES, State

    state = State(world)
    spec = world.spec
    objects: list[ObjectName] = []
    for name in world.bodies:
        lo, hi = state.object_aabb(name)
        pos = state.object_position(name)
        entry: dict[str, Any] = {"name": name, "size": _r(hi - lo), "pos": _r(pos), "z": _r((lo[2], hi[2]))}
        if name == "table":
            entry.update(kind="table" if spec.table else "floor", fixed=True)
            objects.append(ObjectName(**entry))
            continue
        obj = spec.object(name)
        if isinstance(obj, PrimitiveObject):
            entry.update(kind="primitive", category=obj.shape, fixed=True if obj.fixed else None)
        elif isinstance(obj, AssetObject):
            entry.update(kind="asset", category=obj.asset, fixed=True if obj.fixed else None)
        else:
            entry.update(kind="articulated", category=obj.category, fixed=True)
        spread = pose_spread(obj, spec)
        if spread is not None and (spread.xy > 0 or spread.yaw > 0):
            entry["spread"] = _r((spread.xy, spread.yaw), 2)
        objects.append(ObjectName(**entry))

    joints: list[JointName] = []
    for qualified, ref in world.joints.items():
        obj_name, local = qualified.split(".", 1)
        obj = spec.object(obj_name)
        revolute = ref.kind == "revolute"
        spread = joint_spread(obj, spec) if isinstance(obj, ArticulatedObject) else 0.0
        joints.append(JointName(
            name=qualified, type="revolute" if revolute else "prismatic",
            range=_r((ref.lower, ref.upper), 2 if revolute else 3), unit="rad" if revolute else "m",
            start=round(float(state.joint_open_fraction(qualified)), 2) + 0.0,
            spread=round(spread, 2) if spread > 0 else None,
            fraction=_meaning(FRACTION_MEANING, local) or "0 at the lower limit (closed), 1 at the upper (open)"))

    links: list[LinkName] = []
    for qualified in world.links:
        obj_name, local = qualified.split(".", 1)
        if local.endswith("_handle") and f"{obj_name}.{local[:-len('_handle')]}" in world.joints:
            what = f"handle of joint {obj_name}.{local[:-len('_handle')]}"
        elif qualified in world.joints:
            what = f"{_meaning(MOVING_PART, local) or 'part'} of joint {qualified}"
            if qualified in getattr(world, "containers", {}):
                what += ", a container (is_inside)"
        else:
            what = "part"
        links.append(LinkName(name=qualified, what=what, pos=_r(state.object_position(qualified))))

    robot = world.robot
    gripper = float(robot.cfg.max_opening) if getattr(robot, "has_gripper", False) else None
    ee_names = ["ee", *sorted(n for n in EE_NAMES if n != "ee")]
    return SceneNames(objects=objects, links=links, joints=joints, robot=RobotNames(
        ee=ee_names, ee_pos=_r(state.ee_position()), contact=sorted(ROBOT_NAMES),
        base=_r(robot.base_position), gripper_max=gripper))


def names_doc() -> str:
    """The prompt's description of the `names` context key, generated from the field descriptions (never drifts)."""
    lines = [f"Frame: {FRAME}. Sizes are full extents; angles in radians."]
    for key, model in (("objects", ObjectName), ("links", LinkName), ("joints", JointName), ("robot", RobotNames)):
        fields = "; ".join(f"{n}: {f.description}" for n, f in model.model_fields.items())
        lines.append(f"- `{key}{'' if key == 'robot' else '[]'}`: {fields}")
    return "\n".join(lines)


# ============================================================================ static name check
#: State API accessors that take names: method -> kinds of its name arguments, by position and keyword.
#: 'thing' = an object, a link or the end effector; 'object' = an object only; 'joint' = a joint.
NAME_ARGS: dict[str, tuple[tuple[str, str], ...]] = {
    **{m: (("name", "thing"),) for m in (
        "object_position", "object_orientation", "object_euler", "object_velocity", "object_angular_velocity",
        "object_aabb", "object_size", "is_grasped")},
    **{m: (("a", "thing"), ("b", "thing")) for m in (
        "in_contact", "distance", "xy_distance", "is_on_top_of", "is_inside", "is_above", "is_aligned")},
    **{m: (("joint", "joint"),) for m in (
        "joint_position", "joint_open_fraction", "joint_velocity", "initial_joint_open_fraction")},
    "initial_object_position": (("name", "object"),),
}

_KIND_WORDS = {"thing": "object or link", "object": "object", "joint": "joint"}
_MODULES = frozenset({"np", "numpy", "math"})


def _string_constants(tree: ast.Module) -> dict[str, str]:
    """Names bound exactly once, anywhere, to a string literal (`CUBE = 'cube'`), so their uses are checked too."""
    bound: dict[str, list[Any]] = {}
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            targets, value = [node.target], getattr(node, "value", None)
        elif isinstance(node, (ast.For, ast.comprehension)):
            targets = [node.target]
        elif isinstance(node, ast.arg):
            bound.setdefault(node.arg, []).append(None)
            continue
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    simple = isinstance(node, ast.Assign) and target is name
                    const = value if simple and isinstance(value, ast.Constant) and isinstance(value.value, str) else None
                    bound.setdefault(name.id, []).append(const.value if const is not None else None)
    return {k: v[0] for k, v in bound.items() if len(v) == 1 and v[0] is not None}


def _literal(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _unknown_message(name: str, kind: str, where: str, names: SceneNames) -> str:
    close = difflib.get_close_matches(name, names.candidates(kind), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown {_KIND_WORDS[kind]} {name!r} in {where}.{hint} Use only the scene's names: {names.valid_list(kind)}"


def code_name_errors(source: str, names: SceneNames | dict[str, Any]) -> list[dict[str, Any]]:
    """[{line, message}] for every name literal in `source` that the scene's State API would reject.

    Only string literals (and variables bound once to one) passed to the accessors of `NAME_ARGS` are
    checked; names computed at run time are left to the sandboxed dry run. Unparsable code yields nothing
    (the sandbox's own check reports syntax errors).
    """
    names = names if isinstance(names, SceneNames) else SceneNames.model_validate(names)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    constants = _string_constants(tree)
    errors: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in NAME_ARGS):
            continue
        receiver = node.func.value
        if isinstance(receiver, ast.Name) and receiver.id in _MODULES:
            continue
        spec = NAME_ARGS[node.func.attr]
        args: list[tuple[ast.expr, str]] = [(a, spec[i][1]) for i, a in enumerate(node.args[:len(spec)])
                                            if not isinstance(a, ast.Starred)]
        by_kw = dict(spec)
        args += [(kw.value, by_kw[kw.arg]) for kw in node.keywords if kw.arg in by_kw]
        for arg, kind in args:
            name = _literal(arg, constants)
            if name is None or names.accepts(name, kind) or (name, kind) in seen:
                continue
            seen.add((name, kind))
            errors.append({"line": getattr(arg, "lineno", None), "col": getattr(arg, "col_offset", 0),
                           "message": _unknown_message(name, kind, f"state.{node.func.attr}()", names)})
    errors.sort(key=lambda e: (e["line"] or 0, e.pop("col")))
    return errors


#: Primitive arguments that name things: argument -> kind ('object' = a scene object, 'joint' = exact joint).
PRIMITIVE_NAME_ARGS: dict[str, str] = {"object": "object", "on": "object", "target": "object", "joint": "joint"}


def plan_name_errors(plan: dict[str, Any], names: SceneNames | dict[str, Any]) -> list[dict[str, Any]]:
    """[{subtask, field, line, message}] for unknown names in a plan's code and primitive arguments.

    Primitives look names up exactly (no suffix matching), as `roboskill.tools.primitives` does.
    """
    try:
        names = names if isinstance(names, SceneNames) else SceneNames.model_validate(names)
    except ValidationError:  # names stored by another roboskill version: the dry run still checks the code
        return []
    errors: list[dict[str, Any]] = []
    for sub in plan.get("subtasks") or []:
        label = sub.get("name", "?")
        primitive = sub.get("primitive") or {}
        for arg, value in (primitive.get("args") or {}).items():
            kind = PRIMITIVE_NAME_ARGS.get(arg)
            if kind is None or not isinstance(value, str):
                continue
            valid = names.joint_names() if kind == "joint" else names.object_names()
            if value not in valid:
                where = f"primitive {primitive.get('name')!r} argument {arg!r}"
                errors.append({"subtask": label, "field": "primitive", "line": None,
                               "message": _unknown_message(value, kind, where, names)})
        for field in ("reward_code", "success_code"):
            source = sub.get(field)
            if isinstance(source, str) and source.strip():
                errors.extend({"subtask": label, "field": field, **e} for e in code_name_errors(source, names))
    return errors


__all__ = ["FRAME", "JointName", "LinkName", "NAME_ARGS", "ObjectName", "RobotNames", "SceneNames", "code_name_errors",
           "names_doc", "plan_name_errors", "scene_names"]
