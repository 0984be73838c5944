import json
from pathlib import Path

from typer.testing import CliRunner

from roboskill.cli.main import app

SCENE = """
name: button
objects:
  - kind: articulated
    name: red_button
    articulation: button
    placement: {on: table, offset: [0.0, 0.1]}
"""

REWARD = '''
def compute_reward(state):
    pressed = state.joint_open_fraction("red_button.button")
    return pressed, {"pressed": pressed}


def is_success(state):
    return state.joint_open_fraction("red_button.button") > 0.6
'''


def test_train_cli_writes_artefacts(tmp_path: Path):
    (tmp_path / "scene.yaml").write_text(SCENE)
    (tmp_path / "reward.py").write_text(REWARD)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["train", "--scene", str(tmp_path / "scene.yaml"), "--reward", str(tmp_path / "reward.py"),
                                   "--method", "primitive", "--primitive", '{"name": "press", "args": {"object": "red_button"}}',
                                   "--budget-s", "20", "--episodes", "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["success_rate"] == 1.0
    for name in ("curves.png", "rollout.mp4", "trajectory.npz"):
        assert (out / name).stat().st_size > 0, name
    assert list((out / "keyframes").glob("*.png"))
    assert "success rate" in res.output


def test_train_cli_rejects_bad_primitive(tmp_path: Path):
    (tmp_path / "scene.yaml").write_text(SCENE)
    res = CliRunner().invoke(app, ["train", "--scene", str(tmp_path / "scene.yaml"), "--method", "primitive",
                                   "--primitive", '{"name": "grasp", "args": {}}'])
    assert res.exit_code != 0
    assert "object" in res.output
