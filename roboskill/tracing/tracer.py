"""The run's trace store: nested spans in SQLite.

Every node, LLM call, tool call and decision of a run becomes a span, so a person (or the dashboard) can
reconstruct what the agents did and why. Spans are inserted when they start and updated when they end, so a
run killed mid-step still shows what it was doing. SQLite in WAL mode lets the agent process, training
workers and a dashboard read and write the same file at once.
"""

from __future__ import annotations

import contextvars
import json
import math
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
MAX_ATTRIBUTE_CHARS = 200_000

_current_span: contextvars.ContextVar[str | None] = contextvars.ContextVar("roboskill_current_span", default=None)

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
    """Best-effort conversion of attribute values (pydantic models, numpy, paths) to JSON types."""
    if _depth > 12:
        return repr(value)[:1000]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if hasattr(value, "model_dump"):
        try:
            return to_jsonable(value.model_dump(mode="json"), _depth + 1)
        except Exception:  # noqa: BLE001 - a broken model must not break tracing
            return repr(value)[:1000]
    if hasattr(value, "tolist"):
        return to_jsonable(value.tolist(), _depth + 1)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v, _depth + 1) for v in value]
    return repr(value)[:1000]


def encode_attributes(attributes: dict[str, Any]) -> str:
    """JSON-encode, redact and cap a span's attributes."""
    text = json.dumps(redact(to_jsonable(attributes)), ensure_ascii=False)
    if len(text) > MAX_ATTRIBUTE_CHARS:
        text = json.dumps({"truncated": True, "preview": text[:MAX_ATTRIBUTE_CHARS]})
    return text


class Span:
    """A live span; `set` adds attributes that are written when the span ends."""

    def __init__(self, tracer: "Tracer", span_id: str, kind: str, name: str, attributes: dict[str, Any]) -> None:
        self.tracer = tracer
        self.span_id = span_id
        self.kind = kind
        self.name = name
        self.attributes = dict(attributes)
        self.start = time.time()

    def set(self, key: str, value: Any) -> None:
        self.attributes[key] = value

    def update(self, **attributes: Any) -> None:
        self.attributes.update(attributes)


class Tracer:
    """Writes spans of one run into a SQLite trace store."""

    def __init__(self, db_path: str | Path, run_id: str) -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.run_id = run_id
        self._local = threading.local()
        self._lock = threading.Lock()
        with self._lock:
            conn = self._conn()
            conn.executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db_path, timeout=30.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            self._conn().execute(sql, params)

    def start_span(self, kind: str, name: str, parent_id: str | None = None, **attributes: Any) -> Span:
        """Open a span without making it current (for callbacks that end it elsewhere)."""
        span = Span(self, uuid.uuid4().hex, kind, name, attributes)
        self._execute(
            "INSERT INTO spans (span_id, run_id, parent_id, kind, name, start_ts, attributes) VALUES (?,?,?,?,?,?,?)",
            (span.span_id, self.run_id, parent_id, kind, name, span.start, encode_attributes(span.attributes)),
        )
        return span

    def end_span(self, span: Span, status: str = "ok", error: str | None = None) -> None:
        end = time.time()
        self._execute(
            "UPDATE spans SET end_ts=?, duration_s=?, status=?, error=?, attributes=? WHERE span_id=?",
            (end, end - span.start, status, redact(error) if error else None, encode_attributes(span.attributes), span.span_id),
        )

    @contextmanager
    def span(self, kind: str, name: str, **attributes: Any) -> Iterator[Span]:
        """A nested span: children opened inside the block get it as their parent."""
        span = self.start_span(kind, name, parent_id=_current_span.get(), **attributes)
        token = _current_span.set(span.span_id)
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
        span = self.start_span(kind, name, parent_id=_current_span.get(), **attributes)
        self.end_span(span)

    @staticmethod
    def current_span_id() -> str | None:
        return _current_span.get()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
