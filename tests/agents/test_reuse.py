"""A plan may reuse a learned library skill: the writer is offered the nearest verified skills and every
`skill` call is resolved (exists, honest, names bound to this scene) before anything trains."""

from __future__ import annotations

import pytest

from roboskill.agents.reuse import resolve_plan, reusable_skills, reused_names
from roboskill.memory import SkillLibrary
from roboskill.tools.plan import SkillPlan
from tests.tools.test_honest_eval import STACK_GOAL
from tests.tools.test_skill_run import OTHER_SCENE
from tests.tools.test_verify import UNMET_GOAL, _record, stack_report  # noqa: F401 - the fixture


@pytest.fixture()
def library(stack_report, tmp_path):  # noqa: F811
    lib = SkillLibrary(tmp_path / "lib")
    lib.add_skill(_record(stack_report, "stack", STACK_GOAL))
    weak = _record(stack_report, "stack_weak", UNMET_GOAL).model_copy(update={"success_rate": 0.5})
    lib.add_skill(weak)
    lib.add_skill(_record(stack_report, "stack_old", None))  # no goal: never reusable
    yield lib
    lib.close()


def _plan(call: dict) -> dict:
    return {"task_name": "stack_red", "subtasks": [{"name": "stack_it", "learner": "skill", "skill": call}]}


def test_the_writer_is_offered_verified_skills_with_the_names_they_act_on(library) -> None:
    offered = reusable_skills(library, "put the small cube on the big one")
    assert [s["name"] for s in offered] == ["stack"]
    assert offered[0]["acts_on"] == ["base_cube", "top_cube"] and offered[0]["steps"] == 2
    assert {"name": "top_cube", "category": "box"} in offered[0]["objects"]


def test_a_call_is_resolved_with_a_copy_of_the_skill(library) -> None:
    plan, errors = resolve_plan(_plan({"name": "stack", "bind": {"top_cube": "red_block", "base_cube": "crate_block"}}),
                                library, OTHER_SCENE)
    assert errors == []
    parsed = SkillPlan.model_validate(plan)
    resolved = parsed.subtasks[0].skill.resolved
    assert resolved is not None and resolved.name == "stack" and len(resolved.plan.subtasks) == 2
    assert reused_names(plan) == ["stack"] == parsed.reused()


@pytest.mark.parametrize("call, words", [
    ({"name": "stak"}, ["no learned skill named 'stak'", "stack"]),
    ({"name": "stack_old"}, ["cannot be reused"]),
    ({"name": "stack", "bind": {"top_cube": "red_block"}}, ["base_cube", "crate_block", "bind"]),
    ({"name": "stack", "bind": {"top_cube": "red_block", "base_cube": "crate_block", "lid": "distractor"}},
     ["does not act on"]),
])
def test_a_bad_call_is_sent_back_in_words_the_writer_can_act_on(library, call, words) -> None:
    plan, errors = resolve_plan(_plan(call), library, OTHER_SCENE)
    assert len(errors) == 1 and errors[0]["subtask"] == "stack_it"
    for w in words:
        assert w in errors[0]["message"], errors[0]["message"]
    assert "resolved" not in (plan["subtasks"][0]["skill"])


def test_a_plan_without_reuse_is_untouched(library) -> None:
    plan = {"task_name": "t", "subtasks": [{"name": "g", "learner": "primitive",
                                            "primitive": {"name": "grasp", "args": {"object": "red_block"}}}]}
    assert resolve_plan(plan, library, OTHER_SCENE) == (plan, [])


def test_the_graph_resolves_reuse_before_the_code_check_and_sends_problems_back(library) -> None:
    from types import SimpleNamespace

    from roboskill.agents.graph import check_code

    events: list[tuple] = []
    checked: list[dict] = []
    deps = SimpleNamespace(library=library, tracer=SimpleNamespace(event=lambda *a, **k: events.append((a, k))),
                           check_plan_code=lambda plan, scene: checked.append(plan) or [],
                           budgets=SimpleNamespace(max_repairs_per_step=2))
    good = _plan({"name": "stack", "bind": {"top_cube": "red_block", "base_cube": "crate_block"}})
    update = check_code({"candidates": [good], "scene": OTHER_SCENE, "task_id": "t1"}, deps)
    assert update["code_errors"] == [] and update["candidates"][0]["subtasks"][0]["skill"]["resolved"]["name"] == "stack"
    assert checked and checked[0]["subtasks"][0]["skill"]["resolved"]  # the sandbox check sees the resolved plan
    bad = _plan({"name": "stack"})
    update = check_code({"candidates": [good, bad], "scene": OTHER_SCENE, "task_id": "t1"}, deps)
    assert [e["candidate"] for e in update["code_errors"]] == [1] and update["code_repairs"] == 1
    assert "top_cube" in update["code_errors"][0]["message"]


def test_a_multi_step_instruction_is_looked_up_step_by_step() -> None:
    """Looked up whole, a long instruction finds other long tasks worded like it before the one-step skills
    that do its steps; each step's nearest skill comes first."""
    from types import SimpleNamespace

    from roboskill.agents.reuse import step_queries

    assert step_queries("Open the top drawer, then push the puck 10 cm left, and finally press the button.") == [
        "Open the top drawer", "push the puck 10 cm left", "press the button"]
    assert step_queries("Put the cube on the plate.") == []
    asked: list[tuple[str, int]] = []

    def similar_successful(query: str, k: int, min_success_rate: float) -> list:
        asked.append((query, k))
        return []

    reusable_skills(SimpleNamespace(similar_successful=similar_successful), "Open the drawer, then press the button.")
    assert [q for q, _ in asked] == ["Open the drawer", "press the button", "Open the drawer, then press the button."]
