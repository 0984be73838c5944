"""Scene designer: a SceneSpec for the task; validation errors come back here (graph loop)."""

from __future__ import annotations

from typing import Any

from roboskill.agents._call import call_role
from roboskill.agents.deps import Deps
from roboskill.agents.llm import StructuredResult
from roboskill.agents.schemas import SceneDesign


def scene_context(deps: Deps, state: dict[str, Any]) -> dict[str, Any]:
    return {
        "task": state.get("proposal"),
        "goal": state.get("goal"),
        "catalog": deps.catalog(),
        "validation_errors": list(state.get("scene_errors") or []),
        "previous_scene": state.get("scene"),
    }


def design_scene(deps: Deps, state: dict[str, Any]) -> StructuredResult[SceneDesign]:
    return call_role(deps, "scene_designer", scene_context(deps, state), task_id=state.get("task_id"))
