"""Demonstrations as a LeRobot dataset, written by LeRobot's own writer, so people train ACT / Diffusion /
SmolVLA policies in LeRobot on roboskill's generated skills without glue code.

Why LeRobot's writer (`LeRobotDataset.create` + `add_frame` + `save_episode` + `finalize`) and not our
own parquet: the format (v3: chunked parquet, AV1 videos, episode and task tables, stats) is LeRobot's to
define and evolve; writing through its class keeps the export loadable by whatever LeRobot version the
user trains with. Each demonstration becomes one episode:

- `observation.images.front` — the distillation camera's RGB frames (video),
- `observation.state`        — proprioception (`roboskill.sim.robot.PROPRIO_LAYOUT` names),
- `action`                   — the 5-d env action (dx, dy, dz, dyaw, gripper in [-1, 1]),
- `task`                     — the skill's instruction in words (one task string per episode).

Source: a distillation dataset directory (`roboskill.tools.distill.dataset`: manifest + shards), which both
`roboskill distill --export-lerobot` and `roboskill skills export --format lerobot` produce first.

Installing: `lerobot` 0.4 pins torch<2.11; with a newer torch install it with `--no-deps` next to the extra
`roboskill[lerobot]` (its dataset-writing dependencies). lerobot imports torchvision at module import for
*decoding* only; where torchvision is missing or cannot load its compiled ops against this torch build
(a CPU-only torch next to PyPI's CUDA torchvision), a minimal stand-in is registered so the writer and the
metadata reader import — decoding frames back then needs a working torchvision or torchcodec.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import shutil
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

INSTALL_HINT = ('the LeRobot export needs lerobot: pip install "roboskill[lerobot]" && pip install --no-deps '
                '"lerobot>=0.4,<0.5"')
CAMERA_KEY = "observation.images.front"


class LeRobotExport(BaseModel):
    """What an export wrote (what `--json` prints)."""

    root: str
    repo_id: str
    fps: int
    episodes: int
    frames: int
    tasks: list[str] = Field(default_factory=list)
    skills: dict[str, int] = Field(default_factory=dict, description="episodes per skill")


@contextlib.contextmanager
def _torchvision_for_import() -> Iterator[None]:
    """While lerobot imports: a minimal `torchvision` (ToTensor only) when the real one cannot be imported here.

    Removed from `sys.modules` afterwards (lerobot's modules keep their references), so other libraries in
    the process (transformers checks for torchvision) never mistake the stand-in for the real package.
    """
    try:
        import torchvision  # noqa: F401

        real = True
    except Exception:  # noqa: BLE001 - missing, or its compiled ops do not load against this torch build
        real = False
        for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[name]
    if real:
        yield
        return

    def module(name: str) -> types.ModuleType:
        mod = types.ModuleType(name)
        mod.__path__ = []  # type: ignore[attr-defined]
        mod.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
        sys.modules[name] = mod
        return mod

    class ToTensor:
        """PIL/HWC uint8 image -> CHW float tensor in [0, 1] (what lerobot's image features use)."""

        def __call__(self, pic: Any) -> Any:
            import torch

            arr = np.asarray(pic)
            arr = arr[..., None] if arr.ndim == 2 else arr
            return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1))).float().div(255.0)

    def set_video_backend(backend: str) -> None:
        raise ImportError(f"decoding LeRobot videos with {backend!r} needs a working torchvision (or install torchcodec)")

    tv = module("torchvision")
    tv.transforms = module("torchvision.transforms")  # type: ignore[attr-defined]
    tv.transforms.ToTensor = ToTensor  # type: ignore[attr-defined]
    tv.set_video_backend = set_video_backend  # type: ignore[attr-defined]
    tv.__version__ = "0+roboskill-stand-in"  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for name in ("torchvision.transforms", "torchvision"):
            sys.modules.pop(name, None)


def require_lerobot() -> None:
    """ImportError with the install hint when lerobot is not installed (checked without importing it)."""
    import importlib.util

    if importlib.util.find_spec("lerobot") is None:
        raise ImportError(INSTALL_HINT)


def lerobot_dataset_class() -> Any:
    """LeRobot's `LeRobotDataset` (ImportError with the install hint when lerobot is not installed)."""
    require_lerobot()
    with _torchvision_for_import():
        from lerobot.datasets.lerobot_dataset import LeRobotDataset

    return LeRobotDataset


def control_fps(frame_stride: int = 1) -> int:
    """Frames per second of stored rows: the env's control rate (240 Hz physics / action repeat) / stride."""
    from roboskill.sim.env import DEFAULT_ACTION_REPEAT

    return max(1, round(240 / DEFAULT_ACTION_REPEAT / max(1, frame_stride)))


