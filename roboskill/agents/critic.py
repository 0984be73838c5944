"""Critic: reads every candidate's evaluation and decides accept / refine / decompose / give up."""

from __future__ import annotations

from typing import Any

from roboskill.agents._call import call_role
from roboskill.agents.deps import Deps
from roboskill.agents.llm import StructuredResult
from roboskill.agents.schemas import Critique

_REPORT_DROP = ("artefacts",)


def _slim(report: dict[str, Any]) -> dict[str, Any]:
    """The report without file paths (the critic judges numbers and reflection, not paths)."""
    return {k: v for k, v in report.items() if k not in _REPORT_DROP}


def critic_context(deps: Deps, state: dict[str, Any]) -> dict[str, Any]:
    plans = state.get("candidates") or []
    reports = state.get("reports") or []
    return {
        "task": state.get("proposal"),
        "iteration": int(state.get("iteration") or 0),
        "max_iterations": deps.budgets.max_iterations_per_task,
        "candidates": [
            {"index": i, "plan": plan, "report": _slim(reports[i]) if i < len(reports) else {"error": "not trained"}}
            for i, plan in enumerate(plans)
        ],
    }


def critique(deps: Deps, state: dict[str, Any]) -> StructuredResult[Critique]:
    return call_role(deps, "critic", critic_context(deps, state), task_id=state.get("task_id"))
