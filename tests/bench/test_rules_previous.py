"""Rules and previous figures: a bench result says how it judged success, and when it replaces a result
measured under the old rules, the old figures are kept in its JSON and shown beside the new ones."""

from __future__ import annotations

import json
from pathlib import Path

from roboskill.bench.report import render_markdown, rich_tables
from roboskill.bench.results import (
    LEGACY_RULES, BenchResult, Metric, coerce_result, read_results, rules_of, with_previous, write_result,
)

NEW_RULES = "goal, end of episode, 20 starts"


def _old_learn() -> BenchResult:
    return BenchResult(name="learn", summary="6/6 reference tasks reached 80 % success", started_at="2026-12-03T09:12:17",
                       git_commit="712eb5b1766b0000", command="roboskill bench learn",
                       metrics=[Metric(name="push.toolbox_success", value=0.9),
                                Metric(name="budget_s", value=240.0)])


def _new_learn(value: float = 0.65, **kw) -> BenchResult:
    return BenchResult(name="learn", rules=NEW_RULES, summary="4/6 reference tasks reached 80 % goal success",
                       metrics=[Metric(name="push.toolbox_success", value=value),
                                Metric(name="push.toolbox_time_to_80_s", value=None)], **kw)


def test_old_figures_are_kept_as_previous_when_a_bench_writes_under_new_rules(tmp_path: Path) -> None:
    write_result(_old_learn(), tmp_path)
    write_result(_new_learn(), tmp_path)
    data = json.loads((tmp_path / "learn.json").read_text(encoding="utf-8"))
    assert data["rules"] == NEW_RULES
    prev = data["previous"]
    assert prev["rules"] == LEGACY_RULES["learn"] and "any step" in prev["rules"]
    assert prev["metrics"] == {"push.toolbox_success": 0.9, "budget_s": 240.0}
    assert prev["git_commit"].startswith("712eb5b") and prev["setting"] == "full"
    # a second run under the new rules carries the old figure forward instead of losing it
    write_result(_new_learn(0.7), tmp_path)
    (again,) = read_results(tmp_path)
    assert again.previous == prev and again.metric("push.toolbox_success").value == 0.7


def test_previous_only_for_results_with_rules_replacing_legacy_ones() -> None:
    old = _old_learn()
    assert with_previous(_old_learn(), old).previous is None          # no rules stated: nothing to compare
    assert with_previous(_new_learn(), None).previous is None          # nothing replaced
    failed = old.model_copy(update={"status": "failed"})
    assert with_previous(_new_learn(), failed).previous is None       # a failed run has no figures to keep
    sim = BenchResult(name="sim", metrics=[Metric(name="x", value=1.0)])
    assert rules_of(sim) is None and with_previous(sim.model_copy(update={"rules": "r"}), sim).previous is None
    assert rules_of(old) == LEGACY_RULES["learn"] and rules_of(_new_learn()) == NEW_RULES


def test_dict_results_keep_their_rules() -> None:
    result = coerce_result("distill", {"rules": NEW_RULES, "metrics": [{"name": "generalist_success", "value": 0.5}]})
    assert result.rules == NEW_RULES


def test_report_states_rules_and_puts_old_figures_beside_new(tmp_path: Path) -> None:
    write_result(_old_learn(), tmp_path)
    write_result(_new_learn(), tmp_path)
    write_result(BenchResult(name="external", metrics=[Metric(name="mean_success_a", value=0.74)]), tmp_path)
    md = render_markdown(read_results(tmp_path))
    learn = md[md.index("## `learn`"):]
    assert f"- rules: {NEW_RULES}" in learn
    assert "How the figures moved with the rules" in learn and LEGACY_RULES["learn"] in learn
    assert "| push.toolbox_success | 0.9 | 0.65 |" in learn
    assert "| budget_s | 240.0 | — |" in learn  # a figure only the old run had
    assert "Before: 6/6 reference tasks reached 80 % success" in learn
    # an old JSON never re-run under the new rules says which rules it was measured under
    external = md[md.index("## `external`"):]
    assert f"- rules: {LEGACY_RULES['external']}" in external
    summary = md[md.index("## Summary"):md.index("## Published")]
    assert NEW_RULES in summary and "6/6 reference tasks reached 80 % success" in summary
    titles = [getattr(t, "title", "") for t in rich_tables(read_results(tmp_path)[1])]
    assert any("before" in str(t) for t in titles)
