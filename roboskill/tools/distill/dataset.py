"""The demonstration dataset on disk: versioned, one .npz shard per (skill, collection round), a manifest.

Layout of a dataset directory:

    manifest.json            DatasetManifest (format, version, image size, camera, layouts, skills, shards)
    embeddings.npz           cached MiniLM vectors of every instruction in the manifest (EmbeddingCache)
    shards/<skill>.r0.npz    expert demonstrations of one skill (round 0)
    shards/<skill>.r<k>.npz  DAgger round k: states the student visited, labelled by the skill's expert

Shard arrays (all of equal length N = steps): `images` uint8 (N, H, W, 3), `proprio` float32 (N, 8)
(`roboskill.sim.robot.PROPRIO_LAYOUT`), `actions` float32 (N, 5) (dx, dy, dz, dyaw, gripper in [-1, 1],
the `xyz_yaw_gripper` env action), `episode` int32 (N,) (episode index in the shard), `step` int32 (N,);
plus per-episode `seeds` int64 (E,), and optionally `chunks` float32 (N, K, 5): the expert's next K
actions from that row's step (action chunking; padded past the episode end with "hold still, keep the
gripper"), and `objects` float32 (N, 3M): world positions of the scene's first M objects, NaN-padded
(training-time-only targets of the auxiliary localisation loss; the policy never sees them). Rows may be every `frame_stride`-th step of an episode (`step` gives the true step): images
are the expensive part of collection, and a chunking student only looks every few steps anyway. Instruction texts live in the manifest (not in shards) so that a
shard is pure numbers and loads with `allow_pickle=False`.

Why shards per skill and round: collection for one skill can be redone or extended (DAgger) without
rewriting the others, and a reader can select skills without touching the other files. Files are
written to a temp name then `os.replace`d, and the manifest is written last, so a crash never leaves a
manifest that points at a half-written shard.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from roboskill.tools.distill import DATASET_FORMAT, DATASET_VERSION, DistillError

MANIFEST = "manifest.json"
EMBEDDINGS = "embeddings.npz"
SHARD_DIR = "shards"
ACTION_LAYOUT: tuple[str, ...] = ("dx", "dy", "dz", "dyaw", "gripper")
SHARD_KEYS: tuple[str, ...] = ("images", "proprio", "actions", "episode", "step")


class ShardInfo(BaseModel):
    """One shard file of one skill."""

    file: str                      # relative to the dataset directory
    source: Literal["expert", "dagger"] = "expert"
    round: int = 0
    n_episodes: int
    n_steps: int


class SkillEntry(BaseModel):
    """What the dataset knows about one skill (enough to rebuild its env and judge success)."""

    name: str
    instruction: str
    train_instructions: list[str] = Field(default_factory=list)
    """Instructions used in training: the original first, then train-split paraphrases."""
    heldout_instructions: list[str] = Field(default_factory=list)
    """Rewordings never used in training (evaluation only)."""
    expert: str = "primitive"
    expert_success_rate: float = 0.0
    """Successful / attempted expert episodes during collection."""
    attempts: int = 0
    horizon: int = 200
    """Step budget for the student on this skill (longest kept demo x 1.5)."""
    mean_demo_length: float = 0.0
    shards: list[ShardInfo] = Field(default_factory=list)


class DatasetManifest(BaseModel):
    format: str = DATASET_FORMAT
    version: int = DATASET_VERSION
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    image_size: tuple[int, int] = (84, 84)
    """(height, width)."""
    camera: dict[str, Any] = Field(default_factory=dict)
    proprio_layout: list[str] = Field(default_factory=list)
    action_layout: list[str] = Field(default_factory=lambda: list(ACTION_LAYOUT))
    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_dim: int = 384
    skills: list[SkillEntry] = Field(default_factory=list)
    frame_stride: int = 1
    """Rows are every frame_stride-th step of an episode (1 = every step)."""
    chunk: int = 1
    """Length K of the `chunks` arrays (1: shards may lack them; built from `actions`)."""

    def skill(self, name: str) -> SkillEntry:
        for s in self.skills:
            if s.name == name:
                return s
        raise DistillError(f"dataset has no skill {name!r}; it has {[s.name for s in self.skills]}")

    @property
    def n_steps(self) -> int:
        return sum(sh.n_steps for s in self.skills for sh in s.shards)


def _atomic_write_bytes(path: Path, write: Any, suffix: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp{suffix}")
    write(tmp)
    os.replace(tmp, path)


def write_manifest(root: str | Path, manifest: DatasetManifest) -> Path:
    path = Path(root) / MANIFEST
    text = manifest.model_dump_json(indent=2)
    _atomic_write_bytes(path, lambda t: Path(t).write_text(text), ".json")
    return path


def read_manifest(root: str | Path) -> DatasetManifest:
    """Read and check `<root>/manifest.json` (format and version)."""
    path = Path(root) / MANIFEST
    if not path.exists():
        raise DistillError(f"{path}: no dataset manifest here; collect one with `roboskill distill` first")
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DistillError(f"{path}: manifest is not valid JSON ({exc}); re-collect the dataset") from None
    if raw.get("format") != DATASET_FORMAT:
        raise DistillError(f"{path}: format is {raw.get('format')!r}, expected {DATASET_FORMAT!r}")
    if int(raw.get("version", -1)) > DATASET_VERSION:
        raise DistillError(f"{path}: dataset version {raw.get('version')} is newer than this roboskill "
                           f"(reads <= {DATASET_VERSION}); upgrade roboskill")
    try:
        return DatasetManifest.model_validate(raw)
    except ValidationError as exc:
        raise DistillError(f"{path}: invalid manifest: {exc}") from None


def shard_name(skill: str, round_: int) -> str:
    return f"{SHARD_DIR}/{skill}.r{round_}.npz"


def write_shard(root: str | Path, skill: str, round_: int, arrays: dict[str, np.ndarray],
                seeds: list[int], source: Literal["expert", "dagger"] = "expert") -> ShardInfo:
    """Write one shard (checks that all arrays have the same length and the documented dtypes)."""
    missing = [k for k in SHARD_KEYS if k not in arrays]
    if missing:
        raise DistillError(f"shard of {skill!r}: missing arrays {missing}")
    n = len(arrays["actions"])
    bad = {k: len(arrays[k]) for k in SHARD_KEYS if len(arrays[k]) != n}
    if bad:
        raise DistillError(f"shard of {skill!r}: arrays differ in length from actions ({n}): {bad}")
    data = {
        "images": np.asarray(arrays["images"], dtype=np.uint8),
        "proprio": np.asarray(arrays["proprio"], dtype=np.float32),
        "actions": np.asarray(arrays["actions"], dtype=np.float32),
        "episode": np.asarray(arrays["episode"], dtype=np.int32),
        "step": np.asarray(arrays["step"], dtype=np.int32),
        "seeds": np.asarray(seeds, dtype=np.int64),
    }
    if "chunks" in arrays:
        chunks = np.asarray(arrays["chunks"], dtype=np.float32)
        if chunks.ndim != 3 or len(chunks) != n:
            raise DistillError(f"shard of {skill!r}: chunks must be (N={n}, K, 5), got {chunks.shape}")
        data["chunks"] = chunks
    if "objects" in arrays:
        objects = np.asarray(arrays["objects"], dtype=np.float32)
        if objects.ndim != 2 or len(objects) != n:
            raise DistillError(f"shard of {skill!r}: objects must be (N={n}, 3M), got {objects.shape}")
        data["objects"] = objects
    rel = shard_name(skill, round_)
    _atomic_write_bytes(Path(root) / rel, lambda t: np.savez_compressed(t, **data), ".npz")
    n_eps = int(data["episode"].max()) + 1 if n else 0
    return ShardInfo(file=rel, source=source, round=round_, n_episodes=n_eps, n_steps=n)


def read_shard(root: str | Path, info: ShardInfo) -> dict[str, np.ndarray]:
    path = Path(root) / info.file
    if not path.exists():
        raise DistillError(f"{path}: shard listed in the manifest is missing; re-collect that skill")
    with np.load(path, allow_pickle=False) as data:
        out = {k: data[k] for k in data.files}
    for k in SHARD_KEYS:
        if k not in out:
            raise DistillError(f"{path}: shard lacks array {k!r}; re-collect that skill")
    return out


def hold_action(last: np.ndarray) -> np.ndarray:
    """The padding action after an episode ends: no motion, gripper as it was."""
    a = np.zeros(5, np.float32)
    a[-1] = float(last[-1])
    return a


def action_chunks(actions: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """(len(rows), k, 5): actions[t:t+k] of one episode for every row step t, padded with `hold_action`."""
    actions = np.asarray(actions, np.float32).reshape(-1, 5)
    pad = np.repeat(hold_action(actions[-1])[None], k, axis=0)
    ext = np.concatenate([actions, pad])
    return np.stack([ext[t:t + k] for t in np.asarray(rows, dtype=np.int64)]) if len(rows) else np.zeros((0, k, 5),
                                                                                                          np.float32)


def fit_chunks(shard: dict[str, np.ndarray], k: int) -> np.ndarray:
    """A shard's chunks as (N, k, 5): stored ones cut / padded to k, or (old shards, every step stored)
    rebuilt from `actions` episode by episode."""
    if "chunks" in shard:
        c = shard["chunks"]
        if c.shape[1] >= k:
            return c[:, :k]
        pad = np.stack([np.repeat(hold_action(row[-1])[None], k - c.shape[1], axis=0) for row in c])
        return np.concatenate([c, pad], axis=1)
    out = np.zeros((len(shard["actions"]), k, 5), np.float32)
    for e in np.unique(shard["episode"]):
        idx = np.flatnonzero(shard["episode"] == e)
        out[idx] = action_chunks(shard["actions"][idx], np.arange(len(idx)), k)
    return out


class DemoData:
    """All shards of a dataset (or of selected skills) concatenated in memory, ready for training.

    `skill_index[i]` indexes `skills`; `instruction_embeddings[k]` is (n_instr_k, d): the training
    instructions of skill k (original first), of which a batch picks one per sample.
    """

    def __init__(self, root: str | Path, skills: list[str] | None = None,
                 embeddings: Any | None = None, max_round: int | None = None) -> None:
        from roboskill.tools.distill.embedding import EmbeddingCache

        self.root = Path(root)
        self.manifest = read_manifest(self.root)
        names = skills or [s.name for s in self.manifest.skills]
        self.skills = [self.manifest.skill(n) for n in names]
        cache = embeddings or EmbeddingCache(self.root / EMBEDDINGS)
        self.chunk = max(1, int(self.manifest.chunk))
        parts: dict[str, list[np.ndarray]] = {k: [] for k in ("images", "proprio", "actions", "skill_index", "round",
                                                               "chunks", "objects")}
        for k, entry in enumerate(self.skills):
            for info in entry.shards:
                if max_round is not None and info.round > max_round:
                    continue
                sh = read_shard(self.root, info)
                parts["images"].append(sh["images"])
                parts["proprio"].append(sh["proprio"])
                parts["actions"].append(sh["actions"])
                parts["chunks"].append(fit_chunks(sh, self.chunk))
                parts["objects"].append(sh.get("objects"))
                parts["skill_index"].append(np.full(len(sh["actions"]), k, dtype=np.int64))
                parts["round"].append(np.full(len(sh["actions"]), info.round, dtype=np.int64))
        if not parts["actions"]:
            raise DistillError(f"{self.root}: dataset has no steps for skills {names}; collect demonstrations first")
        h, w = self.manifest.image_size
        self.images = np.concatenate(parts["images"]).reshape(-1, h, w, 3)
        self.proprio = np.concatenate(parts["proprio"]).astype(np.float32)
        self.actions = np.concatenate(parts["actions"]).astype(np.float32)
        self.chunks = np.concatenate(parts["chunks"]).astype(np.float32)
        self.skill_index = np.concatenate(parts["skill_index"])
        self.round = np.concatenate(parts["round"])
        self.objects = self._stack_objects(parts["objects"])
        self.instruction_embeddings = [cache.get(e.train_instructions or [e.instruction]) for e in self.skills]

    def __len__(self) -> int:
        return len(self.actions)

    @staticmethod
    def _stack_objects(parts: list[np.ndarray | None]) -> np.ndarray | None:
        """(N, 3M) object positions when every shard has them (older shards do not: no auxiliary loss)."""
        if not parts or any(p is None for p in parts):
            return None
        width = max(p.shape[1] for p in parts)
        padded = [p if p.shape[1] == width else np.pad(p, ((0, 0), (0, width - p.shape[1])), constant_values=np.nan)
                  for p in parts]
        return np.concatenate(padded).astype(np.float32)

    def object_stats(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Per-coordinate mean and std (floored at 1 cm) of the recorded object positions, ignoring padding."""
        if self.objects is None:
            return None
        import warnings

        with warnings.catch_warnings():  # all-padding columns (a scene with fewer objects) are NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            mean, std = np.nanmean(self.objects, 0), np.nanstd(self.objects, 0)
        mean = np.nan_to_num(mean)
        std = np.maximum(np.nan_to_num(std), 0.01)
        return mean.astype(np.float32), std.astype(np.float32)

    def proprio_stats(self) -> tuple[np.ndarray, np.ndarray]:
        mean = self.proprio.mean(0)
        std = self.proprio.std(0) + 1e-3
        return mean.astype(np.float32), std.astype(np.float32)


def load_dataset(root: str | Path, skills: list[str] | None = None) -> DemoData:
    """Re-load a dataset written by `collect_dataset` (all skills, or the named ones)."""
    return DemoData(root, skills)


__all__ = ["ACTION_LAYOUT", "action_chunks", "fit_chunks", "hold_action", "DatasetManifest", "DemoData", "ShardInfo", "SkillEntry", "load_dataset", "read_manifest",
           "read_shard", "shard_name", "write_manifest", "write_shard"]
