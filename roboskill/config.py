"""One settings model for the whole framework.

Values come, in increasing priority, from defaults, a `roboskill.yaml` file (current directory or
`--config`), environment variables prefixed `ROBOSKILL_` (nested with `__`, e.g.
`ROBOSKILL_LLM__MODEL`), and CLI flags. Keeping every knob in one validated model means a bad config
fails at start-up with a message naming the field, instead of hours into a run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_CONFIG_FILE = "roboskill.yaml"


class ConfigError(ValueError):
    """A configuration file or value that cannot be used; the message names the file and field."""


class LLMSettings(BaseModel):
    """Which chat model answers the agents' prompts.

    `offline` is the embedded procedural generator (not an LLM); `openai` is any OpenAI-compatible
    endpoint through langchain-openai (OpenAI, vLLM, Ollama, llama.cpp server, LM Studio).
    """

    model_config = ConfigDict(extra="forbid")  # a typo (`modle:`) is an error naming it, not silently ignored

    provider: Literal["auto", "offline", "openai"] = "auto"
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    timeout_s: float = Field(60.0, gt=0)
    max_retries: int = Field(4, ge=0, le=20)
    max_output_tokens: int = Field(4096, gt=0)
    role_models: dict[str, str] = Field(default_factory=dict)
    """Per-role model overrides, e.g. {"reward_writer": "gpt-4o"}."""
    price_per_1k_input: float = Field(0.0, ge=0)
    price_per_1k_output: float = Field(0.0, ge=0)
    seed: int = 0

    def resolved_provider(self) -> Literal["offline", "openai"]:
        """`auto` means: a real LLM when an API key or a base_url is configured, else offline."""
        if self.provider != "auto":
            return self.provider
        if self.base_url or os.environ.get(self.api_key_env):
            return "openai"
        return "offline"


class BudgetSettings(BaseModel):
    """Bounds that keep an open-ended loop from running away."""

    model_config = ConfigDict(extra="forbid")

    max_tasks: int = Field(5, ge=1)
    max_iterations_per_task: int = Field(3, ge=1, le=50)
    candidates_per_iteration: int = Field(2, ge=1, le=32)
    max_repairs_per_step: int = Field(3, ge=0, le=10)
    wall_clock_s: float | None = Field(None, gt=0)
    max_tokens: int | None = Field(None, gt=0)
    train_budget_s: float = Field(60.0, gt=0)
    eval_episodes: int = Field(10, ge=1)


class ExecutorSettings(BaseModel):
    """Where training jobs run: a local process pool (default) or a Ray cluster."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["local", "ray"] = "local"
    workers: int | None = Field(None, ge=1)
    ray_address: str | None = None
    job_memory_mb: int = Field(4096, ge=256)


class Settings(BaseSettings):
    """Everything configurable, validated once at start-up."""

    model_config = SettingsConfigDict(env_prefix="ROBOSKILL_", env_nested_delimiter="__", extra="forbid")

    home: Path = Field(default_factory=lambda: Path(os.environ.get("ROBOSKILL_HOME", "~/.roboskill")).expanduser())
    library_path: Path | None = None
    runs_dir: Path | None = None
    seed: int = 0
    llm: LLMSettings = Field(default_factory=LLMSettings)
    budgets: BudgetSettings = Field(default_factory=BudgetSettings)
    executor: ExecutorSettings = Field(default_factory=ExecutorSettings)
    novelty_threshold: float | None = Field(None, ge=0.0, le=1.0)
    """Cosine similarity above which a proposal counts as already learned (None: calibrated default)."""

    @field_validator("home", mode="after")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def library_dir(self) -> Path:
        return (self.library_path or self.home / "library").expanduser()

    @property
    def runs_root(self) -> Path:
        return (self.runs_dir or self.home / "runs").expanduser()


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Load settings from an optional YAML file plus environment plus explicit overrides.

    Raises ConfigError naming the file and the offending fields, never a raw traceback.
    """
    data: dict[str, Any] = {}
    path = Path(config_file) if config_file else Path(DEFAULT_CONFIG_FILE)
    if config_file and not path.exists():
        raise ConfigError(f"config file not found: {path}")
    if path.exists():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from None
        except RecursionError:  # "[[[[…" thousands deep: PyYAML recurses per level
            raise ConfigError(f"{path}: not valid YAML: nested too deeply") from None
        except OSError as exc:  # a directory, no permission, ...
            raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: the top level must be a mapping of settings, got {type(loaded).__name__}")
        bad_keys = [k for k in loaded if not isinstance(k, str)]
        if bad_keys:  # `1: 2` would otherwise escape as a TypeError from Settings(**data)
            raise ConfigError(f"{path}: setting names must be text, got {bad_keys[0]!r}; see the documented keys "
                              "(home, llm, budgets, executor, ...)")
        data = loaded
    clean_overrides = {k: v for k, v in overrides.items() if v is not None}
    data = _deep_merge(data, clean_overrides)
    try:
        return Settings(**data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()
        )
        source = str(path) if path.exists() else "settings"
        raise ConfigError(f"{source}: invalid configuration: {problems}") from None
