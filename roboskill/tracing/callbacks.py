"""Records every chat-model call of the agents as an `llm` span.

A LangChain callback is the one place every provider (ChatOpenAI, the offline model, fakes in tests) passes
through, so prompts, responses, tokens, latency and cost get recorded without each role doing it.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult

from roboskill.tracing.tracer import Span, Tracer


def _usage(response: LLMResult) -> dict[str, int]:
    """Token usage from the messages' usage_metadata (preferred) or the provider's llm_output."""
    inp = out = 0
    for generations in response.generations:
        for gen in generations:
            meta = getattr(getattr(gen, "message", None), "usage_metadata", None) or {}
            inp += int(meta.get("input_tokens", 0) or 0)
            out += int(meta.get("output_tokens", 0) or 0)
    if not (inp or out) and response.llm_output:
        usage = response.llm_output.get("token_usage") or response.llm_output.get("usage") or {}
        if isinstance(usage, dict):
            inp = int(usage.get("prompt_tokens", 0) or usage.get("input_tokens", 0) or 0)
            out = int(usage.get("completion_tokens", 0) or usage.get("output_tokens", 0) or 0)
    return {"input_tokens": inp, "output_tokens": out, "total_tokens": inp + out}


def _message_dict(message: Any) -> dict[str, Any]:
    """A chat message as {role, content[, tool_calls]} (content may be a list of parts)."""
    out: dict[str, Any] = {"role": getattr(message, "type", "?"), "content": getattr(message, "content", str(message))}
    tool_calls = getattr(message, "tool_calls", None)
    if tool_calls:
        out["tool_calls"] = tool_calls
    return out


def _model_name(serialized: dict[str, Any] | None, kwargs: dict[str, Any]) -> str:
    invocation = kwargs.get("invocation_params") or {}
    metadata = kwargs.get("metadata") or {}
    return str(
        invocation.get("model") or invocation.get("model_name") or metadata.get("ls_model_name")
        or (serialized or {}).get("name") or invocation.get("_type") or "chat-model"
    )


class TracingCallbackHandler(BaseCallbackHandler):
    """LangChain callback writing one `llm` span per chat-model call under the tracer's current span.

    Attributes of the span: model, provider, role (from the call's metadata `role` when given), messages,
    response, input/output/total tokens, latency_s, cost_usd (prices per 1k tokens given here).
    """

    raise_error = False

    def __init__(self, tracer: Tracer, price_per_1k_input: float = 0.0, price_per_1k_output: float = 0.0) -> None:
        self.tracer = tracer
        self.price_in = float(price_per_1k_input)
        self.price_out = float(price_per_1k_output)
        self._open: dict[UUID, tuple[Span, float]] = {}
        self._lock = threading.Lock()

    def _start(self, run_id: UUID, serialized: dict[str, Any] | None, messages: list[dict[str, Any]],
               kwargs: dict[str, Any]) -> None:
        model = _model_name(serialized, kwargs)
        metadata = kwargs.get("metadata") or {}
        span = self.tracer.start_span(
            "llm", model, parent_id=self.tracer.current_span_id(), model=model, provider=metadata.get("ls_provider"),
            role=metadata.get("role"), messages=messages,
        )
        with self._lock:
            self._open[run_id] = (span, time.perf_counter())

    def on_chat_model_start(self, serialized: dict[str, Any], messages: list[list[Any]], *, run_id: UUID,
                            parent_run_id: UUID | None = None, **kwargs: Any) -> None:
        self._start(run_id, serialized, [_message_dict(m) for batch in messages for m in batch], kwargs)

    def on_llm_start(self, serialized: dict[str, Any], prompts: list[str], *, run_id: UUID,
                     parent_run_id: UUID | None = None, **kwargs: Any) -> None:
        self._start(run_id, serialized, [{"role": "prompt", "content": p} for p in prompts], kwargs)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            opened = self._open.pop(run_id, None)
        if opened is None:
            return
        span, started = opened
        text = "\n".join(g.text for gens in response.generations for g in gens)
        usage = _usage(response)
        cost = usage["input_tokens"] / 1000 * self.price_in + usage["output_tokens"] / 1000 * self.price_out
        served_by = (response.llm_output or {}).get("model_name")
        if served_by:
            span.set("model", served_by)
        span.update(response=text, latency_s=round(time.perf_counter() - started, 6), cost_usd=round(cost, 6), **usage)
        self.tracer.end_span(span)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            opened = self._open.pop(run_id, None)
        if opened is None:
            return
        span, started = opened
        span.update(latency_s=round(time.perf_counter() - started, 6))
        self.tracer.end_span(span, status="error", error=f"{type(error).__name__}: {error}")
