"""The `run`, `learn` and `chat` commands end to end with scripted models and a fake trainer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from roboskill.cli.main import app
from roboskill.config import load_settings
from tests.agents import fakes as F
from tests.agents.test_runner import factory


@pytest.fixture()
def fake_world(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    world: dict[str, Any] = {
        "library": F.FakeLibrary(),
        "model": F.ScriptedChatModel(scripts={
            "proposer": [F.proposal(), F.proposal("open_drawer", "Open the drawer.")],
            "scene_designer": [F.scene()], "reward_writer": [F.candidates()], "critic": [F.critique("accept")],
            "curator": [{"directives": [{"kind": "focus", "text": "focus on articulated objects",
                                         "subject": "articulated"}], "reply": "Focusing on articulated objects."}]}),
        "trainer": F.FakeTrainer([[0.9]]),
    }
    monkeypatch.setattr("roboskill.agents.runner.default_deps",
                        factory(world["model"], world["library"], world["trainer"]))
    return world


def _runs() -> list[Path]:
    return sorted(load_settings().runs_root.iterdir())


def test_run_command(fake_world: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["run", "--max-tasks", "2", "--no-live"])
    assert result.exit_code == 0, result.output
    assert "push_cube_left" in result.output and "open_drawer" in result.output
    assert "rollout.mp4" in result.output and "traces.sqlite" in result.output
    (run_dir,) = _runs()
    assert json.loads((run_dir / "run.json").read_text())["status"] == "finished"
    # resuming a finished run is a no-op that prints the summary again
    again = CliRunner().invoke(app, ["run", "--resume", run_dir.name, "--no-live"])
    assert again.exit_code == 0 and len(fake_world["library"].skills) == 2


def test_learn_command(fake_world: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["learn", "open the top drawer", "--no-live"])
    assert result.exit_code == 0, result.output
    assert [r.name for r in fake_world["library"].list()] == ["open_the_top_drawer"]
    assert "proposer" not in fake_world["model"].roles_called()


def test_learn_failure_exit_code(fake_world: dict[str, Any]) -> None:
    fake_world["model"].scripts["critic"] = [F.critique("give_up")]
    result = CliRunner().invoke(app, ["learn", "open the top drawer", "--no-live"])
    assert result.exit_code == 1 and "failed" in result.output


def test_bad_flags_give_clear_errors(fake_world: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["run", "--resume", "no_such_run", "--no-live"])
    assert result.exit_code == 2 and "nothing to resume" in result.output
    result = CliRunner().invoke(app, ["run", "--llm", "gpt", "--no-live"])
    assert result.exit_code == 2 and "llm.provider" in result.output


def test_scripted_chat_session(fake_world: dict[str, Any]) -> None:
    script = "focus on articulated objects\n/directives\nreject too easy\n/status\napprove\n"
    result = CliRunner().invoke(app, ["chat", "--max-tasks", "1"], input=script)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Focusing on articulated objects." in out
    assert "focus: focus on articulated objects" in out
    assert out.index("push_cube_left") < out.index("open_drawer")
    assert "finished: 1 skill(s) learned: open_drawer" in out
    assert [r.name for r in fake_world["library"].list()] == ["open_drawer"]
    ctx = F.context_of([m for r, m in fake_world["model"].calls if r == "proposer"][1])
    assert ctx["directives"][0]["subject"] == "articulated" and ctx["rejected"][0]["reason"] == "too easy"


def test_chat_resumes_where_it_stopped(fake_world: dict[str, Any]) -> None:
    first = CliRunner().invoke(app, ["chat", "--max-tasks", "1"], input="nothing with the mug\n")
    assert first.exit_code == 0 and "paused" in first.output
    (run_dir,) = _runs()
    assert json.loads((run_dir / "run.json").read_text())["status"] == "waiting_for_user"
    second = CliRunner().invoke(app, ["chat", "--resume", run_dir.name], input="/directives\napprove\n")
    assert second.exit_code == 0, second.output
    assert "push_cube_left" in second.output and "focus on articulated objects" in second.output
    assert [r.name for r in fake_world["library"].list()] == ["push_cube_left"]
