"""`roboskill distill` end to end: collect -> behaviour cloning (-> DAgger rounds) -> evaluate -> artefacts.

Output directory layout (`out/`):

    dataset/            versioned dataset (manifest.json, embeddings.npz, shards/*.npz)
    policy.pt           checkpoint (config, weights, skills, training history)
    history.json        per-epoch losses (BC and every DAgger round)
    eval.json           EvalResult (per-skill expert / generalist / reworded success)
    video_grid.mp4      the generalist doing several skills, side by side
    summary.json        DistillSummary (everything above in one JSON, with timings)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from roboskill.tools.distill import DistillError
from roboskill.tools.distill.evaluate import EvalResult
from roboskill.tools.distill.skills import DistillSkill

Progress = Callable[[dict[str, Any]], None]


class DistillConfig(BaseModel):
    out: Path
    episodes: int = Field(20, ge=1)
    """Successful expert demonstrations per skill."""
    epochs: int = Field(30, ge=0)
    dagger: int = Field(0, ge=0)
    """DAgger rounds after behaviour cloning."""
    dagger_episodes: int = Field(4, ge=1)
    dagger_epochs: int | None = None
    """Epochs of fine-tuning after each DAgger round (default: epochs // 2)."""
    eval_episodes: int = Field(10, ge=1)
    image_size: int = Field(84, ge=16, le=256)
    batch_size: int = Field(64, ge=1)
    lr: float = Field(1e-3, gt=0)
    threads: int = Field(1, ge=1, le=2)
    seed: int = 0
    video_skills: int = Field(4, ge=0)
    heldout: bool = True
    train_time_budget_s: float | None = None
    frame_stride: int = Field(1, ge=1)
    """Record (and, at run time, observe) every frame_stride-th step; the policy executes that many
    actions of its chunk per observation."""
    chunk: int = Field(1, ge=1)
    """Actions predicted per observation (action chunking; >= frame_stride)."""
    workers: int = Field(1, ge=1, le=2)
    """Processes collecting skills in parallel."""
    action_noise: float = Field(0.0, ge=0.0, le=1.0)
    """DART noise on the experts' executed actions during collection (see CollectConfig.action_noise)."""
    reuse_dataset: bool = False
    """Re-use an existing dataset in out/dataset (skip collection) when its skills match."""


class DistillSummary(BaseModel):
    out: str
    skills: list[str]
    dataset: str
    n_steps: int
    n_episodes: int
    checkpoint: str
    eval_json: str
    video: str | None = None
    collect_time_s: float
    train_time_s: float
    dagger_time_s: float = 0.0
    eval_time_s: float
    final_loss: float | None = None
    initial_loss: float | None = None
    eval: EvalResult
    skipped: dict[str, str] = Field(default_factory=dict)


def _write_json(path: Path, data: Any) -> None:
    from roboskill.tools.evaluate import write_json_atomic

    write_json_atomic(path, data)


def run_distill(skills: list[DistillSkill], config: DistillConfig, *, progress: Progress | None = None,
                embed_fn: Any = None) -> DistillSummary:
    """The whole distillation of `skills` into one policy; see module docstring for the outputs."""
    import torch

    from roboskill.tools.distill.collect import CollectConfig, collect_dataset
    from roboskill.tools.distill.dagger import DaggerConfig, dagger_round
    from roboskill.tools.distill.dataset import EMBEDDINGS, DemoData, read_manifest
    from roboskill.tools.distill.embedding import EmbeddingCache
    from roboskill.tools.distill.evaluate import evaluate_generalist
    from roboskill.tools.distill.multitask_env import env_from_manifest
    from roboskill.tools.distill.policy import save_checkpoint
    from roboskill.tools.distill.train import TrainConfig, train_bc
    from roboskill.tools.distill.video import write_video_grid

    if not skills:
        raise DistillError("no skills to distil")
    emit = progress or (lambda e: None)
    torch.set_num_threads(config.threads)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    root = out / "dataset"
    skipped: dict[str, str] = {}

    def on_collect(e: dict[str, Any]) -> None:
        if e.get("event") == "skill_skipped":
            skipped[e["skill"]] = e["reason"]
        emit(e)

    t0 = time.perf_counter()
    manifest = None
    if config.reuse_dataset and (root / "manifest.json").exists():
        manifest = read_manifest(root)
        if sorted(s.name for s in manifest.skills) != sorted(s.name for s in skills):
            manifest = None
    if manifest is None:
        ccfg = CollectConfig(episodes=config.episodes, image_size=(config.image_size, config.image_size),
                             seed=config.seed, frame_stride=config.frame_stride,
                             chunk=max(config.chunk, config.frame_stride), workers=config.workers,
                             action_noise=config.action_noise)
        manifest = collect_dataset(skills, root, ccfg, embed_fn=embed_fn, progress=on_collect)
    collect_time = time.perf_counter() - t0
    emit({"event": "collected", "steps": manifest.n_steps, "time_s": collect_time})

    cache = EmbeddingCache(root / EMBEDDINGS, embed_fn)
    kept = [s for s in skills if s.name in {e.name for e in manifest.skills}]
    tcfg = TrainConfig(epochs=config.epochs, batch_size=config.batch_size, lr=config.lr, threads=config.threads,
                       seed=config.seed, max_time_s=config.train_time_budget_s)
    log = lambda row: emit({"event": "epoch", **row})  # noqa: E731
    t1 = time.perf_counter()
    data = DemoData(root, embeddings=cache)
    policy, history = train_bc(data, tcfg, log=log)
    train_time = time.perf_counter() - t1
    for row in history:
        row["phase"] = "bc"

    dagger_time = 0.0
    if config.dagger:
        env = env_from_manifest(read_manifest(root), kept, cache, seed=config.seed)
        try:
            for r in range(1, config.dagger + 1):
                t2 = time.perf_counter()
                dagger_round(policy, env, root, r, DaggerConfig(episodes=config.dagger_episodes, frame_stride=manifest.frame_stride,
                                                        chunk=manifest.chunk), progress=emit)
                data = DemoData(root, embeddings=cache)
                ft = tcfg.model_copy(update={"epochs": config.dagger_epochs or max(1, config.epochs // 2),
                                             "seed": config.seed + r})
                policy, h = train_bc(data, ft, policy=policy, log=log)
                for row in h:
                    row["phase"] = f"dagger{r}"
                history += h
                dagger_time += time.perf_counter() - t2
        finally:
            env.close()
    manifest = read_manifest(root)
    ckpt = save_checkpoint(policy, out / "policy.pt",
                           skills=[{"name": e.name, "instruction": e.instruction} for e in manifest.skills],
                           history=history, extra={"dataset": str(root), "config": config.model_dump(mode="json")})
    _write_json(out / "history.json", history)

    t3 = time.perf_counter()
    env = env_from_manifest(manifest, kept, cache, seed=config.seed)
    try:
        names = [e.name for e in manifest.skills][: config.video_skills]
        result, videos = evaluate_generalist(policy, env, episodes=config.eval_episodes, heldout=config.heldout,
                                             video_skills=names, progress=emit,
                                             expert_kinds={e.name: e.expert for e in manifest.skills})
    finally:
        env.close()
    eval_time = time.perf_counter() - t3
    _write_json(out / "eval.json", result.model_dump(mode="json"))
    video = write_video_grid(videos, out / "video_grid.mp4", scale=1) if videos else None
    bc_rows = [h for h in history if h.get("phase") == "bc"]
    summary = DistillSummary(
        out=str(out), skills=[e.name for e in manifest.skills], dataset=str(root), n_steps=manifest.n_steps,
        n_episodes=sum(sh.n_episodes for e in manifest.skills for sh in e.shards), checkpoint=str(ckpt),
        eval_json=str(out / "eval.json"), video=str(video) if video else None, collect_time_s=collect_time,
        train_time_s=train_time, dagger_time_s=dagger_time, eval_time_s=eval_time,
        initial_loss=bc_rows[0]["eval_loss"] if bc_rows else None,
        final_loss=history[-1]["eval_loss"] if history else None, eval=result, skipped=skipped)
    _write_json(out / "summary.json", json.loads(summary.model_dump_json()))
    return summary


__all__ = ["DistillConfig", "DistillSummary", "run_distill"]
