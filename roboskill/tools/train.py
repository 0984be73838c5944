"""Train a skill plan end to end: learn each sub-task from where the previous one ends, evaluate, write artefacts.

`train_plan` is what the agents' trainer and `roboskill train` call. By default it runs the whole job
in a worker process with rlimits (`roboskill.tools.executor.run_job_process`), because the plan's
reward code is untrusted: it is compiled by the sandbox loader and only ever executed there.

Per attempt (`out_dir`): `metrics.json` (EvalReport, with every evaluation episode's verdict),
`curves.png`, `rollout_success.mp4` / `rollout_failure.mp4` (a successful and a failed evaluation
episode, replayed with the recorder and labelled) with `keyframes_success/` / `keyframes_failure/`,
`rollout_<label>.json` (the filmed episode's verdict: seed, goal conditions, end state),
`rollout.mp4` + `keyframes/` (the one to show: the success video when there is one),
`trajectory.npz` (the executed actions of a successful evaluation episode, else the first, with its
seed, plus each trajopt sub-task's nominal `nominal_<i>` and the `trajopt_config` it was evaluated
with: `roboskill.tools.skill_loader` rebuilds the skill from it) and `policy_<subtask>.zip` for RL
sub-tasks; the report's `artefacts` maps "metrics", "curves", "video", "video_success",
"video_failure", "keyframes", "trajectory", "policy" to paths. All files are written atomically.

Seeds: training episodes (and the chains replayed to reach a later sub-task's start) use even
seeds, evaluation episodes seeds 1 mod 4, so they never share a start (`roboskill.tools.evaluate`).
"""

from __future__ import annotations

import time
import traceback
from pathlib import Path
from typing import Any, Callable

import numpy as np

from roboskill.sim.spec import SceneSpec
from roboskill.tools.evaluate import evaluation_decided
from roboskill.tools.plan import EvalReport, ReflectionPoint, SkillPlan, SubTaskResult

TRAIN_SHARE = 0.65  # of budget_s for learners; the rest is evaluation and artefacts


def train_plan(spec: SceneSpec, plan: SkillPlan, out_dir: str | Path, *, budget_s: float = 60.0, seed: int = 0,
               n_eval_episodes: int = 20, isolate: bool = True, goal: Any = None, **options: Any) -> EvalReport:
    """Learn `plan` in `spec` within about `budget_s` seconds of wall time and evaluate it.

    `goal`: the task's fixed `roboskill.sim.goals.Goal` (or its dict): when given it judges every
    evaluation episode at its end (see `train_plan_inprocess`); it travels to the worker as
    `options["goal"]` (a JSON dict).
    isolate=True runs the job in a resource-limited worker process (the default: reward code is
    untrusted). options: `video` (bool), `rl_algo` ("ppo"|"sac"), `trusted` (sub-task name ->
    (reward_fn, success_fn) trusted callables, only with isolate=False or picklable functions),
    `trajopt` (dict of TrajoptConfig fields), `progress` (callable(event dict)), `eval_budget_s`
    (turned into a sample budget), `stop_below` (end evaluation once the success rate cannot reach it).
    A failure never raises: the report carries `error` and success_rate 0.
    """
    if goal is not None:
        options["goal"] = goal.model_dump(mode="json") if hasattr(goal, "model_dump") else goal
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


def _point_from_logs(step: int, oks: list[bool], logs: list[Any]) -> ReflectionPoint:
    from roboskill.tools.reflection import reflection_point

    comps = [c for log in logs for c in log.components]
    return reflection_point(step, oks, [float(sum(log.rewards)) for log in logs], comps)


#: Nominal simulated steps per second of one core, only to turn a caller's `eval_budget_s` into a
#: sample budget once (a constant, not a measurement: the verdict never depends on the machine's load).
NOMINAL_SIM_STEPS_PER_S = 1300


def _goal(goal: Any) -> Any:
    from roboskill.sim.goals import Goal

    if goal is None or isinstance(goal, Goal):
        return goal
    return Goal.model_validate_json(goal) if isinstance(goal, str) else Goal.model_validate(goal)


