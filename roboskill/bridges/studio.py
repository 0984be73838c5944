"""The agent graph for LangGraph Studio: `langgraph dev` serves `make_graph`, named in `langgraph.json`.

Why a factory of its own: the runner (`roboskill.agents.runner.open_run`) builds the graph around a
run directory, a SQLite checkpointer and a live view; Studio brings its own checkpointer and threads
and wants a graph it can draw, start from a small input form, pause at the human review and step
through. So this module builds the same `build_graph` with the same real dependencies (library,
executor, sandbox, tracer) and wraps it in a two-node graph whose input is just the task:

    START -> prepare (task words -> the runner's initial state) -> roboskill (the agent graph) -> END

The model is the procedural offline one unless the assistant's configurable `llm` says otherwise,
so Studio works with no API key. Each Studio thread writes a normal run directory
(`runs/studio-<thread>`), so `roboskill traces show studio-…` and the dashboard read it too.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from typing_extensions import TypedDict

from roboskill.agents.state import GraphState, initial_state


class StudioInput(TypedDict, total=False):
    """What Studio asks for: a task in words (learn mode) or nothing (the open-ended curriculum)."""

    task: str
    mode: Literal["learn", "run"]
    env_id: str


def studio_run_id(config: dict[str, Any] | None) -> str:
    """`studio-<thread>`: one run directory per Studio thread (a valid roboskill run id)."""
    thread = str(((config or {}).get("configurable") or {}).get("thread_id") or "default")
    return "studio-" + re.sub(r"[^A-Za-z0-9_.-]", "-", thread)[:64]


def make_graph(config: dict[str, Any] | None = None) -> Any:
    """The compiled Studio graph; `config["configurable"]` may set `llm` (default offline) and `max_tasks`."""
    from langgraph.graph import END, START, StateGraph

    from roboskill.agents.graph import build_graph
    from roboskill.agents.runner import default_deps, make_tracer
    from roboskill.config import load_settings

    configurable = dict((config or {}).get("configurable") or {})
    overrides: dict[str, Any] = {"llm": {"provider": configurable.get("llm") or "offline"}}
    if configurable.get("max_tasks"):
        overrides["budgets"] = {"max_tasks": int(configurable["max_tasks"])}
    settings = load_settings(**overrides)
    run_id = studio_run_id(config)
    run_dir = settings.runs_root / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    tracer, callbacks = make_tracer(run_dir, run_id, settings)
    agent = build_graph(default_deps(settings, run_dir, run_id, tracer, callbacks))

    def prepare(state: StudioInput) -> dict[str, Any]:
        """The runner's initial state from the form: a task means `learn`, none means the curriculum."""
        task = (state.get("task") or "").strip() or None
        mode = state.get("mode") or ("learn" if task or state.get("env_id") else "run")
        return dict(initial_state(run_id, mode, given_task=task, env_id=state.get("env_id") or None))

    g = StateGraph(GraphState, input_schema=StudioInput)
    g.add_node("prepare", prepare)
    g.add_node("roboskill", agent)
    g.add_edge(START, "prepare")
    g.add_edge("prepare", "roboskill")
    g.add_edge("roboskill", END)
    return g.compile(name="roboskill")
