"""A multi-task gymnasium env: each episode samples a skill's scene and an instruction for it.

Observation (gymnasium Dict): `image` uint8 (H, W, 3) from the fixed distillation camera,
`proprio` float32 (8,) (`roboskill.sim.robot.PROPRIO_LAYOUT`), `instruction` float32 (384,) (the
frozen MiniLM embedding of the episode's instruction, from the cache). Action: Box(-1, 1, (5,)) =
dx, dy, dz, dyaw, gripper — the `xyz_yaw_gripper` SkillEnv action every skill expert emits.
The episode terminates when the skill's goal test holds and truncates at the skill's horizon.

Why one PyBullet world per skill, kept alive: building a scene costs ~0.1-0.3 s, resetting one costs
milliseconds; the worlds are tiny. `options={"skill": NAME, "instruction": TEXT}` in `reset` pins the
skill / wording (evaluation); otherwise both are sampled (instructions from the chosen split).
"""

from __future__ import annotations

from typing import Any, Callable, Literal

import gymnasium as gym
import numpy as np

from roboskill.sim.render import Camera
from roboskill.tools.distill import DistillError
from roboskill.tools.distill.collect import DISTILL_CAMERA, observe
from roboskill.tools.distill.embedding import EmbeddingCache
from roboskill.tools.distill.skills import DistillSkill, load_success_fn

InstructionSplit = Literal["original", "train", "heldout"]


class MultiTaskEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"]}

    def __init__(self, skills: list[DistillSkill], *, embeddings: EmbeddingCache | None = None,
                 image_size: tuple[int, int] = (84, 84), camera: Camera = DISTILL_CAMERA,
                 horizons: dict[str, int] | None = None, instructions: dict[str, dict[str, list[str]]] | None = None,
                 split: InstructionSplit = "original", seed: int | None = None, default_horizon: int = 200) -> None:
        super().__init__()
        if not skills:
            raise DistillError("MultiTaskEnv needs at least one skill")
        self.skills = {s.name: s for s in skills}
        self.names = [s.name for s in skills]
        self.embeddings = embeddings or EmbeddingCache()
        self.image_size = tuple(image_size)
        self.camera = camera
        self.horizons = {n: int((horizons or {}).get(n, default_horizon)) for n in self.names}
        self.instructions = instructions or {}
        self.split = split
        h, w = self.image_size
        dim = self.embeddings.dim or 384
        self.observation_space = gym.spaces.Dict({
            "image": gym.spaces.Box(0, 255, (h, w, 3), dtype=np.uint8),
            "proprio": gym.spaces.Box(-np.inf, np.inf, (8,), dtype=np.float32),
            "instruction": gym.spaces.Box(-np.inf, np.inf, (dim,), dtype=np.float32),
        })
        self.action_space = gym.spaces.Box(-1.0, 1.0, (5,), dtype=np.float32)
        self._envs: dict[str, Any] = {}
        self._goals: dict[str, Any] = {}
        #: called with the skill env after reset and after every physics step (also inside action chunks):
        #: lets a video see every step from its own camera without changing what the policy observes
        self.viewer: Callable[[Any], None] | None = None
        self._rng = np.random.default_rng(seed)
        self.skill: str = self.names[0]
        self.instruction: str = skills[0].instruction
        self._lang = np.zeros(dim, np.float32)
        self._t = 0
        self._last_image: np.ndarray | None = None

    # ------------------------------------------------------------------------------ helpers
    def skill_env(self, name: str | None = None) -> Any:
        """The plan env (SkillEnv) of a skill, built on first use, with the skill's goal installed."""
        from roboskill.tools.runtime import make_plan_env, set_task

        name = name or self.skill
        if name not in self.skills:
            raise DistillError(f"unknown skill {name!r}; this env has {self.names}")
        if name not in self._envs:
            self._envs[name] = make_plan_env(self.skills[name].scene, seed=0)
            self._goals[name] = load_success_fn(self.skills[name])
        env = self._envs[name]
        set_task(env, None, self._goals[name])
        return env

    def instructions_for(self, name: str, split: InstructionSplit | None = None) -> list[str]:
        split = split or self.split
        original = self.skills[name].instruction
        if split == "original":
            return [original]
        texts = self.instructions.get(name, {}).get(split)
        if texts is None:
            from roboskill.tools.distill.paraphrase import paraphrases

            texts = ([original] if split == "train" else []) + paraphrases(original, 3, split)
        return list(texts) or [original]

    def _obs(self) -> dict[str, np.ndarray]:
        img, prop = observe(self._envs[self.skill], self.image_size, self.camera)
        self._last_image = img
        return {"image": img, "proprio": prop, "instruction": self._lang}

    # ------------------------------------------------------------------------------ gym API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        options = options or {}
        self.skill = options.get("skill") or self.names[int(self._rng.integers(len(self.names)))]
        env = self.skill_env(self.skill)
        texts = self.instructions_for(self.skill)
        self.instruction = options.get("instruction") or texts[int(self._rng.integers(len(texts)))]
        self._lang = self.embeddings.one(self.instruction)
        episode_seed = options.get("episode_seed")
        if episode_seed is None:
            episode_seed = int(self._rng.integers(0, 2**31 - 1))
        _, info = env.reset(seed=int(episode_seed))
        self._t = 0
        if self.viewer is not None:
            self.viewer(env)
        return self._obs(), {"skill": self.skill, "instruction": self.instruction, "episode_seed": int(episode_seed),
                             "is_success": bool(info.get("is_success", False))}

    def step(self, action: Any):
        from roboskill.tools.runtime import env_step

        env = self._envs[self.skill]
        reward, _, success = env_step(env, np.asarray(action, dtype=np.float64))
        self._t += 1
        if self.viewer is not None:
            self.viewer(env)
        obs = self._obs()
        return obs, float(success), bool(success), self._t >= self.horizons[self.skill], {
            "skill": self.skill, "instruction": self.instruction, "is_success": bool(success)}

    def step_many(self, actions: Any):
        """Run several actions open-loop (an action chunk), rendering only the final observation;
        stops early on success or at the horizon. Returns (obs, reward, terminated, truncated, info)
        like `step`, with info["steps"] = actions actually run."""
        from roboskill.tools.runtime import env_step

        env = self._envs[self.skill]
        success, n = False, 0
        for a in np.asarray(actions, dtype=np.float64).reshape(-1, 5):
            _, _, success = env_step(env, a)
            self._t += 1
            n += 1
            if self.viewer is not None:
                self.viewer(env)
            if success or self._t >= self.horizons[self.skill]:
                break
        obs = self._obs()
        return obs, float(success), bool(success), self._t >= self.horizons[self.skill], {
            "skill": self.skill, "instruction": self.instruction, "is_success": bool(success), "steps": n}

    def render(self) -> np.ndarray | None:
        return self._last_image

    def close(self) -> None:
        for env in self._envs.values():
            env.close()
        self._envs.clear()


def env_from_manifest(manifest: Any, skills: list[DistillSkill], embeddings: EmbeddingCache,
                      split: InstructionSplit = "original", seed: int | None = None) -> MultiTaskEnv:
    """A MultiTaskEnv with the dataset's image size, camera, horizons and instruction splits."""
    by_name = {s.name: s for s in skills}
    missing = [e.name for e in manifest.skills if e.name not in by_name]
    if missing:
        raise DistillError(f"dataset skills {missing} are not among the given skills {sorted(by_name)}")
    return MultiTaskEnv(
        [by_name[e.name] for e in manifest.skills], embeddings=embeddings, image_size=tuple(manifest.image_size),
        camera=Camera(**manifest.camera) if manifest.camera else DISTILL_CAMERA,
        horizons={e.name: e.horizon for e in manifest.skills},
        instructions={e.name: {"train": e.train_instructions, "heldout": e.heldout_instructions}
                      for e in manifest.skills},
        split=split, seed=seed)


__all__ = ["InstructionSplit", "MultiTaskEnv", "env_from_manifest"]