def _save_videos(env: Any, plan: SkillPlan, skills: list[Any], episodes: list[Any], out: Path, *, goal: Any,
                 trusted: dict[str, Any] | None) -> tuple[dict[str, str], list[str]]:
    """Replay the first successful and the first failed evaluation episode with a recorder attached.

    Episodes are deterministic (sample budgets, seeded), so a replay shows what was judged; if a
    replay's verdict differs anyway, it is labelled by the replay's own verdict (and noted). Writes
    rollout_success.mp4 / rollout_failure.mp4 with keyframes_success/ / keyframes_failure/, and
    rollout.mp4 + keyframes/ as the video to show (the success one when there is one).
    """
    from roboskill.sim.render import VideoRecorder
    from roboskill.tools.evaluate import run_episode, write_json_atomic

    arts: dict[str, str] = {}
    notes: list[str] = []
    picks = [e for e in (next((e for e in episodes if e.success), None), next((e for e in episodes if not e.success), None))
             if e is not None]
    for ep in picks:
        rec = VideoRecorder(env.world, out, every=2, fps=20)
        replay = run_episode(env, plan, skills, ep.seed, goal=goal, trusted=trusted, recorder=rec)
        label = "success" if replay.success else "failure"
        if replay.success != ep.success:
            notes.append(f"the replay of evaluation seed {ep.seed} was a {label}, unlike its evaluation; "
                         f"its video is labelled by the replay")
        if f"video_{label}" in arts or not rec.frames:
            continue
        rec.video_name, rec.keyframes_dir = f"rollout_{label}.mp4", f"keyframes_{label}"
        rec.label = f"{label.upper()}  seed {ep.seed}"
        rec.label_color = (40, 150, 60) if replay.success else (190, 40, 40)
        for old in (out / rec.keyframes_dir).glob("*.png"):
            old.unlink()
        saved = rec.save()
        arts[f"video_{label}"] = saved["video"]
        arts[f"keyframes_{label}"] = saved["keyframes"]
        # the verdict of the filmed episode, next to its video (seed, goal conditions, end state)
        write_json_atomic(out / f"rollout_{label}.json", replay.outcome().model_dump(mode="json"))
    main = "success" if "video_success" in arts else ("failure" if "video_failure" in arts else None)
    if main is not None:
        arts["video"] = str(_link_copy(Path(arts[f"video_{main}"]), out / "rollout.mp4"))
        kdir = out / "keyframes"
        kdir.mkdir(exist_ok=True)
        for old in kdir.glob("*.png"):
            old.unlink()
        for j, png in enumerate(sorted(Path(arts[f"keyframes_{main}"]).glob("*.png"))):
            arts[f"keyframe_{j}"] = str(_link_copy(png, kdir / png.name))
        arts["keyframes"] = str(kdir)
    return arts, notes


def _link_copy(src: Path, dst: Path) -> Path:
    """`dst` becomes the same file as `src` (a hard link; a copy where links are not possible), atomically."""
    import os
    import shutil

    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    if tmp.exists():
        tmp.unlink()
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)
    return dst


def _tensorboard_writer(out: Path) -> tuple[Any, str | None]:
    """(writer, None), or (None, why not): a missing tensorboard package never fails a training job."""
    from roboskill.bridges.tensorboard import summary_writer

    try:
        return summary_writer(out), None
    except Exception as exc:  # noqa: BLE001
        return None, f"no TensorBoard logs: {exc}"


