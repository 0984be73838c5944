"""Curator: turns a person's chat message into standing directives for the proposer."""

from __future__ import annotations

from typing import Any

from roboskill.agents._call import call_role
from roboskill.agents.deps import Deps
from roboskill.agents.llm import StructuredResult
from roboskill.agents.schemas import CuratorOutput, Directive


def curate(deps: Deps, message: str, directives: list[dict[str, Any]], last_proposal: dict[str, Any] | None) -> StructuredResult[CuratorOutput]:
    context = {"message": message, "directives": directives, "last_proposal": last_proposal}
    return call_role(deps, "curator", context)


def merge_directives(current: list[dict[str, Any]], new: list[Directive]) -> list[dict[str, Any]]:
    """Append new directives, skipping exact repeats (same kind and subject/text)."""
    seen = {(d.get("kind"), (d.get("subject") or d.get("text") or "").lower()) for d in current}
    merged = list(current)
    for d in new:
        key = (d.kind, (d.subject or d.text).lower())
        if key not in seen:
            seen.add(key)
            merged.append(d.model_dump())
    return merged
