"""The generalist policy: camera image + instruction embedding + proprioception -> 5-d action.

Architecture (small on purpose: it trains on 2 CPU cores in minutes):
- image encoder: 3 conv layers (stride 2, 2, 1) whose feature maps are modulated by the instruction
  (FiLM: per-channel scale and shift computed from the language vector), then a spatial softmax that
  turns each channel into an expected (x, y) image location. Why FiLM + spatial softmax: which object
  matters depends on the instruction, and the actions are mostly "move the hand towards a place"; a
  keypoint per channel is the compact, translation-aware feature such policies need (Levine et al. 2016).
- instruction: the frozen 384-d MiniLM embedding (never fine-tuned; computed once and cached).
- proprioception: the robot's 8 floats, standardised with dataset statistics stored in the checkpoint.
- coordinates: two extra input channels holding each pixel's (x, y) in [-1, 1] (CoordConv), so the
  first layer can tell *where* a colour blob is, not only that it is there.
- fine keypoints: a single full-resolution conv layer with its own spatial softmax, beside the deep
  path. Why: a small object is a few pixels of saturated colour; one linear colour filter at full
  resolution localises it after a few hundred updates, where the strided deep path needs thousands
  (measured: the object estimate converges faster; not enabled by default, see TrainConfig.fine_channels).
- auxiliary head (training only): predicts the scene objects' world positions from the image features
  and the instruction. Why: the action loss alone lets the student ignore an object that moves only
  a few cm between episodes (it imitates the average motion); being made to say where the objects
  are forces the encoder to localise them, and the action head reads that.
- head: MLP -> tanh, matching the env's Box(-1, 1) action (dx, dy, dz, dyaw, gripper); with action
  chunking (`chunk` = K > 1, as in ACT / Diffusion Policy) it predicts the next K actions and the
  rollout executes the first `execute` of them open-loop before looking again. Why: per-step
  cloning compounds small errors (the student drifts into states no demo visited), a chunk commits
  to a coherent motion; and every skipped observation is one camera render (~40 ms) saved.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel, Field
from torch import nn
from torch.nn import functional as F

from roboskill.tools.distill import CHECKPOINT_FORMAT, CHECKPOINT_VERSION, DistillError


class PolicyConfig(BaseModel):
    """Shapes and sizes of the network; stored in every checkpoint so it re-loads without flags."""

    image_size: tuple[int, int] = (84, 84)
    proprio_dim: int = 8
    action_dim: int = 5
    lang_dim: int = 384
    channels: tuple[int, int, int] = (16, 32, 32)
    lang_hidden: int = 128
    proprio_hidden: int = 64
    hidden: int = 256
    proprio_mean: list[float] = Field(default_factory=lambda: [0.0] * 8)
    proprio_std: list[float] = Field(default_factory=lambda: [1.0] * 8)
    proprio_inputs: list[int] | None = None
    """Indices of the proprioception features the network sees (None: all `proprio_dim`). Why a
    selection: the end-effector velocity predicts a smooth expert's next action almost perfectly, so
    a student fed it learns to "keep moving as before" (the copycat shortcut of behaviour cloning)
    instead of reading the image, and drifts once its own motion differs from the expert's."""
    chunk: int = Field(1, ge=1)
    """Actions predicted per observation (action chunking)."""
    execute: int = Field(1, ge=1)
    """Actions of a chunk executed open-loop before the next observation (<= chunk)."""
    coord_channels: bool = False
    """Append (x, y) coordinate channels to the image (CoordConv); False in checkpoints from before it."""
    fine_channels: int = Field(0, ge=0)
    """Channels of the full-resolution keypoint branch (0: none, as in checkpoints from before it)."""
    aux_dim: int = Field(0, ge=0)
    """Outputs of the auxiliary object-position head (0: none)."""
    aux_mean: list[float] = Field(default_factory=list)
    aux_std: list[float] = Field(default_factory=list)
    """Standardisation of the auxiliary targets (dataset statistics)."""
    relative_features: bool = False
    """Feed the aux head's object-position estimates to the action head, both as they are and relative to
    the end effector (object - hand, in 10 cm units). Why: the action is mostly "move the hand towards
    that object", a subtraction the MLP must otherwise learn from two differently encoded inputs
    (image keypoints, proprioception) and learns only as an average over the demos' object positions.
    Needs `aux_dim` (a multiple of 3) and `ee_position_index`; False in checkpoints from before it."""
    relative_detach: bool = True
    """Stop the action loss's gradient at the estimates, so they stay pure localisation outputs."""
    ee_position_index: list[int] | None = None
    """Indices of the end-effector x, y, z in the (raw) proprioception vector."""
    snap_gripper: bool = True
    """At act time, round the gripper command to +-1: experts only ever command fully open/closed, and a
    half-open regression average would drop grasped objects."""


