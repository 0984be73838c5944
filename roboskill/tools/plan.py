"""Skill plans (what the reward writer answers) and evaluation reports (what the critic reads).

Why one module: the agents, the offline model, the trainer and the skill library must agree on the
exact shape of a plan and of its report, and this module is light (pydantic only) so agents can import
it without pulling PyBullet or torch. The argument rules of each motion primitive live here too
(`PRIMITIVE_ARGS`), so a malformed call is rejected when the plan is parsed -- with a message the
writer can act on -- instead of failing minutes later inside a training job.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

PrimitiveName = Literal["move_to", "grasp", "place", "push", "open", "close", "press", "rotate"]
Learner = Literal["primitive", "trajopt", "rl", "skill"]

PRIMITIVE_NAMES: tuple[str, ...] = ("move_to", "grasp", "place", "push", "open", "close", "press", "rotate")

# name -> {argument: short description}; the reward writer's prompt shows exactly this.
PRIMITIVE_ARGS: dict[str, dict[str, str]] = {
    "move_to": {"position": "[x, y, z] world metres of the gripper", "yaw": "optional gripper yaw (radians)"},
    "grasp": {"object": "object name to pick up (approached from above, lifted a little)"},
    "place": {"object": "the grasped object", "position": "[x, y, z] where its centre goes (or use `on`)",
              "on": "object name to put it on (instead of `position`)"},
    "push": {"object": "object name", "target": "[x, y] goal of the object's centre, or a goal marker's name (or direction+distance)",
             "direction": "[dx, dy] push direction", "distance": "metres to push along `direction`"},
    "open": {"joint": "<object>.<joint>, e.g. cabinet.drawer_0", "fraction": "target open fraction 0..1 (default 1.0)"},
    "close": {"joint": "<object>.<joint>", "fraction": "target open fraction 0..1 (default 0.0)"},
    "press": {"object": "button object name (pressed down along -z)"},
    "rotate": {"joint": "<object>.<joint> of a knob or lever", "angle": "radians to turn (or `fraction`: target 0..1)",
               "fraction": "target open fraction 0..1 (alternative to `angle`)"},
}

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_JOINT = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def primitives_catalog() -> list[dict[str, Any]]:
    """[{name, args: {arg: description}}] for prompts (the `primitives` context key of the writer)."""
    return [{"name": n, "args": dict(PRIMITIVE_ARGS[n])} for n in PRIMITIVE_NAMES]


def _vec(value: Any, n: int, what: str) -> list[float]:
    if not isinstance(value, (list, tuple)) or len(value) != n:
        raise ValueError(f"{what} must be a list of {n} numbers, got {value!r}")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
            raise ValueError(f"{what} must contain finite numbers, got {value!r}")
        out.append(float(v))
    return out


def _num(value: Any, what: str, lo: float | None = None, hi: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    v = float(value)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ValueError(f"{what} must be in [{lo}, {hi}], got {v}")
    return v


def _obj(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValueError(f"{what} must be an object name like 'cube' ([a-z][a-z0-9_]*), got {value!r}")
    return value


def _joint(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _JOINT.match(value):
        raise ValueError(f"{what} must name a joint as '<object>.<joint>' (e.g. 'cabinet.drawer_0'), got {value!r}")
    return value


def validate_primitive_args(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise the arguments of primitive `name`; raises ValueError naming the bad argument."""
    allowed = PRIMITIVE_ARGS[name]
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise ValueError(f"primitive {name!r} got unknown argument(s) {unknown}; it takes {sorted(allowed)}")
    a = dict(args)
    p = f"primitive {name!r}: argument"
    if name == "move_to":
        if "position" not in a:
            raise ValueError(f"primitive 'move_to' needs 'position': [x, y, z]")
        a["position"] = _vec(a["position"], 3, f"{p} 'position'")
        if a.get("yaw") is not None:
            a["yaw"] = _num(a["yaw"], f"{p} 'yaw'")
    elif name in ("grasp", "press"):
        if "object" not in a:
            raise ValueError(f"primitive {name!r} needs 'object': the object name")
        a["object"] = _obj(a["object"], f"{p} 'object'")
    elif name == "place":
        if "object" not in a:
            raise ValueError("primitive 'place' needs 'object': the grasped object's name")
        a["object"] = _obj(a["object"], f"{p} 'object'")
        has_pos, has_on = a.get("position") is not None, a.get("on") is not None
        if has_pos == has_on:
            raise ValueError("primitive 'place' needs exactly one of 'position': [x, y, z] or 'on': OBJECT")
        if has_pos:
            a["position"] = _vec(a["position"], 3, f"{p} 'position'")
        else:
            a["on"] = _obj(a["on"], f"{p} 'on'")
    elif name == "push":
        if "object" not in a:
            raise ValueError("primitive 'push' needs 'object': the object name")
        a["object"] = _obj(a["object"], f"{p} 'object'")
        if a.get("target") is not None:
            if a.get("direction") is not None:
                raise ValueError("primitive 'push' takes either 'target' or 'direction'+'distance', not both")
            if isinstance(a["target"], str):  # a goal marker / object name: push onto its xy
                a["target"] = _obj(a["target"], f"{p} 'target'")
            else:
                t = a["target"]
                a["target"] = _vec(list(t)[:2] if isinstance(t, (list, tuple)) and len(t) == 3 else t, 2, f"{p} 'target'")
        elif a.get("direction") is not None and a.get("distance") is not None:
            d = _vec(a["direction"], 2, f"{p} 'direction'")
            if math.hypot(*d) < 1e-6:
                raise ValueError("primitive 'push': 'direction' must not be the zero vector")
            a["direction"] = d
            a["distance"] = _num(a["distance"], f"{p} 'distance'", 0.0, 1.0)
        else:
            raise ValueError("primitive 'push' needs 'target': [x, y] or both 'direction': [dx, dy] and 'distance'")
    elif name in ("open", "close"):
        if "joint" not in a:
            raise ValueError(f"primitive {name!r} needs 'joint': '<object>.<joint>'")
        a["joint"] = _joint(a["joint"], f"{p} 'joint'")
        a["fraction"] = _num(a.get("fraction", 1.0 if name == "open" else 0.0), f"{p} 'fraction'", 0.0, 1.0)
    elif name == "rotate":
        if "joint" not in a:
            raise ValueError("primitive 'rotate' needs 'joint': '<object>.<joint>'")
        a["joint"] = _joint(a["joint"], f"{p} 'joint'")
        has_angle, has_frac = a.get("angle") is not None, a.get("fraction") is not None
        if has_angle == has_frac:
            raise ValueError("primitive 'rotate' needs exactly one of 'angle' (radians) or 'fraction' (0..1)")
        if has_angle:
            a["angle"] = _num(a["angle"], f"{p} 'angle'", -2 * math.pi, 2 * math.pi)
        else:
            a["fraction"] = _num(a["fraction"], f"{p} 'fraction'", 0.0, 1.0)
    return a


