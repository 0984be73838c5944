"""Replay hand-written model transcripts from a loopback chat-completions server.

A transcript (tests/replay/transcripts/<name>.yaml) holds, per agent role, the ordered answers a real
model gave. `ReplayServer` wraps `tests.agents.chat_server.ChatServer`: every request is routed by the
role its system prompt names on its first line (`ROLE: <role>`) to that role's next answer, and every
request is recorded with the feedback the system sent back to the model in it (the last `REPAIR:` turn,
and the context's `validation_errors` / `sandbox_errors` / `critic_feedback`).

When the system asks a role more often than the transcript has answers, the server answers HTTP 400 (not
retried, so the run stops at once), prints which role and the last feedback the system sent, and
`check()` fails the test with the same words. `check()` also fails when an answer was never asked for:
then a mistake the transcript expects the system to catch went through unnoticed.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.agents.chat_server import ChatServer

ROLES = ("proposer", "goal_writer", "scene_designer", "reward_writer", "critic", "curator")
#: Context keys that carry the system's feedback on an earlier answer (graph-level repairs).
FEEDBACK_KEYS = ("validation_errors", "sandbox_errors", "reflection", "critic_feedback", "component_feedback", "novelty_feedback")
_CONTEXT = re.compile(r"CONTEXT for \w+:\n```json\n(.*)\n```", re.DOTALL)


@dataclass
class Answer:
    """One answer of a role, as the model gave it."""

    content: str
    finish: str = "stop"                 # "length": the server reports the answer cut at the token limit
    mistake: str | None = None           # what is wrong with it (None: a good answer)
    note: str = ""                       # why it is realistic / what the system must do with it
    expect_feedback: list[str] = field(default_factory=list)
    """Words the system's next request to this role must contain (its repair message or context errors)."""


@dataclass
class Transcript:
    name: str
    instruction: str
    model: str
    expect: dict[str, Any]
    answers: dict[str, list[Answer]]
    path: Path | None = None

    @classmethod
    def load(cls, path: Path) -> "Transcript":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        unknown = set(data) - {"name", "instruction", "model", "expect", "answers"}
        assert not unknown, f"{path}: unknown keys {sorted(unknown)}"
        answers: dict[str, list[Answer]] = {}
        for role, items in (data.get("answers") or {}).items():
            assert role in ROLES, f"{path}: unknown role {role!r}"
            answers[role] = []
            for i, item in enumerate(items):
                extra = set(item) - {"content", "finish", "mistake", "note", "expect_feedback"}
                assert not extra, f"{path}: {role}[{i}] has unknown keys {sorted(extra)}"
                assert item.get("finish", "stop") in ("stop", "length"), f"{path}: {role}[{i}].finish"
                assert bool(item.get("mistake")) == bool(item.get("expect_feedback")), (
                    f"{path}: {role}[{i}]: an answer with a mistake says which feedback the system must send back "
                    "(expect_feedback), and only such an answer")
                answers[role].append(Answer(**item))
        expect = dict(data.get("expect") or {})
        assert ("learned" in expect) != bool(expect.get("refused")), f"{path}: expect `learned: NAME` or `refused: true`"
        return cls(data["name"], data["instruction"], data.get("model", "replay-model"), expect, answers, path)


@dataclass
class Call:
    """One request the system sent: which role, which of its answers it got, and the feedback it carried."""

    role: str
    index: int
    body: dict[str, Any]
    repair: str = ""                      # the last REPAIR: turn (answer-format / schema repairs)
    context_feedback: dict[str, Any] = field(default_factory=dict)

    @property
    def feedback(self) -> str:
        """The feedback as plain text: the REPAIR turn, then one line per context value (strings unescaped)."""
        parts = [self.repair] + [f"{k}: {line}" for k, v in self.context_feedback.items() for line in _lines(v)]
        return "\n".join(p for p in parts if p)


