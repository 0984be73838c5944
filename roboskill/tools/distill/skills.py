"""What a learned skill contributes to distillation: scene, plan, instruction, goal, success check, expert.

Why a separate view of a skill: a library `SkillRecord` (or a reference task) carries much more than
distillation needs, and distillation needs two things on the state that can judge *any* policy (the
student included):

- the task's `Goal` (`roboskill.sim.goals`), when the skill has one: the judge of evaluation, checked
  once at the end of an episode after the world settles (`tools.distill.evaluate`);
- the plan's last sub-task's success function: every sub-task prepares the next, so the last one's
  condition is the skill's own success test. It ends episodes (the env's termination signal), trims
  demonstrations, and judges evaluation (at the end of the episode) where the skill has no goal.

A skill whose last sub-task has no success check is rejected with a message saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from roboskill.sim.spec import SceneSpec
from roboskill.tools.distill import DistillError
from roboskill.tools.plan import SkillPlan

SuccessLike = str | Callable[[Any], bool]


@dataclass
class DistillSkill:
    """One skill to distil. `trusted` maps sub-task name -> (reward_fn, success_fn) trusted callables
    (reference tasks); otherwise the plan's (sandboxed) reward/success code is used."""

    name: str
    instruction: str
    scene: SceneSpec
    plan: SkillPlan
    artefacts: dict[str, str] = field(default_factory=dict)
    trusted: dict[str, Any] | None = None
    library_success_rate: float | None = None
    goal: Any = None
    """The task's fixed `roboskill.sim.goals.Goal` (or its dict), the judge of evaluation; None: the success check."""

    def __post_init__(self) -> None:
        if not self.instruction.strip():
            raise DistillError(f"skill {self.name!r}: empty instruction; give it an instruction or description")
        self.success_check()  # fail early, with the skill's name
        if self.goal is not None:
            from roboskill.sim.goals import Goal

            self.goal = self.goal if isinstance(self.goal, Goal) else Goal.model_validate(self.goal)

    @classmethod
    def from_record(cls, record: Any) -> "DistillSkill":
        """From a `roboskill.memory.SkillRecord` (instruction, else description)."""
        return cls(name=record.name, instruction=(record.instruction or record.description).strip(),
                   scene=record.scene, plan=record.plan, artefacts=dict(record.artefacts),
                   library_success_rate=float(record.success_rate), goal=getattr(record, "goal", None))

    @property
    def expert_kind(self) -> str:
        kinds = sorted({s.learner for s in self.plan.subtasks})
        return kinds[0] if len(kinds) == 1 else "+".join(kinds)

    def success_check(self) -> SuccessLike:
        """The skill's goal test: the last sub-task's trusted success fn or its success code."""
        last = self.plan.subtasks[-1]
        if self.trusted and last.name in self.trusted:
            fn = self.trusted[last.name][1]
            if fn is not None:
                return fn
        if last.success_code and last.success_code.strip():
            return last.success_code
        raise DistillError(
            f"skill {self.name!r}: its last sub-task {last.name!r} has no success check (success_code), so a "
            "student policy cannot be judged on it; re-learn the skill with a success check or leave it out "
            "(--skills NAME,NAME)")


def judge_end(skill: DistillSkill, senv: Any) -> bool:
    """The verdict on the end of an episode in the skill's plan env `senv` (what evaluation, collection and
    DAgger keep): the skill's Goal after the world settles with the robot holding its last command
    (`roboskill.sim.goals.judge`); without a goal, the success check installed in `senv` after settling."""
    from roboskill.sim.goals import judge, settle

    if skill.goal is not None:
        return bool(judge(skill.goal, senv).success)
    settle(senv)
    return bool(senv.evaluate()[2])


def load_success_fn(skill: DistillSkill) -> Callable[[Any], bool]:
    """The success check as a callable fn(state) -> bool (code goes through the sandbox loader)."""
    check = skill.success_check()
    if callable(check):
        return check
    from roboskill.sim.env import _load_functions

    return _load_functions(None, check, 0.5)[1]  # type: ignore[return-value]


def skills_from_library(library: Any, names: list[str] | None = None, *, min_success_rate: float = 0.0
                        ) -> list[DistillSkill]:
    """DistillSkills for `names` (all when None) from a SkillLibrary; unknown names raise DistillError."""
    from roboskill.memory import SkillNotFoundError

    if names:
        records = []
        for n in names:
            try:
                records.append(library.get(n))
            except SkillNotFoundError as exc:
                raise DistillError(str(exc)) from None
    else:
        records = [r for r in library.list() if r.success_rate >= min_success_rate]
    if not records:
        raise DistillError(f"library {getattr(library, 'path', '')} has no skills to distil; learn some first "
                           "(`roboskill learn ...`) or use the reference tasks (`--source reference`)")
    return [DistillSkill.from_record(r) for r in records]


#: Reference tasks whose experts need no prior learning (reach is a trajopt plan: no trajectory until learned).
REFERENCE_SKILLS: tuple[str, ...] = ("push", "pick_place", "stack", "open_drawer", "press_button")


def skills_from_reference(names: list[str] | None = None) -> list[DistillSkill]:
    """DistillSkills of the reference tasks (`roboskill.tools.reference_tasks`), each with its task's Goal.

    pick_place, stack, open_drawer and press_button are primitive plans as published; `push` keeps its
    scene, reward, success check and goal with its trajopt sub-task replaced by the closed-loop `push`
    primitive (the trajopt sub-task has no trajectory until it is learned). Unknown names raise DistillError.
    """
    from roboskill.tools.reference_tasks import reference_goal, reference_instruction, reference_task

    names = list(names or REFERENCE_SKILLS)
    unknown = sorted(set(names) - set(REFERENCE_SKILLS))
    if unknown:
        raise DistillError(f"unknown reference skill(s) {unknown}; choose from {list(REFERENCE_SKILLS)}")
    out = []
    for name in names:
        scene, plan = reference_task(name)
        if name == "push":
            d = plan.model_dump()
            d["subtasks"][0].update(learner="primitive",
                                    primitive={"name": "push", "args": {"object": "cube", "target": "target"}})
            plan = SkillPlan.model_validate(d)
        out.append(DistillSkill(name=name, instruction=reference_instruction(name), scene=scene, plan=plan,
                                goal=reference_goal(name)))
    return out


__all__ = ["REFERENCE_SKILLS", "DistillSkill", "judge_end", "load_success_fn", "skills_from_library",
           "skills_from_reference"]
