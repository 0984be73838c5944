"""`roboskill run --parallel-tasks K`: K task slots at once sharing one library, no task learned twice,
each slot its own resumable run."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from roboskill.agents.deps import Deps
from roboskill.agents.llm import ChatModels
from roboskill.agents.slots import SLOTS_FILE, run_parallel, slot_shares
from roboskill.config import load_settings
from roboskill.memory import SkillLibrary
from tests.agents import fakes as F

TASKS = [("push_cube_left", "Push the cube to the left."), ("open_drawer", "Open the top drawer of the cabinet."),
         ("stack_blocks", "Stack the red block on the blue block."), ("press_button", "Press the round button.")]


class SlowTrainer(F.FakeTrainer):
    """Training that takes a while, so both slots have a task in flight at the same time."""

    def __init__(self) -> None:
        super().__init__([[1.0]])
        self.lock = threading.Lock()
        self.active = 0
        self.most_at_once = 0

    def __call__(self, requests: list[Any], progress: Any = None) -> list[dict]:
        with self.lock:
            self.active += 1
            self.most_at_once = max(self.most_at_once, self.active)
        time.sleep(0.8)
        with self.lock:
            self.active -= 1
            return super().__call__(requests, progress)


def _factory(trainer: Any):
    def make(settings, run_dir, run_id, tracer, callbacks) -> Deps:
        # every slot proposes the same first task: only one of them may learn it
        model = F.ScriptedChatModel(scripts={
            "proposer": [F.proposal(n, d) for n, d in TASKS] + [F.proposal("idle", "Wave the arm.")],
            "scene_designer": [F.scene()], "reward_writer": [F.candidates(1)], "critic": [F.critique("accept")]})
        return Deps(settings=settings, models=ChatModels(settings.llm, default=model), library=F.FakeLibrary(),
                    trainer=trainer, run_dir=run_dir, tracer=tracer, callbacks=callbacks, retry_sleep=lambda s: None)
    return make


def test_task_budget_is_split_over_the_slots() -> None:
    assert slot_shares(5, 2) == [3, 2] and slot_shares(2, 4) == [1, 1] and slot_shares(1, 1) == [1]


def test_two_slots_run_at_once_share_the_library_and_never_learn_a_task_twice() -> None:
    settings = load_settings(budgets={"max_tasks": 4, "candidates_per_iteration": 1})
    trainer = SlowTrainer()
    seen: list[tuple[str, str]] = []
    outcome = run_parallel(settings, 2, run_id="par", deps_factory=_factory(trainer),
                           on_update=lambda slot, node, update: seen.append((slot, node)))
    assert outcome.status == "finished", outcome.errors
    assert [sid for sid, _ in outcome.slots] == ["par-s0", "par-s1"]
    assert trainer.most_at_once == 2  # the slots really overlapped
    assert {s for s, _ in seen} == {"par-s0", "par-s1"}
    with SkillLibrary(settings.library_dir) as lib:
        descriptions = [r.description for r in lib.list()]
    assert len(descriptions) == len(set(descriptions)) == len(outcome.learned) >= 3, descriptions
    assert descriptions.count("Push the cube to the left.") == 1
    parent = settings.runs_root / "par"
    slots = json.loads((parent / SLOTS_FILE).read_text())
    assert slots["slots"] == ["par-s0", "par-s1"] and slots["tasks"] == [2, 2]
    for sid in slots["slots"]:
        status = json.loads((settings.runs_root / sid / "run.json").read_text())
        assert status["status"] == "finished" and status["tasks_done"] == 2


def test_a_finished_parallel_run_resumes_as_finished_and_a_new_one_with_its_id_is_refused() -> None:
    import pytest

    from roboskill.agents.runner import RunError

    settings = load_settings(budgets={"max_tasks": 2, "candidates_per_iteration": 1})
    first = run_parallel(settings, 2, run_id="again", deps_factory=_factory(F.FakeTrainer([[1.0]])))
    assert first.status == "finished"
    again = run_parallel(settings, 2, run_id="again", resume=True, deps_factory=_factory(F.FakeTrainer([[1.0]])))
    assert again.status == "finished" and len(again.learned) == len(first.learned)
    with pytest.raises(RunError, match="already exists"):
        run_parallel(settings, 2, run_id="again", deps_factory=_factory(F.FakeTrainer([[1.0]])))
