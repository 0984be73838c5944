"""The `openai` provider against a real chat-completions server on loopback: faults and repairs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from roboskill.agents.llm import ChatModels, LLMConfigError, Pricing, RetryPolicy, StepFailed, make_chat_model, structured_call
from roboskill.agents.schemas import TaskProposal
from roboskill.config import LLMSettings, load_settings
from tests.agents import fakes as F
from tests.agents.chat_server import ChatServer

GOOD = {"content": F.fenced(F.proposal())}


def llm(server: ChatServer, **kw: Any) -> LLMSettings:
    return LLMSettings(provider="openai", base_url=server.base_url, model="test-model", timeout_s=kw.pop("timeout_s", 5.0),
                       max_retries=kw.pop("max_retries", 3), **kw)


def call(server: ChatServer, sleeps: list[float] | None = None, *, max_repairs: int = 3, **kw: Any):
    settings = llm(server, **kw)
    policy = RetryPolicy(max_retries=settings.max_retries, sleep=(sleeps.append if sleeps is not None else (lambda s: None)))
    return structured_call(make_chat_model(settings, "proposer"), "proposer", {"attempt": 0}, schema=TaskProposal,
                           max_repairs=max_repairs, policy=policy,
                           pricing=Pricing(settings.price_per_1k_input, settings.price_per_1k_output))


def test_plain_success_records_usage_and_cost() -> None:
    with ChatServer([GOOD]) as server:
        res = call(server, price_per_1k_input=0.5, price_per_1k_output=2.0)
    assert res.value.name == "push_cube_left" and res.attempts == 1
    assert (res.usage.input_tokens, res.usage.output_tokens) == (50, 10)
    assert res.usage.cost_usd == pytest.approx(50 / 1000 * 0.5 + 10 / 1000 * 2.0)
    body = server.requests[0]
    assert body["model"] == "test-model"
    assert body["messages"][0]["content"].startswith("ROLE: proposer")
    assert "```json" in body["messages"][1]["content"]


def test_429_honours_retry_after() -> None:
    sleeps: list[float] = []
    with ChatServer([{"status": 429, "headers": {"Retry-After": "2"}}, GOOD]) as server:
        res = call(server, sleeps)
    assert res.value.name == "push_cube_left" and len(server.requests) == 2
    assert sleeps == [2.0]


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 503}, {"status": 502}, {"reset": True}])
def test_transient_faults_are_retried(fault: dict) -> None:
    sleeps: list[float] = []
    with ChatServer([fault, fault, GOOD]) as server:
        res = call(server, sleeps)
    assert res.value.name == "push_cube_left" and len(server.requests) == 3 and len(sleeps) == 2


def test_timeout_is_retried() -> None:
    with ChatServer([{"delay": 1.5, **GOOD}, GOOD]) as server:
        res = call(server, timeout_s=0.4)
    assert res.value.name == "push_cube_left" and len(server.requests) == 2


def test_retries_are_bounded() -> None:
    sleeps: list[float] = []
    with ChatServer([{"status": 500}]) as server:
        with pytest.raises(StepFailed, match="after 2 retries: HTTP 500"):
            call(server, sleeps, max_retries=2)
    assert len(server.requests) == 3 and len(sleeps) == 2


def test_auth_error_is_not_retried() -> None:
    with ChatServer([{"status": 401}]) as server:
        with pytest.raises(StepFailed, match="HTTP 401"):
            call(server)
    assert len(server.requests) == 1


@pytest.mark.parametrize("bad", [
    {"content": "Sure! The robot should push the cube to the left."},                 # prose instead of JSON
    {"content": '```json\n{"name": "push_cube_left", "descr'},                          # truncated JSON
    {"content": ""},                                                                  # empty content
    {"content": F.fenced({"task": "push"})},                                          # wrong schema
    {"content": '```json\n{"name": "push_cube_left", "description": "x' + "y" * 5000, "finish": "length"},  # too long
])
def test_malformed_output_is_repaired(bad: dict) -> None:
    with ChatServer([bad, GOOD]) as server:
        res = call(server)
    assert res.attempts == 2 and res.value.name == "push_cube_left"
    repair = server.requests[1]["messages"]
    assert repair[-2]["role"] == "assistant" and repair[-1]["content"].startswith("REPAIR:")
    assert res.errors and res.errors[0] in repair[-1]["content"]


def test_repairs_are_bounded() -> None:
    with ChatServer([{"content": "no json here"}]) as server:
        with pytest.raises(StepFailed, match="no valid answer after 2 repairs; last error: no JSON object in your answer; it was prose"):
            call(server, max_repairs=2)
    assert len(server.requests) == 3


def test_role_model_override_and_key_handling(monkeypatch: pytest.MonkeyPatch) -> None:
    with ChatServer([GOOD]) as server:
        settings = llm(server, role_models={"proposer": "big-model"})
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret")
        structured_call(make_chat_model(settings, "proposer"), "proposer", {}, max_repairs=0)
    assert server.requests[0]["model"] == "big-model"
    assert {k.lower(): v for k, v in server.headers[0].items()}["authorization"] == "Bearer sk-test-secret"
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(LLMConfigError, match="OPENAI_API_KEY"):
        make_chat_model(LLMSettings(provider="openai"), "proposer")


def _role_answer(body: dict) -> dict:
    role = body["messages"][0]["content"].splitlines()[0].removeprefix("ROLE: ")
    n_repairs = sum(1 for m in body["messages"] if str(m.get("content", "")).startswith("REPAIR:"))
    answers = {"proposer": F.proposal(), "goal_writer": F.goal(), "scene_designer": F.scene(), "reward_writer": F.candidates(),
               "critic": F.critique("accept")}
    if role == "reward_writer" and n_repairs == 0:
        return {"content": "Here is my plan: use a trajopt learner."}  # prose first: repaired
    return {"content": F.fenced(answers[role])}


def test_full_run_against_server(tmp_path: Path) -> None:
    """A whole graph run with the openai provider; a 429 and a 500 on the way, one repair."""
    from roboskill.agents.deps import Deps
    from roboskill.agents.runner import open_run

    with ChatServer([{"status": 429, "headers": {"Retry-After": "0"}}, {"status": 500}, _role_answer]) as server:
        settings = load_settings(llm={"provider": "openai", "base_url": server.base_url, "model": "m"},
                                 budgets={"max_tasks": 1})
        lib = F.FakeLibrary()

        def make(settings, run_dir, run_id, tracer, callbacks) -> Deps:
            return Deps(settings=settings, models=ChatModels(settings.llm), library=lib, trainer=F.FakeTrainer([[1.0]]),
                        run_dir=run_dir, tracer=tracer, callbacks=callbacks, retry_sleep=lambda s: None)

        with open_run(settings, deps_factory=make) as run:
            out = run.start()
    assert out.status == "finished" and [r.name for r in lib.list()] == ["push_cube_left"]
    roles = [server.role_of(i) for i in range(len(server.requests))]
    assert roles == ["proposer", "proposer", "proposer", "goal_writer", "scene_designer", "reward_writer",
                     "reward_writer", "critic"]
    assert out.values["tokens"]["calls"] == 6  # failed HTTP attempts carry no usage; 6 answers
    status = json.loads((run.run_dir / "run.json").read_text())
    assert status["tokens"]["total"] == 6 * 60
