"""Shared helper: one role call with the run's retry policy, pricing, callbacks and repair bound."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from roboskill.agents.deps import Deps
from roboskill.agents.llm import StructuredResult, structured_call
from roboskill.agents.schemas import ROLE_SCHEMAS

T = TypeVar("T", bound=BaseModel)


def call_role(deps: Deps, role: str, context: dict[str, Any], **metadata: Any) -> StructuredResult[Any]:
    """Ask `role` with `context`; StepFailed propagates to the node (which records it)."""
    config: dict[str, Any] = {"run_name": role, "tags": [f"role:{role}"], "metadata": {"role": role, **metadata}}
    if deps.callbacks:
        config["callbacks"] = list(deps.callbacks)
    return structured_call(
        deps.models(role),
        role,
        context,
        schema=ROLE_SCHEMAS[role],
        max_repairs=deps.budgets.max_repairs_per_step,
        policy=deps.policy(),
        pricing=deps.models.pricing,
        config=config,
        budget=deps.models.budget() if hasattr(deps.models, "budget") else None,
    )
