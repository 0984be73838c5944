"""The offline critic: rules over EvalReports -> accept / refine_reward / refine_scene / decompose / give_up.

Why rules: the evaluation already measures what matters (success rate, per-component statistics over
training, errors). The critic's job is to turn those numbers into the next action and into feedback
the reward writer can act on — which component is flat or saturated, whether the threshold is too
strict, whether to switch learner — in the same words an LLM critic would use.
"""

from __future__ import annotations

import re
from typing import Any

DEFAULT_THRESHOLD = 0.5
_SCENE_ERR = (r"unreachable|out of reach|outside the workspace|workspace|inverse kinematics|\bik\b|penetrat|"
              r"overlap|fell off|falls off|fell over|unknown object|no object|not in (the )?scene|scene|"
              r"build|spec|unknown joint|no joint|unstable")


def success_threshold(context: dict[str, Any], system_text: str) -> float:
    """The acceptance bar: a context value if given, else the one the prompt states, else 0.5."""
    for key in ("accept_success", "success_threshold", "accept_threshold", "threshold"):
        value = context.get(key)
        if isinstance(value, (int, float)) and 0 < value <= 1:
            return float(value)
    if m := re.search(r"success[ _]rate\s*(?:>=|≥|of at least|at least)\s*([0-9.]+)", system_text):
        try:
            value = float(m.group(1).rstrip("."))
            if 0 < value <= 1:
                return value
        except ValueError:
            pass
    return DEFAULT_THRESHOLD


def _num(value: Any, default: float = 0.0) -> float:
    return float(value) if isinstance(value, (int, float)) else default


def _component_trends(report: dict[str, Any]) -> dict[str, tuple[float, float, float, float]]:
    """name -> (first mean, last mean, last min, last max) over the reflection points of all sub-tasks."""
    out: dict[str, tuple[float, float, float, float]] = {}
    for sub in report.get("subtasks") or []:
        if not isinstance(sub, dict):
            continue
        points = [p for p in sub.get("reflection") or [] if isinstance(p, dict)]
        if not points:
            continue
        first, last = points[0].get("components") or {}, points[-1].get("components") or {}
        for name, stats in last.items():
            if not isinstance(stats, dict):
                continue
            f = first.get(name) if isinstance(first.get(name), dict) else stats
            out[name] = (_num(f.get("mean")), _num(stats.get("mean")), _num(stats.get("min")), _num(stats.get("max")))
    return out


def _components_from_text(text: str) -> dict[str, tuple[float, float, float, float]]:
    """Fallback when reports carry only reflection text: 'name: mean=.. min=.. max=..' lines."""
    out: dict[str, tuple[float, float, float, float]] = {}
    for m in re.finditer(r"\b([a-z_][a-z0-9_]*)\b\W+mean\W+(-?[\d.]+)\W+min\W+(-?[\d.]+)\W+max\W+(-?[\d.]+)", text.lower()):
        mean = float(m.group(2).rstrip("."))
        out[m.group(1)] = (mean, mean, float(m.group(3).rstrip(".")), float(m.group(4).rstrip(".")))
    return out


