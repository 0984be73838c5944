"""`bench external` suites (issue 21): panda-gym, Fetch and Meta-World MT10, one table each; a cell whose env
cannot be made says why in one line. Fast: the full smoke run is tests/bench/test_smoke.py (slow)."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import pytest

from roboskill.bench import external_bench as xb


def test_task_names_map_to_env_ids():
    assert xb.env_ids("Push") == ("panda_gym:PandaPush-v3", "panda_gym:PandaPushDense-v3")
    assert xb.env_ids("fetch/PickAndPlace") == ("gymnasium_robotics:FetchPickAndPlace-v4",
                                                "gymnasium_robotics:FetchPickAndPlaceDense-v4")
    assert xb.env_ids("mt10/drawer-open-v3")[0] == "metaworld:Meta-World/MT1?env_name=drawer-open-v3"
    assert "drawer open" in xb.instruction("mt10/drawer-open-v3")
    with pytest.raises(ValueError, match="unknown suite"):
        xb.env_ids("atari/Pong")
    tasks, _, _ = xb._settings(SimpleNamespace(smoke=False, quick=True, seed=0))
    assert len(tasks) == 5 + 4 + 10 and "mt10/window-close-v3" in tasks and "fetch/Slide" in tasks


def test_a_cell_that_cannot_be_made_is_one_line():
    cell = xb.run_job(("fetch/NoSuchTask", "a", 100, 1, 0))
    assert cell["success_rate"] is None and "\n" not in cell["error"]
    assert "FetchNoSuchTask-v4" in cell["error"]


def test_tables_and_targets_per_suite(monkeypatch):
    def fake(job):
        task, method, samples, n_eval, seed = job
        rate = {"a": 1.0, "b": 0.5, "c": 0.0}[method]
        error = "ExternalEnvError: cannot make X" if task == "mt10/reach-v3" and method == "c" else None
        return {"task": task, "method": method, "success_rate": None if error else rate, "successes": [], "error": error,
                "wall_s": 0.0}

    monkeypatch.setattr(xb, "run_job", fake)
    monkeypatch.setattr(xb.os, "cpu_count", lambda: 1)
    monkeypatch.setattr(xb, "make_env", lambda task, method: (_ for _ in ()).throw(RuntimeError("no env\ntraceback")))
    result = xb.run_external_bench(SimpleNamespace(smoke=True, quick=False, seed=0))
    assert [t.title.split(":")[0] for t in result.tables] == ["panda-gym", "Gymnasium-Robotics Fetch", "Meta-World MT10"]
    metrics = {m.name: m for m in result.metrics}
    assert metrics["tasks_generated_ge_human_reward"].value == "2/2"  # panda-gym keeps its former metric names
    assert metrics["mt10_tasks_generated_ge_human_reward"].value == "1/1" and metrics["fetch_mean_success_b"].value == 0.5
    mt10 = result.tables[2].rows[0]
    assert mt10[0] == "reach-v3" and mt10[3] is None and mt10[5] == "(c) ExternalEnvError: cannot make X"
    assert result.details["generated_rewards"]["Push"] == "<unavailable: RuntimeError: no env>"


@pytest.mark.skipif(importlib.util.find_spec("metaworld") is None, reason="pip install roboskill[mujoco]")
def test_metaworld_cell_plans_with_generated_reward():
    cell = xb.run_job(("mt10/reach-v3", "a", 500, 1, 0))
    assert cell["error"] is None and cell["success_rate"] in (0.0, 1.0) and cell["env_steps"] > 0
