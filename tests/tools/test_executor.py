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
