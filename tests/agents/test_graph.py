"""Every branch of the agent graph, driven by scripted chat models and a fake trainer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from roboskill.agents.deps import Deps, NullTracer
from roboskill.agents.graph import build_graph
from roboskill.agents.llm import ChatModels
from roboskill.agents.state import initial_state
from roboskill.config import Settings
from tests.agents import fakes as F


def make_deps(tmp_path: Path, model: F.ScriptedChatModel, trainer: F.FakeTrainer, *, library: Any = None,
              validate_scene=None, check_plan_code=None, **budgets: Any) -> Deps:
    settings = Settings(home=tmp_path, budgets={"candidates_per_iteration": 2, "max_iterations_per_task": 3,
                                                 "max_repairs_per_step": 2, "max_tasks": 1, **budgets})
    return Deps(settings=settings, models=ChatModels(settings.llm, default=model),
                library=library or F.FakeLibrary(), trainer=trainer, run_dir=tmp_path / "run",
                tracer=NullTracer(), retry_sleep=lambda s: None,
                validate_scene=validate_scene or (lambda s, goal=None: []),
                check_plan_code=check_plan_code or (lambda p, s: []))


def run(deps: Deps, mode: str = "run", **kw: Any) -> dict:
    graph = build_graph(deps, checkpointer=InMemorySaver())
    cfg = {"configurable": {"thread_id": "t"}, "recursion_limit": 500}
    return graph.invoke(initial_state("r1", mode, **kw), cfg)


def test_accept_stores_skill(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={"proposer": [F.proposal()], "scene_designer": [F.scene()],
                                         "reward_writer": [F.candidates()], "critic": [F.critique("accept", 1)]})
    trainer = F.FakeTrainer([[0.2, 0.9]])
    deps = make_deps(tmp_path, model, trainer)
    out = run(deps)
    assert [e["name"] for e in out["learned"]] == ["push_cube_left"]
    rec = deps.library.list()[0]
    assert rec.success_rate == 0.9 and rec.task_id == "t001_push_cube_left" and rec.run_id == "r1"
    assert model.roles_called() == ["proposer", "goal_writer", "scene_designer", "reward_writer", "critic"]
    assert len(trainer.calls[0]) == 2
    # artefact files of each candidate written before training
    cand = tmp_path / "run/tasks/t001_push_cube_left/iter_0/cand_1"
    assert (cand / "plan.json").exists() and (cand / "reward_push.py").exists()
    assert out["tokens"]["total"] == 5 * 120  # proposer, goal writer, designer, writer, critic
    assert out["stop_reason"].startswith("finished 1")
    decisions = [(n, a.get("action")) for k, n, a in deps.tracer.events if k == "decision"]
    assert ("critic", "accept") in decisions


def test_refine_reward_sends_feedback_to_writer(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={
        "proposer": [F.proposal()], "scene_designer": [F.scene()], "reward_writer": [F.candidates()],
        "critic": [F.critique("refine_reward", feedback="reach term stagnates"), F.critique("accept", 0)]})
    trainer = F.FakeTrainer([[0.0, 0.1], [0.8, 0.3]])
    deps = make_deps(tmp_path, model, trainer)
    out = run(deps)
    assert out["learned"][0]["iterations"] == 2
    writer_calls = [m for r, m in model.calls if r == "reward_writer"]
    ctx = F.context_of(writer_calls[1])
    assert ctx["critic_feedback"] == "reach term stagnates"
    assert ctx["component_feedback"] == {"progress": "scale it"}
    assert ctx["previous_candidates"] and ctx["reflection"] == "progress mean 0.0"
    assert (tmp_path / "run/tasks/t001_push_cube_left/iter_1/cand_0/plan.json").exists()


def test_refine_scene_goes_back_to_designer(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={
        "proposer": [F.proposal()], "scene_designer": [F.scene()], "reward_writer": [F.candidates()],
        "critic": [F.critique("refine_scene", feedback="cube unreachable"), F.critique("accept")]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[0.0], [0.85]]))
    out = run(deps)
    assert model.roles_called() == ["proposer", "goal_writer", "scene_designer", "reward_writer", "critic",
                                    "scene_designer", "reward_writer", "critic"]
    assert out["learned"]


def test_give_up_records_failure(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={
        "proposer": [F.proposal()], "scene_designer": [F.scene()], "reward_writer": [F.candidates()],
        "critic": [F.critique("give_up", feedback="hopeless")]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[0.0]]))
    out = run(deps)
    assert not out["learned"] and out["failed"][0]["name"] == "push_cube_left"
    (failure,) = deps.library.list_failures()
    assert failure.reason.startswith("give_up (best goal success rate of all iterations 0.00")


def test_iterations_are_bounded(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={
        "proposer": [F.proposal()], "scene_designer": [F.scene()], "reward_writer": [F.candidates()],
        "critic": [F.critique("refine_reward")]})
    trainer = F.FakeTrainer([[0.1]])
    deps = make_deps(tmp_path, model, trainer, max_iterations_per_task=2)
    out = run(deps)
    assert len(trainer.calls) == 2
    assert "no accepted candidate after 2 iteration" in out["failed"][0]["reason"]


def test_accept_without_success_is_overridden(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={
        "proposer": [F.proposal()], "scene_designer": [F.scene()], "reward_writer": [F.candidates()],
        "critic": [F.critique("accept")]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[0.0], [0.0], [0.9]]))
    out = run(deps)
    assert out["learned"][0]["iterations"] == 3


def test_decompose_routes_to_writer(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={
        "proposer": [F.proposal()], "scene_designer": [F.scene()], "reward_writer": [F.candidates()],
        "critic": [F.critique("decompose", feedback="split into reach then push"), F.critique("accept")]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[0.0], [0.9]]))
    out = run(deps)
    assert model.roles_called().count("reward_writer") == 2 and out["learned"]


def test_invalid_output_then_repair(tmp_path: Path) -> None:
    """Prose, truncated JSON and a schema error are each sent back to the same role, then it succeeds."""
    bad_name = dict(F.proposal(), name="Push Cube!")
    model = F.ScriptedChatModel(scripts={
        "proposer": ["I think the robot should push a cube.", '```json\n{"name": "push_cube', bad_name, F.proposal()],
        "scene_designer": [F.scene()], "reward_writer": [F.candidates()], "critic": [F.critique("accept")]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[1.0]]), max_repairs_per_step=3)
    out = run(deps)
    assert out["learned"]
    proposer_calls = [m for r, m in model.calls if r == "proposer"]
    assert len(proposer_calls) == 4
    last = proposer_calls[-1]
    repairs = [str(m.content) for m in last if str(m.content).startswith("REPAIR:")]
    assert len(repairs) == 3
    assert "no JSON object in your answer" in repairs[0] and "invalid" in repairs[1] and "snake_case" in repairs[2]


def test_repairs_exhausted_give_up_with_reason(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={"proposer": [F.proposal()], "scene_designer": ["no idea"]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[1.0]]), max_repairs_per_step=1)
    out = run(deps)
    assert "design_scene failed" in out["failed"][0]["reason"] and "no JSON" in out["failed"][0]["reason"]
    assert deps.library.list_failures()[0].task_id == "t001_push_cube_left"


def test_scene_validation_errors_go_back_to_designer(tmp_path: Path) -> None:
    def validate(scene: dict, goal: dict | None = None) -> list[dict]:
        names = [o["name"] for o in scene["objects"]]
        return [{"object": "bad_cube", "code": "unreachable", "message": "bad_cube is out of reach",
                 "fix": "move it closer"}] if "bad_cube" in names else []

    model = F.ScriptedChatModel(scripts={
        "proposer": [F.proposal()], "scene_designer": [F.scene(bad=True), F.scene()],
        "reward_writer": [F.candidates()], "critic": [F.critique("accept")]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[1.0]]), validate_scene=validate)
    out = run(deps)
    assert out["learned"]
    designer = [m for r, m in model.calls if r == "scene_designer"]
    ctx = F.context_of(designer[1])
    assert ctx["validation_errors"][0]["code"] == "unreachable"
    assert ctx["previous_scene"]["objects"][0]["name"] == "bad_cube"


def test_sandbox_rejected_code_goes_back_to_writer(tmp_path: Path) -> None:
    from roboskill.agents.adapters import check_plan_code

    hostile = "import os\ndef compute_reward(state):\n    return 0.0, {}\n"
    model = F.ScriptedChatModel(scripts={
        "proposer": [F.proposal()], "scene_designer": [F.scene()],
        "reward_writer": [F.candidates(reward=hostile), F.candidates()], "critic": [F.critique("accept")]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[1.0]]), check_plan_code=lambda p, s: check_plan_code(p))
    out = run(deps)
    assert out["learned"]
    writer = [m for r, m in model.calls if r == "reward_writer"]
    errors = F.context_of(writer[1])["sandbox_errors"]
    assert errors and errors[0]["line"] == 1 and "os" in errors[0]["message"] and errors[0]["subtask"] == "push"


def test_not_novel_reproposes_with_feedback(tmp_path: Path) -> None:
    lib = F.FakeLibrary()
    model = F.ScriptedChatModel(scripts={
        "proposer": [F.proposal(), F.proposal(), F.proposal("open_drawer", "Open the drawer.")],
        "scene_designer": [F.scene()], "reward_writer": [F.candidates()], "critic": [F.critique("accept")]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[1.0]]), library=lib, max_tasks=2)
    out = run(deps)
    assert [e["name"] for e in out["learned"]] == ["push_cube_left", "open_drawer"]
    prop_calls = [m for r, m in model.calls if r == "proposer"]
    ctx = F.context_of(prop_calls[2])  # 3rd proposal call: 2nd slot after a duplicate
    assert "push_cube_left" in ctx["novelty_feedback"] and ctx["learned_skills"][0]["name"] == "push_cube_left"


def test_learn_mode_skips_proposer(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={"scene_designer": [F.scene("open_the_top_drawer")],
                                         "reward_writer": [F.candidates(task="open_the_top_drawer")],
                                         "critic": [F.critique("accept")]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[1.0]]), max_tasks=5)
    out = run(deps, mode="learn", given_task="open the top drawer")
    assert "proposer" not in model.roles_called()
    assert [e["name"] for e in out["learned"]] == ["open_the_top_drawer"]
    assert deps.library.list()[0].description == "Open the top drawer."


def test_llm_unavailable_is_a_recorded_failure(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={"proposer": [TimeoutError("read timed out")]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[1.0]]))
    out = run(deps)
    assert "LLM call failed" in out["failed"][0]["reason"] and "TimeoutError" in out["failed"][0]["reason"]


def test_token_budget_stops_run(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={"proposer": [F.proposal()], "scene_designer": [F.scene()],
                                         "reward_writer": [F.candidates()], "critic": [F.critique("give_up")]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[0.0]]), max_tasks=5, max_tokens=300)
    out = run(deps)
    assert out["tasks_done"] == 1 and "token budget" in out["stop_reason"]


def test_chat_review_reject_then_approve(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={
        "proposer": [F.proposal(), F.proposal("open_drawer", "Open the drawer.")],
        "curator": [{"directives": [{"kind": "focus", "text": "articulated objects", "subject": "articulated"}],
                     "reply": "ok, articulated"}],
        "scene_designer": [F.scene()], "reward_writer": [F.candidates()], "critic": [F.critique("accept")]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[1.0]]))
    graph = build_graph(deps, checkpointer=InMemorySaver())
    cfg = {"configurable": {"thread_id": "c"}, "recursion_limit": 500}
    out = graph.invoke(initial_state("r1", "chat"), cfg)
    (intr,) = out["__interrupt__"]
    assert intr.value["proposal"]["name"] == "push_cube_left"
    out = graph.invoke(Command(resume={"action": "message", "text": "focus on articulated objects"}), cfg)
    assert out["__interrupt__"][0].value["chat_reply"] == "ok, articulated"
    out = graph.invoke(Command(resume={"action": "reject", "text": "boring"}), cfg)
    assert out["__interrupt__"][0].value["proposal"]["name"] == "open_drawer"
    ctx = F.context_of([m for r, m in model.calls if r == "proposer"][1])
    assert ctx["rejected"][0]["reason"] == "boring" and ctx["directives"][0]["kind"] == "focus"
    out = graph.invoke(Command(resume={"action": "approve"}), cfg)
    assert "__interrupt__" not in out and [e["name"] for e in out["learned"]] == ["open_drawer"]


def test_candidate_reward_file_holds_a_shared_module_once(tmp_path):
    """A writer that returns one module as both reward and success code gets it written once, not twice."""
    from roboskill.agents.graph import _write_candidate_files

    module = "def is_success(state):\n    return True\n\ndef compute_reward(state):\n    return 0.0, {}\n"
    separate = "def is_success(state):\n    return False\n"
    _write_candidate_files(tmp_path, {"subtasks": [
        {"name": "shared", "reward_code": module, "success_code": module},
        {"name": "split", "reward_code": "def compute_reward(state):\n    return 0.0, {}\n", "success_code": separate}]})
    assert (tmp_path / "reward_shared.py").read_text().count("def is_success") == 1
    split = (tmp_path / "reward_split.py").read_text()
    assert "def compute_reward" in split and "return False" in split
