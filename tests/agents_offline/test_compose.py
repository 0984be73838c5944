"""Skills that compose (issue #20), offline model: the proposer chains what the library holds, the goal writer
turns a chain into ONE goal over the end state (or refuses), and the reward writer calls the learned skills
that do a step — bound to this scene's names — instead of deriving the step again, and only those."""

from __future__ import annotations

import random
from typing import Any

import pytest

from roboskill.agents.offline.chains import learnable_fraction
from roboskill.agents.offline.goals import write_goal
from roboskill.agents.offline.parser import parse_task
from roboskill.agents.offline.proposer import propose
from roboskill.agents.offline.scenes import build_scene_dict
from roboskill.sim.goals import GoalAnswer
from roboskill.sim.spec import SceneSpec

from .helpers import ask, proposer_context

PARTS = [
    {"name": "open_top_drawer_cabinet", "description": "Open the top drawer of the cabinet."},
    {"name": "put_inside_blue_block_into_top_drawer_cabinet", "description": "Put the blue block into the top drawer."},
    {"name": "close_top_drawer_cabinet", "description": "Close the top drawer."},
    {"name": "push_puck_left", "description": "Push the puck 10 cm to the left."},
    {"name": "press_button", "description": "Press the button."},
    {"name": "place_blue_block_on_plate", "description": "Put the blue block on the plate."},
]
CHAIN = "Open the top drawer, then push the puck 10 cm to the left, and finally put the red block on the plate."
STORE = "Open the top drawer, put the red block inside, then close the drawer."


def _scene(text: str, seed: int = 0) -> dict[str, Any]:
    """The offline designer's scene for `text` as the graph keeps it (validated, full extents recorded)."""
    return SceneSpec.model_validate(build_scene_dict(parse_task(text), random.Random(seed), name="t")).model_dump(mode="json")


def _goal(text: str) -> dict[str, Any]:
    return GoalAnswer.model_validate(write_goal({"task": {"description": text}})).model_dump(mode="json", exclude_none=True)


# ------------------------------------------------------------------------------------------ proposer
def test_a_library_holding_the_parts_makes_the_proposer_chain_them() -> None:
    learned_sigs = {parse_task(p["description"], name=p["name"]).signature() for p in PARTS}
    chains = []
    for seed in range(6):
        p = ask("proposer", proposer_context(learned_skills=PARTS), seed=seed)
        frame = parse_task(p.description, name=p.name)
        if len(frame.units()) >= 3:
            chains.append((p, frame))
    assert chains, "no long-horizon proposal from a library that holds open / put inside / close / push / press"
    for p, frame in chains:
        assert learnable_fraction(frame, learned_sigs) >= 0.5, p.description  # learnable now: its steps exist
        assert frame.signature() not in learned_sigs  # ... but the whole is new
        assert p.difficulty >= 4 and len(p.subtasks) >= 3, p
        assert "goal" in write_goal({"task": {"name": p.name, "description": p.description}}), p.description


def test_no_chains_before_the_library_has_parts_and_not_only_chains_after() -> None:
    empty = [parse_task(propose(proposer_context(), random.Random(s))["description"]) for s in range(10)]
    assert not any(f.then for f in empty)
    learned: list[dict[str, Any]] = []
    kinds = []
    for i in range(24):  # a growing library (every proposal accepted): chains come, single skills keep coming
        p = propose(proposer_context(learned_skills=list(learned)), random.Random(100 + i))
        frame = parse_task(p["description"], name=p["name"])
        kinds.append(bool(frame.then) or len(frame.units()) >= 3)
        learned.append({"name": p["name"], "description": p["description"]})
    assert 2 <= sum(kinds) <= 12, kinds
    assert not any(kinds[:2])


# --------------------------------------------------------------------------------------- goal writer
def test_a_compound_instruction_is_one_goal_over_the_end_state() -> None:
    goal = _goal(STORE)["goal"]
    kinds = {c["kind"]: c for c in goal["conditions"]}
    assert kinds["inside"]["object"] == "red_block" and kinds["inside"]["container"] == "cabinet.drawer_0"
    assert kinds["joint_fraction"]["joint"] == "cabinet.drawer_0" and kinds["joint_fraction"]["at_most"] <= 0.15
    assert "joint_fraction" in kinds and not any(c.get("at_least") for c in goal["conditions"])  # it ends closed