class SpatialSoftmax(nn.Module):
    """(B, C, H, W) -> (B, 2C): the softmax-weighted mean image coordinate of each channel."""

    def __init__(self, temperature: float = 0.1) -> None:
        super().__init__()
        # a low start temperature: over thousands of pixels a softmax of small initial activations
        # is nearly uniform and its gradient towards a few object pixels tiny (measured: object
        # localisation error after 400 updates 1.4 cm at 1.0, 0.7 cm at 0.1)
        self.temperature = nn.Parameter(torch.full((1,), float(temperature)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        ys = torch.linspace(-1.0, 1.0, h, device=x.device)
        xs = torch.linspace(-1.0, 1.0, w, device=x.device)
        attn = F.softmax(x.reshape(b, c, h * w) / self.temperature, dim=-1).reshape(b, c, h, w)
        ex = (attn.sum(2) * xs).sum(-1)
        ey = (attn.sum(3) * ys).sum(-1)
        return torch.cat([ex, ey], dim=1)


class GeneralistPolicy(nn.Module):
    def __init__(self, config: PolicyConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or PolicyConfig()
        c1, c2, c3 = cfg.channels
        in_ch = 5 if cfg.coord_channels else 3
        feat_dim = 2 * c3 + c3 + 2 * cfg.fine_channels  # deep keypoints + channel means + fine keypoints
        self.conv1 = nn.Conv2d(in_ch, c1, 5, stride=2, padding=2)
        self.conv2 = nn.Conv2d(c1, c2, 3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(c2, c3, 3, stride=1, padding=1)
        self.lang = nn.Sequential(nn.Linear(cfg.lang_dim, cfg.lang_hidden), nn.ReLU())
        self.film2 = nn.Linear(cfg.lang_hidden, 2 * c2)
        self.film3 = nn.Linear(cfg.lang_hidden, 2 * c3)
        self.keypoints = SpatialSoftmax()
        inputs = list(range(cfg.proprio_dim)) if cfg.proprio_inputs is None else list(cfg.proprio_inputs)
        self.proprio = nn.Sequential(nn.Linear(len(inputs), cfg.proprio_hidden), nn.ReLU())
        if cfg.relative_features and (not cfg.aux_dim or cfg.aux_dim % 3 or not cfg.ee_position_index
                                      or len(cfg.ee_position_index) != 3):
            raise DistillError("relative_features needs aux_dim (a multiple of 3) and a 3-index ee_position_index")
        rel_dim = 2 * cfg.aux_dim if cfg.relative_features else 0
        self.head = nn.Sequential(
            nn.Linear(feat_dim + cfg.lang_hidden + cfg.proprio_hidden + rel_dim, cfg.hidden), nn.ReLU(),
            nn.Linear(cfg.hidden, cfg.hidden), nn.ReLU(),
            nn.Linear(cfg.hidden, cfg.action_dim * cfg.chunk),
        )
        self.fine = nn.Conv2d(in_ch, cfg.fine_channels, 3, stride=1, padding=1) if cfg.fine_channels else None
        self.fine_keypoints = SpatialSoftmax() if cfg.fine_channels else None
        self.aux_head = (nn.Sequential(nn.Linear(feat_dim + cfg.lang_hidden, cfg.hidden), nn.ReLU(),
                                       nn.Linear(cfg.hidden, cfg.aux_dim)) if cfg.aux_dim else None)
        if cfg.aux_dim:  # not persistent: the config carries them, and older checkpoints have no such keys
            self.register_buffer("aux_mean", torch.tensor(cfg.aux_mean, dtype=torch.float32), persistent=False)
            self.register_buffer("aux_std", torch.tensor(cfg.aux_std, dtype=torch.float32), persistent=False)
        self.register_buffer("proprio_mean", torch.tensor(cfg.proprio_mean, dtype=torch.float32))
        self.register_buffer("proprio_std", torch.tensor(cfg.proprio_std, dtype=torch.float32))
        self.register_buffer("proprio_index", torch.tensor(inputs, dtype=torch.long), persistent=False)
        self.register_buffer("ee_index", torch.tensor(cfg.ee_position_index or [], dtype=torch.long),
                             persistent=False)
        for film in (self.film2, self.film3):  # start as the identity modulation
            nn.init.zeros_(film.weight)
            nn.init.zeros_(film.bias)

    @staticmethod
    def _film(x: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        gamma, beta = params.chunk(2, dim=1)
        return x * (1.0 + gamma[:, :, None, None]) + beta[:, :, None, None]

    def forward(self, images: torch.Tensor, proprio: torch.Tensor, lang: torch.Tensor) -> torch.Tensor:
        """images: (B, 3, H, W) float in [0, 1]; proprio: (B, 8); lang: (B, 384) -> actions (B, 5) in [-1, 1]
        (the first action of the chunk)."""
        return self.forward_chunk(images, proprio, lang)[:, 0]

    def forward_chunk(self, images: torch.Tensor, proprio: torch.Tensor, lang: torch.Tensor) -> torch.Tensor:
        """Like `forward` but all K predicted actions: (B, K, 5)."""
        return self.forward_all(images, proprio, lang)[0]

    def forward_all(self, images: torch.Tensor, proprio: torch.Tensor, lang: torch.Tensor
                    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(action chunk (B, K, 5), standardised object positions (B, aux_dim) or None without the head)."""
        z = self.lang(lang)
        x = images - 0.5
        if self.config.coord_channels:
            b, _, h, w = x.shape
            ys = torch.linspace(-1.0, 1.0, h).view(1, 1, h, 1).expand(b, 1, h, w)
            xs = torch.linspace(-1.0, 1.0, w).view(1, 1, 1, w).expand(b, 1, h, w)
            x = torch.cat([x, xs, ys], dim=1)
        fine = [self.fine_keypoints(self.fine(x))] if self.fine is not None else []
        x = F.relu(self.conv1(x))
        x = F.relu(self._film(self.conv2(x), self.film2(z)))
        x = self._film(self.conv3(x), self.film3(z))
        feats = torch.cat([self.keypoints(x), F.relu(x).mean(dim=(2, 3))] + fine, dim=1)
        p = ((proprio - self.proprio_mean) / self.proprio_std).index_select(1, self.proprio_index)
        p = self.proprio(p)
        aux = self.aux_head(torch.cat([feats, z], dim=1)) if self.aux_head is not None else None
        head_in = [feats, z, p]
        if self.config.relative_features and aux is not None:
            head_in += self._relative_inputs(aux.detach() if self.config.relative_detach else aux, proprio)
        out = torch.tanh(self.head(torch.cat(head_in, dim=1)))
        return out.reshape(out.shape[0], self.config.chunk, self.config.action_dim), aux

    def _relative_inputs(self, aux: torch.Tensor, proprio: torch.Tensor) -> list[torch.Tensor]:
        """[standardised estimates (B, aux_dim), estimate - end effector in 10 cm units (B, aux_dim)]."""
        world = (aux * self.aux_std + self.aux_mean).reshape(aux.shape[0], -1, 3)
        hand = proprio.index_select(1, self.ee_index)[:, None, :]
        return [aux, ((world - hand) / 0.1).reshape(aux.shape[0], -1)]

    @torch.no_grad()
    def act_chunk(self, image: np.ndarray, proprio: np.ndarray, lang: np.ndarray) -> np.ndarray:
        """The `execute` actions (execute, 5) to run open-loop from one observation (uint8 HxWx3 image)."""
        was_training = self.training
        self.eval()
        img = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float() / 255.0
        out = self.forward_chunk(img, torch.as_tensor(proprio, dtype=torch.float32)[None],
                                 torch.as_tensor(lang, dtype=torch.float32)[None])
        self.train(was_training)
        a = out[0, : max(1, min(self.config.execute, self.config.chunk))].numpy().astype(np.float32)
        if self.config.snap_gripper:
            a[:, -1] = np.where(a[:, -1] >= 0, 1.0, -1.0)
        return a

    def act(self, image: np.ndarray, proprio: np.ndarray, lang: np.ndarray) -> np.ndarray:
        """One action (5,) for one observation: the first of the chunk."""
        return self.act_chunk(image, proprio, lang)[0]


def images_to_tensor(images: np.ndarray) -> torch.Tensor:
    """(B, H, W, 3) uint8 -> (B, 3, H, W) float in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 255.0


def save_checkpoint(policy: GeneralistPolicy, path: str | Path, *, skills: list[dict[str, Any]] | None = None,
                    history: list[dict[str, Any]] | None = None, extra: dict[str, Any] | None = None) -> Path:
    """Write `path` atomically: format/version, config, weights, the skills it was trained on, history."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION,
        "created_at": datetime.now(timezone.utc).isoformat(),
        "config": policy.config.model_dump(mode="json"),
        "state_dict": policy.state_dict(),
        "skills": skills or [], "history": history or [], "extra": extra or {},
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: str | Path) -> tuple[GeneralistPolicy, dict[str, Any]]:
    """(policy in eval mode, the checkpoint's metadata) from a file written by `save_checkpoint`."""
    path = Path(path)
    if not path.exists():
        raise DistillError(f"{path}: no checkpoint here; train one with `roboskill distill`")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling problem is a bad file for the user
        raise DistillError(f"{path}: cannot read checkpoint ({exc}); re-train it") from None
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise DistillError(f"{path}: not a roboskill generalist checkpoint (format {payload.get('format')!r})")
    if int(payload.get("version", -1)) > CHECKPOINT_VERSION:
        raise DistillError(f"{path}: checkpoint version {payload['version']} is newer than this roboskill")
    policy = GeneralistPolicy(PolicyConfig.model_validate(payload["config"]))
    policy.load_state_dict(payload["state_dict"])
    policy.eval()
    meta = {k: v for k, v in payload.items() if k != "state_dict"}
    return policy, meta


__all__ = ["GeneralistPolicy", "PolicyConfig", "SpatialSoftmax", "images_to_tensor", "load_checkpoint",
           "save_checkpoint"]
