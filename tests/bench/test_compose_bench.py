"""`roboskill bench compose`: its long tasks really are long and built from its parts, its figures follow from
what was measured (speed-up, success, reuse, the loop's growth), and the whole bench runs through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roboskill.bench.compose_bench import LONG_TASKS, TARGET_SPEEDUP, build_result, params_for
from roboskill.bench.runner import BENCH_NAMES, BenchMode


def test_registered_with_the_runner_the_report_and_the_cli() -> None:
    from roboskill.bench.report import SECTION_TITLES
    from roboskill.cli.main import app

    assert "compose" in BENCH_NAMES and "compose" in SECTION_TITLES
    result = CliRunner().invoke(app, ["bench", "compose", "--help"])
    assert result.exit_code == 0 and "reuse" in result.output


def test_every_long_task_has_three_steps_its_parts_can_do_and_one_goal() -> None:
    from roboskill.agents.offline.chains import learnable_fraction
    from roboskill.agents.offline.goals import write_goal
    from roboskill.agents.offline.parser import parse_task

    assert len(LONG_TASKS) >= 3 and len({t.instruction for t in LONG_TASKS}) == len(LONG_TASKS)
    for task in LONG_TASKS:
        frame = parse_task(task.instruction)
        assert len(frame.units()) >= 3, task.id
        parts = {parse_task(p).signature() for p in task.parts}
        assert learnable_fraction(frame, parts) == 1.0, task.id  # the library built first holds every step
        assert "goal" in write_goal({"task": {"description": task.instruction}}), task.id


def test_settings_full_is_the_issue_s_and_smoke_is_small() -> None:
    full, quick, smoke = (params_for(BenchMode()), params_for(BenchMode(quick=True)), params_for(BenchMode(smoke=True)))
    assert full.eval_episodes == 20 and full.loop_tasks == 50 and len(full.tasks) >= 3
    assert quick.loop_tasks < full.loop_tasks and smoke.eval_episodes <= 2 and len(smoke.tasks) == 1


def _arm(wall: float, rate: float, reused: list[str] | None = None) -> dict:
    return {"instruction": "x", "wall_s": wall, "accepted": rate >= 0.8, "success_rate": rate, "n_episodes": 20,
            "skill": "x", "reused": reused or [], "learners": [], "iterations": 1, "reason": ""}


def test_figures_follow_from_the_measurements() -> None:
    rows = [{"task": "a", "instruction": "a", "parts": [_arm(20.0, 1.0)], "with_reuse": _arm(10.0, 0.9, ["p"]),
             "from_scratch": _arm(80.0, 0.85)},
            {"task": "b", "instruction": "b", "parts": [], "with_reuse": _arm(30.0, 0.8, ["q"]),
             "from_scratch": _arm(120.0, 0.9)}]
    events = [{"t": float(i), "event": "novelty", "novel": i % 3 != 2} for i in range(12)]
    events += [{"t": 3.5, "event": "accept"}, {"t": 9.5, "event": "accept"}]
    loop = {"wall_s": 1800.0, "events": events, "failed": [], "stop_reason": "done", "status": "finished",
            "skills": [{"name": "s1", "description": "d", "reused": [], "subtasks": 2, "long_horizon": False,
                        "success_rate": 1.0},
                       {"name": "s2", "description": "d", "reused": ["s1"], "subtasks": 4, "long_horizon": True,
                        "success_rate": 0.9}]}
    result = build_result(rows, loop, params_for(BenchMode(smoke=True)), 0.8)
    m = {x.name: x for x in result.metrics}
    assert m["speedup_with_reuse"].value == pytest.approx(5.0) and m["speedup_with_reuse"].passed is (5.0 >= TARGET_SPEEDUP)
    assert m["success_no_lower_with_reuse"].value is False  # task b: 0.8 with reuse < 0.9 from scratch
    assert m["loop_tasks_reusing_skills"].value == 0.5 and m["loop_long_horizon_built_from_skills"].value == 1
    assert m["loop_verified_skills_per_hour"].value == pytest.approx(4.0)
    growth = next(t for t in result.tables if t.title.startswith("The loop over time"))
    assert sum(r[2] for r in growth.rows) == 12 and growth.rows[-1][5] == 2
    assert result.rules and "20 starts" not in result.rules  # the smoke setting's own number of starts


@pytest.mark.slow
def test_bench_compose_smoke_through_the_cli(tmp_path: Path) -> None:
    """Every part of the bench at its smallest (one long task, its three parts, a two-task loop): 75 s on 2 idle
    cores, about 3 minutes on busy ones, hence slow."""
    from roboskill.cli.main import app

    out, md = tmp_path / "bench_out", tmp_path / "BENCHMARKS.md"
    result = CliRunner().invoke(app, ["bench", "compose", "--smoke", "--out", str(out), "--md", str(md)])
    data = json.loads((out / "compose.json").read_text(encoding="utf-8"))
    assert result.exit_code == 0 and data["status"] == "ok", data.get("error")
    assert data["command"] == "roboskill bench compose --smoke" and "## `compose`" in md.read_text(encoding="utf-8")
    (row,) = data["details"]["long_tasks"]
    assert row["with_reuse"]["reused"], row  # the parts were learned first and the long task called them
    assert not row["from_scratch"]["reused"]
    assert {m["name"] for m in data["metrics"]} >= {"speedup_with_reuse", "loop_tasks_reusing_skills"}
