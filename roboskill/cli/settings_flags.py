"""The CLI flags that set a setting: one table, so `run`/`learn`/`chat` and `roboskill config` agree on them.

Flags are the highest-priority layer (defaults < roboskill.yaml < ROBOSKILL_* environment < flags);
`roboskill config` names the flag that set a value from the same table.
"""

from __future__ import annotations

from typing import Any

LLM_HELP = ("Chat model provider: offline (embedded procedural model, not an LLM) or openai "
            "(any OpenAI-compatible endpoint).")
LLM_TIMEOUT_HELP = ("Seconds one LLM call may take before it times out (llm.timeout_s, default 60; "
                    "CPU-served local models often need 300 or more).")

FLAG_SETTINGS: dict[str, tuple[str, str]] = {
    # keyword of the command function: (dotted setting, flag)
    "llm": ("llm.provider", "--llm"),
    "model": ("llm.model", "--model"),
    "base_url": ("llm.base_url", "--base-url"),
    "llm_timeout": ("llm.timeout_s", "--llm-timeout"),
    "executor": ("executor.kind", "--executor"),
    "workers": ("executor.workers", "--workers"),
    "max_tasks": ("budgets.max_tasks", "--max-tasks"),
    "max_iterations": ("budgets.max_iterations_per_task", "--max-iterations"),
    "candidates": ("budgets.candidates_per_iteration", "--candidates"),
    "train_budget": ("budgets.train_budget_s", "--train-budget"),
    "wall_clock": ("budgets.wall_clock_s", "--wall-clock"),
    "max_tokens": ("budgets.max_tokens", "--max-tokens"),
    "seed": ("seed", "--seed"),
    "tensorboard": ("tensorboard", "--tensorboard"),
}
FLAG_NAMES: dict[str, str] = {dotted: flag for dotted, flag in FLAG_SETTINGS.values()}


def flag_overrides(**given: Any) -> dict[str, Any]:
    """The flags given (not None) → nested settings overrides, e.g. llm_timeout=300 → {"llm": {"timeout_s": 300}}."""
    out: dict[str, Any] = {}
    for keyword, value in given.items():
        if value is None:
            continue
        *parents, leaf = FLAG_SETTINGS[keyword][0].split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out
