"""Fixtures of the distillation tests: a tiny two-skill world (reach a red / a blue marker).

The skills are reference-task-like primitive plans (`move_to` + a success check), so collecting a
demonstration takes ~20 env steps and the whole pipeline runs in seconds on 32x32 images.
"""

from __future__ import annotations

from typing import Any

import hashlib

import numpy as np
import pytest

from roboskill.sim.spec import SceneSpec
from roboskill.tools.plan import SkillPlan

RED = [0.0, 0.15, 0.12]
BLUE = [0.0, -0.15, 0.12]


def two_marker_scene() -> SceneSpec:
    return SceneSpec.model_validate({"name": "two_markers", "objects": [
        {"kind": "primitive", "name": "red_marker", "shape": "sphere", "size": [0.04], "color": [0.9, 0.1, 0.1, 1],
         "visual_only": True, "placement": {"position": RED}},
        {"kind": "primitive", "name": "blue_marker", "shape": "sphere", "size": [0.04], "color": [0.1, 0.1, 0.9, 1],
         "visual_only": True, "placement": {"position": BLUE}}]})


def reach_plan(name: str, pos: list[float], marker: str) -> SkillPlan:
    return SkillPlan.model_validate({"task_name": name, "subtasks": [{
        "name": "reach", "description": f"Move to the {marker}.", "learner": "primitive",
        "primitive": {"name": "move_to", "args": {"position": pos}},
        "success_code": f"def is_success(state):\n    return state.distance('ee', '{marker}') < 0.03\n",
        "horizon": 60}]})


def fake_embed(texts: list[str]) -> np.ndarray:
    """A deterministic stand-in for MiniLM (hash-seeded unit vectors) for tests that need no semantics."""
    out = []
    for t in texts:
        rng = np.random.default_rng(int(hashlib.sha1(t.encode()).hexdigest()[:8], 16))
        v = rng.standard_normal(384).astype(np.float32)
        out.append(v / np.linalg.norm(v))
    return np.stack(out)


@pytest.fixture
def two_skills() -> list[Any]:
    from roboskill.tools.distill.skills import DistillSkill

    scene = two_marker_scene()
    return [DistillSkill("reach_red", "Move the gripper to the red ball", scene,
                         reach_plan("reach_red", RED, "red_marker")),
            DistillSkill("reach_blue", "Move the gripper to the blue ball", scene,
                         reach_plan("reach_blue", BLUE, "blue_marker"))]
