"""`roboskill mcp` driven by the `mcp` client over stdio, as another agent would: list the tools, build a
scene, search and run a library skill, learn a task with progress, read its trace, and get errors that say why."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("mcp", reason="needs the mcp extra: pip install 'roboskill[mcp]'")

import anyio  # noqa: E402
from mcp import ClientSession  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

from roboskill.memory import SkillLibrary  # noqa: E402
from roboskill.tools.reference_tasks import reference_task  # noqa: E402
from tests.tools.test_honest_eval import STACK_GOAL  # noqa: E402
from tests.tools.test_verify import _record, stack_report  # noqa: E402,F401 - the fixture

TOOLS = {"learn", "learn_status", "skills_search", "skills_run", "scene_build", "traces_show"}


def _server() -> StdioServerParameters:
    # the module, not the console script: an editable install's `roboskill` may belong to another checkout
    return StdioServerParameters(command=sys.executable, args=["-m", "roboskill.cli.main", "mcp"],
                                 env={**os.environ, "OMP_NUM_THREADS": "1"}, cwd=str(Path(__file__).parents[2]))


async def _session(body):
    async with stdio_client(_server()) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            return await body(session)


def _data(result) -> dict:
    assert not result.is_error, result.content
    data = result.structured_content
    return data.get("result", data) if isinstance(data, dict) and set(data) == {"result"} else data


def test_tools_are_listed_with_typed_inputs_and_scene_build_reports_objects_or_problems() -> None:
    spec, _ = reference_task("stack")

    async def body(s: ClientSession):
        tools = {t.name: t for t in (await s.list_tools()).tools}
        assert TOOLS <= set(tools)
        learn = tools["learn"].input_schema
        assert learn["required"] == ["task"] and learn["properties"]["train_budget"]["anyOf"][0]["type"] == "number"
        assert tools["skills_run"].input_schema["properties"]["episodes"]["maximum"] == 200
        built = _data(await s.call_tool("scene_build", {"spec": spec.to_dict(), "seed": 1}))
        bad = _data(await s.call_tool("scene_build", {"spec": {**spec.to_dict(), "objects": [
            {**spec.to_dict()["objects"][0], "placement": {"position": [3.0, 0.0, 0.1]}}]}}))
        broken = await s.call_tool("scene_build", {"spec": "name: [unclosed"})
        wrong_type = await s.call_tool("skills_run", {"name": "x", "episodes": 0})
        return built, bad, broken, wrong_type

    built, bad, broken, wrong_type = anyio.run(_session, body)
    assert built["valid"] and {o["name"] for o in built["objects"]} == set(spec.object_names())
    assert not bad["valid"] and bad["problems"] and all(p["message"] for p in bad["problems"])
    assert broken.is_error and "invalid scene spec" in broken.content[0].text
    assert wrong_type.is_error and "episodes" in wrong_type.content[0].text


def test_skills_search_and_run_a_library_skill_with_progress(stack_report, tmp_path) -> None:  # noqa: F811
    lib_dir = tmp_path / "lib"
    lib = SkillLibrary(lib_dir)
    lib.add_skill(_record(stack_report, "stack", STACK_GOAL))
    lib.close()
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done, total, message):
        progress.append((done, total, message))

    async def body(s: ClientSession):
        found = _data(await s.call_tool("skills_search", {"query": "put one block on top of another",
                                                          "library": str(lib_dir)}))
        ran = _data(await s.call_tool("skills_run", {"name": "stack", "episodes": 2, "library": str(lib_dir)},
                                      progress_callback=on_progress))
        missing = await s.call_tool("skills_run", {"name": "fly", "library": str(lib_dir)})
        await anyio.sleep(0.5)  # progress notifications are handled by their own task: let the last one land
        return found, ran, missing

    found, ran, missing = anyio.run(_session, body)
    assert found["results"][0]["name"] == "stack" and found["results"][0]["goal"]
    assert ran["name"] == "stack" and ran["n"] == 2 and ran["own_scene"] and ran["goal"]
    assert ran["successes"] == sum(e["success"] for e in ran["episodes"]) >= 1
    assert progress and progress[0][:2] == (0.0, 2.0) and (2.0, 2.0) in [p[:2] for p in progress], progress
    assert missing.is_error and "fly" in missing.content[0].text


def test_learn_over_mcp_reports_progress_then_its_trace_and_skill_are_readable(tmp_path) -> None:
    progress: list[str] = []

    async def on_progress(done, total, message):
        progress.append(message or "")

    async def body(s: ClientSession):
        started = _data(await s.call_tool("learn", {"task": "lift the cube", "run_id": "mcp-lift", "train_budget": 5,
                                                    "max_iterations": 1, "candidates": 1, "wait": True},
                                          progress_callback=on_progress, read_timeout_seconds=900))
        status = _data(await s.call_tool("learn_status", {"run_id": "mcp-lift"}))
        trace = _data(await s.call_tool("traces_show", {"run": "mcp-lift", "details": False}))
        found = _data(await s.call_tool("skills_search", {"query": "lift the cube", "k": 1}))
        again = await s.call_tool("learn", {"task": "lift the cube", "run_id": "mcp-lift"})
        return started, status, trace, found, again

    started, status, trace, found, again = anyio.run(_session, body)
    assert started["exit_code"] == 0 and started["status"] == "finished" and not started["running"], started["log_tail"]
    assert started["skills"] and status["skills"] == started["skills"]
    # progress is read from run.json while the run goes: a fast node may pass between two reads
    nodes = {m.split(" / ", 1)[1] for m in progress if " / " in m}
    assert len(nodes) >= 3 and nodes & {"write_rewards", "check_code", "train", "critique"}, progress
    assert trace["name"] == "mcp-lift" and trace["children"] and trace["totals"]["llm_calls"] > 0
    assert found["results"][0]["name"] == started["skills"][0]["name"]
    assert again.is_error and "already exists" in again.content[0].text
    log = Path(started["log"]).read_text()
    assert "mcp-lift" in log  # the run's terminal output went to its log, never to the protocol wire
