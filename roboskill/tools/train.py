"""Train a skill plan end to end: learn each sub-task from where the previous one ends, evaluate, write artefacts.

`train_plan` is what the agents' trainer and `roboskill train` call. By default it runs the whole job
in a worker process with rlimits (`roboskill.tools.executor.run_job_process`), because the plan's
reward code is untrusted: it is compiled by the sandbox loader and only ever executed there.

Per attempt (`out_dir`): `metrics.json` (EvalReport), `curves.png`, `rollout.mp4` + `keyframes/`,
`trajectory.npz` (the executed actions of evaluation episode 0 with its seed: replayable) and
`policy_<subtask>.zip` for RL sub-tasks; the report's `artefacts` maps "metrics", "curves",
"video", "keyframes", "trajectory", "policy" to paths. All files are written atomically.
"""

from __future__ import annotations

import time
import traceback
from pathlib import Path
from typing import Any, Callable

import numpy as np

from roboskill.sim.spec import SceneSpec
from roboskill.tools.plan import EvalReport, ReflectionPoint, SkillPlan, SubTaskResult

TRAIN_SHARE = 0.65  # of budget_s for learners; the rest is evaluation and artefacts


def train_plan(spec: SceneSpec, plan: SkillPlan, out_dir: str | Path, *, budget_s: float = 60.0, seed: int = 0,
               n_eval_episodes: int = 10, isolate: bool = True, **options: Any) -> EvalReport:
    """Learn `plan` in `spec` within about `budget_s` seconds of wall time and evaluate it.

    isolate=True runs the job in a resource-limited worker process (the default: reward code is
    untrusted). options: `video` (bool), `rl_algo` ("ppo"|"sac"), `trusted` (sub-task name ->
    (reward_fn, success_fn) trusted callables, only with isolate=False or picklable functions),
    `trajopt` (dict of TrajoptConfig fields), `progress` (callable(event dict)), `eval_budget_s`,
    `stop_below` (end evaluation once the success rate cannot reach it).
    A failure never raises: the report carries `error` and success_rate 0.
    """
    if isolate:
        from roboskill.tools.executor import Executor, JobFailure, TrainJob

        job = TrainJob(spec=spec, plan=plan, out_dir=str(out_dir), budget_s=budget_s, seed=seed,
                       n_eval_episodes=n_eval_episodes, options={k: v for k, v in options.items() if k != "progress"})
        res = Executor("local", workers=1).map([job])[0]
        if isinstance(res, JobFailure):
            return EvalReport(success_rate=0.0, error=res.error, n_episodes=0, reflection_text=f"training failed: {res.error}")
        return res
    return train_plan_inprocess(spec, plan, out_dir, budget_s=budget_s, seed=seed, n_eval_episodes=n_eval_episodes,
                                **options)


def evaluation_decided(episodes: list[Any], n_total: int, stop_below: float | None) -> bool:
    """True when even all remaining episodes succeeding could not lift the success rate to `stop_below`."""
    if stop_below is None:
        return False
    successes = sum(1 for e in episodes if e.success)
    return (successes + n_total - len(episodes)) / max(1, n_total) < stop_below


def _point_from_logs(step: int, oks: list[bool], logs: list[Any]) -> ReflectionPoint:
    from roboskill.tools.reflection import reflection_point

    comps = [c for log in logs for c in log.components]
    return reflection_point(step, oks, [float(sum(log.rewards)) for log in logs], comps)


