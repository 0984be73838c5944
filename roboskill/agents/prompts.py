"""Render a role's prompt file + context into chat messages, and read fenced JSON answers back.

Why plain files with `{{placeholders}}`: prompts are edited by people and read by the offline model
as much as by real LLMs, so they stay readable Markdown; the pieces that come from code (the role's
JSON schema, the state API docs, the primitive list) are injected at render time so they never drift.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from roboskill.agents.schemas import ROLE_SCHEMAS, ROLES

ANSWER_INSTRUCTION = "Answer with exactly one fenced ```json block matching the schema in the system message."
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
#: JavaScript habits JSON does not allow: a trailing comma before a closing bracket, a `//` line comment.
_JS_ONLY = re.compile(r",\s*[}\]]|^\s*//|[,{\[]\s*//", re.MULTILINE)

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


RUN_FACT_KEYS = ("step_s", "max_delta", "primitive_steps")


@lru_cache(maxsize=None)
def run_facts() -> dict[str, str]:
    """How an env step is timed and sized, and a primitive's minimum budget, from the constants the code runs
    with (`{{step_s}}`, `{{max_delta}}`, `{{primitive_steps}}`), so the prompt's numbers never drift."""
    from roboskill.sim.builder import TIME_STEP
    from roboskill.sim.env import DEFAULT_ACTION_REPEAT, DEFAULT_MAX_DELTA
    from roboskill.tools.evaluate import PRIMITIVE_MIN_STEPS

    return {"step_s": f"{TIME_STEP * DEFAULT_ACTION_REPEAT:.3f}", "max_delta": f"{DEFAULT_MAX_DELTA:g}",
            "primitive_steps": str(PRIMITIVE_MIN_STEPS)}


