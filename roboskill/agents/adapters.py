"""The real tools behind `Deps`: scene validation, code checks, training, pictures, the catalog.

Why a thin adapter module: the graph speaks plain dicts (checkpointable state), the tools layers
speak their own pydantic models. Converting here keeps both sides honest and lets the graph be
tested without PyBullet. Agents never touch PyBullet themselves; every call below goes to a tool.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from roboskill.agents.deps import ARTICULATED_KINDS, TrainRequest


# --------------------------------------------------------------------------- scene
# Scene dicts here are SceneSpec dumps from the graph state. A dump always carries `size_convention`; one
# without it comes from a checkpoint written before sizes were full extents (`stored_spec_data` marks it).
def validate_scene(scene: dict[str, Any], goal: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Problems in a scene spec as [{object, code, message, fix}] (empty: buildable and fit for the goal).

    With the task's goal: the scene must contain every object the goal names (name and category), and
    its randomised starts must neither already satisfy the goal nor drop objects off the table.
    """
    from pydantic import ValidationError

    from roboskill.sim import goals
    from roboskill.sim.spec import SceneSpec, stored_spec_data
    from roboskill.sim.validation import validate_scene as validate

    try:
        spec = SceneSpec.model_validate(stored_spec_data(scene))
    except ValidationError as exc:  # schema problems go back to the designer like any other
        return [{"object": None, "code": "schema", "message": str(exc)[:1000], "fix": "follow the SceneSpec schema"}]
    goal_model = goals.Goal.model_validate(goal) if goal else None
    if goal_model is not None:
        missing = goals.scene_errors(goal_model, spec)
        if missing:
            return [{"object": None, "code": "goal", "message": m, "fix": "the goal is fixed: change the scene"} for m in missing]
    problems = [p.model_dump(include={"object", "code", "message", "fix"})
                for p in validate(spec, goal=goal_model).errors]
    if problems or goal_model is None:
        return problems
    return [{"object": None, "code": "goal_start", "message": m, "fix": "the goal is fixed: change the scene's starts"}
            for m in goals.start_errors(goal_model, spec)]


def scene_names(scene: dict[str, Any]) -> dict[str, Any] | None:
    """Every name generated code may use in the scene, with sizes, start positions and joint ranges (compact dump
    of `roboskill.sim.names.SceneNames`), read off the scene built as written (no start randomisation).

    Called once per validated scene, so the reward writer is told the names instead of guessing them. None when
    the scene cannot be built here (validation reports that; the names are a help, never a gate).
    """
    from roboskill.sim.builder import build_scene
    from roboskill.sim.names import scene_names as names_of
    from roboskill.sim.spec import SceneSpec, stored_spec_data

    try:
        world = build_scene(SceneSpec.model_validate(stored_spec_data(scene)), validate=False, nominal=True)
    except Exception:  # noqa: BLE001 - see the docstring
        return None
    try:
        return names_of(world).compact()
    finally:
        world.close()