class PrimitiveCall(BaseModel):
    """One motion-primitive invocation, e.g. {"name": "grasp", "args": {"object": "cube"}}."""

    name: PrimitiveName
    args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_args(self) -> "PrimitiveCall":
        self.args = validate_primitive_args(self.name, self.args)
        return self


_PART = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")


class ReusedSkill(BaseModel):
    """A copy of a library skill, filled in by roboskill when it resolves a `skill` sub-task (never written by a
    model): the plan and artefacts it replays, so the new skill runs and re-verifies without the library."""

    name: str = Field(description="the library skill's name")
    plan: "SkillPlan" = Field(description="its plan, in its own names (the call's `bind` renames them when it runs)")
    artefacts: dict[str, str] = Field(default_factory=dict, description="its trajectory / policy files")


class SkillCall(BaseModel):
    """Reuse of a learned library skill as one sub-task, e.g. {"name": "open_the_drawer", "bind": {"cabinet":
    "desk"}}: the skill runs its own steps from the state the previous sub-task left."""

    name: str = Field(description="name of a learned skill listed under `reusable_skills`")
    bind: dict[str, str] = Field(default_factory=dict, description=(
        "the skill's object / joint names -> this scene's names, e.g. {\"cube\": \"red_block\"} or "
        "{\"cabinet.drawer_0\": \"desk.drawer_1\"}; a name the scene shares with the skill needs no entry"))
    resolved: SkipJsonSchema[ReusedSkill | None] = Field(None, description="set by roboskill, not by the writer")

    @field_validator("bind")
    @classmethod
    def _bind(cls, v: dict[str, str]) -> dict[str, str]:
        for a, b in v.items():
            if not (isinstance(a, str) and isinstance(b, str) and _PART.match(a) and _PART.match(b)):
                raise ValueError(f"bind entries map a name to a name ('cube': 'red_block' or "
                                 f"'cabinet.drawer_0': 'desk.drawer_1'), got {a!r}: {b!r}")
            if a.count(".") != b.count("."):
                raise ValueError(f"bind {a!r} -> {b!r}: an object binds to an object, a joint/link to a joint/link")
        return v


