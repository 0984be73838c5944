from __future__ import annotations

import json

from roboskill.bench.memory_bench import run_memory_bench, synthetic_descriptions


def test_synthetic_descriptions_distinct():
    d = synthetic_descriptions(2000)
    assert len(set(d)) == 2000


def test_memory_bench_smallest_setting(embedder, tmp_path):
    out = run_memory_bench(n_skills=100, quick=True, n_queries=10, workdir=tmp_path)
    json.dumps(out)  # JSON-able
    assert out["n_skills"] == 100 and out["n_queries"] == 10
    assert out["novelty_query_ms"]["p50"] > 0 and out["insert"]["batched_skills_per_s"] > 0
    assert out["quality"]["heldout"]["hybrid"]["precision"] >= 0.9
