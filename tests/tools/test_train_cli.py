import json
from pathlib import Path

from typer.testing import CliRunner

from roboskill.cli.main import app

# success is judged at the END of a sub-task's run, so the task must leave a lasting state (a sprung
# button pressed and released would fail): grasp and hold the cube
SCENE = """
name: cube
objects:
  - kind: primitive
    name: cube
    shape: box
    size: [0.04, 0.04, 0.04]
    placement: {on: table, offset: [0.0, -0.05]}
"""

REWARD = '''
def compute_reward(state):
    reach = state.distance("ee", "cube")
    return -reach, {"reach": -reach}


def is_success(state):
    return state.is_grasped("cube")
'''


def test_train_cli_writes_artefacts(tmp_path: Path):
    (tmp_path / "scene.yaml").write_text(SCENE)
    (tmp_path / "reward.py").write_text(REWARD)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["train", "--scene", str(tmp_path / "scene.yaml"), "--reward", str(tmp_path / "reward.py"),
                                   "--method", "primitive", "--primitive", '{"name": "grasp", "args": {"object": "cube"}}',
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
