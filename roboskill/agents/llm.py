"""Chat-model providers and the structured-output loop every agent role goes through.

Why our own retry loop (ChatOpenAI gets `max_retries=0`): we want every attempt, wait and failure
visible in traces, `Retry-After` honoured, and a hard bound so a flaky endpoint makes one *step*
fail with a recorded reason instead of hanging or crashing a run that has been going for hours.

Why repairs live here: an LLM's answer is untrusted input. Bad JSON, a schema mismatch or code the
sandbox rejects is sent back to the same role with the exact error, a bounded number of times; after
that the step fails with `StepFailed(role, reason)` which the graph turns into a recorded decision.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from pydantic import BaseModel, ValidationError

from roboskill.agents.prompts import (
    JSONExtractionError, PromptTooLarge, extract_json, fit_prompt, render_messages, repair_messages,
)
from roboskill.agents.schemas import ROLE_SCHEMAS
from roboskill.tracing.redact import redact_text

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
MAX_ANSWER_CHARS = 200_000


class StepFailed(RuntimeError):
    """One agent step could not produce a valid answer; `reason` is recorded, the run goes on."""

    def __init__(self, role: str, reason: str, usage: Usage | None = None,
                 provider_error: BaseException | None = None) -> None:
        super().__init__(f"{role}: {reason}")
        self.role = role
        self.reason = reason
        self.usage = usage  # tokens the failed step still spent (answers, repairs, timed-out calls)
        self.provider_error = provider_error
        """The provider's last exception (e.g. openai.BadRequestError), so a caller can tell a rejected
        request option (response_format) from other failures without parsing `reason`."""


class LLMConfigError(ValueError):
    """The LLM provider cannot be set up from the settings (message says which setting to fix)."""


# --------------------------------------------------------------------------- usage accounting
@dataclass
class Usage:
    """Tokens and cost of one or more calls (summed with +)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    calls: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cost_usd + other.cost_usd,
            self.calls + other.calls,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": self.input_tokens,
            "output": self.output_tokens,
            "total": self.total_tokens,
            "cost_usd": round(self.cost_usd, 6),
            "calls": self.calls,
        }


@dataclass(frozen=True)
class Pricing:
    per_1k_input: float = 0.0
    per_1k_output: float = 0.0

    def usage_of(self, message: BaseMessage) -> Usage:
        meta = getattr(message, "usage_metadata", None) or {}
        tin = int(meta.get("input_tokens", 0) or 0)
        tout = int(meta.get("output_tokens", 0) or 0)
        if not meta:  # providers without usage reporting: estimate (~4 chars per token) so budgets still bind
            tout = max(1, len(str(message.content)) // 4)
        cost = tin / 1000 * self.per_1k_input + tout / 1000 * self.per_1k_output
        return Usage(tin, tout, cost, 1)


# --------------------------------------------------------------------------- retries
@dataclass
class RetryPolicy:
    """Bounded exponential backoff with jitter; `Retry-After` wins when the server sends one."""

    max_retries: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    timeout_s: float | None = None
    """The per-call limit (`llm.timeout_s`), named in the error; None: read from the model."""
    max_timeouts: int = 2
    """A request that timed out is sent once more, identical; a second timeout fails the step."""

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay_s)
        return min(self.base_delay_s * (2**attempt), self.max_delay_s) * (0.5 + random.random() / 2)


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value is None:
        ms = headers.get("retry-after-ms")
        return float(ms) / 1000 if ms else None
    try:
        return float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _is_timeout(exc: BaseException) -> bool:
    import openai

    return isinstance(exc, (openai.APITimeoutError, TimeoutError)) or "Timeout" in type(exc).__name__


