from __future__ import annotations

import json

from roboskill.bench.memory_bench import run_memory_bench, synthetic_descriptions


def test_synthetic_descriptions_distinct():
    d = synthetic_descriptions(2000)
    assert len(set(d)) == 2000


def test_memory_bench_smallest_setting(embedder, tmp_path):
    out = run_memory_bench(n_skills=100, quick=True, n_queries=10, workdir=tmp_path)
    json.dumps(out)  # JSON-able
    raw = out["details"]
    assert raw["n_skills"] == 100 and raw["n_queries"] == 10
    assert raw["novelty_query_ms"]["p50"] > 0 and raw["insert"]["batched_skills_per_s"] > 0
    assert raw["quality"]["heldout"]["hybrid"]["precision"] >= 0.9
    metrics = {m["name"]: m for m in out["metrics"]}
    assert metrics["novelty_query_p50_ms"]["value"] == raw["novelty_query_ms"]["p50"]
    assert metrics["novelty_precision"]["passed"] is True
    assert metrics["difflib_baseline_precision"]["value"] == raw["quality"]["heldout"]["difflib"]["precision"]
    assert {row[1] for row in out["tables"][0]["rows"]} == {"hybrid", "cosine", "difflib"}
    assert out["summary"].startswith("novelty query p50")
