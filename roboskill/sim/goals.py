"""Task goals: the fixed, checkable meaning of a task, judged over simulator state.

Why a goal separate from the generated `is_success`: the reward writer's success code is a shaping
and termination signal the writer (and the refine loop) can edit; if it were also the judge, every
refinement could lower its own bar. A `Goal` is fixed once, before the scene is designed, from a
small declarative vocabulary (lifted, on, inside, joint_fraction, displaced, near, relation,
toppled, upright, touching, grasped, ee_near). It is compiled here, in `sim/`, never by generated
code, and only a person can change it (chat edit, recorded).

Judging happens at the end of an episode, after the world settles with the robot holding its last
command (`settle`), so a cube that sat on top for a moment and then slid off does not count. A goal
that is already satisfied at the start, or that names things the scene lacks, is an error the scene
designer must fix (`scene_errors`, `start_errors`).

Frames and units: world frame, metres and radians; the table top is z = 0; the robot base stands at
negative x facing +x, so "forward" is +x (away from the robot) and "left" is +y.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_JOINT = re.compile(r"^[a-z][a-z0-9_]{0,63}\.[a-z][a-z0-9_]{0,63}$")
_PART = re.compile(r"^[a-z][a-z0-9_]{0,63}(\.[a-z][a-z0-9_]{0,63})?$")

#: Words that name the end effector in `touching` / `ee_near`.
EE_WORDS = ("ee", "gripper")
#: Unit vectors of the named directions (world frame; robot faces +x, its left is +y).
DIRECTIONS: dict[str, tuple[float, float]] = {
    "left": (0.0, 1.0), "right": (0.0, -1.0), "forward": (1.0, 0.0), "backward": (-1.0, 0.0),
}
#: relation -> (axis index, sign): `a left_of b` means a.y - b.y > 0.
RELATION_AXES: dict[str, tuple[int, float]] = {
    "left_of": (1, 1.0), "right_of": (1, -1.0), "front_of": (0, 1.0), "behind": (0, -1.0),
}
PRIMITIVE_SHAPES = ("box", "sphere", "cylinder", "capsule")

#: Settling before the verdict: simulated seconds with the robot holding its last command.
SETTLE_S = 0.5
#: "At rest": every free object slower than these after settling.
REST_LINEAR = 0.05   # m/s
REST_ANGULAR = 1.0   # rad/s


class GoalError(ValueError):
    """A goal that cannot be checked in this scene (names it lacks, joints it does not have)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _name(value: str, what: str = "object") -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValueError(f"{what} {value!r} must be a scene object name ([a-z][a-z0-9_]*, at most 64 characters)")
    return value


def _part(value: str) -> str:
    """An object name or '<object>.<link>' (e.g. a drawer link as a container); 'ee' names the gripper."""
    if not isinstance(value, str) or not _PART.match(value):
        raise ValueError(f"{value!r} must be an object name or '<object>.<link>' (or 'ee' for the gripper)")
    return value


def _joint_address(value: str) -> str:
    if not isinstance(value, str) or not _JOINT.match(value):
        raise ValueError(f"joint {value!r} must be '<object>.<joint>', e.g. 'cabinet.drawer_0'")
    return value


class Lifted(_Model):
    """`object`'s centre ends at least `height` metres above where it started (held or resting on something)."""

    kind: Literal["lifted"] = "lifted"
    object: str = Field(description="scene object name")
    height: float = Field(0.05, gt=0.0, le=0.5, description="minimum rise of the object's centre, metres")

    _v = field_validator("object")(_name)


class On(_Model):
    """`object` rests on `support`: its centre over the support's footprint, its bottom within `tolerance` of the support's top."""

    kind: Literal["on"] = "on"
    object: str = Field(description="scene object name of the thing placed")
    support: str = Field(description="scene object name it must rest on")
    tolerance: float = Field(0.02, gt=0.0, le=0.05, description="metres between object bottom and support top")

    _v = field_validator("object", "support")(_name)


class Inside(_Model):
    """`object`'s centre lies within `container`'s bounding box (an object, or a link such as `cabinet.drawer_0`)."""

    kind: Literal["inside"] = "inside"
    object: str = Field(description="scene object name of the thing put away")
    container: str = Field(description="scene object name or '<object>.<link>' of the container")
    margin: float = Field(0.01, ge=0.0, le=0.05, description="metres the container's box is grown by")

    _v = field_validator("object")(_name)
    _c = field_validator("container")(_part)


