"""`roboskill bench fidelity`: the corpus, the classification of learn outcomes, the figures, the report.

Learning is faked here (a stand-in for the `roboskill learn` subprocess, the library read and the
replay tool); the real runs are marked `slow`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pybullet as p
import pytest

from roboskill.bench import fidelity_bench as fb
from roboskill.bench.fidelity_bench import FidelityParams, Instruction, LearnRun, load_corpus, run_corpus

ROOT = Path(__file__).resolve().parents[2]


def _item(item_id: str) -> Instruction:
    return next(it for it in load_corpus() if it.id == item_id)


def _params(**kw: Any) -> FidelityParams:
    return FidelityParams(**{"train_budget_s": 1.0, "max_iterations": 1, "candidates": 1, "replay_episodes": 10,
                             "learn_timeout_s": 5.0, **kw})


def _refusing_learn(item: Instruction, home: Path, params: FidelityParams) -> LearnRun:
    return LearnRun(2, f"error: refused: {item.instruction!r} needs a liquid, which the simulator cannot represent\n",
                    0.1)


def _nothing_stored(home: Path) -> None:
    return None


# ------------------------------------------------------------------------------------- corpus
def test_corpus_size_and_impossible_share():
    items = load_corpus()
    assert len(items) >= 30
    impossible = [it for it in items if not it.possible]
    assert len(impossible) >= 8
    assert {it.unsupported for it in impossible} == {"liquid", "deformable", "unbuildable", "no_meaning"}
    assert len({it.id for it in items}) == len(items)
    assert len({it.instruction.lower() for it in items}) == len(items)
    quick = [it for it in items if it.quick]
    assert any(it.possible for it in quick) and any(not it.possible for it in quick)


def test_corpus_is_not_copied_from_the_offline_models_grammar_or_tests():
    sources = [path.read_text(encoding="utf-8", errors="replace").lower()
               for folder in ("roboskill/agents", "tests/agents_offline", "tests/agents")
               for path in (ROOT / folder).rglob("*.py")]
    blob = "\n".join(sources)
    for it in load_corpus():
        text = re.sub(r"[.!?]$", "", it.instruction.lower())
        assert text not in blob, f"{it.id}: the instruction appears verbatim in the offline model's code or tests"


def test_corpus_validation_rejects_an_impossible_entry_without_a_reason(tmp_path: Path):
    bad = tmp_path / "c.yaml"
    bad.write_text('- {id: a, instruction: "juggle", possible: false}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="unsupported"):
        load_corpus(bad)


def test_replay_seeds_are_fresh_odd_verification_seeds():
    seeds = _params(seed=2).seeds()
    assert len(seeds) == 10 and len(set(seeds)) == 10
    assert all(s % 4 == 3 for s in seeds) and min(seeds) > 100_000
    assert set(seeds).isdisjoint(_params(seed=3).seeds())


# ------------------------------------------------------------------------- runner (fake learn)
def test_smoke_one_impossible_instruction_refused(tmp_path: Path):
    item = _item("pour_water")
    results = run_corpus([item], _params(), tmp_path, learn=_refusing_learn, find_skill=_nothing_stored)
    (r,) = results
    assert r.outcome == "refused" and r.verdict == "correct_refusal" and "refused" in r.reason
    result = fb.build_result(results, _params(), "smoke")
    figures = {m.name: m for m in result.metrics}
    assert figures["impossible_refused"].value == 100.0 and figures["impossible_refused"].passed
    assert figures["false_acceptances"].value == 0 and figures["false_acceptances"].passed
    assert figures["verified_share_of_accepted"].value is None and figures["verified_share_of_accepted"].passed is False
    assert result.tables[0].rows[0][0] == "pour_water"


def test_through_the_runner_writes_json_and_a_report_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from roboskill.bench.report import render_markdown
    from roboskill.bench.results import read_results
    from roboskill.bench.runner import BENCH_NAMES, BenchMode, run_one

    assert "fidelity" in BENCH_NAMES
    seen: list[str] = []

    def learn(item: Instruction, home: Path, params: FidelityParams) -> LearnRun:
        seen.append(item.id)
        assert home.is_dir() and params.replay_episodes >= 10
        return _refusing_learn(item, home, params)

    monkeypatch.setattr(fb, "learn_subprocess", learn)
    monkeypatch.setattr(fb, "accepted_skill", _nothing_stored)
    result = run_one("fidelity", BenchMode(smoke=True), tmp_path)
    assert result.status == "ok", result.error
    assert seen == ["sing_birthday"]
    data = json.loads((tmp_path / "fidelity.json").read_text(encoding="utf-8"))
    assert data["command"] == "roboskill bench fidelity --smoke"
    assert data["details"]["items"][0]["verdict"] == "correct_refusal"
    md = render_markdown(read_results(tmp_path))
    assert "## `fidelity`" in md and "roboskill bench fidelity --smoke" in md and ">= 90 %" in md


def test_accepting_an_impossible_instruction_is_a_false_acceptance(tmp_path: Path):
    record = SimpleNamespace(name="fold_the_towel", success_rate=0.9, scene=None)
    replayed = []
    results = run_corpus([_item("fold_towel")], _params(), tmp_path,
                         learn=lambda i, h, pr: LearnRun(0, "learned fold_the_towel (success 90%)", 1.0),
                         find_skill=lambda home: record, replay=lambda *a: replayed.append(a) or [])
    (r,) = results
    assert r.outcome == "accepted" and r.verdict == "false_acceptance" and not replayed
    assert fb.summarize(results)["false_acceptances_impossible"] == 1


def test_wrongful_refusal_and_not_learned(tmp_path: Path):
    possible = [_item("pull_top_drawer_10cm"), _item("hold_button_down")]
    runs = {"pull_top_drawer_10cm": LearnRun(2, "refused: drawers are not supported", 1.0),
            "hold_button_down": LearnRun(1, "gave up hold_button_down: best success rate 20 %", 1.0)}
    results = run_corpus(possible, _params(), tmp_path, learn=lambda i, h, pr: runs[i.id], find_skill=_nothing_stored)
    assert [r.verdict for r in results] == ["wrongful_refusal", "not_learned"]
    s = fb.summarize(results)
    assert s["wrongful_refusals"] == 1 and s["possible_not_learned"] == 1 and s["accepted"] == 0


def test_parallel_learns_keep_corpus_order(tmp_path: Path):
    items = [_item("sing_birthday"), _item("fold_towel"), _item("hold_button_down")]

    def learn(item: Instruction, home: Path, params: FidelityParams) -> LearnRun:
        if item.possible:
            return LearnRun(1, "12:00:00 t001 iter 0: give_up\ngave up hold_button_down: best success rate 25%\n", 1.0)
        return _refusing_learn(item, home, params)

    results = run_corpus(items, _params(jobs=2), tmp_path, learn=learn, find_skill=_nothing_stored)
    assert [r.id for r in results] == [it.id for it in items]
    assert [r.verdict for r in results] == ["correct_refusal", "correct_refusal", "not_learned"]
    assert "gave up hold_button_down" in results[2].reason


def test_timeout_is_not_a_refusal(tmp_path: Path):
    results = run_corpus([_item("sing_birthday")], _params(), tmp_path,
                         learn=lambda i, h, pr: LearnRun(None, "refusing nothing yet", 5.0, timed_out=True),
                         find_skill=_nothing_stored)
    assert results[0].outcome == "timeout" and results[0].verdict == "not_refused"


# ------------------------------------------------------------- accepted skills: independent replay
def _lift_scene() -> Any:
    from roboskill.sim.spec import SceneSpec

    return SceneSpec.from_dict({"name": "s", "objects": [
        {"kind": "primitive", "name": "obj_0", "shape": "box", "size": [0.05] * 3, "color": [0.85, 0.15, 0.15, 1],
         "placement": {"on": "table", "offset": [0.05, 0.0]}}]})


def _replay_lifting(successes: int) -> Any:
    """A stand-in for replay_skill: builds the record's scene per seed, 'lifts' the block in the first
    `successes` episodes (teleport), hands the live env to on_end, reports the system's own verdict."""
    from roboskill.sim.builder import build_scene

    def replay(record: Any, seeds: list[int], on_end: Any, home: Path) -> list[Any]:
        outcomes = []
        for i, seed in enumerate(seeds):
            world = build_scene(record.scene, seed=seed, validate=False)
            try:
                world.step(30)
                if i < successes:
                    body = world.bodies["obj_0"]
                    pos = world.initial_poses["obj_0"][0]
                    p.resetBasePositionAndOrientation(body, [pos[0], pos[1], pos[2] + 0.12], [0, 0, 0, 1],
                                                      physicsClientId=world.client)
                on_end(SimpleNamespace(world=world), seed)
            finally:
                world.close()
            outcomes.append(SimpleNamespace(seed=seed, success=True))
        return outcomes
    return replay