def train_plan_inprocess(spec: SceneSpec, plan: SkillPlan, out_dir: str | Path, *, budget_s: float = 60.0,
                         seed: int = 0, n_eval_episodes: int = 10, video: bool = True, rl_algo: str = "ppo",
                         trusted: dict[str, Any] | None = None, trajopt: dict[str, Any] | None = None,
                         progress: Callable[[dict[str, Any]], None] | None = None,
                         eval_budget_s: float | None = None, stop_below: float | None = None) -> EvalReport:
    """The job itself (runs wherever it is called: use `train_plan` for isolation).

    `stop_below`: the caller's acceptance threshold; evaluation ends early once the success rate can
    no longer reach it (the report's `n_episodes` says how many ran), instead of spending the rest of
    the evaluation on a candidate that is already rejected.
    """
    from roboskill.tools.curves import plot_curves
    from roboskill.tools.evaluate import evaluate_plan, run_chain, run_subtask, summarize, write_report
    from roboskill.tools.reflection import reflection_text
    from roboskill.tools.runtime import control_dt, make_plan_env
    from roboskill.tools.skills import PolicySkill, PrimitiveSkill, TrajectorySkill
    from roboskill.tools.trajopt import TrajoptConfig, mpc_run, save_trajectory

    t0 = time.monotonic()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spec = spec if isinstance(spec, SceneSpec) else SceneSpec.model_validate(spec)
    plan = plan if isinstance(plan, SkillPlan) else SkillPlan.model_validate(plan)
    cfg = TrajoptConfig(**(trajopt or {}))
    emit = progress or (lambda e: None)
    artefacts: dict[str, str] = {}
    results: list[SubTaskResult] = []
    skills: list[Any] = []
    error: str | None = None
    sim_steps = 0
    env = make_plan_env(spec, seed=seed)
    dt = control_dt(env)
    n_learned = sum(1 for s in plan.subtasks if s.learner != "primitive") or 1
    per_sub = budget_s * TRAIN_SHARE / n_learned
    train_seeds = [seed * 7919 + k for k in range(1000)]
    try:
        for i, sub in enumerate(plan.subtasks):
            emit({"event": "subtask", "index": i, "name": sub.name, "learner": sub.learner})
            points: list[ReflectionPoint] = []
            if sub.learner == "primitive":
                assert sub.primitive is not None
                skill: Any = PrimitiveSkill(sub.primitive)
                oks, logs = [], []
                for k in range(3):  # a few training-seed runs give the reflection of the primitive
                    run_chain(env, plan, skills, train_seeds[k], upto=i, trusted=trusted)
                    ok, log = run_subtask(env, sub, skill, np.random.default_rng(k), trusted)
                    oks.append(ok)
                    logs.append(log)
                    sim_steps += len(log)
                points.append(_point_from_logs(sum(len(x) for x in logs), oks, logs))
                points[-1].wall_s = time.monotonic() - t0
            elif sub.learner == "trajopt":
                deadline = time.monotonic() + per_sub
                nominal: np.ndarray | None = None
                streak, k, steps = 0, 0, 0
                while time.monotonic() < deadline and streak < 3:
                    run_chain(env, plan, skills, train_seeds[k], upto=i, trusted=trusted)
                    from roboskill.tools.runtime import StepLog, set_subtask

                    set_subtask(env, sub, trusted)
                    log = StepLog()
                    nom4 = None if nominal is None else np.concatenate([nominal[:, :3], nominal[:, 4:5]], axis=1)
                    res = mpc_run(env, sub.horizon, cfg, np.random.default_rng(seed + k), log=log, nominal=nom4,
                                  deadline=deadline)
                    steps += res.sim_steps + len(log)
                    sim_steps += res.sim_steps + len(log)
                    points.append(_point_from_logs(steps, [res.success], [log]))
                    points[-1].wall_s = time.monotonic() - t0
                    if res.success and nominal is None:
                        nominal = np.array(log.actions)
                    streak = streak + 1 if res.success else 0
                    k += 1
                    emit({"event": "trajopt_episode", "index": i, "success": res.success, "episode": k})
                if nominal is None:
                    nominal = np.zeros((0, 5), dtype=np.float32)
                per_ep = max(12.0, (eval_budget_s or budget_s * (1 - TRAIN_SHARE)) / max(1, n_eval_episodes) / n_learned)
                skill = TrajectorySkill(nominal, cfg, per_episode_budget_s=per_ep)
            else:
                from roboskill.tools.rl import train_rl

                rl = train_rl(spec, plan, i, list(skills), algo=rl_algo, budget_s=per_sub, seed=seed, out_dir=out,
                              trusted=trusted)
                points = rl.reflection
                sim_steps += rl.timesteps
                skill = PolicySkill(rl.model)
                if rl.path:
                    artefacts["policy"] = rl.path
            skills.append(skill)
            results.append(SubTaskResult(name=sub.name, learner=sub.learner,
                                         success_rate=points[-1].success_rate if points else 0.0, reflection=points))
    except Exception as exc:  # noqa: BLE001 - reported to the critic, never fatal to the caller
        error = f"{type(exc).__name__}: {exc}"[:800]
        failing = plan.subtasks[len(results)].name if len(results) < len(plan.subtasks) else "?"
        results.append(SubTaskResult(name=failing, learner=plan.subtasks[len(results)].learner
                                     if len(results) < len(plan.subtasks) else "?", success_rate=0.0, error=error))
    train_time = time.monotonic() - t0

    summary = {"success_rate": 0.0, "mean_return": 0.0, "mean_length": 0.0, "time_to_success": None,
               "n_episodes": 0}
    if error is None:
        try:
            recorder = None
            if video:
                from roboskill.sim.render import VideoRecorder

                recorder = VideoRecorder(env.world, out, every=2, fps=20)
            seeds = [seed * 104729 + 50_000 + k for k in range(n_eval_episodes)]
            episodes = []
            for k, s_k in enumerate(seeds):
                episodes += evaluate_plan(env, plan, skills, [s_k], trusted=trusted, recorder=recorder if k == 0 else None)
                if evaluation_decided(episodes, len(seeds), stop_below):
                    break
            sim_steps += sum(e.length for e in episodes)
            summary = summarize(episodes, dt)
            for j, r in enumerate(results):
                r.success_rate = float(np.mean([len(e.sub_success) > j and e.sub_success[j] for e in episodes]))
            ep0 = episodes[0]
            acts = np.concatenate([np.asarray(log.actions, dtype=np.float32).reshape(-1, 5) for log in ep0.sub_logs])
            bounds = np.cumsum([len(log) for log in ep0.sub_logs])
            traj = out / "trajectory.npz"
            save_trajectory(str(traj), acts, seed=ep0.seed, subtask_ends=bounds, success=ep0.success)
            artefacts["trajectory"] = str(traj)
            if recorder is not None and recorder.frames:
                artefacts.update(recorder.save())
        except Exception as exc:  # noqa: BLE001
            error = f"evaluation failed: {type(exc).__name__}: {exc}"[:800]
            traceback.print_exc()
    env.close()
    text = reflection_text(results, summary["success_rate"])
    if error is None and summary["n_episodes"] < n_eval_episodes:
        text += (f"\n(evaluation stopped after {summary['n_episodes']} of {n_eval_episodes} episodes: the success "
                 f"rate could no longer reach {stop_below})")
    try:
        artefacts["curves"] = str(plot_curves(results, out / "curves.png", title=plan.task_name))
    except Exception as exc:  # noqa: BLE001 - a plot is never worth failing a job
        text += f"\n(curves not plotted: {exc})"
    report = EvalReport(**summary, subtasks=results, reflection_text=text, wall_time_s=time.monotonic() - t0,
                        sim_time_s=sim_steps * dt, train_time_s=train_time, artefacts=artefacts, error=error)
    report.artefacts["metrics"] = str(out / "metrics.json")
    write_report(report, out)
    emit({"event": "done", "success_rate": report.success_rate})
    return report


__all__ = ["train_plan", "train_plan_inprocess"]
