"""End to end through the real graph with the offline model (real scenes, sandbox, training and goal-judged
evaluation): the library learns open / put inside / close, then the long task reuses them — bound to its own
block — and is accepted by its own goal. About a minute on 2 cores."""

from __future__ import annotations

import importlib.util

import pytest

from roboskill.agents.runner import open_run
from roboskill.config import load_settings
from roboskill.memory import SkillLibrary

pytestmark = pytest.mark.skipif(importlib.util.find_spec("roboskill.tools.executor") is None,
                                reason="roboskill.tools.executor has not landed yet")

PARTS = ("Open the top drawer.", "Put the blue block into the top drawer.", "Close the top drawer.")
LONG = "Open the top drawer, put the red block inside, then close the drawer."


def _learn(settings, text: str) -> dict:
    with open_run(settings, mode="learn") as run:
        values = run.start(given_task=text).values
    assert values.get("learned"), (text, values.get("failed"))
    return values["learned"][-1]


def test_a_long_task_is_learned_by_reusing_the_library_parts() -> None:
    settings = load_settings(budgets={"eval_episodes": 5, "candidates_per_iteration": 1, "max_iterations_per_task": 2,
                                      "train_budget_s": 10.0})
    parts = [_learn(settings, text)["name"] for text in PARTS]
    entry = _learn(settings, LONG)
    library = SkillLibrary(settings.library_dir)
    try:
        record = library.get(entry["name"])
    finally:
        library.close()
    assert record.goal is not None and {c.kind for c in record.goal.conditions} == {"inside", "joint_fraction"}
    assert record.success_rate >= 0.8 and record.metrics.get("judged_by") == "goal"
    assert record.plan.reused() == parts  # every step is a learned skill, in order; nothing was learned again
    tree = record.uses_tree()
    assert tree[1]["bind"] == {"blue_block": "red_block"}  # the part's block is this task's red block
