"""Tracing: every agent step, LLM call, tool call and decision of a run, in a SQLite trace store."""

from roboskill.tracing.callbacks import TracingCallbackHandler
from roboskill.tracing.redact import redact, redact_text
from roboskill.tracing.tracer import Span, Tracer

__all__ = ["Span", "Tracer", "TracingCallbackHandler", "redact", "redact_text"]
