"""Reward writer: K candidate skill plans (learner choice, reward / success code or primitive args).

Eureka-style: on later iterations it sees its previous candidates, the critic's feedback per reward
component and the training reflection of the best candidate.
"""

from __future__ import annotations

from typing import Any

from roboskill.agents._call import call_role
from roboskill.agents.deps import Deps
from roboskill.agents.llm import StructuredResult
from roboskill.agents.reuse import reusable_skills
from roboskill.agents.schemas import RewardCandidates

MAX_EXAMPLES = 3


def _examples(deps: Deps, description: str, env_id: str | None = None) -> list[dict[str, Any]]:
    """Plans of similar learned skills; for an external env only those learned on that same env."""
    try:
        similar = deps.library.similar_successful(description, k=MAX_EXAMPLES)
    except Exception:  # noqa: BLE001 - examples are a hint; a library hiccup must not fail the step
        return []
    return [{"name": r.name, "plan": r.plan.model_dump(mode="json")} for r in similar
            if (r.metrics or {}).get("env_id") == env_id]


def writer_context(deps: Deps, state: dict[str, Any]) -> dict[str, Any]:
    """What the writer is shown. `names` (from the validated scene, `roboskill.sim.names`) lists every object,
    link and joint with sizes, start positions and joint ranges, so the code names only what exists."""
    task = state.get("proposal") or {}
    critique = state.get("critique") or {}
    reports = state.get("reports") or []
    best = int(critique.get("best_candidate", 0) or 0)
    reflection = None
    if reports and 0 <= best < len(reports):
        reflection = reports[best].get("reflection_text") or reports[best].get("error")
    external = state.get("external") if state.get("env_id") else None
    context: dict[str, Any] = {
        "task": task,
        "goal": state.get("goal"),
        "scene": None if external else state.get("scene"),
        "names": None if state.get("env_id") else state.get("scene_names"),
        "k": deps.budgets.candidates_per_iteration,
        "examples": _examples(deps, task.get("description", ""), state.get("env_id")),
        "reusable_skills": None if external else (reusable_skills(deps.library, task.get("description", "")) or None),
        "previous_candidates": state.get("candidates") or None,
        "critic_feedback": critique.get("feedback") or None,
        "component_feedback": critique.get("component_feedback") or {},
        "reflection": reflection,
        "sandbox_errors": list(state.get("code_errors") or []),
    }
    if external:  # `learn --env`: the env's own objects/goal and its state API replace the scene
        context["external_env"] = dict(external.get("describe") or {"env_id": state.get("env_id")})
        context["external_state_api"] = str(external.get("state_doc") or "")
    return context


def write_rewards(deps: Deps, state: dict[str, Any]) -> StructuredResult[RewardCandidates]:
    result = call_role(deps, "reward_writer", writer_context(deps, state), task_id=state.get("task_id"))
    k = deps.budgets.candidates_per_iteration
    if len(result.value.candidates) > k:  # more than asked: train only the first k (budget)
        result.value = RewardCandidates(candidates=result.value.candidates[:k])
    return result
