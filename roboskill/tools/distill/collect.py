"""Demonstration collection: run each skill's expert over randomised initial states, keep successes.

A success is judged as evaluation judges it (`ExpertRunner.run_judged`): by the skill's Goal at the
end of the episode after the world settles where the skill has one, else by every sub-task's success
check at the end of its run.

Per step we record what the generalist will see — an RGB image from a fixed camera (offscreen
TinyRenderer, no shadows: ~4x cheaper and the camera never moves), the robot's proprioception — and
the expert's action. Episodes are trimmed a few steps after the skill's goal first holds: what an
expert does after success (retreating) is not part of the skill, and keeping it would teach the
student to wander off a goal it has reached.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from roboskill.sim.render import Camera
from roboskill.tools.distill import DistillError
from roboskill.tools.distill.dataset import (
    EMBEDDINGS,
    DatasetManifest,
    SkillEntry,
    action_chunks,
    read_manifest,
    write_manifest,
    write_shard,
)
from roboskill.tools.distill.skills import DistillSkill, load_success_fn

#: The fixed camera of the generalist: looks down at the work area from the far side of the table,
#: framed on the objects (not the whole robot): objects vary by a few cm between episodes, and at
#: 0.95 m distance that was ~1 pixel at 64x64 -- too little for the student to see where to go.
DISTILL_CAMERA = Camera(target=(0.0, 0.0, 0.05), distance=0.65, yaw=90.0, pitch=-60.0, fov=50.0)
#: Object slots of the `objects` array (positions of the scene's first MAX_OBJECTS objects, padded).
MAX_OBJECTS = 4
TRAIN_SEED_BASE = 1_000
EVAL_SEED_BASE = 900_000

Progress = Callable[[dict[str, Any]], None]


class CollectConfig(BaseModel):
    episodes: int = Field(20, ge=1)
    """Successful demonstrations wanted per skill."""
    max_attempts_factor: float = Field(2.0, ge=1.0)
    """Give up on a skill after episodes x factor attempts."""
    image_size: tuple[int, int] = (84, 84)
    camera: Camera = DISTILL_CAMERA
    seed: int = 0
    tail_steps: int = Field(3, ge=0)
    train_paraphrases: int = Field(3, ge=0)
    heldout_paraphrases: int = Field(3, ge=0)
    closed_loop_trajopt: bool = False
    frame_stride: int = Field(1, ge=1)
    """Render / store every frame_stride-th step only (rendering is ~95 % of collection time)."""
    chunk: int = Field(1, ge=1)
    """Store the expert's next `chunk` actions per row (action chunking targets)."""
    workers: int = Field(1, ge=1, le=2)
    """Collect skills in this many processes (the laptop has 2 cores; rendering is CPU-bound)."""
    action_noise: float = Field(0.0, ge=0.0, le=1.0)
    """Std of the noise added to the motion part of the *executed* expert actions (action units);
    the recorded label stays the expert's clean command (DART, Laskey et al. 2017). Why: a student
    trained only on perfect demos never sees a hand a few cm off the expert's path, so it cannot
    correct its own small errors, which compound until the grasp misses; the closed-loop experts
    re-plan from the perturbed states, so their labels show how to recover."""
    noise_hold: int = Field(4, ge=1)
    """Steps each noise sample is held (a drift, like a student's bias, not per-step jitter)."""


def object_positions(env: Any, max_objects: int = MAX_OBJECTS) -> np.ndarray:
    """(max_objects * 3,) float32: world positions of the scene's objects in scene order, NaN-padded.

    Why record them: they are the privileged, training-time-only target of the student's auxiliary
    "where is each object" loss, which makes the image encoder localise objects (a student given only
    actions to imitate learns to ignore few-cm object displacements). The policy never sees them."""
    out = np.full(max_objects * 3, np.nan, np.float32)
    state = env.state
    for i, name in enumerate(state.object_names()[:max_objects]):
        out[3 * i:3 * i + 3] = state.object_position(name)
    return out


class PerturbedActions:
    """Context manager: while active, `env.step` executes action + held Gaussian noise on the motion
    dimensions (not the gripper), scaled by the speed of the commanded motion (clipped to 1): fast
    transfers get the full drift, the slow, precise final approaches almost none (full noise there
    keeps a closed-loop expert from ever settling, tripling demo length). `roboskill.tools.runtime.
    env_step` logs the action it was given, so the expert's clean command is what gets recorded."""

    def __init__(self, env: Any, std: float, hold: int, seed: int) -> None:
        self.env, self.std, self.hold = env, float(std), max(1, int(hold))
        self.rng = np.random.default_rng(seed)
        self._t, self._noise = 0, np.zeros(5)

    def _noisy_step(self, action: Any) -> Any:
        if self._t % self.hold == 0:
            self._noise = np.zeros(5)
            self._noise[:4] = self.rng.normal(0.0, self.std, 4)
        self._t += 1
        a = np.asarray(action, dtype=np.float64).reshape(-1)
        scale = min(1.0, float(np.linalg.norm(a[:3])))
        a = np.clip(a + scale * self._noise[: a.size], -1.0, 1.0)
        return type(self.env).step(self.env, a)

    def __enter__(self) -> PerturbedActions:
        if self.std > 0:
            self.env.step = self._noisy_step  # instance attribute shadows the class method
        return self

    def __exit__(self, *exc: Any) -> None:
        self.env.__dict__.pop("step", None)


