"""Pydantic records of what the library remembers: learned skills and failed tasks.

Records are the boundary between the agent loop and the library, and they are what `skills export`
writes, so they validate strictly (clear errors, never a traceback from a half-typed dict) and
round-trip through JSON exactly.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from roboskill.sim.goals import Goal
from roboskill.sim.spec import SceneSpec, stored_spec_data

from roboskill.tools.plan import SkillPlan

NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,99}$"
_NAME_RE = re.compile(NAME_PATTERN)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def slugify_name(text: str, max_len: int = 60) -> str:
    """Turn free text ("Open the top drawer!") into a valid record name ("open_the_top_drawer")."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:max_len].rstrip("_")
    return slug or "skill"


def _check_name(value: str) -> str:
    if not _NAME_RE.match(value):
        raise ValueError(
            f"invalid record name {value!r}: use lower-case letters, digits, '_', '-' or '.', starting with a "
            f"letter or digit, at most 100 characters (e.g. {slugify_name(value)!r})"
        )
    return value


def _check_json(value: dict[str, Any], field: str) -> dict[str, Any]:
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{field} must be JSON-serialisable (plain numbers, strings, lists, dicts): {exc}") from None
    return value


def _uses(plan: SkillPlan) -> list[dict[str, Any]]:
    out = []
    for sub in plan.subtasks:
        if sub.learner == "skill" and sub.skill is not None:
            inner = sub.skill.resolved
            out.append({"name": sub.skill.name, "step": sub.name, "bind": dict(sub.skill.bind),
                        "uses": _uses(inner.plan) if inner is not None else []})
    return out


class SkillRecord(BaseModel):
    """A skill the loop learned and the critic accepted.

    Identity is `(run_id, task_id)`: storing the same pair again replaces rather than duplicates, so a
    resumed run that re-stores its accepted skills is harmless. `name` is the human handle used by the
    CLI; the library keeps names unique.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = Field(min_length=1, max_length=4000)
    instruction: str = ""
    subtasks: list[str] = Field(default_factory=list)
    scene: SceneSpec
    plan: SkillPlan
    learners: list[str] = Field(default_factory=list)
    success_rate: float = Field(ge=0.0, le=1.0)
    metrics: dict[str, Any] = Field(default_factory=dict)
    """The EvalReport (model_dump) or any JSON-able metrics."""
    artefacts: dict[str, str] = Field(default_factory=dict)
    """"policy" | "trajectory" | "video" | "curves" | "metrics" | "keyframes" -> path."""
    run_id: str = Field(min_length=1)
    task_id: str = Field(min_length=1)
    created_at: datetime = Field(default_factory=_now)
    parent: str | None = None
    """Name of the skill this one was derived from (e.g. decomposed or refined from)."""
    goal: Goal | None = None
    """The task's fixed goal that judged the skill (None: external env judged by its own flag, or older records)."""

    @field_validator("name")
    @classmethod
    def _name_ok(cls, value: str) -> str:
        return _check_name(value)

    @field_validator("scene", mode="before")
    @classmethod
    def _stored_sizes(cls, value: Any) -> Any:
        # a record is stored data: a scene mapping without `size_convention` was written when primitive sizes
        # were half extents (read as such, converted once); a SceneSpec object or a marked mapping is current
        return stored_spec_data(value)

    @field_validator("metrics")
    @classmethod
    def _metrics_json(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _check_json(value, "metrics")

    @field_validator("description")
    @classmethod
    def _description_text(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("description must not be blank: describe the task in one sentence")
        return value

    @property
    def key(self) -> str:
        """Identity in the library: one record per (run, task)."""
        return f"{self.run_id}/{self.task_id}"

    def uses_tree(self) -> list[dict[str, Any]]:
        """The library skills this one reuses, each with what it reuses in turn:
        [{"name", "step", "bind", "uses": [...]}] (empty for a skill learned from scratch). Read from the plan,
        whose `skill` steps carry a copy of each reused skill, so the tree survives removing them from the library."""
        return _uses(self.plan)

    def reward_code(self) -> dict[str, str]:
        """Sub-task name -> reward source (and success source), for the reward writer's examples."""
        out: dict[str, str] = {}
        for sub in self.plan.subtasks:
            if sub.reward_code:
                out[f"{sub.name}.compute_reward"] = sub.reward_code
            if sub.success_code:
                out[f"{sub.name}.is_success"] = sub.success_code
        return out


class FailedTaskRecord(BaseModel):
    """A task the loop gave up on, remembered so the proposer can steer away from it."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = Field(min_length=1, max_length=4000)
    reason: str = ""
    run_id: str = Field(min_length=1)
    task_id: str = Field(min_length=1)
    created_at: datetime = Field(default_factory=_now)

    @field_validator("name")
    @classmethod
    def _name_ok(cls, value: str) -> str:
        return _check_name(value)

    @property
    def key(self) -> str:
        return f"{self.run_id}/{self.task_id}"
