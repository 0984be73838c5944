"""What a learned skill contributes to distillation: scene, plan, instruction, success check, expert.

Why a separate view of a skill: a library `SkillRecord` (or a reference task) carries much more than
distillation needs, and distillation needs one thing the record leaves implicit — a single success
check on the state that can judge *any* policy (the student included). That check is the plan's last
sub-task's success function: every sub-task prepares the next, so the last one's condition is the
skill's goal. A skill whose last sub-task has no success check cannot judge a student and is rejected
with a message saying so.
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

    def __post_init__(self) -> None:
        if not self.instruction.strip():
            raise DistillError(f"skill {self.name!r}: empty instruction; give it an instruction or description")
        self.success_check()  # fail early, with the skill's name

    @classmethod
    def from_record(cls, record: Any) -> "DistillSkill":
        """From a `roboskill.memory.SkillRecord` (instruction, else description)."""
        return cls(name=record.name, instruction=(record.instruction or record.description).strip(),
                   scene=record.scene, plan=record.plan, artefacts=dict(record.artefacts),
                   library_success_rate=float(record.success_rate))

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


def skills_from_reference(names: list[str] | None = None) -> list[DistillSkill]:
    """DistillSkills from `roboskill.bench.reference_tasks` (trusted reward/success callables)."""
    try:
        from roboskill.bench import reference_tasks as ref
    except ImportError as exc:
        raise DistillError(f"reference tasks are not available ({exc}); use --source library") from None
    tasks = ref.reference_tasks() if hasattr(ref, "reference_tasks") else list(getattr(ref, "REFERENCE_TASKS", {}).values())
    out = []
    for t in tasks:
        name = getattr(t, "name")
        if names and name not in names:
            continue
        out.append(DistillSkill(name=name, instruction=getattr(t, "instruction", "") or getattr(t, "description", ""),
                                scene=t.scene, plan=t.plan, trusted=getattr(t, "trusted", None)))
    if names:
        missing = sorted(set(names) - {s.name for s in out})
        if missing:
            raise DistillError(f"unknown reference task(s) {missing}; known: {[getattr(t, 'name') for t in tasks]}")
    return out


__all__ = ["DistillSkill", "load_success_fn", "skills_from_library", "skills_from_reference"]
