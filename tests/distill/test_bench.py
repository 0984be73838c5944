"""The distillation benchmark in smoke mode (two reference skills, tiny budgets) — slow, opt-in."""

from __future__ import annotations

import json

import pytest


@pytest.mark.slow
def test_distill_bench_smoke_returns_bench_result_shape(tmp_path) -> None:
    from roboskill.bench.distill_bench import run_distill_bench
    from roboskill.bench.results import coerce_result

    raw = run_distill_bench(smoke=True, out_dir=tmp_path / "bench")
    json.dumps(raw)  # JSON-able
    result = coerce_result("distill", raw)
    names = {m.name for m in result.metrics}
    assert {"generalist_vs_expert", "train_time", "reworded_success", "expert_success"} <= names
    assert result.tables[0].rows and len(result.tables[0].rows) == 2
    assert result.metric("train_time").value <= 1800
