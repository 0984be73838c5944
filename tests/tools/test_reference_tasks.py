"""Reference tasks under the honest rules: each states its goal in the sim vocabulary, its scene hosts the
goal, its starts vary between evaluation seeds and are never already solved, and the primitive plans
can reach their goals judged at the end of the episode."""

from __future__ import annotations

import numpy as np
import pytest

from roboskill.sim.goals import Goal, scene_errors, start_errors
from roboskill.tools.evaluate import evaluation_seeds
from roboskill.tools.reference_tasks import (
    REFERENCE_TASKS, reference_goal, reference_instruction, reference_task, whole_task_reward,
)


def _start(env) -> np.ndarray:
    st = env.state
    objs = [np.asarray(st.object_position(n), dtype=float) for n in st.object_names()]
    joints = [np.array([st.joint_open_fraction(j)]) for j in st.joint_names()]
    return np.concatenate(objs + joints)


@pytest.mark.parametrize("name", REFERENCE_TASKS)
def test_reference_task_has_a_goal_its_scene_hosts_with_varied_unsolved_starts(name: str) -> None:
    from roboskill.sim.env import SkillEnv

    spec, plan = reference_task(name)
    goal = reference_goal(name)
    assert isinstance(goal, Goal) and goal.conditions and reference_instruction(name)
    assert "def is_success" in whole_task_reward(name)  # the trusted training signal stays
    assert scene_errors(goal, spec) == []
    assert start_errors(goal, spec, n_starts=3) == []  # names exist, not solved at the start, nothing falls
    env = SkillEnv(spec, None, None, horizon=1, seed=0)
    try:
        starts = []
        for seed in evaluation_seeds(0, 3):
            env.reset(seed=seed)
            starts.append(_start(env))
    finally:
        env.close()
    assert not np.allclose(starts[0], starts[1]) and not np.allclose(starts[1], starts[2]), \
        f"{name}: evaluation starts do not vary"


def test_unknown_reference_task_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="open_drawer"):
        reference_goal("juggle")
    with pytest.raises(ValueError, match="press_button"):
        reference_instruction("juggle")


@pytest.mark.parametrize("name", ["pick_place", "stack", "open_drawer", "press_button"])
def test_primitive_reference_plans_reach_their_goal_at_the_end(tmp_path, name: str) -> None:
    from roboskill.tools.train import train_plan_inprocess

    spec, plan = reference_task(name)
    report = train_plan_inprocess(spec, plan, tmp_path, budget_s=5.0, n_eval_episodes=2, video=False,
                                  goal=reference_goal(name))
    assert report.error is None and report.judged_by == "goal" and report.n_episodes == 2
    # the goal is reachable by the reference plan (the bench measures how often, over 20 starts)
    assert report.success_rate >= 0.5, [e.conditions for e in report.episodes]
