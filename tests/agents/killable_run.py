"""A `roboskill run` stand-in for the SIGKILL tests: real runner, checkpoints and SkillLibrary, scripted
models and a slow fake trainer, printing markers so the test can kill it at exact points.

Usage: python -m tests.agents.killable_run (start|resume) RUN_ID KILL_AT   (KILL_AT: llm|train|after_store|none)
"""

from __future__ import annotations

import sys
import time

from roboskill.agents.deps import Deps
from roboskill.agents.llm import ChatModels
from roboskill.agents.runner import open_run
from roboskill.config import load_settings
from roboskill.memory import SkillLibrary
from tests.agents import fakes as F


def marker(text: str, pause: float) -> None:
    print(f"MARK {text}", flush=True)
    time.sleep(pause)


def main() -> int:
    action, run_id, kill_at = sys.argv[1], sys.argv[2], sys.argv[3]
    pause = 30.0 if action == "start" else 0.0

    def slow_critic(messages):
        if kill_at == "llm":
            marker("llm", pause)
        return F.critique("accept")

    model = F.ScriptedChatModel(scripts={
        "proposer": [F.proposal("push_cube_left", "Push the cube to the left."),
                     F.proposal("open_top_drawer", "Open the top drawer of the cabinet.")],
        "scene_designer": [F.scene()], "reward_writer": [F.candidates()], "critic": [slow_critic]})
    trainer = F.FakeTrainer([[0.9]])

    def slow_trainer(requests, progress=None):
        if kill_at == "train":
            marker("train", pause)
        return trainer(requests, progress)

    settings = load_settings(budgets={"max_tasks": 2})

    def make(settings, run_dir, run_id, tracer, callbacks) -> Deps:
        library = SkillLibrary(settings.library_dir)
        real_add = library.add_skill

        def add_skill(record):
            stored = real_add(record)
            if kill_at == "after_store":
                marker("after_store", pause)
            return stored

        library.add_skill = add_skill  # type: ignore[method-assign]
        return Deps(settings=settings, models=ChatModels(settings.llm, default=model), library=library,
                    trainer=slow_trainer, run_dir=run_dir, tracer=tracer, callbacks=callbacks)

    with open_run(settings, run_id=run_id, resume=action == "resume", deps_factory=make) as run:
        out = run.resume() if action == "resume" else run.start()
    print(f"STATUS {out.status} {len(out.values.get('learned') or [])}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