def export_lerobot(dataset_dir: str | Path, out_dir: str | Path, *, repo_id: str = "roboskill/demos",
                   include_dagger: bool = False, overwrite: bool = False) -> LeRobotExport:
    """Write the demonstrations of a distillation dataset as a LeRobot dataset at `out_dir`.

    Only expert demonstrations by default (`include_dagger` adds the DAgger rounds: student-visited
    states labelled by the expert). `overwrite` replaces an existing `out_dir`; otherwise it must not exist
    (LeRobot refuses to write into an existing dataset root).
    """
    from roboskill.tools.distill.dataset import read_manifest, read_shard

    LeRobotDataset = lerobot_dataset_class()
    manifest = read_manifest(dataset_dir)
    out = Path(out_dir).expanduser()
    if out.exists():
        if not overwrite:
            raise FileExistsError(f"{out} exists; choose a new directory (LeRobot writes a fresh dataset root)")
        shutil.rmtree(out)
    h, w = manifest.image_size
    proprio_names = list(manifest.proprio_layout) or None
    shards = [(s, info) for s in manifest.skills for info in s.shards if include_dagger or info.source == "expert"]
    if not shards:
        raise ValueError(f"{dataset_dir}: no demonstrations to export")
    first = read_shard(dataset_dir, shards[0][1])
    state_dim = int(first["proprio"].shape[1])
    features = {
        CAMERA_KEY: {"dtype": "video", "shape": (h, w, 3), "names": ["height", "width", "channels"]},
        "observation.state": {"dtype": "float32", "shape": (state_dim,),
                              "names": proprio_names if proprio_names and len(proprio_names) == state_dim else None},
        "action": {"dtype": "float32", "shape": (5,), "names": list(manifest.action_layout)},
    }
    fps = control_fps(manifest.frame_stride)
    ds = LeRobotDataset.create(repo_id, fps=fps, root=out, robot_type="franka_panda", features=features,
                               use_videos=True, image_writer_threads=0)
    per_skill: dict[str, int] = {}
    frames = 0
    try:
        for skill, info in shards:
            arrays = read_shard(dataset_dir, info)
            for ep in np.unique(arrays["episode"]):
                rows = np.flatnonzero(arrays["episode"] == ep)
                rows = rows[np.argsort(arrays["step"][rows], kind="stable")]
                for r in rows:
                    ds.add_frame({CAMERA_KEY: arrays["images"][r],
                                  "observation.state": arrays["proprio"][r].astype(np.float32),
                                  "action": arrays["actions"][r].astype(np.float32),
                                  "task": skill.instruction})
                ds.save_episode()
                per_skill[skill.name] = per_skill.get(skill.name, 0) + 1
                frames += len(rows)
    finally:
        ds.finalize()
    tasks = sorted({s.instruction for s, _ in shards})
    return LeRobotExport(root=str(out), repo_id=repo_id, fps=fps, episodes=sum(per_skill.values()), frames=frames,
                         tasks=tasks, skills=per_skill)


def _no_embeddings(texts: list[str]) -> np.ndarray:
    """LeRobot carries the task text itself: the distillation dataset's instruction vectors are not needed."""
    return np.zeros((len(texts), 384), dtype=np.float32)


def export_skills_lerobot(skills: list[Any], out_dir: str | Path, *, episodes: int = 10, image_size: int = 84,
                          seed: int = 0, repo_id: str = "roboskill/skills", overwrite: bool = False,
                          progress: Any = None) -> LeRobotExport:
    """Collect `episodes` successful demonstrations of each skill (`roboskill.tools.distill.collect`, every
    step, the distillation camera) and write them as a LeRobot dataset at `out_dir`."""
    import tempfile

    from roboskill.tools.distill.collect import CollectConfig, collect_dataset

    require_lerobot()  # fail before collecting when lerobot is missing
    out = Path(out_dir).expanduser()
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; choose a new directory (LeRobot writes a fresh dataset root)")
    with tempfile.TemporaryDirectory(prefix="roboskill-lerobot-") as tmp:
        cfg = CollectConfig(episodes=episodes, image_size=(image_size, image_size), seed=seed, train_paraphrases=0,
                            heldout_paraphrases=0)
        collect_dataset(skills, Path(tmp) / "dataset", cfg, embed_fn=_no_embeddings, progress=progress)
        return export_lerobot(Path(tmp) / "dataset", out, repo_id=repo_id, overwrite=overwrite)
