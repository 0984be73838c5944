"""Proposer: the next task to learn, from the library, failures, directives and the catalog."""

from __future__ import annotations

from typing import Any

from roboskill.agents._call import call_role
from roboskill.agents.deps import Deps
from roboskill.agents.llm import StructuredResult
from roboskill.agents.schemas import TaskProposal

MAX_LISTED = 60


def proposer_context(deps: Deps, state: dict[str, Any]) -> dict[str, Any]:
    """The proposer's context keys (docs/contracts.md, Agents)."""
    skills = deps.library.list()[-MAX_LISTED:]
    failures = deps.library.list_failures()[-MAX_LISTED:]
    return {
        "learned_skills": [{"name": s.name, "description": s.description} for s in skills],
        "failed_tasks": [{"name": f.name, "description": f.description, "reason": f.reason} for f in failures],
        "directives": list(state.get("directives") or []),
        "catalog": deps.catalog(),
        "articulated_kinds": list(deps.articulated_kinds),
        "rejected": list(state.get("rejected") or []),
        "novelty_feedback": state.get("novelty_feedback"),
        "attempt": int(state.get("proposal_attempt") or 0),
    }


def propose(deps: Deps, state: dict[str, Any]) -> StructuredResult[TaskProposal]:
    return call_role(deps, "proposer", proposer_context(deps, state), run_id=state.get("run_id"))


def proposal_from_instruction(text: str) -> TaskProposal:
    """`roboskill learn "TASK"`: the person's instruction stands in for a proposal (no proposer call)."""
    from roboskill.memory import slugify_name

    name = slugify_name(text, max_len=60)
    if not name[0].isalpha():
        name = f"task_{name}"
    sentence = text.strip()
    if sentence and sentence[-1] not in ".!?":
        sentence += "."
    return TaskProposal(name=name, description=sentence[:1].upper() + sentence[1:], rationale="requested by the user")