class SubTask(BaseModel):
    """One step of a skill plan, solved by one learner; it starts where the previous one ended."""

    name: str = Field(description="snake_case sub-task name, unique in the plan")
    description: str = ""
    learner: Learner
    primitive: PrimitiveCall | None = None
    skill: SkillCall | None = Field(None, description="learner 'skill': the library skill this step reuses")
    reward_code: str | None = None
    success_code: str | None = None
    horizon: int = Field(80, ge=1, le=2000)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError(f"sub-task name must be snake_case ([a-z][a-z0-9_]*), got {v!r}")
        return v

    @model_validator(mode="after")
    def _learner_needs(self) -> "SubTask":
        if self.learner == "primitive" and self.primitive is None:
            raise ValueError(f"sub-task {self.name!r}: learner 'primitive' needs `primitive`: {{name, args}}")
        if self.learner == "skill" and self.skill is None:
            raise ValueError(f"sub-task {self.name!r}: learner 'skill' needs `skill`: {{name, bind}} (a learned skill)")
        if self.learner in ("trajopt", "rl"):
            missing = [f for f in ("reward_code", "success_code") if not (getattr(self, f) or "").strip()]
            if missing:
                raise ValueError(f"sub-task {self.name!r}: learner {self.learner!r} needs {' and '.join(missing)} "
                                 "(compute_reward(state) / is_success(state) sources)")
        return self


class SkillPlan(BaseModel):
    """An ordered chain of sub-tasks for one task."""

    task_name: str
    subtasks: list[SubTask] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "SkillPlan":
        names = [s.name for s in self.subtasks]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"sub-task names must be unique in a plan; repeated: {dup}")
        return self

    def reused(self) -> list[str]:
        """Names of the library skills this plan reuses (its `skill` sub-tasks), in order."""
        return [s.skill.name for s in self.subtasks if s.learner == "skill" and s.skill is not None]


ReusedSkill.model_rebuild()


# ------------------------------------------------------------------------------------ evaluation
class ComponentStats(BaseModel):
    """Statistics of one named reward component over the steps of the evaluated episodes."""

    mean: float
    min: float
    max: float


class ReflectionPoint(BaseModel):
    """Eureka-style reward reflection at one training checkpoint."""

    step: int
    success_rate: float
    mean_return: float
    components: dict[str, ComponentStats] = Field(default_factory=dict)
    wall_s: float | None = None  # wall-clock seconds since the job started (extension; for time-to-success)


class SubTaskResult(BaseModel):
    name: str
    learner: str
    success_rate: float
    reflection: list[ReflectionPoint] = Field(default_factory=list)
    error: str | None = None


class EpisodeOutcome(BaseModel):
    """One evaluation episode, judged at its end: what the critic, the CLI and the dashboard show."""

    model_config = ConfigDict(extra="ignore")

    seed: int = Field(description="episode seed (evaluation seeds never overlap training seeds)")
    success: bool = Field(description="the verdict of the judge (the task's Goal, or the env's own success flag)")
    subtask_success: list[bool] = Field(default_factory=list, description="generated is_success of each sub-task at its end")
    conditions: list[dict[str, Any]] = Field(default_factory=list,
                                             description="per goal condition: {condition, ok, value, needed}")
    moving: list[str] = Field(default_factory=list, description="objects still moving when judged")
    end_state: dict[str, Any] = Field(default_factory=dict,
                                      description="{'objects': {name: [x, y, z] world metres}, 'joints': {name: open fraction}}")
    messages: list[str] = Field(default_factory=list, description="what the primitives reported (e.g. why a place failed)")
    error: str | None = None


class EvalReport(BaseModel):
    """What one training job produces (metrics.json), read by the critic and stored with skills.

    `success_rate` is the judge's rate over `n_episodes` evaluation episodes from varied starts:
    the task's Goal (`judged_by="goal"`), or an external env's own flag. Training figures live in
    `subtasks[*].reflection` and are never mixed with it.
    """

    model_config = ConfigDict(extra="ignore")

    success_rate: float
    success_ci95: tuple[float, float] | None = Field(None, description="95 % Wilson interval of success_rate")
    judged_by: str = Field("success_code", description="'goal' | 'env' | 'success_code' (no goal: the plan's own code)")
    episodes: list[EpisodeOutcome] = Field(default_factory=list, description="every evaluation episode, in order")
    mean_return: float = 0.0
    mean_length: float = 0.0
    time_to_success: float | None = None
    n_episodes: int = 0
    subtasks: list[SubTaskResult] = Field(default_factory=list)
    reflection_text: str = ""
    wall_time_s: float = 0.0
    sim_time_s: float = 0.0
    train_time_s: float = 0.0
    artefacts: dict[str, str] = Field(default_factory=dict)
    error: str | None = None


__all__ = [
    "PRIMITIVE_ARGS", "PRIMITIVE_NAMES", "ComponentStats", "EpisodeOutcome", "EvalReport", "Learner", "PrimitiveCall", "PrimitiveName",
    "ReflectionPoint", "SkillPlan", "SubTask", "SubTaskResult", "primitives_catalog", "validate_primitive_args",
]
