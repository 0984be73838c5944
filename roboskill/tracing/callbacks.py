"""Records every chat-model call of the agents as an `llm` span.

A LangChain callback is the one place every provider (ChatOpenAI, the offline model, fakes in tests) passes
through, so prompts, responses, tokens, latency and cost get recorded without each role doing it.
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult

from roboskill.tracing.tracer import Span, Tracer


def _usage(response: LLMResult) -> dict[str, int]:
    """Token usage from usage_metadata (preferred) or the provider's llm_output."""
    inp = out = 0
    for generations in response.generations:
        for gen in generations:
            meta = getattr(getattr(gen, "message", None), "usage_metadata", None) or {}
            inp += int(meta.get("input_tokens", 0) or 0)
            out += int(meta.get("output_tokens", 0) or 0)
    if not (inp or out) and response.llm_output:
        usage = response.llm_output.get("token_usage") or response.llm_output.get("usage") or {}
        inp = int(usage.get("prompt_tokens", 0) or usage.get("input_tokens", 0) or 0)
        out = int(usage.get("completion_tokens", 0) or usage.get("output_tokens", 0) or 0)
    return {"input_tokens": inp, "output_tokens": out, "total_tokens": inp + out}


class TracingCallbackHandler(BaseCallbackHandler):
    """LangChain callback writing one `llm` span per chat-model call under the current span."""

    raise_error = False

    def __init__(self, tracer: Tracer, price_per_1k_input: float = 0.0, price_per_1k_output: float = 0.0) -> None:
        self.tracer = tracer
        self.price_in = price_per_1k_input
        self.price_out = price_per_1k_output
        self._open: dict[UUID, tuple[Span, float]] = {}

    def on_chat_model_start(self, serialized: dict[str, Any], messages: list[list[Any]], *, run_id: UUID,
                            parent_run_id: UUID | None = None, **kwargs: Any) -> None:
        invocation = kwargs.get("invocation_params") or {}
        model = invocation.get("model") or invocation.get("model_name") or (serialized or {}).get("name", "chat-model")
        flat = [{"role": getattr(m, "type", "?"), "content": getattr(m, "content", str(m))} for batch in messages for m in batch]
        role = (kwargs.get("metadata") or {}).get("role")
        span = self.tracer.start_span("llm", str(model), parent_id=self.tracer.current_span_id(),
                                      model=str(model), messages=flat, role=role)
        self._open[run_id] = (span, time.perf_counter())

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        opened = self._open.pop(run_id, None)
        if opened is None:
            return
        span, started = opened
        text = "\n".join(g.text for gens in response.generations for g in gens)
        usage = _usage(response)
        cost = usage["input_tokens"] / 1000 * self.price_in + usage["output_tokens"] / 1000 * self.price_out
        span.update(response=text, latency_s=time.perf_counter() - started, cost_usd=round(cost, 6), **usage)
        self.tracer.end_span(span)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        opened = self._open.pop(run_id, None)
        if opened is None:
            return
        span, started = opened
        span.update(latency_s=time.perf_counter() - started)
        self.tracer.end_span(span, status="error", error=f"{type(error).__name__}: {error}")
