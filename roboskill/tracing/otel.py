"""Optional OpenTelemetry (OTLP/HTTP) export of the same spans the SQLite store holds.

Phoenix, Langfuse, Jaeger and LangSmith all ingest OTLP, so mirroring spans there needs no vendor code.
The SQLite store stays the source of truth; OTLP is a copy, and a collector that is down never slows or
breaks a run (spans are batched in a background thread and failures are dropped).

- Live mirror: when `ROBOSKILL_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` /
  `OTEL_EXPORTER_OTLP_ENDPOINT`) is set and opentelemetry-sdk is installed, every Tracer mirrors ended spans.
- After the fact: `roboskill traces export RUN --format otlp --endpoint URL` (`export_spans`).

Mapping: trace id = hash of the run id (all spans of a run form one trace), span id = first 64 bits of
ours, attributes = `roboskill.*` (non-scalars as JSON) plus GenAI / OpenInference conventions for LLM spans
(`gen_ai.request.model`, `gen_ai.usage.input_tokens`, `openinference.span.kind`, `input.value`, ...).
Uses the official OTLP/HTTP exporter when `opentelemetry-exporter-otlp-proto-http` is installed, otherwise
the SDK's own protobuf encoder + httpx.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
from collections.abc import Iterable
from typing import Any

ENV_ENDPOINT = "ROBOSKILL_OTLP_ENDPOINT"
_OPENINFERENCE_KIND = {"llm": "LLM", "tool": "TOOL", "node": "CHAIN", "run": "AGENT", "task": "CHAIN",
                       "iteration": "CHAIN", "decision": "CHAIN"}


class OtlpError(RuntimeError):
    """OTLP export failed; the message names the endpoint and the reason."""


def resolve_endpoint() -> str | None:
    """The configured OTLP endpoint (ours first, then the standard OpenTelemetry variables)."""
    for name in (ENV_ENDPOINT, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def traces_url(endpoint: str) -> str:
    """`http://host:4318` → `http://host:4318/v1/traces` (a full traces URL is kept)."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else endpoint + "/v1/traces"


def _headers() -> dict[str, str]:
    """Headers from OTEL_EXPORTER_OTLP_HEADERS (`k=v,k2=v2`), e.g. an ingestion key for a hosted collector."""
    raw = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_HEADERS") or os.environ.get("OTEL_EXPORTER_OTLP_HEADERS") or ""
    out = {}
    for part in raw.split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def _trace_id(run_id: str) -> int:
    return int.from_bytes(hashlib.sha256(run_id.encode()).digest()[:16], "big") or 1


def _span_id(span_id: str) -> int:
    try:
        return int(span_id[:16], 16) or 1
    except ValueError:
        return int.from_bytes(hashlib.sha256(span_id.encode()).digest()[:8], "big") or 1


def _attr_value(value: Any) -> Any:
    if isinstance(value, (str, bool, int, float)):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _attributes(kind: str, name: str, run_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"roboskill.kind": kind, "roboskill.run_id": run_id,
                           "openinference.span.kind": _OPENINFERENCE_KIND.get(kind, "CHAIN")}
    for key, value in attrs.items():
        if value is not None:
            out[f"roboskill.{key}"] = _attr_value(value)
    if kind == "llm":
        model = attrs.get("model") or name
        out.update({"gen_ai.operation.name": "chat", "gen_ai.request.model": str(model), "llm.model_name": str(model)})
        for ours, theirs in (("input_tokens", "gen_ai.usage.input_tokens"), ("output_tokens", "gen_ai.usage.output_tokens"),
                             ("input_tokens", "llm.token_count.prompt"), ("output_tokens", "llm.token_count.completion"),
                             ("total_tokens", "llm.token_count.total")):
            if isinstance(attrs.get(ours), int):
                out[theirs] = attrs[ours]
        if attrs.get("messages") is not None:
            out["input.value"] = _attr_value(attrs["messages"])
        if attrs.get("response") is not None:
            out["output.value"] = _attr_value(attrs["response"])
    elif attrs.get("output") is not None:
        out["output.value"] = _attr_value(attrs["output"])
    return out


