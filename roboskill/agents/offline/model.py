"""`OfflineChatModel`: a deterministic, seeded procedural chat model. It is NOT an LLM.

Why it exists: roboskill must run fully offline on a laptop with no API key. This LangChain
`BaseChatModel` reads the same prompts a real LLM gets (role line, fenced JSON context, REPAIR turns)
and answers in the same format (one fenced JSON block matching the role's schema), so the agent graph,
tracing and budgets cannot tell the difference — but every answer comes from a grammar, rule-based
layouts, reward-term templates and decision rules (see docs/offline_model.md).

Determinism: the RNG is seeded from `seed` + a SHA-256 of every message, so the same prompt always
gives the same answer, while a new attempt number, feedback or repair message gives a different one.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from roboskill.agents.offline import critic as critic_rules
from roboskill.agents.offline import curator as curator_rules
from roboskill.agents.offline import scenes, writer
from roboskill.agents.offline.parser import parse_record
from roboskill.agents.offline.proposer import propose
from roboskill.agents.offline.protocol import Prompt, estimate_tokens, fenced, read_prompt, rng_for
from roboskill.agents.offline.vocab import types_from_catalog

MODEL_NAME = "roboskill-offline-procedural"


def _task_frame(prompt: Prompt):
    """The task of a scene/reward/critic context as a frame (parsed from its name and description)."""
    ctx = prompt.context
    task = ctx.get("task")
    types = types_from_catalog(ctx.get("catalog"))
    if isinstance(task, str):
        task = {"name": None, "description": task}
    if not isinstance(task, dict):
        task = {"description": ctx.get("instruction") or ctx.get("description") or "pick up the cube"}
    frame = parse_record(task, types)
    if frame is None:
        frame = parse_record("pick up the cube", types)
    name = task.get("name") if isinstance(task.get("name"), str) and task.get("name") else None
    return frame, name


def answer(prompt: Prompt, rng: random.Random) -> Any:
    """The JSON value this model answers `prompt` with (role dispatch)."""
    role = prompt.role
    ctx = prompt.context
    if role == "proposer":
        if prompt.repairs:  # a rejected proposal: make it different by mixing the error into the context
            ctx = {**ctx, "novelty_feedback": (str(ctx.get("novelty_feedback") or "") + " " + prompt.repairs[-1])}
        return propose(ctx, rng)
    if role == "goal_writer":
        from roboskill.agents.offline.goals import write_goal

        return write_goal(ctx)
    if role == "scene_designer":
        frame, name = _task_frame(prompt)
        from roboskill.agents.offline.grammar import task_name

        return scenes.design(ctx, rng, frame, name or task_name(frame))
    if role == "reward_writer":
        frame, name = _task_frame(prompt)
        from roboskill.agents.offline.grammar import task_name

        if isinstance(ctx.get("external_env"), dict):  # `learn --env`: the env's description, no scene
            from roboskill.agents.offline.external import write_external

            return write_external(ctx, name or task_name(frame))

        return writer.write(ctx, rng, frame, name or task_name(frame), prompt.repairs)
    if role == "critic":
        return critic_rules.critique(ctx, prompt.system)
    if role == "curator":
        return curator_rules.curate(ctx)
    return None


class OfflineChatModel(BaseChatModel):
    """Deterministic procedural stand-in for an LLM (not an LLM). `seed` varies all its choices."""

    seed: int = Field(default=0, description="base seed; the prompt hash is mixed in per call")
    model_name: str = MODEL_NAME

    def __init__(self, seed: int = 0, **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)

    @property
    def _llm_type(self) -> str:
        return "roboskill-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "seed": self.seed}

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        t0 = time.perf_counter()
        prompt = read_prompt(messages)
        rng = rng_for(self.seed, messages)
        value = answer(prompt, rng)
        if value is None:
            text = ("I am roboskill's offline procedural model, not an LLM: I only answer the agent roles "
                    "(proposer, goal_writer, scene_designer, reward_writer, critic, curator) whose system prompt starts with "
                    "'ROLE: <role>' and whose user message holds a fenced ```json context.")
        else:
            text = fenced(value)
        n_in = sum(estimate_tokens(json.dumps(m.content) if not isinstance(m.content, str) else m.content)
                   for m in messages)
        n_out = estimate_tokens(text)
        usage = {"input_tokens": n_in, "output_tokens": n_out, "total_tokens": n_in + n_out}
        message = AIMessage(
            content=text,
            usage_metadata=usage,
            response_metadata={"model_name": self.model_name, "finish_reason": "stop",
                               "latency_s": round(time.perf_counter() - t0, 6), "role": prompt.role},
        )
        return ChatResult(
            generations=[ChatGeneration(message=message)],
            llm_output={"model_name": self.model_name,
                        "token_usage": {"prompt_tokens": n_in, "completion_tokens": n_out, "total_tokens": n_in + n_out}},
        )
