"""The agent loop as a LangGraph StateGraph.

Read `build_graph` top to bottom: it is the plan.

    start_task ─▶ propose ─▶ check_novelty ─▶ set_goal ─▶ design_scene ─▶ validate_scene ─▶ write_rewards ─▶ check_code
        ▲            ▲   (not novel)  │      │ (refused)      ▲  (errors)      │                ▲ (errors)      │
        │            └────────────────┘      ▼                └────────────────┘                └───────────────┤
        │                                                                        [chat: prepare_review ─▶ review]
        │                                                                                            ▼
    next_task ◀─ accept ◀─ critique ◀─ train ◀─────────────────────────────────────────────────────────┘
        ▲           refine_reward → write_rewards · refine_scene → design_scene · decompose → write_rewards
        └──────── give_up ◀─ (critic gives up, iterations/repairs/budget exhausted, a step failed)

    `set_goal` fixes the task's Goal (sim/goals) before any scene exists, or refuses a task the simulator
    cannot represent (→ give_up with the refusal). From then on only a person's chat edit changes it;
    the scene must contain what it names and every evaluation episode is judged by it.

    `learn --env ENV_ID`: start_task ─▶ describe_env ─▶ write_rewards (no scene designer; the env's own
    objects, goal and state API go to the reward writer; refine_scene → write_rewards).

Nodes are plain functions `node(state, deps) -> update`; `_wrap` adds the tracing span, the live
view update and turns `StepFailed` into a recorded `failure_reason` (the router then sends the task
to `give_up`). Every routing decision is also a trace event. Writes to memory are idempotent on
(run_id, task_id), so a node re-executed after a crash never duplicates a skill.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from roboskill.agents import critic, curator, goal_writer, proposer, reward_writer, scene_designer
from roboskill.agents.deps import Deps, TrainRequest
from roboskill.agents.llm import StepFailed, Usage
from roboskill.agents.schemas import Critique, TaskProposal
from roboskill.agents.state import GraphState, fresh_task_fields

Update = dict[str, Any]


# --------------------------------------------------------------------------- helpers
def _add_usage(state: GraphState, usage: Usage) -> dict[str, Any]:
    tokens = dict(state.get("tokens") or {})
    return {
        "input": int(tokens.get("input", 0)) + usage.input_tokens,
        "output": int(tokens.get("output", 0)) + usage.output_tokens,
        "total": int(tokens.get("total", 0)) + usage.total_tokens,
        "cost_usd": round(float(tokens.get("cost_usd", 0.0)) + usage.cost_usd, 6),
        "calls": int(tokens.get("calls", 0)) + usage.calls,
    }


def _decision(deps: Deps, state: GraphState, name: str, **attrs: Any) -> None:
    deps.tracer.event("decision", name, task_id=state.get("task_id"), iteration=state.get("iteration"), **attrs)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _failure(state: GraphState, reason: str, usage: Usage | None = None) -> Update:
    update: Update = {"failure_reason": reason}
    if usage is not None:
        update["tokens"] = _add_usage(state, usage)
    return update


def budget_exhausted(deps: Deps, state: GraphState) -> str | None:
    """Why the run must stop now (None when budgets allow another step)."""
    b = deps.budgets
    if deps.deadline is not None and time.monotonic() >= deps.deadline:
        return f"wall-clock budget of {b.wall_clock_s:.0f}s reached"
    if b.max_tokens is not None and int((state.get("tokens") or {}).get("total", 0)) >= b.max_tokens:
        return f"token budget of {b.max_tokens} reached"
    return None


def _max_tasks(deps: Deps, state: GraphState) -> int:
    return 1 if state.get("mode") == "learn" else deps.budgets.max_tasks


# --------------------------------------------------------------------------- nodes
def start_task(state: GraphState, deps: Deps) -> Update:
    """Open a new task slot, or stop when the task / time / token budget is spent."""
    if int(state.get("tasks_done") or 0) >= _max_tasks(deps, state):
        return {"stop_reason": f"finished {state.get('tasks_done')} task(s)"}
    reason = budget_exhausted(deps, state)
    if reason:
        return {"stop_reason": reason}
    update: Update = {**fresh_task_fields(), "tasks_started": int(state.get("tasks_started") or 0) + 1}
    if state.get("mode") == "learn" and state.get("given_task"):
        proposal = proposer.proposal_from_instruction(state["given_task"])
        update["proposal"] = proposal.model_dump()
        update["task_id"] = f"t{update['tasks_started']:03d}_{proposal.name}"
    deps.tracer.event("task", "start", slot=update["tasks_started"], task_id=update.get("task_id"))
    return update


def propose(state: GraphState, deps: Deps) -> Update:
    result = proposer.propose(deps, state)
    return {
        "proposal": result.value.model_dump(),
        "proposal_attempt": int(state.get("proposal_attempt") or 0) + 1,
        "tokens": _add_usage(state, result.usage),
    }


def check_novelty(state: GraphState, deps: Deps) -> Update:
    proposal = TaskProposal.model_validate(state["proposal"])
    verdict = deps.library.is_novel(proposal.description)
    nearest = [(n, round(float(s), 3)) for n, s in (verdict.nearest or [])][:3]
    _decision(deps, state, "novelty", novel=bool(verdict.novel), nearest=nearest, proposal=proposal.name)
    if verdict.novel:
        return {"novelty_feedback": None, "task_id": f"t{int(state.get('tasks_started') or 1):03d}_{proposal.name}"}
    feedback = (
        f"'{proposal.description}' is too similar to learned skill(s) "
        + ", ".join(f"{n} (similarity {s})" for n, s in nearest)
        + "; propose a clearly different task"
    )
    update: Update = {"novelty_feedback": feedback}
    if int(state.get("proposal_attempt") or 0) >= deps.max_novelty_attempts:
        update["failure_reason"] = f"no novel task after {state.get('proposal_attempt')} proposals: {feedback}"
        update["task_id"] = f"t{int(state.get('tasks_started') or 1):03d}_{proposal.name}"
    return update


def set_goal(state: GraphState, deps: Deps) -> Update:
    """Fix the task's goal once (or record the refusal): nothing after this node may change it."""
    result = goal_writer.write_goal(deps, state)
    answer = result.value
    tokens = _add_usage(state, result.usage)
    if answer.refusal is not None:
        reason = f"refused: {answer.refusal.reason}"
        if answer.refusal.unsupported:
            reason += f" (unsupported: {', '.join(answer.refusal.unsupported)})"
        _decision(deps, state, "goal", refused=True, reason=reason)
        return {"refusal": answer.refusal.model_dump(), "failure_reason": reason, "tokens": tokens}
    goal = answer.goal
    assert goal is not None
    _decision(deps, state, "goal", refused=False, goal=goal.model_dump(mode="json"), summary=goal.describe())
    task_dir = deps.run_dir / "tasks" / str(state.get("task_id"))
    _atomic_write(task_dir / "goal.json", goal.model_dump_json(indent=2))
    return {"goal": goal.model_dump(mode="json"), "tokens": tokens}


