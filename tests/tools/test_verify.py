"""Re-verification of stored skills (`roboskill skills verify`, `roboskill.tools.verify.replay_skill`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from roboskill.tools.reference_tasks import reference_task
from roboskill.cli.main import app
from roboskill.memory import SkillLibrary, SkillRecord
from roboskill.tools.skill_loader import build_skills
from roboskill.tools.skills import TrajectorySkill
from roboskill.tools.train import train_plan_inprocess
from roboskill.tools.verify import NO_GOAL, fresh_seeds, replay_skill, verify_skill
from tests.tools.test_honest_eval import STACK_GOAL

# a goal the stacking skill never meets: the base cube would have to end 30 cm away from where it starts
UNMET_GOAL = {**STACK_GOAL, "conditions": [{"kind": "near", "object": "base_cube", "target": [0.3, -0.3], "radius": 0.02}]}


def _record(report, name: str, goal, *, task_id: str | None = None) -> SkillRecord:
    spec, plan = reference_task("stack")
    return SkillRecord(name=name, description=f"{name}: put the small cube on the big one", scene=spec, plan=plan,
                       learners=["primitive"], success_rate=report.success_rate, metrics=report.model_dump(mode="json"),
                       artefacts=dict(report.artefacts), run_id="run1", task_id=task_id or name, goal=goal)


@pytest.fixture(scope="module")
def stack_report(tmp_path_factory):
    spec, plan = reference_task("stack")
    out = tmp_path_factory.mktemp("stack")
    report = train_plan_inprocess(spec, plan, out, budget_s=5, n_eval_episodes=3, video=False, goal=STACK_GOAL)
    assert report.error is None and report.success_rate == 1.0
    return report


def test_replay_skill_uses_fresh_seeds_and_calls_on_end_with_the_live_env(stack_report):
    rec = _record(stack_report, "stack", STACK_GOAL)
    seeds = fresh_seeds(rec, 3)
    assert all(s % 4 == 3 for s in seeds)
    assert not set(seeds) & {e.seed for e in stack_report.episodes}
    seen = []

    def independent_check(env, seed):  # a benchmark's own physical predicate, on raw state
        top, base = env.state.object_position("top_cube"), env.state.object_position("base_cube")
        seen.append((seed, bool(np.linalg.norm(top[:2] - base[:2]) < 0.02 and top[2] > base[2] + 0.03)))

    outs = replay_skill(rec, seeds, on_end=independent_check)
    assert [o.seed for o in outs] == seeds == [s for s, _ in seen]
    assert all(o.success for o in outs) and all(ok for _, ok in seen)
    assert all(o.conditions and o.end_state["objects"]["top_cube"] for o in outs)


def test_verify_skill_without_goal_cannot_verify(stack_report):
    res = verify_skill(_record(stack_report, "old_stack", None), episodes=2)
    assert not res.verified and res.reason == NO_GOAL and res.rate is None


def test_skills_verify_cli_reports_flags_and_records(stack_report, tmp_path):
    lib_dir = tmp_path / "lib"
    lib = SkillLibrary(lib_dir)
    lib.add_skill(_record(stack_report, "stack", STACK_GOAL))
    lib.add_skill(_record(stack_report, "stack_far", UNMET_GOAL))  # stored at 100 %, but its goal is never met
    lib.add_skill(_record(stack_report, "stack_old", None))
    lib.close()
    runner = CliRunner()
    res = runner.invoke(app, ["skills", "verify", "--all", "--episodes", "2", "--json", "--library", str(lib_dir)])
    assert res.exit_code == 0, res.output
    data = {s["name"]: s for s in json.loads(res.output)["skills"]}
    good, far, old = data["stack"], data["stack_far"], data["stack_old"]
    assert good["verified"] and good["n"] == 2 and good["rate"] == 1.0 and not good["flagged"]
    assert len(good["episodes"]) == 2 and all(e["success"] for e in good["episodes"])
    assert all(s % 4 == 3 for s in good["seeds"]) and good["ci95"][0] > 0.0
    assert far["verified"] and far["rate"] == 0.0 and far["flagged"]
    assert not far["episodes"][0]["conditions"][0]["ok"]
    assert not old["verified"] and old["reason"] == NO_GOAL

    lib = SkillLibrary(lib_dir)
    try:
        assert set(lib.names()) == {"stack", "stack_far", "stack_old"}  # flagged, never deleted
        v = lib.get("stack_far").metrics["verified"]
        assert v["flagged"] is True and v["n"] == 2 and v["rate"] == 0.0 and v["at"]
        assert lib.get("stack").metrics["verified"]["flagged"] is False
        assert "verified" not in lib.get("stack_old").metrics
    finally:
        lib.close()

    res = runner.invoke(app, ["skills", "verify", "stack_far", "--episodes", "1", "--in-process", "--threshold", "0.5",
                              "--library", str(lib_dir)])
    assert res.exit_code == 0, res.output
    assert "FLAGGED" in res.output and "stack_far" in res.output
    res = runner.invoke(app, ["skills", "verify", "--library", str(lib_dir)])
    assert res.exit_code != 0 and "--all" in res.output


def test_loader_rebuilds_a_trajopt_skill_as_it_was_evaluated(tmp_path):
    spec, plan = reference_task("reach")
    small = {"population": 8, "iterations": 1, "plan_horizon": 10, "execute": 4}
    report = train_plan_inprocess(spec, plan, tmp_path, budget_s=4, n_eval_episodes=1, video=False, trajopt=small)
    assert report.error is None, report.error
    data = np.load(Path(report.artefacts["trajectory"]))
    assert "nominal_0" in data.files and json.loads(str(data["trajopt_config"]))["population"] == 8
    (skill,) = build_skills(plan, report.artefacts, name="reach")
    assert isinstance(skill, TrajectorySkill) and skill.closed_loop and skill.config.population == 8
    assert np.array_equal(skill.actions, data["nominal_0"])
    goal = {"action": "reach", "summary": "the gripper at the green ball", "objects": [{"name": "goal", "category": "sphere"}],
            "conditions": [{"kind": "ee_near", "target": "goal", "radius": 0.04}]}
    rec = SkillRecord(name="reach", description="reach the ball", scene=spec, plan=plan, learners=["trajopt"],
                      success_rate=report.success_rate, metrics=report.model_dump(mode="json"),
                      artefacts=dict(report.artefacts), run_id="r", task_id="t", goal=goal)
    (out,) = replay_skill(rec, fresh_seeds(rec, 1))
    assert out.conditions and out.conditions[0]["value"] is not None
