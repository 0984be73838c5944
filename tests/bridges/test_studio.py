"""LangGraph Studio: the graph named in langgraph.json loads the way `langgraph dev` loads it, draws the
agent graph, and runs a task to a learned skill with the offline model under a Studio-style thread config."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _entry():
    """Import `path.py:attr` from langgraph.json like langgraph-api does (by file path, not package name)."""
    spec = json.loads((ROOT / "langgraph.json").read_text())
    assert spec["dependencies"] == ["."]
    target = spec["graphs"]["roboskill"]
    path, attr = target.rsplit(":", 1)
    file = (ROOT / path).resolve()
    assert file.is_file(), target
    mod_spec = importlib.util.spec_from_file_location("studio_entry", file)
    module = importlib.util.module_from_spec(mod_spec)
    sys.modules["studio_entry"] = module
    mod_spec.loader.exec_module(module)
    return getattr(module, attr)


def test_langgraph_json_entry_builds_the_agent_graph() -> None:
    make_graph = _entry()
    graph = make_graph({"configurable": {"thread_id": "draw"}})
    nodes = set(graph.get_graph().nodes)
    assert {"prepare", "roboskill"} <= nodes
    inner = set(graph.get_graph(xray=True).nodes)
    assert {"roboskill:set_goal", "roboskill:design_scene", "roboskill:write_rewards", "roboskill:train",
            "roboskill:critique", "roboskill:accept", "roboskill:review"} <= inner
    assert set(graph.get_input_jsonschema()["properties"]) == {"task", "mode", "env_id"}


def test_studio_graph_learns_a_task_with_the_offline_model(monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-used")  # offline is the Studio default even with a key around
    from langgraph.checkpoint.memory import InMemorySaver

    from roboskill.config import load_settings

    for key, value in (("TRAIN_BUDGET_S", "5"), ("MAX_ITERATIONS_PER_TASK", "1"), ("CANDIDATES_PER_ITERATION", "1")):
        monkeypatch.setenv(f"ROBOSKILL_BUDGETS__{key}", value)
    make_graph = _entry()
    config = {"configurable": {"thread_id": "t-1"}, "recursion_limit": 200}
    graph = make_graph(config)
    graph = graph.builder.compile(checkpointer=InMemorySaver())  # langgraph dev brings its own checkpointer
    seen = []
    for chunk in graph.stream({"task": "lift the cube"}, config, stream_mode="updates", subgraphs=True):
        seen.extend(chunk[1])
    final = graph.get_state(config).values
    assert "prepare" in seen and final["mode"] == "learn" and final["given_task"] == "lift the cube"
    assert final["learned"], final.get("failed")
    assert final["tokens"]["calls"] > 0
    run_dir = load_settings().runs_root / "studio-t-1"
    assert (run_dir / "traces.sqlite").is_file()  # `roboskill traces show studio-t-1` reads the Studio run
