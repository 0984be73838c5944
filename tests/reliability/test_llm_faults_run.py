"""LLM faults across a WHOLE run (the graph, real `openai` provider, loopback server, fake trainer).

tests/agents/test_openai_provider.py proves each fault is retried/repaired for one call. Here each fault hits
one role in the middle of a run: a transient fault must be retried within bounds and the run must learn the
skill anyway; a persistent fault must make that *step* give up with the reason recorded (run.json `failed`,
a `step_failed` decision in the traces, a FailedTaskRecord in the library) while the run itself finishes —
never a crash. Retry waits go through `Deps.retry_sleep`, recorded instead of slept.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from roboskill.agents.llm import MAX_ANSWER_CHARS
from roboskill.agents.runner import open_run
from tests.agents import fakes as F
from tests.agents.chat_server import ChatServer
from tests.reliability._llm_run import FaultScript, decisions, deps_factory, llm_spans, role_of, settings_for

MAX_RETRIES, MAX_REPAIRS = 2, 2

TRANSPORT = {
    "timeout": {"delay": 1.2, "content": "late"},
    "429_retry_after": {"status": 429, "headers": {"Retry-After": "7"}},
    "500": {"status": 500},
    "503": {"status": 503},
    "reset": {"reset": True},
}
CONTENT = {
    "truncated_json": {"content": '```json\n{"candidates": [{"task_name": "push_cube_left", "subt'},
    "prose": {"content": "Sure! I would push the cube to the left with a trajopt learner."},
    "wrong_schema": {"content": F.fenced({"plans": ["push it"]})},
    "empty": {"content": ""},
    "far_too_long": {"content": "```json\n{\"candidates\": [" + " " * (MAX_ANSWER_CHARS + 10) + "]}\n```"},
    "hit_length_limit": {"content": '```json\n{"candidates": [' + '"x", ' * 2000, "finish": "length"},
}


def _run(server: ChatServer, **llm: Any) -> tuple[Any, Any, F.FakeLibrary, list[float]]:
    lib, sleeps = F.FakeLibrary(), []
    settings = settings_for(server.base_url, max_retries=MAX_RETRIES, timeout_s=llm.pop("timeout_s", 5.0), **llm)
    with open_run(settings, deps_factory=deps_factory(lib, F.FakeTrainer([[1.0]]), sleeps)) as run:
        out = run.start()
    return run, out, lib, sleeps


def _role_requests(server: ChatServer, role: str) -> int:
    return sum(1 for body in server.requests if role_of(body) == role)


@pytest.mark.parametrize("fault, role", [(f, "critic") for f in sorted(TRANSPORT)]
                         + [("429_retry_after", "scene_designer"), ("reset", "proposer")])
def test_transient_transport_fault_is_retried_and_run_learns(fault: str, role: str) -> None:
    retries = 1 if fault == "timeout" else MAX_RETRIES  # a timed-out request is sent once more, never again
    script = FaultScript(role, TRANSPORT[fault], times=retries)  # the last allowed retry succeeds
    with ChatServer([script]) as server:
        run, out, lib, sleeps = _run(server, timeout_s=0.5 if fault == "timeout" else 5.0)
    assert out.status == "finished", out
    assert [r.name for r in lib.list()] == ["push_cube_left"]
    assert _role_requests(server, role) == retries + 1
    assert len(sleeps) == retries
    if fault == "429_retry_after":
        assert sleeps == [7.0, 7.0], "Retry-After must be honoured"
    assert all(s <= 30.0 for s in sleeps), "backoff is capped"
    status = json.loads((run.run_dir / "run.json").read_text())
    assert status["status"] == "finished" and status["skills"][0]["name"] == "push_cube_left"
    assert not decisions(run.run_dir, "step_failed")


@pytest.mark.parametrize("fault", sorted(CONTENT))
def test_malformed_answer_mid_run_is_repaired(fault: str) -> None:
    script = FaultScript("reward_writer", CONTENT[fault], times=MAX_REPAIRS)  # the last repair succeeds
    with ChatServer([script]) as server:
        run, out, lib, _ = _run(server)
    assert out.status == "finished" and [r.name for r in lib.list()] == ["push_cube_left"]
    writer = [b for b in server.requests if role_of(b) == "reward_writer"]
    assert len(writer) == MAX_REPAIRS + 1
    last = writer[-1]["messages"]
    assert last[-1]["content"].startswith("REPAIR:"), "the repair turn carries the error back to the role"
    if fault == "far_too_long":
        assert "far too long" in last[-1]["content"]
        assert len(last[-2]["content"]) <= 20_000 + 100, "the echoed bad answer is capped in the repair prompt"


@pytest.mark.parametrize("fault", ["500", "reset", "timeout", "429_retry_after", "prose", "empty", "far_too_long",
                                   "wrong_schema"])
def test_persistent_fault_gives_up_on_the_step_with_a_recorded_reason(fault: str) -> None:
    behaviour = TRANSPORT.get(fault) or CONTENT[fault]
    script = FaultScript("reward_writer", behaviour, times=10**6)
    with ChatServer([script]) as server:
        run, out, lib, sleeps = _run(server, timeout_s=0.5 if fault == "timeout" else 5.0)
    assert out.status == "finished", "a failed step ends the task, not the run"
    assert not lib.list()
    writer = _role_requests(server, "reward_writer")
    if fault == "timeout":  # identical request retried once; the reason names the limit and how to raise it
        assert writer == 2 and len(sleeps) == 1
        expected = "timed out twice; the limit is 0.5 s per call: raise it with --llm-timeout"
    elif fault in TRANSPORT:
        assert writer == MAX_RETRIES + 1 and len(sleeps) == MAX_RETRIES
        expected = f"after {MAX_RETRIES} retries"
    else:
        assert writer == MAX_REPAIRS + 1
        expected = f"no valid answer after {MAX_REPAIRS} repairs"
    # the reason is recorded in all three places a person or the proposer looks
    status = json.loads((run.run_dir / "run.json").read_text())
    assert status["status"] == "finished"
    (failed,) = status["failed"]
    assert "write_rewards failed" in failed["reason"] and expected in failed["reason"], failed
    (fail_rec,) = lib.list_failures()
    assert expected in fail_rec.reason
    (step,) = decisions(run.run_dir, "step_failed")
    assert step["role"] == "reward_writer" and expected in step["reason"]
    assert decisions(run.run_dir, "give_up")
    # the roles after the failed step were never asked
    assert _role_requests(server, "critic") == 0


def test_auth_error_gives_up_at_once_with_reason() -> None:
    with ChatServer([FaultScript("proposer", {"status": 401}, times=10**6)]) as server:
        run, out, lib, sleeps = _run(server)
    assert out.status == "finished" and len(server.requests) == 1 and not sleeps
    (failed,) = json.loads((run.run_dir / "run.json").read_text())["failed"]
    assert "HTTP 401" in failed["reason"]


def test_mixed_faults_across_every_role_still_learn() -> None:
    """One transient fault per role, different each time: the run learns, usage only counts answers."""
    faults = {"proposer": TRANSPORT["429_retry_after"], "goal_writer": CONTENT["truncated_json"],
              "scene_designer": CONTENT["prose"], "reward_writer": TRANSPORT["reset"], "critic": CONTENT["wrong_schema"]}
    scripts = {role: FaultScript(role, f, times=1) for role, f in faults.items()}

    def behaviour(body: dict[str, Any]) -> dict[str, Any]:
        return scripts[role_of(body)](body)

    with ChatServer([behaviour]) as server:
        run, out, lib, sleeps = _run(server)
    assert out.status == "finished" and [r.name for r in lib.list()] == ["push_cube_left"]
    assert len(server.requests) == 10 and len(sleeps) == 2
    assert out.values["tokens"]["calls"] == 8  # 5 good answers + 3 repaired bad ones; failed HTTP has no usage
    spans = llm_spans(run.run_dir)
    assert len([s for s, _ in spans if s == "ok"]) >= 8
