"""TracingCallbackHandler: every chat-model call becomes an `llm` span under the current span."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatResult

from roboskill.tracing import TraceReader, Tracer, TracingCallbackHandler


def test_llm_call_recorded_with_tokens_cost_and_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-abcdefghijklmnop")
    tracer = Tracer(tmp_path / "t.sqlite", "r")
    handler = TracingCallbackHandler(tracer, price_per_1k_input=1.0, price_per_1k_output=2.0)
    reply = AIMessage(content='```json\n{"name": "stack"}\n```',
                      usage_metadata={"input_tokens": 1000, "output_tokens": 500, "total_tokens": 1500})
    model = GenericFakeChatModel(messages=iter([reply]))
    with tracer.span("node", "propose", task_id="t001_stack", iteration=0):
        out = model.invoke([SystemMessage("ROLE: proposer"), HumanMessage("CONTEXT sk-test-abcdefghijklmnop")],
                           config={"callbacks": [handler], "metadata": {"role": "proposer"}})
    assert "stack" in out.content
    spans = {s.kind: s for s in TraceReader(tmp_path / "t.sqlite").spans()}
    llm = spans["llm"]
    assert llm.parent_id == spans["node"].span_id and llm.status == "ok"
    a = llm.attributes
    assert a["role"] == "proposer" and a["model"]
    assert [m["role"] for m in a["messages"]] == ["system", "human"]
    assert a["messages"][0]["content"] == "ROLE: proposer"
    assert "sk-test" not in a["messages"][1]["content"] and "[REDACTED]" in a["messages"][1]["content"]
    assert '"name": "stack"' in a["response"]
    assert (a["input_tokens"], a["output_tokens"], a["total_tokens"]) == (1000, 500, 1500)
    assert a["cost_usd"] == pytest.approx(1.0 + 1.0)
    assert a["latency_s"] >= 0 and llm.duration_s is not None


def test_token_usage_from_llm_output(tmp_path: Path) -> None:
    class UsageModel(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "usage-model"

        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> ChatResult:
            from langchain_core.outputs import ChatGeneration

            return ChatResult(generations=[ChatGeneration(message=AIMessage(content="ok"))],
                              llm_output={"token_usage": {"prompt_tokens": 7, "completion_tokens": 3},
                                          "model_name": "gpt-test"})

    tracer = Tracer(tmp_path / "t.sqlite", "r")
    UsageModel().invoke("hi", config={"callbacks": [TracingCallbackHandler(tracer)]})
    (span,) = TraceReader(tmp_path / "t.sqlite").spans()
    assert (span.attributes["input_tokens"], span.attributes["output_tokens"]) == (7, 3)
    assert span.attributes["model"] == "gpt-test" and span.parent_id is None


def test_llm_error_recorded(tmp_path: Path) -> None:
    class Broken(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "broken"

        def _generate(self, *a: Any, **kw: Any) -> ChatResult:
            raise ConnectionError("endpoint down (Authorization: Bearer abcdefghijkl)")

    tracer = Tracer(tmp_path / "t.sqlite", "r")
    with pytest.raises(ConnectionError):
        with tracer.span("node", "critic"):
            Broken().invoke("hi", config={"callbacks": [TracingCallbackHandler(tracer)]})
    spans = {s.kind: s for s in TraceReader(tmp_path / "t.sqlite").spans()}
    assert spans["llm"].status == "error" and "ConnectionError" in spans["llm"].error
    assert "abcdefghijkl" not in spans["llm"].error
    assert spans["node"].status == "error"


def test_several_calls_under_one_node(tmp_path: Path) -> None:
    tracer = Tracer(tmp_path / "t.sqlite", "r")
    model = FakeListChatModel(responses=["a", "b", "c"])
    with tracer.span("node", "write_rewards", task_id="t1", iteration=1):
        for _ in range(3):
            model.invoke("x", config={"callbacks": tracer.callbacks()})
    root = TraceReader(tmp_path / "t.sqlite").grouped()
    (task,) = root.children
    (iteration,) = task.children
    (node,) = iteration.children
    assert [c.attributes["response"] for c in node.children] == ["a", "b", "c"]
    assert root.totals()["llm_calls"] == 3
