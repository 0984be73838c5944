"""The policy network, BC training on a synthetic dataset, checkpoints — no simulator."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from roboskill.tools.distill import DistillError
from roboskill.tools.distill.dataset import DatasetManifest, DemoData, SkillEntry, write_manifest, write_shard
from roboskill.tools.distill.embedding import EmbeddingCache
from roboskill.tools.distill.policy import GeneralistPolicy, PolicyConfig, load_checkpoint, save_checkpoint
from roboskill.tools.distill.train import TrainConfig, random_shift, train_bc
from tests.distill.conftest import fake_embed


def _synthetic(tmp_path) -> DemoData:
    """Two 'skills' whose action depends on the instruction and on where a bright square is."""
    rng = np.random.default_rng(0)
    entries = []
    for k, name in enumerate(("left", "right")):
        n = 96
        imgs = np.zeros((n, 24, 24, 3), np.uint8)
        xs = rng.integers(2, 20, n)
        for i, x in enumerate(xs):
            imgs[i, 10:14, x:x + 3] = 255
        actions = np.zeros((n, 5), np.float32)
        actions[:, 0] = (xs - 12) / 12.0
        actions[:, 4] = 1.0 if k == 0 else -1.0
        arrays = {"images": imgs, "proprio": rng.standard_normal((n, 8)).astype(np.float32), "actions": actions,
                  "episode": np.zeros(n, np.int32), "step": np.arange(n, dtype=np.int32)}
        entries.append(SkillEntry(name=name, instruction=f"go {name}", train_instructions=[f"go {name}"],
                                  shards=[write_shard(tmp_path, name, 0, arrays, seeds=[k])]))
    write_manifest(tmp_path, DatasetManifest(image_size=(24, 24), skills=entries))
    return DemoData(tmp_path, embeddings=EmbeddingCache(tmp_path / "embeddings.npz", fake_embed))


def test_forward_shapes_and_range() -> None:
    policy = GeneralistPolicy(PolicyConfig(image_size=(32, 32)))
    out = policy(torch.rand(3, 3, 32, 32), torch.zeros(3, 8), torch.zeros(3, 384))
    assert out.shape == (3, 5) and float(out.detach().abs().max()) <= 1.0
    a = policy.act(np.zeros((84, 84, 3), np.uint8), np.zeros(8), np.zeros(384))  # any image size works
    assert a.shape == (5,) and a.dtype == np.float32


def test_random_shift_keeps_shape() -> None:
    x = torch.rand(4, 3, 10, 12)
    y = random_shift(x, 2, torch.Generator().manual_seed(0))
    assert y.shape == x.shape
    assert torch.equal(random_shift(x, 0, torch.Generator()), x)


def test_bc_lowers_the_loss_and_checkpoint_round_trips(tmp_path) -> None:
    data = _synthetic(tmp_path)
    policy, history = train_bc(data, TrainConfig(epochs=6, batch_size=32, shift=1, lr=3e-3))
    assert history[0]["epoch"] == 0 and len(history) == 7
    assert history[-1]["eval_loss"] < 0.5 * history[0]["eval_loss"], history
    assert torch.get_num_threads() <= 2
    path = save_checkpoint(policy, tmp_path / "ck" / "policy.pt", skills=[{"name": "left"}], history=history)
    loaded, meta = load_checkpoint(path)
    assert meta["skills"] == [{"name": "left"}] and meta["config"]["image_size"] == [24, 24]
    obs = (data.images[0], data.proprio[0], data.instruction_embeddings[0][0])
    np.testing.assert_allclose(loaded.act(*obs), policy.act(*obs), atol=1e-6)


def test_bad_checkpoint_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(DistillError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(DistillError, match="cannot read checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")


def test_new_policy_withholds_velocity_unless_asked() -> None:
    from roboskill.sim.robot import PROPRIO_LAYOUT
    from roboskill.tools.distill.train import position_inputs

    assert position_inputs(list(PROPRIO_LAYOUT), 8) == [0, 1, 2, 6, 7]  # ee xyz, yaw, gripper opening
    assert position_inputs([], 8) == list(range(8))  # unknown layout: everything
    torch.manual_seed(0)
    policy = GeneralistPolicy(PolicyConfig(image_size=(24, 24), proprio_inputs=[0, 1, 2, 6, 7]))
    img, lang = torch.rand(1, 3, 24, 24), torch.zeros(1, 384)
    p = torch.zeros(1, 8)
    moving = p.clone()
    moving[0, 3:6] = 5.0  # only the velocity differs
    assert torch.equal(policy(img, p, lang), policy(img, moving, lang))
    moved = p.clone()
    moved[0, 0] = 5.0
    assert not torch.equal(policy(img, p, lang), policy(img, moved, lang))


def _with_objects(tmp_path) -> DemoData:
    """Like `_synthetic` but every row also records where the square is (the auxiliary target),
    with a NaN-padded second slot as a scene with fewer objects has."""
    rng = np.random.default_rng(1)
    n = 96
    imgs = np.zeros((n, 24, 24, 3), np.uint8)
    xs = rng.integers(2, 20, n)
    for i, x in enumerate(xs):
        imgs[i, 10:14, x:x + 3] = 255
    objects = np.full((n, 6), np.nan, np.float32)
    objects[:, 0] = xs / 24.0
    objects[:, 1:3] = 0.0
    actions = np.zeros((n, 5), np.float32)
    actions[:, 0] = (xs - 12) / 12.0
    arrays = {"images": imgs, "proprio": np.zeros((n, 8), np.float32), "actions": actions, "objects": objects,
              "episode": np.zeros(n, np.int32), "step": np.arange(n, dtype=np.int32)}
    entry = SkillEntry(name="square", instruction="find it", train_instructions=["find it"],
                       shards=[write_shard(tmp_path, "square", 0, arrays, seeds=[0])])
    write_manifest(tmp_path, DatasetManifest(image_size=(24, 24), skills=[entry]))
    return DemoData(tmp_path, embeddings=EmbeddingCache(tmp_path / "embeddings.npz", fake_embed))


def test_auxiliary_object_head_learns_where_the_object_is(tmp_path) -> None:
    from roboskill.tools.distill.policy import images_to_tensor
    from roboskill.tools.distill.train import aux_loss

    data = _with_objects(tmp_path)
    mean, std = data.object_stats()
    assert mean.shape == (6,) and np.all(std >= 0.01) and np.all(np.isfinite(mean))  # padding ignored
    cfg = TrainConfig(epochs=12, batch_size=32, lr=3e-3, aux_weight=1.0)

    def aux_error(policy) -> float:
        with torch.no_grad():
            _, aux = policy.forward_all(images_to_tensor(data.images), torch.from_numpy(data.proprio),
                                        torch.from_numpy(np.repeat(data.instruction_embeddings[0][:1], len(data), 0)))
        return float(aux_loss(policy, aux, data.objects))

    torch.manual_seed(0)
    from roboskill.tools.distill.train import new_policy

    before = aux_error(new_policy(data, velocity_input=False, coord_channels=True, fine_channels=8))
    policy, _ = train_bc(data, cfg.model_copy(update={"fine_channels": 8}))
    assert policy.config.aux_dim == 6 and policy.config.coord_channels and policy.config.fine_channels == 8
    assert aux_error(policy) < 0.5 * before
    loaded, _ = load_checkpoint(save_checkpoint(policy, tmp_path / "aux.pt"))  # the head round-trips
    obs = (data.images[0], data.proprio[0], data.instruction_embeddings[0][0])
    np.testing.assert_allclose(loaded.act(*obs), policy.act(*obs), atol=1e-6)
    plain, _ = train_bc(data, TrainConfig(epochs=1, aux_weight=0.0))
    assert plain.aux_head is None and plain.config.aux_dim == 0


def test_old_checkpoint_config_builds_the_old_network() -> None:
    """Checkpoints from before CoordConv / fine keypoints / aux head load with the defaults."""
    policy = GeneralistPolicy(PolicyConfig(image_size=(24, 24)))
    assert policy.conv1.in_channels == 3 and policy.fine is None and policy.aux_head is None


def test_relative_features_feed_object_minus_hand_to_the_action_head(tmp_path) -> None:
    """A new policy on data with object positions and a named proprio layout reads its own object
    estimates relative to the hand; the estimates' gradient comes from the aux loss only."""
    from roboskill.sim.robot import PROPRIO_LAYOUT
    from roboskill.tools.distill.train import new_policy

    data = _with_objects(tmp_path)
    data.manifest.proprio_layout = list(PROPRIO_LAYOUT)
    policy = new_policy(data, velocity_input=False, relative=True)
    cfg = policy.config
    assert cfg.relative_features and cfg.ee_position_index == [0, 1, 2] and cfg.aux_dim == 6
    assert not new_policy(data, velocity_input=False).config.relative_features  # opt-in for new_policy

    aux = torch.zeros(1, 6)  # standardised zero = the dataset mean position of each slot
    hand = torch.zeros(1, 8)
    hand[0, :3] = torch.tensor([0.1, -0.2, 0.3])
    std_aux, rel = policy._relative_inputs(aux, hand)
    expected = (torch.as_tensor(cfg.aux_mean).reshape(2, 3) - hand[0, :3]) / 0.1
    torch.testing.assert_close(rel, expected.reshape(1, 6))
    assert torch.equal(std_aux, aux)

    img = torch.rand(2, 3, 24, 24)
    lang = torch.from_numpy(np.repeat(data.instruction_embeddings[0][:1], 2, 0))
    chunk, aux_out = policy.forward_all(img, torch.zeros(2, 8), lang)
    chunk.sum().backward()  # action loss only: the detached estimates give the aux head no gradient
    assert all(p.grad is None or not p.grad.any() for p in policy.aux_head.parameters())
    plain = new_policy(data, velocity_input=False)
    assert policy.head[0].in_features == plain.head[0].in_features + 12  # estimates + relative, 2 slots

    assert not train_bc(data, TrainConfig(epochs=0))[0].config.relative_features  # off by default (measured worse)
    trained, _ = train_bc(data, TrainConfig(epochs=1, batch_size=32, relative_features=True))
    assert trained.config.relative_features
    loaded, _ = load_checkpoint(save_checkpoint(trained, tmp_path / "rel.pt"))
    obs = (data.images[0], data.proprio[0], data.instruction_embeddings[0][0])
    np.testing.assert_allclose(loaded.act(*obs), trained.act(*obs), atol=1e-6)
    with pytest.raises(DistillError, match="relative_features"):
        GeneralistPolicy(PolicyConfig(image_size=(24, 24), relative_features=True, aux_dim=4,
                                      aux_mean=[0.0] * 4, aux_std=[1.0] * 4, ee_position_index=[0, 1, 2]))