class JointFraction(_Model):
    """The open fraction (0 = lower limit, 1 = upper limit) of `joint` ends at least / at most `value`."""

    kind: Literal["joint_fraction"] = "joint_fraction"
    joint: str = Field(description="'<object>.<joint>', e.g. 'cabinet.drawer_0'")
    at_least: float | None = Field(None, ge=0.0, le=1.0, description="open fraction the joint must reach or exceed")
    at_most: float | None = Field(None, ge=0.0, le=1.0, description="open fraction the joint must not exceed")

    _j = field_validator("joint")(_joint_address)

    @model_validator(mode="after")
    def _one_bound(self) -> JointFraction:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("joint_fraction needs exactly one of at_least / at_most")
        return self


class JointReached(_Model):
    """The open fraction of `joint` reached `at_least` at some moment of the episode (momentary controls: a
    sprung button that returns when released). Use `joint_fraction` for anything that should stay put."""

    kind: Literal["joint_reached"] = "joint_reached"
    joint: str = Field(description="'<object>.<joint>', e.g. 'button.button'")
    at_least: float = Field(ge=0.0, le=1.0, description="open fraction the joint must have reached")

    _j = field_validator("joint")(_joint_address)


class JointMoved(_Model):
    """`joint` ends at least `amount` away from its start value, in the given direction (radians for revolute
    joints such as knobs and levers, metres for prismatic ones)."""

    kind: Literal["joint_moved"] = "joint_moved"
    joint: str = Field(description="'<object>.<joint>', e.g. 'knob.knob'")
    amount: float = Field(gt=0.0, le=2 * math.pi, description="radians (revolute) or metres (prismatic)")
    direction: Literal["open", "close", "either"] = Field(
        "either", description="open = towards the upper limit, close = towards the lower limit")

    _j = field_validator("joint")(_joint_address)


class Displaced(_Model):
    """`object` moves at least `distance` metres along `direction` in the table plane (from its start)."""

    kind: Literal["displaced"] = "displaced"
    object: str = Field(description="scene object name")
    direction: Literal["left", "right", "forward", "backward"] = Field(
        description="world direction: forward = +x (away from the robot), left = +y")
    distance: float = Field(gt=0.0, le=0.6, description="metres along `direction`")
    tolerance: float = Field(0.02, ge=0.0, le=0.1, description="metres the object may fall short")
    max_distance: float | None = Field(None, gt=0.0, le=1.0,
                                       description="metres along `direction` it must not exceed (None: no upper bound)")
    max_sideways: float | None = Field(None, gt=0.0, le=0.5,
                                       description="metres it may drift across `direction` (None: any)")

    _v = field_validator("object")(_name)


class Near(_Model):
    """`object`'s centre ends within `radius` metres (in x and y) of `target` (an object name or an [x, y] point)."""

    kind: Literal["near"] = "near"
    object: str = Field(description="scene object name")
    target: str | tuple[float, float] = Field(description="scene object name, or [x, y] world metres")
    radius: float = Field(0.05, gt=0.0, le=0.3, description="metres, table plane")

    _v = field_validator("object")(_name)


class Relation(_Model):
    """`object` ends on the given side of `reference`: left_of = +y, right_of = -y, front_of = +x, behind = -x."""

    kind: Literal["relation"] = "relation"
    object: str = Field(description="scene object name that is moved")
    relation: Literal["left_of", "right_of", "front_of", "behind"]
    reference: str = Field(description="scene object name it is placed relative to")
    min_gap: float = Field(0.02, ge=0.0, le=0.3, description="metres between their centres along the side's axis, beyond touching")
    max_offset: float = Field(0.10, gt=0.0, le=0.5, description="metres the centres may differ across that axis")

    _v = field_validator("object", "reference")(_name)


class Toppled(_Model):
    """`object`'s up axis ends tilted more than `min_tilt` radians from vertical (knocked over)."""

    kind: Literal["toppled"] = "toppled"
    object: str
    min_tilt: float = Field(1.0, gt=0.0, le=math.pi, description="radians")

    _v = field_validator("object")(_name)


