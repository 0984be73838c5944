"""The offline reward writer's answer for an external env (`learn --env`): not an LLM, a template.

The context carries `external_env` (the env's `ExternalState.describe()`: object names with their
"target*" markers, whether the gripper is controllable, the success distance). The staged reward is
`roboskill.sim.external.template_reward_source`, which reads only that description — never the env's
own reward — so the env's `info["is_success"]` remains an independent judge (Eureka's protocol).
After critic feedback the reach term's weight is doubled, so a retry is a different plan.
"""

from __future__ import annotations

import re
from typing import Any

SPLIT = "def is_success"


class DescribedState:
    """Just enough of an ExternalState for the template: its description and object names."""

    def __init__(self, describe: dict[str, Any]) -> None:
        self._describe = dict(describe)

    def describe(self) -> dict[str, Any]:
        return dict(self._describe)

    def object_names(self) -> list[str]:
        return [str(n) for n in self._describe.get("objects") or []]


def external_reward_source(describe: dict[str, Any], instruction: str = "") -> str:
    """compute_reward + is_success source for an env described by `describe` (also used by `bench external`)."""
    from roboskill.sim.external import template_reward_source

    return template_reward_source(DescribedState(describe), instruction)  # type: ignore[arg-type]


def split_source(source: str) -> tuple[str, str]:
    """(reward_code, success_code): the template's two functions as the plan's two fields."""
    i = source.index(SPLIT)
    imports = "\n".join(line for line in source[:i].splitlines() if line.startswith("import "))
    return source[:i].rstrip() + "\n", f"{imports}\n\n\n{source[i:]}"


def _revise(reward: str, feedback: str, retry: bool) -> tuple[str, str]:
    """Reweight the reach term when the critic sent the plan back (a different plan on retry)."""
    if not feedback or not retry:
        return reward, ""
    weight = 2.0
    revised = re.sub(r"total = total - reach\b", f"total = total - {weight:.1f} * reach", reward)
    return revised, f"reach weight x{weight:.1f} after critic feedback"


def write_external(context: dict[str, Any], task_name: str) -> dict[str, Any]:
    """RewardCandidates dict: one trajopt plan (the template has no free choices worth k variants)."""
    describe = context.get("external_env") or {}
    task = context.get("task") or {}
    instruction = str(task.get("description") or "") if isinstance(task, dict) else str(task)
    reward, success = split_source(external_reward_source(describe, instruction))
    previous = context.get("previous_candidates") or []
    reward, note = _revise(reward, str(context.get("critic_feedback") or ""), bool(previous))
    horizon = int(describe.get("max_episode_steps") or 50)
    sub = {"name": "reach_goal" if not any(str(o).startswith("object") for o in describe.get("objects") or [])
           else "move_object_to_target",
           "description": (instruction or f"solve {describe.get('env_id', 'the env')}") + (f" ({note})" if note else ""),
           "learner": "trajopt", "primitive": None, "reward_code": reward, "success_code": success, "horizon": horizon}
    return {"candidates": [{"task_name": task_name, "subtasks": [sub]}]}
