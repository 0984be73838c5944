"""Benchmarks are guarded: a crash, a missing module or a timeout is recorded, never fatal."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from roboskill.bench import runner
from roboskill.bench.runner import BenchMode, run_isolated, run_one


def test_missing_module_is_recorded_as_not_available(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(runner._REGISTRY, "distill", ("roboskill.bench.no_such_bench_module", "run_x", True))
    result = run_one("distill", BenchMode(smoke=True), tmp_path)
    assert result.status == "not_available" and "not landed" in result.error
    data = json.loads((tmp_path / "distill.json").read_text(encoding="utf-8"))
    assert data["status"] == "not_available" and data["command"] == "roboskill bench distill --smoke"
    assert data["machine"]["cores_usable"] >= 1 and data["git_commit"]


def test_exception_is_recorded_as_failed_with_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    module = types.ModuleType("roboskill_fake_bench")

    def run_learn_bench(quick: bool = False) -> dict:
        raise RuntimeError("the learner exploded")

    module.run_learn_bench = run_learn_bench  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "roboskill_fake_bench", module)
    monkeypatch.setitem(runner._REGISTRY, "learn", ("roboskill_fake_bench", "run_learn_bench", True))
    result = run_one("learn", BenchMode(quick=True), tmp_path)
    assert result.status == "failed" and "RuntimeError: the learner exploded" in result.error


def test_owner_functions_get_quick_smoke_and_seed_when_they_accept_them(monkeypatch: pytest.MonkeyPatch):
    seen = {}
    module = types.ModuleType("roboskill_fake_bench2")

    def run_memory_bench(n_skills: int = 10_000, quick: bool = False, smoke: bool = False, seed: int = 0) -> dict:
        seen.update(quick=quick, smoke=smoke, seed=seed)
        return {"p50_ms": 3.0}

    module.run_memory_bench = run_memory_bench  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "roboskill_fake_bench2", module)
    monkeypatch.setitem(runner._REGISTRY, "memory", ("roboskill_fake_bench2", "run_memory_bench", True))
    result = run_one("memory", BenchMode(smoke=True, seed=7), None)
    assert seen == {"quick": True, "smoke": True, "seed": 7}
    assert result.metric("p50_ms").value == 3.0


def test_isolated_run_records_a_timeout(tmp_path: Path):
    # 0.01 s is far too short for a child interpreter to even import: recorded as failed, not raised
    result = run_isolated("diversity", BenchMode(smoke=True), tmp_path, timeout_s=0.01)
    assert result.status == "failed" and "limit" in result.error
    assert json.loads((tmp_path / "diversity.json").read_text(encoding="utf-8"))["status"] == "failed"


def test_unknown_benchmark_name_is_explained():
    with pytest.raises(ValueError, match="choose one of sim, learn"):
        runner._resolve("speed")


def test_run_all_records_benchmarks_it_has_no_time_for(tmp_path: Path):
    from roboskill.bench.runner import run_all

    seen = []
    results = run_all(BenchMode(smoke=True), tmp_path, names=["loop", "sim"], on_result=seen.append, total_limit_s=0)
    assert [r.name for r in results] == ["sim", "loop"]  # cheap-first run order
    assert all(r.status == "skipped" and "total time limit" in r.error for r in results)
    assert len(seen) == 2 and (tmp_path / "loop.json").exists()