def scene_picture(scene: dict[str, Any], path: Path) -> str | None:
    """Render the scene once to a PNG (for the chat review)."""
    from roboskill.sim import render
    from roboskill.sim.builder import build_scene
    from roboskill.sim.spec import SceneSpec, stored_spec_data

    spec = SceneSpec.model_validate(stored_spec_data(scene))
    world = build_scene(spec, validate=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        render.render_png(world, path, 480, 360)
    finally:
        world.close()
    return str(path)


def catalog() -> list[dict[str, Any]]:
    """The asset catalog as [{name, kind, tags, size}] for prompts (sizes measured once, then cached on disk)."""
    from roboskill.sim.catalog import get_catalog

    cat = get_catalog()
    cat.measure()  # every non-random entry not measured yet; sizes are cached by the catalog
    return [{"name": e.name, "kind": e.kind, "tags": list(e.tags),
             "size": [round(float(v), 3) for v in e.size] if e.size else None}
            for e in cat.find(None)]


def articulated_kinds() -> list[str]:
    return list(ARTICULATED_KINDS)


# --------------------------------------------------------------------------- code
_NEEDS_REWARD = {"trajopt", "rl"}


def check_plan_code(plan: dict[str, Any], scene: dict[str, Any] | None = None, dry_run_steps: int = 10) -> list[dict[str, Any]]:
    """Sandbox AST checks of every sub-task's code: [{subtask, line, message}] (empty: may be trained).

    Structure problems (a trajopt sub-task without reward code, a primitive sub-task without a
    primitive) are reported the same way, since the writer fixes both from the same message. With a
    scene, code that passes the AST check is also dry-run in a sandbox process (`dry_run_steps` steps),
    so a misspelt object name comes back to the writer instead of wasting a training budget.
    """
    from roboskill.tools.sandbox import check_code

    errors: list[dict[str, Any]] = []
    for sub in plan.get("subtasks") or []:
        name = sub.get("name", "?")
        learner = sub.get("learner", "primitive")
        if learner in _NEEDS_REWARD and not sub.get("reward_code"):
            errors.append({"subtask": name, "line": None, "message": f"learner {learner!r} needs reward_code defining compute_reward(state)"})
        if learner == "primitive" and not sub.get("primitive"):
            errors.append({"subtask": name, "line": None, "message": "learner 'primitive' needs a primitive {name, args}"})
        if learner == "skill":
            if not isinstance(sub.get("skill"), dict) or not (sub.get("skill") or {}).get("resolved"):
                errors.append({"subtask": name, "line": None, "message": "learner 'skill' needs `skill`: {name, bind} "
                               "naming one of `reusable_skills`"})
            continue  # a reused skill brings its own, already checked, code
        if not sub.get("success_code"):
            errors.append({"subtask": name, "line": None, "message": "every primitive / trajopt / rl sub-task needs "
                           "success_code defining is_success(state)"})
        static_ok = True
        for field, fn in (("reward_code", "compute_reward"), ("success_code", "is_success")):
            src = sub.get(field)
            if src:
                for issue in check_code(src, require=(fn,)):
                    static_ok = False
                    errors.append({"subtask": name, "field": field, "line": issue.line, "message": issue.message})
        if static_ok and scene is not None and dry_run_steps > 0:
            errors.extend(_dry_run_subtask(sub, scene, dry_run_steps))
    return errors


def _dry_run_subtask(sub: dict[str, Any], scene: dict[str, Any], steps: int) -> list[dict[str, Any]]:
    """Run the sub-task's code against the built scene in a sandbox process (catches wrong names, NaNs...)."""
    from roboskill.sim.spec import stored_spec_data
    from roboskill.tools.sandbox import dry_run

    scene = stored_spec_data(scene)
    reward, success = sub.get("reward_code"), sub.get("success_code")
    source, success_source = (reward, success) if reward else (success, None)
    if not source:
        return []
    require = ("compute_reward",) if reward else ("is_success",)
    report = dry_run(source, scene, steps, success_source=success_source, require=require)
    if report.ok or report.stage == "scene":  # a scene that fails to build is validate_scene's to report
        return []
    field = "success_code" if (report.error_field == "success_source" or not reward) else "reward_code"
    return [{"subtask": sub.get("name", "?"), "field": field, "line": report.error_line,
             "message": f"dry run ({report.stage}): {report.error}"}]


# --------------------------------------------------------------------------- training
STOP_AT_SUCCESS = 0.9
def train_options(request: TrainRequest) -> dict[str, Any]:
    """What a TrainRequest forwards to `train_plan_inprocess`: the acceptance bar and the task's fixed goal."""
    options: dict[str, Any] = {}
    if request.stop_below is not None:
        options["stop_below"] = request.stop_below
    if request.goal is not None:
        options["goal"] = request.goal
    return options


def executor_trainer(settings: Any) -> Callable[..., list[dict[str, Any]]]:
    """A trainer over `roboskill.tools.executor.Executor` (local process pool or Ray)."""

    def train(requests: list[TrainRequest], progress: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
        from roboskill.sim.spec import SceneSpec, stored_spec_data
        from roboskill.tools.executor import Executor, JobFailure, TrainJob
        from roboskill.tools.plan import SkillPlan

        jobs = [
            TrainJob(spec=SceneSpec.model_validate(stored_spec_data(r.scene)), plan=SkillPlan.model_validate(r.plan), out_dir=str(r.out_dir),
                     budget_s=r.budget_s, seed=r.seed, n_eval_episodes=r.n_eval_episodes, env_id=r.env_id,
                     options=train_options(r) | ({"tensorboard": True} if getattr(settings, "tensorboard", False)
                                                 and not r.env_id else {}))
            for r in requests
        ]
        executor = Executor(settings=settings.executor)
        try:
            # K candidates compete for one task: once one succeeds in (nearly) every evaluation episode the
            # others cannot change the outcome, so they are cancelled instead of finishing their budgets
            results = executor.map(jobs, stop_at_success=STOP_AT_SUCCESS)
        finally:
            executor.close()
        out = [{"error": f"{res.kind}: {res.error}", "success_rate": 0.0} if isinstance(res, JobFailure)
               else res.model_dump(mode="json") for res in results]
        if progress:
            progress({"done": len(out), "total": len(out)})
        return out

    return train


# --------------------------------------------------------------------------- external envs (`learn --env`)
EXTERNAL_TIMEOUT_S = 120.0


def _in_worker(settings: Any, fn: Callable[[Any], Any], arg: Any) -> Any:
    """Run a tools function in one isolated executor worker (the agent process never starts a simulator)."""
    from roboskill.tools.executor import Executor, JobFailure

    executor = Executor("local", workers=1, job_memory_mb=settings.executor.job_memory_mb)
    try:
        (result,) = executor.map_fn(fn, [arg], timeout_s=EXTERNAL_TIMEOUT_S)
    finally:
        executor.close()
    if isinstance(result, JobFailure):
        raise RuntimeError(f"{result.kind}: {result.error}")
    return result


def external_describer(settings: Any) -> Callable[[str], dict[str, Any]]:
    """describe_env(env_id) -> {"describe": ExternalState.describe() + extras, "state_doc": str}."""

    def describe(env_id: str) -> dict[str, Any]:
        from roboskill.tools.train_external import describe_external

        out = _in_worker(settings, describe_external, env_id)
        if isinstance(out, dict) and out.get("error"):
            raise RuntimeError(out["error"])  # one line, no traceback (describe_external caught it)
        return out

    return describe


def external_code_checker(settings: Any, dry_run_steps: int = 10) -> Callable[[dict[str, Any], str], list[dict[str, Any]]]:
    """check_external_code(plan, env_id): static sandbox checks, then a dry run on the external env."""

    def check(plan: dict[str, Any], env_id: str) -> list[dict[str, Any]]:
        from roboskill.tools.train_external import dry_run_external

        errors = check_plan_code(plan, None)
        if errors or dry_run_steps <= 0:
            return errors
        return _in_worker(settings, dry_run_external, (env_id, plan, dry_run_steps))

    return check
