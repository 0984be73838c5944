"""Behaviour cloning of the generalist on a DemoData (torch, CPU).

Why these choices: skills are balanced (each skill gets the same share of every epoch however long
its demos are), the instruction of each sample is drawn from the skill's training instructions (the
original plus train-split paraphrases) so the policy keys on meaning rather than one sentence.
Random image shifts (DrQ-style) are available but off by default (see `TrainConfig.shift`), and the
end-effector velocity is withheld from new policies (see `TrainConfig.velocity_input`). Threads are capped (`threads`, at most 2): the machine is
a 2-core laptop shared with the simulator.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel, Field
from torch.nn import functional as F

from roboskill.tools.distill.dataset import DemoData
from roboskill.tools.distill.policy import GeneralistPolicy, PolicyConfig, images_to_tensor


class TrainConfig(BaseModel):
    epochs: int = Field(20, ge=0)
    batch_size: int = Field(64, ge=1)
    lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(1e-5, ge=0)
    shift: int = Field(0, ge=0)
    """Random image shift (pixels) for augmentation; 0 (default) disables it. Why off: the camera is
    fixed and objects vary by only ~5 cm (~3 px at 64x64), so a 4-px shift hides exactly the absolute
    position the policy needs (measured: 0.24 -> 0.36 mean success on the quick bench data)."""
    gripper_weight: float = Field(2.0, ge=0)
    """Loss weight of the gripper dimension (it decides grasps; errors there are costly)."""
    normalize_actions: bool = True
    """Weight each motion dimension's error by 1/variance (see `action_weights`)."""
    threads: int = Field(1, ge=1, le=2)
    seed: int = 0
    execute: int | None = Field(None, ge=1)
    """Actions run per observation by a new policy (default: the dataset's frame_stride)."""
    max_time_s: float | None = Field(None, gt=0)
    """Stop after this many seconds of training (checked between batches)."""
    aux_weight: float = Field(1.0, ge=0)
    """Weight of the auxiliary object-position loss (standardised MSE; 0 disables it). It needs
    datasets with recorded `objects`; older ones train without it."""
    coord_channels: bool = True
    """Give a new policy CoordConv input channels."""
    fine_channels: int = Field(0, ge=0)
    """Channels of a new policy's full-resolution keypoint branch (0, default: none; it doubles the
    cost of a training step and did not raise quick-bench success: 0.44 either way)."""
    relative_features: bool = False
    """Give a new policy object-relative action inputs (see `PolicyConfig.relative_features`); only
    when it has the auxiliary head and the proprioception layout names the end-effector position.
    Off by default: on the quick bench data (12 demos/skill, 20 epochs, 10 episodes/skill) it lowered
    mean success from 0.56 to 0.42."""
    velocity_input: bool = False
    """Feed the end-effector velocity to a new policy (off: it is the copycat shortcut, see
    `PolicyConfig.proprio_inputs`)."""


def random_shift(x: torch.Tensor, pad: int, gen: torch.Generator) -> torch.Tensor:
    """Pad by replication and crop back at a random offset per sample."""
    if pad <= 0:
        return x
    b, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad), mode="replicate")
    ox = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    oy = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    rows = (oy[:, None] + torch.arange(h)[None]).clamp(max=h + 2 * pad - 1)
    cols = (ox[:, None] + torch.arange(w)[None]).clamp(max=w + 2 * pad - 1)
    bi = torch.arange(b)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[bi, rows[:, :, None], cols[:, None, :]]
    return out.permute(0, 3, 1, 2).contiguous()


def position_inputs(layout: list[str], n: int) -> list[int]:
    """Indices of the proprioception features that are not velocities (layout names `*_v?`, e.g.
    `ee_vx`); all `n` when the layout is unknown."""
    if len(layout) != n:
        return list(range(n))
    return [i for i, name in enumerate(layout) if not re.fullmatch(r".*_v[xyz]", name)]