def to_readable_span(*, run_id: str, span_id: str, parent_id: str | None, kind: str, name: str, start_ts: float,
                     end_ts: float | None, status: str, error: str | None, attributes: dict[str, Any]) -> Any:
    """One of our spans as an OpenTelemetry SDK `ReadableSpan`."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.util.instrumentation import InstrumentationScope
    from opentelemetry.trace import SpanContext, Status, StatusCode, TraceFlags

    trace_id = _trace_id(run_id)
    ctx = SpanContext(trace_id, _span_id(span_id), is_remote=False, trace_flags=TraceFlags(TraceFlags.SAMPLED))
    parent = (SpanContext(trace_id, _span_id(parent_id), is_remote=False, trace_flags=TraceFlags(TraceFlags.SAMPLED))
              if parent_id else None)
    otel_status = (Status(StatusCode.ERROR, (error or "")[:1000]) if status == "error"
                   else Status(StatusCode.OK) if status == "ok" else Status(StatusCode.UNSET))
    end = end_ts if end_ts is not None else start_ts
    return ReadableSpan(
        name=f"{kind} {name}", context=ctx, parent=parent,
        resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "roboskill"),
                                  "roboskill.run_id": run_id}),
        attributes=_attributes(kind, name, run_id, attributes), status=otel_status,
        start_time=int(start_ts * 1e9), end_time=int(end * 1e9),
        instrumentation_scope=InstrumentationScope("roboskill.tracing"),
    )


def _post(url: str, spans: list[Any], timeout: float = 10.0) -> None:
    import httpx
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    body = encode_spans(spans).SerializeToString()
    try:
        response = httpx.post(url, content=body, timeout=timeout,
                              headers={"Content-Type": "application/x-protobuf", **_headers()})
    except httpx.HTTPError as exc:
        raise OtlpError(f"cannot reach OTLP endpoint {url}: {exc}") from None
    if response.status_code >= 300:
        raise OtlpError(f"OTLP endpoint {url} answered HTTP {response.status_code}: {response.text[:200]}")


def export_spans(spans: Iterable[Any], endpoint: str, *, run_id: str, batch_size: int = 512) -> int:
    """Send stored spans (`SpanNode`s from `TraceReader.spans()`) to `endpoint`; returns how many were sent."""
    try:
        readable = [to_readable_span(run_id=run_id, span_id=s.span_id, parent_id=s.parent_id, kind=s.kind,
                                     name=s.name, start_ts=s.start_ts, end_ts=s.end_ts, status=s.status,
                                     error=s.error, attributes=s.attributes) for s in spans]
    except ImportError:
        raise OtlpError("OTLP export needs opentelemetry-sdk: pip install 'roboskill[otel]'") from None
    url = traces_url(endpoint)
    for i in range(0, len(readable), batch_size):
        _post(url, readable[i:i + batch_size])
    return len(readable)


def _make_exporter(url: str) -> Any:
    """The official OTLP/HTTP exporter when installed, else a minimal one on the SDK's encoder."""
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(endpoint=url, headers=_headers() or None)
    except ImportError:
        pass
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    class _HttpExporter(SpanExporter):
        def export(self, spans: Any) -> Any:
            try:
                _post(url, list(spans))
            except OtlpError:
                return SpanExportResult.FAILURE
            return SpanExportResult.SUCCESS

        def shutdown(self) -> None:
            pass

    return _HttpExporter()


class OtlpMirror:
    """Copies every ended span of a Tracer to an OTLP endpoint through a BatchSpanProcessor."""

    def __init__(self, endpoint: str, run_id: str, *, schedule_delay_ms: int = 2000) -> None:
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        self.url = traces_url(endpoint)
        self.run_id = run_id
        self.processor = BatchSpanProcessor(_make_exporter(self.url), schedule_delay_millis=schedule_delay_ms)
        self._closed = False
        atexit.register(self.shutdown)

    def on_end(self, span: Any, end_ts: float, status: str, error: str | None, attributes: dict[str, Any]) -> None:
        self.processor.on_end(to_readable_span(
            run_id=self.run_id, span_id=span.span_id, parent_id=span.parent_id, kind=span.kind, name=span.name,
            start_ts=span.start, end_ts=end_ts, status=status, error=error, attributes=attributes))

    def flush(self, timeout_ms: int = 5000) -> bool:
        return bool(self.processor.force_flush(timeout_ms))

    def shutdown(self) -> None:
        if not self._closed:
            self._closed = True
            self.processor.shutdown()


def mirror_from_env(run_id: str) -> OtlpMirror | None:
    """An OtlpMirror when an endpoint is configured and opentelemetry-sdk is installed, else None."""
    endpoint = resolve_endpoint()
    if not endpoint:
        return None
    try:
        return OtlpMirror(endpoint, run_id)
    except ImportError:
        import warnings

        warnings.warn(f"{ENV_ENDPOINT} is set but opentelemetry-sdk is not installed: pip install 'roboskill[otel]'",
                      stacklevel=2)
        return None
