"""The graph state: everything the loop knows, as plain JSON-able values.

Why plain dicts/lists (model dumps) rather than pydantic objects: the state is checkpointed to SQLite
after every node, and a resumed run — possibly by a newer roboskill — must read it back. JSON values
survive that; pickled classes do not. Nodes validate what they read with the schema models.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

Mode = Literal["run", "learn", "chat"]


class TaskState(TypedDict, total=False):
    """Per-task fields, cleared by `next_task`."""

    task_id: str | None
    proposal: dict[str, Any] | None          # TaskProposal dump
    proposal_attempt: int                    # proposals tried for this slot (novelty / rejections)
    novelty_feedback: str | None
    goal: dict[str, Any] | None              # Goal dump: fixed before the scene; judges every evaluation
    refusal: dict[str, Any] | None           # GoalRefusal dump when the task cannot be represented
    scene: dict[str, Any] | None             # SceneSpec dump
    scene_errors: list[dict[str, Any]]       # [{object, code, message, fix}] from validate_scene
    scene_repairs: int
    scene_names: dict[str, Any] | None       # SceneNames dump of the validated scene (names, sizes, joint ranges)
    candidates: list[dict[str, Any]]         # SkillPlan dumps of this iteration
    code_errors: list[dict[str, Any]]        # [{candidate, subtask, line, message}]
    code_repairs: int
    reports: list[dict[str, Any]]            # EvalReport dumps, or {"error": ...}, one per candidate
    iteration: int
    critique: dict[str, Any] | None          # Critique dump of the last iteration
    history: list[dict[str, Any]]            # [{iteration, critique, success_rates}] for this task
    scene_picture: str | None                # PNG path shown in chat review
    review: dict[str, Any] | None            # last reply of the person in chat mode
    failure_reason: str | None
    external: dict[str, Any] | None          # `learn --env`: {"describe": {...}, "state_doc": str} of the env


class GraphState(TaskState, total=False):
    run_id: str
    mode: Mode
    given_task: str | None                   # `learn` mode: the person's instruction
    env_id: str | None                       # `learn --env`: an external environment instead of a scene
    tasks_started: int
    tasks_done: int
    directives: list[dict[str, Any]]         # Directive dumps
    rejected: list[dict[str, Any]]           # [{name, description, reason}]
    learned: list[dict[str, Any]]            # [{name, task_id, success_rate, video, metrics, trace}]
    failed: list[dict[str, Any]]             # [{name, task_id, reason}]
    tokens: dict[str, Any]                   # Usage.as_dict() totals
    stop_reason: str | None
    chat_reply: str | None                   # the curator's last reply (chat mode)


TASK_FIELDS: tuple[str, ...] = tuple(TaskState.__annotations__)


def fresh_task_fields() -> dict[str, Any]:
    """Values that reset every per-task field (used when a new task slot starts)."""
    return {
        "task_id": None,
        "proposal": None,
        "proposal_attempt": 0,
        "novelty_feedback": None,
        "goal": None,
        "refusal": None,
        "scene": None,
        "scene_errors": [],
        "scene_repairs": 0,
        "scene_names": None,
        "candidates": [],
        "code_errors": [],
        "code_repairs": 0,
        "reports": [],
        "iteration": 0,
        "critique": None,
        "history": [],
        "scene_picture": None,
        "review": None,
        "failure_reason": None,
        "external": None,
    }


def initial_state(run_id: str, mode: Mode, *, given_task: str | None = None, env_id: str | None = None,
                  directives: list[dict[str, Any]] | None = None) -> GraphState:
    state: dict[str, Any] = {
        "run_id": run_id,
        "mode": mode,
        "given_task": given_task,
        "env_id": env_id,
        "tasks_started": 0,
        "tasks_done": 0,
        "directives": list(directives or []),
        "rejected": [],
        "learned": [],
        "failed": [],
        "tokens": {"input": 0, "output": 0, "total": 0, "cost_usd": 0.0, "calls": 0},
        "stop_reason": None,
        "chat_reply": None,
    }
    state.update(fresh_task_fields())
    return state  # type: ignore[return-value]
