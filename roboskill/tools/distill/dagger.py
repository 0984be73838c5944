"""DAgger rounds with the skill experts as teachers.

Per round and skill: roll the current student out from fresh initial states; at a few states it
visits, ask the expert what to do *from there* and record its continuation (image, proprio, action)
until the goal holds. Why continuations rather than one relabelled action per state: the primitive
experts are closed-loop programs with phases (approach, descend, close, lift); querying a single
action from the middle of a phase is ill-defined, while re-planning the remaining chain from the
visited state (`ExpertRunner.run(start="auto")`: first sub-task whose success check does not hold)
gives consistent labels on exactly the states where the student drifts. Only continuations that
reach the goal are kept (`ExpertRunner.run_judged`: the skill's Goal at the end, where it has one). Each round becomes one more shard per skill (`shards/<skill>.r<k>.npz`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from roboskill.tools.distill.collect import ObsRecorder, add_shard, _concat
from roboskill.tools.distill.dataset import ShardInfo, write_shard
from roboskill.tools.distill.multitask_env import MultiTaskEnv

DAGGER_SEED_BASE = 500_000


class DaggerConfig(BaseModel):
    episodes: int = Field(4, ge=1)
    """Student rollouts per skill and round."""
    branches: int = Field(2, ge=1)
    """Visited states per rollout at which the expert is asked to continue."""
    tail_steps: int = 3
    frame_stride: int = Field(1, ge=1)
    """As in collection (use the dataset's manifest values)."""
    chunk: int = Field(1, ge=1)


def dagger_round(policy: Any, env: MultiTaskEnv, root: Any, round_: int, config: DaggerConfig | None = None,
                 progress: Callable[[dict[str, Any]], None] | None = None) -> list[ShardInfo]:
    """Run one DAgger round for every skill of `env`; writes shards and registers them in the manifest."""
    from roboskill.tools.distill.experts import ExpertRunner

    config = config or DaggerConfig()
    emit = progress or (lambda e: None)
    rng = np.random.default_rng(round_)
    infos = []
    for name in env.names:
        skill = env.skills[name]
        episodes, seeds = [], []
        for e in range(config.episodes):
            seed = DAGGER_SEED_BASE + 1000 * round_ + e
            obs, _ = env.reset(options={"skill": name, "instruction": skill.instruction, "episode_seed": seed})
            senv = env.skill_env(name)
            snaps: list[int] = []
            done, success = False, False
            while not done:
                snaps.append(senv.save_state())
                obs, _, term, trunc, info = env.step_many(
                    policy.act_chunk(obs["image"], obs["proprio"], obs["instruction"]))
                success = success or info["is_success"]
                done = term or trunc
            picks = sorted(set(rng.choice(len(snaps), size=min(config.branches, len(snaps)), replace=False).tolist()))
            runner = ExpertRunner(skill, senv)
            goal = env._goals[name]
            for k in picks:
                senv.restore_state(snaps[k])
                rec = ObsRecorder(senv, env.image_size, env.camera, goal, config.frame_stride, config.chunk)
                rec.capture()
                senv.attach_recorder(rec)
                try:
                    out = runner.run_judged(None, start="auto", rng_seed=seed + k)
                finally:
                    senv.attach_recorder(None)
                ep = rec.episode(out.actions, config.tail_steps) if out.success else None
                if ep is not None:
                    episodes.append(ep)
                    seeds.append(seed)
            for sid in snaps:
                senv.remove_state(sid)
            emit({"event": "dagger_episode", "round": round_, "skill": name, "student_success": bool(success),
                  "kept": len(episodes)})
        env.skill_env(name)  # re-install the goal test
        if episodes:
            info = write_shard(root, name, round_, _concat(episodes), seeds, "dagger")
            add_shard(root, name, info)
            infos.append(info)
    return infos


__all__ = ["DaggerConfig", "dagger_round"]