def ee_position_index(layout: list[str]) -> list[int] | None:
    """Indices of ee_x, ee_y, ee_z in a proprioception layout (None when it does not name them)."""
    try:
        return [layout.index(n) for n in ("ee_x", "ee_y", "ee_z")]
    except ValueError:
        return None


def new_policy(data: DemoData, *, velocity_input: bool = True, aux: bool = True, relative: bool = False,
               **overrides: Any) -> GeneralistPolicy:
    """A fresh policy sized for `data` (image size, embedding size, chunk length) with its proprioception
    statistics; it executes `frame_stride` actions per observation (the rate the data was recorded at).
    velocity_input False: the network sees only the non-velocity proprioception features. aux: give it
    the object-position head when the data has recorded object positions."""
    mean, std = data.proprio_stats()
    if not velocity_input:
        overrides.setdefault("proprio_inputs", position_inputs(list(data.manifest.proprio_layout),
                                                               int(data.proprio.shape[1])))
    h, w = data.manifest.image_size
    chunk = int(getattr(data, "chunk", 1))
    overrides.setdefault("chunk", chunk)
    overrides.setdefault("execute", max(1, min(int(data.manifest.frame_stride), overrides["chunk"])))
    stats = data.object_stats()
    if stats is not None and aux:
        overrides.setdefault("aux_dim", int(stats[0].shape[0]))
        overrides.setdefault("aux_mean", stats[0].tolist())
        overrides.setdefault("aux_std", stats[1].tolist())
        ee = ee_position_index(list(data.manifest.proprio_layout))
        if relative and ee is not None and stats[0].shape[0] % 3 == 0:
            overrides.setdefault("relative_features", True)
            overrides.setdefault("ee_position_index", ee)
    cfg = PolicyConfig(image_size=(h, w), lang_dim=int(data.instruction_embeddings[0].shape[1]),
                       proprio_dim=int(data.proprio.shape[1]), action_dim=int(data.actions.shape[1]),
                       proprio_mean=mean.tolist(), proprio_std=std.tolist(), **overrides)
    return GeneralistPolicy(cfg)


