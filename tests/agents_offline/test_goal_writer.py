"""The offline goal writer refuses what the simulator cannot represent and never substitutes another task."""

from __future__ import annotations

import pytest

from roboskill.agents.offline.goals import write_goal
from roboskill.sim.goals import Goal, GoalAnswer


def _answer(text: str) -> GoalAnswer:
    return GoalAnswer.model_validate(write_goal({"task": {"name": None, "description": text}}))


@pytest.mark.parametrize("text", [
    "fold the napkin into a triangle", "pour the milk into the mug", "hang the shirt on the hook",
    "wind the cable around the spool", "sprinkle sand over the tray", "cut the block in two",
    "cook an omelette", "dance next to the table", "feed the cat", "lift the toaster",
    "open the washing machine", "push the sofa to the wall", "hand me the cube", "open the red block",
    "press the mug", "stack the block",
])
def test_unrepresentable_or_unreadable_instructions_are_refused(text: str) -> None:
    answer = _answer(text)
    assert answer.refusal is not None and answer.goal is None, answer
    assert answer.refusal.reason


@pytest.mark.parametrize("text,kind,field,value", [
    ("please raise the green ball by 20 cm", "lifted", "height", 0.20),
    ("shut the top drawer", "joint_fraction", "at_most", 0.1),
    ("put the yellow block on top of the purple block", "on", "support", "purple_block"),
    ("give the puck a shove 25 cm away from the robot", "displaced", "direction", "forward"),
    ("turn the knob by 180 degrees", "joint_moved", "amount", pytest.approx(0.9 * 3.14159, abs=0.01)),
    ("press the button", "joint_reached", "at_least", 0.6),
    ("push the button down and hold it there", "joint_fraction", "at_least", 0.6),
    ("drop the red ball into the tray", "inside", "container", "tray"),
])
def test_goals_say_what_the_instruction_says(text: str, kind: str, field: str, value: object) -> None:
    answer = _answer(text)
    assert answer.goal is not None, answer.refusal
    cond = next(c for c in answer.goal.conditions if c.kind == kind)
    assert getattr(cond, field) == value


def test_an_amount_bounds_both_sides_unless_it_says_at_least() -> None:
    about = _answer("roll the red ball 12 cm to the right").goal.conditions[0]
    assert about.max_distance == pytest.approx(0.18) and about.max_sideways is not None
    least = _answer("push the red block at least 12 cm to the right").goal.conditions[0]
    assert least.max_distance is None


def test_every_goal_object_is_named_in_the_conditions_and_categorised() -> None:
    goal = _answer("put the blue block in the middle drawer and close it").goal
    assert isinstance(goal, Goal)
    cats = {o.name: o.category for o in goal.objects}
    assert cats == {"blue_block": "box", "cabinet": "drawer_cabinet"}
    kinds = [c.kind for c in goal.conditions]
    assert kinds == ["inside", "joint_fraction"]


def test_setting_clauses_of_the_offline_proposer_do_not_cause_refusals() -> None:
    goal = _answer("While the dough proves, grasp a red block and pick it up at the bakery counter.").goal
    assert goal is not None and goal.conditions[0].kind == "lifted"


@pytest.mark.parametrize("text, direction", [
    ("Please roll the small blue ball roughly eleven centimetres towards the robot's right.", "right"),
    ("Slide the green block by approximately nine centimetres over to the robot's right side.", "right"),
    ("Push the orange cube roughly eight centimetres out towards the robot's left hand side.", "left"),
])
def test_a_learn_instruction_is_read_from_its_text_not_its_cut_off_name(text: str, direction: str) -> None:
    """`learn` names a task by the first 60 characters of its slug; 'to_the_robot_s_ri' lost the direction and the
    goal said left for a roll to the right (a substituted task, found by the fidelity bench)."""
    from roboskill.agents import proposer

    proposal = proposer.proposal_from_instruction(text).model_dump()
    assert len(proposal["name"]) < len(text)  # the name really is cut off
    goal = GoalAnswer.model_validate(write_goal({"task": proposal})).goal
    assert goal is not None and goal.conditions[0].direction == direction
