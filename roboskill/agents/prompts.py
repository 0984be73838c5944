"""Render a role's prompt file + context into chat messages, and read fenced JSON answers back.

Why plain files with `{{placeholders}}`: prompts are edited by people and read by the offline model
as much as by real LLMs, so they stay readable Markdown; the pieces that come from code (the role's
JSON schema, the state API docs, the primitive list) are injected at render time so they never drift.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from roboskill.agents.schemas import ROLE_SCHEMAS, ROLES

ANSWER_INSTRUCTION = "Answer with exactly one fenced ```json block matching the schema in the system message."
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)

class PromptError(ValueError):
    """A prompt file is missing or malformed."""


@lru_cache(maxsize=None)
def load_prompt(role: str) -> str:
    """The raw template of `role` from roboskill/prompts/<role>.md."""
    if role not in ROLES:
        raise PromptError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    try:
        text = resources.files("roboskill").joinpath("prompts", f"{role}.md").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError) as exc:
        raise PromptError(f"prompt file roboskill/prompts/{role}.md is missing: {exc}") from None
    if not text.startswith(f"ROLE: {role}\n"):
        raise PromptError(f"roboskill/prompts/{role}.md must start with the line 'ROLE: {role}'")
    return text


def primitives_catalog() -> list[dict[str, Any]]:
    """Primitive names and argument docs, straight from the tools layer so prompts never drift from it."""
    from roboskill.tools.plan import primitives_catalog as _catalog

    return _catalog()


def state_api_doc() -> str:
    """The State API documentation, generated from the code's docstrings (prompts never drift from code)."""
    from roboskill.sim.state import state_api_doc as _doc

    return _doc()


def goal_vocabulary() -> str:
    """One line per goal condition kind, generated from the models in `roboskill.sim.goals` (never drifts)."""
    from roboskill.sim.goals import goal_schema_summary

    lines = []
    for entry in goal_schema_summary():
        doc = " ".join(entry["doc"].split())
        fields = "; ".join(f"{k}: {v}" if v else k for k, v in entry["fields"].items())
        lines.append(f"- {entry['kind']} ({fields}): {doc}")
    return "\n".join(lines)


@lru_cache(maxsize=None)
def _schema_text(role: str) -> str:
    return json.dumps(ROLE_SCHEMAS[role].model_json_schema(), separators=(",", ":"))


def render_system(role: str) -> str:
    text = load_prompt(role).replace("{{schema}}", _schema_text(role))
    if "{{goal_vocabulary}}" in text:
        text = text.replace("{{goal_vocabulary}}", goal_vocabulary())
    if "{{state_api_doc}}" in text:
        text = text.replace("{{state_api_doc}}", state_api_doc())
    if "{{reach}}" in text or "{{reach_short}}" in text:  # the validator's own reach model, in words
        from roboskill.sim.validation import reach_summary

        text = text.replace("{{reach_short}}", reach_summary(short=True)).replace("{{reach}}", reach_summary())
    if "{{primitives_doc}}" in text:
        lines = [f"- {p['name']}({', '.join(f'{k}: {v}' for k, v in p.get('args', {}).items())})" for p in primitives_catalog()]
        text = text.replace("{{primitives_doc}}", "\n".join(lines))
    return text


def render_context(role: str, context: dict[str, Any]) -> str:
    body = json.dumps(context, sort_keys=True, indent=1, default=str)
    return f"CONTEXT for {role}:\n```json\n{body}\n```\n{ANSWER_INSTRUCTION}"


def render_messages(role: str, context: dict[str, Any]) -> list[BaseMessage]:
    """[SystemMessage(prompt file), HumanMessage(context json)] — the contract's prompt protocol."""
    return [SystemMessage(content=render_system(role)), HumanMessage(content=render_context(role, context))]


def with_images(message: BaseMessage, data_urls: list[str], caption: str = "") -> HumanMessage:
    """A copy of a text user message carrying images too, in LangChain's multimodal content format:
    [{"type": "text"}, ({"type": "text", caption}), {"type": "image_url", "image_url": {"url": "data:image/...;base64,..."}}, ...].

    Only for models that accept images (`llm.vision`); text-only models and the offline model never get one.
    """
    parts: list[str | dict[str, Any]] = [{"type": "text", "text": str(message.content)}]
    if caption:
        parts.append({"type": "text", "text": caption})
    parts.extend({"type": "image_url", "image_url": {"url": url}} for url in data_urls)
    return HumanMessage(content=parts)


def repair_messages(bad_answer: str, error: str) -> list[BaseMessage]:
    """The turn appended after an invalid answer: the answer itself, then the error to fix."""
    return [
        AIMessage(content=bad_answer),
        HumanMessage(content=f"REPAIR: your answer was rejected: {error}\n{ANSWER_INSTRUCTION} Answer the whole object again."),
    ]


class JSONExtractionError(ValueError):
    """No parseable JSON object in a model's answer."""


def extract_json(text: str) -> Any:
    """The JSON value of the first fenced block that parses (or the bare text if it is JSON).

    Real models sometimes add prose around the block, omit the `json` tag or skip the fence; all of
    those are accepted. Truncated or prose-only answers raise JSONExtractionError with a hint.
    """
    if not text or not text.strip():
        raise JSONExtractionError("the answer was empty; reply with one fenced ```json block")
    errors: list[str] = []
    for block in _FENCE.findall(text):
        try:
            return json.loads(block)
        except json.JSONDecodeError as exc:
            errors.append(f"line {exc.lineno} column {exc.colno}: {exc.msg}")
    stripped = text.strip()
    start = min((i for i in (stripped.find("{"), stripped.find("[")) if i >= 0), default=-1)
    if start >= 0:
        try:
            return json.JSONDecoder().raw_decode(stripped[start:])[0]
        except json.JSONDecodeError as exc:
            errors.append(f"line {exc.lineno} column {exc.colno}: {exc.msg}")
    if errors:
        raise JSONExtractionError(f"the JSON is invalid ({errors[0]}); it may be truncated — send the complete object")
    raise JSONExtractionError("no JSON found in the answer (prose only); reply with one fenced ```json block")
