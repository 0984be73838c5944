"""The goal through the graph: fixed before the scene, passed unchanged to every evaluation, judged by a bar
that never moves; refused tasks store nothing in `learn` mode."""

from __future__ import annotations

from pathlib import Path

from roboskill.sim.goals import Goal
from tests.agents import fakes as F

GOAL = Goal.model_validate(F.goal()["goal"]).model_dump(mode="json")
from tests.agents.test_graph import make_deps, run


def test_refused_instruction_in_learn_mode_stores_nothing_and_designs_no_scene(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={"goal_writer": [F.refusal("towels are cloth")]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[1.0]]))
    out = run(deps, mode="learn", given_task="fold the towel")
    assert not out["learned"] and out["failed"][0]["refused"] is True
    assert out["failed"][0]["reason"].startswith("refused: towels are cloth")
    assert model.roles_called() == ["goal_writer"]
    assert deps.library.list() == [] and deps.library.list_failures() == []


def test_refused_proposal_in_run_mode_is_a_recorded_failure(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={"proposer": [F.proposal()], "goal_writer": [F.refusal()]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[1.0]]))
    out = run(deps)
    assert out["failed"][0]["refused"] and "scene_designer" not in model.roles_called()
    assert deps.library.list_failures()[0].reason.startswith("refused:")


def test_goal_is_identical_in_every_iteration_and_reaches_the_trainer(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={
        "proposer": [F.proposal()], "scene_designer": [F.scene()], "reward_writer": [F.candidates()],
        "critic": [F.critique("refine_reward"), F.critique("refine_scene"), F.critique("accept")]})
    trainer = F.FakeTrainer([[0.2], [0.5], [0.95]])
    deps = make_deps(tmp_path, model, trainer)
    out = run(deps)
    goals = [r.goal for call in trainer.calls for r in call]
    assert len(goals) == 3 * 2 and all(g == GOAL for g in goals)
    assert model.roles_called().count("goal_writer") == 1
    assert deps.library.list()[0].goal.model_dump(mode="json")["conditions"][0]["kind"] == "displaced"
    assert (tmp_path / "run/tasks/t001_push_cube_left/goal.json").exists()
    assert (tmp_path / "run/tasks/t001_push_cube_left/iter_1/scene.json").exists()
    assert out["learned"][0]["goal"].startswith("cube moved left")


def test_scene_designer_and_validation_see_the_goal(tmp_path: Path) -> None:
    seen = []

    def validate(scene: dict, goal: dict | None = None) -> list[dict]:
        seen.append(goal)
        return []

    model = F.ScriptedChatModel(scripts={"proposer": [F.proposal()], "scene_designer": [F.scene()],
                                         "reward_writer": [F.candidates()], "critic": [F.critique("accept")]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[1.0]]), validate_scene=validate)
    run(deps)
    designer = next(m for r, m in model.calls if r == "scene_designer")
    assert F.context_of(designer)["goal"] == GOAL and seen == [GOAL]


def test_accept_is_overruled_below_the_bar_or_without_enough_starts_or_without_the_goal(tmp_path: Path) -> None:
    class Trainer(F.FakeTrainer):
        def __call__(self, requests, progress=None):
            self.calls.append(requests)
            k = len(self.calls)
            if k == 1:
                return [F.report(0.75)]                      # below the 0.8 bar
            if k == 2:
                return [F.report(1.0, n=4)]                  # too few starts
            if k == 3:
                return [{**F.report(1.0), "judged_by": "success_code"}]  # not judged by the goal
            return [F.report(0.85)]

    model = F.ScriptedChatModel(scripts={"proposer": [F.proposal()], "scene_designer": [F.scene()],
                                         "reward_writer": [F.candidates(n=1)], "critic": [F.critique("accept")]})
    deps = make_deps(tmp_path, model, Trainer([[0.0]]), max_iterations_per_task=5, candidates_per_iteration=1)
    out = run(deps)
    assert out["learned"][0]["iterations"] == 4
    overruled = [a for k, n, a in deps.tracer.events if k == "decision" and n == "critic"]
    assert [a["action"] for a in overruled] == ["refine_reward"] * 3 + ["accept"]
    assert "below 0.8" in overruled[0]["reason"] and "only 4 of 20" in overruled[1]["reason"]
    assert "not judged by the task's goal" in overruled[2]["reason"]


def test_give_up_reports_the_best_rate_of_all_iterations(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={"proposer": [F.proposal()], "scene_designer": [F.scene()],
                                         "reward_writer": [F.candidates()], "critic": [F.critique("refine_reward")]})
    deps = make_deps(tmp_path, model, F.FakeTrainer([[0.25, 0.1], [0.0, 0.0]]), max_iterations_per_task=2)
    out = run(deps)
    reason = out["failed"][0]["reason"]
    assert "best goal success rate 0.25" in reason and "errors:" not in reason