class Upright(_Model):
    """`object`'s up axis ends within `max_tilt` radians of vertical."""

    kind: Literal["upright"] = "upright"
    object: str
    max_tilt: float = Field(0.35, gt=0.0, le=math.pi / 2, description="radians")

    _v = field_validator("object")(_name)


class Touching(_Model):
    """`a` and `b` are in contact at the end (`b` may be 'ee'/'gripper' for the robot's hand)."""

    kind: Literal["touching"] = "touching"
    a: str
    b: str

    _ab = field_validator("a", "b")(_part)


class Grasped(_Model):
    """Both gripper fingers hold `object` at the end."""

    kind: Literal["grasped"] = "grasped"
    object: str

    _v = field_validator("object")(_name)


class EeNear(_Model):
    """The end effector (between the fingertips) ends within `radius` metres of `target` (object or link)."""

    kind: Literal["ee_near"] = "ee_near"
    target: str = Field(description="scene object name or '<object>.<link>'")
    radius: float = Field(0.04, gt=0.0, le=0.2, description="metres")

    _t = field_validator("target")(_part)


Condition = Annotated[
    Lifted | On | Inside | JointFraction | JointReached | JointMoved | Displaced | Near | Relation | Toppled | Upright | Touching | Grasped | EeNear,
    Field(discriminator="kind"),
]
CONDITION_KINDS: tuple[str, ...] = ("lifted", "on", "inside", "joint_fraction", "joint_reached", "joint_moved", "displaced", "near", "relation",
                                    "toppled", "upright", "touching", "grasped", "ee_near")


class GoalObject(_Model):
    """An object the goal needs; the scene must contain an object of this name and category."""

    name: str = Field(description="scene object name the scene designer must use, snake_case")
    category: str = Field(description="what it is: an articulated kind (e.g. 'drawer_cabinet'), a catalog asset name "
                                      "(e.g. 'mug'), or a primitive shape ('box', 'sphere', 'cylinder', 'capsule')")
    description: str = Field("", max_length=200, description="words of the instruction naming it, e.g. 'the red block'")

    _v = field_validator("name")(_name)

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        return _name(value, "category")


class Goal(_Model):
    """Every condition must hold at the end of an episode (and, with `at_rest`, nothing is still moving)."""

    action: str = Field(description="snake_case action family, e.g. 'lift', 'open', 'put_inside'")
    summary: str = Field(min_length=1, max_length=300, description="the end condition in one plain sentence")
    objects: list[GoalObject] = Field(min_length=1, max_length=8)
    conditions: list[Condition] = Field(min_length=1, max_length=8)
    at_rest: bool = Field(True, description="free objects must be at rest when judged")

    @field_validator("action")
    @classmethod
    def _action(cls, value: str) -> str:
        return _name(value, "action")

    @model_validator(mode="after")
    def _names_declared(self) -> Goal:
        declared = {o.name for o in self.objects}
        if len(declared) != len(self.objects):
            raise ValueError("goal objects must have distinct names")
        for cond in self.conditions:
            for ref in condition_names(cond):
                if ref.split(".")[0] not in declared and ref not in EE_WORDS:
                    raise ValueError(f"condition {cond.kind} names {ref!r}, which is not among the goal's objects "
                                     f"{sorted(declared)}; add it to `objects`")
        return self

    def describe(self) -> str:
        """One line per condition, for prompts, the CLI and the dashboard."""
        return "; ".join(describe_condition(c) for c in self.conditions) + ("; all at rest" if self.at_rest else "")


class GoalRefusal(_Model):
    """Why a task cannot be represented in this simulator (liquids, cloth, objects nothing can build...)."""

    reason: str = Field(min_length=1, max_length=500, description="one sentence a person can read")
    unsupported: list[str] = Field(default_factory=list, max_length=10,
                                   description="the words of the task the simulator cannot represent")


class GoalAnswer(_Model):
    """The goal writer's answer: exactly one of a goal or a refusal."""

    goal: Goal | None = None
    refusal: GoalRefusal | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> GoalAnswer:
        if (self.goal is None) == (self.refusal is None):
            raise ValueError("answer with exactly one of `goal` or `refusal`")
        return self


def condition_names(cond: Any) -> list[str]:
    """Every scene name (object, link or joint address) a condition refers to."""
    out: list[str] = []
    for field in ("object", "support", "container", "joint", "reference", "a", "b"):
        value = getattr(cond, field, None)
        if isinstance(value, str):
            out.append(value)
    target = getattr(cond, "target", None)
    if isinstance(target, str):
        out.append(target)
    return out


