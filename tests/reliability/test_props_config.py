"""Property-based tests: any config file gives `Settings` or a `ConfigError` naming the file, nothing else.

A bad config must fail at start-up with a message naming the file and the field (roboskill.config's
promise), never an unrelated exception hours into a run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roboskill.config import ConfigError, Settings, load_settings

SETTINGS = settings(max_examples=80, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True) | st.text(max_size=8)
junk = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.one_of(st.text(max_size=6), st.integers(), st.booleans(), st.none()), inner, max_size=3), max_leaves=8)


def maybe(s: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(s, s, junk)


llm = st.fixed_dictionaries({}, optional={
    "provider": maybe(st.sampled_from(["auto", "offline", "openai", "gpt"])), "model": maybe(st.text(max_size=10)),
    "base_url": maybe(st.sampled_from([None, "http://127.0.0.1:1/v1", "not a url"])),
    "temperature": maybe(st.floats(-1, 3)), "timeout_s": maybe(st.floats(-1, 100)),
    "max_retries": maybe(st.integers(-2, 30)), "role_models": maybe(st.dictionaries(st.text(max_size=5), st.text(max_size=5))),
    "seed": maybe(st.integers())})
budgets = st.fixed_dictionaries({}, optional={
    "max_tasks": maybe(st.integers(-1, 10)), "max_iterations_per_task": maybe(st.integers(-1, 60)),
    "candidates_per_iteration": maybe(st.integers(-1, 40)), "wall_clock_s": maybe(st.floats(-5, 100)),
    "train_budget_s": maybe(st.floats(-5, 100)), "eval_episodes": maybe(st.integers(-1, 20))})
config_dicts = st.fixed_dictionaries({}, optional={
    "home": maybe(st.sampled_from(["/tmp/rs_home", "~/x", "relative/dir", ""])), "seed": maybe(st.integers()),
    "llm": maybe(llm), "budgets": maybe(budgets),
    "executor": maybe(st.fixed_dictionaries({}, optional={"kind": st.sampled_from(["local", "ray", "k8s"]),
                                                           "workers": st.integers(-1, 8)})),
    "novelty_threshold": maybe(st.floats(-1, 2)), "unknown_key": junk,
})


def _dump(data: Any) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=True)
    except yaml.YAMLError:
        return "seed: 1\n"


texts = st.one_of(
    config_dicts.map(_dump), config_dicts.map(_dump),
    junk.map(_dump),
    st.text(max_size=150),
    st.text(alphabet=st.sampled_from(list("abc:-[]{}#&*!|>'\"\n\t %@,?0123456789.")), max_size=100),
    st.sampled_from(["", "~", "[1, 2]", "just a string", "1: 2", "true: 1", "null: x", "? [a]\n: b",
                     "llm: [1]", "llm:\n  provider: gpt", "budgets: {max_tasks: 0}", "[" * 60,
                     "!!python/object/apply:os.system ['true']", "a: &x [1]\nb: *x", "home: !!binary AAAA",
                     "llm:\n  1: 2", "seed: .nan", "novelty_threshold: .inf"]),
)


def _check(exc: ConfigError, path: Path) -> None:
    text = str(exc)
    assert str(path) in text, f"ConfigError must name the file: {text}"
    assert "Traceback" not in text


@SETTINGS
@given(text=texts)
def test_any_yaml_text_gives_settings_or_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "roboskill.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        s = load_settings(path)
    except ConfigError as exc:
        _check(exc, path)
        return
    assert isinstance(s, Settings)
    assert path.read_bytes() == text.encode("utf-8")  # never rewritten (bytes: read_text would turn "\r" into "\n")


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=100))
def test_any_bytes_give_settings_or_config_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "cfg.yaml"
    path.write_bytes(raw)
    try:
        load_settings(path)
    except ConfigError as exc:
        _check(exc, path)


@settings(max_examples=60, deadline=None, database=None)
@given(overrides=config_dicts)
def test_overrides_give_settings_or_config_error(overrides: dict[str, Any]) -> None:
    """CLI flags arrive as overrides; same promise without a file."""
    try:
        load_settings(None, **{k: v for k, v in overrides.items() if isinstance(k, str)})
    except ConfigError as exc:
        assert "invalid configuration" in str(exc)


@pytest.mark.parametrize("text, needle", [
    ("1: 2\n", "1"),                                # non-string keys used to escape as TypeError
    ("llm:\n  1: 2\n", "llm"),  # nested: pydantic names llm.1
    ("[" * 1500, "not valid YAML"),                 # used to escape as RecursionError
    ("llm:\n  provider: gpt\n", "llm.provider"),
    ("budgets: {max_tasks: 0}\n", "budgets.max_tasks"),
], ids=["int-key", "nested-int-key", "deep-nesting", "bad-provider", "bad-budget"])
def test_known_bad_configs_name_file_and_field(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_settings(path)
    _check(exc.value, path)
    assert needle in str(exc.value)


def test_missing_and_directory_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.yaml")
    (tmp_path / "d.yaml").mkdir()
    with pytest.raises(ConfigError, match="d.yaml"):
        load_settings(tmp_path / "d.yaml")
