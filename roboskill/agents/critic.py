"""Critic: reads every candidate's evaluation and decides accept / refine / decompose / give up."""

from __future__ import annotations

from typing import Any

from roboskill.agents._call import call_role
from roboskill.agents.deps import Deps
from roboskill.agents.llm import StructuredResult
from roboskill.agents.schemas import Critique

_REPORT_DROP = ("artefacts", "episodes")
#: Failed evaluation episodes shown to the critic in full (end state, failed conditions, primitive messages).
MAX_FAILED_EPISODES = 4


def _slim(report: dict[str, Any]) -> dict[str, Any]:
    """The report without file paths, with evaluation episodes summarised: the critic reads what the goal
    judged (per-condition failures, end states, primitive messages), kept apart from training figures."""
    out = {k: v for k, v in report.items() if k not in _REPORT_DROP}
    episodes = report.get("episodes") or []
    if episodes:
        failed = [e for e in episodes if not e.get("success")]
        out["evaluation"] = {
            "judged_by": report.get("judged_by"),
            "episodes": len(episodes),
            "successes": len(episodes) - len(failed),
            "success_ci95": report.get("success_ci95"),
            "failed_examples": [
                {"seed": e.get("seed"),
                 "failed_conditions": [c for c in e.get("conditions") or [] if not c.get("ok")],
                 "moving": e.get("moving") or [], "messages": (e.get("messages") or [])[:3],
                 "end_state": e.get("end_state") or {}, "error": e.get("error")}
                for e in failed[:MAX_FAILED_EPISODES]],
        }
    return out


def critic_context(deps: Deps, state: dict[str, Any]) -> dict[str, Any]:
    plans = state.get("candidates") or []
    reports = state.get("reports") or []
    return {
        "task": state.get("proposal"),
        "goal": state.get("goal"),
        "accept_success": deps.accept_min_success,
        "scene": state.get("scene"),
        "iteration": int(state.get("iteration") or 0),
        "max_iterations": deps.budgets.max_iterations_per_task,
        "candidates": [
            {"index": i, "plan": plan, "report": _slim(reports[i]) if i < len(reports) else {"error": "not trained"}}
            for i, plan in enumerate(plans)
        ],
    }


def critique(deps: Deps, state: dict[str, Any]) -> StructuredResult[Critique]:
    return call_role(deps, "critic", critic_context(deps, state), task_id=state.get("task_id"))