def describe_condition(c: Any) -> str:
    """Plain words for one condition (units included)."""
    if isinstance(c, Lifted):
        return f"{c.object} at least {c.height * 100:.0f} cm above its start"
    if isinstance(c, On):
        return f"{c.object} resting on {c.support}"
    if isinstance(c, Inside):
        return f"{c.object} inside {c.container}"
    if isinstance(c, JointFraction):
        return f"{c.joint} open fraction {'>=' if c.at_least is not None else '<='} " \
               f"{c.at_least if c.at_least is not None else c.at_most:.2f}"
    if isinstance(c, JointReached):
        return f"{c.joint} reached open fraction {c.at_least:.2f} at some moment"
    if isinstance(c, JointMoved):
        way = {"open": "towards open", "close": "towards closed", "either": "either way"}[c.direction]
        return f"{c.joint} moved {way} by at least {c.amount:.3g} (rad or m)"
    if isinstance(c, Displaced):
        upper = f" and at most {c.max_distance * 100:.0f} cm" if c.max_distance is not None else ""
        side = f", drifting at most {c.max_sideways * 100:.0f} cm sideways" if c.max_sideways is not None else ""
        return f"{c.object} moved {c.direction} by at least {(c.distance - c.tolerance) * 100:.0f} cm{upper}{side}"
    if isinstance(c, Near):
        return f"{c.object} within {c.radius * 100:.0f} cm of {c.target}"
    if isinstance(c, Relation):
        return f"{c.object} {c.relation.replace('_', ' ')} {c.reference}"
    if isinstance(c, Toppled):
        return f"{c.object} knocked over (tilt > {math.degrees(c.min_tilt):.0f} deg)"
    if isinstance(c, Upright):
        return f"{c.object} upright (tilt < {math.degrees(c.max_tilt):.0f} deg)"
    if isinstance(c, Touching):
        return f"{c.a} touching {c.b}"
    if isinstance(c, Grasped):
        return f"{c.object} held in the gripper"
    if isinstance(c, EeNear):
        return f"gripper within {c.radius * 100:.0f} cm of {c.target}"
    return str(c)


# --------------------------------------------------------------------------- scene compatibility
def scene_object_category(obj: Any) -> str:
    """The category a scene object satisfies: articulated kind, asset name (file stem) or primitive shape."""
    kind = getattr(obj, "kind", None)
    if kind == "articulated":
        return str(getattr(obj, "category", None) or obj.articulation)
    if kind == "asset":
        stem = str(obj.asset).replace("\\", "/").rsplit("/", 1)[-1]
        return stem.rsplit(".", 1)[0] if stem.endswith((".urdf", ".obj")) else stem
    return str(getattr(obj, "shape", "?"))


def acted_on(goal: Goal) -> set[str]:
    """Objects the robot must move for the goal (a visual-only marker may be a target, never one of these)."""
    return {getattr(c, "object") for c in goal.conditions if isinstance(getattr(c, "object", None), str)}


def scene_errors(goal: Goal, spec: Any) -> list[str]:
    """What the scene lacks for this goal (names, categories); empty when the spec can host the goal.

    Each message says what to change, for the scene designer.
    """
    errors: list[str] = []
    by_name = {o.name: o for o in spec.objects}
    for need in goal.objects:
        obj = by_name.get(need.name)
        if obj is None:
            errors.append(f"the goal needs an object named {need.name!r} ({need.category}"
                          f"{': ' + need.description if need.description else ''}); add it to the scene with that exact name")
            continue
        have = scene_object_category(obj)
        if have != need.category:
            errors.append(f"object {need.name!r} must be a {need.category!r} (the goal's category), but the scene makes it a "
                          f"{have!r}; fix: build it as {need.category!r}")
        if getattr(obj, "visual_only", False) and need.name in acted_on(goal):
            errors.append(f"object {need.name!r} is visual_only (no collision) but the goal acts on it; make it solid")
    return errors


