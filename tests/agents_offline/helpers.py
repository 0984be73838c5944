"""Shared helpers: call the offline model through the real prompt protocol and parse its answer."""

from __future__ import annotations

from typing import Any

from roboskill.agents.offline import OfflineChatModel
from roboskill.agents.prompts import extract_json, render_messages
from roboskill.agents.schemas import ROLE_SCHEMAS

CATALOG = [
    {"name": "cube", "kind": "urdf", "tags": ["block", "graspable"], "size": [0.05, 0.05, 0.05]},
    {"name": "duck", "kind": "urdf", "tags": ["toy", "graspable"], "size": [0.09, 0.085, 0.066]},
    {"name": "mug", "kind": "urdf", "tags": ["mug", "container", "graspable"], "size": [0.09, 0.13, 0.1]},
    {"name": "tray", "kind": "urdf", "tags": ["tray", "container"], "size": [0.24, 0.24, 0.06]},
    {"name": "lego", "kind": "urdf", "tags": ["toy", "graspable"], "size": [0.03, 0.03, 0.025]},
    {"name": "sphere", "kind": "urdf", "tags": ["ball", "graspable"], "size": [0.06, 0.06, 0.06]},
]
KINDS = ["drawer_cabinet", "door_cabinet", "lid_box", "button", "lever", "sliding_door", "knob"]


def proposer_context(**overrides: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {"learned_skills": [], "failed_tasks": [], "directives": [], "catalog": CATALOG,
                           "articulated_kinds": KINDS, "rejected": [], "novelty_feedback": None, "attempt": 0}
    ctx.update(overrides)
    return ctx


def ask_raw(role: str, context: dict[str, Any], seed: int = 0) -> str:
    return OfflineChatModel(seed=seed).invoke(render_messages(role, context)).content


def ask(role: str, context: dict[str, Any], seed: int = 0):
    """The validated schema object the model answers with."""
    return ROLE_SCHEMAS[role].model_validate(extract_json(ask_raw(role, context, seed)))