def external_scene(env_id: str) -> dict[str, Any]:
    """The SceneSpec recorded for a skill learned on an external env: empty, named after the env.

    Why a placeholder rather than no scene: SkillRecord, run views and the critic keep one shape for
    both kinds of task; the env id itself travels in `state["env_id"]`, the TrainJob and the record's metrics.
    """
    slug = "".join(c if c.isalnum() else "_" for c in env_id.lower()).strip("_")[:60] or "external_env"
    return {"name": slug, "description": f"external gymnasium env {env_id} (learn --env)", "table": False, "objects": []}


def describe_env(state: GraphState, deps: Deps) -> Update:
    """`learn --env`: no scene designer; read the env's objects, goal and state API for the reward writer."""
    env_id = str(state.get("env_id"))
    try:
        info = deps.describe_env(env_id)
    except Exception as exc:  # noqa: BLE001 - e.g. the module does not import: the task fails with the reason
        _decision(deps, state, "describe_env", ok=False, env_id=env_id, error=str(exc)[:500])
        return _failure(state, f"external env {env_id} could not be described: {exc}")
    _decision(deps, state, "describe_env", ok=True, env_id=env_id, describe=info.get("describe"))
    return {"scene": external_scene(env_id), "scene_errors": [], "external": info}


def design_scene(state: GraphState, deps: Deps) -> Update:
    result = scene_designer.design_scene(deps, state)
    return {"scene": result.value.scene.model_dump(mode="json"), "scene_errors": [], "scene_names": None,
            "tokens": _add_usage(state, result.usage)}


