"""`roboskill skills run`: a stored skill executes in its own scene or another one with rebound objects,
every episode judged by its (rebound) goal."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from roboskill.cli.main import app
from roboskill.memory import SkillLibrary
from roboskill.sim.spec import SceneSpec
from roboskill.tools.runtime import make_plan_env
from roboskill.tools.rebind import BindingError, parse_bindings, rebind_code, rebind_goal, rebind_name
from roboskill.tools.skill_runner import SkillRunError, observation_adapter, run_skill
from tests.tools.test_honest_eval import STACK_GOAL
from tests.tools.test_verify import UNMET_GOAL, _record, stack_report  # noqa: F401 - the fixture

# another scene, written by hand: the same two-cube stacking situation with other names, colours and places,
# plus a distractor; the skill learned on base_cube/top_cube must act on the bound objects here
OTHER_SCENE = {
    "name": "blocks_on_the_left",
    "objects": [
        {"kind": "primitive", "name": "crate_block", "shape": "box", "size": [0.06, 0.06, 0.05],
         "color": [0.2, 0.3, 0.8, 1.0], "mass": 0.3, "placement": {"on": "table", "offset": [0.05, 0.12]}},
        {"kind": "primitive", "name": "distractor", "shape": "cylinder", "size": [0.04, 0.06],
         "placement": {"on": "table", "offset": [0.12, -0.18]}},
        {"kind": "primitive", "name": "red_block", "shape": "box", "size": [0.04, 0.04, 0.04],
         "color": [0.9, 0.1, 0.1, 1.0], "placement": {"on": "table", "offset": [-0.05, -0.06]}},
    ],
}


def _library(tmp_path: Path, report, *records) -> Path:
    lib_dir = tmp_path / "lib"
    lib = SkillLibrary(lib_dir)
    for name, goal in records:
        lib.add_skill(_record(report, name, goal))
    lib.close()
    return lib_dir


def _json(output: str) -> dict:
    return json.JSONDecoder().raw_decode(output[output.index("{"):])[0]


def test_bindings_parse_and_rename_objects_with_their_joints() -> None:
    m = parse_bindings(["cube=red_block", "cabinet=desk", "cabinet.drawer_1=desk.drawer_0"])
    assert rebind_name("cube", m) == "red_block"
    assert rebind_name("cabinet.drawer_0", m) == "desk.drawer_0"
    assert rebind_name("cabinet.drawer_1", m) == "desk.drawer_0"  # the qualified binding wins
    assert rebind_name("cube_top", m) == "cube_top" and rebind_name("table", m) == "table"
    for bad in (["cube"], ["Cube=x"], ["cube=desk.drawer_0"], ["a=b", "a=c"]):
        with pytest.raises(BindingError):
            parse_bindings(bad)


def test_rebind_code_renames_whole_string_literals_only() -> None:
    src = 'def is_success(state):\n    return state.is_grasped("cube") and "cube_top" != \'cabinet.drawer_0\'  # cube\n'
    out = rebind_code(src, {"cube": "red_block", "cabinet": "desk"})
    assert "'red_block'" in out and '"cube_top"' in out and "'desk.drawer_0'" in out and "# cube" in out
    compile(out, "<skill>", "exec")


def test_rebind_goal_keeps_categories_and_summary() -> None:
    from roboskill.sim.goals import Goal

    goal = rebind_goal(Goal.model_validate(STACK_GOAL), {"top_cube": "red_block", "base_cube": "crate_block"})
    assert [o.name for o in goal.objects] == ["red_block", "crate_block"]
    assert goal.conditions[0].object == "red_block" and goal.conditions[0].support == "crate_block"
    assert [o.category for o in goal.objects] == ["box", "box"] and goal.summary == STACK_GOAL["summary"]


def test_skills_run_in_its_own_scene_prints_goal_success_per_episode(stack_report, tmp_path):  # noqa: F811
    lib_dir = _library(tmp_path, stack_report, ("stack", STACK_GOAL))
    before = SkillLibrary(lib_dir).get("stack").model_dump(mode="json")
    res = CliRunner().invoke(app, ["skills", "run", "stack", "--episodes", "3", "--json", "--in-process",
                                   "--library", str(lib_dir)])
    assert res.exit_code == 0, res.output
    data = _json(res.output)
    assert data["own_scene"] and data["n"] == 3 and data["successes"] == 3
    assert [e["seed"] for e in data["episodes"]] == data["seeds"] and all(s % 4 == 3 for s in data["seeds"])
    assert all(e["success"] and e["conditions"][0]["ok"] for e in data["episodes"])
    assert SkillLibrary(lib_dir).get("stack").model_dump(mode="json") == before  # running stores nothing


def test_skills_run_in_another_scene_with_bindings(stack_report, tmp_path):  # noqa: F811
    lib_dir = _library(tmp_path, stack_report, ("stack", STACK_GOAL))
    scene = tmp_path / "other.yaml"
    scene.write_text(yaml.safe_dump(OTHER_SCENE))
    video = tmp_path / "out" / "run.mp4"
    res = CliRunner().invoke(app, ["skills", "run", "stack", "--scene", str(scene), "--bind", "top_cube=red_block",
                                   "--bind", "base_cube=crate_block", "--episodes", "3", "--video", str(video),
                                   "--json", "--library", str(lib_dir)])  # isolated worker: the default
    assert res.exit_code == 0, res.output
    data = _json(res.output)
    assert not data["own_scene"] and data["scene"] == "blocks_on_the_left"
    assert data["bindings"] == {"top_cube": "red_block", "base_cube": "crate_block"}
    assert data["successes"] == 3, data["episodes"]
    assert data["episodes"][0]["end_state"]["objects"]["red_block"]
    assert video.exists() and video.stat().st_size > 1000


def test_skills_run_refuses_a_scene_without_its_objects_and_names_what_is_there(stack_report, tmp_path):  # noqa: F811
    lib_dir = _library(tmp_path, stack_report, ("stack", STACK_GOAL))
    scene = tmp_path / "other.yaml"
    scene.write_text(yaml.safe_dump(OTHER_SCENE))
    res = CliRunner().invoke(app, ["skills", "run", "stack", "--scene", str(scene), "--in-process",
                                   "--library", str(lib_dir)])
    assert res.exit_code == 1
    assert "top_cube" in res.output and "red_block" in res.output and "--bind" in res.output
    res = CliRunner().invoke(app, ["skills", "run", "stack", "--bind", "lid=red_block", "--in-process",
                                   "--library", str(lib_dir)])
    assert res.exit_code == 1 and "does not use" in res.output


def test_skills_run_exits_2_when_the_goal_does_not_hold(stack_report, tmp_path):  # noqa: F811
    lib_dir = _library(tmp_path, stack_report, ("stack_far", UNMET_GOAL))
    res = CliRunner().invoke(app, ["skills", "run", "stack_far", "--episodes", "2", "--in-process",
                                   "--library", str(lib_dir)])
    assert res.exit_code == 2, res.output
    assert "failure" in res.output and "0/2" in res.output


def test_observation_adapter_reads_the_bound_objects_in_the_policy_layout() -> None:
    from roboskill.tools.reference_tasks import reference_task

    own, _ = reference_task("stack")
    source = make_plan_env(own, seed=0)
    target = make_plan_env(SceneSpec.model_validate(OTHER_SCENE), seed=0)
    try:
        layout = source.observation_layout()
        adapt = observation_adapter(layout, target, {"top_cube": "red_block", "base_cube": "crate_block"})
        obs, full, there = adapt(target), target.current_observation(), target.observation_layout()
        assert obs.shape == source.observation_space.shape
        for mine, theirs in (("top_cube.pos", "red_block.pos"), ("base_cube.quat", "crate_block.quat"),
                             ("proprio", "proprio")):
            a, b = layout[mine]
            c, d = there[theirs]
            assert np.allclose(obs[a:b], full[c:d])
        with pytest.raises(SkillRunError, match="base_cube"):
            observation_adapter(layout, target, {"top_cube": "red_block"})
    finally:
        source.close()
        target.close()


def test_run_skill_without_a_goal_says_why(stack_report) -> None:  # noqa: F811
    with pytest.raises(SkillRunError, match="without a task goal"):
        run_skill(_record(stack_report, "old", None), episodes=1)


# ------------------------------------------------------------------------------------- reuse in plans
def _reuse_plan(stack_record) -> "SkillPlan":
    from roboskill.tools.plan import ReusedSkill, SkillPlan

    resolved = ReusedSkill(name=stack_record.name, plan=stack_record.plan, artefacts=stack_record.artefacts)
    return SkillPlan.model_validate({"task_name": "stack_then_push", "subtasks": [
        {"name": "stack_red_on_crate", "learner": "skill",
         "skill": {"name": "stack", "bind": {"top_cube": "red_block", "base_cube": "crate_block"},
                   "resolved": resolved.model_dump(mode="json")}},
        {"name": "lift_distractor", "learner": "primitive",
         "primitive": {"name": "grasp", "args": {"object": "distractor"}},
         "success_code": "def is_success(state):\n    return state.is_grasped('distractor')\n"}]})


REUSE_GOAL = {"action": "stack_and_lift", "summary": "the red block rests on the crate block; the can is held up",
              "objects": [{"name": "red_block", "category": "box"}, {"name": "crate_block", "category": "box"},
                          {"name": "distractor", "category": "cylinder"}],
              "conditions": [{"kind": "on", "object": "red_block", "support": "crate_block"},
                             {"kind": "lifted", "object": "distractor", "height": 0.04}],
              "at_rest": False}


def test_a_plan_reuses_a_library_skill_as_one_step_and_is_judged_by_its_own_goal(stack_report, tmp_path):  # noqa: F811
    from roboskill.memory import SkillRecord
    from roboskill.tools.train import train_plan_inprocess

    stack = _record(stack_report, "stack", STACK_GOAL)
    plan = _reuse_plan(stack)
    assert plan.reused() == ["stack"]
    spec = SceneSpec.model_validate(OTHER_SCENE)
    report = train_plan_inprocess(spec, plan, tmp_path / "job", budget_s=5, n_eval_episodes=3, video=False,
                                  goal=REUSE_GOAL)
    assert report.error is None, report.error
    assert report.success_rate == 1.0, [e.conditions for e in report.episodes]
    # the new skill replays from its own record, without the library (the reused copy travels in its plan)
    from roboskill.tools.verify import verify_skill

    rec = SkillRecord(name="stack_then_push", description="stack then push", scene=spec, plan=plan,
                      learners=["skill", "primitive"], success_rate=1.0, metrics=report.model_dump(mode="json"),
                      artefacts=dict(report.artefacts), run_id="r", task_id="t", goal=REUSE_GOAL)
    res = verify_skill(SkillRecord.model_validate(json.loads(rec.model_dump_json())), episodes=2)
    assert res.verified and res.rate == 1.0, res.reason


def test_a_reused_skill_that_fails_in_the_new_scene_names_its_failing_step(stack_report, tmp_path):  # noqa: F811
    from roboskill.tools.train import train_plan_inprocess

    stack = _record(stack_report, "stack", STACK_GOAL)
    plan = _reuse_plan(stack)
    bad = plan.model_copy(deep=True)
    bad.subtasks[0].skill.bind = {"top_cube": "anvil", "base_cube": "crate_block"}  # 12 cm wide: no grasp
    scene = {**OTHER_SCENE, "objects": [*OTHER_SCENE["objects"], {
        "kind": "primitive", "name": "anvil", "shape": "box", "size": [0.12, 0.12, 0.05], "mass": 2.0,
        "placement": {"on": "table", "offset": [0.1, -0.02]}}]}
    goal = {**REUSE_GOAL, "objects": [*REUSE_GOAL["objects"], {"name": "anvil", "category": "box"}]}
    report = train_plan_inprocess(SceneSpec.model_validate(scene), bad, tmp_path / "job", budget_s=5,
                                  n_eval_episodes=3, video=False, goal=goal)
    assert report.success_rate < 1.0
    messages = [m for e in report.episodes for m in e.messages]
    assert any("reused skill 'stack': its step 'grasp_top_cube' failed" in m for m in messages), messages


def test_skills_show_draws_what_a_skill_reuses(stack_report, tmp_path):  # noqa: F811
    from roboskill.memory import SkillRecord

    stack = _record(stack_report, "stack", STACK_GOAL)
    rec = SkillRecord(name="stack_then_lift", description="stack the red block then lift the can",
                      scene=SceneSpec.model_validate(OTHER_SCENE), plan=_reuse_plan(stack), learners=["skill", "primitive"],
                      success_rate=1.0, run_id="r", task_id="t", goal=REUSE_GOAL)
    lib_dir = tmp_path / "lib"
    with SkillLibrary(lib_dir) as lib:
        lib.add_skill(rec)
    res = CliRunner().invoke(app, ["skills", "show", "stack_then_lift", "--json", "--library", str(lib_dir)])
    assert res.exit_code == 0, res.output
    assert _json(res.output)["uses"] == [{"name": "stack", "step": "stack_red_on_crate", "uses": [],
                                          "bind": {"top_cube": "red_block", "base_cube": "crate_block"}}]
    res = CliRunner().invoke(app, ["skills", "show", "stack_then_lift", "--library", str(lib_dir)])
    text = " ".join(res.output.split())  # the table wraps at the terminal width
    assert "uses" in text and "stack_red_on_crate: stack (top_cube->red_block," in text, text