def test_a_chain_is_one_goal_with_every_steps_end_condition() -> None:
    goal = _goal(CHAIN)["goal"]
    conds = goal["conditions"]
    assert {"kind": "joint_fraction", "joint": "cabinet.drawer_0", "at_least": 0.6} in conds
    push = next(c for c in conds if c["kind"] == "displaced")
    assert push["object"] == "puck" and push["direction"] == "left" and push["distance"] == pytest.approx(0.1)
    assert any(c["kind"] == "on" and (c["object"], c["support"]) == ("red_block", "plate") for c in conds)
    assert {o["name"] for o in goal["objects"]} == {"cabinet", "puck", "red_block", "plate"}
    tower = _goal("Stack the red block on the blue block, then stack the green block on the red block.")["goal"]
    assert [(c["object"], c["support"]) for c in tower["conditions"]] == [("red_block", "blue_block"),
                                                                          ("green_block", "red_block")]


@pytest.mark.parametrize("text, words", [
    ("Open the top drawer, then close the top drawer.", "moves cabinet.drawer_0 again"),
    ("Pick up the red block, then push the puck 10 cm to the left.", "last step"),
    ("Stack the red block on the blue block, then stack the blue block on the green block.", "moves blue_block again"),
])
def test_a_chain_the_end_state_cannot_judge_is_refused(text: str, words: str) -> None:
    answer = _goal(text)
    assert "refusal" in answer and words in answer["refusal"]["reason"], answer


def test_a_chain_scene_holds_every_object_once_and_passes_validation() -> None:
    from roboskill.agents.adapters import validate_scene

    for text in (CHAIN, STORE, "Stack the red block on the blue block, then stack the green block on the red block, "
                               "and finally press the button."):
        for seed in range(3):
            scene = _scene(text, seed)
            names = [o["name"] for o in scene["objects"]]
            assert len(names) == len(set(names)) and {o["name"] for o in _goal(text)["goal"]["objects"]} <= set(names)
            assert validate_scene(scene, _goal(text)["goal"]) == [], (text, seed)


# --------------------------------------------------------------------------------------- reward writer
def _skill(name: str, action: str, conditions: list[dict], objects: dict[str, str], steps: int = 1) -> dict:
    names = set(objects)
    for c in conditions:
        names |= {c[f] for f in ("object", "support", "container", "joint") if isinstance(c.get(f), str)}
    return {"name": name, "does": name.replace("_", " "), "action": action, "conditions": conditions,
            "objects": [{"name": n, "category": c} for n, c in objects.items()], "acts_on": sorted(names),
            "steps": steps, "success_rate": 1.0}


OPEN = _skill("open_top_drawer", "open", [{"kind": "joint_fraction", "joint": "cabinet.drawer_0", "at_least": 0.6}],
              {"cabinet": "drawer_cabinet"})
PUT = _skill("put_blue_block_in_drawer", "put_inside",
             [{"kind": "inside", "object": "blue_block", "container": "desk.drawer_0"}],
             {"blue_block": "box", "desk": "drawer_cabinet"}, steps=2)
CLOSE = _skill("close_top_drawer", "close", [{"kind": "joint_fraction", "joint": "cabinet.drawer_0", "at_most": 0.1}],
               {"cabinet": "drawer_cabinet"})
PUSH = _skill("push_puck_left", "push", [{"kind": "displaced", "object": "puck", "direction": "left", "distance": 0.1,
                                          "max_distance": 0.15, "max_sideways": 0.07}], {"puck": "cylinder"})
PLACE = _skill("place_blue_block_on_plate", "place", [{"kind": "on", "object": "blue_block", "support": "plate"}],
               {"blue_block": "box", "plate": "box"}, steps=2)


def _writer_context(text: str, skills: list[dict], **extra: Any) -> dict[str, Any]:
    return {"task": {"name": "t", "description": text}, "goal": _goal(text)["goal"], "scene": _scene(text), "k": 2,
            "reusable_skills": skills, **extra}


def _calls(candidates) -> list[list[tuple[str, str, dict]]]:
    return [[(s.name, s.skill.name, dict(s.skill.bind)) for s in c.subtasks if s.learner == "skill"]
            for c in candidates.candidates]


