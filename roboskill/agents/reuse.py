"""Library skills a plan may reuse: what the reward writer is offered, and resolving what it chose.

Why: Voyager's lesson — a skill library pays off when skills are executable and call each other. The
writer sees the nearest verified skills with the names they act on (`reusable_skills`) and may write a
sub-task `{"learner": "skill", "skill": {"name": ..., "bind": {...}}}`. Before anything trains, each such
call is resolved against the library (`resolve_plan`): the skill must exist, have a goal (so it was judged
honestly) and come from this simulator; every name it acts on must exist in this scene once bound. The
resolved copy (its plan and artefacts) is written into the call, so the new skill replays and re-verifies
without the library. A reused skill is not trusted in the new scene: the whole plan is evaluated there,
from varied starts, by the new task's goal, like any other candidate.
"""

from __future__ import annotations

import re
from typing import Any

from roboskill.tools.plan import ReusedSkill, SkillPlan
from roboskill.tools.rebind import plan_names, rebind_name

MAX_REUSABLE = 6
MIN_SUCCESS = 0.8


def _usable(record: Any) -> bool:
    verified = (record.metrics or {}).get("verified") or {}
    return (record.goal is not None and not (record.metrics or {}).get("env_id")
            and record.success_rate >= MIN_SUCCESS and not verified.get("flagged"))


def skill_names_used(record: Any) -> list[str]:
    """Every object, link and joint name a stored skill acts on (its goal's objects and its primitives' args)."""
    names = {o.name for o in record.goal.objects} if record.goal is not None else set()
    return sorted(names | plan_names(record.plan))


def goal_conditions(goal: Any) -> list[dict[str, Any]]:
    """A goal's conditions as compact dicts (kind + the fields that differ from their defaults)."""
    return [{"kind": c.kind, **c.model_dump(mode="json", exclude_defaults=True)} for c in goal.conditions]


#: Where one step of a multi-step instruction ends and the next begins (", then", ", and finally", "; then").
_STEP_SPLIT = re.compile(r"\s*;\s*(?:and\s+)?(?:then\s+|finally\s+)?|,\s*(?:and\s+)?(?:then|finally|next|afterwards)\b,?\s*",
                         re.IGNORECASE)


def step_queries(description: str) -> list[str]:
    """The steps of a multi-step instruction, each a library query of its own (empty for a one-step one)."""
    steps = [s.strip(" ,.;:") for s in _STEP_SPLIT.split(description or "")]
    steps = [s for s in steps if len(s.split()) >= 2]
    return steps if len(steps) >= 2 else []


def reusable_skills(library: Any, description: str, k: int = MAX_REUSABLE) -> list[dict[str, Any]]:
    """The nearest verified skills as the writer reads them: name, what it does, its goal's action and end
    conditions, the names it acts on (to bind). Why the conditions: a summary such as "the drawer is open" does
    not say how far open, and a step may only reuse a skill whose end state is at least what the step needs.

    A multi-step instruction ("open the drawer, then push the puck, and finally ...") is also looked up step by
    step, the nearest skill of each step first: looked up whole, it finds other long tasks worded like it
    before the one-step skills that do its steps."""
    queries = step_queries(description)
    try:
        lists = [library.similar_successful(q, k=2, min_success_rate=MIN_SUCCESS) for q in queries]
        lists.append(library.similar_successful(description, k=k * 2, min_success_rate=MIN_SUCCESS))
    except Exception:  # noqa: BLE001 - reuse is an offer; a library hiccup must not fail the step
        return []
    ranked: list[Any] = []
    for rank in range(max((len(x) for x in lists), default=0)):  # each step's nearest, then the next nearest...
        ranked += [x[rank] for x in lists if rank < len(x)]
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for rec in ranked:
        if rec.name in seen or not _usable(rec):
            continue
        seen.add(rec.name)
        out.append({"name": rec.name, "does": rec.goal.summary if rec.goal else rec.description,
                    "action": rec.goal.action, "conditions": goal_conditions(rec.goal),
                    "objects": [{"name": o.name, "category": o.category} for o in rec.goal.objects],
                    "acts_on": skill_names_used(rec), "steps": len(rec.plan.subtasks),
                    "success_rate": round(rec.success_rate, 2)})
        if len(out) >= k:
            break
    return out


