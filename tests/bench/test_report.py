"""BENCHMARKS.md is generated from JSON: provenance, anchors and failures all appear in it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from roboskill.bench.report import render_markdown, write_markdown
from roboskill.bench.results import BenchResult, Metric, coerce_result, read_results, write_result

FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture()
def out_dir(tmp_path: Path) -> Path:
    out = tmp_path / "bench_out"
    shutil.copytree(FIXTURES, out)
    return out


def test_markdown_carries_provenance_anchors_and_failures(out_dir: Path, tmp_path: Path):
    md = write_markdown(out_dir, tmp_path / "BENCHMARKS.md").read_text(encoding="utf-8")
    assert "GENERATED FILE" in md and "do not edit by hand" in md
    # machine, date, commit, command for each figure
    assert "Test CPU 9000, 2 usable cores" in md
    assert "2025-01-01T00:00:00+00:00" in md and "abc123def456" in md
    assert "`roboskill bench sim --quick`" in md and "`roboskill bench diversity`" in md
    # anchors beside ours, with sources
    assert "RoboGen: 0.284 (RoboGen paper Table 1, arXiv:2311.01455)" in md
    assert "arXiv:2310.12931" in md  # Eureka in the published-numbers table
    # targets and the bench's own tables
    assert "| push_speed_ratio_vs_panda_gym | 2.5 | × | ≥ 2× | ✅ |" in md
    assert "| panda-gym PandaPush-v3 | 650.0 |" in md
    # a failed benchmark is recorded, with its error, not dropped
    assert "## `learn`" in md and "**failed** — RuntimeError: boom" in md
    # fixed section order: sim before learn before diversity
    assert md.index("## `sim`") < md.index("## `learn`") < md.index("## `diversity`")


def test_report_is_a_pure_function_of_the_json(out_dir: Path):
    results = read_results(out_dir)
    first = render_markdown(results).split("\n", 6)[-1]
    second = render_markdown(read_results(out_dir)).split("\n", 6)[-1]
    assert first == second  # only the generation timestamp line (within the first lines) may differ


def test_unreadable_json_becomes_a_failed_entry(out_dir: Path):
    (out_dir / "broken.json").write_text("{not json", encoding="utf-8")
    names = {r.name: r for r in read_results(out_dir)}
    assert names["broken"].status == "failed" and "unreadable result file" in names["broken"].error


def test_write_result_is_atomic_and_json_safe(tmp_path: Path):
    result = BenchResult(name="x", metrics=[Metric(name="nan_value", value=float("nan"))])
    path = write_result(result, tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["metrics"][0]["value"] is None
    assert not list(tmp_path.glob("*.tmp"))


def test_coerce_result_accepts_other_areas_shapes():
    plain = coerce_result("memory", {"p50_ms": 12.5, "quality": {"precision": 0.95, "recall": 0.91}, "n": 10})
    assert plain.metric("quality.precision").value == 0.95 and plain.details["n"] == 10
    shaped = coerce_result("learn", {"metrics": [{"name": "tasks_at_80", "value": 5, "target": "6/6", "passed": False}],
                                     "summary": "5/6", "extra": [1, 2]})
    assert shaped.metric("tasks_at_80").passed is False and shaped.details["extra"] == [1, 2]
    assert coerce_result("distill", None).status == "failed"
