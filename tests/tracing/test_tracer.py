"""Tracer: nesting, error capture, serialisation, redaction on write, concurrency (threads + processes)."""

from __future__ import annotations

import json
import multiprocessing as mp
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest
from pydantic import BaseModel

from roboskill.tracing import TraceReader, Tracer
from roboskill.tracing.tracer import MAX_ATTRIBUTE_CHARS


def _rows(db: Path) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM spans ORDER BY start_ts, rowid")]
    conn.close()
    for r in rows:
        r["attributes"] = json.loads(r["attributes"])
    return rows


def test_spans_nest_and_record_timings(tmp_path: Path) -> None:
    db = tmp_path / "traces.sqlite"
    tracer = Tracer(db, "run1")
    with tracer.span("run", "run1") as run:
        with tracer.span("node", "propose", task_id="t001_x", iteration=0) as node:
            node.set("output", {"name": "stack"})
            tracer.event("decision", "critic", action="accept")
        run.set("done", True)
    with tracer.span("node", "after"):
        pass
    rows = {r["name"]: r for r in _rows(db)}
    assert rows["run1"]["parent_id"] is None
    assert rows["propose"]["parent_id"] == rows["run1"]["span_id"]
    assert rows["critic"]["parent_id"] == rows["propose"]["span_id"]
    assert rows["after"]["parent_id"] is None  # the contextvar was restored
    assert rows["propose"]["attributes"] == {"task_id": "t001_x", "iteration": 0, "output": {"name": "stack"}}
    assert rows["run1"]["attributes"]["done"] is True
    for r in rows.values():
        assert r["status"] == "ok" and r["run_id"] == "run1"
        assert r["end_ts"] >= r["start_ts"] and r["duration_s"] >= 0
    assert db.with_name("traces.sqlite-wal").exists() or sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_error_is_recorded_and_reraised(tmp_path: Path) -> None:
    tracer = Tracer(tmp_path / "t.sqlite", "r")
    with pytest.raises(ZeroDivisionError):
        with tracer.span("node", "outer"):
            with tracer.span("tool", "train"):
                1 / 0
    rows = {r["name"]: r for r in _rows(tmp_path / "t.sqlite")}
    assert rows["train"]["status"] == "error" and "ZeroDivisionError" in rows["train"]["error"]
    assert rows["outer"]["status"] == "error"
    assert tracer.current_span_id() is None


def test_running_span_is_visible_before_it_ends(tmp_path: Path) -> None:
    tracer = Tracer(tmp_path / "t.sqlite", "r")
    with tracer.span("node", "slow", task_id="t1"):
        (row,) = _rows(tmp_path / "t.sqlite")
        assert row["status"] == "running" and row["end_ts"] is None and row["attributes"]["task_id"] == "t1"


class _Model(BaseModel):
    name: str
    values: list[float]


def test_attributes_are_serialised_and_capped(tmp_path: Path) -> None:
    tracer = Tracer(tmp_path / "t.sqlite", "r")
    tracer.event("tool", "x", model=_Model(name="m", values=[1.5]), arr=np.arange(3), f=float("nan"),
                 path=tmp_path, obj=object(), blob=b"abc")
    tracer.event("tool", "big", text="y" * (MAX_ATTRIBUTE_CHARS * 2), many=[1] * 10)
    rows = {r["name"]: r for r in _rows(tmp_path / "t.sqlite")}
    a = rows["x"]["attributes"]
    assert a["model"] == {"name": "m", "values": [1.5]} and a["arr"] == [0, 1, 2] and a["f"] == "nan"
    assert a["path"] == str(tmp_path) and a["obj"].startswith("<object object") and a["blob"] == "<3 bytes>"
    big = rows["big"]["attributes"]
    assert len(json.dumps(big)) <= MAX_ATTRIBUTE_CHARS + 1000
    assert "truncated" in json.dumps(big)


