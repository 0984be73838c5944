"""Which step of a task a learned library skill already does, and how its names bind to this scene.

Why so strict: reusing a skill is a claim that it does this step — the step is then not learned again, only
judged with the rest of the plan. A careful writer makes that claim only when the skill's own goal says so:
the same action family, end conditions of the same kinds on objects of the same categories, and end values
at least as demanding as the step needs (a drawer opened "at least 0.6" serves a step that needs 0.6; a
drawer opened halfway, at most 0.75, does not). Anything else — a different action, another category, a
skill whose end state only resembles the step's — is written from scratch.

A step ("unit") is one skill-level part of the task: "open the top drawer", "put the red block into it",
"close it", "push the puck 10 cm left", "stack the green block on the red block". A compound put-inside
(open, put, close) has three; a chain has its parts' units in order.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

#: Action families: a skill serves a step only within one family ("stack" and "place" both end with one object
#: on another; "push" and "slide" both move an object along the table by contact).
FAMILIES: dict[str, str] = {"pick": "pick", "lift": "pick", "place": "place", "stack": "place", "push": "push",
                            "slide": "push", "put_inside": "put_inside", "open": "open", "close": "close",
                            "press": "press", "rotate": "rotate", "reach": "reach", "arrange": "arrange"}
#: Condition fields that hold an object, link or joint name.
NAME_FIELDS = ("object", "support", "container", "joint", "reference", "target", "a", "b")
_EPS = 1e-6


@dataclass
class Unit:
    """One skill-level step: its verb, the end conditions a reused skill must give (in this scene's names)."""

    verb: str
    label: str
    needs: list[dict[str, Any]]
    spec_names: list[str] = field(default_factory=list)


def family(action: str | None) -> str | None:
    """The action family of a goal's `action` ("lift" -> "pick"); None for chains and unknown actions."""
    return FAMILIES.get(str(action or "").strip().lower())


def _full(cond: dict[str, Any]) -> Any | None:
    """The condition as the goal vocabulary's model (defaults filled in); None when it is not one."""
    from pydantic import TypeAdapter, ValidationError

    from roboskill.sim.goals import Condition

    try:
        return TypeAdapter(Condition).validate_python(cond)
    except (ValidationError, TypeError, ValueError):
        return None


def _at_least_as_strict(skill: Any, need: Any) -> bool:
    """Whether the skill's end condition implies the step's (same kind, names already matched)."""
    k = need.kind
    if k == "lifted":
        return skill.height >= need.height - _EPS
    if k == "on":
        return skill.tolerance <= need.tolerance + _EPS
    if k == "inside":
        return skill.margin <= need.margin + _EPS
    if k == "joint_fraction":
        if need.at_least is not None:
            return skill.at_least is not None and skill.at_least >= need.at_least - _EPS
        return skill.at_most is not None and skill.at_most <= need.at_most + _EPS
    if k == "joint_reached":
        return skill.at_least >= need.at_least - _EPS
    if k == "joint_moved":
        return skill.amount >= need.amount - _EPS and need.direction in ("either", skill.direction)
    if k == "displaced":
        return (skill.direction == need.direction and abs(skill.distance - need.distance) <= 0.02 + _EPS
                and skill.tolerance <= need.tolerance + _EPS
                and (need.max_distance is None or (skill.max_distance is not None
                                                   and skill.max_distance <= need.max_distance + _EPS))
                and (need.max_sideways is None or (skill.max_sideways is not None
                                                   and skill.max_sideways <= need.max_sideways + _EPS)))
    if k == "near":
        return isinstance(skill.target, str) and isinstance(need.target, str) and skill.radius <= need.radius + _EPS
    if k == "relation":
        return (skill.relation == need.relation and skill.min_gap >= need.min_gap - _EPS
                and skill.max_offset <= need.max_offset + _EPS)
    if k == "toppled":
        return skill.min_tilt >= need.min_tilt - _EPS
    if k == "upright":
        return skill.max_tilt <= need.max_tilt + _EPS
    if k == "ee_near":
        return skill.radius <= need.radius + _EPS
    return k in ("touching", "grasped")


def _pair_names(skill: Any, need: Any, mapping: dict[str, str]) -> bool:
    """Extend `mapping` (skill object name -> scene object name) so the skill's condition names the step's
    objects; joints and links must have the same local name ("cabinet.drawer_0" binds to "desk.drawer_0",
    never to "desk.drawer_1": another drawer is another motion). False on any contradiction."""
    for f in NAME_FIELDS:
        a, b = getattr(skill, f, None), getattr(need, f, None)
        if a is None and b is None:
            continue
        if not (isinstance(a, str) and isinstance(b, str)):
            return False
        ha, _, la = a.partition(".")
        hb, _, lb = b.partition(".")
        if la != lb:
            return False
        if mapping.get(ha, hb) != hb:
            return False
        mapping[ha] = hb
    return len(set(mapping.values())) == len(mapping)  # two skill objects never bind to one scene object


def match(unit: Unit, skill: dict[str, Any], categories: dict[str, str], scene_names: set[str]) -> dict[str, str] | None:
    """The `bind` under which `skill` does `unit` in this scene, or None when it does not.

    `categories`: this scene's object name -> category; `scene_names`: every object, link and joint name of
    the scene (a name the skill acts on that the binding leaves alone must exist here as it is).
    """
    if family(skill.get("action")) != family(unit.verb) or family(unit.verb) is None:
        return None
    skill_conds = [c for c in (_full(c) for c in skill.get("conditions") or []) if c is not None]
    needs = [c for c in (_full(c) for c in unit.needs) if c is not None]
    if not needs or len(skill_conds) != len(skill.get("conditions") or []) or len(skill_conds) != len(needs):
        return None
    if sorted(c.kind for c in skill_conds) != sorted(c.kind for c in needs):
        return None
    skill_cats = {str(o.get("name")): str(o.get("category")) for o in skill.get("objects") or [] if isinstance(o, dict)}
    for order in itertools.permutations(range(len(skill_conds))):
        mapping: dict[str, str] = {}
        ok = True
        for need, i in zip(needs, order):
            s = skill_conds[i]
            if s.kind != need.kind or not _pair_names(s, need, mapping) or not _at_least_as_strict(s, need):
                ok = False
                break
        if not ok:
            continue
        if any(skill_cats.get(a) is None or categories.get(b) != skill_cats[a] for a, b in mapping.items()):
            continue  # a binding never makes a mug a drawer
        for name in skill.get("acts_on") or []:
            head = str(name).partition(".")[0]
            if head not in mapping and str(name) not in scene_names and head not in scene_names:
                ok = False  # the skill also touches something this scene lacks
                break
        if ok:
            return {a: b for a, b in mapping.items() if a != b}
    return None


def failed_skills(context: dict[str, Any], repairs: list[str]) -> set[str]:
    """Skills that failed here before: named by a reflection or critique ("reused skill 'x': its step ... failed")
    or by a resolve error of a previous candidate's `skill` sub-task. Re-learning such a step is the point of
    verifying a reused skill in the new scene."""
    reflection = str(context.get("reflection") or "")
    text = " ".join([str(context.get("critic_feedback") or ""), *repairs])
    out = set(re.findall(r"reused skill '([a-z0-9_]+)'", text))
    # a reflection counts the episodes a message came up in: a reused step whose own check also fails in the
    # episodes the goal accepted (a sprung button reads "not pressed" once released) is not why episodes failed
    failed = re.search(r"Evaluation: (\d+)/(\d+) episodes", reflection)
    n_failed = int(failed.group(2)) - int(failed.group(1)) if failed else None
    for count, name in re.findall(r"reported in (\d+) episodes: [a-z0-9_]+: reused skill '([a-z0-9_]+)'", reflection):
        if n_failed is None or int(count) <= n_failed:
            out.add(name)
    text += " " + reflection
    out |= set(re.findall(r"skill '([a-z0-9_]+)' (?:cannot be reused|acts on)", text))
    out |= set(re.findall(r"no learned skill named '([a-z0-9_]+)'", text))
    bad = {str(e.get("subtask")) for e in context.get("sandbox_errors") or [] if isinstance(e, dict)}
    prev = context.get("previous_candidates")
    if isinstance(prev, dict):
        prev = prev.get("candidates")
    for cand in prev if isinstance(prev, list) else []:
        for sub in (cand or {}).get("subtasks") or [] if isinstance(cand, dict) else []:
            if isinstance(sub, dict) and sub.get("learner") == "skill" and str(sub.get("name")) in bad:
                out.add(str((sub.get("skill") or {}).get("name")))
    return out


__all__ = ["FAMILIES", "Unit", "failed_skills", "family", "match"]