def world_errors(goal: Goal, state: Any) -> list[str]:
    """Names the goal uses that the built world does not have (links, joints)."""
    errors: list[str] = []
    joints = set(state.joint_names())
    names = set(state.object_names()) | set(state.link_names())
    for cond in goal.conditions:
        for ref in condition_names(cond):
            if ref in EE_WORDS:
                continue
            if isinstance(cond, (JointFraction, JointReached, JointMoved)) and ref == cond.joint:
                if ref not in joints:
                    errors.append(f"the goal's joint {ref!r} does not exist; joints of the scene: {sorted(joints)[:12]}")
            elif ref not in names:
                errors.append(f"the goal names {ref!r}, which is neither an object nor a link of the scene")
    return errors


# --------------------------------------------------------------------------- judging
class ConditionResult(_Model):
    """One condition's verdict with the measured value (units of the condition)."""

    condition: str = Field(description="the condition in words")
    ok: bool
    value: float | None = Field(None, description="what was measured (metres, open fraction or radians)")
    needed: str = Field("", description="the bound it was compared with")


class GoalVerdict(_Model):
    """The goal's verdict on one end state."""

    success: bool
    conditions: list[ConditionResult] = Field(default_factory=list)
    at_rest: bool = True
    moving: list[str] = Field(default_factory=list, description="objects still moving when judged")
    error: str | None = None


def _tilt(state: Any, name: str) -> float:
    """Radians between the object's up axis (its local z) and world up."""
    q = np.asarray(state.object_orientation(name), dtype=float)
    x, y, z, w = q
    zz = 1.0 - 2.0 * (x * x + y * y)  # world-z component of the local z axis
    return float(math.acos(max(-1.0, min(1.0, zz))))


def _xy(state: Any, target: str | tuple[float, float]) -> np.ndarray:
    if isinstance(target, str):
        return np.asarray(state.object_position(target), dtype=float)[:2]
    return np.asarray(target, dtype=float)[:2]