def _scene_names(deps: Deps, scene: dict[str, Any] | None) -> dict[str, Any] | None:
    """The names generated code may use in `scene` (see `roboskill.sim.names`); None when unknown."""
    if not scene:
        return None
    try:
        return deps.scene_names(scene)
    except Exception as exc:  # noqa: BLE001 - the names help the writer; without them it still has the scene
        deps.tracer.event("tool", "scene_names", error=str(exc)[:500])
        return None


def validate_scene(state: GraphState, deps: Deps) -> Update:
    errors = deps.validate_scene(state["scene"], state.get("goal"))
    _decision(deps, state, "validate_scene", ok=not errors, n_errors=len(errors))
    if not errors:  # measured once per valid scene: every writer call and code check of this scene reads them
        return {"scene_errors": [], "scene_names": _scene_names(deps, state["scene"])}
    repairs = int(state.get("scene_repairs") or 0) + 1
    update: Update = {"scene_errors": errors, "scene_repairs": repairs}
    if repairs > deps.budgets.max_repairs_per_step:
        update["failure_reason"] = (
            f"scene still invalid after {repairs - 1} repairs: " + "; ".join(e.get("message", str(e)) for e in errors[:3])
        )
    return update


def write_rewards(state: GraphState, deps: Deps) -> Update:
    extra: Update = {}
    if not state.get("env_id") and state.get("scene_names") is None:  # a checkpoint from before names were kept
        names = _scene_names(deps, state.get("scene"))
        if names is not None:
            extra["scene_names"] = names
            state = {**state, "scene_names": names}  # type: ignore[assignment]
    result = reward_writer.write_rewards(deps, state)
    return {
        "candidates": [c.model_dump(mode="json") for c in result.value.candidates],
        "code_errors": [],
        "tokens": _add_usage(state, result.usage),
        **extra,
    }


def check_code(state: GraphState, deps: Deps) -> Update:
    """Name check (cheap, static, lists the valid names), then the sandbox checks and dry run of every candidate."""
    from roboskill.sim.names import plan_name_errors

    from roboskill.agents.reuse import resolve_plan

    errors: list[dict[str, Any]] = []
    env_id = state.get("env_id")
    names = None if env_id else state.get("scene_names")
    candidates = list(state.get("candidates") or [])
    for i, plan in enumerate(candidates):
        plan, found = resolve_plan(plan, deps.library, state.get("scene"), names)  # reused library skills
        candidates[i] = plan
        if not found:
            found = plan_name_errors(plan, names) if names else []
        if not found:  # a misspelt name would only fail the dry run again, after a sandbox process was spent
            found = deps.check_external_code(plan, env_id) if env_id else deps.check_plan_code(plan, state["scene"])
        errors.extend({"candidate": i, **err} for err in found)
    _decision(deps, state, "check_code", ok=not errors, n_errors=len(errors))
    if not errors:
        return {"code_errors": [], "candidates": candidates}
    repairs = int(state.get("code_repairs") or 0) + 1
    update: Update = {"code_errors": errors, "code_repairs": repairs}
    if repairs > deps.budgets.max_repairs_per_step:
        update["failure_reason"] = (
            f"reward code still rejected after {repairs - 1} repairs: "
            + "; ".join(f"candidate {e['candidate']} {e.get('subtask', '')} line {e.get('line')}: {e.get('message')}" for e in errors[:3])
        )
    return update


def prepare_review(state: GraphState, deps: Deps) -> Update:
    """Chat mode: render the scene picture once, before the (re-executable) interrupt."""
    path = deps.run_dir / "tasks" / str(state.get("task_id")) / "scene.png"
    try:
        picture = deps.scene_picture(state["scene"], path)
    except Exception as exc:  # noqa: BLE001 - a picture is a convenience; say why it is missing
        picture = None
        deps.tracer.event("tool", "scene_picture", error=str(exc))
    return {"scene_picture": picture, "review": None}


