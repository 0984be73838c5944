"""The reward writer is told every name it may use (with sizes, ranges and units) and is held to them.

Issue #18: the writer used to see only the scene spec, so it guessed link and joint names, units and where
objects ended up. Now the validated scene's names (`roboskill.sim.names`) are computed once, kept in the
graph state, shown in the writer's context and prompt, and an answer naming something that does not exist
is sent back through the repair loop with the valid names listed.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from roboskill.agents import adapters
from roboskill.agents.prompts import MIN_OUTPUT_TOKENS, estimate_prompt_tokens, fit_prompt, render_messages, \
    render_system
from roboskill.agents.reward_writer import writer_context
from roboskill.sim.spec import SceneSpec
from tests.agents import fakes as F
from tests.agents.test_graph import make_deps, run

DRAWER_SCENE = SceneSpec.model_validate({
    "name": "drawer_and_cube",
    "objects": [
        {"kind": "articulated", "name": "cabinet", "articulation": "drawer_cabinet",
         "params": {"n_drawers": 2, "width": 0.36, "depth": 0.28, "drawer_height": 0.09},
         "placement": {"position": [0.12, 0.08, 0.0]}},
        {"kind": "primitive", "name": "red_cube", "shape": "box", "size": [0.04, 0.04, 0.04],
         "placement": {"on": "table", "offset": [-0.12, -0.25]}},
    ],
}).model_dump(mode="json")  # as the graph keeps a scene: a dump that says its sizes are full extents


@pytest.fixture(scope="module")
def names() -> dict[str, Any]:
    found = adapters.scene_names(DRAWER_SCENE)
    assert found is not None
    return found


def _writer_deps() -> SimpleNamespace:
    return SimpleNamespace(library=F.FakeLibrary(), budgets=SimpleNamespace(candidates_per_iteration=2))


def test_the_adapter_names_the_handle_link_and_the_drawer_joint_in_metres(names: dict[str, Any]) -> None:
    links = {k["name"]: k for k in names["links"]}
    assert links["cabinet.drawer_0_handle"]["what"] == "handle of joint cabinet.drawer_0"
    joint = {j["name"]: j for j in names["joints"]}["cabinet.drawer_0"]
    assert joint["type"] == "prismatic" and joint["unit"] == "m" and joint["range"][0] == 0.0 and 0 < joint["range"][1] < 0.5
    cube = {o["name"]: o for o in names["objects"]}["red_cube"]
    assert cube["size"] == pytest.approx([0.04] * 3, abs=0.002) and cube["z"] == pytest.approx([0.0, 0.04], abs=0.003)
    json.dumps(names)  # plain JSON: it is checkpointed in the graph state
    assert adapters.scene_names({"name": "broken", "objects": [{"kind": "nope"}]}) is None


def test_the_writer_context_carries_the_names(names: dict[str, Any]) -> None:
    state = {"proposal": {"description": "open the drawer"}, "scene": DRAWER_SCENE, "scene_names": names}
    assert writer_context(_writer_deps(), state)["names"] == names
    external = {**state, "env_id": "FetchPush-v4", "external": {"describe": {"env_id": "FetchPush-v4"}, "state_doc": "x"}}
    assert writer_context(_writer_deps(), external)["names"] is None  # an external env has its own describe()


def test_the_rendered_prompt_states_names_units_frame_and_episode_rules(names: dict[str, Any]) -> None:
    from roboskill.sim.builder import TIME_STEP
    from roboskill.sim.env import DEFAULT_ACTION_REPEAT, DEFAULT_MAX_DELTA
    from roboskill.sim.names import names_doc
    from roboskill.sim.state import state_api_doc
    from roboskill.tools.evaluate import PRIMITIVE_MIN_STEPS

    ctx = writer_context(_writer_deps(), {"proposal": {"description": "open the drawer"}, "scene": DRAWER_SCENE,
                                          "scene_names": names})
    system, user = (str(m.content) for m in render_messages("reward_writer", ctx))
    assert system.startswith("ROLE: reward_writer\n")
    assert "cabinet.drawer_0_handle" in user and '"unit":"m"' in user and '"range":[0.0,' in user
    assert system.count(names_doc()) == 1 and system.count(state_api_doc()) == 1
    assert "{{" not in system
    assert f"1 step = {TIME_STEP * DEFAULT_ACTION_REPEAT:.3f} s" in system and f"up to {DEFAULT_MAX_DELTA:g} m" in system
    assert f"at least {PRIMITIVE_MIN_STEPS} steps" in system
    for words in ("left = +y", "full extents", "centre of mass", "`horizon` counts env steps",
                  "first step `is_success` is true", "`on: X`"):
        assert words in system, words
    external = render_system("reward_writer", {"external_state_api": "doc"})
    assert names_doc() not in external and "its names are in `external_env`" in external


def test_the_prompt_example_uses_only_names_of_its_scene() -> None:
    from roboskill.agents.schemas import RewardCandidates, SceneDesign
    from roboskill.sim.names import plan_name_errors
    from tests.agents.test_prompt_examples import _examples

    scene = SceneDesign.model_validate(_examples("scene_designer")[0]).scene.model_dump(mode="json")
    found = adapters.scene_names(scene)
    assert found is not None
    for example in _examples("reward_writer"):
        for plan in RewardCandidates.model_validate(example).candidates:
            assert plan_name_errors(plan.model_dump(mode="json"), found) == []


def test_the_prompt_with_names_of_a_large_scene_fits_an_8k_window() -> None:
    from tests.agents.test_prompt_budget import MAX_OUT, WINDOW, _contexts, _scene

    ctx = _contexts([])["reward_writer"]
    ctx["names"] = adapters.scene_names(SceneSpec.model_validate(_scene()).model_dump(mode="json"))  # 3 drawers, 6 cubes
    assert ctx["names"] is not None and len(ctx["names"]["objects"]) == 8
    fitted = fit_prompt("reward_writer", ctx, context_window=WINDOW, max_output_tokens=MAX_OUT)
    assert estimate_prompt_tokens(fitted.messages) + fitted.max_tokens <= WINDOW
    assert fitted.max_tokens >= MIN_OUTPUT_TOKENS["reward_writer"]
    assert '"cabinet.drawer_2_handle"' in str(fitted.messages[1].content)  # the names are never trimmed away


BAD_SUCCESS = "def is_success(state):\n    return state.object_position('cube')[1] > 0.1\n"
GOOD_SUCCESS = "def is_success(state):\n    return state.object_position('red_cube')[1] > 0.1\n"
GOOD_REWARD = "def compute_reward(state):\n    d = state.object_position('red_cube')[1]\n    return d, {'progress': d}\n"


def _plan(success: str) -> dict[str, Any]:
    return {"task_name": "push_cube_left", "subtasks": [
        {"name": "push", "description": "push it left", "learner": "trajopt", "reward_code": GOOD_REWARD,
         "success_code": success, "horizon": 40}]}


def test_a_wrong_object_name_is_repaired_with_the_valid_names_listed(tmp_path: Path) -> None:
    scene = {"scene": {"name": "push_cube_left", "objects": [
        {"kind": "primitive", "name": "red_cube", "shape": "box", "size": [0.04, 0.04, 0.04],
         "placement": {"on": "table"}}]}, "notes": ""}
    model = F.ScriptedChatModel(scripts={
        "proposer": [F.proposal()], "goal_writer": [F.goal("red_cube")], "scene_designer": [scene],
        "reward_writer": [{"candidates": [_plan(BAD_SUCCESS)]}, {"candidates": [_plan(GOOD_SUCCESS)]}],
        "critic": [F.critique("accept")]})
    checked: list[dict[str, Any]] = []
    deps = make_deps(tmp_path, model, F.FakeTrainer([[0.9]]), candidates_per_iteration=1,
                     check_plan_code=lambda plan, scene: checked.append(plan) or [])
    deps.scene_names = adapters.scene_names
    out = run(deps)
    assert [e["name"] for e in out["learned"]] == ["push_cube_left"]
    first, second = (F.context_of(m) for r, m in model.calls if r == "reward_writer")
    assert "red_cube" in [o["name"] for o in first["names"]["objects"]] and first["sandbox_errors"] == []
    (error,) = second["sandbox_errors"]
    assert error["subtask"] == "push" and error["field"] == "success_code" and error["line"] == 2
    assert "unknown object or link 'cube'" in error["message"]
    assert "objects are: table, red_cube" in error["message"] and "Did you mean 'red_cube'" in error["message"]
    assert [p["subtasks"][0]["success_code"] for p in checked] == [GOOD_SUCCESS]  # no dry run of the misspelt plan
    assert out["scene_names"]["objects"][1]["name"] == "red_cube"


def test_names_follow_the_scene_and_old_checkpoints_get_them(tmp_path: Path) -> None:
    from roboskill.agents import graph

    model = F.ScriptedChatModel(scripts={"reward_writer": [F.candidates(1)], "scene_designer": [F.scene()]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[0.9]]), candidates_per_iteration=1)
    calls: list[dict[str, Any]] = []
    deps.scene_names = lambda scene: calls.append(scene) or {"objects": [], "robot": {}}
    state = {"proposal": F.proposal(), "scene": F.scene()["scene"], "scene_names": None, "tokens": {}}
    assert graph.validate_scene(state, deps)["scene_names"] == {"objects": [], "robot": {}}
    assert graph.design_scene(state, deps)["scene_names"] is None  # a new scene: its names are measured again
    update = graph.write_rewards(state, deps)  # a checkpoint from before names were kept
    assert update["scene_names"] == {"objects": [], "robot": {}} and len(calls) == 2
    assert F.context_of(model.calls[-1][1])["names"] == {"objects": [], "robot": {}}
    external = {**state, "env_id": "FetchPush-v4", "external": {"describe": {}, "state_doc": "doc"}}
    assert "scene_names" not in graph.write_rewards(external, deps) and len(calls) == 2