def critique(context: dict[str, Any], system_text: str) -> dict[str, Any]:
    """Critique dict for the critic context (keys per prompts/critic.md)."""
    threshold = success_threshold(context, system_text)
    iteration = int(_num(context.get("iteration"), 0))
    max_iter = int(_num(context.get("max_iterations"), 3)) or 3
    cands = [c for c in context.get("candidates") or [] if isinstance(c, dict)]
    task = context.get("task") or {}
    tname = task.get("name", "the task") if isinstance(task, dict) else "the task"
    if not cands:
        return {"action": "give_up" if iteration + 1 >= max_iter else "refine_reward",
                "feedback": "No candidate was evaluated; write simpler plans with primitives where possible.",
                "reason": "no candidates in the evaluation", "best_candidate": 0}

    rows = []
    for pos, c in enumerate(cands):
        idx = int(_num(c.get("index"), pos))
        rep = c.get("report") if isinstance(c.get("report"), dict) else {}
        err = str(rep.get("error") or c.get("error") or "")
        for sub in rep.get("subtasks") or []:
            if isinstance(sub, dict) and sub.get("error"):
                err += f" [{sub.get('name')}] {sub['error']}"
        rows.append((idx, _num(rep.get("success_rate")), _num(rep.get("mean_return"), -1e9), err.strip(), rep, c))
    best = max(rows, key=lambda r: (r[1], r[2]))
    b_idx, b_sr, _, b_err, b_rep, b_cand = best
    base = {"best_candidate": max(b_idx, 0)}

    if b_sr >= threshold:
        return {**base, "action": "accept", "feedback": "",
                "reason": f"candidate {b_idx} succeeds in {b_sr:.0%} of evaluation episodes (threshold {threshold:.0%})"}

    all_err = " ".join(r[3] for r in rows if r[3]).lower().strip()
    scene_trouble = bool(all_err) and re.search(_SCENE_ERR, all_err) and all(r[1] == 0 for r in rows)
    if iteration + 1 >= max_iter:
        why = f"best success rate {b_sr:.0%} after {iteration + 1} iteration(s) (threshold {threshold:.0%})"
        if all_err:
            why += f"; errors: {all_err[:200]}"
        return {**base, "action": "give_up", "feedback": "", "reason": why}

    if scene_trouble:
        named = re.findall(r"'([a-z][a-z0-9_.]*)'", all_err) or re.findall(r"\b([a-z]+_[a-z0-9_]+)\b", all_err)
        target = f" ({', '.join(sorted(set(named))[:3])})" if named else ""
        return {**base, "action": "refine_scene",
                "feedback": f"The scene blocks learning{target}: {all_err[:300]}. Move the objects closer to the robot "
                            f"(x in [-0.1, 0.25], |y| < 0.25), keep them apart and make sure the named object/joint exists.",
                "reason": "every candidate failed with scene errors"}

    # component analysis of the best candidate
    trends = _component_trends(b_rep) or _components_from_text(str(b_rep.get("reflection_text") or ""))
    comp_fb: dict[str, str] = {}
    lines = [f"Best candidate {b_idx} reaches {b_sr:.0%} success (needs {threshold:.0%})."]
    for name, (first, last, lo, hi) in sorted(trends.items()):
        if name in ("success_bonus",):
            continue
        if lo < 0 <= hi or last < 0:  # penalty terms: only complain if they dominate
            if last < -0.5:
                comp_fb[name] = "saturated penalty: reduce its weight (halve it)"
            continue
        if abs(last - first) < 0.02 and last < 0.5:
            comp_fb[name] = f"flat (mean {first:.2f} -> {last:.2f}): increase its weight x2 and widen its basin"
        elif last > 0.95 and hi - lo < 0.05:
            comp_fb[name] = f"saturated (mean {last:.2f}): reduce its weight, it no longer guides learning"
    for name, what in comp_fb.items():
        lines.append(f"Component '{name}' is {what}.")
    plan = b_cand.get("plan") if isinstance(b_cand.get("plan"), dict) else {}
    subs = [s for s in plan.get("subtasks") or [] if isinstance(s, dict)]
    sub_results = {s.get("name"): s for s in b_rep.get("subtasks") or [] if isinstance(s, dict)}
    failing = [s for s in subs if _num((sub_results.get(s.get("name")) or {}).get("success_rate"), b_sr) < threshold]

    if failing and any("primitive" == s.get("learner") for s in failing) and b_err:
        names = ", ".join(str(s.get("name")) for s in failing if s.get("learner") == "primitive")
        lines.append(f"The primitive sub-task(s) {names} failed ({b_err[:160]}); switch their learner to trajopt.")
        feedback = " ".join(lines)
        return {**base, "action": "refine_reward", "feedback": feedback, "component_feedback": comp_fb,
                "reason": "primitive failed"}
    if iteration >= 1 and len(subs) == 1 and all(r[1] == 0 for r in rows):
        return {**base, "action": "decompose",
                "feedback": f"{tname}: a single sub-task never succeeds; split it into reaching the object (or handle) "
                            "first, then the manipulation, each with its own success check.",
                "component_feedback": comp_fb, "reason": "no candidate made progress on a one-step plan"}
    if b_sr == 0 and not comp_fb:
        lines.append("No episode succeeds: the success threshold is probably too strict — loosen its tolerance — "
                     "and switch the learner of the failing sub-task.")
    elif b_sr > 0:
        lines.append("Partial success: loosen the success tolerance slightly and strengthen the goal term.")
        for s in failing:
            for t in ("to_goal", "height", "opening", "closing", "rotation", "pressed", "over_dest", "over_container"):
                if t in str(s.get("reward_code") or "") and t not in comp_fb:
                    comp_fb[t] = "increase its weight to pull towards the goal"
                    break
    return {**base, "action": "refine_reward", "feedback": " ".join(lines), "component_feedback": comp_fb,
            "reason": f"success {b_sr:.0%} below {threshold:.0%}"}