@pytest.mark.parametrize("successes,verdict", [(9, "verified"), (7, "false_acceptance")])
def test_accepted_skill_is_judged_by_the_hand_written_check(tmp_path: Path, successes: int, verdict: str):
    record = SimpleNamespace(name="lift_it", success_rate=1.0, scene=_lift_scene())
    results = run_corpus([_item("lift_red_block_8cm")], _params(), tmp_path,
                         learn=lambda i, h, pr: LearnRun(0, "learned lift_it (success 100%)", 1.0),
                         find_skill=lambda home: record, replay=_replay_lifting(successes))
    (r,) = results
    assert r.outcome == "accepted" and r.verdict == verdict
    assert r.independent_successes == successes and r.episodes == 10 and r.system_episode_successes == 10
    assert len(r.episode_reasons) == 10 and "rose 12.0 cm" in r.episode_reasons[0]
    share = {m.name: m for m in fb.build_result(results, _params(), "quick").metrics}["verified_share_of_accepted"]
    assert share.value == (100.0 if verdict == "verified" else 0.0)


def test_scene_without_the_named_object_fails_without_a_replay(tmp_path: Path):
    scene = _lift_scene().model_copy(deep=True)
    scene.objects[0].color = (0.1, 0.2, 0.9, 1.0)  # a blue block where the user asked for a red one
    record = SimpleNamespace(name="lift_it", success_rate=1.0, scene=scene)
    called = []
    results = run_corpus([_item("lift_red_block_8cm")], _params(), tmp_path,
                         learn=lambda i, h, pr: LearnRun(0, "learned", 1.0), find_skill=lambda home: record,
                         replay=lambda *a: called.append(a) or [])
    assert results[0].verdict == "false_acceptance" and "silent substitution" in results[0].reason and not called