def test_the_writer_calls_the_skills_that_do_each_step_bound_to_this_scene() -> None:
    answer = ask("reward_writer", _writer_context(STORE, [PLACE, CLOSE, PUT, OPEN, PUSH]))
    assert len(answer.candidates) == 1  # every step is a learned skill: one plan, nothing to vary or train
    (calls,) = _calls(answer)
    assert [c[1] for c in calls] == ["open_top_drawer", "put_blue_block_in_drawer", "close_top_drawer"]
    assert calls[1][2] == {"blue_block": "red_block", "desk": "cabinet"}  # the part's names -> this scene's
    assert calls[0][2] == {} and calls[2][2] == {}
    answer = ask("reward_writer", _writer_context(CHAIN, [PLACE, CLOSE, PUT, OPEN, PUSH]))
    for plan, calls in zip(answer.candidates, _calls(answer)):
        assert [c[1] for c in calls] == ["open_top_drawer", "push_puck_left", "place_blue_block_on_plate"]
        assert calls[2][2] == {"blue_block": "red_block"}
        assert all(s.learner == "skill" for s in plan.subtasks)


def test_the_writer_learns_a_step_no_offered_skill_does() -> None:
    answer = ask("reward_writer", _writer_context(STORE, [OPEN, PUT]))  # nothing closes the drawer
    for plan in answer.candidates:
        assert [s.learner for s in plan.subtasks][:2] == ["skill", "skill"]
        assert plan.subtasks[-1].learner in ("primitive", "trajopt", "rl") and plan.subtasks[-1].success_code
    assert len({tuple(s.learner for s in p.subtasks) for p in answer.candidates}) == 2  # they differ where learned


@pytest.mark.parametrize("wrong", [
    _skill("open_halfway", "open", [{"kind": "joint_fraction", "joint": "cabinet.drawer_0", "at_least": 0.35},
                                    {"kind": "joint_fraction", "joint": "cabinet.drawer_0", "at_most": 0.75}],
           {"cabinet": "drawer_cabinet"}),  # a different end state: half open
    _skill("open_bottom_drawer", "open", [{"kind": "joint_fraction", "joint": "cabinet.drawer_1", "at_least": 0.6}],
           {"cabinet": "drawer_cabinet"}),  # another drawer
    _skill("close_top_drawer", "close", [{"kind": "joint_fraction", "joint": "cabinet.drawer_0", "at_most": 0.1}],
           {"cabinet": "drawer_cabinet"}),  # the opposite action
    _skill("open_the_cupboard", "open", [{"kind": "joint_fraction", "joint": "cupboard.door", "at_least": 0.6}],
           {"cupboard": "door_cabinet"}),  # another kind of furniture
    _skill("push_puck_right", "push", [{"kind": "displaced", "object": "puck", "direction": "right", "distance": 0.1}],
           {"puck": "cylinder"}),
    _skill("push_mug_left", "push", [{"kind": "displaced", "object": "mug", "direction": "left", "distance": 0.1,
                                      "max_distance": 0.15, "max_sideways": 0.07}], {"mug": "mug"}),
    _skill("put_block_on_plate_loosely", "place", [{"kind": "near", "object": "blue_block", "target": "plate",
                                                    "radius": 0.1}], {"blue_block": "box", "plate": "box"}),
    _skill("place_blue_block_on_saucer", "place", [{"kind": "on", "object": "blue_block", "support": "plate"}],
           {"blue_block": "box", "plate": "cylinder"}),  # its "plate" was a round saucer: another category
])
def test_the_writer_never_substitutes_another_action_object_or_end_state(wrong: dict) -> None:
    answer = ask("reward_writer", _writer_context(CHAIN, [wrong]))
    assert _calls(answer) == [[]] * len(answer.candidates), wrong["name"]


def test_a_reused_skill_that_failed_here_is_learned_again() -> None:
    ctx = _writer_context(STORE, [OPEN, PUT, CLOSE], critic_feedback="reused skill 'put_blue_block_in_drawer': its "
                          "step 'place_blue_block' failed (red_block ended at [0.1, 0.0, 0.03])")
    answer = ask("reward_writer", ctx)
    for calls in _calls(answer):
        assert [c[1] for c in calls] == ["open_top_drawer", "close_top_drawer"]


def test_a_plan_of_reused_skills_that_failed_as_a_whole_is_learned_next() -> None:
    first = ask("reward_writer", _writer_context(STORE, [OPEN, PUT, CLOSE]))
    previous = [c.model_dump(mode="json") for c in first.candidates]
    ctx = _writer_context(STORE, [OPEN, PUT, CLOSE], previous_candidates=previous,
                          critic_feedback="Best candidate 0 reaches 60% success (needs 80%).")
    answer = ask("reward_writer", ctx)
    assert _calls(answer) == [[]] * len(answer.candidates)  # nothing names the failing step: no skill is trusted
    assert all(s.learner != "skill" for c in answer.candidates for s in c.subtasks)
