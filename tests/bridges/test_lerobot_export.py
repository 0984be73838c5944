"""LeRobot round trip: demonstrations collected from two skills are written with LeRobot's own dataset writer
and read back with LeRobot's own LeRobotDataset: episodes, frames, features and the task string of each episode."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("lerobot", reason="needs lerobot: pip install 'roboskill[lerobot]' && pip install --no-deps lerobot")

from roboskill.bridges.lerobot import CAMERA_KEY, export_lerobot, lerobot_dataset_class  # noqa: E402
from tests.distill.conftest import fake_embed, two_skills  # noqa: E402,F401 - the fixture


@pytest.fixture
def demo_dataset(tmp_path: Path, two_skills) -> Path:  # noqa: F811
    from roboskill.tools.distill.collect import CollectConfig, collect_dataset

    root = tmp_path / "dataset"
    collect_dataset(two_skills, root, CollectConfig(episodes=2, image_size=(64, 64), train_paraphrases=0,
                                                    heldout_paraphrases=0), embed_fn=fake_embed)
    return root


def test_export_reloads_with_lerobots_dataset_class(demo_dataset: Path, tmp_path: Path) -> None:
    from roboskill.tools.distill.dataset import read_manifest, read_shard

    out = tmp_path / "lerobot"
    info = export_lerobot(demo_dataset, out, repo_id="roboskill/reach")
    manifest = read_manifest(demo_dataset)
    shards = [read_shard(demo_dataset, sh) for s in manifest.skills for sh in s.shards]
    assert info.episodes == 4 and info.skills == {"reach_red": 2, "reach_blue": 2}
    assert info.frames == sum(len(a["actions"]) for a in shards)

    ds = lerobot_dataset_class()("roboskill/reach", root=out)
    assert ds.num_episodes == 4 and ds.num_frames == info.frames and ds.fps == info.fps
    assert ds.meta.video_keys == [CAMERA_KEY]
    assert ds.features[CAMERA_KEY]["shape"] == (64, 64, 3)
    assert ds.features["observation.state"]["shape"] == (shards[0]["proprio"].shape[1],)
    assert ds.features["action"]["names"] == list(manifest.action_layout)
    tasks = set(ds.meta.tasks.index)
    assert tasks == {"Move the gripper to the red ball", "Move the gripper to the blue ball"}

    # one task per episode, in the order the skills were written; actions and states are the shards' rows
    table = ds.hf_dataset.with_format(None)
    ep_index, task_index = np.array(table["episode_index"]), np.array(table["task_index"])
    names = {int(i): t for t, i in zip(ds.meta.tasks.index, ds.meta.tasks["task_index"])}
    per_episode = [{names[int(t)] for t in task_index[ep_index == e]} for e in range(4)]
    assert per_episode == [{"Move the gripper to the red ball"}] * 2 + [{"Move the gripper to the blue ball"}] * 2
    first = shards[0]
    rows = np.flatnonzero(first["episode"] == first["episode"].min())
    np.testing.assert_allclose(np.array(table["action"])[: len(rows)], first["actions"][rows], atol=1e-6)
    np.testing.assert_allclose(np.array(table["observation.state"])[: len(rows)], first["proprio"][rows], atol=1e-6)

    # the videos decode to as many frames as the parquet has rows (PyAV: LeRobot's own encoder library)
    import av

    videos = sorted((out / "videos").rglob("*.mp4"))
    assert videos
    decoded = 0
    for video in videos:
        with av.open(str(video)) as container:
            for frame in container.decode(video=0):
                decoded += 1
                assert frame.width == 64 and frame.height == 64
    assert decoded == info.frames
    meta = json.loads((out / "meta" / "info.json").read_text())
    assert meta["total_episodes"] == 4 and meta["robot_type"] == "franka_panda"


def test_export_refuses_an_existing_directory(demo_dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    with pytest.raises(FileExistsError, match="taken"):
        export_lerobot(demo_dataset, out)


def test_distill_and_skills_export_write_lerobot_datasets(tmp_path: Path, two_skills) -> None:  # noqa: F811
    from typer.testing import CliRunner

    from roboskill.cli.main import app
    from tests.distill.test_pipeline import _library

    _library(tmp_path, two_skills).close()
    lib = str(tmp_path / "library")
    res = CliRunner().invoke(app, ["distill", "--skills", "reach_red,reach_blue", "--episodes", "1", "--epochs", "1",
                                   "--eval-episodes", "1", "--image-size", "64", "--library", lib,
                                   "--out", str(tmp_path / "out"), "--export-lerobot", str(tmp_path / "distilled")])
    assert res.exit_code == 0, res.output
    ds = lerobot_dataset_class()("roboskill/distill", root=tmp_path / "distilled")
    assert ds.num_episodes == 2 and set(ds.meta.tasks.index) == {s.instruction for s in two_skills}
    assert ds.fps == 24  # distill stores every 2nd step of the 48 Hz control loop

    res = CliRunner().invoke(app, ["skills", "export", str(tmp_path / "exported"), "--format", "lerobot", "--skills",
                                   "reach_blue", "--episodes", "2", "--image-size", "64", "--library", lib, "--json"])
    assert res.exit_code == 0, res.output
    ds = lerobot_dataset_class()("roboskill/skills", root=tmp_path / "exported")
    assert ds.num_episodes == 2 and list(ds.meta.tasks.index) == ["Move the gripper to the blue ball"]
    assert ds.fps == 48 and ds.num_frames == json.loads(res.output[res.output.index("{"):])["frames"]
    again = CliRunner().invoke(app, ["skills", "export", str(tmp_path / "exported"), "--format", "lerobot",
                                     "--library", lib])
    assert again.exit_code == 1 and "exists" in again.output