def classify_error(exc: BaseException) -> tuple[bool, str]:
    """(retryable, short description) for a provider exception.

    Retryable: 429, 5xx, 408/409, timeouts, connection errors/resets. Not retryable: 4xx like a bad
    key (401) or an unknown model (404) — retrying those only burns the budget.
    """
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return True, "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return True, f"connection error: {exc}"
    if isinstance(exc, openai.APIStatusError):
        code = exc.status_code
        retry = code in (408, 409, 429) or code >= 500
        return retry, f"HTTP {code}: {str(exc)[:200]}"
    if isinstance(exc, (TimeoutError, ConnectionError)):
        return True, f"{type(exc).__name__}: {exc}"
    name = type(exc).__name__
    if "Timeout" in name or "Connection" in name or "RemoteProtocol" in name:
        return True, f"{name}: {exc}"
    return False, f"{name}: {exc}"


TIMEOUT_HINT = "raise it with --llm-timeout SECONDS, llm.timeout_s in roboskill.yaml or ROBOSKILL_LLM__TIMEOUT_S"


def estimate_tokens(messages: Sequence[BaseMessage]) -> int:
    """~4 characters per token: what a call that never answered (a timeout) still cost the server."""
    return max(1, sum(len(str(m.content)) for m in messages) // 4)


def _timeout_of(model: BaseChatModel, policy: RetryPolicy) -> float | None:
    limit = policy.timeout_s if policy.timeout_s is not None else getattr(model, "request_timeout", None)
    return float(limit) if isinstance(limit, (int, float)) else None


def timeout_message(limit: float | None, times: int, detail: str = "timeout") -> str:
    """The failure reason after `times` timeouts: names the limit and every way to raise it."""
    count = {1: "", 2: " twice"}.get(times, f" {times} times")
    what = f" ({detail})" if detail != "timeout" else ""
    limit_text = f"the limit is {limit:g} s per call" if limit is not None else "the limit is llm.timeout_s per call"
    return f"timed out{count}{what}; {limit_text}: {TIMEOUT_HINT}"


def invoke_counted(
    model: BaseChatModel,
    messages: Sequence[BaseMessage],
    *,
    role: str,
    policy: RetryPolicy | None = None,
    config: dict[str, Any] | None = None,
    pricing: Pricing | None = None,
    options: dict[str, Any] | None = None,
    runnable: Any = None,
) -> tuple[Any, Usage]:
    """`invoke_with_retry` that also returns the usage of the attempts that timed out (estimated prompt tokens).

    `options` are per-call request parameters (max_tokens, temperature, seed) for models that take them.
    A StepFailed raised here carries that usage as `.usage`, so `--max-tokens` binds a run that only times out,
    and the provider's last exception as `.provider_error`.

    `runnable`: what to invoke instead of `model` (anything with `.invoke(messages, config=..., **options)`,
    e.g. `model.with_structured_output(...)`), under the same retries and timeout rules; its result is returned
    as it is. Without it, `model` is invoked and its answer returned as an AIMessage. `model` still names the
    per-call timeout in the failure reason.
    """
    policy = policy or RetryPolicy()
    pricing = pricing or Pricing()
    lost = Usage()
    last = ""
    error: BaseException | None = None
    timeouts = 0
    target = model if runnable is None else runnable
    for attempt in range(policy.max_retries + 1):
        try:
            result = target.invoke(list(messages), config=config, **(options or {}))
            if runnable is None and not isinstance(result, AIMessage):
                result = AIMessage(content=str(getattr(result, "content", result)))
            return result, lost
        except Exception as exc:  # noqa: BLE001 - classified below; never crash the run on a provider fault
            error = exc
            retryable, last = classify_error(exc)
            last = redact_text(last)  # error bodies may echo the key; `last` reaches logs, run.json and the library
            if _is_timeout(exc):
                timeouts += 1
                tokens = estimate_tokens(messages)
                lost = lost + Usage(tokens, 0, tokens / 1000 * pricing.per_1k_input, 1)
                last = timeout_message(_timeout_of(model, policy), timeouts, last)
                if timeouts >= policy.max_timeouts:
                    raise StepFailed(role, f"LLM call failed: {last}", lost, error)
            if not retryable or attempt >= policy.max_retries:
                break
            wait = policy.delay(attempt, _retry_after(exc))
            log.warning("%s: LLM call failed (%s); retry %d/%d in %.1fs", role, last, attempt + 1, policy.max_retries, wait)
            policy.sleep(wait)
    raise StepFailed(role, f"LLM call failed after {policy.max_retries} retries: {last}", lost, error)


def invoke_with_retry(model: BaseChatModel, messages: Sequence[BaseMessage], **options: Any) -> AIMessage:
    """Call the model; retry transient failures within `policy`; raise StepFailed when exhausted.

    Options as `invoke_counted` (role, policy, config, pricing), which also returns the timed-out calls' usage.
    """
    return invoke_counted(model, messages, **options)[0]


# --------------------------------------------------------------------------- structured output
@dataclass(frozen=True)
class PromptBudget:
    """The server's context window and the most answer tokens a call may ask for (`llm.context_window`,
    `llm.max_output_tokens`): prompt + answer budget never exceed the window."""

    context_window: int
    max_output_tokens: int


def takes_call_options(model: BaseChatModel) -> bool:
    """Whether `model` sends per-call request parameters (max_tokens, temperature, seed) to an OpenAI-compatible
    endpoint; the offline model and scripted test models have no such parameters."""
    return getattr(model, "_llm_type", "") == "openai-chat"


#: How much hotter each repair attempt asks the model to sample (capped at REPAIR_MAX_TEMPERATURE).
REPAIR_TEMPERATURE_STEP = 0.2
REPAIR_MAX_TEMPERATURE = 1.0


def repair_variation(model: BaseChatModel, attempt: int) -> dict[str, Any]:
    """Request parameters of repair `attempt` (1, 2, ...): a higher temperature and another seed than the
    first request, so a model that answered badly does not repeat itself word for word."""
    base_t = getattr(model, "temperature", None)
    base_t = 0.7 if base_t is None else float(base_t)
    base_seed = getattr(model, "seed", None)
    base_seed = 0 if base_seed is None else int(base_seed)
    return {"temperature": round(min(REPAIR_MAX_TEMPERATURE, max(base_t, 0.3) + REPAIR_TEMPERATURE_STEP * attempt), 3),
            "seed": base_seed + 1009 * attempt}


# --------------------------------------------------------------------------- provider structured output
#: `llm.structured_output` values.
STRUCTURED_OUTPUT_MODES = ("auto", "json_schema", "json_mode", "off")
#: The order `auto` tries, from the most to the least help the server gives with the answer's shape.
_DOWNGRADES = ("json_schema", "json_mode", "off")
STRUCTURED_OUTPUT_HINT = ("set llm.structured_output to off (plain-text answers; ROBOSKILL_LLM__STRUCTURED_OUTPUT=off "
                          "or `structured_output: off` under llm in roboskill.yaml) or to auto (falls back by itself)")
#: Words of an error body that show the server refused the response_format itself, not the prompt or the key.
_FORMAT_WORDS = ("response_format", "response format", "json_schema", "json schema", "json_object", "json mode",
                 "structured output", "guided_json", "guided decoding", "grammar")


class _ModeRegistry:
    """The `llm.structured_output` of each chat model (set by `make_chat_model`) and the mode `auto` settled on.

    Why keyed by instance id rather than stored on the model: ChatOpenAI is a pydantic model whose fields we do
    not own. Why remembered at all: a server that rejects response_format would otherwise be sent one failed
    request per call. Entries go when their model is garbage-collected.
    """

    def __init__(self) -> None:
        self._configured: dict[int, str] = {}
        self._settled: dict[int, str] = {}  # what `auto` found working
        self._announced: dict[int, str] = {}  # the mode last logged
        self._lock = threading.Lock()

    def _known(self, key: int) -> bool:
        return key in self._configured or key in self._settled or key in self._announced

    def _track(self, model: Any) -> None:
        key = id(model)
        try:
            weakref.finalize(model, self._forget, key)
        except TypeError:  # not weak-referenceable: keep the (tiny) entry
            pass

    def _forget(self, key: int) -> None:
        with self._lock:
            for table in (self._configured, self._settled, self._announced):
                table.pop(key, None)

    def configure(self, model: Any, mode: str) -> None:
        if mode not in STRUCTURED_OUTPUT_MODES:
            raise LLMConfigError(f"llm.structured_output must be one of {', '.join(STRUCTURED_OUTPUT_MODES)}, "
                                 f"got {mode!r}")
        with self._lock:
            known = self._known(id(model))
            self._configured[id(model)] = mode
            self._settled.pop(id(model), None)
        if not known:
            self._track(model)

    def configured(self, model: Any) -> str:
        with self._lock:
            return self._configured.get(id(model), "auto")

    def settled(self, model: Any) -> str | None:
        with self._lock:
            return self._settled.get(id(model))

    def settle(self, model: Any, mode: str, *, auto: bool) -> bool:
        """`mode` answered for `model` (remembered when `auto` chose it); True the first time this mode answers
        for the model, so the caller logs it once (and again only if `auto` had to step down)."""
        with self._lock:
            known = self._known(id(model))
            if auto:
                self._settled[id(model)] = mode
            changed = self._announced.get(id(model)) != mode
            self._announced[id(model)] = mode
        if not known:
            self._track(model)
        return changed


_MODES = _ModeRegistry()


def set_structured_output(model: BaseChatModel, mode: str) -> None:
    """Use `mode` (an `llm.structured_output` value) for `model`'s structured calls; forgets what `auto` learned."""
    _MODES.configure(model, mode)


def structured_output_of(model: BaseChatModel) -> str:
    """The mode `model`'s next structured call uses first: `off` for models without an OpenAI endpoint, what
    `auto` settled on once it has, else the configured value (default `auto`)."""
    if not _supports_response_format(model):
        return "off"
    configured = _MODES.configured(model)
    return (_MODES.settled(model) or configured) if configured == "auto" else configured


def _supports_response_format(model: BaseChatModel) -> bool:
    """A real langchain-openai chat model: only its `with_structured_output` takes method="json_schema". Wrappers
    that report the same `_llm_type` (the critic's image attacher), the offline model and fakes answer in text."""
    if not takes_call_options(model):
        return False
    try:
        from langchain_openai.chat_models.base import BaseChatOpenAI
    except ImportError:  # pragma: no cover - langchain-openai is a dependency
        return False
    return isinstance(model, BaseChatOpenAI)


def _legacy_openai_name(model: BaseChatModel) -> bool:
    """Models for which langchain-openai silently swaps json_schema for tool calling (gpt-3*, gpt-4, gpt-4-*):
    OpenAI has no json_schema response_format for them, and a tool-call answer has no text to fall back on."""
    name = str(getattr(model, "model_name", "") or "")
    return name.startswith("gpt-3") or name.startswith("gpt-4-") or name == "gpt-4"


def rejects_response_format(exc: BaseException | None) -> bool:
    """Whether `exc` is the endpoint refusing the request's response_format (unsupported type, schema it cannot
    compile), as opposed to a bad key, an unknown model, an overlong prompt or a transient fault.

    A client error (400, 415, 422, or 501 not implemented) whose body names response_format / json_schema /
    json_object / grammar: OpenAI ("'response_format' of type 'json_schema' is not supported with this model",
    "Invalid schema for response_format"), vLLM and llama.cpp (guided decoding / grammar errors), LM Studio.
    """
    import openai

    if not isinstance(exc, openai.APIStatusError):
        return False
    if exc.status_code not in (400, 415, 422, 501):
        return False
    text = f"{exc} {getattr(exc, 'body', '') or ''}".lower()
    return any(word in text for word in _FORMAT_WORDS)


def response_format_schema(schema: type[BaseModel]) -> dict[str, Any] | None:
    """The role's JSON schema as sent in response_format (json_schema mode, non-strict), or None when pydantic
    cannot express it (a field type without a JSON schema): the call then asks for json_mode instead.

    Non-strict on purpose: OpenAI's strict mode needs every property required and `additionalProperties: false`
    everywhere, which free-form maps (e.g. `dict[str, str]`) and defaults cannot satisfy; non-strict accepts the
    pydantic schema as it is, and our own validation stays the judge.
    """
    try:
        js = schema.model_json_schema()
    except Exception as exc:  # noqa: BLE001 - e.g. PydanticInvalidForJsonSchema
        log.info("%s has no JSON schema for response_format (%s); asking for json_mode", schema.__name__, exc)
        return None
    # the title becomes response_format.json_schema.name: OpenAI takes [A-Za-z0-9_-]{1,64}
    js["title"] = re.sub(r"[^A-Za-z0-9_-]", "_", str(js.get("title") or schema.__name__))[:64] or "answer"
    return js


class _StructuredRunnable:
    """`model.with_structured_output(schema, method=mode, include_raw=True, **options)`, invoked like a model.

    It returns {"raw": AIMessage, "parsed": dict | None, "parsing_error": exception | None}. The per-call options
    (max_tokens, temperature, seed) are bound into the request by with_structured_output's kwargs.

    One difference from the text path is smoothed over: with response_format set, langchain-openai goes through
    the OpenAI SDK's `parse()`, which raises LengthFinishReasonError (or ContentFilterFinishReasonError) instead of
    returning an answer cut at the token limit. That answer is turned back into the raw message here, so the
    repair loop can tell the model its answer was cut, exactly as on the text path.
    """

    def __init__(self, model: BaseChatModel, schema: dict[str, Any], mode: str, options: dict[str, Any]) -> None:
        self.model = model
        self.chain = model.with_structured_output(schema, method=mode, include_raw=True,  # type: ignore[call-overload]
                                                  **options)

    def invoke(self, messages: list[BaseMessage], config: Any = None, **_: Any) -> dict[str, Any]:
        import openai

        try:
            return self.chain.invoke(messages, config=config)
        except (openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError) as exc:
            completion = getattr(exc, "completion", None)
            if completion is None:
                raise
            return {"raw": _message_of(self.model, completion), "parsed": None, "parsing_error": exc}


def _message_of(model: BaseChatModel, completion: Any) -> AIMessage:
    """The AIMessage (content, usage, finish_reason) of a chat completion the SDK refused to parse."""
    try:
        generation = model._create_chat_result(completion).generations[0]  # type: ignore[attr-defined]
        message = generation.message
        meta = {**(generation.generation_info or {}), **(message.response_metadata or {})}
    except Exception:  # noqa: BLE001 - a private helper of langchain-openai: build the essentials by hand
        choice = completion.choices[0]
        usage = getattr(completion, "usage", None)
        message = AIMessage(content=choice.message.content or "")
        if usage is not None:
            message.usage_metadata = {"input_tokens": usage.prompt_tokens or 0,
                                      "output_tokens": usage.completion_tokens or 0,
                                      "total_tokens": usage.total_tokens or 0}
        meta = {}
    if completion.choices:
        meta["finish_reason"] = completion.choices[0].finish_reason
    if not isinstance(message, AIMessage):
        message = AIMessage(content=str(message.content))
    message.response_metadata = meta
    return message


def _complete_json_object(text: str) -> bool:
    """The answer is one whole JSON object and nothing else. LangChain's parser also completes JSON that breaks
    off (parse_partial_json), so its `parsed` is trusted only then; anything else goes through `extract_json`."""
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _ask(
    model: BaseChatModel,
    messages: list[BaseMessage],
    *,
    role: str,
    schema: type[BaseModel],
    mode: str,
    policy: RetryPolicy | None,
    config: dict[str, Any] | None,
    pricing: Pricing,
    options: dict[str, Any],
) -> tuple[AIMessage, Any, Usage, str]:
    """One request (with retries) in the structured-output mode for `model`: (raw answer, parsed object or None,
    usage of timed-out attempts, the mode that answered).

    `mode` is the configured `llm.structured_output`. Under `auto` a rejected response_format steps down
    json_schema → json_mode → off and the working mode is remembered for `model`; an explicit mode never steps
    down, its rejection fails the step naming the setting.
    """
    if not _supports_response_format(model):
        reply, lost = invoke_counted(model, messages, role=role, policy=policy, config=config, pricing=pricing,
                                     options=options)
        return reply, None, lost, "off"
    if mode == "auto":
        start = _MODES.settled(model) or ("json_mode" if _legacy_openai_name(model) else "json_schema")
        tries = list(_DOWNGRADES[_DOWNGRADES.index(start):])
    else:
        if mode == "json_schema" and _legacy_openai_name(model):
            raise StepFailed(role, f"model {getattr(model, 'model_name', '?')} has no json_schema response_format "
                                   f"(OpenAI structured outputs need gpt-4o or newer); {STRUCTURED_OUTPUT_HINT}")
        tries = [mode]
    js = response_format_schema(schema) if "json_schema" in tries else None
    if js is None and "json_schema" in tries:
        if mode == "json_schema":
            raise StepFailed(role, f"llm.structured_output=json_schema, but {schema.__name__} has no JSON schema; "
                                   f"{STRUCTURED_OUTPUT_HINT}")
        tries.remove("json_schema")
    spent = Usage()
    for i, current in enumerate(tries):
        runnable = None if current == "off" else _StructuredRunnable(model, js or {"title": schema.__name__},
                                                                     current, options)
        try:
            out, lost = invoke_counted(model, messages, role=role, policy=policy, config=config, pricing=pricing,
                                       options=options if runnable is None else None, runnable=runnable)
        except StepFailed as exc:
            exc.usage = spent + (exc.usage or Usage())
            if current == "off" or not rejects_response_format(exc.provider_error):
                raise
            if mode != "auto":
                raise StepFailed(role, f"the endpoint rejected response_format ({current}, from "
                                       f"llm.structured_output={mode}): {_reason_detail(exc.reason)}; "
                                       f"{STRUCTURED_OUTPUT_HINT}", exc.usage, exc.provider_error) from None
            log.info("%s: the endpoint rejects response_format %s (%s); trying %s", role, current,
                     _reason_detail(exc.reason), tries[i + 1])
            spent = exc.usage
            continue
        if _MODES.settle(model, current, auto=mode == "auto"):
            log.info("%s: structured output %s (llm.structured_output=%s) for model %s", role, current, mode,
                     getattr(model, "model_name", "?"))
        if runnable is None:
            return out, None, spent + lost, current
        reply = out.get("raw") if isinstance(out, dict) else None
        if not isinstance(reply, AIMessage):
            reply = AIMessage(content=str(getattr(reply, "content", reply or "")))
        return reply, out.get("parsed"), spent + lost, current
    raise AssertionError("unreachable: the last mode either answers or raises")  # pragma: no cover


def _reason_detail(reason: str) -> str:
    """The provider's words from a StepFailed reason, without the retry preamble."""
    return reason.split(": ", 1)[1] if reason.startswith("LLM call failed") and ": " in reason else reason


@dataclass
class StructuredResult(Generic[T]):
    value: T
    usage: Usage
    attempts: int
    raw: str
    errors: list[str]
    structured_output: str = "off"
    """The response_format mode of the call that answered (json_schema, json_mode or off; off for models
    without an OpenAI-compatible endpoint), so traces and tests can see what the server was asked for."""


def _content_text(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, list):  # content blocks
        return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return str(content or "")


def _format_validation(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:8]:
        loc = ".".join(str(p) for p in err["loc"]) or "<root>"
        parts.append(f"{loc}: {err['msg']}")
    more = f" (+{exc.error_count() - 8} more)" if exc.error_count() > 8 else ""
    return "schema errors: " + "; ".join(parts) + more


def structured_call(
    model: BaseChatModel,
    role: str,
    context: dict[str, Any],
    *,
    schema: type[T] | None = None,
    max_repairs: int = 3,
    extra_check: Callable[[T], list[str]] | None = None,
    policy: RetryPolicy | None = None,
    pricing: Pricing | None = None,
    config: dict[str, Any] | None = None,
    budget: PromptBudget | None = None,
    structured_output: str | None = None,
) -> StructuredResult[T]:
    """Ask `role` for its structured answer; repair invalid answers up to `max_repairs` times.

    `extra_check(value)` returns problems beyond the schema (e.g. sandbox `check_code` issues); they
    are sent back like schema errors. Raises StepFailed with the last error when repairs run out.

    With a `budget`, every request (the first and each repair) is fitted to the context window
    (`prompts.fit_prompt`): the answer budget is lowered to what the window leaves and low-priority context
    trimmed; a prompt that cannot fit fails the step with PromptTooLarge's message (role and sizes).

    Provider structured output (`structured_output`, default: the model's `llm.structured_output` as set by
    `make_chat_model`, else `auto`): an OpenAI-compatible ChatOpenAI is asked through
    `with_structured_output(method="json_schema" | "json_mode", include_raw=True)`, so servers that constrain
    decoding return the schema's JSON. Its parse is used when the answer is a whole JSON object; otherwise (prose
    around the JSON, a cut answer, a server that ignored response_format) the raw text goes through
    `extract_json` as before, and the repair loop is the same in every mode. See `_ask` for `auto`'s fallback.
    """
    if structured_output is not None and structured_output not in STRUCTURED_OUTPUT_MODES:
        raise LLMConfigError(f"structured_output must be one of {', '.join(STRUCTURED_OUTPUT_MODES)}, "
                             f"got {structured_output!r}")
    mode = structured_output or _MODES.configured(model)
    schema = schema or ROLE_SCHEMAS[role]  # type: ignore[assignment]
    pricing = pricing or Pricing()
    usage = Usage()
    errors: list[str] = []
    repairs: list[tuple[str, str]] = []
    raw = ""
    for attempt in range(max_repairs + 1):
        options: dict[str, Any] = {}
        if budget is not None:
            try:
                fitted = fit_prompt(role, context, repairs, context_window=budget.context_window,
                                    max_output_tokens=budget.max_output_tokens)
            except PromptTooLarge as exc:
                raise StepFailed(role, str(exc), usage) from None
            messages = fitted.messages
            if fitted.trimmed:
                log.info("%s: trimmed to fit llm.context_window: %s", role, ", ".join(fitted.trimmed))
            if takes_call_options(model):
                options["max_tokens"] = fitted.max_tokens
        else:
            messages = render_messages(role, context)
            for bad, error in repairs:
                messages += repair_messages(bad, error)
        if attempt and takes_call_options(model):  # a repair resent as-is gets the same answer back
            options.update(repair_variation(model, attempt))
        try:
            reply, parsed, lost, used = _ask(model, messages, role=role, schema=schema,  # type: ignore[arg-type]
                                             mode=mode, policy=policy, config=config, pricing=pricing,
                                             options=options)
        except StepFailed as exc:  # the answers so far and the timed-out calls still count against --max-tokens
            exc.usage = usage + (exc.usage or Usage())
            raise
        usage = usage + lost + pricing.usage_of(reply)
        raw = _content_text(reply)
        try:
            finish = (reply.response_metadata or {}).get("finish_reason")
            if len(raw) > MAX_ANSWER_CHARS:
                raise JSONExtractionError(f"the answer is far too long ({len(raw)} characters); keep it under {MAX_ANSWER_CHARS}")
            try:
                if isinstance(parsed, dict) and finish != "length" and _complete_json_object(raw):
                    data = parsed  # the provider's structured answer
                else:
                    data = extract_json(raw)
            except JSONExtractionError as exc:
                if finish == "length":  # not a JSON mistake: the answer did not fit
                    limit = options.get("max_tokens") or getattr(model, "max_tokens", None)
                    at = f" ({limit} tokens)" if limit else ""
                    raise JSONExtractionError(
                        f"your answer was cut at the token limit{at}; answer shorter: only the ```json block, no "
                        "prose, brief notes and code") from None
                raise
            if not isinstance(data, dict):
                raise JSONExtractionError(f"your answer holds a {type(data).__name__}, not the JSON object the schema asks for")
            value = schema.model_validate(data)  # type: ignore[union-attr]
            problems = extra_check(value) if extra_check else []
            if problems:
                raise JSONExtractionError("; ".join(problems))
            return StructuredResult(value, usage, attempt + 1, raw, errors, used)  # type: ignore[arg-type]
        except (JSONExtractionError, ValidationError) as exc:
            error = _format_validation(exc) if isinstance(exc, ValidationError) else str(exc)
            errors.append(error)
            log.info("%s: invalid answer (attempt %d): %s", role, attempt + 1, error)
            repairs.append((raw[:20_000], error))
    raise StepFailed(role, f"no valid answer after {max_repairs} repairs; last error: {errors[-1]}", usage)


# --------------------------------------------------------------------------- providers
def model_name_for(llm: Any, role: str | None) -> str:
    return llm.role_models.get(role, llm.model) if role else llm.model


def make_chat_model(llm: Any, role: str | None = None, *, seed: int | None = None) -> BaseChatModel:
    """The chat model for `role` from `Settings.llm` (per-role model overrides honoured)."""
    provider = llm.resolved_provider()
    if provider == "offline":
        from roboskill.agents.offline import OfflineChatModel
        return OfflineChatModel(seed=llm.seed if seed is None else seed)
    from langchain_openai import ChatOpenAI

    key = os.environ.get(llm.api_key_env)
    if not key:
        if not llm.base_url:
            raise LLMConfigError(
                f"provider 'openai' needs an API key in ${llm.api_key_env} (or set llm.base_url for a local "
                "server such as vLLM, Ollama or LM Studio, or use --llm offline)"
            )
        key = "not-needed"  # local OpenAI-compatible servers ignore the key
    model = ChatOpenAI(
        model=model_name_for(llm, role),
        base_url=llm.base_url,
        api_key=key,
        timeout=llm.timeout_s,
        max_retries=0,
        temperature=llm.temperature,
        max_tokens=llm.max_output_tokens,
        seed=llm.seed,
    )
    set_structured_output(model, getattr(llm, "structured_output", "auto"))
    return model


class ChatModels:
    """One chat model per role, created lazily; a test can pass `overrides={role: model}`."""

    def __init__(self, llm: Any, overrides: dict[str, BaseChatModel] | None = None, default: BaseChatModel | None = None):
        self.llm = llm
        self._models: dict[str, BaseChatModel] = dict(overrides or {})
        self._default = default

    def __call__(self, role: str) -> BaseChatModel:
        if role not in self._models:
            self._models[role] = self._default if self._default is not None else make_chat_model(self.llm, role)
        return self._models[role]

    @property
    def pricing(self) -> Pricing:
        return Pricing(self.llm.price_per_1k_input, self.llm.price_per_1k_output)

    def policy(self, sleep: Callable[[float], None] = time.sleep) -> RetryPolicy:
        return RetryPolicy(max_retries=self.llm.max_retries, sleep=sleep, timeout_s=self.llm.timeout_s)

    def budget(self) -> PromptBudget | None:
        """The context-window budget of real providers; None for the offline model (it has no window)."""
        if self.llm.resolved_provider() == "offline":
            return None
        return PromptBudget(int(getattr(self.llm, "context_window", 8192)), int(self.llm.max_output_tokens))
