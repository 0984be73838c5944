"""Tracing: every agent step, LLM call, tool call and decision of a run, in a SQLite trace store.

Write with `Tracer` (+ `TracingCallbackHandler` for LangChain chat models), read with `TraceReader`,
find runs with `list_runs` / `find_run`. The LangChain callback is imported lazily so readers (the
dashboard, `roboskill traces`) don't pay for langchain_core.
"""

from typing import Any

from roboskill.tracing.reader import SpanNode, TraceReader, TraceStoreError
from roboskill.tracing.redact import redact, redact_text
from roboskill.tracing.runs import RunInfo, RunNotFoundError, find_run, list_runs
from roboskill.tracing.tracer import Span, Tracer

__all__ = ["RunInfo", "RunNotFoundError", "Span", "SpanNode", "TraceReader", "TraceStoreError", "Tracer",
           "TracingCallbackHandler", "find_run", "list_runs", "redact", "redact_text"]


def __getattr__(name: str) -> Any:
    if name == "TracingCallbackHandler":
        from roboskill.tracing.callbacks import TracingCallbackHandler

        return TracingCallbackHandler
    raise AttributeError(f"module 'roboskill.tracing' has no attribute {name!r}")
