"""Runs: run directory, checkpoints, run.json, and resume after a crash at the worst moments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from roboskill.agents.deps import Deps, NullTracer
from roboskill.agents.llm import ChatModels
from roboskill.agents.runner import RunError, chat_backend, open_run, parse_chat_input
from roboskill.config import load_settings
from tests.agents import fakes as F


class Crash(BaseException):
    """Stands in for SIGKILL inside the process: nothing after it runs, no cleanup code."""


def scripts() -> dict[str, list[Any]]:
    return {"proposer": [F.proposal(), F.proposal("open_drawer", "Open the drawer.")],
            "scene_designer": [F.scene()], "reward_writer": [F.candidates()], "critic": [F.critique("accept")],
            "curator": [{"directives": [{"kind": "avoid", "text": "nothing with the mug", "subject": "mug"}],
                         "reply": "no mug"}]}


def factory(model: F.ScriptedChatModel, library: Any, trainer: Any):
    def make(settings, run_dir, run_id, tracer, callbacks) -> Deps:
        return Deps(settings=settings, models=ChatModels(settings.llm, default=model), library=library,
                    trainer=trainer, run_dir=run_dir, tracer=tracer, callbacks=callbacks, retry_sleep=lambda s: None)
    return make


def test_run_directory_and_status(tmp_path: Path) -> None:
    settings = load_settings(budgets={"max_tasks": 2})
    lib = F.FakeLibrary()
    with open_run(settings, deps_factory=factory(F.ScriptedChatModel(scripts=scripts()), lib, F.FakeTrainer([[1.0]]))) as run:
        outcome = run.start()
        run_dir = run.run_dir
    assert outcome.status == "finished"
    assert run_dir.parent == settings.runs_root
    for name in ("config.yaml", "checkpoints.sqlite", "run.json"):
        assert (run_dir / name).exists(), name
    status = json.loads((run_dir / "run.json").read_text())
    assert status["status"] == "finished" and [s["name"] for s in status["skills"]] == ["push_cube_left", "open_drawer"]
    assert status["tokens"]["total"] > 0
    with pytest.raises(RunError, match="already exists"):
        open_run(settings, run_id=run_dir.name)
    with pytest.raises(RunError, match="nothing to resume"):
        open_run(settings, run_id="nope", resume=True)


@pytest.mark.parametrize("crash_at", ["train", "after_store", "critic"])
def test_resume_after_crash_no_duplicate_no_loss(tmp_path: Path, crash_at: str) -> None:
    settings = load_settings(budgets={"max_tasks": 2})
    lib = F.FakeLibrary()
    model = F.ScriptedChatModel(scripts=scripts())
    trainer = F.FakeTrainer([[1.0]])
    state = {"armed": True}

    class CrashingLibrary(F.FakeLibrary):
        pass

    real_add = lib.add_skill

    def add_skill(record):  # crash between storing the skill and the checkpoint of the accept node
        out = real_add(record)
        if crash_at == "after_store" and state["armed"]:
            state["armed"] = False
            raise Crash()
        return out

    lib.add_skill = add_skill  # type: ignore[method-assign]

    def crashing_trainer(requests, progress=None):
        if crash_at == "train" and state["armed"]:
            state["armed"] = False
            raise Crash()
        return trainer(requests, progress)

    if crash_at == "critic":
        model.scripts["critic"] = [Crash(), F.critique("accept")]  # type: ignore[list-item]

    with open_run(settings, deps_factory=factory(model, lib, crashing_trainer)) as run:
        run_id = run.run_id
        with pytest.raises(Crash):
            run.start()
    n_calls = len(model.calls)
    with open_run(settings, run_id=run_id, resume=True, deps_factory=factory(model, lib, crashing_trainer)) as run:
        outcome = run.resume()
    assert outcome.status == "finished"
    assert sorted(r.name for r in lib.list()) == ["open_drawer", "push_cube_left"]
    assert len(lib.skills) == 2
    assert [e["name"] for e in outcome.values["learned"]] == ["push_cube_left", "open_drawer"]
    # finished nodes were not redone: the proposer of task 1 was called exactly once overall
    assert model.roles_called().count("proposer") == 2
    assert len(model.calls) > n_calls


def test_resume_finished_run_with_more_tasks(tmp_path: Path) -> None:
    lib = F.FakeLibrary()
    model = F.ScriptedChatModel(scripts=scripts())
    with open_run(load_settings(budgets={"max_tasks": 1}), deps_factory=factory(model, lib, F.FakeTrainer([[1.0]]))) as run:
        run.start()
        run_id = run.run_id
    with open_run(load_settings(budgets={"max_tasks": 2}), run_id=run_id, resume=True,
                  deps_factory=factory(model, lib, F.FakeTrainer([[1.0]]))) as run:
        out = run.resume()
    assert out.values["tasks_done"] == 2 and len(lib.skills) == 2


def test_parse_chat_input() -> None:
    assert parse_chat_input("approve") == {"action": "approve"}
    assert parse_chat_input("reject too easy") == {"action": "reject", "text": "too easy"}
    assert parse_chat_input("edit Open the bottom drawer.") == {"action": "edit", "text": "Open the bottom drawer."}
    assert parse_chat_input("/skills")["command"] == "/skills"
    assert parse_chat_input("/bogus")["command"] == "/help"
    assert parse_chat_input("focus on drawers") == {"action": "message", "text": "focus on drawers"}


def test_chat_backend_turns(tmp_path: Path) -> None:
    settings = load_settings(budgets={"max_tasks": 1})
    lib = F.FakeLibrary()
    model = F.ScriptedChatModel(scripts=scripts())
    make = factory(model, lib, F.FakeTrainer([[1.0]]))
    first = chat_backend(None, "", settings=settings, deps_factory=make)
    assert first["status"] == "waiting_for_user" and first["pending"]["proposal"]["name"] == "push_cube_left"
    rid = first["run_id"]
    turn = chat_backend(rid, "nothing with the mug", settings=settings, deps_factory=make)
    assert turn["reply"] == "no mug" and turn["directives"][0]["subject"] == "mug"
    turn = chat_backend(rid, "/directives", settings=settings, deps_factory=make)
    assert "avoid: nothing with the mug" in turn["reply"]
    turn = chat_backend(rid, "reject boring", settings=settings, deps_factory=make)
    assert turn["pending"]["proposal"]["name"] == "open_drawer"
    turn = chat_backend(rid, "approve", settings=settings, deps_factory=make)
    assert turn["status"] == "finished" and [s["name"] for s in turn["skills"]] == ["open_drawer"]
