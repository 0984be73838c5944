"""Provider structured output (`llm.structured_output`) against a real chat-completions server on loopback.

What is checked is the HTTP request a real `ChatOpenAI` sends (response_format present or not, per-call
options on repairs) and what `structured_call` makes of the answers: a clean JSON answer is taken as parsed,
prose around the JSON still goes through the text parser, and an endpoint that rejects response_format makes
`auto` step down (json_schema → json_mode → off) once per model, while an explicit mode fails the step naming
the setting.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from roboskill.agents.llm import (
    PromptBudget, RetryPolicy, StepFailed, make_chat_model, rejects_response_format, repair_variation,
    response_format_schema, structured_call, structured_output_of,
)
from roboskill.agents.schemas import ROLE_SCHEMAS
from roboskill.config import ConfigError, LLMSettings, load_settings
from tests.agents.chat_server import ChatServer

ROLE = "proposer"
SCHEMA = ROLE_SCHEMAS[ROLE]  # TaskProposal: small, with field validators the provider's schema cannot express
ANSWER = SCHEMA(name="stack_red_cube", description="Stack the red cube on the blue cube.", rationale="new",
                objects=["red_cube", "blue_cube"], difficulty=2).model_dump()
CLEAN = {"content": json.dumps(ANSWER)}
PROSE = {"content": "Here is my proposal:\n```json\n" + json.dumps(ANSWER, indent=1) + "\n```\nIt builds on pushing."}
BAD_NAME = {"content": json.dumps({**ANSWER, "name": "Stack Red Cube"})}  # valid JSON, fails the schema's validator


def _rejected(kind: str, status: int = 400) -> dict[str, Any]:
    return {"status": status, "body": {"error": {"message": f"response_format {kind} is not supported",
                                                 "type": "invalid_request_error", "param": "response_format"}}}


def rejecting(*kinds: str, answer: dict[str, Any] = CLEAN):
    """A server (script item) that answers 400 to a response_format of the given types, else `answer`."""
    def behaviour(body: dict[str, Any]) -> dict[str, Any]:
        kind = (body.get("response_format") or {}).get("type")
        return _rejected(kind) if kind in kinds else answer
    return behaviour


@pytest.fixture(scope="module")
def _server():
    with ChatServer([CLEAN]) as server:
        yield server


@pytest.fixture
def serve(_server: ChatServer):
    """`serve(*script)`: the module's loopback server with a fresh script and no recorded requests (one server
    for all tests: stopping one waits out serve_forever's 0.5 s poll)."""
    def start(*script: Any) -> ChatServer:
        with _server._lock:
            _server.script = list(script)
            _server.requests.clear()
            _server.headers.clear()
        return _server
    return start


def settings(server: ChatServer, **kw: Any) -> LLMSettings:
    return LLMSettings(provider="openai", base_url=server.base_url, model="test-model", max_retries=0, timeout_s=5.0,
                       **kw)


def ask(model: Any, **kw: Any):
    return structured_call(model, ROLE, {"attempt": 0}, schema=SCHEMA, policy=RetryPolicy(max_retries=0), **kw)


def formats(server: ChatServer) -> list[str | None]:
    return [(b.get("response_format") or {}).get("type") for b in server.requests]


def test_auto_sends_the_roles_json_schema_and_takes_a_clean_answer_in_one_call(serve: Any) -> None:
    server = serve(CLEAN)
    res = ask(make_chat_model(settings(server), ROLE))
    assert res.value.model_dump() == ANSWER and res.attempts == 1 and res.errors == []
    assert res.structured_output == "json_schema"
    assert (res.usage.input_tokens, res.usage.output_tokens, res.usage.calls) == (50, 10, 1)
    assert len(server.requests) == 1
    fmt = server.requests[0]["response_format"]
    assert fmt["type"] == "json_schema"
    spec = fmt["json_schema"]
    assert spec["name"] == "TaskProposal" and spec["strict"] is False  # non-strict: never strict=True
    assert spec["schema"]["properties"] == SCHEMA.model_json_schema()["properties"]
    assert spec["schema"]["required"] == ["name", "description"]