def _balanced_indices(skill_index: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    counts = np.bincount(skill_index)
    w = 1.0 / counts[skill_index]
    return rng.choice(len(skill_index), size=n, replace=True, p=w / w.sum())


def batch_loss(policy: GeneralistPolicy, data: DemoData, idx: np.ndarray, rng: np.random.Generator,
               gen: torch.Generator, config: TrainConfig, augment: bool = True) -> torch.Tensor:
    images = images_to_tensor(data.images[idx])
    if augment:
        images = random_shift(images, config.shift, gen)
    langs = np.stack([
        data.instruction_embeddings[k][rng.integers(len(data.instruction_embeddings[k]))] if augment
        else data.instruction_embeddings[k][0]
        for k in data.skill_index[idx]])
    pred, aux = policy.forward_all(images, torch.from_numpy(data.proprio[idx]), torch.from_numpy(langs))
    k = pred.shape[1]
    target = torch.from_numpy(data.chunks[idx][:, :k])
    if target.shape[1] < k:  # dataset chunks shorter than the policy's: pad with the last target
        target = torch.cat([target, target[:, -1:].expand(-1, k - target.shape[1], -1)], dim=1)
    w = action_weights(data, config)
    loss = (((pred - target) ** 2) * w).mean()
    if aux is not None and config.aux_weight > 0 and getattr(data, "objects", None) is not None:
        loss = loss + config.aux_weight * aux_loss(policy, aux, data.objects[idx])
    return loss


def aux_loss(policy: GeneralistPolicy, aux: torch.Tensor, objects: np.ndarray) -> torch.Tensor:
    """Masked MSE of the standardised object positions (padding slots, NaN, do not count)."""
    target = torch.from_numpy(np.ascontiguousarray(objects[:, : aux.shape[1]]))
    mask = ~torch.isnan(target)
    z = (torch.nan_to_num(target) - policy.aux_mean) / policy.aux_std
    err = ((aux - z) ** 2) * mask
    return err.sum() / mask.sum().clamp(min=1)


def action_weights(data: DemoData, config: TrainConfig) -> torch.Tensor:
    """Per-dimension loss weights: 1 / variance of each motion dimension (floored), i.e. the MSE of
    standardised actions, so small-but-precise motions (a 1 cm approach) count as much as big ones;
    the gripper gets `gripper_weight`. Cached on the data object."""
    cached = getattr(data, "_action_weights", None)
    if cached is not None and getattr(data, "_action_weights_key", None) == config.gripper_weight:
        return cached
    std = np.maximum(data.actions.std(0), 0.05) if config.normalize_actions else np.ones(data.actions.shape[1])
    w = torch.as_tensor(1.0 / std ** 2, dtype=torch.float32)
    w = w / w[:-1].mean()
    w[-1] = config.gripper_weight
    data._action_weights, data._action_weights_key = w, config.gripper_weight
    return w


@torch.no_grad()
def evaluate_loss(policy: GeneralistPolicy, data: DemoData, config: TrainConfig, max_samples: int = 2048) -> float:
    """Mean BC loss without augmentation on (up to `max_samples` of) the data."""
    rng = np.random.default_rng(12345)
    idx = np.arange(len(data)) if len(data) <= max_samples else rng.choice(len(data), max_samples, replace=False)
    policy.eval()
    losses = []
    gen = torch.Generator().manual_seed(0)
    for s in range(0, len(idx), 256):
        chunk = idx[s:s + 256]
        losses.append(float(batch_loss(policy, data, chunk, rng, gen, config, augment=False)) * len(chunk))
    policy.train()
    return sum(losses) / len(idx)


def train_bc(data: DemoData, config: TrainConfig | None = None, policy: GeneralistPolicy | None = None,
             log: Callable[[dict[str, Any]], None] | None = None) -> tuple[GeneralistPolicy, list[dict[str, Any]]]:
    """Train (or continue training) `policy` by behaviour cloning; returns it and the per-epoch history.

    History rows: {epoch, loss (mean training loss of the epoch), eval_loss (no augmentation),
    time_s (cumulative)}; epoch 0 is the loss before any update.
    """
    config = config or TrainConfig()
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    if policy is None:
        extra: dict[str, Any] = {"execute": config.execute} if config.execute else {}
        policy = new_policy(data, velocity_input=config.velocity_input, coord_channels=config.coord_channels,
                            fine_channels=config.fine_channels, aux=config.aux_weight > 0,
                            relative=config.relative_features, **extra)
    policy.train()
    opt = torch.optim.AdamW(policy.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = max(1, int(np.ceil(len(data) / config.batch_size)))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, config.epochs * steps_per_epoch),
                                                       eta_min=config.lr * 0.05)
    history = [{"epoch": 0, "loss": None, "eval_loss": evaluate_loss(policy, data, config), "time_s": 0.0}]
    if log:
        log(history[-1])
    t0 = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        idx_all = _balanced_indices(data.skill_index, steps_per_epoch * config.batch_size, rng)
        total, n = 0.0, 0
        stop = False
        for s in range(steps_per_epoch):
            idx = idx_all[s * config.batch_size:(s + 1) * config.batch_size]
            loss = batch_loss(policy, data, idx, rng, gen, config)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            n += len(idx)
            if config.max_time_s is not None and time.perf_counter() - t0 > config.max_time_s:
                stop = True
                break
        row = {"epoch": epoch, "loss": total / max(n, 1), "eval_loss": evaluate_loss(policy, data, config),
               "time_s": time.perf_counter() - t0}
        history.append(row)
        if log:
            log(row)
        if stop:
            break
    policy.eval()
    return policy, history


__all__ = ["TrainConfig", "aux_loss", "batch_loss", "ee_position_index", "evaluate_loss", "new_policy", "random_shift", "train_bc"]
