"""Learn benchmark: time to 80 % success of the toolbox vs plain SB3 SAC with the same wall time.

For each reference task (`roboskill.bench.reference_tasks`): train its plan with `train_plan`
(primitives / trajopt as the plan says) and record the wall time until evaluation showed >= 80 %
success; then give plain SAC (the whole task as one RL sub-task with the reference reward of the
final sub-task) the same wall time and record its final success rate. `ratio` = SAC's time to 80 %
(or its whole budget, when it never got there: then the ratio is a lower bound) / ours.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from roboskill.bench.reference_tasks import REFERENCE_TASKS, reference_task, whole_task_reward
from roboskill.tools.plan import SkillPlan

#: The quick setting runs every reference task too, with smaller budgets; smoke runs the first two.
QUICK_TASKS = REFERENCE_TASKS


def _time_to(report: Any, target: float) -> float | None:
    if report.success_rate >= target and not report.error:
        return float(report.wall_time_s)
    return None


def _sac_time_to(report: Any, target: float) -> float | None:
    for sub in report.subtasks:
        for pt in sub.reflection:
            if pt.success_rate >= target and pt.wall_s is not None:
                return float(pt.wall_s)
    return None


def run_learn_bench(quick: bool = False, tasks: list[str] | None = None, *, seed: int = 0, smoke: bool = False,
                    out_dir: str | None = None) -> dict[str, Any]:
    """Run the benchmark; returns a JSON-able dict with `metrics`, `tables`, `summary`, `details`."""
    from roboskill.tools.executor import Executor, JobFailure, TrainJob

    names = list(tasks or (QUICK_TASKS[:2] if smoke else QUICK_TASKS if quick else REFERENCE_TASKS))
    budget = 20.0 if smoke else 60.0 if quick else 240.0
    n_eval = 3 if smoke else 5 if quick else 10
    work = Path(out_dir or tempfile.mkdtemp(prefix="roboskill_learn_bench_"))
    # every job is single-threaded and times itself (EvalReport.wall_time_s, reflection wall_s), so the
    # toolbox and SAC jobs of all tasks share a pool sized to the cores without skewing each other's clock
    ex = Executor("local", workers=max(1, min(2, os.cpu_count() or 1)))
    sac_budget = budget  # the same wall time the toolbox was given
    jobs, plans = [], {}
    for name in names:
        spec, plan = reference_task(name)
        plans[name] = plan
        code = whole_task_reward(name)
        horizon = sum(max(s.horizon, 100) for s in plan.subtasks)
        sac_plan = SkillPlan.model_validate({"task_name": f"{name}_sac", "subtasks": [{
            "name": "whole_task", "learner": "rl", "reward_code": code, "success_code": code, "horizon": horizon}]})
        jobs.append(TrainJob(spec=spec, plan=plan, out_dir=str(work / name / "toolbox"), budget_s=budget, seed=seed,
                             n_eval_episodes=n_eval, options={"video": False}))
        # SAC's budget covers training only; its final evaluation comes on top (the RL learner reserves
        # about a third of a job's budget for evaluation, hence / 0.65)
        jobs.append(TrainJob(spec=spec, plan=sac_plan, out_dir=str(work / name / "sac"), budget_s=sac_budget / 0.65,
                             seed=seed, n_eval_episodes=n_eval, options={"video": False, "rl_algo": "sac"}))
    results = ex.map(jobs)
    rows, metrics, details = [], [], {}
    for i, name in enumerate(names):
        ours, sac = results[2 * i], results[2 * i + 1]
        ours_rate = 0.0 if isinstance(ours, JobFailure) else ours.success_rate
        ours_wall = None if isinstance(ours, JobFailure) else float(ours.wall_time_s)
        t80 = None if isinstance(ours, JobFailure) else _time_to(ours, 0.8)
        sac_rate = 0.0 if isinstance(sac, JobFailure) else sac.success_rate
        sac_t80 = None if isinstance(sac, JobFailure) else _sac_time_to(sac, 0.8)
        ratio = None
        lower_bound = False
        if t80:
            ratio = (sac_t80 if sac_t80 is not None else sac_budget) / t80
            lower_bound = sac_t80 is None
        rows.append([name, ours_rate, t80, sac_rate, sac_budget, ratio, lower_bound])
        details[name] = {
            "toolbox": {"success_rate": ours_rate, "time_to_80_s": t80, "wall_s": ours_wall,
                        "learners": [s.learner for s in plans[name].subtasks],
                        "error": getattr(ours, "error", None)},
            "sac": {"success_rate": sac_rate, "time_to_80_s": sac_t80, "budget_s": sac_budget,
                    "error": getattr(sac, "error", None)},
            "ratio": ratio, "ratio_is_lower_bound": lower_bound,
        }
        metrics.append({"name": f"{name}.toolbox_success", "value": ours_rate, "target": ">= 0.8", "passed": ours_rate >= 0.8})
        metrics.append({"name": f"{name}.toolbox_time_to_80_s", "value": t80, "unit": "s", "target": "<= 300",
                        "passed": t80 is not None and t80 <= 300.0})
        metrics.append({"name": f"{name}.sac_success_same_time", "value": sac_rate})
        metrics.append({"name": f"{name}.speedup_vs_sac", "value": ratio,
                        "note": "lower bound (SAC never reached 80 %)" if lower_bound else ""})
    passed = sum(1 for r in rows if r[2] is not None and r[2] <= 300)
    return {
        "name": "learn",
        "metrics": metrics,
        "tables": [{"title": "Time to 80 % success: toolbox vs plain SB3 SAC (same wall time)",
                    "columns": ["task", "toolbox success", "toolbox time to 80 % (s)", "SAC success", "SAC wall time (s)",
                                "speed-up (x)", "speed-up is lower bound"],
                    "rows": rows}],
        "summary": f"{passed}/{len(rows)} reference tasks reached 80 % success within 5 minutes with the toolbox.",
        "details": {"tasks": details, "budget_s": budget, "n_eval_episodes": n_eval, "quick": quick, "seed": seed},
    }


__all__ = ["QUICK_TASKS", "run_learn_bench"]
