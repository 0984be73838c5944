"""The run's trace store: nested spans in SQLite.

Every node, LLM call, tool call and decision of a run becomes a span, so a person (or the dashboard) can
reconstruct what the agents did and why. Spans are inserted when they start and updated when they end, so a
run killed mid-step still shows what it was doing. SQLite in WAL mode lets the agent process, training
workers and a dashboard read and write the same file at once; each thread (and each forked process) gets
its own connection, and writes of one Tracer are serialised by a lock.

Schema (table `spans`, one row per span; `TraceReader` is the supported way to read it):
span_id, run_id, parent_id, kind, name, start_ts / end_ts (unix seconds), duration_s,
status (running | ok | error), error, attributes (JSON object, redacted, capped).
"""

from __future__ import annotations

import contextvars
import json
import math
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from roboskill.tracing.redact import redact

SpanKind = Literal["run", "task", "iteration", "node", "llm", "tool", "decision", "event"]
MAX_ATTRIBUTE_CHARS = 200_000     # whole attribute object, JSON
MAX_STRING_CHARS = 50_000         # one string value (a prompt, a reward file)
MAX_LIST_ITEMS = 2_000            # one list (e.g. a long numpy array)

# (tracer key, span id) of the innermost open span; the key keeps two tracers in one process apart.
_current_span: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "roboskill_current_span", default=None
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS spans (
    span_id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    parent_id TEXT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    start_ts REAL NOT NULL,
    end_ts REAL,
    duration_s REAL,
    status TEXT NOT NULL DEFAULT 'running',
    error TEXT,
    attributes TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS spans_run ON spans(run_id, start_ts);
CREATE INDEX IF NOT EXISTS spans_parent ON spans(parent_id);
"""


def to_jsonable(value: Any, _depth: int = 0) -> Any:
    """Best-effort conversion of attribute values (pydantic models, numpy, paths, messages) to JSON types.

    Tracing must never break the run it observes, so anything unknown becomes its (capped) repr.
    """
    if _depth > 12:
        return repr(value)[:1000]
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING_CHARS:
            return value[:MAX_STRING_CHARS] + f"... [truncated {len(value) - MAX_STRING_CHARS} chars]"
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if hasattr(value, "model_dump") and not isinstance(value, type):
        try:
            return to_jsonable(value.model_dump(mode="json"), _depth + 1)
        except Exception:  # noqa: BLE001 - a broken model must not break tracing
            return repr(value)[:1000]
    if hasattr(value, "tolist") and not isinstance(value, type):
        try:
            return to_jsonable(value.tolist(), _depth + 1)
        except Exception:  # noqa: BLE001
            return repr(value)[:1000]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        out = [to_jsonable(v, _depth + 1) for v in items[:MAX_LIST_ITEMS]]
        if len(items) > MAX_LIST_ITEMS:
            out.append(f"... [{len(items) - MAX_LIST_ITEMS} more items]")
        return out
    return repr(value)[:1000]


def encode_attributes(attributes: dict[str, Any]) -> str:
    """JSON-encode, redact and cap a span's attributes."""
    text = json.dumps(redact(to_jsonable(attributes)), ensure_ascii=False)
    if len(text) > MAX_ATTRIBUTE_CHARS:
        text = json.dumps({"truncated": True, "preview": text[:MAX_ATTRIBUTE_CHARS]}, ensure_ascii=False)
    return text


def connect(db_path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection configured for concurrent use (busy timeout first, then WAL)."""
    if readonly:
        conn = sqlite3.connect(f"file:{Path(db_path)}?mode=ro", uri=True, timeout=30.0, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=30000")
        return conn
    conn = sqlite3.connect(db_path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class Span:
    """A live span; `set` / `update` add attributes that are written when the span ends."""

    def __init__(self, tracer: "Tracer", span_id: str, kind: str, name: str, attributes: dict[str, Any],
                 parent_id: str | None = None) -> None:
        self.tracer = tracer
        self.span_id = span_id
        self.parent_id = parent_id
        self.kind = kind
        self.name = name
        self.attributes = dict(attributes)
        self.start = time.time()
        self.ended = False

    def set(self, key: str, value: Any) -> None:
        self.attributes[key] = value

    def update(self, **attributes: Any) -> None:
        self.attributes.update(attributes)


class Tracer:
    """Writes spans of one run into a SQLite trace store (thread- and process-safe)."""

    def __init__(self, db_path: str | Path, run_id: str) -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.run_id = run_id
        self._key = uuid.uuid4().hex
        self._local = threading.local()
        self._lock = threading.Lock()
        self._mirror: Any = None
        with self._lock:
            self._conn().executescript(SCHEMA)
        try:  # optional OTLP mirror (ROBOSKILL_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT)
            from roboskill.tracing.otel import mirror_from_env

            self._mirror = mirror_from_env(run_id)
        except Exception:  # noqa: BLE001 - an exporter problem must not stop a run
            self._mirror = None

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            # A connection inherited through fork must never be used by the child.
            conn = connect(self.db_path)
            self._local.conn = conn
            self._local.pid = os.getpid()
        return conn

    def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            self._conn().execute(sql, params)

    def start_span(self, kind: str, name: str, parent_id: str | None = None, **attributes: Any) -> Span:
        """Open a span without making it current (for callbacks that end it elsewhere)."""
        span = Span(self, uuid.uuid4().hex, kind, name, attributes, parent_id=parent_id)
        self._execute(
            "INSERT INTO spans (span_id, run_id, parent_id, kind, name, start_ts, attributes) VALUES (?,?,?,?,?,?,?)",
            (span.span_id, self.run_id, parent_id, kind, str(name), span.start, encode_attributes(span.attributes)),
        )
        return span

    def end_span(self, span: Span, status: str = "ok", error: str | None = None) -> None:
        """Close a span, writing its final attributes, status and timings (idempotent)."""
        if span.ended:
            return
        span.ended = True
        end = time.time()
        attrs = encode_attributes(span.attributes)
        err = redact(error[:10_000]) if error else None
        self._execute(
            "UPDATE spans SET end_ts=?, duration_s=?, status=?, error=?, attributes=? WHERE span_id=?",
            (end, end - span.start, status, err, attrs, span.span_id),
        )
        if self._mirror is not None:
            try:
                self._mirror.on_end(span, end, status, err, json.loads(attrs))
            except Exception:  # noqa: BLE001
                pass

    @contextmanager
    def span(self, kind: str, name: str, **attributes: Any) -> Iterator[Span]:
        """A nested span: children opened inside the block get it as their parent.

        If the body raises, the span is stored with status "error" and the exception text, and the
        exception propagates unchanged.
        """
        span = self.start_span(kind, name, parent_id=self.current_span_id(), **attributes)
        token = _current_span.set((self._key, span.span_id))
        try:
            yield span
        except BaseException as exc:
            self.end_span(span, status="error", error=f"{type(exc).__name__}: {exc}")
            raise
        else:
            self.end_span(span)
        finally:
            _current_span.reset(token)

    def event(self, kind: str, name: str, **attributes: Any) -> None:
        """A zero-duration span under the current one (decisions, directives, warnings)."""
        span = self.start_span(kind, name, parent_id=self.current_span_id(), **attributes)
        self.end_span(span)

    def current_span_id(self) -> str | None:
        """Id of the innermost open span of *this* tracer in the current context, or None."""
        current = _current_span.get()
        if current is None or current[0] != self._key:
            return None
        return current[1]

    def callbacks(self, **prices: float) -> list[Any]:
        """LangChain callbacks recording LLM calls into this tracer."""
        from roboskill.tracing.callbacks import TracingCallbackHandler

        return [TracingCallbackHandler(self, **prices)]

    def close(self) -> None:
        if self._mirror is not None:
            try:
                self._mirror.shutdown()
            except Exception:  # noqa: BLE001
                pass
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            conn.close()
        self._local.conn = None

    def __enter__(self) -> "Tracer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