def _lines(value: Any, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        return [line for k, v in value.items() for line in _lines(v, f"{prefix}{k}=")]
    if isinstance(value, list):
        return [line for v in value for line in _lines(v, prefix)]
    return [f"{prefix}{value}"]


def _text(content: Any) -> str:
    if isinstance(content, list):  # multimodal parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content or "")


def role_of(body: dict[str, Any]) -> str:
    first = _text(body["messages"][0]["content"]).splitlines()[0]
    assert first.startswith("ROLE: "), f"a request whose system prompt does not start with 'ROLE: ': {first[:80]!r}"
    return first.removeprefix("ROLE: ").strip()


def feedback_of(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(last REPAIR turn, non-empty feedback keys of the context) of one request."""
    messages = body.get("messages") or []
    repairs = [_text(m.get("content")) for m in messages[2:] if m.get("role") == "user"]
    repair = next((r for r in reversed(repairs) if r.startswith("REPAIR:")), "")
    context: dict[str, Any] = {}
    if len(messages) > 1:
        m = _CONTEXT.search(_text(messages[1].get("content")))
        if m:
            try:
                context = json.loads(m.group(1))
            except json.JSONDecodeError:
                context = {}
    return repair, {k: context[k] for k in FEEDBACK_KEYS if context.get(k)}


class ReplayServer:
    """A loopback chat-completions server that answers each role from a transcript, in order."""

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self.calls: list[Call] = []
        self.overruns: list[str] = []
        self._served = {role: 0 for role in ROLES}
        self._lock = threading.Lock()
        self.chat = ChatServer([self._answer])

    @property
    def base_url(self) -> str:
        return self.chat.base_url

    def __enter__(self) -> "ReplayServer":
        self.chat.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.chat.__exit__(*exc)

    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        role = role_of(body)
        repair, context = feedback_of(body)
        answers = self.transcript.answers.get(role, [])
        with self._lock:
            index = self._served[role]
            call = Call(role, index, body, repair, context)
            self.calls.append(call)
            if index >= len(answers):
                message = (f"replay transcript {self.transcript.name!r} exhausted: the system asked {role} for answer "
                           f"#{index + 1}, the transcript has {len(answers)}. The last feedback the system sent "
                           f"back to {role}: {call.feedback or '(none)'}")
                self.overruns.append(message)
                print(f"\nREPLAY OVERRUN: {message}", file=sys.stderr, flush=True)
                return {"status": 400, "body": {"error": {"message": message, "type": "replay_exhausted"}}}
            self._served[role] = index + 1
        answer = answers[index]
        return {"content": answer.content, "finish": answer.finish}

    # ------------------------------------------------------------------------------------- checks
    def calls_of(self, role: str) -> list[Call]:
        return [c for c in self.calls if c.role == role]

    def check(self) -> None:
        """Fail loudly when the system asked a role too often, or never asked for an answer."""
        assert not self.overruns, "\n".join(self.overruns)
        unused = [f"{role} answer #{len(self.calls_of(role)) + 1} of {len(answers)}"
                  + (f" (after {answers[len(self.calls_of(role)) - 1].mistake!r}, which the system should have "
                     "sent back)" if self.calls_of(role) and answers[len(self.calls_of(role)) - 1].mistake else "")
                  for role, answers in self.transcript.answers.items() if len(self.calls_of(role)) < len(answers)]
        assert not unused, f"transcript {self.transcript.name!r}: answers never asked for: {'; '.join(unused)}"

    def feedback_problems(self) -> list[str]:
        """For every answer with a mistake: the words the system's next request to that role lacks."""
        problems = []
        for role, answers in self.transcript.answers.items():
            calls = self.calls_of(role)
            for i, answer in enumerate(answers):
                if not answer.expect_feedback:
                    continue
                if i + 1 >= len(calls):
                    problems.append(f"{role} answer #{i + 1} ({answer.mistake}): the system never came back to {role}")
                    continue
                text = calls[i + 1].feedback
                missing = [w for w in answer.expect_feedback if w.lower() not in text.lower()]
                if missing:
                    problems.append(f"{role} answer #{i + 1} ({answer.mistake}): the feedback lacks {missing}; "
                                    f"it was: {text or '(none)'}")
        return problems
