"""Structured outputs of the agent roles (the contract every chat model answers in).

Why one module: the graph, the offline procedural model and real LLM prompts must agree on the exact
shape of each answer. Every role replies with ONE fenced ```json block that validates against the
model named in `ROLE_SCHEMAS[role]`; anything else is sent back to the role with the validation error
(bounded repairs, see `roboskill.agents.llm.structured_call`).

Scene specs and skill plans are not redefined here: they are the models owned by `roboskill.sim.spec`
and `roboskill.tools.plan`, embedded as-is.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from roboskill.sim.goals import Goal, GoalAnswer, GoalRefusal
from roboskill.sim.spec import SceneSpec
from roboskill.tools.plan import SkillPlan

_SNAKE = re.compile(r"^[a-z][a-z0-9_]{0,79}$")

Role = Literal["proposer", "goal_writer", "scene_designer", "reward_writer", "critic", "curator"]
ROLES: tuple[str, ...] = ("proposer", "goal_writer", "scene_designer", "reward_writer", "critic", "curator")
CritiqueAction = Literal["accept", "refine_reward", "refine_scene", "decompose", "give_up"]


class TaskProposal(BaseModel):
    """The proposer's next task: what to learn, why, and what it needs."""

    name: str = Field(description="snake_case task name, e.g. 'open_top_drawer'")
    description: str = Field(min_length=1, description="one imperative sentence: the skill's instruction")
    rationale: str = Field(default="", description="why the task is novel and useful given the library")
    subtasks: list[str] = Field(default_factory=list, description="ordered sub-task descriptions")
    objects: list[str] = Field(default_factory=list, description="catalog asset names / articulated kinds needed")
    difficulty: int = Field(default=1, ge=1, le=5)

    @field_validator("name")
    @classmethod
    def _snake(cls, value: str) -> str:
        value = value.strip()
        if not _SNAKE.match(value):
            fixed = re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_") or "task"
            raise ValueError(f"name {value!r} must be snake_case ([a-z][a-z0-9_]*, <= 80 chars), e.g. {fixed!r}")
        return value

    @field_validator("description")
    @classmethod
    def _one_sentence(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("description must be one imperative sentence, e.g. 'Open the top drawer.'")
        return value


class SceneDesign(BaseModel):
    """The scene designer's answer: a full SceneSpec plus free-text notes."""

    scene: SceneSpec
    notes: str = ""


class RewardCandidates(BaseModel):
    """The reward writer's answer: K alternative skill plans, trained in parallel."""

    candidates: list[SkillPlan] = Field(min_length=1)


class Critique(BaseModel):
    """The critic's decision after reading every candidate's evaluation report."""

    action: CritiqueAction
    feedback: str = Field(default="", description="concrete, actionable feedback for the next attempt")
    component_feedback: dict[str, str] = Field(
        default_factory=dict, description="reward component name -> what to change about it"
    )
    best_candidate: int = Field(default=0, ge=0, description="index of the best candidate in this iteration")
    reason: str = Field(default="", description="why this action")


Decision = Critique  # contract alias


class Directive(BaseModel):
    """A standing instruction from the person steering the curriculum."""

    kind: Literal["focus", "avoid", "difficulty", "other"]
    text: str = Field(min_length=1)
    subject: str | None = None


class CuratorOutput(BaseModel):
    """The curator's answer to one chat message: new directives and a short reply to the person."""

    directives: list[Directive] = Field(default_factory=list)
    reply: str = ""


ROLE_SCHEMAS: dict[str, type[BaseModel]] = {
    "proposer": TaskProposal,
    "goal_writer": GoalAnswer,
    "scene_designer": SceneDesign,
    "reward_writer": RewardCandidates,
    "critic": Critique,
    "curator": CuratorOutput,
}

__all__ = [
    "ROLES",
    "ROLE_SCHEMAS",
    "Critique",
    "CritiqueAction",
    "CuratorOutput",
    "Decision",
    "Directive",
    "Goal",
    "GoalAnswer",
    "GoalRefusal",
    "RewardCandidates",
    "Role",
    "SceneDesign",
    "SceneSpec",
    "SkillPlan",
    "TaskProposal",
]