def _scene_has(scene: dict[str, Any], names: dict[str, Any] | None) -> tuple[set[str], set[str]]:
    objects = {str(o.get("name")) for o in scene.get("objects") or [] if isinstance(o, dict)} | {"table"}
    parts: set[str] = set()
    for entry in (names or {}).get("joints") or []:
        parts.add(str(entry.get("name")))
    for entry in (names or {}).get("links") or []:
        parts.add(str(entry.get("name")))
    return objects, parts


def resolve_plan(plan: dict[str, Any], library: Any, scene: dict[str, Any] | None,
                 names: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The plan with every `skill` call resolved (`skill.resolved` filled in), and the problems found, each
    as {subtask, field, line, message} in words the writer can act on. A plan without `skill` sub-tasks
    comes back unchanged."""
    subs = plan.get("subtasks") or []
    if not any(isinstance(s, dict) and s.get("learner") == "skill" for s in subs):
        return plan, []
    objects, parts = _scene_has(scene or {}, names)
    errors: list[dict[str, Any]] = []
    out_subs = []
    for sub in subs:
        if not (isinstance(sub, dict) and sub.get("learner") == "skill"):
            out_subs.append(sub)
            continue
        label = str(sub.get("name", "?"))
        call = dict(sub.get("skill") or {})
        wanted = str(call.get("name") or "")

        def problem(message: str) -> None:
            errors.append({"subtask": label, "field": "skill", "line": None, "message": message})

        try:
            record = library.get(wanted)
        except Exception:  # noqa: BLE001 - LibraryError (unknown name) or a broken store: both say "not there"
            offered = [r["name"] for r in reusable_skills(library, str(sub.get("description") or label))]
            problem(f"there is no learned skill named {wanted!r}; reusable skills are: {offered or 'none yet'} "
                    "(or solve this step with another learner)")
            out_subs.append(sub)
            continue
        if not _usable(record):
            problem(f"skill {wanted!r} cannot be reused: it has no goal, comes from an external env, or did not pass "
                    "verification; solve this step with another learner")
            out_subs.append(sub)
            continue
        bind = {str(a): str(b) for a, b in (call.get("bind") or {}).items()}
        used = skill_names_used(record)
        stray = sorted(a for a in bind if a.partition(".")[0] not in {n.partition(".")[0] for n in used})
        if stray:
            problem(f"bind names {stray}, which skill {wanted!r} does not act on; it acts on {used}")
        missing = []
        for n in used:
            bound = rebind_name(n, bind)
            if ("." in bound and parts and bound not in parts) or ("." not in bound and bound not in objects):
                missing.append(f"{n} -> {bound}" if bound != n else n)
        if missing:
            problem(f"skill {wanted!r} acts on {missing}, which this scene does not have; bind each to a name of "
                    f"this scene, e.g. \"bind\": {{\"{missing[0].split(' -> ')[0]}\": \"<scene name>\"}}; the scene has "
                    f"objects {sorted(objects - {'table'})}" + (f" and joints/links {sorted(parts)}" if parts else ""))
        if stray or missing:
            out_subs.append(sub)
            continue
        resolved = ReusedSkill(name=record.name, plan=record.plan, artefacts=dict(record.artefacts))
        call["resolved"] = resolved.model_dump(mode="json")
        out_subs.append({**sub, "skill": call})
    return {**plan, "subtasks": out_subs}, errors


def reused_names(plan: dict[str, Any] | SkillPlan) -> list[str]:
    """Names of the library skills a plan (dict or SkillPlan) reuses."""
    if isinstance(plan, SkillPlan):
        return plan.reused()
    return [str((s.get("skill") or {}).get("name")) for s in plan.get("subtasks") or []
            if isinstance(s, dict) and s.get("learner") == "skill"]


__all__ = ["MAX_REUSABLE", "goal_conditions", "resolve_plan", "step_queries", "reusable_skills", "reused_names", "skill_names_used"]
