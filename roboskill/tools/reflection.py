"""Eureka-style reward reflection: per-component statistics at training checkpoints, as JSON and text.

Why: a critic can only improve a reward if it sees which terms moved, which stayed flat and which
dominate. Every named component returned by `compute_reward` is tracked (mean/min/max over all steps
of the evaluation rollouts at a checkpoint) next to the success rate, and `reflection_text` renders
the history in the format Eureka feeds back to its writer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from roboskill.tools.plan import ComponentStats, ReflectionPoint, SubTaskResult


class ComponentAccumulator:
    """Collects component values step by step; `stats()` gives mean/min/max per component."""

    def __init__(self) -> None:
        self._sum: dict[str, float] = {}
        self._min: dict[str, float] = {}
        self._max: dict[str, float] = {}
        self._n: dict[str, int] = {}

    def add(self, components: dict[str, float]) -> None:
        for k, v in components.items():
            v = float(v)
            if not math.isfinite(v):
                continue
            self._sum[k] = self._sum.get(k, 0.0) + v
            self._n[k] = self._n.get(k, 0) + 1
            self._min[k] = min(self._min.get(k, v), v)
            self._max[k] = max(self._max.get(k, v), v)

    def extend(self, steps: Iterable[dict[str, float]]) -> None:
        for c in steps:
            self.add(c)

    def stats(self) -> dict[str, ComponentStats]:
        return {k: ComponentStats(mean=self._sum[k] / self._n[k], min=self._min[k], max=self._max[k])
                for k in sorted(self._sum)}


def reflection_point(step: int, successes: Iterable[bool], returns: Iterable[float],
                     components: Iterable[dict[str, float]]) -> ReflectionPoint:
    """One checkpoint from evaluation rollouts: success rate, mean return, component statistics."""
    succ = [bool(s) for s in successes]
    rets = [float(r) for r in returns]
    acc = ComponentAccumulator()
    acc.extend(components)
    return ReflectionPoint(step=int(step), success_rate=float(np.mean(succ)) if succ else 0.0,
                           mean_return=float(np.mean(rets)) if rets else 0.0, components=acc.stats())


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def _trend(points: list[ReflectionPoint], name: str) -> str:
    means = [pt.components[name].mean for pt in points if name in pt.components]
    if len(means) < 2:
        return ""
    lo = min(pt.components[name].min for pt in points if name in pt.components)
    hi = max(pt.components[name].max for pt in points if name in pt.components)
    if hi - lo < 1e-6:
        return " (constant: this term gives no learning signal)"
    if abs(means[-1] - means[0]) < 0.02 * max(1e-6, hi - lo):
        return " (flat across checkpoints)"
    return " (rising)" if means[-1] > means[0] else " (falling)"


def subtask_reflection_text(result: SubTaskResult, max_points: int = 8) -> str:
    pts = result.reflection
    head = f"Sub-task {result.name} (learner {result.learner}): final success rate {result.success_rate:.2f}"
    if result.error:
        head += f"; error: {result.error}"
    if not pts:
        return head + "; no checkpoints recorded."
    if len(pts) > max_points:  # keep the first, the last and evenly spaced ones between
        idx = np.unique(np.linspace(0, len(pts) - 1, max_points).round().astype(int))
        pts = [pts[i] for i in idx]
    lines = [head + f"; {len(result.reflection)} checkpoints at steps {[pt.step for pt in pts]}.",
             f"  success_rate: {[_fmt(pt.success_rate) for pt in pts]}",
             f"  episode_return: {[_fmt(pt.mean_return) for pt in pts]}"]
    names = sorted({k for pt in pts for k in pt.components})
    for name in names:
        vals = [pt.components[name] for pt in pts if name in pt.components]
        lines.append(f"  {name}: means {[_fmt(v.mean) for v in vals]}, Max: {_fmt(max(v.max for v in vals))}, "
                     f"Mean: {_fmt(float(np.mean([v.mean for v in vals])))}, Min: {_fmt(min(v.min for v in vals))}"
                     + _trend(pts, name))
    if names:
        last = pts[-1].components
        dominant = max(last, key=lambda k: abs(last[k].mean)) if last else None
        if dominant and len(last) > 1:
            total = sum(abs(v.mean) for v in last.values()) or 1.0
            share = abs(last[dominant].mean) / total
            if share > 0.7:
                lines.append(f"  note: {dominant} is {share:.0%} of the reward magnitude; other terms may be drowned out.")
    return "\n".join(lines)


def episodes_text(episodes: list[Any], judged_by: str | None = None, goal: Any = None, max_items: int = 6) -> str:
    """What the evaluation episodes say, for the critic: the rate with its 95 % interval, which goal
    conditions failed and how often (with what was measured), objects still moving, primitives' messages."""
    from collections import Counter

    from roboskill.sim.goals import wilson_interval

    n = len(episodes)
    if n == 0:
        return ""
    wins = sum(1 for e in episodes if e.success)
    lo, hi = wilson_interval(wins, n)
    judge = {"goal": "the task's goal, at the end of each episode", "env": "the env's own success flag",
             "success_code": "the plan's success code at the end of each sub-task"}.get(judged_by or "", judged_by or "?")
    lines = [f"Evaluation: {wins}/{n} episodes from varied starts succeeded (95% interval {lo:.2f}-{hi:.2f}), "
             f"judged by {judge}."]
    if goal is not None and hasattr(goal, "describe"):
        lines.append(f"  goal: {goal.describe()}")
    failed = [e for e in episodes if not e.success]
    if failed:
        misses: Counter[str] = Counter()
        measured: dict[str, list[float]] = {}
        needed: dict[str, str] = {}
        for e in failed:
            for c in e.conditions:
                if not c.get("ok"):
                    misses[c.get("condition", "?")] += 1
                    if c.get("value") is not None:
                        measured.setdefault(c.get("condition", "?"), []).append(float(c["value"]))
                    needed[c.get("condition", "?")] = str(c.get("needed", ""))
        for cond, k in misses.most_common(max_items):
            vals = measured.get(cond)
            got = f"; measured {np.mean(vals):.3g} on average (needed {needed[cond]})" if vals else ""
            lines.append(f"  not met in {k} of {len(failed)} failed episodes: {cond}{got}")
        moving = Counter(m for e in failed for m in e.moving)
        for name, k in moving.most_common(3):
            lines.append(f"  still moving when judged in {k} failed episodes: {name}")
        errors = Counter(e.error for e in failed if e.error)
        for err, k in errors.most_common(2):
            lines.append(f"  judge error in {k} episodes: {err}")
    messages = Counter(m for e in episodes for m in e.messages)
    for msg, k in messages.most_common(3):
        lines.append(f"  reported in {k} episodes: {msg}")
    n_sub = max((len(e.subtask_success) for e in episodes), default=0)
    if judged_by == "goal" and n_sub:
        subs = [sum(1 for e in episodes if len(e.subtask_success) > j and e.subtask_success[j]) for j in range(n_sub)]
        lines.append(f"  sub-task success checks true at the end of their runs: {subs} of {n} (shaping signals, not the verdict)")
    return "\n".join(lines)


def reflection_text(results: list[SubTaskResult], success_rate: float | None = None, *,
                    episodes: list[Any] | None = None, judged_by: str | None = None, goal: Any = None) -> str:
    """The text a critic reads: the evaluation verdicts (when given), per sub-task success history and
    every component's statistics."""
    parts = []
    if success_rate is not None:
        parts.append(f"Whole task: success rate {success_rate:.2f} over evaluation episodes.")
    if episodes:
        parts.append(episodes_text(episodes, judged_by, goal))
    parts += [subtask_reflection_text(r) for r in results]
    return "\n".join(parts)


__all__ = ["ComponentAccumulator", "episodes_text", "reflection_point", "reflection_text", "subtask_reflection_text"]
