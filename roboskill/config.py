"""One settings model for the whole framework.

Values come, in increasing priority, from defaults, a `roboskill.yaml` file (current directory or
`--config`), environment variables prefixed `ROBOSKILL_` (nested with `__`, e.g.
`ROBOSKILL_LLM__MODEL`), and CLI flags. Keeping every knob in one validated model means a bad config
fails at start-up with a message naming the field, instead of hours into a run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
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
    context_window: int = Field(8192, ge=1024)
    """Tokens the server's context holds (Ollama num_ctx, llama.cpp -c, vLLM --max-model-len): every request's
    prompt + answer budget stays within it; the answer budget shrinks to fit, then low-priority context is
    trimmed, else the step fails naming the role and sizes. The offline model has no window."""
    role_models: dict[str, str] = Field(default_factory=dict)
    """Per-role model overrides, e.g. {"reward_writer": "gpt-4o"}."""
    price_per_1k_input: float = Field(0.0, ge=0)
    price_per_1k_output: float = Field(0.0, ge=0)
    seed: int = 0
    structured_output: Literal["auto", "json_schema", "json_mode", "off"] = Field(
        "auto",
        description=(
            "How the `openai` provider asks for the JSON answer. `json_schema`: the request carries the role's "
            "schema as response_format (non-strict), so servers that constrain decoding (OpenAI, vLLM, "
            "llama.cpp, Ollama) return schema-shaped JSON. `json_mode`: response_format json_object (any JSON "
            "object; the schema stays in the prompt). `off`: no response_format, the answer's ```json block is "
            "parsed from the text. `auto` (default): json_schema, and when the endpoint rejects response_format "
            "(HTTP 400/422 naming it) json_mode, then off, remembered per model for the rest of the run. Every "
            "mode falls back to parsing the text and keeps the repair loop. Turn it off for servers that reject "
            "or mishandle response_format (some local servers, small models that answer worse when constrained): "
            "ROBOSKILL_LLM__STRUCTURED_OUTPUT=off. The offline model ignores it."
        ),
    )
    vision: bool = False
    """The configured model accepts images: the critic then also sees a few evaluation keyframes (advice only;
    the task's goal stays the judge). The offline model never gets images."""

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
    eval_episodes: int = Field(20, ge=1)
    accept_success: float = Field(0.8, gt=0.0, le=1.0)
    """Goal success rate over the evaluation starts a candidate needs to be accepted (point estimate)."""


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
    tensorboard: bool = False
    """Also write TensorBoard event files of every training attempt to its `tb/` directory (`--tensorboard`)."""

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


# --------------------------------------------------------------------------- layered sources
ENV_PREFIX = "ROBOSKILL_"


@dataclass(frozen=True)
class Origin:
    """Where one effective setting came from: kind is default | file | env | flag; name the file, variable or flag."""

    kind: Literal["default", "file", "env", "flag"]
    name: str | None = None

    def __str__(self) -> str:
        return self.kind if self.name is None else f"{self.kind} {self.name}"


@dataclass
class Layers:
    """The raw values of each source, lowest priority first: file < env < flags (defaults are the model's)."""

    file_path: Path | None = None
    file: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)
    flags: dict[str, Any] = field(default_factory=dict)
    flag_names: dict[str, str] = field(default_factory=dict)
    """Dotted setting → the flag that set it (e.g. "llm.timeout_s" → "--llm-timeout"), for `origin`."""

    def merged(self) -> dict[str, Any]:
        return _deep_merge(_deep_merge(self.file, self.env), self.flags)

    def origin(self, dotted: str) -> Origin | None:
        """The highest-priority layer that sets `dotted` (or a setting under it); None when none does."""
        path = dotted.split(".")
        if _lookup(self.flags, path):
            return Origin("flag", self.flag_names.get(dotted))
        if _lookup(self.env, path):
            return Origin("env", _env_var_name(path))
        if _lookup(self.file, path):
            return Origin("file", str(self.file_path))
        return None


