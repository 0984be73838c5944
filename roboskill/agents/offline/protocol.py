"""Reading the prompt protocol (docs/contracts.md, "Agents") from chat messages, and seeding.

The offline model sees exactly what an LLM sees: a system message whose first line is
`ROLE: <role>`, a user message with one fenced ```json context block, and — after an invalid
answer — the answer plus a `REPAIR:` user message naming the error. Nothing else is passed to it.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_ROLE = re.compile(r"^\s*ROLE:\s*([a-z_]+)", re.IGNORECASE)


@dataclass
class Prompt:
    role: str | None
    system: str
    context: dict[str, Any]
    repairs: list[str] = field(default_factory=list)
    raw_user: str = ""


def _text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    parts = []
    for item in content:  # multimodal content lists: keep the text parts
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, dict) and item.get("type") == "text":
            parts.append(str(item.get("text", "")))
    return "\n".join(parts)


def read_prompt(messages: list[BaseMessage]) -> Prompt:
    """Role, system text, context dict and REPAIR errors of a conversation."""
    system = next((_text(m) for m in messages if m.type == "system"), "")
    role = None
    if m := _ROLE.match(system):
        role = m.group(1).lower()
    humans = [_text(m) for m in messages if m.type == "human"]
    context: dict[str, Any] = {}
    raw_user = humans[0] if humans else ""
    for block in _FENCE.findall(raw_user):
        try:
            value = json.loads(block)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            context = value
            break
    if role is None and (m := _ROLE.match(raw_user)):
        role = m.group(1).lower()
    repairs = [h for h in humans[1:] if h.lstrip().upper().startswith("REPAIR")]
    return Prompt(role, system, context, repairs, raw_user)


def prompt_seed(seed: int, messages: list[BaseMessage]) -> int:
    """seed + a hash of every message's type and text: same prompt -> same answer, any change -> new one."""
    h = hashlib.sha256(str(int(seed)).encode())
    for m in messages:
        h.update(m.type.encode())
        h.update(b"\x00")
        h.update(_text(m).encode("utf-8", "replace"))
        h.update(b"\x01")
    return int.from_bytes(h.digest()[:8], "big")


def rng_for(seed: int, messages: list[BaseMessage]) -> random.Random:
    return random.Random(prompt_seed(seed, messages))


def fenced(obj: Any) -> str:
    """One fenced ```json block, as the prompts ask."""
    return "```json\n" + json.dumps(obj, indent=1, ensure_ascii=False) + "\n```"


def estimate_tokens(text: str) -> int:
    """Rough token count (~4 characters per token, as tiktoken gives for English/JSON) for budgets."""
    return max(1, (len(text) + 3) // 4)
