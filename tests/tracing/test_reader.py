"""TraceReader's grouped view (run → task → iteration → node → calls) and run discovery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roboskill.tracing import RunNotFoundError, TraceReader, TraceStoreError, Tracer, find_run, list_runs


def _agent_like_trace(db: Path, run_id: str = "run_a") -> None:
    """The shape the agents write: run span → node spans tagged with task_id/iteration → events/llm/tool."""
    tracer = Tracer(db, run_id)
    with tracer.span("run", run_id, mode="run"):
        for t, slug in enumerate(["stack_cube", "open_drawer"], start=1):
            tracer.event("task", "start", slot=t, task_id=None)
            with tracer.span("node", "propose", task_id=None, iteration=None) as s:
                tracer.event("llm", "offline", input_tokens=10, output_tokens=5, total_tokens=15, cost_usd=0.01)
                s.set("output", {"task_id": f"t{t:03d}_{slug}"})
            for it in range(2):
                with tracer.span("node", "write_rewards", task_id=f"t{t:03d}_{slug}", iteration=it):
                    with tracer.span("tool", "train", n_candidates=2):
                        pass
                tracer.event("decision", "critic", task_id=f"t{t:03d}_{slug}", iteration=it, action="accept")
    tracer.close()


def test_grouped_view(tmp_path: Path) -> None:
    db = tmp_path / "traces.sqlite"
    _agent_like_trace(db)
    root = TraceReader(db).grouped()
    assert root.kind == "run" and root.name == "run_a"
    assert [t.name for t in root.children] == ["t001_stack_cube", "t002_open_drawer"]
    first = root.children[0]
    assert [i.name for i in first.children] == ["setup", "iteration 0", "iteration 1"]
    setup = first.children[0]
    assert [(n.kind, n.name) for n in setup.children] == [("task", "start"), ("node", "propose")]
    it0 = first.children[1]
    assert [(n.kind, n.name) for n in it0.children] == [("node", "write_rewards"), ("decision", "critic")]
    assert it0.children[0].children[0].name == "train"
    assert root.totals()["total_tokens"] == 30 and first.totals()["llm_calls"] == 1
    assert first.duration_s is not None and first.duration_s >= 0

    only = TraceReader(db).grouped(task="open_drawer")
    assert [t.name for t in only.children] == ["t002_open_drawer"]
    d = only.to_dict()
    assert d["children"][0]["virtual"] is True and json.dumps(d)


def test_reader_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(TraceStoreError, match="traces.sqlite"):
        TraceReader(tmp_path / "traces.sqlite")
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not a database")
    with pytest.raises(TraceStoreError, match="bad.sqlite"):
        TraceReader(bad).spans()


def test_list_and_find_runs(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    for rid, started in [("20240101-aaa", "2024-01-01T00:00:00"), ("20240202-bbb", "2024-02-02T00:00:00")]:
        (root / rid).mkdir(parents=True)
        (root / rid / "run.json").write_text(json.dumps({"run_id": rid, "status": "finished", "started_at": started,
                                                         "skills": [{"name": "s"}], "tokens": {"total": 5}}))
    (root / "broken").mkdir()
    (root / "broken" / "run.json").write_text("{oops")
    (root / "not_a_run").mkdir()
    runs = list_runs(root)
    assert [r.run_id for r in runs][:2] == ["20240202-bbb", "20240101-aaa"] and len(runs) == 3
    broken = [r for r in runs if r.run_id == "broken"][0]
    assert broken.run_json_error and "run.json" in broken.run_json_error
    assert find_run(root, "20240101").run_id == "20240101-aaa"
    assert find_run(root, str(root / "20240202-bbb")).run_id == "20240202-bbb"
    with pytest.raises(RunNotFoundError, match="20240202-bbb"):
        find_run(root, "zzz")
    with pytest.raises(RunNotFoundError, match="ambiguous"):
        find_run(root, "2024")
    assert list_runs(tmp_path / "missing") == []
