"""Memory-test fixtures: records built from plain dicts (independent of sim/tools internals) and one
embedding model per test session (it is cached per process by roboskill.memory.embed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from roboskill.memory import FailedTaskRecord, SkillLibrary, SkillRecord


def make_record(name: str, description: str, *, run_id: str = "run1", task_id: str | None = None,
                success_rate: float = 0.9, **extra) -> SkillRecord:
    """A minimal valid SkillRecord; scene/plan follow the contract's field names only."""
    data = dict(
        name=name,
        description=description,
        instruction=f"Robot, {description}.",
        subtasks=["approach", "act"],
        scene={"name": "tabletop", "objects": [
            {"kind": "primitive", "name": "cube", "shape": "box", "size": [0.02, 0.02, 0.02],
             "placement": {"on": "table"}}]},
        plan={"task_name": name, "subtasks": [
            {"name": "act", "description": description, "learner": "trajopt",
             "reward_code": "def compute_reward(state):\n    return 0.0, {}\n",
             "success_code": "def is_success(state):\n    return False\n"}]},
        learners=["trajopt"],
        success_rate=success_rate,
        metrics={"success_rate": success_rate, "mean_return": 1.5, "n_episodes": 10},
        artefacts={"video": f"/runs/{run_id}/{name}/rollout.mp4", "policy": f"/runs/{run_id}/{name}/trajectory.npz"},
        run_id=run_id,
        task_id=task_id or name,
    )
    data.update(extra)
    return SkillRecord.model_validate(data)


def make_failure(name: str, description: str, *, run_id: str = "run1", task_id: str | None = None) -> FailedTaskRecord:
    return FailedTaskRecord(name=name, description=description, reason="critic gave up after 3 iterations",
                            run_id=run_id, task_id=task_id or name)


SKILLS = [
    ("open_top_drawer", "pull the top drawer of the cabinet out"),
    ("pick_red_cube", "pick up the red cube and lift it above the table"),
    ("push_blue_cube_left", "push the blue cube to the left side of the table"),
    ("press_button", "press the button on the table"),
    ("stack_cubes", "stack the green cube on top of the yellow cube"),
]


@pytest.fixture(scope="session")
def embedder():
    """Load MiniLM once per session (later calls in the process reuse the module-level cache)."""
    from roboskill.memory.embed import get_model

    return get_model()


@pytest.fixture()
def library(tmp_path: Path, embedder) -> SkillLibrary:
    lib = SkillLibrary(tmp_path / "library")
    yield lib
    lib.close()


@pytest.fixture()
def filled(library: SkillLibrary) -> SkillLibrary:
    for name, desc in SKILLS:
        library.add_skill(make_record(name, desc))
    return library