def review(state: GraphState, deps: Deps) -> Update:
    """Chat mode: wait for the person (LangGraph interrupt): approve / edit / reject / free text."""
    answer = interrupt({
        "kind": "proposal",
        "task_id": state.get("task_id"),
        "proposal": state.get("proposal"),
        "scene_picture": state.get("scene_picture"),
        "plan": (state.get("candidates") or [None])[0],
        "n_candidates": len(state.get("candidates") or []),
        "directives": state.get("directives") or [],
        "chat_reply": state.get("chat_reply"),
    })
    if not isinstance(answer, dict):
        answer = {"action": "message", "text": str(answer)}
    action = answer.get("action")
    text = str(answer.get("text") or "").strip()
    _decision(deps, state, "review", action=action, text=text)
    if action == "approve":
        return {"review": {"action": "approve"}, "chat_reply": None}
    if action == "edit":
        proposal = dict(state.get("proposal") or {})
        proposal["description"] = text or proposal.get("description", "")
        return {"review": {"action": "edit", "text": text}, "proposal": proposal, "scene": None, "goal": None,
                "scene_errors": [], "scene_repairs": 0, "candidates": [], "code_repairs": 0, "chat_reply": None}
    if action == "reject":
        proposal = state.get("proposal") or {}
        rejected = [*(state.get("rejected") or []), {"name": proposal.get("name"), "description": proposal.get("description"),
                                                      "reason": text or "rejected by the user"}]
        keep = {"tasks_started": state.get("tasks_started")}
        return {**fresh_task_fields(), **keep, "rejected": rejected, "review": {"action": "reject", "text": text},
                "chat_reply": None}
    # free text: the curator turns it into directives; then the same proposal is shown again
    with deps.tracer.span("node", "curator", run_id=state.get("run_id"), task_id=state.get("task_id")) as span:
        try:
            result = curator.curate(deps, text, list(state.get("directives") or []), state.get("proposal"))
        except StepFailed as exc:
            span.set("output", {"error": exc.reason})
            return {"chat_reply": f"(the curator could not answer: {exc.reason})", "review": {"action": "message", "text": text}}
        directives = curator.merge_directives(list(state.get("directives") or []), result.value.directives)
        span.set("output", {"directives": directives, "reply": result.value.reply})
    deps.tracer.event("decision", "directives", directives=directives, message=text, reply=result.value.reply)
    return {"directives": directives, "chat_reply": result.value.reply or "noted",
            "review": {"action": "message", "text": text}, "tokens": _add_usage(state, result.usage)}


def _write_candidate_files(out_dir: Path, plan: dict[str, Any]) -> None:
    _atomic_write(out_dir / "plan.json", json.dumps(plan, indent=2))
    for sub in plan.get("subtasks") or []:
        reward, success = sub.get("reward_code") or "", sub.get("success_code") or ""
        # writers often return one module holding both functions as reward and success code: write it once
        code = reward if success.strip() in reward else "\n\n".join(c for c in (reward, success) if c)
        if code:
            _atomic_write(out_dir / f"reward_{sub.get('name', 'subtask')}.py", code)


def train(state: GraphState, deps: Deps) -> Update:
    """Train the K candidates (in parallel inside the trainer) and collect their EvalReports."""
    b = deps.budgets
    iteration = int(state.get("iteration") or 0)
    task_dir = deps.run_dir / "tasks" / str(state.get("task_id"))
    _atomic_write(task_dir / f"iter_{iteration}" / "scene.json", json.dumps(state.get("scene") or {}, indent=2))
    requests = []
    for i, plan in enumerate(state.get("candidates") or []):
        out = task_dir / f"iter_{iteration}" / f"cand_{i}"
        _write_candidate_files(out, plan)
        requests.append(TrainRequest(index=i, scene=state.get("scene") or {}, plan=plan, out_dir=out,
                                     budget_s=b.train_budget_s, seed=deps.settings.seed + 1000 * iteration + i,
                                     n_eval_episodes=b.eval_episodes, env_id=state.get("env_id"),
                                     stop_below=deps.accept_min_success, goal=state.get("goal")))
    deps.progress(event="train_start", n=len(requests), budget_s=b.train_budget_s)
    with deps.tracer.span("tool", "train", n_candidates=len(requests), budget_s=b.train_budget_s) as span:
        try:
            reports = deps.trainer(requests, lambda info: deps.progress(event="train_progress", **info))
        except Exception as exc:  # noqa: BLE001 - the executor failing is one failed iteration, not a crash
            reports = [{"error": f"training failed: {type(exc).__name__}: {exc}"} for _ in requests]
        span.set("output", [{"success_rate": r.get("success_rate"), "error": r.get("error")} for r in reports])
    deps.progress(event="train_end")
    return {"reports": reports}


