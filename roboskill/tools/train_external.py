"""Train a skill plan on an external gymnasium env (`learn --env`), judged by the env's own success check.

Eureka's protocol: the plan's generated `compute_reward` replaces the env's reward (through
`roboskill.sim.external.GeneratedRewardEnv`), roboskill's toolbox optimises it, and only the env's
own `info["is_success"]` decides the success rate, read at the END of each evaluation episode (the
last step's flag, not "at some step"). The learner is the toolbox's sampling trajectory optimiser
(`roboskill.tools.trajopt.cem_step` / `mppi_step`) run receding-horizon over the env's save/restore
(the same protocol as `roboskill.tools.external_planner`), because it needs no observation model of
a foreign env and works within a few CPU seconds per episode.

Sub-tasks run in order from a seeded reset, sharing one ExternalState; a sub-task hands over when its
generated `is_success` holds, the last one runs until the env ends the episode (panda-gym ends it on
its own success) or its horizon is spent. Primitive and RL sub-tasks need roboskill's own scenes
(scripted motions over `World`, the `SkillEnv` observation); here they are rejected with a clear error.

Training is wall-clock budgeted (it is not the verdict); evaluation is budgeted in samples (env steps
simulated by the planner's rollouts), never seconds, so the machine's load cannot change a verdict.
Training and evaluation seeds are disjoint (`roboskill.tools.evaluate.training_seeds` / `evaluation_seeds`).

Runs inside a training worker (`Executor`, `TrainJob.env_id`): generated code is only loaded here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from roboskill.tools.evaluate import EpisodeResult
from roboskill.tools.plan import EvalReport, ReflectionPoint, SkillPlan, SubTaskResult
from roboskill.tools.runtime import StepLog

TRAIN_SHARE = 0.5          # of budget_s for training episodes; the rest is evaluation
#: Nominal planner samples (env steps incl. save/restore) per second of one core on panda-gym, only to
#: turn a caller's seconds into a sample budget once (a constant, not a measurement of this machine).
NOMINAL_SAMPLES_PER_S = 1000
SUCCESS_STREAK = 2         # training stops early after this many successful episodes in a row
VIDEO_EVERY = 2            # render every n-th env step of evaluation episode 0
VIDEO_SIZE = (320, 240)


@dataclass
class ExternalTrajopt:
    """Planner settings for external envs (smaller than SkillEnv's: foreign envs step slower)."""

    method: str = "cem"
    plan_horizon: int = 8
    population: int = 12
    elites: int = 3
    iterations: int = 2
    execute: int = 2
    init_std: float = 0.6
    min_episode_s: float = 2.0   # evaluation: at least this much nominal planning per episode (in samples)
    eval_max_sim_steps: int | None = None
    """Evaluation: planner samples per episode (None: from the evaluation budget at NOMINAL_SAMPLES_PER_S)."""


class _Functions:
    """compute_reward / is_success pair the GeneratedRewardEnv calls (loaded through the sandbox)."""

    def __init__(self, reward_code: str, success_code: str | None) -> None:
        from roboskill.tools.sandbox import load_reward_module

        self._reward = load_reward_module(reward_code, require=("compute_reward",))
        success_src = success_code or reward_code
        self._success = load_reward_module(success_src, require=("is_success",)) if "def is_success" in success_src else None

    def compute_reward(self, state: Any) -> tuple[float, dict[str, float]]:
        return self._reward.compute_reward(state)

    def is_success(self, state: Any) -> bool:
        return bool(self._success.is_success(state)) if self._success is not None else False


def make_subtask_envs(env_id: str, plan: SkillPlan, *, render: bool = False) -> list[Any]:
    """One GeneratedRewardEnv per sub-task, all over the same env and the same ExternalState."""
    from roboskill.sim.external import GeneratedRewardEnv, external_state, make_external_env

    for sub in plan.subtasks:
        if sub.learner not in ("trajopt", "rl"):
            raise ValueError(f"sub-task {sub.name!r}: learner {sub.learner!r} is not available on external env "
                             f"{env_id!r} (primitives need roboskill's own scenes); use learner 'trajopt' (or 'rl') "
                             "with reward_code and success_code")
        if sub.learner == "rl" and len(plan.subtasks) != 1:
            raise ValueError(f"sub-task {sub.name!r}: learner 'rl' on an external env trains one policy for the whole "
                             "task; give a single sub-task (or use learner 'trajopt' for a chain)")
        if not sub.reward_code:
            raise ValueError(f"sub-task {sub.name!r}: learner {sub.learner!r} needs reward_code defining compute_reward(state)")
    base = None
    if render:  # panda-gym's size keywords, then MuJoCo's (Fetch, Meta-World), then the env's default size
        for kwargs in ({"render_width": VIDEO_SIZE[0], "render_height": VIDEO_SIZE[1]},
                       {"width": VIDEO_SIZE[0], "height": VIDEO_SIZE[1]}, {}):
            try:
                base = make_external_env(env_id, render_mode="rgb_array", **kwargs)
                break
            except TypeError:
                continue
    if base is None:
        base = make_external_env(env_id)
    state = external_state(base, env_id)
    return [GeneratedRewardEnv(base, None, env_id=env_id, state=state,
                               reward_functions=_Functions(sub.reward_code or "", sub.success_code))
            for sub in plan.subtasks]


def _rollout(env: Any, root: int, actions: np.ndarray) -> float:
    """Generated return of `actions` from snapshot `root` (the external planner's protocol)."""
    from roboskill.tools.external_planner import rollout_return

    return rollout_return(env, root, actions)[0]


def run_episode(envs: list[Any], plan: SkillPlan, seed: int, cfg: ExternalTrajopt, deadline: float,
                rng: np.random.Generator, frame_hook: Callable[[Any], None] | None = None, *,
                max_samples: int | None = None) -> tuple[EpisodeResult, int]:
    """One seeded episode of receding-horizon planning over the sub-task chain; returns (episode, sim steps).

    Budget: with `max_samples` (evaluation) the planner's rollouts may simulate that many env steps over
    the episode, spread evenly over its planning calls (at least one optimiser iteration each), and
    `deadline` is ignored; without it (training) each call runs `cfg.iterations` until `deadline`,
    then the current plan is executed open loop. Success is the env's own `info["is_success"]` at the
    end of the episode (the last step's), wherever the chain stopped.
    """
    from roboskill.tools.trajopt import cem_step, mppi_step

    envs[0].reset(seed=seed)
    if frame_hook:
        frame_hook(envs[0])
    space = envs[0].action_space
    dim = int(np.prod(space.shape))
    max_steps = int(getattr(getattr(envs[0], "spec", None), "max_episode_steps", None) or 50)
    per_call = None if max_samples is None else max(1, int(max_samples) // max(1, -(-max_steps // max(1, cfg.execute))))
    ep = EpisodeResult(seed, False, [], 0.0, 0, None, [], judged_by="env")
    sim_steps, done, end_success = 0, False, False
    for i, (sub, env) in enumerate(zip(plan.subtasks, envs)):
        last = i == len(plan.subtasks) - 1
        mean = np.zeros((cfg.plan_horizon, dim))
        log = StepLog()
        sub_ok, executed = False, 0
        budget = min(sub.horizon, max_steps - ep.length)
        while executed < budget and not done:
            root = env.save_state()
            counter = [0]

            def evaluate(seq: np.ndarray, _root: int = root, _env: Any = env) -> float:
                counter[0] += len(seq)
                return _rollout(_env, _root, seq)

            std = np.full_like(mean, cfg.init_std)
            best = mean
            # training out of time: keep executing the current plan open loop
            if per_call is not None or time.monotonic() < deadline:
                best_score, it = -np.inf, 0
                while True:
                    if cfg.method == "mppi":
                        mean, std, cand, score = mppi_step(evaluate, mean, std, rng, cfg.population)
                    else:
                        mean, std, cand, score = cem_step(evaluate, mean, std, rng, cfg.population, cfg.elites)
                    if score > best_score:
                        best, best_score = cand, score
                    it += 1
                    if (counter[0] >= per_call) if per_call is not None else it >= cfg.iterations:
                        break
            sim_steps += counter[0]
            env.restore_state(root)
            env.remove_state(root)
            for a in best[:min(cfg.execute, budget - executed)]:
                _, r, terminated, truncated, info = env.step(a.astype(space.dtype))
                executed += 1
                ep.length += 1
                log.actions.append(np.asarray(a, dtype=np.float32))
                log.rewards.append(float(r))
                log.components.append(dict(info.get("reward_components") or {}))
                if frame_hook:
                    frame_hook(env)
                end_success = bool(info.get("is_success"))  # the env's own check, judged where the episode ends
                if end_success and log.success_step is None:
                    log.success_step = len(log)
                if not last and info.get("generated_is_success"):
                    sub_ok = True
                if terminated or truncated:
                    done = True
                if sub_ok or done:
                    break
            if sub_ok:
                break
            mean = np.concatenate([best[cfg.execute:], np.repeat(best[-1:], cfg.execute, axis=0)])
        if last:
            sub_ok = end_success
        ep.sub_success.append(sub_ok)
        ep.sub_logs.append(log)
        ep.ret += float(sum(log.rewards))
        if not sub_ok or done:
            break
    ep.success = end_success
    ep.success_step = ep.length if end_success else None
    return ep, sim_steps + ep.length


def _point(step: int, episodes: list[EpisodeResult], j: int, wall_s: float) -> ReflectionPoint:
    from roboskill.tools.reflection import reflection_point

    oks = [len(e.sub_success) > j and e.sub_success[j] for e in episodes]
    rets = [float(sum(e.sub_logs[j].rewards)) if len(e.sub_logs) > j else 0.0 for e in episodes]
    comps = [c for e in episodes if len(e.sub_logs) > j for c in e.sub_logs[j].components]
    point = reflection_point(step, oks, rets, comps)
    point.wall_s = wall_s
    return point


def _video(out: Path, frames: list[np.ndarray]) -> dict[str, str]:
    """rollout.mp4 + three keyframes of evaluation episode 0."""
    import imageio.v2 as imageio

    arts: dict[str, str] = {}
    if not frames:
        return arts
    video = out / "rollout.mp4"
    tmp = out / ".rollout.tmp.mp4"
    imageio.mimsave(tmp, frames, fps=10, macro_block_size=1)
    tmp.replace(video)
    arts["video"] = str(video)
    kdir = out / "keyframes"
    kdir.mkdir(exist_ok=True)
    for k, idx in enumerate(sorted({0, len(frames) // 2, len(frames) - 1})):
        path = kdir / f"frame_{k}.png"
        imageio.imwrite(path, frames[idx])
        arts[f"keyframe_{k}"] = str(path)
    arts["keyframes"] = str(kdir)
    return arts


def frame_recorder(frames: list[np.ndarray], artefacts: dict[str, str]) -> Callable[[Any], None]:
    """A per-step hook that keeps every VIDEO_EVERY-th rendered RGB frame in `frames`. A render failure (no GL
    context) stops the filming for good and is noted as `artefacts["video_error"]`: no video, same verdict."""
    count = [0]

    def hook(env: Any) -> None:
        if count[0] < 0:
            return
        if count[0] % VIDEO_EVERY == 0:
            try:
                frame = env.render()
            except Exception as exc:  # noqa: BLE001 - no GL context: no video, same verdict
                from roboskill.sim.external import one_line_reason

                count[0] = -1
                artefacts["video_error"] = one_line_reason(exc)
                return
            if frame is not None:
                frames.append(np.asarray(frame)[..., :3].astype(np.uint8))
        count[0] += 1

    return hook


def train_external_inprocess(env_id: str, plan: SkillPlan | dict[str, Any], out_dir: str | Path, *,
                             budget_s: float = 60.0, seed: int = 0, n_eval_episodes: int = 20, video: bool = True,
                             trajopt: dict[str, Any] | None = None, eval_budget_s: float | None = None,
                             stop_below: float | None = None,
                             progress: Callable[[dict[str, Any]], None] | None = None, **_: Any) -> EvalReport:
    """Optimise `plan` on external env `env_id` for about `budget_s` s, then evaluate by the env's own success.

    Evaluation: `n_eval_episodes` episodes from evaluation seeds (disjoint from the training seeds),
    each judged by the env's `info["is_success"]` at its end, each with a planner budget in samples:
    `trajopt["eval_max_sim_steps"]`, else `eval_budget_s` (default: the evaluation share of `budget_s`)
    turned into samples once at NOMINAL_SAMPLES_PER_S (at least `min_episode_s` worth per episode).
    `stop_below`: end the evaluation once the success rate cannot reach it (as in `train_plan_inprocess`).
    Never raises: an error (bad learner, reward code failing in the sandbox, env import) is in the
    report (`error`, success_rate 0), so the critic can send it back to the reward writer.
    """
    from roboskill.sim.external import one_line_reason
    from roboskill.tools.curves import plot_curves
    from roboskill.tools.evaluate import evaluation_seeds, summarize, training_seeds, write_report
    from roboskill.tools.reflection import reflection_text
    from roboskill.tools.train import evaluation_decided
    from roboskill.tools.trajopt import save_trajectory

    t0 = time.monotonic()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plan = plan if isinstance(plan, SkillPlan) else SkillPlan.model_validate(plan)
    cfg = ExternalTrajopt(**(trajopt or {}))
    emit = progress or (lambda e: None)
    rng = np.random.default_rng(seed)
    results: list[SubTaskResult] = []
    artefacts: dict[str, str] = {}
    summary: dict[str, Any] = {"success_rate": 0.0, "mean_return": 0.0, "mean_length": 0.0,
                               "time_to_success": None, "n_episodes": 0}
    error: str | None = None
    sim_steps, dt, train_time = 0, 0.04, 0.0
    envs: list[Any] = []
    evaluated: list[EpisodeResult] = []
    try:
        envs = make_subtask_envs(env_id, plan, render=video)
        frames: list[np.ndarray] = []
        dt = float(getattr(envs[0].state, "_control_dt", lambda: 0.04)())
        if needs_rl(plan, envs[0]):
            # RL fallback: the env cannot be rewound (or the plan asks for RL): SAC(+HER) on the generated reward
            envs[0].close()
            envs = []
            results, evaluated, n, train_time = _train_rl(env_id, plan, budget_s, seed, n_eval_episodes, video, frames,
                                                           artefacts, emit, t0)
            sim_steps += n
        else:
            # training: planning episodes on training seeds, for the reflection (stops early on a streak)
            train_deadline = t0 + budget_s * TRAIN_SHARE
            history: list[EpisodeResult] = []
            points: list[list[ReflectionPoint]] = [[] for _ in plan.subtasks]
            streak, k = 0, 0
            train_seeds = training_seeds(seed, 1000)
            while time.monotonic() < train_deadline and streak < SUCCESS_STREAK:
                ep, n = run_episode(envs, plan, train_seeds[k % len(train_seeds)], cfg, train_deadline, rng)
                sim_steps += n
                history.append(ep)
                streak = streak + 1 if ep.success else 0
                k += 1
                for j in range(len(plan.subtasks)):
                    points[j].append(_point(sim_steps, history[-3:], j, time.monotonic() - t0))
                emit({"event": "external_episode", "episode": k, "success": ep.success})
            train_time = time.monotonic() - t0
            results = [SubTaskResult(name=s.name, learner=s.learner, success_rate=p[-1].success_rate if p else 0.0,
                                     reflection=p) for s, p in zip(plan.subtasks, points)]
            # evaluation: fresh seeded episodes, each with a sample budget (never seconds: load cannot move a verdict)
            eval_samples = eval_sample_budget(cfg, budget_s, eval_budget_s, n_eval_episodes)
            for e, eval_seed in enumerate(evaluation_seeds(seed, n_eval_episodes)):
                hook = frame_recorder(frames, artefacts) if video and e == 0 else None
                ep, n = run_episode(envs, plan, eval_seed, cfg, float("inf"), rng, hook, max_samples=eval_samples)
                sim_steps += n
                evaluated.append(ep)
                if evaluation_decided(evaluated, n_eval_episodes, stop_below):
                    break
        summary = summarize(evaluated, dt)
        for j, r in enumerate(results):
            r.success_rate = float(np.mean([len(e.sub_success) > j and e.sub_success[j] for e in evaluated]))
        ep0 = evaluated[0]
        traj = out / "trajectory.npz"
        actions = [a for log in ep0.sub_logs for a in log.actions]
        save_trajectory(str(traj), np.array(actions, dtype=np.float32).reshape(len(actions), -1), seed=ep0.seed,
                        subtask_ends=np.cumsum([len(log) for log in ep0.sub_logs]), success=ep0.success, env_id=env_id)
        artefacts["trajectory"] = str(traj)
        if video:
            artefacts.update(_video(out, frames))
    except Exception as exc:  # noqa: BLE001 - reported to the critic, never fatal to the caller
        error = f"{type(exc).__name__}: {exc}"[:800]
        if not results:
            results = [SubTaskResult(name=plan.subtasks[0].name, learner=plan.subtasks[0].learner, success_rate=0.0,
                                     reflection=[], error=error)]
    finally:
        if envs:
            envs[0].close()
    text = (f"external env {env_id}: success judged by the env's own info['is_success'] (Meta-World: info['success']) "
            "at the end of each of "
            f"{summary['n_episodes']} evaluation episodes\n") + reflection_text(results, summary["success_rate"])
    try:
        artefacts["curves"] = str(plot_curves(results, out / "curves.png", title=f"{plan.task_name} ({env_id})"))
    except Exception as exc:  # noqa: BLE001 - a plot is never worth failing a job
        text += f"\n(curves not plotted: {exc})"
    report = EvalReport(**summary, subtasks=results, reflection_text=text, wall_time_s=time.monotonic() - t0,
                        sim_time_s=sim_steps * dt, train_time_s=train_time, artefacts=artefacts,
                        error=error, judged_by="env", episodes=[e.outcome() for e in evaluated])
    report.artefacts["metrics"] = str(out / "metrics.json")
    write_report(report, out)
    emit({"event": "done", "success_rate": report.success_rate})
    return report


def needs_rl(plan: SkillPlan, env: Any) -> bool:
    """RL instead of trajectory optimisation: the plan asks for it, or the env cannot be rewound."""
    if any(s.learner == "rl" for s in plan.subtasks):
        return True
    return not bool(getattr(env, "supports_snapshots", lambda: True)())


def _train_rl(env_id: str, plan: SkillPlan, budget_s: float, seed: int, n_eval: int, video: bool,
              frames: list[np.ndarray], artefacts: dict[str, str], emit: Callable[[dict[str, Any]], None],
              t0: float) -> tuple[list[SubTaskResult], list[EpisodeResult], int, float]:
    """SAC(+HER) on the plan's (single) generated reward for the training share of `budget_s`, then seeded
    evaluation episodes judged by the env's own flag (see `roboskill.tools.train_external_rl`)."""
    from roboskill.sim.external import one_line_reason
    from roboskill.tools.evaluate import evaluation_seeds
    from roboskill.tools.train_external_rl import evaluate_rl, make_rl_env, train_sac

    if len(plan.subtasks) != 1:
        raise ValueError(f"{env_id} cannot be rewound, so it is learned by RL, which trains one policy for the whole "
                         f"task: give a single sub-task (this plan has {len(plan.subtasks)})")
    sub = plan.subtasks[0]
    env = make_rl_env(env_id, sub.reward_code or "", sub.success_code, render=video)
    try:
        model, info = train_sac(env, max(1.0, budget_s * TRAIN_SHARE), seed)
        train_time = time.monotonic() - t0
        emit({"event": "external_rl", **info})

        hook = frame_recorder(frames, artefacts) if video else None
        evaluated = evaluate_rl(model, env, evaluation_seeds(seed, n_eval), hook)
    finally:
        env.close()
    rate = float(np.mean([e.success for e in evaluated])) if evaluated else 0.0
    result = SubTaskResult(name=sub.name, learner="rl", success_rate=rate, reflection=[
        _point(info["env_steps"], evaluated, 0, time.monotonic() - t0)])
    artefacts["learner"] = info["algorithm"]
    return [result], evaluated, info["env_steps"] + sum(e.length for e in evaluated), train_time


def eval_sample_budget(cfg: ExternalTrajopt, budget_s: float, eval_budget_s: float | None, n_episodes: int) -> int:
    """Planner samples per evaluation episode: `cfg.eval_max_sim_steps`, else the evaluation seconds
    (`eval_budget_s`, default the evaluation share of `budget_s`) at NOMINAL_SAMPLES_PER_S, split over
    the episodes, at least `cfg.min_episode_s` worth each. A function of the settings only."""
    if cfg.eval_max_sim_steps is not None:
        return max(1, int(cfg.eval_max_sim_steps))
    eval_s = eval_budget_s if eval_budget_s is not None else budget_s * (1.0 - TRAIN_SHARE)
    return int(max(cfg.min_episode_s, eval_s / max(1, n_episodes)) * NOMINAL_SAMPLES_PER_S)


def describe_external(env_id: str) -> dict[str, Any]:
    """Prompt context of an external env: `ExternalState.describe()` after a seeded reset, plus the state doc.

    Run it in a worker (`Executor.map_fn`): it imports the env's module and starts its simulator. An env
    that cannot be made or described gives {"error": one-line reason} (no traceback crosses the worker).
    Meta-World's view is calibrated on one zero-action step (which of object / gripper its success
    measures) and the result says whether the env can be rewound (`snapshots`: trajectory optimisation)
    or needs RL.
    """
    from roboskill.sim.external import GeneratedRewardEnv, external_state, external_state_doc, make_external_env
    from roboskill.sim.external import one_line_reason

    env = None
    try:
        env = make_external_env(env_id)
        obs, _ = env.reset(seed=0)
        state = external_state(env, env_id)
        state.on_reset(obs)
        if hasattr(state, "calibrate"):
            probe = GeneratedRewardEnv(env, None, env_id=env_id, state=state)
            sid = probe.save_state()
            _, _, _, _, step_info = env.step(np.zeros(env.action_space.shape, dtype=env.action_space.dtype))
            state.calibrate(step_info)
            probe.restore_state(sid)
        info = state.describe()
        info.setdefault("env_id", env_id)
        info.setdefault("gripper", "not exposed by this env")
        info["max_episode_steps"] = int(getattr(env.spec, "max_episode_steps", None) or 50)
        info["state_kind"] = type(state).__name__
        info["snapshots"] = GeneratedRewardEnv(env, None, env_id=env_id, state=state).supports_snapshots()
        return {"describe": info, "state_doc": external_state_doc(type(state))}
    except Exception as exc:  # noqa: BLE001 - shown to the user and the critic as one line
        return {"error": one_line_reason(exc)}
    finally:
        if env is not None:
            env.close()


def dry_run_external(args: tuple[str, dict[str, Any], int]) -> list[dict[str, Any]]:
    """Load every sub-task's code on the external env and take `steps` random actions with it.

    Returns [{subtask, field, line, message}] (empty: the plan may be trained) so a misspelt object
    name or a crashing reward goes back to the writer before a training budget is spent. Worker only.
    """
    from roboskill.tools.sandbox import SandboxError

    env_id, plan_dict, steps = args
    try:
        plan = SkillPlan.model_validate(plan_dict)
        envs = make_subtask_envs(env_id, plan)
    except SandboxError as exc:
        return [{"subtask": "?", "field": "reward_code", "line": exc.line, "message": f"load: {exc}"}]
    except ValueError as exc:
        return [{"subtask": "?", "field": None, "line": None, "message": str(exc)}]
    errors: list[dict[str, Any]] = []
    rng = np.random.default_rng(0)
    try:
        envs[0].reset(seed=0)
        for sub, env in zip(plan.subtasks, envs):
            try:
                for _ in range(steps):
                    _, _, terminated, truncated, info = env.step(rng.uniform(-1, 1, env.action_space.shape).astype(
                        env.action_space.dtype))
                    if "generated_success_error" in info:
                        errors.append({"subtask": sub.name, "field": "success_code", "line": None,
                                       "message": f"dry run: {info['generated_success_error']}"})
                        break
                    if terminated or truncated:
                        envs[0].reset(seed=0)
            except Exception as exc:  # noqa: BLE001 - SandboxError, StateError (unknown name), bad return values
                errors.append({"subtask": sub.name, "field": "reward_code", "line": getattr(exc, "line", None),
                               "message": f"dry run: {type(exc).__name__}: {exc}"})
    finally:
        envs[0].close()
    return errors


__all__ = ["NOMINAL_SAMPLES_PER_S", "ExternalTrajopt", "describe_external", "dry_run_external", "eval_sample_budget",
           "make_subtask_envs", "run_episode", "train_external_inprocess"]