def compact_schema(node: Any, *, _names: bool = False) -> Any:
    """A JSON schema with what a model does not need left out: titles, `additionalProperties: false`, empty
    defaults, class docstrings and the union discriminator; `X | None` becomes X, and a tuple of one item type
    becomes a plain array with its length. Field descriptions (units, frames, conventions) all stay."""
    if isinstance(node, list):
        return [compact_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    if _names:  # the keys of "properties" are field names, never schema keywords
        return {k: compact_schema(v) for k, v in node.items()}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("title", "discriminator") or (key == "additionalProperties" and value is False) \
                or (key == "default" and value in (None, [], {})) or (key == "description" and "properties" in node):
            continue
        out[key] = compact_schema(value, _names=key in ("properties", "$defs"))
    any_of = out.get("anyOf")
    if isinstance(any_of, list) and len(any_of) == 2 and {"type": "null"} in any_of:
        other = next(a for a in any_of if a != {"type": "null"})
        out = {**other, **{k: v for k, v in out.items() if k != "anyOf"}}
    items = out.get("prefixItems")
    if isinstance(items, list) and items and all(i == items[0] for i in items):
        out = {**{k: v for k, v in out.items() if k != "prefixItems"}, "items": items[0]}
    return out


@lru_cache(maxsize=None)
def _schema_text(role: str) -> str:
    return json.dumps(compact_schema(ROLE_SCHEMAS[role].model_json_schema()), separators=(",", ":"), ensure_ascii=False)


#: Context keys that carry an API the system prompt already documents: the system prompt then points there
#: instead of listing a second one (each API once per prompt).
EXTERNAL_STATE_KEY = "external_state_api"


def render_system(role: str, context: dict[str, Any] | None = None) -> str:
    """The system message of `role`; `context` decides which API docs it carries (each API once per prompt)."""
    external = bool(context and context.get(EXTERNAL_STATE_KEY))
    text = load_prompt(role).replace("{{schema}}", _schema_text(role))
    if "{{goal_vocabulary}}" in text:
        text = text.replace("{{goal_vocabulary}}", goal_vocabulary())
    if "{{state_api_doc}}" in text:
        text = text.replace("{{state_api_doc}}", f"(this task runs in an external env: its state API is `{EXTERNAL_STATE_KEY}` "
                            "in the context)" if external else state_api_doc())
    if "{{reach}}" in text or "{{reach_short}}" in text:  # the validator's own reach model, in words
        from roboskill.sim.validation import reach_summary

        text = text.replace("{{reach_short}}", reach_summary(short=True)).replace("{{reach}}", reach_summary())
    if "{{names_doc}}" in text:
        from roboskill.sim.names import names_doc

        text = text.replace("{{names_doc}}", "(none in an external env: its names are in `external_env`)"
                            if external else names_doc())
    if any("{{" + key + "}}" in text for key in RUN_FACT_KEYS):
        for key, value in run_facts().items():
            text = text.replace("{{" + key + "}}", value)
    if "{{primitives_doc}}" in text:
        lines = [f"- {p['name']}({', '.join(f'{k}: {v}' for k, v in p.get('args', {}).items())})" for p in primitives_catalog()]
        text = text.replace("{{primitives_doc}}", "(none in an external env)" if external else "\n".join(lines))
    return text


def render_context(role: str, context: dict[str, Any]) -> str:
    """The user message: the context as compact JSON (no indentation: it is for a model, not a person)."""
    body = json.dumps(context, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return f"CONTEXT for {role}:\n```json\n{body}\n```\n{ANSWER_INSTRUCTION}"


def render_messages(role: str, context: dict[str, Any]) -> list[BaseMessage]:
    """[SystemMessage(prompt file), HumanMessage(context json)] — the contract's prompt protocol."""
    return [SystemMessage(content=render_system(role, context)), HumanMessage(content=render_context(role, context))]


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
    """The JSON object of the first fenced block that holds one (or the first bare object in the text).

    Real models add prose around the block, omit the `json` tag or skip the fence; all of those are
    accepted. Only an object counts (every role answers with one): a list quoted from the prompt is never
    taken for the answer. Errors are worded for the model that has to fix them: an empty answer, invalid
    (perhaps truncated) JSON, a block holding something other than an object, or prose with no JSON at all.
    """
    if not text or not text.strip():
        raise JSONExtractionError("your answer was empty; answer with one fenced ```json block holding the whole object")
    errors: list[str] = []
    others: list[str] = []
    for block in _FENCE.findall(text):
        try:
            value = json.loads(block)
        except json.JSONDecodeError as exc:
            errors.append(f"line {exc.lineno} column {exc.colno}: {exc.msg}")
            continue
        if isinstance(value, dict):
            return value
        others.append(type(value).__name__)
    stripped = text.strip()
    decoder = json.JSONDecoder()
    broken: list[int] = []  # starts of JSON objects that did not parse (truncated, a trailing comma...)
    for n, match in enumerate(re.finditer(r"\{", stripped)):
        if n >= 50:  # a long answer full of braces: the fenced block was the place to look
            break
        if any(_encloses(stripped, b, match.start()) for b in broken):
            continue  # a piece of a broken answer (one scene object, one condition) is never the answer
        try:
            value = decoder.raw_decode(stripped[match.start():])[0]
        except json.JSONDecodeError as exc:
            if re.match(r'\{\s*"', stripped[match.start():]):  # JSON that breaks off, not prose
                broken.append(match.start())
                if not errors:
                    errors.append(f"line {exc.lineno} column {exc.colno}: {exc.msg}")
            continue
        if isinstance(value, dict):
            return value
    if errors:
        if _JS_ONLY.search(text):  # JavaScript habits that JSON does not allow
            raise JSONExtractionError(f"the JSON in your answer is invalid ({errors[0]}): JSON allows no comments "
                                      "(//) and no trailing comma before ] or }; send the whole object again as "
                                      "one fenced ```json block of valid JSON")
        raise JSONExtractionError(f"the JSON in your answer is invalid ({errors[0]}); it may be truncated: send the "
                                  "whole object again as one fenced ```json block of valid JSON")
    if others:
        raise JSONExtractionError(f"your ```json block holds a {others[0]}, not the JSON object the schema asks for; "
                                  "answer with the whole object {...}")
    raise JSONExtractionError("no JSON object in your answer; it was prose. Answer with one fenced ```json block "
                              "holding the object and nothing else")


def _encloses(text: str, start: int, pos: int) -> bool:
    """Whether the object opened at `start` is still open at `pos` (braces outside JSON strings counted)."""
    depth, in_string, escaped = 0, False, False
    for ch in text[start:pos]:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth <= 0:
                return False
    return depth > 0

# --------------------------------------------------------------------------- context window
#: Characters per token when sizing a prompt against `llm.context_window`. JSON, code and numbers tokenize
#: denser than prose (~3-3.5 characters per token for Llama / Qwen tokenizers), so this errs on the large side.
CHARS_PER_TOKEN = 3.2
#: Per-message overhead of the chat template (role markers, separators), in tokens.
MESSAGE_OVERHEAD_TOKENS = 8
#: The smallest answer budget (tokens) each role's answer needs; a prompt that leaves less is trimmed.
MIN_OUTPUT_TOKENS: dict[str, int] = {"proposer": 400, "goal_writer": 600, "scene_designer": 1200, "reward_writer": 2000,
                                     "critic": 500, "curator": 300}
REPAIRS = "<repairs>"
#: What each role's context gives up first when the prompt must fit, lowest priority first. REPAIRS stands for
#: the earlier repair turns and the echo of the rejected answer (the latest error is always kept).
TRIM_ORDER: dict[str, tuple[str, ...]] = {
    "proposer": ("rejected", "failed_tasks", REPAIRS, "learned_skills", "catalog"),
    "goal_writer": (REPAIRS, "catalog"),
    "scene_designer": (REPAIRS, "catalog", "previous_scene"),
    "reward_writer": ("examples", "reusable_skills", REPAIRS, "reflection", "previous_candidates", "critic_feedback", "component_feedback"),
    "critic": (REPAIRS, "scene", "candidates"),
    "curator": (REPAIRS, "last_proposal", "directives"),
}
#: Lists kept from their end when halved (newest last); every other list keeps its head (most relevant first).
_TAIL_KEYS = frozenset({"rejected", "directives"})
#: Lists never shortened, only their long texts cut (every candidate must stay in view).
_WHOLE_LISTS = frozenset({"candidates"})
_CUT = " …[cut to fit the context window]"


class PromptTooLarge(ValueError):
    """A role's prompt cannot fit `llm.context_window` even after trimming; the message names role and sizes."""


def estimate_prompt_tokens(messages: list[BaseMessage]) -> int:
    """Tokens a prompt takes, erring on the large side (`CHARS_PER_TOKEN`)."""
    chars = sum(len(m.content) if isinstance(m.content, str) else len(json.dumps(m.content)) for m in messages)
    return math.ceil(chars / CHARS_PER_TOKEN) + MESSAGE_OVERHEAD_TOKENS * len(messages)


@dataclass
class FittedPrompt:
    """Messages that fit the window, the answer budget left for them, and what was trimmed to get there."""

    messages: list[BaseMessage]
    max_tokens: int
    prompt_tokens: int
    trimmed: list[str] = field(default_factory=list)


def _longest_text(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return max((_longest_text(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return max((_longest_text(v) for v in value), default=0)
    return 0


def _cut_texts(value: Any, limit: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + _CUT
    if isinstance(value, dict):
        return {k: _cut_texts(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut_texts(v, limit) for v in value]
    return value


def _shrink(key: str, value: Any) -> tuple[Any, str] | None:
    """One step smaller: long texts halved, then lists halved, then the key dropped; None when nothing is left."""
    if value in (None, "", [], {}):
        return None
    longest = _longest_text(value)
    if longest > 300:
        return _cut_texts(value, longest // 2), f"{key} (texts cut to {longest // 2} characters)"
    if isinstance(value, list) and len(value) > 1 and key not in _WHOLE_LISTS:
        half = len(value) // 2
        kept = value[-half:] if key in _TAIL_KEYS else value[:half]
        return kept, f"{key} ({len(value)} -> {half})"
    if key in _WHOLE_LISTS:
        return None
    return ([] if isinstance(value, list) else None), f"{key} (left out)"


def fit_prompt(role: str, context: dict[str, Any], repairs: list[tuple[str, str]] | None = None, *,
               context_window: int, max_output_tokens: int) -> FittedPrompt:
    """The prompt of `role` (system, context, then each (rejected answer, error) repair turn) trimmed so that
    prompt + answer budget never exceed `context_window` tokens.

    The answer budget is `max_output_tokens`, lowered to what the window leaves; below the role's minimum
    (`MIN_OUTPUT_TOKENS`) the prompt is trimmed in `TRIM_ORDER`: low-priority context first (examples, long
    histories), then earlier repair turns and the echo of the rejected answer, then bigger context. Raises
    PromptTooLarge naming the role and the sizes when even that cannot fit.
    """
    need = min(MIN_OUTPUT_TOKENS.get(role, 500), max_output_tokens)
    ctx = dict(context)
    turns = list(repairs or [])
    trimmed: list[str] = []
    order = list(TRIM_ORDER.get(role, (REPAIRS,)))
    while True:
        messages = render_messages(role, ctx)
        for bad, error in turns:
            messages += repair_messages(bad, error)
        used = estimate_prompt_tokens(messages)
        room = context_window - used
        if room >= need:
            return FittedPrompt(messages, min(max_output_tokens, room), used, trimmed)
        step = None
        while order and step is None:
            key = order[0]
            if key == REPAIRS:
                if len(turns) > 1:
                    turns, step = turns[1:], "earlier repair turns"
                elif turns and len(turns[0][0]) > 400:
                    bad, error = turns[0]
                    turns, step = [(bad[: len(bad) // 2] + _CUT, error)], "the echo of the rejected answer"
            elif key in ctx:
                shrunk = _shrink(key, ctx[key])
                if shrunk is not None:
                    ctx[key], step = shrunk
            if step is None:
                order.pop(0)
        if step is None:
            raise PromptTooLarge(
                f"{role}: the prompt does not fit llm.context_window = {context_window} tokens: it takes about {used} "
                f"tokens{' after trimming ' + ', '.join(dict.fromkeys(trimmed)) if trimmed else ''}, and the answer "
                f"needs at least {need} more (llm.max_output_tokens = {max_output_tokens}). Raise llm.context_window "
                "(and the server's own limit: Ollama num_ctx, llama.cpp -c, vLLM --max-model-len) or use a model with "
                "a larger context window")
        trimmed.append(step)
