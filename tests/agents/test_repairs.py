"""Repairs change something: each repair request samples differently, and its error says what to do.

Measured with small local models: every repair resent `seed: 0` at the same temperature and the model
repeated itself word for word (0 of 9 repairs helped); a prose answer was reported as "expected a JSON
object, got list" (a list quoted from the prompt had been parsed) and an answer cut at the token limit as a
JSON error; failed proposer steps became "unnamed_task" failures fed back to later proposals.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from roboskill.agents.llm import PromptBudget, RetryPolicy, StepFailed, make_chat_model, structured_call
from roboskill.agents.prompts import JSONExtractionError, extract_json
from roboskill.agents.schemas import TaskProposal
from roboskill.config import LLMSettings
from tests.agents import fakes as F
from tests.agents.chat_server import ChatServer
from tests.agents.test_graph import make_deps, run

PROSE = {"content": 'I would propose pushing the cube; the catalog lists ["cube", "mug"] and the robot can reach it.'}
CUT = {"content": '```json\n{"name": "push_cube_left", "description": "Push the cube to the le', "finish": "length"}
GOOD = {"content": F.fenced(F.proposal())}


def _call(server: ChatServer, *, budget: PromptBudget | None = None, max_repairs: int = 3, **kw):
    settings = LLMSettings(provider="openai", base_url=server.base_url, model="m", max_retries=0, temperature=0.2,
                           seed=7, **kw)
    return structured_call(make_chat_model(settings, "proposer"), "proposer", {"attempt": 0}, schema=TaskProposal,
                           max_repairs=max_repairs, policy=RetryPolicy(max_retries=0), budget=budget)


def _repair_text(body: dict) -> str:
    return body["messages"][-1]["content"]


def test_each_repair_samples_differently_and_says_what_is_wrong() -> None:
    with ChatServer([PROSE, CUT, GOOD]) as server:
        result = _call(server, budget=PromptBudget(8192, 1000))
    assert result.value.name == "push_cube_left" and result.attempts == 3
    first, second, third = server.requests
    assert (first["temperature"], first["seed"]) == (0.2, 7)  # the configured request first
    samplings = {(b["temperature"], b["seed"]) for b in server.requests}
    assert len(samplings) == 3 and second["temperature"] > first["temperature"]  # every repair is a new draw
    assert "no JSON object in your answer; it was prose" in _repair_text(second)
    assert "got list" not in _repair_text(second)  # the quoted list is not taken for an answer
    assert "your answer was cut at the token limit" in _repair_text(third) and "answer shorter" in _repair_text(third)
    assert result.errors[0].startswith("no JSON object") and result.errors[1].startswith("your answer was cut")


def test_repairs_vary_even_without_a_budget() -> None:
    with ChatServer([PROSE, PROSE, GOOD]) as server:
        _call(server)
    seeds = [b.get("seed") for b in server.requests]
    assert len(set(seeds)) == 3


def test_the_offline_and_scripted_models_get_no_request_parameters() -> None:
    seen: list[dict] = []

    class Recording(F.ScriptedChatModel):
        def _generate(self, messages, stop=None, run_manager=None, **kw):
            seen.append(kw)
            return super()._generate(messages, stop, run_manager, **kw)

    model = Recording(scripts={"proposer": ["just prose", F.proposal()]})
    structured_call(model, "proposer", {"attempt": 0}, schema=TaskProposal, budget=PromptBudget(8192, 1000))
    assert seen == [{}, {}]


@pytest.mark.parametrize(("answer", "says"), [
    ("", "your answer was empty"),
    ("Let me think about it. The robot is at (-0.6, 0, 0) and the objects are [cube, mug].", "it was prose"),
    ('```json\n["push_cube_left"]\n```', "holds a list, not the JSON object"),
    ('```json\n{"name": "push", "description": ', "invalid"),
    ('{"name": "x", "descr', "may be truncated"),
])
def test_errors_a_model_can_act_on(answer: str, says: str) -> None:
    with pytest.raises(JSONExtractionError, match=says):
        extract_json(answer)


def test_objects_are_found_around_prose_and_quoted_lists() -> None:
    assert extract_json('The catalog has ["cube"]. Answer:\n{"name": "a"}\nDone.') == {"name": "a"}
    assert extract_json('```json\n[1, 2]\n```\nOops, here:\n```json\n{"name": "b"}\n```') == {"name": "b"}


def test_a_failed_proposer_step_leaves_no_nameless_failure(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={"proposer": ["I cannot think of a task."]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[1.0]]))
    out = run(deps)
    assert deps.library.list_failures() == []  # nothing for later proposals to steer away from
    (failed,) = out["failed"]
    assert failed["name"] == "no_proposal" and "it was prose" in failed["reason"]


def test_old_nameless_failures_are_not_shown_to_the_proposer() -> None:
    from roboskill.agents.proposer import proposer_context

    old = SimpleNamespace(name="unnamed_task", description="unnamed_task", reason="proposer failed", key="r/1")
    real = SimpleNamespace(name="stack_cups", description="Stack the two cups.", reason="unstable", key="r/2")
    library = SimpleNamespace(list=lambda: [], list_failures=lambda: [old, real])
    deps = SimpleNamespace(library=library, catalog=lambda: [], articulated_kinds=[])
    ctx = proposer_context(deps, {})
    assert [f["name"] for f in ctx["failed_tasks"]] == ["stack_cups"]


def test_a_step_that_never_gets_a_valid_answer_names_the_last_problem() -> None:
    with ChatServer([PROSE]) as server, pytest.raises(StepFailed, match="it was prose"):
        _call(server, max_repairs=1)