def test_auto_steps_down_on_a_rejected_response_format_and_remembers(serve: Any,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="roboskill.agents.llm")
    server = serve(rejecting("json_schema", "json_object"))
    model = make_chat_model(settings(server), ROLE)
    first = ask(model)
    assert formats(server) == ["json_schema", "json_object", None]  # json_schema, json_mode, then plain text
    assert first.value.model_dump() == ANSWER and first.attempts == 1 and first.structured_output == "off"
    assert structured_output_of(model) == "off"
    second = ask(model)
    assert formats(server) == ["json_schema", "json_object", None, None]  # no rejected request is sent again
    assert second.structured_output == "off" and second.value.model_dump() == ANSWER
    settled = [r.getMessage() for r in caplog.records if "structured output off" in r.getMessage()]
    assert len(settled) == 1 and "llm.structured_output=auto" in settled[0]  # logged once


def test_auto_keeps_json_mode_when_only_json_schema_is_rejected(serve: Any) -> None:
    server = serve(rejecting("json_schema"))
    model = make_chat_model(settings(server), ROLE)
    assert ask(model).structured_output == "json_mode"
    assert ask(model).structured_output == "json_mode"
    assert formats(server) == ["json_schema", "json_object", "json_object"]


def test_unprocessable_entity_also_steps_down(serve: Any) -> None:
    def behaviour(body: dict[str, Any]) -> dict[str, Any]:
        return _rejected("json_schema", 422) if body.get("response_format") else CLEAN
    server = serve(behaviour)
    assert ask(make_chat_model(settings(server), ROLE)).structured_output == "off"
    assert formats(server) == ["json_schema", "json_object", None]


def test_other_client_errors_do_not_step_down(serve: Any) -> None:
    """A 400 about something else (the prompt's length) is not the server refusing response_format."""
    too_long = {"status": 400, "body": {"error": {"message": "This model's maximum context length is 8192 tokens",
                                                  "type": "invalid_request_error"}}}
    server = serve(too_long)
    with pytest.raises(StepFailed) as info:
        ask(make_chat_model(settings(server), ROLE))
    assert formats(server) == ["json_schema"] and "maximum context length" in info.value.reason
    assert "llm.structured_output" not in info.value.reason


def test_off_sends_no_response_format(serve: Any) -> None:
    server = serve(PROSE)
    model = make_chat_model(settings(server, structured_output="off"), ROLE)
    res = ask(model)
    assert "response_format" not in server.requests[0]
    assert res.value.model_dump() == ANSWER and res.structured_output == "off" and structured_output_of(model) == "off"


def test_json_mode_sends_json_object(serve: Any) -> None:
    server = serve(CLEAN)
    res = ask(make_chat_model(settings(server, structured_output="json_mode"), ROLE))
    assert server.requests[0]["response_format"] == {"type": "json_object"}
    assert res.structured_output == "json_mode" and res.value.model_dump() == ANSWER


def test_prose_around_the_json_still_validates_under_json_schema(serve: Any) -> None:
    """A server that ignores response_format (or a model that wraps its answer) still gets through the text parser."""
    server = serve(PROSE)
    res = ask(make_chat_model(settings(server, structured_output="json_schema"), ROLE))
    assert res.value.model_dump() == ANSWER and res.attempts == 1 and res.errors == []
    assert res.structured_output == "json_schema" and formats(server) == ["json_schema"]


def test_explicit_json_schema_does_not_step_down_and_names_the_setting(serve: Any) -> None:
    server = serve(rejecting("json_schema", "json_object"))
    with pytest.raises(StepFailed) as info:
        ask(make_chat_model(settings(server, structured_output="json_schema"), ROLE))
    assert formats(server) == ["json_schema"]  # one request, no downgrade
    reason = info.value.reason
    assert info.value.role == ROLE
    assert "llm.structured_output=json_schema" in reason and "not supported" in reason
    assert "ROBOSKILL_LLM__STRUCTURED_OUTPUT=off" in reason