def train_plan_inprocess(spec: SceneSpec, plan: SkillPlan, out_dir: str | Path, *, budget_s: float = 60.0,
                         seed: int = 0, n_eval_episodes: int = 20, video: bool = True, rl_algo: str = "ppo",
                         trusted: dict[str, Any] | None = None, trajopt: dict[str, Any] | None = None,
                         progress: Callable[[dict[str, Any]], None] | None = None,
                         eval_budget_s: float | None = None, stop_below: float | None = None,
                         goal: Any = None, tensorboard: bool = False) -> EvalReport:
    """The job itself (runs wherever it is called: use `train_plan` for isolation).

    `goal` (a `roboskill.sim.goals.Goal`, its dict or JSON): the task's fixed goal judges every
    evaluation episode at its end, after the whole chain ran (`judged_by="goal"`); without one the
    plan's success code does, at the end of each sub-task's run (`judged_by="success_code"`).
    Training and evaluation seeds never overlap (`roboskill.tools.evaluate.training_seeds` /
    `evaluation_seeds`). Evaluation budgets are samples, never seconds: `eval_budget_s` (if given)
    is turned into a per-episode sample budget at NOMINAL_SIM_STEPS_PER_S, `trajopt["eval_max_sim_steps"]`
    sets it directly, and by default the MPC plans every step of the horizon.
    `stop_below`: the caller's acceptance threshold; evaluation ends early once the success rate can
    no longer reach it (the report's `n_episodes` says how many ran), instead of spending the rest of
    the evaluation on a candidate that is already rejected.
    `tensorboard`: also write TensorBoard event files under `out_dir/tb/` (`roboskill.bridges.tensorboard`):
    SB3's scalars for RL sub-tasks, trajopt's score curves, and the series of curves.png.
    """
    from roboskill.sim.goals import world_errors
    from roboskill.tools.curves import plot_curves
    from roboskill.tools.evaluate import evaluation_seeds, run_chain, run_episode, run_subtask, summarize, \
        training_seeds, write_report
    from roboskill.tools.reflection import reflection_text
    from roboskill.tools.runtime import control_dt, make_plan_env
    from roboskill.tools.skills import PolicySkill, PrimitiveSkill, TrajectorySkill
    from roboskill.tools.trajopt import TrajoptConfig, mpc_run, save_trajectory

    t0 = time.monotonic()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spec = spec if isinstance(spec, SceneSpec) else SceneSpec.model_validate(spec)
    plan = plan if isinstance(plan, SkillPlan) else SkillPlan.model_validate(plan)
    goal = _goal(goal)
    cfg = TrajoptConfig(**(trajopt or {}))
    emit = progress or (lambda e: None)
    artefacts: dict[str, str] = {}
    results: list[SubTaskResult] = []
    skills: list[Any] = []
    nominals: dict[str, np.ndarray] = {}
    error: str | None = None
    sim_steps = 0
    tb, tb_note = _tensorboard_writer(out) if tensorboard else (None, None)
    env = make_plan_env(spec, seed=seed)
    dt = control_dt(env)
    n_learned = sum(1 for s in plan.subtasks if s.learner not in ("primitive", "skill")) or 1
    per_sub = budget_s * TRAIN_SHARE / n_learned
    train_seeds = training_seeds(seed, 1000)
    eval_samples = cfg.eval_max_sim_steps
    if eval_samples is None and eval_budget_s is not None:
        eval_samples = int(eval_budget_s / max(1, n_eval_episodes) / n_learned * NOMINAL_SIM_STEPS_PER_S)
    if goal is not None:
        problems = world_errors(goal, env.state)
        if problems:
            error = "the task's goal cannot be checked in this scene: " + "; ".join(problems)
            results.append(SubTaskResult(name=plan.subtasks[0].name, learner=plan.subtasks[0].learner,
                                         success_rate=0.0, error=error))
    try:
        for i, sub in enumerate(plan.subtasks if error is None else []):
            emit({"event": "subtask", "index": i, "name": sub.name, "learner": sub.learner})
            points: list[ReflectionPoint] = []
            if sub.learner in ("primitive", "skill"):  # nothing to train: a motion primitive or a reused library skill
                if sub.learner == "primitive":
                    assert sub.primitive is not None
                    skill: Any = PrimitiveSkill(sub.primitive)
                else:
                    from roboskill.tools.skill_loader import reused_skill

                    skill = reused_skill(sub, name=plan.task_name, trajopt=trajopt)
                oks, logs = [], []
                for k in range(3):  # a few training-seed runs give the reflection of the primitive / reused skill
                    run_chain(env, plan, skills, train_seeds[k], upto=i, trusted=trusted)
                    ok, log = run_subtask(env, sub, skill, np.random.default_rng(k), trusted)
                    oks.append(ok)
                    logs.append(log)
                    sim_steps += len(log)
                points.append(_point_from_logs(sum(len(x) for x in logs), oks, logs))
                points[-1].wall_s = time.monotonic() - t0
            elif sub.learner == "trajopt":
                # training stays wall-clock budgeted (it is not the verdict); evaluation below is not
                deadline = time.monotonic() + per_sub
                nominal: np.ndarray | None = None
                streak, k, steps, replans = 0, 0, 0, 0
                while time.monotonic() < deadline and streak < 3:
                    run_chain(env, plan, skills, train_seeds[k], upto=i, trusted=trusted)
                    from roboskill.tools.runtime import StepLog, set_subtask

                    set_subtask(env, sub, trusted)
                    log = StepLog()
                    nom4 = None if nominal is None else np.concatenate([nominal[:, :3], nominal[:, 4:5]], axis=1)
                    scores: list[float] = []
                    res = mpc_run(env, sub.horizon, cfg, np.random.default_rng(seed + k), log=log, nominal=nom4,
                                  deadline=deadline, scores=scores)
                    ok = bool(env.evaluate()[2])  # judged at the end of the run, as in evaluation
                    if tb is not None:
                        from roboskill.bridges.tensorboard import log_scores

                        log_scores(tb, sub.name, k, replans, scores, float(sum(log.rewards)), ok)
                        replans += len(scores)
                    steps += res.sim_steps + len(log)
                    sim_steps += res.sim_steps + len(log)
                    points.append(_point_from_logs(steps, [ok], [log]))
                    points[-1].wall_s = time.monotonic() - t0
                    if ok and nominal is None:
                        nominal = np.array(log.actions)
                    streak = streak + 1 if ok else 0
                    k += 1
                    emit({"event": "trajopt_episode", "index": i, "success": ok, "episode": k})
                if nominal is None:
                    nominal = np.zeros((0, 5), dtype=np.float32)
                nominals[f"nominal_{i}"] = np.asarray(nominal, dtype=np.float32).reshape(-1, 5)
                skill = TrajectorySkill(nominal, cfg, max_sim_steps=eval_samples)
            else:
                from roboskill.tools.rl import train_rl

                from roboskill.bridges.tensorboard import tb_dir

                rl = train_rl(spec, plan, i, list(skills), algo=rl_algo, budget_s=per_sub, seed=seed, out_dir=out,
                              trusted=trusted, tensorboard_log=tb_dir(out) if tb is not None else None)
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

    summary: dict[str, Any] = {"success_rate": 0.0, "mean_return": 0.0, "mean_length": 0.0, "time_to_success": None,
                               "n_episodes": 0}
    episodes: list[Any] = []
    notes: list[str] = []
    if error is None:
        try:
            seeds = evaluation_seeds(seed, n_eval_episodes)
            for s_k in seeds:
                episodes.append(run_episode(env, plan, skills, s_k, goal=goal, trusted=trusted))
                emit({"event": "eval_episode", "seed": s_k, "success": episodes[-1].success, "n": len(episodes)})
                if evaluation_decided(episodes, len(seeds), stop_below):
                    break
            sim_steps += sum(e.length for e in episodes)
            summary = summarize(episodes, dt)
            for j, r in enumerate(results):
                r.success_rate = float(np.mean([len(e.sub_success) > j and e.sub_success[j] for e in episodes]))
            # the stored trajectory: a successful episode when there is one (what distillation replays)
            shown = next((e for e in episodes if e.success), episodes[0])
            acts = np.concatenate([np.asarray(log.actions, dtype=np.float32).reshape(-1, 5) for log in shown.sub_logs]
                                  + [np.zeros((0, 5), dtype=np.float32)])
            bounds = np.cumsum([len(log) for log in shown.sub_logs])
            traj = out / "trajectory.npz"
            import dataclasses
            import json

            save_trajectory(str(traj), acts, seed=shown.seed, subtask_ends=bounds, success=shown.success,
                            trajopt_config=json.dumps({**dataclasses.asdict(cfg), "eval_max_sim_steps": eval_samples}),
                            **nominals)
            artefacts["trajectory"] = str(traj)
            if video:
                arts, notes = _save_videos(env, plan, skills, episodes, out, goal=goal, trusted=trusted)
                artefacts.update(arts)
        except Exception as exc:  # noqa: BLE001
            error = f"evaluation failed: {type(exc).__name__}: {exc}"[:800]
            traceback.print_exc()
    env.close()
    judged_by = "goal" if goal is not None else "success_code"
    text = reflection_text(results, summary["success_rate"], episodes=[e.outcome() for e in episodes],
                           judged_by=judged_by, goal=goal)
    if error is None and summary["n_episodes"] < n_eval_episodes:
        text += (f"\n(evaluation stopped after {summary['n_episodes']} of {n_eval_episodes} episodes: the success "
                 f"rate could no longer reach {stop_below})")
    for note in notes:
        text += f"\n({note})"
    try:
        artefacts["curves"] = str(plot_curves(results, out / "curves.png", title=plan.task_name))
    except Exception as exc:  # noqa: BLE001 - a plot is never worth failing a job
        text += f"\n(curves not plotted: {exc})"
    if tb is not None:
        from roboskill.bridges.tensorboard import log_curves, tb_dir

        log_curves(tb, results)
        tb.close()
        artefacts["tensorboard"] = str(tb_dir(out))
    elif tb_note:
        text += f"\n({tb_note})"
    report = EvalReport(**summary, subtasks=results, reflection_text=text, wall_time_s=time.monotonic() - t0,
                        sim_time_s=sim_steps * dt, train_time_s=train_time, artefacts=artefacts, error=error,
                        judged_by=judged_by, episodes=[e.outcome() for e in episodes])
    report.artefacts["metrics"] = str(out / "metrics.json")
    write_report(report, out)
    emit({"event": "done", "success_rate": report.success_rate})
    return report


__all__ = ["NOMINAL_SIM_STEPS_PER_S", "evaluation_decided", "train_plan", "train_plan_inprocess"]
