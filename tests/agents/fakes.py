"""Scripted stand-ins for the outside world of the graph: chat models, library, trainer."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict, Field, PrivateAttr


def fenced(obj: Any) -> str:
    return "```json\n" + json.dumps(obj) + "\n```"


def role_of(messages: list[BaseMessage]) -> str:
    first = str(messages[0].content).splitlines()[0]
    assert first.startswith("ROLE: "), first
    return first[len("ROLE: "):].strip()


def context_of(messages: list[BaseMessage]) -> dict[str, Any]:
    """The JSON context of the first user message."""
    text = str(messages[1].content)
    return json.loads(text.split("```json\n", 1)[1].split("\n```", 1)[0])


Reply = str | dict | Exception | Callable[[list[BaseMessage]], Any]


class ScriptedChatModel(BaseChatModel):
    """Answers per role from a queue; the last entry repeats. Records every call (role, messages)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    scripts: dict[str, list[Any]] = Field(default_factory=dict)
    _calls: list[tuple[str, list[BaseMessage]]] = PrivateAttr(default_factory=list)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def calls(self) -> list[tuple[str, list[BaseMessage]]]:
        return self._calls

    def roles_called(self) -> list[str]:
        return [r for r, _ in self._calls]

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any) -> ChatResult:
        role = role_of(messages)
        with self._lock:
            self._calls.append((role, list(messages)))
            queue = self.scripts.get(role)
            if not queue and role == "goal_writer":  # most graph tests script the other roles only
                queue = [goal()]
            if not queue:
                raise AssertionError(f"no script for role {role}")
            item = queue.pop(0) if len(queue) > 1 else queue[0]
        if callable(item) and not isinstance(item, (str, dict)):
            item = item(messages)
        if isinstance(item, BaseException):
            raise item
        text = fenced(item) if isinstance(item, dict) else str(item)
        msg = AIMessage(content=text, usage_metadata={"input_tokens": 100, "output_tokens": 20, "total_tokens": 120})
        return ChatResult(generations=[ChatGeneration(message=msg)])


# ----------------------------------------------------------------------------- canned answers
def proposal(name: str = "push_cube_left", description: str = "Push the cube to the left.") -> dict:
    return {"name": name, "description": description, "rationale": "new", "subtasks": ["push"],
            "objects": ["cube"], "difficulty": 1}


def goal(obj: str = "cube") -> dict:
    """The goal writer's answer for the canned push task (the fake scene's cube moved 10 cm left)."""
    return {"goal": {"action": "push", "summary": f"The {obj} is 10 cm further left.",
                     "objects": [{"name": obj, "category": "box"}],
                     "conditions": [{"kind": "displaced", "object": obj, "direction": "left", "distance": 0.1}]}}


def refusal(reason: str = "cloth is deformable") -> dict:
    return {"refusal": {"reason": reason, "unsupported": ["towel"]}}


def scene(name: str = "push_cube_left", *, bad: bool = False) -> dict:
    obj = {"kind": "primitive", "name": "cube", "shape": "box", "size": [0.04, 0.04, 0.04],
           "placement": {"on": "table"}}
    if bad:
        obj["name"] = "bad_cube"
    return {"scene": {"name": name, "objects": [obj]}, "notes": ""}


GOOD_SUCCESS = "def is_success(state):\n    return state.object_position('cube')[1] > 0.1\n"
GOOD_REWARD = ("def compute_reward(state):\n    d = state.object_position('cube')[1]\n"
               "    return d, {'progress': d}\n")


def plan(task: str = "push_cube_left", *, learner: str = "trajopt", reward: str = GOOD_REWARD) -> dict:
    return {"task_name": task, "subtasks": [{"name": "push", "description": "push it left", "learner": learner,
                                             "reward_code": reward, "success_code": GOOD_SUCCESS, "horizon": 40}]}


def candidates(n: int = 2, **kw: Any) -> dict:
    return {"candidates": [plan(**kw) for _ in range(n)]}


def critique(action: str, best: int = 0, feedback: str = "ok") -> dict:
    return {"action": action, "feedback": feedback, "component_feedback": {"progress": "scale it"},
            "best_candidate": best, "reason": action}


# ----------------------------------------------------------------------------- library / trainer
class _Verdict:
    def __init__(self, novel: bool, nearest: list[tuple[str, float]]):
        self.novel, self.nearest = novel, nearest


class FakeLibrary:
    """In-memory library with the SkillLibrary semantics the graph relies on."""

    def __init__(self) -> None:
        self.skills: dict[str, Any] = {}
        self.failures: dict[str, Any] = {}
        self.add_calls = 0

    def is_novel(self, description: str, k: int = 5) -> _Verdict:
        for rec in self.skills.values():
            if rec.description.lower() == description.lower():
                return _Verdict(False, [(rec.name, 0.99)])
        return _Verdict(True, [])

    def similar_successful(self, description: str, k: int = 3) -> list[Any]:
        return list(self.skills.values())[:k]

    def add_skill(self, record: Any) -> Any:
        self.add_calls += 1
        self.skills[f"{record.run_id}/{record.task_id}"] = record
        return record

    def add_failure(self, record: Any) -> Any:
        self.failures[f"{record.run_id}/{record.task_id}"] = record
        return record

    def list(self) -> list[Any]:  # noqa: A003
        return list(self.skills.values())

    def list_failures(self) -> list[Any]:
        return list(self.failures.values())


def report(success: float, error: str | None = None, n: int = 20) -> dict:
    return {"success_rate": success, "mean_return": success, "mean_length": 10.0, "time_to_success": None,
            "n_episodes": n, "judged_by": "goal", "success_ci95": [max(0.0, success - 0.2), min(1.0, success + 0.1)],
            "subtasks": [], "reflection_text": f"progress mean {success}", "wall_time_s": 0.1,
            "sim_time_s": 0.1, "train_time_s": 0.1, "artefacts": {"video": "/tmp/x/rollout.mp4"}, "error": error}


class FakeTrainer:
    """Returns scripted success rates per call: `rates[call] -> list per candidate` (last repeats)."""

    def __init__(self, rates: list[list[float]]):
        self.rates = rates
        self.calls: list[list[Any]] = []

    def __call__(self, requests: list[Any], progress: Any = None) -> list[dict]:
        self.calls.append(requests)
        row = self.rates[min(len(self.calls) - 1, len(self.rates) - 1)]
        if progress:
            progress({"done": 1, "total": 1})
        return [report(row[min(i, len(row) - 1)]) for i in range(len(requests))]


def now() -> datetime:
    return datetime.now(timezone.utc)


def sleepy_job(seconds: float) -> str:
    """An importable job for executor tests: returns "fast" at once, else sleeps first."""
    import time

    if seconds <= 0:
        return "fast"
    time.sleep(seconds)
    return "slow"
