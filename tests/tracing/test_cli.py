"""`roboskill traces list/show/export` on a fake run directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roboskill.cli.main import app
from roboskill.config import load_settings
from tests.tracing.fake_run import RUN_ID, SECRET, TASK, make_fake_run

runner = CliRunner()


@pytest.fixture()
def run_dir() -> Path:
    return make_fake_run(load_settings().runs_root, with_media=False)


def test_list(run_dir: Path) -> None:
    res = runner.invoke(app, ["traces", "list"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert RUN_ID[:12] in res.output and "finished" in res.output
    res = runner.invoke(app, ["traces", "list", "--json"])
    (item,) = json.loads(res.output)
    assert item["run_id"] == RUN_ID and item["has_traces"] is True


def test_list_empty(tmp_path: Path) -> None:
    res = runner.invoke(app, ["traces", "list", "--runs-dir", str(tmp_path / "none")])
    assert res.exit_code == 0 and "no runs" in res.output


def test_show_tree_with_prompts_and_tokens(run_dir: Path) -> None:
    res = runner.invoke(app, ["traces", "show", RUN_ID[:8]], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    out = res.output
    for needle in ("run " + RUN_ID, TASK, "setup", "iteration 0", "iteration 1", "propose", "write_rewards",
                   "critique", "llm", "ROLE: reward_writer", "response:", "in 10 / out 5 tok", "→ accept",
                   "tool train", "LLM calls"):
        assert needle in out, needle
    assert SECRET not in out and "[REDACTED]" in out
    # prompts are truncated unless --full
    short = runner.invoke(app, ["traces", "show", RUN_ID, "--width", "20"], env={"COLUMNS": "200"}).output
    assert "--full shows all" in short
    full = runner.invoke(app, ["traces", "show", RUN_ID, "--full", "--width", "20"], env={"COLUMNS": "200"}).output
    assert "--full shows all" not in full and "compute_reward" in full


def test_show_json_and_task_filter(run_dir: Path) -> None:
    res = runner.invoke(app, ["traces", "show", RUN_ID, "--json", "--task", "stack"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["name"] == RUN_ID and data["totals"]["llm_calls"] == 6 and data["totals"]["total_tokens"] == 90
    (task,) = data["children"]
    assert task["name"] == TASK and [c["name"] for c in task["children"]] == ["setup", "iteration 0", "iteration 1"]
    bad = runner.invoke(app, ["traces", "show", RUN_ID, "--task", "nope"])
    assert bad.exit_code == 1 and TASK in bad.output


def test_show_unknown_run(run_dir: Path) -> None:
    res = runner.invoke(app, ["traces", "show", "zzz"])
    assert res.exit_code == 1 and "no run 'zzz'" in res.output and RUN_ID in res.output


def test_export_jsonl(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "spans.jsonl"
    res = runner.invoke(app, ["traces", "export", RUN_ID, "--format", "jsonl", "-o", str(out)])
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    kinds = [s["kind"] for s in lines]
    assert kinds.count("llm") == 6 and kinds.count("run") == 1
    ids = {s["span_id"] for s in lines}
    assert all(s["parent_id"] in ids for s in lines if s["parent_id"])
    assert SECRET not in out.read_text()
    stdout = runner.invoke(app, ["traces", "export", RUN_ID])
    assert stdout.exit_code == 0 and len(stdout.output.splitlines()) == len(lines)
    bad = runner.invoke(app, ["traces", "export", RUN_ID, "--format", "xml"])
    assert bad.exit_code == 2 and "jsonl or otlp" in bad.output
