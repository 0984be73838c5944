"""A slow (CPU-served) local model: timeouts name the limit, are retried once, count tokens, fail visibly.

Against the loopback chat-completions server (tests/agents/chat_server.py) that answers later than the
client's timeout: the step fails after one identical retry with a reason naming `--llm-timeout`,
`llm.timeout_s` and `ROBOSKILL_LLM__TIMEOUT_S`; the prompt tokens of timed-out calls count against
`--max-tokens`; `run` and `chat` end with the failure table and a non-zero exit code.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from roboskill.agents.llm import Pricing, RetryPolicy, StepFailed, make_chat_model, structured_call
from roboskill.agents.prompts import render_messages
from roboskill.agents.runner import open_run
from roboskill.agents.schemas import TaskProposal
from roboskill.cli.main import app
from roboskill.config import LLMSettings, load_settings
from tests.agents import fakes as F
from tests.agents.chat_server import ChatServer
from tests.reliability._llm_run import deps_factory, role_of

GOOD = {"content": F.fenced(F.proposal())}
LATE = {"delay": 1.0, **GOOD}
LIMIT = 0.3
HINTS = ("0.3 s", "--llm-timeout", "llm.timeout_s", "ROBOSKILL_LLM__TIMEOUT_S")


def _call(server: ChatServer, sleeps: list[float], *, max_retries: int = 4, price: float = 0.0):
    settings = LLMSettings(provider="openai", base_url=server.base_url, model="m", timeout_s=LIMIT,
                           max_retries=max_retries, price_per_1k_input=price)
    policy = RetryPolicy(max_retries=max_retries, sleep=sleeps.append, timeout_s=settings.timeout_s)
    return structured_call(make_chat_model(settings, "proposer"), "proposer", {"attempt": 0}, schema=TaskProposal,
                           max_repairs=2, policy=policy, pricing=Pricing(price, 0.0))


def _prompt_tokens() -> int:
    return sum(len(str(m.content)) for m in render_messages("proposer", {"attempt": 0})) // 4


def test_a_timeout_is_retried_once_then_the_step_fails_naming_the_limit() -> None:
    sleeps: list[float] = []
    with ChatServer([LATE]) as server:
        with pytest.raises(StepFailed) as exc:
            _call(server, sleeps, max_retries=4, price=1.0)
    assert len(server.requests) == 2, "an identical request is sent at most twice however many retries are allowed"
    assert server.requests[0] == server.requests[1] and len(sleeps) == 1
    reason = exc.value.reason
    assert "timed out twice" in reason and all(h in reason for h in HINTS), reason
    usage = exc.value.usage
    assert usage.calls == 2 and usage.input_tokens == 2 * _prompt_tokens() > 0 and usage.output_tokens == 0
    assert usage.cost_usd == pytest.approx(usage.input_tokens / 1000)  # priced like any prompt


def test_one_timeout_then_an_answer_counts_both_calls() -> None:
    sleeps: list[float] = []
    with ChatServer([LATE, GOOD]) as server:
        res = _call(server, sleeps)
    assert res.value.name == "push_cube_left" and len(server.requests) == 2
    assert res.usage.calls == 2 and res.usage.input_tokens == _prompt_tokens() + 50  # estimate + the server's count


def test_no_retries_configured_means_one_request() -> None:
    sleeps: list[float] = []
    with ChatServer([LATE]) as server:
        with pytest.raises(StepFailed, match="after 0 retries: timed out; the limit is 0.3 s per call") as exc:
            _call(server, sleeps, max_retries=0)
    assert len(server.requests) == 1 and not sleeps and exc.value.usage.calls == 1


def test_max_tokens_stops_a_run_that_only_times_out() -> None:
    sleeps: list[float] = []
    settings = load_settings(llm={"provider": "openai", "base_url": "", "model": "m", "timeout_s": LIMIT},
                             budgets={"max_tasks": 4, "max_tokens": 100})
    with ChatServer([LATE]) as server:
        settings.llm.base_url = server.base_url
        with open_run(settings, deps_factory=deps_factory(F.FakeLibrary(), F.FakeTrainer([[1.0]]), sleeps)) as run:
            out = run.start()
    assert out.status == "finished"
    assert len(server.requests) == 2, "the budget stops the run after the first task's two timed-out calls"
    assert out.values["tokens"]["calls"] == 2 and out.values["tokens"]["total"] >= 100
    assert "token budget of 100 reached" in (out.values.get("stop_reason") or "")
    status = json.loads((run.run_dir / "run.json").read_text())
    assert "--llm-timeout" in status["failed"][0]["reason"]


@pytest.fixture()
def slow_server(monkeypatch: pytest.MonkeyPatch):
    """A server that answers every request too late; the CLI's runs use it with a fake trainer and library."""
    monkeypatch.setattr("roboskill.agents.runner.default_deps", deps_factory(F.FakeLibrary(), F.FakeTrainer([[1.0]]), []))
    with ChatServer([LATE]) as server:
        yield server


def _flags(server: ChatServer, timeout: float = LIMIT) -> list[str]:
    return ["--llm", "openai", "--base-url", server.base_url, "--model", "m", "--llm-timeout", str(timeout)]


def test_run_with_a_failing_model_prints_the_failure_table_and_exits_non_zero(slow_server: ChatServer) -> None:
    res = CliRunner().invoke(app, ["run", *_flags(slow_server), "--max-tasks", "1", "--no-live"])
    assert res.exit_code == 1, res.output
    assert "failed" in res.output and "--llm-timeout" in res.output
    assert len(slow_server.requests) == 2


def test_chat_with_a_failing_model_prints_the_failure_table_and_exits_non_zero(slow_server: ChatServer) -> None:
    res = CliRunner().invoke(app, ["chat", *_flags(slow_server), "--max-tasks", "1"], input="approve\n")
    assert res.exit_code == 1, res.output
    assert "0 skill(s) learned" not in res.output
    assert "failed" in res.output and "--llm-timeout" in res.output and "no skill learned" in res.output
    assert len(slow_server.requests) == 2


def test_learn_takes_the_timeout_flag(slow_server: ChatServer) -> None:
    res = CliRunner().invoke(app, ["learn", "push the cube", *_flags(slow_server, 0.2), "--no-live"])
    assert res.exit_code == 1, res.output
    assert role_of(slow_server.requests[0]) != "proposer" and len(slow_server.requests) == 2
    (run_dir,) = load_settings().runs_root.iterdir()
    (failed,) = json.loads((run_dir / "run.json").read_text())["failed"]
    assert "the limit is 0.2 s per call" in failed["reason"]