def check_condition(cond: Any, state: Any, peaks: dict[str, float] | None = None) -> ConditionResult:
    """Evaluate one condition on a State (roboskill.sim.state.State); raises StateError for unknown names.

    `peaks`: the highest open fraction each joint reached during the episode (`SkillEnv.joint_peaks`),
    needed by `joint_reached`; without it the current fraction is used.
    """
    words = describe_condition(cond)
    if isinstance(cond, Lifted):
        rise = float(state.object_position(cond.object)[2] - state.initial_object_position(cond.object)[2])
        return ConditionResult(condition=words, ok=rise >= cond.height, value=rise, needed=f">= {cond.height}")
    if isinstance(cond, On):
        alo, _ = state.object_aabb(cond.object)
        blo, bhi = state.object_aabb(cond.support)
        pa = state.object_position(cond.object)
        over = blo[0] <= pa[0] <= bhi[0] and blo[1] <= pa[1] <= bhi[1]
        gap = float(alo[2] - bhi[2])
        return ConditionResult(condition=words, ok=bool(over and abs(gap) <= cond.tolerance), value=gap,
                               needed=f"centre over support, |gap| <= {cond.tolerance}")
    if isinstance(cond, Inside):
        ok = bool(state.is_inside(cond.object, cond.container, margin=cond.margin))
        return ConditionResult(condition=words, ok=ok, value=float(ok), needed="centre within container box")
    if isinstance(cond, JointFraction):
        frac = float(state.joint_open_fraction(cond.joint))
        if cond.at_least is not None:
            return ConditionResult(condition=words, ok=frac >= cond.at_least, value=frac, needed=f">= {cond.at_least}")
        return ConditionResult(condition=words, ok=frac <= float(cond.at_most), value=frac, needed=f"<= {cond.at_most}")
    if isinstance(cond, JointReached):
        frac = float(state.joint_open_fraction(cond.joint))
        peak = max(frac, float((peaks or {}).get(cond.joint, frac)))
        return ConditionResult(condition=words, ok=peak >= cond.at_least, value=peak, needed=f">= {cond.at_least}")
    if isinstance(cond, JointMoved):
        lower, upper = joint_limits(state, cond.joint)
        delta = (float(state.joint_open_fraction(cond.joint)) - float(state.initial_joint_open_fraction(cond.joint))) \
            * (upper - lower)
        moved = {"open": delta, "close": -delta, "either": abs(delta)}[cond.direction]
        return ConditionResult(condition=words, ok=moved >= cond.amount, value=moved, needed=f">= {cond.amount}")
    if isinstance(cond, Displaced):
        d = np.asarray(state.object_position(cond.object), dtype=float)[:2] - \
            np.asarray(state.initial_object_position(cond.object), dtype=float)[:2]
        unit = np.asarray(DIRECTIONS[cond.direction])
        along = float(d @ unit)
        across = abs(float(d @ np.array([-unit[1], unit[0]])))
        need = cond.distance - cond.tolerance
        ok = along >= need and (cond.max_distance is None or along <= cond.max_distance) \
            and (cond.max_sideways is None or across <= cond.max_sideways)
        bounds = f">= {need:.3f}" + (f", <= {cond.max_distance:.3f}" if cond.max_distance is not None else "") \
            + (f", sideways <= {cond.max_sideways:.3f}" if cond.max_sideways is not None else "")
        return ConditionResult(condition=words, ok=ok, value=along, needed=bounds)
    if isinstance(cond, Near):
        dist = float(np.linalg.norm(_xy(state, cond.object) - _xy(state, cond.target)))
        return ConditionResult(condition=words, ok=dist <= cond.radius, value=dist, needed=f"<= {cond.radius}")
    if isinstance(cond, Relation):
        axis, sign = RELATION_AXES[cond.relation]
        pa, pb = np.asarray(state.object_position(cond.object)), np.asarray(state.object_position(cond.reference))
        sa, sb = np.asarray(state.object_size(cond.object)), np.asarray(state.object_size(cond.reference))
        along = float(sign * (pa[axis] - pb[axis]))
        need = (sa[axis] + sb[axis]) / 2 + cond.min_gap
        across = float(abs(pa[1 - axis] - pb[1 - axis]))
        both_low = abs(float(pa[2] - pb[2])) < max(sa[2], sb[2]) + 0.02  # side by side, not stacked
        ok = along >= need and across <= cond.max_offset and both_low
        return ConditionResult(condition=words, ok=ok, value=along,
                               needed=f"along >= {need:.3f}, across <= {cond.max_offset}")
    if isinstance(cond, Toppled):
        tilt = _tilt(state, cond.object)
        return ConditionResult(condition=words, ok=tilt >= cond.min_tilt, value=tilt, needed=f">= {cond.min_tilt:.2f}")
    if isinstance(cond, Upright):
        tilt = _tilt(state, cond.object)
        return ConditionResult(condition=words, ok=tilt <= cond.max_tilt, value=tilt, needed=f"<= {cond.max_tilt:.2f}")
    if isinstance(cond, Touching):
        b = "ee" if cond.b in EE_WORDS else cond.b
        a = "ee" if cond.a in EE_WORDS else cond.a
        ok = bool(state.in_contact(a, b))
        return ConditionResult(condition=words, ok=ok, value=float(ok), needed="in contact")
    if isinstance(cond, Grasped):
        ok = bool(state.is_grasped(cond.object))
        return ConditionResult(condition=words, ok=ok, value=float(ok), needed="both fingers touching")
    if isinstance(cond, EeNear):
        dist = float(state.distance("ee", cond.target))
        return ConditionResult(condition=words, ok=dist <= cond.radius, value=dist, needed=f"<= {cond.radius}")
    raise GoalError(f"unknown condition {cond!r}")


def joint_limits(state: Any, joint: str) -> tuple[float, float]:
    """(lower, upper) limits of a joint of the State's world (radians or metres)."""
    _, _, lower, upper = state._joint(joint)  # noqa: SLF001 - sim-internal: the goal compiler owns this read
    return float(lower), float(upper)


def moving_objects(state: Any, world: Any) -> list[str]:
    """Free objects whose linear or angular speed is above the at-rest thresholds."""
    moving = []
    for obj in world.spec.objects:
        if getattr(obj, "fixed", False) or getattr(obj, "visual_only", False) or getattr(obj, "kind", "") == "articulated":
            continue
        v = float(np.linalg.norm(state.object_velocity(obj.name)))
        w = float(np.linalg.norm(state.object_angular_velocity(obj.name)))
        if v > REST_LINEAR or w > REST_ANGULAR:
            moving.append(obj.name)
    return moving


def settle(env: Any, seconds: float = SETTLE_S) -> None:
    """Advance the physics `seconds` with the robot holding its last command (no new action)."""
    world = env.world
    n = max(1, int(round(seconds / float(getattr(world, "time_step", 1 / 240)))))
    world.step(n)
    sync = getattr(env, "_sync_kinematics", None)
    if callable(sync):
        sync()
    env.state.invalidate(advanced=0)