def test_replay_tool_failure_leaves_the_skill_unverified(tmp_path: Path):
    record = SimpleNamespace(name="lift_it", success_rate=1.0, scene=_lift_scene())

    def broken(*args: Any) -> list[Any]:
        raise ImportError("roboskill.tools.verify has not landed")

    results = run_corpus([_item("lift_red_block_8cm")], _params(), tmp_path,
                         learn=lambda i, h, pr: LearnRun(0, "learned", 1.0), find_skill=lambda home: record,
                         replay=broken)
    assert results[0].verdict == "unverified" and "replay failed" in results[0].reason
    assert fb.summarize(results)["false_acceptances"] == 0


def test_learn_command_uses_the_suite_budgets():
    cmd = fb.learn_command(_item("fold_towel"), _params(train_budget_s=7.0, max_iterations=2, candidates=3, seed=4))
    joined = " ".join(cmd)
    assert "learn Fold the bath towel neatly in half." in joined
    for flag in ("--llm offline", "--no-live", "--train-budget 7", "--max-iterations 2", "--candidates 3",
                 "--seed 4", "--run-id fidelity-fold_towel"):
        assert flag in joined


def test_quick_and_smoke_settings():
    from roboskill.bench.runner import BenchMode

    params, chosen = fb.params_for(BenchMode(smoke=True))
    assert [it.id for it in load_corpus() if chosen(it)] == ["sing_birthday"] and params.replay_episodes >= 10
    params, chosen = fb.params_for(BenchMode(quick=True))
    assert 4 <= sum(chosen(it) for it in load_corpus()) <= 10 and params.replay_episodes >= 10


# ----------------------------------------------------------------------------------- real runs
@pytest.mark.slow
def test_real_learn_refuses_an_impossible_instruction(tmp_path: Path):
    item = _item("fold_towel")
    (r,) = run_corpus([item], _params(train_budget_s=5.0, learn_timeout_s=600.0), tmp_path)
    assert r.verdict == "correct_refusal", (r.outcome, r.reason, r.output_tail)


@pytest.mark.slow
def test_real_learn_of_a_possible_instruction_is_classified(tmp_path: Path):
    pytest.importorskip("roboskill.tools.verify")
    item = _item("pull_top_drawer_10cm")
    (r,) = run_corpus([item], _params(train_budget_s=20.0, max_iterations=2, candidates=2, learn_timeout_s=900.0),
                      tmp_path)
    assert r.verdict in {"verified", "false_acceptance", "not_learned", "wrongful_refusal"}, r.reason
    if r.outcome == "accepted":
        assert len(r.episode_reasons) == 10


def test_only_env_var_picks_named_entries(monkeypatch) -> None:
    from types import SimpleNamespace

    from roboskill.bench.fidelity_bench import load_corpus, params_for

    monkeypatch.setenv("ROBOSKILL_FIDELITY_ONLY", "roll_red_ball_right_12cm, fold_towel")
    params, pick = params_for(SimpleNamespace(quick=True, smoke=False, seed=0))
    assert sorted(it.id for it in load_corpus() if pick(it)) == ["fold_towel", "roll_red_ball_right_12cm"]
    assert params.learn_timeout_s >= 1800  # a hang guard, not a budget
    monkeypatch.delenv("ROBOSKILL_FIDELITY_ONLY")
    _, pick = params_for(SimpleNamespace(quick=True, smoke=False, seed=0))
    assert sum(1 for it in load_corpus() if pick(it)) == sum(1 for it in load_corpus() if it.quick)