def acceptance_problem(report: dict[str, Any], deps: Deps, state: GraphState) -> str | None:
    """Why a candidate's evaluation cannot be accepted (None when it can). The bar never moves.

    Accepting needs the judge the task deserves (its Goal; an external env's own flag), the configured
    number of evaluation starts, and a goal success rate at or above `budgets.accept_success`.
    """
    if report.get("error"):
        return f"training failed: {str(report['error'])[:200]}"
    rate = float(report.get("success_rate") or 0.0)
    if state.get("goal") and report.get("judged_by") != "goal":
        return "the evaluation was not judged by the task's goal"
    n = int(report.get("n_episodes") or 0)
    if rate < deps.accept_min_success:
        ci = report.get("success_ci95")
        interval = f", 95 % interval {ci[0]:.2f}-{ci[1]:.2f}" if ci else ""
        return f"goal success {rate:.2f} over {n} starts{interval} is below {deps.accept_min_success}"
    if n < deps.budgets.eval_episodes:
        return f"only {n} of {deps.budgets.eval_episodes} evaluation starts were run (success {rate:.2f})"
    return None


def best_rate_so_far(state: GraphState, rates: list[float]) -> float:
    """The best evaluation success rate of any candidate of this task, over all iterations."""
    earlier = [float(r) for h in (state.get("history") or []) for r in (h.get("success_rates") or [])]
    return max([*earlier, *rates], default=0.0)


def critique(state: GraphState, deps: Deps) -> Update:
    """Ask the critic, then apply the guards: accept needs the goal's verdict, iterations are bounded."""
    result = critic.critique(deps, state)
    c: Critique = result.value
    reports = state.get("reports") or []
    iteration = int(state.get("iteration") or 0)
    rates = [float(r.get("success_rate") or 0.0) if not r.get("error") else 0.0 for r in reports]
    best = c.best_candidate if 0 <= c.best_candidate < len(reports) else (max(range(len(rates)), key=rates.__getitem__) if rates else 0)
    action, reason = c.action, c.reason
    if action == "accept":
        problem = acceptance_problem(reports[best], deps, state) if reports else "no candidate was evaluated"
        if problem:
            action = "refine_reward"
            reason = f"critic accepted candidate {best}, but {problem}; refining instead"
    if action in ("refine_reward", "refine_scene", "decompose"):
        exhausted = budget_exhausted(deps, state)
        if iteration + 1 >= deps.budgets.max_iterations_per_task:
            errors = [str(r.get("error"))[:200] for r in reports if r.get("error")]
            action, reason = "give_up", (
                f"no accepted candidate after {iteration + 1} iteration(s) (best goal success rate "
                f"{best_rate_so_far(state, rates):.2f}, needed {deps.accept_min_success}); last feedback: {c.feedback}"
                + (f"; errors: {'; '.join(errors)}" if errors else ""))
        elif exhausted:
            action, reason = "give_up", exhausted
    decided = c.model_copy(update={"action": action, "reason": reason, "best_candidate": best})
    _decision(deps, state, "critic", action=action, critic_action=c.action, reason=reason, feedback=c.feedback,
              best_candidate=best, success_rates=rates)
    history = [*(state.get("history") or []), {"iteration": iteration, "action": action, "feedback": c.feedback,
                                               "success_rates": rates}]
    update: Update = {"critique": decided.model_dump(), "history": history, "tokens": _add_usage(state, result.usage)}
    if action == "give_up":
        update["failure_reason"] = (reason or c.feedback or "critic gave up") + (
            "" if "best goal success rate" in (reason or "") else
            f" (best goal success rate of all iterations {best_rate_so_far(state, rates):.2f}, needed {deps.accept_min_success})")
    elif action != "accept":
        update.update({"iteration": iteration + 1, "code_repairs": 0, "scene_repairs": 0})
    return update


