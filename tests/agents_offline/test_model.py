"""OfflineChatModel as a LangChain chat model: protocol, determinism, schemas, usage accounting."""

from __future__ import annotations

from langchain_core.messages import HumanMessage, SystemMessage

from roboskill.agents.offline import OfflineChatModel
from roboskill.agents.prompts import extract_json, render_messages, repair_messages
from roboskill.agents.schemas import ROLE_SCHEMAS, Critique, CuratorOutput, RewardCandidates, SceneDesign, TaskProposal

from .helpers import ask, ask_raw, proposer_context


def test_same_prompt_and_seed_give_the_same_answer():
    ctx = proposer_context()
    assert ask_raw("proposer", ctx, seed=3) == ask_raw("proposer", ctx, seed=3)
    # a fresh model instance too: nothing depends on call order or global state
    msgs = render_messages("proposer", ctx)
    assert OfflineChatModel(seed=3).invoke(msgs).content == OfflineChatModel(seed=3).invoke(msgs).content


def test_seed_attempt_and_feedback_change_the_answer():
    base = ask_raw("proposer", proposer_context(), seed=0)
    answers = {base, ask_raw("proposer", proposer_context(), seed=1),
               ask_raw("proposer", proposer_context(attempt=1), seed=0),
               ask_raw("proposer", proposer_context(novelty_feedback="too close to pick_red_block"), seed=0)}
    assert len(answers) == 4


def test_every_role_answers_one_fenced_json_block_matching_its_schema():
    prop = ask("proposer", proposer_context())
    assert isinstance(prop, TaskProposal) and 1 <= prop.difficulty <= 5 and prop.subtasks and prop.objects
    task = prop.model_dump()
    design = ask("scene_designer", {"task": task, "catalog": [], "validation_errors": [], "previous_scene": None})
    assert isinstance(design, SceneDesign) and design.scene.objects
    rc = ask("reward_writer", {"task": task, "scene": design.scene.model_dump(mode="json"), "k": 2,
                               "primitives": None, "examples": [], "previous_candidates": None,
                               "critic_feedback": None, "component_feedback": {}, "reflection": None,
                               "sandbox_errors": []})
    assert isinstance(rc, RewardCandidates) and len(rc.candidates) == 2
    crit = ask("critic", {"task": task, "iteration": 0, "max_iterations": 3, "candidates": []})
    assert isinstance(crit, Critique)
    cur = ask("curator", {"message": "focus on drawers", "directives": [], "last_proposal": task})
    assert isinstance(cur, CuratorOutput) and cur.directives
    raw = ask_raw("proposer", proposer_context())
    assert raw.startswith("```json") and raw.rstrip().endswith("```") and raw.count("```") == 2


def test_usage_metadata_and_llm_output_report_token_estimates():
    model = OfflineChatModel(seed=0)
    msgs = render_messages("proposer", proposer_context())
    msg = model.invoke(msgs)
    usage = msg.usage_metadata
    assert usage["input_tokens"] > 100 and usage["output_tokens"] > 10
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    result = model._generate(msgs)
    assert result.llm_output["token_usage"]["total_tokens"] == usage["total_tokens"]
    assert model._llm_type == "roboskill-offline"


def test_repair_turn_gives_a_different_valid_answer():
    msgs = render_messages("proposer", proposer_context())
    first = OfflineChatModel().invoke(msgs).content
    repaired = OfflineChatModel().invoke(msgs + repair_messages(first, "name already exists")).content
    assert repaired != first
    TaskProposal.model_validate(extract_json(repaired))


def test_prompts_without_a_role_get_a_plain_explanation():
    reply = OfflineChatModel().invoke([HumanMessage(content="hello, who are you?")]).content
    assert "not an LLM" in reply
    reply = OfflineChatModel().invoke([SystemMessage(content="ROLE: poet"), HumanMessage(content="a poem")]).content
    assert "not an LLM" in reply


def test_all_roles_have_a_schema():
    assert set(ROLE_SCHEMAS) == {"proposer", "goal_writer", "scene_designer", "reward_writer", "critic", "curator"}