def _lookup(data: dict[str, Any], path: list[str]) -> bool:
    node: Any = data
    for part in path:
        if not isinstance(node, dict):
            return False
        match = [k for k in node if str(k).lower() == part.lower()]
        if not match:
            return False
        node = node[match[0]]
    return True


def _env_var_name(path: list[str]) -> str:
    """The environment variable that carries `path`: `ROBOSKILL_LLM__TIMEOUT_S`, or `ROBOSKILL_LLM` holding JSON."""
    present = {k.upper(): k for k in os.environ}
    for i in range(len(path), 0, -1):
        name = ENV_PREFIX + "__".join(path[:i]).upper()
        if name in present:
            return present[name]
    return ENV_PREFIX + "__".join(path).upper()


def _env_layer() -> dict[str, Any]:
    """Every `ROBOSKILL_*` variable that names a setting, decoded the way pydantic-settings does (nested with `__`)."""
    from pydantic_settings import EnvSettingsSource

    try:
        return EnvSettingsSource(Settings)()
    except Exception as exc:  # noqa: BLE001 - e.g. ROBOSKILL_LLM='{not json': name the variable, no traceback
        raise ConfigError(f"environment: cannot read the ROBOSKILL_* settings variables: {exc}") from None


def _read_file(config_file: str | Path | None) -> tuple[Path | None, dict[str, Any]]:
    """The settings file (given, or ./roboskill.yaml if present) as a mapping; ConfigError naming it otherwise."""
    path = Path(config_file) if config_file else Path(DEFAULT_CONFIG_FILE)
    if config_file and not path.exists():
        raise ConfigError(f"config file not found: {path}")
    if not path.exists():
        return None, {}
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
    return path, loaded


def read_layers(config_file: str | Path | None = None, flag_names: dict[str, str] | None = None,
                **overrides: Any) -> Layers:
    """The file, environment and flag layers (`overrides` are the flags, as nested settings; None means not given)."""
    path, data = _read_file(config_file)
    flags = {k: v for k, v in overrides.items() if v is not None}
    return Layers(path, data, _env_layer(), flags, dict(flag_names or {}))


def settings_from(layers: Layers) -> Settings:
    """Validate the merged layers; ConfigError naming the file, variable or flag of each bad field."""
    try:
        return Settings(**layers.merged())
    except ValidationError as exc:
        sources: list[str] = []
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            problems.append(f"{loc or '<root>'}: {err['msg']}")
            origin = layers.origin(loc) if loc else None
            if origin is None or origin.kind == "file":
                source = str(layers.file_path) if layers.file_path else "settings"
            elif origin.kind == "env":
                source = f"environment variable {origin.name}"
            else:
                source = f"command-line flag {origin.name}" if origin.name else "command-line flags"
            if source not in sources:
                sources.append(source)
        raise ConfigError(f"{', '.join(sources)}: invalid configuration: {'; '.join(problems)}") from None


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Load settings: defaults < the YAML file < `ROBOSKILL_*` environment variables < explicit overrides (flags).

    Raises ConfigError naming the file (or variable, or flag) and the offending fields, never a raw traceback.
    """
    return settings_from(read_layers(config_file, **overrides))


def explain_settings(layers: Layers) -> tuple[Settings, list[tuple[str, Any, Origin]]]:
    """The effective settings and, for every leaf setting, (dotted name, value, where it came from)."""
    settings = settings_from(layers)
    rows: list[tuple[str, Any, Origin]] = []

    def walk(model: BaseModel, prefix: str) -> None:
        for name in type(model).model_fields:
            value = getattr(model, name)
            dotted = f"{prefix}{name}"
            if isinstance(value, BaseModel):
                walk(value, dotted + ".")
            else:
                rows.append((dotted, value, layers.origin(dotted) or Origin("default")))

    walk(settings, "")
    return settings, rows