def observe(env: Any, image_size: tuple[int, int], camera: Camera) -> tuple[np.ndarray, np.ndarray]:
    """(image uint8 (H, W, 3), proprioception float32 (8,)) of the env's current state."""
    from roboskill.sim.render import render_rgb

    h, w = image_size
    img = render_rgb(env.world, w, h, camera, shadows=False)
    return img, np.asarray(env.robot.proprioception(), dtype=np.float32)


class ObsRecorder:
    """`env.attach_recorder` hook: the skill's goal test after every step, and the image and
    proprioception of every `stride`-th step (rendering is what costs; the goal test is cheap)."""

    def __init__(self, env: Any, image_size: tuple[int, int], camera: Camera,
                 success_fn: Callable[[Any], bool] | None = None, stride: int = 1, chunk: int = 1) -> None:
        self.env, self.image_size, self.camera, self.success_fn = env, image_size, camera, success_fn
        self.stride, self.chunk = max(1, int(stride)), max(1, int(chunk))
        self.images: list[np.ndarray] = []
        self.proprio: list[np.ndarray] = []
        self.objects: list[np.ndarray] = []
        self.steps: list[int] = []
        self.success: list[bool] = []

    def capture(self) -> None:
        t = len(self.success)
        self.success.append(bool(self.success_fn(self.env.state)) if self.success_fn else False)
        if t % self.stride == 0:
            img, prop = observe(self.env, self.image_size, self.camera)
            self.images.append(img)
            self.proprio.append(prop)
            self.objects.append(object_positions(self.env))
            self.steps.append(t)

    def episode(self, actions: np.ndarray, tail: int) -> dict[str, np.ndarray] | None:
        """Align frames (before each action) with actions; trim `tail` steps after the first success."""
        n = len(actions)
        if len(self.success) != n + 1 or n == 0:
            return None
        keep = n
        if any(self.success):
            keep = min(n, self.success.index(True) + tail)
        keep = max(keep, 1)
        rows = [i for i, t in enumerate(self.steps) if t < keep]
        steps = np.asarray([self.steps[i] for i in rows], dtype=np.int64)
        acts = np.asarray(actions, dtype=np.float32).reshape(-1, 5)
        return {"images": np.stack([self.images[i] for i in rows]),
                "proprio": np.stack([self.proprio[i] for i in rows]),
                "objects": np.stack([self.objects[i] for i in rows]),
                "actions": acts[steps], "step": steps.astype(np.int32),
                "chunks": action_chunks(acts[:keep], steps, self.chunk), "length": keep}


