from roboskill.tools.executor import Executor, JobFailure
from tests.tools import _jobs


def test_failing_jobs_do_not_take_the_others_down():
    ex = Executor("local", workers=2)
    out = ex.map_fn(_jobs.ok, [1, 2], timeout_s=60) + ex.map_fn(_jobs.boom, [3], timeout_s=60) \
        + ex.map_fn(_jobs.die, [4], timeout_s=60)
    assert out[:2] == [2, 4]
    assert isinstance(out[2], JobFailure) and "bad job 3" in out[2].error and out[2].kind == "exception"
    assert isinstance(out[3], JobFailure) and out[3].kind == "crash" and "code 3" in out[3].error


def test_mixed_batch_keeps_order():
    events = []
    ex = Executor("local", workers=2, callback=events.append)
    out = ex.map_fn(_jobs.die, [0], timeout_s=60)
    assert isinstance(out[0], JobFailure)
    assert [e["event"] for e in events if e["event"] != "start"] == ["failed"]


def test_ray_executor_same_results():
    ex = Executor("ray", workers=2)
    try:
        out = ex.map_fn(_jobs.ok, [1, 2], timeout_s=60) + ex.map_fn(_jobs.die, [1], timeout_s=60)
    finally:
        ex.close()
    assert out[:2] == [2, 4] and isinstance(out[2], JobFailure)


def test_the_kill_limit_grows_with_the_evaluation_episodes() -> None:
    """Evaluation is budgeted in samples: on a loaded machine 20 episodes take longer, and the hung-job limit must
    not be what turns a candidate into a failure (it was 3 x train budget + 120 s whatever the episode count)."""
    from roboskill.sim.spec import SceneSpec
    from roboskill.tools.executor import TrainJob, job_wall_limit
    from roboskill.tools.plan import SkillPlan

    plan = SkillPlan.model_validate({"task_name": "t", "subtasks": [
        {"name": "g", "learner": "primitive", "primitive": {"name": "grasp", "args": {"object": "cube"}}}]})
    spec = SceneSpec.model_validate({"name": "s", "objects": []})
    few = TrainJob(spec=spec, plan=plan, out_dir="/tmp/x", budget_s=20.0, n_eval_episodes=2)
    many = few.model_copy(update={"n_eval_episodes": 20})
    assert job_wall_limit(many) - job_wall_limit(few) >= 18 * 20  # at least 20 s more per extra episode
    assert job_wall_limit(many) >= 20 * 20 * 1.5  # 20 episodes of a loaded machine's ~20 s each fit
