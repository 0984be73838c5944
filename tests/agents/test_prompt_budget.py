"""Compact prompts that fit a local model's context window.

The context is compact JSON, each API (state API, primitives) is listed once per prompt, the proposer sees
the library's nearest skills rather than a list of 60, and every role's prompt with realistic large
contexts (100 learned skills, long failure and repair histories, several candidates with long reports) fits
an 8k window together with its answer budget; what cannot fit fails with the role and the sizes named.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from roboskill.agents.prompts import (
    MIN_OUTPUT_TOKENS, PromptTooLarge, estimate_prompt_tokens, fit_prompt, primitives_catalog, render_context,
    render_messages, state_api_doc,
)
from roboskill.agents.schemas import ROLES
from tests.agents import fakes as F

WINDOW, MAX_OUT = 8192, 4096
VERBS = ["push", "pick up", "open", "close", "stack", "slide", "press", "rotate", "lift", "put away"]
THINGS = ["red cube", "blue ball", "top drawer", "cupboard door", "lemon", "stapler", "mug", "knob", "lever", "tray"]


def _skill(i: int) -> SimpleNamespace:
    desc = f"{VERBS[i % 10].capitalize()} the {THINGS[(i // 10) % 10]} {5 + i % 7} cm towards the {['left', 'right'][i % 2]} side."
    return SimpleNamespace(name=f"skill_{i:03d}_{VERBS[i % 10].replace(' ', '_')}", description=desc, key=f"r/{i}",
                           reason="", success_rate=1.0)


def _failure(i: int) -> SimpleNamespace:
    return SimpleNamespace(name=f"failed_{i:03d}", description=f"Balance the {THINGS[i % 10]} on the {THINGS[(i + 3) % 10]}.",
                           reason="gave up after 3 iterations: best goal success rate 0.15 of 20 evaluation episodes; "
                                  "the object slid off in 17 of 20 end states", key=f"f/{i}")


_COMMON = frozenset({"the", "cm", "towards", "left", "right", "side", "on", "to", "a", "of", "too", "more"})


class SearchLibrary:
    """A library of 100 skills and 40 failures with a (word-overlap) search like SkillLibrary's."""

    def __init__(self) -> None:
        self.skills = [_skill(i) for i in range(100)]
        self.failures = [_failure(i) for i in range(40)]
        self.queries: list[str] = []

    def list(self) -> list[Any]:  # noqa: A003
        return list(self.skills)

    def list_failures(self) -> list[Any]:
        return list(self.failures)

    def _near(self, records: list[Any], query: str, k: int) -> list[Any]:
        self.queries.append(query)
        words = set(query.lower().replace(".", " ").split()) - _COMMON
        return sorted(records, key=lambda r: -len(words & set(r.description.lower().replace(".", " ").split())))[:k]

    def search(self, query: str, k: int = 5) -> list[Any]:
        return [SimpleNamespace(record=r, similarity=0.5) for r in self._near(self.skills, query, k)]

    def nearest_failures(self, description: str, k: int = 3) -> list[Any]:
        return [SimpleNamespace(record=r, similarity=0.5) for r in self._near(self.failures, description, k)]


@pytest.fixture(scope="module")
def catalog() -> list[dict[str, Any]]:
    from roboskill.agents.adapters import catalog as real_catalog

    return real_catalog()


def _long_code(n: int) -> str:
    lines = [f"    d{i} = state.distance('ee', 'cube') * {i + 1}.0  # shaping term {i}" for i in range(n)]
    return "def compute_reward(state):\n" + "\n".join(lines) + "\n    return -d0, {'reach': -d0}\n"


def _plan(i: int) -> dict[str, Any]:
    return {"task_name": "put_cube_in_drawer", "subtasks": [
        {"name": f"step_{j}", "description": f"Step {j} of candidate {i}.", "learner": "trajopt",
         "reward_code": _long_code(12), "success_code": "def is_success(state):\n    return state.is_grasped('cube')\n",
         "horizon": 80} for j in range(3)]}


def _report(i: int) -> dict[str, Any]:
    episodes = [{"seed": 4 * e + 1, "verdict": "failed", "failed": [{"kind": "inside", "measured": {"inside": False}}],
                 "end_state": {"cube": [0.1 + e / 100, -0.2, 0.02], "cabinet.drawer_0": 0.7}, "messages": ["place: missed by 3 cm"]}
                for e in range(8)]
    return {**F.report(0.3), "reflection_text": "component reach: mean -0.12 rising; grasp: 0.0 flat; " * 30,
            "evaluation": {"episodes": episodes}}