def judge(goal: Goal, env: Any, *, settle_s: float = SETTLE_S) -> GoalVerdict:
    """Settle the env, then evaluate every condition (and rest). Never raises: errors are a failed verdict."""
    from roboskill.sim.state import StateError

    try:
        if settle_s > 0:
            settle(env, settle_s)
        peaks = getattr(env, "joint_peaks", None)
        results = [check_condition(c, env.state, peaks) for c in goal.conditions]
        moving = moving_objects(env.state, env.world) if goal.at_rest else []
    except (StateError, GoalError) as exc:
        return GoalVerdict(success=False, error=str(exc))
    ok = all(r.ok for r in results) and not moving
    return GoalVerdict(success=ok, conditions=results, at_rest=not moving, moving=moving)


def holds_now(goal: Goal, state: Any) -> bool:
    """Whether every condition holds in the current state (no settling; for start-state checks)."""
    try:
        return all(check_condition(c, state).ok for c in goal.conditions)
    except Exception:  # noqa: BLE001 - an unreadable condition does not hold
        return False


#: Randomised starts sampled when a scene is validated against its goal.
START_CHECK_SEEDS = 6


def start_errors(goal: Goal, spec: Any, *, n_starts: int = START_CHECK_SEEDS, seed: int = 0) -> list[str]:
    """Problems of the scene's randomised starts for this goal: names the world lacks, starts where the goal
    already holds (nothing to learn), and objects that fall off the table at the start.

    Builds the scene once and resets it from `n_starts` seeds (well apart from training and evaluation seeds).
    """
    from roboskill.sim.env import SkillEnv

    env = SkillEnv(spec, None, None, horizon=1, seed=seed)
    try:
        errors = world_errors(goal, env.state)
        if errors:
            return errors
        solved, fell = [], set()
        for k in range(n_starts):
            env.reset(seed=10_000_019 + 7 * k + seed)
            if holds_now(goal, env.state):
                solved.append(k)
            for name in env.state.object_names():
                if float(env.state.object_position(name)[2]) < -0.05:
                    fell.add(name)
        if solved:
            errors.append(f"the goal ({goal.describe()}) already holds at {len(solved)} of {n_starts} randomised starts: "
                          "the task would be learned without doing anything; start the objects/joints away from the goal "
                          "(e.g. a drawer to close must start open, a block to lift must start on the table)")
        if fell:
            errors.append(f"object(s) {sorted(fell)} fall below the table at randomised starts; place them on the table "
                          "or shrink `start_randomization`/`randomize`")
        return errors
    finally:
        env.close()


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a success rate (robust at 0 %, 100 % and small n)."""
    if n <= 0:
        return (0.0, 1.0)
    p_hat = successes / n
    denom = 1 + z * z / n
    centre = (p_hat + z * z / (2 * n)) / denom
    half = z * math.sqrt(p_hat * (1 - p_hat) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def goal_schema_summary() -> list[dict[str, Any]]:
    """[{kind, fields: {name: description}, doc}] of every condition, for prompts (generated from the models)."""
    out = []
    for model in (Lifted, On, Inside, JointFraction, JointReached, JointMoved, Displaced, Near, Relation, Toppled, Upright, Touching, Grasped, EeNear):
        fields = {n: (f.description or "") for n, f in model.model_fields.items() if n != "kind"}
        out.append({"kind": model.model_fields["kind"].default, "doc": (model.__doc__ or "").strip(), "fields": fields})
    return out


__all__ = [
    "CONDITION_KINDS", "Condition", "ConditionResult", "DIRECTIONS", "Displaced", "EeNear", "Goal", "GoalAnswer",
    "GoalError", "GoalObject", "GoalRefusal", "GoalVerdict", "Grasped", "Inside", "JointFraction", "JointMoved",
    "JointReached", "Lifted", "Near",
    "On", "Relation", "Toppled", "Touching", "Upright", "check_condition", "condition_names", "describe_condition",
    "goal_schema_summary", "holds_now", "start_errors", "joint_limits", "judge", "moving_objects", "scene_errors", "scene_object_category", "settle",
    "wilson_interval", "world_errors",
]