def accept(state: GraphState, deps: Deps) -> Update:
    """Store the accepted skill (idempotent on (run_id, task_id)); the checkpoint then records it."""
    from roboskill.memory import SkillRecord
    from roboskill.sim.spec import SceneSpec, stored_spec_data

    c = state["critique"] or {}
    best = int(c.get("best_candidate", 0))
    plan = state["candidates"][best]
    report = state["reports"][best]
    proposal = TaskProposal.model_validate(state["proposal"])
    if state.get("env_id"):  # Eureka's protocol: say which env's own success check judged the skill
        report = {**report, "env_id": state["env_id"], "judged_by": "env info['is_success']"}
    record = SkillRecord(
        name=proposal.name,
        description=proposal.description,
        instruction=proposal.description,
        subtasks=[s.get("description") or s.get("name", "") for s in plan.get("subtasks", [])] or proposal.subtasks,
        scene=SceneSpec.model_validate(stored_spec_data(state["scene"])),  # old checkpoints: half extents
        plan=plan,
        learners=sorted({s.get("learner", "") for s in plan.get("subtasks", [])}),
        success_rate=float(report.get("success_rate") or 0.0),
        metrics=report,
        artefacts={k: str(v) for k, v in (report.get("artefacts") or {}).items()},
        run_id=state["run_id"],
        task_id=str(state["task_id"]),
        goal=state.get("goal"),
    )
    stored = deps.library.add_skill(record)
    _decision(deps, state, "accept", skill=stored.name, success_rate=record.success_rate)
    goal = record.goal.describe() if record.goal is not None else None
    entry = {"name": stored.name, "task_id": state["task_id"], "description": proposal.description,
             "success_rate": record.success_rate, "n_episodes": report.get("n_episodes"),
             "ci95": report.get("success_ci95"), "goal": goal, "video": record.artefacts.get("video_success")
             or record.artefacts.get("video"), "video_failure": record.artefacts.get("video_failure"),
             "metrics": record.artefacts.get("metrics"), "iterations": int(state.get("iteration") or 0) + 1}
    learned = [e for e in (state.get("learned") or []) if e.get("task_id") != state["task_id"]]
    return {"learned": [*learned, entry]}


def give_up(state: GraphState, deps: Deps) -> Update:
    """Record the failed task with its reason so the proposer steers away from it."""
    from roboskill.memory import FailedTaskRecord

    reason = state.get("failure_reason") or "gave up"
    proposal = state.get("proposal") or {}
    # no proposal: the proposer's own step failed (a model that never answered validly); there was no task,
    # so nothing goes to the library, where a nameless "failed task" would only mislead later proposals
    name = proposal.get("name") or "no_proposal"
    task_id = state.get("task_id") or f"t{int(state.get('tasks_started') or 1):03d}_{name}"
    novelty = reason.startswith("no novel task")
    refused_instruction = bool(state.get("refusal")) and state.get("mode") == "learn"
    if proposal.get("name") and proposal.get("description") and not novelty and not refused_instruction:
        deps.library.add_failure(FailedTaskRecord(name=name, description=proposal.get("description") or name,
                                                  reason=reason[:2000], run_id=state["run_id"], task_id=task_id))
    _decision(deps, state, "give_up", reason=reason, task=name)
    failed = [e for e in (state.get("failed") or []) if e.get("task_id") != task_id]
    entry = {"name": name, "task_id": task_id, "reason": reason, "refused": bool(state.get("refusal"))}
    return {"failed": [*failed, entry], "task_id": task_id}


def next_task(state: GraphState, deps: Deps) -> Update:
    return {"tasks_done": int(state.get("tasks_done") or 0) + 1}


# --------------------------------------------------------------------------- routers
def after_start(state: GraphState) -> str:
    if state.get("stop_reason"):
        return "end"
    if not state.get("proposal"):
        return "propose"
    return "describe_env" if state.get("env_id") else "set_goal"


def after_goal(state: GraphState) -> str:
    return _failed_or(state, "design_scene")


def after_describe(state: GraphState) -> str:
    return _failed_or(state, "write_rewards")


def _failed_or(state: GraphState, nxt: str) -> str:
    return "give_up" if state.get("failure_reason") else nxt


def after_propose(state: GraphState) -> str:
    return _failed_or(state, "check_novelty")


def after_novelty(state: GraphState) -> str:
    if state.get("failure_reason"):
        return "give_up"
    return "propose" if state.get("novelty_feedback") else "set_goal"


def after_design(state: GraphState) -> str:
    return _failed_or(state, "validate_scene")


def after_validate(state: GraphState) -> str:
    if state.get("failure_reason"):
        return "give_up"
    return "design_scene" if state.get("scene_errors") else "write_rewards"


def after_write(state: GraphState) -> str:
    return _failed_or(state, "check_code")


