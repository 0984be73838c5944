"""End to end on a tiny two-skill library: collect -> BC (+1 DAgger round) -> evaluate, through the CLI.

Kept fast: two reach skills (~20 expert steps each), 32x32 images, 2 demos, 3 epochs, 1 eval episode.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from roboskill.tools.distill import DistillError
from tests.distill.conftest import fake_embed


def _library(tmp_path, skills):
    from roboskill.memory import SkillLibrary, SkillRecord

    lib = SkillLibrary(tmp_path / "library")
    for k, s in enumerate(skills):
        lib.add_skill(SkillRecord(name=s.name, description=s.instruction, instruction=s.instruction, scene=s.scene,
                                  plan=s.plan, learners=["primitive"], success_rate=1.0, run_id="r0",
                                  task_id=f"t{k:03d}_{s.name}"))
    return lib


def test_distill_cli_on_a_two_skill_library(tmp_path, two_skills) -> None:
    from roboskill.cli.main import app
    from roboskill.tools.distill.dataset import load_dataset
    from roboskill.tools.distill.policy import load_checkpoint

    _library(tmp_path, two_skills)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["distill", "--skills", "reach_red,reach_blue", "--episodes", "2", "--epochs", "4",
                                   "--dagger", "1", "--dagger-episodes", "1", "--eval-episodes", "1", "--image-size", "32",
                                   "--library", str(tmp_path / "library"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "reach_red" in res.output and "Generalist vs experts" in res.output

    # dataset written and re-loadable (expert round 0 + DAgger round 1 shards)
    data = load_dataset(out / "dataset")
    assert data.images.shape[1:] == (32, 32, 3) and data.actions.shape[1] == 5
    assert set(np.unique(data.skill_index)) == {0, 1}
    # object positions recorded for the auxiliary loss: the markers among the slots, unused slots NaN
    from tests.distill.conftest import BLUE, RED

    assert data.objects is not None and data.objects.shape == (len(data), 12)
    slots = data.objects[0].reshape(4, 3)
    for marker in (RED, BLUE):
        assert np.isclose(slots, marker, atol=0.02).all(axis=1).any(), slots
    manifest = data.manifest
    assert [s.name for s in manifest.skills] == ["reach_red", "reach_blue"]
    assert all(s.expert_success_rate == 1.0 and s.shards[0].n_episodes == 2 for s in manifest.skills)
    assert all(s.heldout_instructions and not set(s.heldout_instructions) & set(s.train_instructions)
               for s in manifest.skills)

    # BC lowered the loss; checkpoint loads
    history = json.loads((out / "history.json").read_text())
    bc = [h for h in history if h["phase"] == "bc"]
    assert bc[-1]["eval_loss"] < bc[0]["eval_loss"]
    policy, meta = load_checkpoint(out / "policy.pt")
    assert [s["name"] for s in meta["skills"]] == ["reach_red", "reach_blue"]

    # per-skill evaluation numbers, JSON + video
    ev = json.loads((out / "eval.json").read_text())
    assert [r["name"] for r in ev["skills"]] == ["reach_red", "reach_blue"]
    for r in ev["skills"]:
        assert r["expert_success"] == 1.0
        assert 0.0 <= r["generalist_success"] <= 1.0 and r["heldout_success"] is not None
    # the video grid shows every physics step from the wide evaluation camera, not the policy's 32x32 view
    import imageio.v2 as imageio

    from roboskill.tools.distill.evaluate import VIDEO_SIZE

    frames = np.stack([f for f in imageio.get_reader(out / "video_grid.mp4", format="FFMPEG")])
    assert frames.shape[1:3] == (VIDEO_SIZE[0], 2 * VIDEO_SIZE[1])
    assert len(frames) >= max(r["mean_steps"] for r in ev["skills"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_steps"] == len(data)


def test_multitask_env_samples_skills_and_instructions(two_skills) -> None:
    from roboskill.tools.distill.embedding import EmbeddingCache
    from roboskill.tools.distill.multitask_env import MultiTaskEnv

    env = MultiTaskEnv(two_skills, embeddings=EmbeddingCache(None, fake_embed), image_size=(24, 24), split="heldout",
                       seed=0, default_horizon=5)
    try:
        seen = set()
        for _ in range(6):
            obs, info = env.reset()
            seen.add(info["skill"])
            assert info["instruction"] != env.skills[info["skill"]].instruction  # held-out rewording
            assert env.observation_space.contains(obs)
        assert seen == {"reach_red", "reach_blue"}
        obs, info = env.reset(options={"skill": "reach_red", "instruction": "go red", "episode_seed": 3})
        assert info["instruction"] == "go red"
        steps, done = 0, False
        while not done:
            obs, r, term, trunc, info = env.step(env.action_space.sample())
            steps += 1
            done = term or trunc
        assert steps <= 5 and obs["image"].shape == (24, 24, 3) and obs["instruction"].shape == (384,)
        with pytest.raises(DistillError, match="unknown skill"):
            env.reset(options={"skill": "nope"})
    finally:
        env.close()


def test_skill_without_success_check_is_rejected(two_skills) -> None:
    from roboskill.tools.distill.skills import DistillSkill
    from roboskill.tools.plan import SkillPlan

    plan = two_skills[0].plan.model_dump()
    plan["subtasks"][0]["success_code"] = None
    with pytest.raises(DistillError, match="no success check"):
        DistillSkill("x", "do x", two_skills[0].scene, SkillPlan.model_validate(plan))