def test_secrets_are_redacted_on_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "my-very-secret-value-123")
    monkeypatch.setenv("SOME_SERVICE_TOKEN", "tok_abcdef987")
    tracer = Tracer(tmp_path / "t.sqlite", "r")
    with pytest.raises(RuntimeError):
        with tracer.span("llm", "call", api_key="plain-key-value", openai_api_key="k2-value-xyz",
                         headers={"Authorization": "Bearer abc.def.ghi"}, input_tokens=12, max_tokens=100,
                         prompt="use sk-proj-ABCDEFGHIJKLMNOP and my-very-secret-value-123 and tok_abcdef987",
                         note="a desk-lamp_object near task-pick_up_cube") as span:
            span.set("response", "Authorization: Bearer zzzzzzzzzz")
            raise RuntimeError("failed with key my-very-secret-value-123")
    raw = (tmp_path / "t.sqlite").read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("t.sqlite-*"))
    for secret in (b"my-very-secret-value-123", b"tok_abcdef987", b"plain-key-value", b"k2-value-xyz",
                   b"abc.def.ghi", b"sk-proj-ABCDEFGHIJKLMNOP", b"zzzzzzzzzz"):
        assert secret not in raw
    (row,) = _rows(tmp_path / "t.sqlite")
    a = row["attributes"]
    assert a["input_tokens"] == 12 and a["max_tokens"] == 100  # counts are not secrets
    assert a["note"] == "a desk-lamp_object near task-pick_up_cube"  # no false positives on slugs
    assert "[REDACTED]" in a["prompt"] and "[REDACTED]" in row["error"]


def test_two_tracers_in_one_process_do_not_share_parents(tmp_path: Path) -> None:
    a = Tracer(tmp_path / "a.sqlite", "a")
    b = Tracer(tmp_path / "b.sqlite", "b")
    with a.span("run", "a"):
        with b.span("run", "b"):
            b.event("decision", "x")
    (rb, xb) = _rows(tmp_path / "b.sqlite")
    assert rb["parent_id"] is None and xb["parent_id"] == rb["span_id"]


def _write_many(db: str, run_id: str, n: int) -> None:
    tracer = Tracer(db, run_id)
    with tracer.span("run", run_id):
        for i in range(n):
            with tracer.span("node", f"n{i}", iteration=i):
                tracer.event("decision", "d", i=i)
    tracer.close()


def test_concurrent_processes_and_threads(tmp_path: Path) -> None:
    db = str(tmp_path / "traces.sqlite")
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(db, f"p{i}", 60)) for i in range(2)]
    for p in procs:
        p.start()
    tracer = Tracer(db, "threads")
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            with tracer.span("node", f"thread{k}"):
                for i in range(30):
                    tracer.event("decision", "d", k=k, i=i)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert not errors
    reader = TraceReader(db)
    assert set(reader.run_ids()) == {"p0", "p1", "threads"}
    for rid in ("p0", "p1"):
        spans = reader.spans(rid)
        assert len(spans) == 1 + 60 * 2 and all(s.status == "ok" for s in spans)
    threads_spans = reader.spans("threads")
    assert len(threads_spans) == 3 + 90
    # each thread's events hang under that thread's own span (contextvars are per thread)
    by_id = {s.span_id: s for s in threads_spans}
    for s in threads_spans:
        if s.kind == "decision":
            assert by_id[s.parent_id].name == f"thread{s.attributes['k']}"


def _child_writes(tracer: Tracer) -> None:
    tracer.event("tool", "from_child")


def test_forked_child_reopens_its_connection(tmp_path: Path) -> None:
    tracer = Tracer(tmp_path / "t.sqlite", "r")
    tracer.event("tool", "from_parent")
    p = mp.get_context("fork").Process(target=_child_writes, args=(tracer,))
    p.start()
    p.join(30)
    assert p.exitcode == 0
    tracer.event("tool", "parent_again")
    assert [s.name for s in TraceReader(tmp_path / "t.sqlite").spans()] == ["from_parent", "from_child", "parent_again"]