def after_check(state: GraphState) -> str:
    if state.get("failure_reason"):
        return "give_up"
    if state.get("code_errors"):
        return "write_rewards"
    return "prepare_review" if state.get("mode") == "chat" else "train"


def after_review(state: GraphState) -> str:
    if state.get("failure_reason"):
        return "give_up"
    action = (state.get("review") or {}).get("action")
    return {"approve": "train", "edit": "set_goal", "reject": "propose"}.get(action, "review")


def after_critique(state: GraphState) -> str:
    if state.get("failure_reason"):
        return "give_up"
    action = (state.get("critique") or {}).get("action")
    scene_node = "write_rewards" if state.get("env_id") else "design_scene"  # an external env has no scene to refine
    return {"accept": "accept", "refine_reward": "write_rewards", "decompose": "write_rewards",
            "refine_scene": scene_node}.get(action, "give_up")


# --------------------------------------------------------------------------- assembly
def _wrap(name: str, fn: Callable[[GraphState, Deps], Update], deps: Deps) -> Callable[[GraphState], Update]:
    """Span + live-view update + StepFailed → recorded failure_reason."""

    def node(state: GraphState) -> Update:
        deps.progress(event="node", node=name, task_id=state.get("task_id"), iteration=state.get("iteration"),
                      proposal=(state.get("proposal") or {}).get("description"))
        with deps.tracer.span("node", name, run_id=state.get("run_id"), task_id=state.get("task_id"),
                              iteration=state.get("iteration")) as span:
            try:
                update = fn(state, deps)
            except StepFailed as exc:
                deps.tracer.event("decision", "step_failed", node=name, role=exc.role, reason=exc.reason,
                                  task_id=state.get("task_id"))
                update = _failure(state, f"{name} failed: {exc.reason}", getattr(exc, "usage", None))
            span.set("output", {k: v for k, v in update.items() if k not in ("tokens",)})
        return update

    node.__name__ = name
    return node


NODES: dict[str, Callable[[GraphState, Deps], Update]] = {
    "start_task": start_task,
    "propose": propose,
    "check_novelty": check_novelty,
    "set_goal": set_goal,
    "describe_env": describe_env,
    "design_scene": design_scene,
    "validate_scene": validate_scene,
    "write_rewards": write_rewards,
    "check_code": check_code,
    "prepare_review": prepare_review,
    "review": review,
    "train": train,
    "critique": critique,
    "accept": accept,
    "give_up": give_up,
    "next_task": next_task,
}


def build_graph(deps: Deps, checkpointer: Any = None) -> Any:
    """The compiled graph (with `checkpointer` for resumable runs)."""
    g = StateGraph(GraphState)
    for name, fn in NODES.items():
        if name == "review":
            g.add_node(name, partial(fn, deps=deps))  # no wrapper around interrupt(): it re-executes on resume
        else:
            g.add_node(name, _wrap(name, fn, deps))
    g.add_edge(START, "start_task")
    g.add_conditional_edges("start_task", after_start, {"end": END, "propose": "propose", "set_goal": "set_goal",
                                                         "describe_env": "describe_env"})
    g.add_conditional_edges("describe_env", after_describe, ["write_rewards", "give_up"])
    g.add_conditional_edges("propose", after_propose, ["check_novelty", "give_up"])
    g.add_conditional_edges("check_novelty", after_novelty, ["propose", "set_goal", "give_up"])
    g.add_conditional_edges("set_goal", after_goal, ["design_scene", "give_up"])
    g.add_conditional_edges("design_scene", after_design, ["validate_scene", "give_up"])
    g.add_conditional_edges("validate_scene", after_validate, ["design_scene", "write_rewards", "give_up"])
    g.add_conditional_edges("write_rewards", after_write, ["check_code", "give_up"])
    g.add_conditional_edges("check_code", after_check, ["write_rewards", "prepare_review", "train", "give_up"])
    g.add_edge("prepare_review", "review")
    g.add_conditional_edges("review", after_review, ["train", "set_goal", "propose", "review", "give_up"])
    g.add_edge("train", "critique")
    g.add_conditional_edges("critique", after_critique, ["accept", "write_rewards", "design_scene", "give_up"])
    g.add_edge("accept", "next_task")
    g.add_edge("give_up", "next_task")
    g.add_edge("next_task", "start_task")
    return g.compile(checkpointer=checkpointer)