def test_per_call_options_reach_the_request_on_repairs(serve: Any) -> None:
    server = serve(BAD_NAME, CLEAN)
    model = make_chat_model(settings(server, temperature=0.2, seed=7), ROLE)
    res = ask(model, budget=PromptBudget(8192, 1000))
    assert res.attempts == 2 and "must be snake_case" in res.errors[0]
    first, second = server.requests
    assert formats(server) == ["json_schema", "json_schema"]
    assert (first["temperature"], first["seed"]) == (0.2, 7)
    variation = repair_variation(model, 1)
    assert (second["temperature"], second["seed"]) == (variation["temperature"], variation["seed"]) != (0.2, 7)
    for body in (first, second):
        assert 0 < body.get("max_completion_tokens", body.get("max_tokens", 0)) <= 1000  # the fitted answer budget
    assert "must be snake_case" in second["messages"][-1]["content"]  # the repair turn, in words the model can use


def test_an_answer_cut_at_the_token_limit_is_repaired_under_json_schema(serve: Any) -> None:
    """With response_format, the OpenAI SDK raises instead of returning a cut answer; it is still repaired."""
    cut = {"content": json.dumps(ANSWER)[:40], "finish": "length"}
    server = serve(cut, CLEAN)
    res = ask(make_chat_model(settings(server), ROLE))
    assert res.attempts == 2 and res.errors[0].startswith("your answer was cut at the token limit")
    assert res.usage.calls == 2 and res.usage.input_tokens == 100  # the cut answer's usage still counts
    assert "cut at the token limit" in server.requests[1]["messages"][-1]["content"]


def test_call_argument_overrides_the_setting(serve: Any) -> None:
    from langchain_openai import ChatOpenAI

    server = serve(CLEAN)
    model = ChatOpenAI(base_url=server.base_url, api_key="x", max_retries=0, model="test-model", timeout=5)
    assert ask(model).structured_output == "json_schema"  # a ChatOpenAI built elsewhere: auto
    assert ask(model, structured_output="off").structured_output == "off"
    assert ask(model).structured_output == "json_schema"  # a per-call mode does not change what auto learned
    assert formats(server) == ["json_schema", None, "json_schema"]


def test_models_without_an_openai_endpoint_answer_in_text() -> None:
    from tests.agents.fakes import ScriptedChatModel

    model = ScriptedChatModel(scripts={ROLE: [ANSWER]})
    assert ask(model).structured_output == "off" and structured_output_of(model) == "off"


@pytest.mark.parametrize("role", sorted(ROLE_SCHEMAS))
def test_every_role_schema_builds_a_non_strict_response_format(role: str) -> None:
    from langchain_openai.chat_models.base import _convert_to_openai_response_format

    js = response_format_schema(ROLE_SCHEMAS[role])
    assert js is not None
    fmt = _convert_to_openai_response_format(js)
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is False
    assert fmt["json_schema"]["name"] == ROLE_SCHEMAS[role].__name__
    json.dumps(fmt)  # serialisable as the request body


def test_rejection_detection() -> None:
    import httpx
    import openai

    def error(status: int, message: str) -> openai.APIStatusError:
        response = httpx.Response(status, request=httpx.Request("POST", "http://127.0.0.1/v1/chat/completions"))
        return openai.APIStatusError(message, response=response, body={"error": {"message": message}})

    assert rejects_response_format(error(400, "'response_format' of type 'json_schema' is not supported"))
    assert rejects_response_format(error(400, "Invalid schema for response_format 'TaskProposal'"))
    assert rejects_response_format(error(422, "guided_json is not supported by this backend"))
    assert not rejects_response_format(error(400, "maximum context length exceeded"))
    assert not rejects_response_format(error(401, "invalid api key for response_format"))
    assert not rejects_response_format(error(500, "response_format crashed"))  # retryable: retried, not downgraded
    assert not rejects_response_format(ValueError("response_format"))


def test_setting_defaults_validates_and_reads_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no roboskill.yaml in the way
    assert LLMSettings().structured_output == "auto"
    assert "ROBOSKILL_LLM__STRUCTURED_OUTPUT=off" in LLMSettings.model_fields["structured_output"].description
    monkeypatch.setenv("ROBOSKILL_LLM__STRUCTURED_OUTPUT", "off")
    assert load_settings().llm.structured_output == "off"
    monkeypatch.setenv("ROBOSKILL_LLM__STRUCTURED_OUTPUT", "grammar")
    with pytest.raises(ConfigError, match="ROBOSKILL_LLM__STRUCTURED_OUTPUT"):
        load_settings()
