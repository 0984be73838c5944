"""--tensorboard: trajectory optimisation's score curves, SB3's own scalars and the curves.png series are
written as TensorBoard event files under the attempt's tb/ and read back with TensorBoard's EventAccumulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("tensorboard", reason="needs the tensorboard extra: pip install 'roboskill[tensorboard]'")

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from roboskill.cli.main import app  # noqa: E402
from roboskill.tools.plan import SkillPlan  # noqa: E402
from roboskill.tools.reference_tasks import reference_task  # noqa: E402
from roboskill.tools.train import train_plan  # noqa: E402
from tests.tools.test_train_cli import SCENE  # noqa: E402

REACH_REWARD = '''
def compute_reward(state):
    reach = state.distance("ee", "cube")
    return -reach, {"reach": -reach}


def is_success(state):
    return state.distance("ee", "cube") < 0.05
'''


def _scalars(tb: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar tag of every run under `tb` (one EventAccumulator per directory of event files)."""
    out: dict[str, list[tuple[int, float]]] = {}
    for run in sorted({p.parent for p in tb.rglob("events.out.tfevents.*")}):
        acc = EventAccumulator(str(run))
        acc.Reload()
        for tag in acc.Tags()["scalars"]:
            out.setdefault(tag, []).extend((e.step, e.value) for e in acc.Scalars(tag))
    return out


def test_train_cli_tensorboard_logs_trajopt_score_curves(tmp_path: Path) -> None:
    (tmp_path / "scene.yaml").write_text(SCENE)
    (tmp_path / "reward.py").write_text(REACH_REWARD)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["train", "--scene", str(tmp_path / "scene.yaml"), "--reward", str(tmp_path / "reward.py"),
                                   "--method", "trajopt", "--budget-s", "6", "--episodes", "1", "--horizon", "40",
                                   "--no-video", "--out", str(out), "--tensorboard"])
    assert res.exit_code == 0, res.output
    assert (out / "curves.png").is_file()
    assert json.loads((out / "metrics.json").read_text())["artefacts"]["tensorboard"] == str(out / "tb")
    scalars = _scalars(out / "tb")
    best = scalars["trajopt/skill/best_score"]
    assert len(best) >= 2 and [s for s, _ in best] == list(range(len(best)))  # one point per replan, in order
    assert scalars["trajopt/skill/episode_return"] and scalars["trajopt/skill/episode_success"]
    assert scalars["curves/skill/success_rate"] and scalars["curves/skill/component/reach"]


def test_rl_subtask_logs_sb3_scalars(tmp_path: Path) -> None:
    spec, plan = reference_task("reach")
    sub = plan.subtasks[0].model_copy(update={"learner": "rl", "horizon": 30})
    report = train_plan(spec, SkillPlan(task_name="reach_rl", subtasks=[sub]), tmp_path, budget_s=8, seed=0,
                        n_eval_episodes=1, isolate=False, video=False, tensorboard=True)
    assert report.error is None, report.error
    scalars = _scalars(tmp_path / "tb")
    # SB3's own logger (a short budget ends before its first gradient update logs train/*)
    assert {"time/fps", "rollout/success_rate"} <= set(scalars), sorted(scalars)
    assert list((tmp_path / "tb").glob(f"{sub.name}_*"))  # SB3's own run directory, named after the sub-task
    assert scalars[f"curves/{sub.name}/success_rate"]


def test_learn_flag_reaches_the_training_jobs() -> None:
    from roboskill.cli.settings_flags import flag_overrides
    from roboskill.config import load_settings

    assert load_settings(**flag_overrides(tensorboard=True)).tensorboard is True
    assert load_settings().tensorboard is False
