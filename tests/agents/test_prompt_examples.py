"""Every prompt a model reads renders completely, and every example answer in it is one a model could send.

A real model copies the examples it is shown: an example that fails validation (a cabinet turned away from
the robot, a half-extent size) teaches it to fail. So every fenced ```json example of every prompt file is
validated against its role's schema, scene examples also through scene validation, and the reward
writer's example plan through the code checks and a sandboxed dry run in the scene designer's example scene.
"""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from roboskill.agents.prompts import render_system
from roboskill.agents.schemas import ROLE_SCHEMAS, RewardCandidates, SceneDesign

_EXAMPLE = re.compile(r"```json[ \t]*\n(.*?)```", re.DOTALL)
PROMPT_FILES = sorted(f.name for f in resources.files("roboskill").joinpath("prompts").iterdir() if f.name.endswith(".md"))


def _examples(role: str) -> list[dict]:
    return [json.loads(block) for block in _EXAMPLE.findall(render_system(role))]


def test_there_is_a_prompt_file_per_role() -> None:
    assert {name.removesuffix(".md") for name in PROMPT_FILES} == set(ROLE_SCHEMAS)


@pytest.mark.parametrize("file", PROMPT_FILES)
def test_every_prompt_renders_and_its_examples_validate(file: str) -> None:
    role = file.removesuffix(".md")
    text = render_system(role)
    assert not re.search(r"\{\{\s*[a-z_]+\s*\}\}", text), "an unrendered placeholder"
    examples = _examples(role)
    assert examples, f"{file} shows no example answer"
    for example in examples:
        ROLE_SCHEMAS[role].model_validate(example)  # raises with the field path when an example is wrong


def test_scene_examples_are_valid_scenes() -> None:
    from roboskill.sim.validation import validate_scene

    for example in _examples("scene_designer"):
        scene = SceneDesign.model_validate(example).scene
        report = validate_scene(scene)
        assert report.ok and not report.warnings, report.format()


def test_the_reward_writer_example_runs_in_the_scene_designer_example() -> None:
    from roboskill.agents.adapters import check_plan_code

    scene = SceneDesign.model_validate(_examples("scene_designer")[0]).scene.model_dump(mode="json")
    for example in _examples("reward_writer"):
        for plan in RewardCandidates.model_validate(example).candidates:
            assert check_plan_code(plan.model_dump(mode="json"), scene) == []


def test_one_reach_envelope_in_prompts_and_validator() -> None:
    from roboskill.sim.validation import reach_summary, reachable

    assert reach_summary() in render_system("scene_designer")
    assert reach_summary(short=True) in render_system("proposer")
    for role in ROLE_SCHEMAS:  # the old, wrong envelope is gone everywhere
        assert "0.35]" not in render_system(role)
    # the numbers the summary states are the validator's
    assert reachable((0.19, 0.0, 0.0)) and not reachable((0.2, 0.0, 0.0))
    assert reachable((-0.35, 0.0, 0.0)) and not reachable((-0.36, 0.0, 0.0))
    assert reachable((0.1, 0.3, 0.0)) and reachable((-0.3, -0.3, 0.0))
