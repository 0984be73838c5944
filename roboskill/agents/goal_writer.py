"""Goal writer: the task's fixed, checkable end state (or a refusal), before any scene is designed.

Why its own role: the goal is what judges the skill, so it must be written once, from the task alone,
by a role that never sees training results; the scene designer must then build what the goal names,
and the reward writer and critic cannot change it. Refusing a task the simulator cannot represent is
a correct answer here; substituting another task is not.
"""

from __future__ import annotations

from typing import Any

from roboskill.agents._call import call_role
from roboskill.agents.deps import Deps
from roboskill.agents.llm import StructuredResult
from roboskill.agents.schemas import GoalAnswer

#: Joint names of each articulated kind (the scene designer's prompt states the same; a test checks both
#: against the generators).
ARTICULATED_JOINTS: dict[str, list[str]] = {
    "drawer_cabinet": ["drawer_0", "drawer_1", "drawer_2"], "door_cabinet": ["door"], "lid_box": ["lid"],
    "button": ["button"], "lever": ["lever"], "sliding_door": ["slider"], "knob": ["knob"],
}


def goal_context(deps: Deps, state: dict[str, Any]) -> dict[str, Any]:
    kinds = list(deps.articulated_kinds)
    return {
        "task": state.get("proposal"),
        "catalog": deps.catalog(),
        "articulated": {k: ARTICULATED_JOINTS.get(k, []) for k in kinds},
    }


def write_goal(deps: Deps, state: dict[str, Any]) -> StructuredResult[GoalAnswer]:
    return call_role(deps, "goal_writer", goal_context(deps, state), task_id=state.get("task_id"))