def _scene(catalog_scene: bool = True) -> dict[str, Any]:
    objects = [{"kind": "articulated", "name": "cabinet", "articulation": "drawer_cabinet", "params": {"n_drawers": 3},
                "placement": {"on": "table", "offset": [0.25, 0.0]}}]
    objects += [{"kind": "primitive", "name": f"cube_{i}", "shape": "box", "size": [0.05, 0.05, 0.05],
                 "placement": {"on": "table", "offset": [-0.1 + 0.05 * i, -0.25]}} for i in range(6)]
    return {"name": "put_cube_in_drawer", "description": "A cabinet and six cubes.", "objects": objects}


def _contexts(catalog: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    from roboskill.agents.proposer import proposer_context

    task = {"name": "put_cube_in_drawer", "description": "Put the red cube into the top drawer and close it.",
            "subtasks": ["open the drawer", "pick the cube", "put it inside", "close the drawer"],
            "objects": ["cube", "drawer_cabinet"], "difficulty": 4}
    goal = {"action": "put_inside", "summary": "The cube is inside the closed top drawer.",
            "objects": [{"name": "cube_0", "category": "box"}, {"name": "cabinet", "category": "drawer_cabinet"}],
            "conditions": [{"kind": "inside", "object": "cube_0", "container": "cabinet.drawer_0"},
                           {"kind": "joint_fraction", "joint": "cabinet.drawer_0", "at_most": 0.05}], "at_rest": True}
    deps = SimpleNamespace(library=SearchLibrary(), catalog=lambda: catalog,
                           articulated_kinds=["drawer_cabinet", "door_cabinet", "lid_box", "button", "lever", "sliding_door", "knob"])
    state = {"directives": [{"kind": "focus", "text": "more drawer tasks", "subject": "drawer"}],
             "rejected": [{"name": f"rej_{i}", "description": f"Open the drawer {i} cm.", "reason": "too easy"} for i in range(10)],
             "novelty_feedback": "too close to skill_002_open", "proposal_attempt": 3}
    errors = [{"object": f"cube_{i}", "code": "interpenetration", "message": f"overlaps 'cube_{i + 1}' by 1.2 cm",
               "fix": "move them apart"} for i in range(5)]
    return {
        "proposer": proposer_context(deps, state),
        "goal_writer": {"task": task, "catalog": catalog,
                        "articulated": {"drawer_cabinet": ["drawer_0", "drawer_1", "drawer_2"], "door_cabinet": ["door"]}},
        "scene_designer": {"task": task, "goal": goal, "catalog": catalog, "validation_errors": errors,
                           "previous_scene": _scene()},
        "reward_writer": {"task": task, "goal": goal, "scene": _scene(), "k": 2,
                          "examples": [{"name": f"example_{i}", "plan": _plan(i)} for i in range(3)],
                          "previous_candidates": [_plan(i) for i in range(2)], "critic_feedback": "The grasp never happens. " * 10,
                          "component_feedback": {"reach": "scale by 2", "grasp": "reward closing near the cube"},
                          "reflection": "component reach: mean -0.12 rising; grasp: 0.0 flat; " * 40,
                          "sandbox_errors": [{"candidate": 0, "subtask": "step_1", "line": 3, "message": "unknown name 'cube'"}]},
        "critic": {"task": task, "goal": goal, "accept_success": 0.8, "scene": _scene(), "iteration": 2, "max_iterations": 3,
                   "candidates": [{"index": i, "plan": _plan(i), "report": _report(i)} for i in range(2)]},
        "curator": {"message": "Stop the mug tasks and make everything a little harder, please. " * 5,
                    "directives": [{"kind": "focus", "text": f"directive {i}", "subject": f"thing {i}"} for i in range(20)],
                    "last_proposal": task},
    }


def test_context_is_compact_json() -> None:
    text = render_context("critic", {"b": [1, 2], "a": {"x": "ü"}})
    assert '{"a":{"x":"ü"},"b":[1,2]}' in text and "\n " not in text


def test_each_api_is_listed_once_per_prompt(catalog: list[dict[str, Any]]) -> None:
    from roboskill.agents.reward_writer import writer_context

    contexts = _contexts(catalog)
    doc = state_api_doc()
    first_primitive = f"- {primitives_catalog()[0]['name']}("
    for role in ROLES:
        prompt = "\n".join(str(m.content) for m in render_messages(role, contexts[role]))
        assert prompt.count(doc) <= 1 and prompt.count(first_primitive) <= 1, role
    writer = "\n".join(str(m.content) for m in render_messages("reward_writer", contexts["reward_writer"]))
    assert writer.count(doc) == 1 and writer.count(first_primitive) == 1
    deps = SimpleNamespace(library=F.FakeLibrary(), budgets=SimpleNamespace(candidates_per_iteration=2))
    assert "primitives" not in writer_context(deps, {"proposal": {"description": "x"}})


def test_the_proposer_sees_the_nearest_skills_not_a_list_of_60(catalog: list[dict[str, Any]]) -> None:
    ctx = _contexts(catalog)["proposer"]
    names = [s["name"] for s in ctx["learned_skills"]]
    assert len(names) <= 16 and ctx["library_size"] == {"skills": 100, "failed_tasks": 40}
    drawer = [s for s in ctx["learned_skills"] if "drawer" in s["description"]]
    assert len(drawer) >= 5  # the newest 16 have none: the directive and the rejected drawer proposals pull them in
    assert names[-4:] == [f"skill_{i:03d}_{VERBS[i % 10].replace(' ', '_')}" for i in range(96, 100)]  # plus the newest
    assert len(ctx["failed_tasks"]) <= 8
    fitted = fit_prompt("proposer", ctx, context_window=WINDOW, max_output_tokens=MAX_OUT)
    assert fitted.prompt_tokens <= 3000 and not fitted.trimmed  # the budget: <= 3k tokens at 100 skills


@pytest.mark.parametrize("role", ROLES)
def test_every_prompt_fits_an_8k_window_with_realistic_contexts(role: str, catalog: list[dict[str, Any]]) -> None:
    ctx = _contexts(catalog)[role]
    repairs = [(F.fenced(_plan(0)) * 3, "schema errors: candidates.0.subtasks.0.horizon: must be <= 500"),
               ("Sure! Here is my answer in prose without any JSON.", "no JSON object in your answer; it was prose")]
    for turns in ([], repairs):
        fitted = fit_prompt(role, ctx, turns, context_window=WINDOW, max_output_tokens=MAX_OUT)
        assert estimate_prompt_tokens(fitted.messages) + fitted.max_tokens <= WINDOW
        assert fitted.max_tokens >= MIN_OUTPUT_TOKENS[role]
        if turns:  # the latest error always reaches the model
            assert "it was prose" in str(fitted.messages[-1].content)


def test_trimming_starts_with_the_lowest_priority_keys(catalog: list[dict[str, Any]]) -> None:
    ctx = _contexts(catalog)["reward_writer"]
    ctx["examples"] = [{"name": f"example_{i}", "plan": _plan(i)} for i in range(40)]  # far too many
    fitted = fit_prompt("reward_writer", ctx, context_window=WINDOW, max_output_tokens=MAX_OUT)
    assert fitted.trimmed and all(t.startswith("examples") for t in fitted.trimmed[:2])
    kept = json.loads(str(fitted.messages[1].content).split("```json\n", 1)[1].split("\n```", 1)[0])
    assert kept["scene"] == ctx["scene"] and kept["goal"] == ctx["goal"]  # what the code must name stays whole
    assert estimate_prompt_tokens(fitted.messages) + fitted.max_tokens <= WINDOW


def test_a_prompt_that_cannot_fit_fails_naming_role_and_sizes(catalog: list[dict[str, Any]]) -> None:
    with pytest.raises(PromptTooLarge) as info:
        fit_prompt("scene_designer", _contexts(catalog)["scene_designer"], context_window=2048, max_output_tokens=MAX_OUT)
    msg = str(info.value)
    assert msg.startswith("scene_designer:") and "llm.context_window = 2048" in msg and "tokens" in msg
    assert "num_ctx" in msg  # how to raise the server's own limit


def test_requests_to_a_server_respect_the_window(tmp_path: Path) -> None:
    from roboskill.agents.llm import PromptBudget, RetryPolicy, StepFailed, make_chat_model, structured_call
    from roboskill.agents.schemas import TaskProposal
    from roboskill.config import LLMSettings
    from tests.agents.chat_server import ChatServer

    with ChatServer([{"content": F.fenced(F.proposal())}]) as server:
        settings = LLMSettings(provider="openai", base_url=server.base_url, model="m", max_retries=0, context_window=4096)
        model = make_chat_model(settings, "proposer")
        budget = PromptBudget(settings.context_window, settings.max_output_tokens)
        structured_call(model, "proposer", {"attempt": 0}, schema=TaskProposal, policy=RetryPolicy(max_retries=0),
                        budget=budget)
        body = server.requests[0]
        prompt = sum(len(m["content"]) for m in body["messages"])
        asked = body.get("max_completion_tokens", body.get("max_tokens"))  # langchain-openai sends the newer name
        assert asked < settings.max_output_tokens and prompt / 3.2 + asked <= 4096
        with pytest.raises(StepFailed, match="proposer: the prompt does not fit llm.context_window = 1024"):
            structured_call(model, "proposer", {"attempt": 0}, schema=TaskProposal, policy=RetryPolicy(max_retries=0),
                            budget=PromptBudget(1024, 4096))
    assert len(server.requests) == 1  # the request that cannot fit is never sent
