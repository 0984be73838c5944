"""Each `roboskill bench` sub-command in its smallest setting, through the CLI, writing JSON and Markdown.

Benchmarks whose parts have not landed are skipped with the reason; `distill` records "not available"
until its area lands, which is itself the behaviour under test.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roboskill.cli.main import app

RUNNER = CliRunner()


def _needs(*modules: str) -> None:
    for name in modules:
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            pytest.skip(f"{name} has not landed yet")


def _run(tmp_path: Path, name: str) -> dict:
    out, md = tmp_path / "bench_out", tmp_path / "BENCHMARKS.md"
    result = RUNNER.invoke(app, ["bench", name, "--smoke", "--out", str(out), "--md", str(md)])
    data = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
    assert md.exists() and f"## `{name}`" in md.read_text(encoding="utf-8")
    assert result.exit_code == (1 if data["status"] == "failed" else 0), result.output
    return data


def test_bench_sim_smoke(tmp_path: Path):
    _needs("panda_gym", "roboskill.sim.env", "roboskill.sim.builder")
    data = _run(tmp_path, "sim")
    assert data["status"] == "ok", data["error"]
    names = {m["name"]: m for m in data["metrics"]}
    assert names["panda_push_steps_per_s"]["value"] > 0
    assert names["push_speed_ratio_vs_panda_gym"]["value"] > 0
    assert 0 <= names["reward_eval_share_of_step"]["value"] < 100
    assert names["build_time_10_objects_2_articulated"]["value"] > 0


@pytest.mark.slow  # ~2.5 min on 2 cores since it covers Fetch and Meta-World too; tests/bench/test_external_suites.py is the fast check
def test_bench_external_smoke(tmp_path: Path):
    _needs("panda_gym", "roboskill.tools.sandbox")
    data = _run(tmp_path, "external")
    assert data["status"] == "ok", data["error"]
    cells = data["details"]["cells"]
    tasks = ("Reach", "Push", "fetch/Reach", "mt10/reach-v3")
    assert {(c["task"], c["method"]) for c in cells} == {(t, m) for t in tasks for m in "abc"}
    mujoco = importlib.util.find_spec("metaworld") is not None and importlib.util.find_spec("gymnasium_robotics") is not None
    ran = [c for c in cells if mujoco or "/" not in c["task"]]
    assert all(c["error"] is None for c in ran), [c["error"] for c in ran]
    assert all(0.0 <= c["success_rate"] <= 1.0 for c in ran)
    for c in cells:  # an env that cannot be made is one line in the table, never a traceback
        assert c["error"] is None or "\n" not in c["error"]
    assert [t["title"].split(":")[0] for t in data["tables"]] == (
        ["panda-gym", "Gymnasium-Robotics Fetch", "Meta-World MT10"])


def test_bench_diversity_smoke(tmp_path: Path):
    _needs("roboskill.agents.proposer", "roboskill.memory.embed")
    try:
        from roboskill.agents.offline import OfflineChatModel  # noqa: F401
    except ImportError:
        pytest.skip("the offline chat model has not landed yet")
    data = _run(tmp_path, "diversity")
    assert data["status"] == "ok", data["error"]
    names = {m["name"]: m for m in data["metrics"]}
    assert names["tasks_accepted"]["value"] >= 2
    assert 0.0 <= names["self_bleu"]["value"] <= 1.0
    assert -1.0 <= names["embedding_similarity"]["value"] <= 1.0


def test_bench_loop_smoke(tmp_path: Path):
    _needs("roboskill.agents.runner", "roboskill.agents.graph", "roboskill.tools.train", "roboskill.tools.executor")
    try:
        from roboskill.agents.offline import OfflineChatModel  # noqa: F401
    except ImportError:
        pytest.skip("the offline chat model has not landed yet")
    data = _run(tmp_path, "loop")
    assert data["status"] == "ok", data["error"]
    names = {m["name"]: m for m in data["metrics"]}
    assert names["run_wall_time"]["value"] > 0


@pytest.mark.parametrize("name,module", [
    # learn's smallest setting trains two reference tasks with two learners (~1.5 min on 2 cores)
    pytest.param("learn", "roboskill.bench.learn_bench", marks=pytest.mark.slow),
    ("memory", "roboskill.bench.memory_bench"),
])
def test_bench_owned_elsewhere_smoke(tmp_path: Path, name: str, module: str):
    _needs(module)
    import inspect

    func = getattr(importlib.import_module(module), f"run_{name}_bench")
    if "smoke" not in inspect.signature(func).parameters:
        pytest.skip(f"run_{name}_bench has no smoke setting; its quick run is exercised by `bench all --quick`")
    data = _run(tmp_path, name)
    assert data["status"] == "ok", data["error"]


def test_bench_distill_is_recorded_even_when_unavailable(tmp_path: Path):
    spec = importlib.util.find_spec("roboskill.bench.distill_bench")
    if spec is not None:
        import inspect

        from roboskill.bench.distill_bench import run_distill_bench

        if "smoke" not in inspect.signature(run_distill_bench).parameters:
            pytest.skip("run_distill_bench has no smoke setting; its quick run is exercised by `bench all --quick`")
    data = _run(tmp_path, "distill")
    assert data["status"] in ("ok", "not_available")
    if spec is None:
        assert data["status"] == "not_available"


def test_bench_report_regenerates_markdown(tmp_path: Path):
    fixtures = Path(__file__).with_name("fixtures")
    md = tmp_path / "B.md"
    result = RUNNER.invoke(app, ["bench", "report", "--out", str(fixtures), "--md", str(md)])
    assert result.exit_code == 0, result.output
    assert "## `sim`" in md.read_text(encoding="utf-8")
    empty = RUNNER.invoke(app, ["bench", "report", "--out", str(tmp_path / "nothing"), "--md", str(md)],
                          env={"COLUMNS": "300"})
    assert empty.exit_code != 0 and "no benchmark JSON" in empty.output
