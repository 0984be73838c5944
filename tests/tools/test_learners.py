"""Each learner solves a tiny task within CI time."""
import json

import numpy as np

from roboskill.tools.reference_tasks import reference_task
from roboskill.tools.plan import SkillPlan
from roboskill.tools.primitives import run_primitive
from roboskill.tools.runtime import make_plan_env
from roboskill.tools.train import train_plan


def test_primitive_grasp_lifts_the_cube():
    spec, _ = reference_task("pick_place")
    env = make_plan_env(spec)
    try:
        env.reset(seed=3)
        z0 = env.state.object_position("cube")[2]
        res = run_primitive(env, {"name": "grasp", "args": {"object": "cube"}})
        assert res.reached, res.message
        assert env.state.is_grasped("cube") and env.state.object_position("cube")[2] > z0 + 0.04
        assert res.actions.shape[1] == 5 and len(res.actions) > 10
    finally:
        env.close()


def test_trajopt_reaches_the_goal(tmp_path):
    spec, plan = reference_task("reach")
    report = train_plan(spec, plan, tmp_path, budget_s=8, seed=0, n_eval_episodes=2, isolate=False, video=False)
    assert report.error is None
    assert report.success_rate == 1.0
    pts = report.subtasks[0].reflection
    assert pts and set(pts[0].components) == {"reach", "near_bonus"}
    data = np.load(tmp_path / "trajectory.npz")
    assert data["actions"].shape[1] == 5
    assert json.loads((tmp_path / "metrics.json").read_text())["success_rate"] == 1.0


def test_rl_ppo_trains_and_records_reflection(tmp_path):
    spec, plan = reference_task("reach")
    sub = plan.subtasks[0].model_copy(update={"learner": "rl", "horizon": 30})
    rl_plan = SkillPlan(task_name="reach_rl", subtasks=[sub])
    report = train_plan(spec, rl_plan, tmp_path, budget_s=10, seed=0, n_eval_episodes=2, isolate=False, video=False)
    assert report.error is None, report.error
    pts = report.subtasks[0].reflection
    assert len(pts) >= 1 and "reach" in pts[-1].components
    # the policy does better than where it started: mean reach term rises over training
    assert pts[-1].components["reach"].mean >= pts[0].components["reach"].mean - 0.05
    assert (tmp_path / "policy_reach_goal.zip").exists()
