"""Evaluate the generalist on every skill's scene, with the original and with held-out reworded
instructions, against the skill's expert on the same initial states.

All three numbers per skill use the same evaluation seeds (disjoint from the collection and DAgger
seeds), so the comparison is paired: the expert's success on those exact initial states, the
generalist's with the original instruction, and the generalist's with instructions it never saw in
training.

Expert and generalist are judged the same way, at the END of the episode (`judge_end`), never "at
some step": by the skill's Goal after the world settles (`roboskill.sim.goals.judge`), or, for a
skill without a goal, by its success check on the settled end state. A generalist episode ends when
the env terminates it (the skill's success check, its termination signal) or at the horizon; an
expert episode when its chain of sub-tasks has run (the whole chain when a goal judges it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from roboskill.sim.render import Camera, render_rgb
from roboskill.tools.distill.collect import EVAL_SEED_BASE
from roboskill.tools.distill.multitask_env import MultiTaskEnv
from roboskill.tools.distill.skills import DistillSkill, judge_end

Progress = Callable[[dict[str, Any]], None]
#: The evaluation video's camera and (height, width): arm, gripper and every bench scene's objects in view
#: (drawer handles included), from the robot's front-left; checked on the five `bench distill` scenes
VIDEO_CAMERA = Camera(target=(-0.15, 0.0, 0.15), distance=1.05, yaw=-40.0, pitch=-28.0, fov=55.0)
VIDEO_SIZE = (192, 256)


class SkillEval(BaseModel):
    name: str
    instruction: str
    expert: str = ""
    episodes: int
    expert_success: float | None = None
    generalist_success: float
    heldout_success: float | None = None
    heldout_instructions: list[str] = Field(default_factory=list)
    mean_steps: float = 0.0
    """Mean episode length of the generalist (original instruction)."""


class EvalResult(BaseModel):
    skills: list[SkillEval]
    expert_mean: float | None = None
    generalist_mean: float
    heldout_mean: float | None = None
    ratio_to_expert: float | None = None
    """generalist_mean / expert_mean (the issue's target: >= 0.8)."""
    heldout_ratio_to_expert: float | None = None
    wall_time_s: float = 0.0


def rollout(policy: Any, env: MultiTaskEnv, skill: str, instruction: str, seed: int,
            frames: list[np.ndarray] | None = None) -> tuple[bool, int]:
    """One generalist episode; returns (success, steps). `frames` collects a video of every physics step
    from `VIDEO_CAMERA` at `VIDEO_SIZE` (the policy's own 84x84 view, seen only after each action
    chunk, is too small and too choppy to judge a skill by)."""
    if frames is not None:
        env.viewer = lambda senv: frames.append(render_rgb(senv.world, VIDEO_SIZE[1], VIDEO_SIZE[0], VIDEO_CAMERA,
                                                           shadows=False))
    try:
        return _rollout(policy, env, skill, instruction, seed)
    finally:
        env.viewer = None


def _rollout(policy: Any, env: MultiTaskEnv, skill: str, instruction: str, seed: int) -> tuple[bool, int]:
    obs, _ = env.reset(options={"skill": skill, "instruction": instruction, "episode_seed": seed})
    done, steps = False, 0
    chunked = hasattr(policy, "act_chunk")
    while not done:
        if chunked:  # run the policy's action chunk open-loop, observing only after it
            obs, _, terminated, truncated, info = env.step_many(
                policy.act_chunk(obs["image"], obs["proprio"], obs["instruction"]))
            steps += int(info.get("steps", 1))
        else:
            obs, _, terminated, truncated, info = env.step(policy.act(obs["image"], obs["proprio"], obs["instruction"]))
            steps += 1
        done = terminated or truncated
    return judge_end(env.skills[skill], env.skill_env(skill)), steps


def expert_success(skill: DistillSkill, env: MultiTaskEnv, seeds: list[int]) -> float:
    """The expert's success rate on these initial states, judged at the end (`judge_end`; no rendering: fast)."""
    from roboskill.tools.distill.experts import ExpertRunner

    senv = env.skill_env(skill.name)
    runner = ExpertRunner(skill, senv)
    ok = []
    for s in seeds:
        runner.run(s, stop_on_failure=skill.goal is None)
        env.skill_env(skill.name)  # re-install the skill's success check after the expert's sub-task swaps
        ok.append(judge_end(skill, senv))
    return float(np.mean(ok)) if ok else 0.0


def evaluate_generalist(policy: Any, env: MultiTaskEnv, *, episodes: int = 10, heldout: bool = True,
                        with_expert: bool = True, seed_base: int = EVAL_SEED_BASE,
                        video_skills: list[str] | None = None, progress: Progress | None = None,
                        expert_kinds: dict[str, str] | None = None) -> tuple[EvalResult, dict[str, list[np.ndarray]]]:
    """Per-skill success table plus the frames of the first episode of each of `video_skills`."""
    t0 = time.perf_counter()
    emit = progress or (lambda e: None)
    rows: list[SkillEval] = []
    videos: dict[str, list[np.ndarray]] = {}
    seeds = [seed_base + k for k in range(episodes)]
    for name in env.names:
        skill = env.skills[name]
        ok, lengths = [], []
        for k, s in enumerate(seeds):
            frames = [] if (video_skills and name in video_skills and k == 0) else None
            succ, n = rollout(policy, env, name, skill.instruction, s, frames)
            ok.append(succ)
            lengths.append(n)
            if frames is not None:
                videos[name] = frames
        held_texts = env.instructions_for(name, "heldout") if heldout else []
        held_ok = [rollout(policy, env, name, held_texts[k % len(held_texts)], s)[0]
                   for k, s in enumerate(seeds)] if held_texts else []
        exp = expert_success(skill, env, seeds) if with_expert else None
        row = SkillEval(name=name, instruction=skill.instruction, expert=(expert_kinds or {}).get(name, skill.expert_kind),
                        episodes=episodes, expert_success=exp, generalist_success=float(np.mean(ok)),
                        heldout_success=float(np.mean(held_ok)) if held_ok else None,
                        heldout_instructions=held_texts, mean_steps=float(np.mean(lengths)))
        rows.append(row)
        emit({"event": "eval_skill", **row.model_dump(exclude={"heldout_instructions"})})
    gen = float(np.mean([r.generalist_success for r in rows]))
    exp_vals = [r.expert_success for r in rows if r.expert_success is not None]
    held_vals = [r.heldout_success for r in rows if r.heldout_success is not None]
    exp_mean = float(np.mean(exp_vals)) if exp_vals else None
    held_mean = float(np.mean(held_vals)) if held_vals else None
    result = EvalResult(
        skills=rows, expert_mean=exp_mean, generalist_mean=gen, heldout_mean=held_mean,
        ratio_to_expert=(gen / exp_mean) if exp_mean else None,
        heldout_ratio_to_expert=(held_mean / exp_mean) if (exp_mean and held_mean is not None) else None,
        wall_time_s=time.perf_counter() - t0)
    return result, videos


def render_table(result: EvalResult, title: str = "Generalist vs experts") -> Any:
    """A rich Table of the evaluation (per skill + mean row)."""
    from rich.table import Table

    def pct(v: float | None) -> str:
        return "-" if v is None else f"{100 * v:.0f}%"

    table = Table(title=title)
    for col, just in (("skill", "left"), ("expert", "left"), ("episodes", "right"), ("expert success", "right"),
                      ("generalist", "right"), ("reworded (held out)", "right"), ("mean steps", "right")):
        table.add_column(col, justify=just)
    for r in result.skills:
        table.add_row(r.name, r.expert, str(r.episodes), pct(r.expert_success), pct(r.generalist_success),
                      pct(r.heldout_success), f"{r.mean_steps:.0f}")
    ratio = "" if result.ratio_to_expert is None else f" ({100 * result.ratio_to_expert:.0f}% of experts)"
    table.add_row("[bold]mean[/bold]", "", "", pct(result.expert_mean), pct(result.generalist_mean) + ratio,
                  pct(result.heldout_mean), "")
    return table


__all__ = ["EvalResult", "SkillEval", "evaluate_generalist", "expert_success", "judge_end", "render_table", "rollout"]
