"""Distillation evaluation judges the end of an episode: by the skill's goal where it has one (after the
world settles), else by its success check on the settled end state; never "at some step"."""

from __future__ import annotations

import numpy as np

from roboskill.sim.goals import EeNear, Goal, GoalObject
from tests.distill.conftest import RED, fake_embed, reach_plan, two_marker_scene


class StillPolicy:
    """Never moves: whatever the episode shows is the start state."""

    def act(self, image, proprio, instruction):
        return np.zeros(5, dtype=np.float32)


def _red_goal() -> Goal:
    return Goal(action="reach", summary="The gripper ends at the red ball.",
                objects=[GoalObject(name="red_marker", category="sphere")],
                conditions=[EeNear(target="red_marker", radius=0.03)])


def _env(skills):
    from roboskill.tools.distill.embedding import EmbeddingCache
    from roboskill.tools.distill.multitask_env import MultiTaskEnv

    return MultiTaskEnv(skills, embeddings=EmbeddingCache(None, fake_embed), image_size=(16, 16), default_horizon=8)


def test_goal_judges_the_end_not_the_success_check_that_ended_the_episode() -> None:
    from roboskill.tools.distill.evaluate import expert_success, rollout
    from roboskill.tools.distill.skills import DistillSkill

    plan = reach_plan("reach_red", RED, "red_marker").model_dump()
    plan["subtasks"][0]["success_code"] = "def is_success(state):\n    return True\n"  # ends every episode at once
    from roboskill.tools.plan import SkillPlan

    plan = SkillPlan.model_validate(plan)
    scene = two_marker_scene()
    judged = DistillSkill("reach_red", "Move the gripper to the red ball", scene, plan, goal=_red_goal())
    unjudged = DistillSkill("reach_red_nogoal", "Move the gripper to the red ball", scene, plan)
    env = _env([judged, unjudged])
    try:
        ok, steps = rollout(StillPolicy(), env, "reach_red", judged.instruction, 900_000)
        assert steps == 1 and ok is False  # the success check held, the goal does not: the goal judges
        ok, _ = rollout(StillPolicy(), env, "reach_red_nogoal", unjudged.instruction, 900_000)
        assert ok is True  # no goal: the skill's own check, on the settled end state
        # the expert moves to the red ball: the same goal says yes
        assert expert_success(judged, env, [900_000, 900_001]) == 1.0
    finally:
        env.close()


def test_goal_travels_from_library_records_and_reference_tasks() -> None:
    from types import SimpleNamespace

    from roboskill.tools.distill.skills import REFERENCE_SKILLS, DistillSkill, skills_from_reference

    record = SimpleNamespace(name="reach_red", instruction="Move to red", description="", scene=two_marker_scene(),
                             plan=reach_plan("reach_red", RED, "red_marker"), artefacts={}, success_rate=1.0,
                             goal=_red_goal().model_dump(mode="json"))
    assert DistillSkill.from_record(record).goal == _red_goal()
    skills = skills_from_reference()
    assert [s.name for s in skills] == list(REFERENCE_SKILLS)
    assert all(isinstance(s.goal, Goal) for s in skills)
    assert skills[0].plan.subtasks[0].learner == "primitive"  # push: the closed-loop primitive as expert