def _concat(episodes: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {
        "images": np.concatenate([e["images"] for e in episodes]),
        "proprio": np.concatenate([e["proprio"] for e in episodes]),
        "actions": np.concatenate([e["actions"] for e in episodes]),
        "episode": np.concatenate([np.full(len(e["actions"]), i, np.int32) for i, e in enumerate(episodes)]),
        "step": np.concatenate([e.get("step", np.arange(len(e["actions"]), dtype=np.int32)) for e in episodes]),
        "chunks": np.concatenate([e["chunks"] for e in episodes]),
        "objects": np.concatenate([e["objects"] for e in episodes]),
    }


def collect_skill(skill: DistillSkill, root: str | Path, config: CollectConfig,
                  progress: Progress | None = None) -> SkillEntry:
    """Collect `config.episodes` successful expert episodes of one skill into `<root>/shards/<name>.r0.npz`."""
    from roboskill.tools.distill.experts import ExpertRunner
    from roboskill.tools.distill.paraphrase import paraphrases
    from roboskill.tools.runtime import make_plan_env

    emit = progress or (lambda e: None)
    env = make_plan_env(skill.scene, seed=config.seed)
    try:
        runner = ExpertRunner(skill, env, closed_loop_trajopt=config.closed_loop_trajopt)
        goal = load_success_fn(skill)
        episodes, seeds = [], []
        attempts = 0
        max_attempts = int(np.ceil(config.episodes * config.max_attempts_factor))
        t0 = time.perf_counter()
        while len(episodes) < config.episodes and attempts < max_attempts:
            seed = TRAIN_SEED_BASE + config.seed * 100_003 + attempts
            attempts += 1
            env.reset(seed=seed)
            rec = ObsRecorder(env, config.image_size, config.camera, goal, config.frame_stride, config.chunk)
            rec.capture()
            env.attach_recorder(rec)
            try:
                with PerturbedActions(env, config.action_noise, config.noise_hold, seed):
                    out = runner.run_judged(None, start=0, rng_seed=seed)
            finally:
                env.attach_recorder(None)
            ep = rec.episode(out.actions, config.tail_steps) if out.success else None
            if ep is not None:
                episodes.append(ep)
                seeds.append(seed)
            emit({"event": "episode", "skill": skill.name, "attempt": attempts, "success": out.success,
                  "kept": len(episodes), "steps": len(out.actions)})
        if not episodes:
            raise DistillError(f"skill {skill.name!r}: the expert ({skill.expert_kind}) succeeded in none of "
                               f"{attempts} episodes; leave it out (--skills) or re-learn it")
        info = write_shard(root, skill.name, 0, _concat(episodes), seeds, "expert")
        lengths = [int(e["length"]) for e in episodes]
        entry = SkillEntry(
            name=skill.name, instruction=skill.instruction,
            train_instructions=[skill.instruction] + paraphrases(skill.instruction, config.train_paraphrases, "train"),
            heldout_instructions=paraphrases(skill.instruction, config.heldout_paraphrases, "heldout"),
            expert=skill.expert_kind, expert_success_rate=len(episodes) / attempts, attempts=attempts,
            horizon=int(max(lengths) * 1.5) + 10, mean_demo_length=float(np.mean(lengths)), shards=[info])
        emit({"event": "skill_done", "skill": skill.name, "episodes": len(episodes), "attempts": attempts,
              "steps": info.n_steps, "time_s": time.perf_counter() - t0})
        return entry
    finally:
        env.close()


def _collect_one(skill: DistillSkill, root: str | Path, config: CollectConfig,
                 progress: Progress | None = None) -> SkillEntry | DistillError:
    try:
        return collect_skill(skill, root, config, progress)
    except DistillError as exc:
        return exc


def _collect_all(skills: list[DistillSkill], root: str | Path, config: CollectConfig,
                 progress: Progress | None) -> list[SkillEntry | DistillError]:
    """Per skill: its entry or the DistillError; skills run in `config.workers` spawned processes
    when there are several (each worker builds its own PyBullet worlds; skills with trusted in-process
    callables cannot be sent to a worker and are collected here)."""
    import pickle

    emit = progress or (lambda e: None)
    if config.workers <= 1 or len(skills) <= 1:
        return [_collect_one(s, root, config, progress) for s in skills]
    try:
        pickle.dumps(skills)
    except Exception:  # noqa: BLE001 - unpicklable trusted callables: collect in this process
        return [_collect_one(s, root, config, progress) for s in skills]
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(config.workers, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(_collect_one, s, root, config, None) for s in skills]
        results = []
        for s, f in zip(skills, futures):
            r = f.result()
            if not isinstance(r, DistillError):
                emit({"event": "skill_done", "skill": s.name, "episodes": r.shards[0].n_episodes,
                      "attempts": r.attempts, "steps": r.shards[0].n_steps})
            results.append(r)
    return results


def collect_dataset(skills: list[DistillSkill], root: str | Path, config: CollectConfig | None = None, *,
                    embed_fn: Any = None, progress: Progress | None = None,
                    skip_failed: bool = True) -> DatasetManifest:
    """Collect every skill into a fresh dataset at `root` (manifest written last) and cache embeddings.

    skip_failed: a skill whose expert never succeeds is left out (reported through `progress`) instead
    of failing the whole collection; with no skill left, DistillError.
    """
    from roboskill.sim.robot import PROPRIO_LAYOUT
    from roboskill.tools.distill.embedding import EmbeddingCache

    config = config or CollectConfig()
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    emit = progress or (lambda e: None)
    entries = []
    for skill, result in zip(skills, _collect_all(skills, root, config, progress)):
        if isinstance(result, DistillError):
            if not skip_failed:
                raise result
            emit({"event": "skill_skipped", "skill": skill.name, "reason": str(result)})
        else:
            entries.append(result)
    if not entries:
        raise DistillError("no skill yielded a successful expert demonstration; nothing to distil")
    cache = EmbeddingCache(root / EMBEDDINGS, embed_fn)
    vecs = cache.get([t for e in entries for t in e.train_instructions + e.heldout_instructions])
    manifest = DatasetManifest(image_size=tuple(config.image_size), camera=config.camera.model_dump(),
                               proprio_layout=list(PROPRIO_LAYOUT), embedding_dim=int(vecs.shape[1]),
                               skills=entries, frame_stride=config.frame_stride, chunk=config.chunk)
    write_manifest(root, manifest)
    return manifest


def add_shard(root: str | Path, skill: str, info: Any) -> DatasetManifest:
    """Register a new shard (e.g. a DAgger round) of `skill` in the manifest."""
    manifest = read_manifest(root)
    entry = manifest.skill(skill)
    entry.shards = [s for s in entry.shards if s.file != info.file] + [info]
    write_manifest(root, manifest)
    return manifest


__all__ = ["DISTILL_CAMERA", "EVAL_SEED_BASE", "MAX_OBJECTS", "TRAIN_SEED_BASE", "CollectConfig", "ObsRecorder",
           "PerturbedActions",
           "add_shard", "collect_dataset", "collect_skill", "object_positions", "observe"]
