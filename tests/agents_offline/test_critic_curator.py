"""Critic decisions from EvalReports, and the curator's directives from chat messages."""

from __future__ import annotations

from roboskill.agents.offline.critic import critique, success_threshold
from roboskill.agents.offline.curator import curate
from roboskill.agents.offline.proposer import _matches
from roboskill.agents.offline.parser import parse_task

from .helpers import ask

TASK = {"name": "push_cube_to_target", "description": "Push the cube onto the target.", "subtasks": [],
        "objects": ["cube"], "difficulty": 2}
PLAN = {"task_name": "push_cube_to_target", "subtasks": [
    {"name": "push_cube", "description": "", "learner": "trajopt", "primitive": None,
     "reward_code": "c = 'to_goal' 'reach_behind'", "success_code": "x", "horizon": 80}]}


def _report(sr: float, *, components=None, error=None, first=None, sub_error=None):
    comps = components or {"reach_behind": (0.8, 0.1, 0.9), "to_goal": (0.3, 0.2, 0.4)}
    first = first or comps
    point = lambda c, step: {"step": step, "success_rate": sr, "mean_return": 1.0,  # noqa: E731
                             "components": {k: {"mean": m, "min": lo, "max": hi} for k, (m, lo, hi) in c.items()}}
    return {"success_rate": sr, "mean_return": sr * 10, "mean_length": 50, "time_to_success": None, "n_episodes": 10,
            "subtasks": [{"name": "push_cube", "learner": "trajopt", "success_rate": sr,
                          "reflection": [point(first, 0), point(comps, 100)], "error": sub_error}],
            "reflection_text": "", "wall_time_s": 1, "sim_time_s": 1, "train_time_s": 1, "artefacts": {}, "error": error}


def _ctx(reports, iteration=0, max_iterations=3, **kw):
    return {"task": TASK, "iteration": iteration, "max_iterations": max_iterations,
            "candidates": [{"index": i, "plan": PLAN, "report": r} for i, r in enumerate(reports)], **kw}


def test_accepts_the_best_candidate_above_the_threshold():
    c = ask("critic", _ctx([_report(0.2), _report(0.9), _report(0.6)]))
    assert c.action == "accept" and c.best_candidate == 1


def test_threshold_comes_from_the_context_or_the_prompt_text():
    assert success_threshold({"success_threshold": 0.8}, "") == 0.8
    assert success_threshold({}, "accept: success rate >= 0.5 and the behaviour ...") == 0.5
    assert success_threshold({}, "") == 0.5
    c = ask("critic", _ctx([_report(0.7)], success_threshold=0.8))
    assert c.action == "refine_reward"


def test_flat_component_gets_concrete_feedback():
    flat = {"reach_behind": (0.8, 0.1, 0.9), "to_goal": (0.05, 0.04, 0.06)}
    c = ask("critic", _ctx([_report(0.1, components=flat, first=flat)]))
    assert c.action == "refine_reward"
    assert "to_goal" in c.component_feedback and "flat" in c.component_feedback["to_goal"]
    assert "to_goal" in c.feedback


def test_scene_errors_lead_to_refine_scene():
    c = ask("critic", _ctx([_report(0.0, error="object 'cube' is unreachable: IK failed"),
                            _report(0.0, error="object 'cube' is unreachable")]))
    assert c.action == "refine_scene" and "cube" in c.feedback


def test_gives_up_at_the_iteration_bound():
    c = ask("critic", _ctx([_report(0.1)], iteration=2, max_iterations=3))
    assert c.action == "give_up" and "10%" in c.reason


def test_decomposes_a_single_step_plan_that_never_succeeds():
    c = critique(_ctx([_report(0.0), _report(0.0)], iteration=1), "")
    assert c["action"] in ("decompose", "refine_reward")
    c = critique(_ctx([_report(0.0, components={"reach_behind": (0.5, 0.1, 0.9)}), _report(0.0)], iteration=1), "")
    assert c["action"] == "decompose"


def test_failed_primitive_asks_for_a_learner_switch():
    plan = {"task_name": "t", "subtasks": [{"name": "push_cube", "learner": "primitive",
                                            "primitive": {"name": "push", "args": {"object": "cube", "target": "target"}}}]}
    ctx = {"task": TASK, "iteration": 0, "max_iterations": 3,
           "candidates": [{"index": 0, "plan": plan, "report": _report(0.0, sub_error="push primitive: cube slipped")}]}
    c = critique(ctx, "")
    assert c["action"] == "refine_reward" and "trajopt" in c["feedback"]


# ---------------------------------------------------------------------------------------- curator
def test_curator_turns_messages_into_directives():
    out = ask("curator", {"message": "focus on articulated objects", "directives": [], "last_proposal": None})
    assert [(d.kind, d.subject) for d in out.directives] == [("focus", "articulated objects")]
    out = ask("curator", {"message": "nothing with the mug", "directives": [], "last_proposal": None})
    assert [(d.kind, d.subject) for d in out.directives] == [("avoid", "mug")]
    assert "mug" in out.reply
    out = ask("curator", {"message": "make the last task harder", "directives": [],
                          "last_proposal": {"name": "open_top_drawer"}})
    assert out.directives[0].kind == "difficulty" and out.directives[0].subject == "harder"
    assert "open_top_drawer" in out.directives[0].text


def test_curator_combines_clauses_and_skips_existing_directives():
    out = curate({"message": "No more ducks, and focus on stacking", "directives": [
        {"kind": "avoid", "text": "no ducks", "subject": "duck"}], "last_proposal": None})
    assert [(d["kind"], d["subject"]) for d in out["directives"]] == [("focus", "stacking")]


def test_curator_answers_questions_and_drops_without_directives():
    out = curate({"message": "What are you focusing on?", "directives": [
        {"kind": "focus", "text": "drawers", "subject": "drawer"}], "last_proposal": None})
    assert out["directives"] == [] and "drawer" in out["reply"]
    out = curate({"message": "forget that rule about the mug", "directives": [], "last_proposal": None})
    assert out["directives"] == []


def test_curator_subjects_are_understood_by_the_proposer():
    for message, task, hit in [("focus on articulated objects", "open the top drawer", True),
                               ("nothing with the mug", "put the ball into the mug", True),
                               ("avoid the rubber duck", "lift the rubber duck", True),
                               ("nothing with the mug", "press the button", False)]:
        d = curate({"message": message, "directives": [], "last_proposal": None})["directives"][0]
        assert _matches(parse_task(task), d["subject"]) is hit, (message, task)
