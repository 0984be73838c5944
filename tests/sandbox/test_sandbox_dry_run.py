"""Dry runs on real scenes and the `roboskill reward check` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roboskill.cli.main import app
from roboskill.sim.spec import SceneSpec
from roboskill.tools.sandbox import dry_run

ROOT = Path(__file__).resolve().parents[2]
SCENES = ROOT / "examples" / "scenes"
REWARDS = ROOT / "examples" / "rewards"
HOSTILE = ROOT / "tests" / "data" / "hostile"
PAIRS = {"push_cube": "push_cube", "pick_and_place": "pick_place", "open_drawer": "drawer_cabinet",
         "press_button": "button", "open_door": "door_cabinet", "open_lid": "lid_box", "flip_lever": "lever",
         "slide_window": "sliding_door", "turn_knob": "knob", "stack_cubes": "stack_cubes"}


def test_every_example_reward_has_a_scene() -> None:
    assert {p.stem for p in REWARDS.glob("*.py")} == set(PAIRS)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_example_rewards_dry_run_ok(name: str) -> None:
    report = dry_run((REWARDS / f"{name}.py").read_text(), SceneSpec.from_file(SCENES / f"{PAIRS[name]}.yaml"),
                     steps=4)
    assert report.ok, report.message()
    assert report.stage == "ok" and report.steps == 4
    assert report.reward is not None and report.components
    assert report.success_steps == 0  # random motions do not solve the tasks
    assert report.median_call_us is not None and 0 < report.median_call_us < 5000


def test_dry_run_reports_wrong_name_with_line() -> None:
    source = ("def compute_reward(state):\n    d = state.distance('ee', 'cbue')\n    return -d, {'d': -d}\n"
              "def is_success(state):\n    return False\n")
    report = dry_run(source, SceneSpec.from_file(SCENES / "push_cube.yaml"), steps=3)
    assert not report.ok and report.stage == "run"
    assert report.error_line == 2 and report.failed_at_step == 0
    assert "cbue" in report.error and "did you mean 'cube'" in report.error.lower()
    assert "line 2" in report.message()


def test_dry_run_static_rejection_needs_no_scene() -> None:
    report = dry_run((HOSTILE / "import_os.py").read_text(), {"name": "x"}, steps=3)
    assert report.stage == "check" and not report.ok and report.issues


def test_cli_reward_check_ok_and_json() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["reward", "check", str(REWARDS / "push_cube.py"), "--scene",
                                 str(SCENES / "push_cube.yaml"), "--steps", "5"])
    assert result.exit_code == 0, result.output
    assert "goal_distance" in result.output and "ok" in result.output
    result = runner.invoke(app, ["reward", "check", str(REWARDS / "push_cube.py"), "--scene",
                                 str(SCENES / "push_cube.yaml"), "--steps", "3", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["ok"] is True


def test_cli_reward_check_rejects_hostile_with_line() -> None:
    runner = CliRunner()
    path = HOSTILE / "dunder_mro_subclasses.py"
    result = runner.invoke(app, ["reward", "check", str(path), "--scene", str(SCENES / "push_cube.yaml")])
    assert result.exit_code == 1
    assert f"{path}:5:" in result.output and "__mro__" in result.output
    stopped = HOSTILE / "nan_reward.py"
    result = runner.invoke(app, ["reward", "check", str(stopped), "--scene", str(SCENES / "push_cube.yaml"),
                                 "--steps", "2"])
    assert result.exit_code == 1 and "NaN" in result.output and ":5:" in result.output


def test_cli_bad_input_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["reward", "check", str(tmp_path / "missing.py")]).exit_code == 2
    bad_scene = tmp_path / "bad.yaml"
    bad_scene.write_text("name: x\nobjects: [{kind: primitive, name: Cube}]\n")
    result = runner.invoke(app, ["reward", "check", str(REWARDS / "push_cube.py"), "--scene", str(bad_scene)])
    assert result.exit_code == 2 and "invalid scene spec" in result.output
    # static-only mode without --scene
    assert runner.invoke(app, ["reward", "check", str(REWARDS / "open_drawer.py")]).exit_code == 0


def test_dry_run_separate_sources_report_their_own_lines() -> None:
    reward = "def compute_reward(state):\n    d = state.distance('ee', 'cube')\n    return -d, {'reach': -d}\n"
    success = "import math\n\ndef is_success(state):\n    return math.sqrt(-1.0) > 0\n"
    report = dry_run(reward, SceneSpec.from_file(SCENES / "push_cube.yaml"), steps=2, success_source=success)
    assert not report.ok and report.stage == "run"
    assert report.error_field == "success_source" and report.error_line == 4
    assert "ValueError" in report.error
    good = dry_run(reward, SceneSpec.from_file(SCENES / "push_cube.yaml"), steps=2,
                   success_source="def is_success(state):\n    return False\n")
    assert good.ok and set(good.components) == {"reach"}
    bad_static = dry_run(reward, {"name": "x"}, steps=2, success_source="import os\ndef is_success(state):\n    return 1\n")
    assert bad_static.stage == "check" and bad_static.error_field == "success_source" and bad_static.error_line == 1


def test_cli_reward_api_prints_state_doc() -> None:
    result = CliRunner().invoke(app, ["reward", "api"])
    assert result.exit_code == 0 and "state.joint_open_fraction(joint: str) -> float" in result.output
