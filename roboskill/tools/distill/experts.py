"""Skill experts: replay a skill's learned solution (the tools' skill objects) from any state.

Each sub-task's expert is the tool that learned it (`roboskill.tools.skills`): a `PrimitiveSkill`
re-runs the motion primitive — closed-loop, it re-reads the scene, so it is an expert from *any*
initial state (re-planning); a `TrajectorySkill` replays the optimised trajectory (open-loop by
default: cheap, and only successful episodes are kept; `closed_loop=True` re-optimises with MPC from
each state, slower); a `PolicySkill` runs the saved SB3 policy. Running the chain from the middle
(`start="auto"`) picks the first sub-task whose success check does not hold yet, which is how DAgger
asks the expert what to do from a state the student reached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from roboskill.tools.distill import DistillError
from roboskill.tools.distill.skills import DistillSkill


def build_experts(skill: DistillSkill, *, closed_loop_trajopt: bool = False) -> list[Any]:
    """One tools skill object per sub-task of `skill.plan`; DistillError names a missing artefact.

    The shared loader (`roboskill.tools.skill_loader`) rebuilds them, as `skills verify` does."""
    from roboskill.tools.skill_loader import SkillLoadError, build_skills

    try:
        return build_skills(skill.plan, skill.artefacts, name=skill.name, closed_loop_trajopt=closed_loop_trajopt)
    except SkillLoadError as exc:
        raise DistillError(str(exc)) from None


@dataclass
class ExpertOutcome:
    success: bool
    actions: np.ndarray                     # (T, 5) executed env actions
    sub_success: list[bool] = field(default_factory=list)
    start: int = 0                          # first sub-task run


class ExpertRunner:
    """Runs a skill's expert chain in a plan env (`roboskill.tools.runtime.make_plan_env`)."""

    def __init__(self, skill: DistillSkill, env: Any, *, closed_loop_trajopt: bool = False) -> None:
        from roboskill.sim.env import _load_functions

        self.skill = skill
        self.env = env
        self.experts = build_experts(skill, closed_loop_trajopt=closed_loop_trajopt)
        self._sub_success: list[Callable[[Any], bool] | None] = []
        for sub in skill.plan.subtasks:
            fn = None
            if skill.trusted and sub.name in skill.trusted:
                fn = skill.trusted[sub.name][1]
            elif sub.success_code:
                fn = _load_functions(None, sub.success_code, 0.5)[1]
            self._sub_success.append(fn)

    def phase(self) -> int:
        """The first sub-task whose success check does not hold in the current state."""
        for i, fn in enumerate(self._sub_success):
            if fn is None or not bool(fn(self.env.state)):
                return i
        return len(self._sub_success) - 1

    def run(self, seed: int | None = None, *, start: int | str = 0, rng_seed: int = 0,
            stop_on_failure: bool = True) -> ExpertOutcome:
        """Reset with `seed` (None: act from the current state), then run sub-tasks from `start`
        ("auto": `phase()`); success = every sub-task run succeeded at the end of its run (as in
        `tools.evaluate` without a goal). `stop_on_failure=False` runs the whole chain whatever each
        sub-task's check says (as `tools.evaluate` does when a Goal judges the end state)."""
        from roboskill.tools.evaluate import run_subtask

        if seed is not None:
            self.env.reset(seed=seed)
        first = self.phase() if start == "auto" else int(start)
        rng = np.random.default_rng(rng_seed if seed is None else seed)
        actions: list[np.ndarray] = []
        oks: list[bool] = []
        for sub, expert in zip(self.skill.plan.subtasks[first:], self.experts[first:]):
            ok, log = run_subtask(self.env, sub, expert, rng, self.skill.trusted)
            actions.extend(log.actions)
            oks.append(bool(ok))
            if not ok and stop_on_failure:
                break
        success = len(oks) == len(self.skill.plan.subtasks) - first and all(oks)
        acts = np.asarray(actions, dtype=np.float32).reshape(-1, 5)
        return ExpertOutcome(success, acts, oks, first)

    def run_judged(self, seed: int | None = None, *, start: int | str = 0, rng_seed: int = 0) -> ExpertOutcome:
        """`run`, judged as evaluation judges: with the skill's Goal the whole chain runs and the goal decides
        at the end, after the world settles (a sprung button that springs back still counts as pressed:
        `joint_reached`); without a goal, exactly `run`."""
        from roboskill.tools.distill.skills import judge_end

        if self.skill.goal is None:
            return self.run(seed, start=start, rng_seed=rng_seed)
        out = self.run(seed, start=start, rng_seed=rng_seed, stop_on_failure=False)
        out.success = judge_end(self.skill, self.env)
        return out


__all__ = ["ExpertOutcome", "ExpertRunner", "build_experts"]
