"""Issue 5's promise across runs: a second `roboskill run` on the same library never re-proposes a learned task.

Real offline model, real Chroma library with MiniLM novelty, real scene validation and sandbox checks — only
training is faked (it always succeeds), so the test is about what gets proposed and stored, not learning.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from roboskill.agents.runner import default_deps, open_run
from roboskill.config import load_settings
from roboskill.memory import SkillLibrary
from tests.agents import fakes as F


def _fake_training(settings, run_dir, run_id, tracer, callbacks):
    return dataclasses.replace(default_deps(settings, run_dir, run_id, tracer, callbacks), trainer=F.FakeTrainer([[1.0]]))


def test_second_run_does_not_repropose_learned_tasks(tmp_path: Path) -> None:
    settings = load_settings(budgets={"max_tasks": 3, "max_iterations_per_task": 1})
    with open_run(settings, deps_factory=_fake_training) as run:
        first = run.start()
    learned_first = {r.name: r.description for r in SkillLibrary(settings.library_dir).list()}
    assert len(learned_first) == 3, first

    with open_run(settings, deps_factory=_fake_training) as run:
        run.start()
    library = SkillLibrary(settings.library_dir)
    records = library.list()
    second = [r for r in records if r.name not in learned_first]
    assert len(second) == 3, [r.name for r in records]
    for record in second:
        verdict = library.is_novel(record.description)
        nearest_first = [(name, sim) for name, sim in verdict.nearest if name in learned_first]
        # every task of the second run is judged new against everything the first run learned
        assert all(sim < verdict.threshold for _, sim in nearest_first), (record.description, nearest_first)
