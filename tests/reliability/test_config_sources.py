"""Settings priority (defaults < roboskill.yaml < ROBOSKILL_* env < flags) and `roboskill config` naming each source."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roboskill.agents.runner import settings_for_run
from roboskill.cli.main import app
from roboskill.cli.settings_flags import FLAG_NAMES, FLAG_SETTINGS, flag_overrides
from roboskill.config import ConfigError, explain_settings, load_settings, read_layers

YAML = "llm:\n  timeout_s: 30\n  model: file-model\nbudgets:\n  max_tasks: 7\n"


@pytest.fixture()
def in_dir_with_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "roboskill.yaml").write_text(YAML)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "roboskill.yaml"


def _line(output: str, key: str) -> str:
    (line,) = [ln for ln in output.splitlines() if ln.split() and ln.split()[0] == key]
    return line


def test_env_overrides_the_file_and_flags_override_env(in_dir_with_yaml: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().llm.timeout_s == 30
    monkeypatch.setenv("ROBOSKILL_LLM__TIMEOUT_S", "777")
    s = load_settings()
    assert s.llm.timeout_s == 777 and s.llm.model == "file-model" and s.budgets.max_tasks == 7
    assert load_settings(llm={"timeout_s": 5}).llm.timeout_s == 5
    # an explicit --config file loses to the environment too; and so does a resumed run's stored config
    other = in_dir_with_yaml.parent / "other.yaml"
    other.write_text("llm:\n  timeout_s: 12\n")
    assert load_settings(other).llm.timeout_s == 777
    assert settings_for_run({}, config_file=str(other), resume_run=None).llm.timeout_s == 777


def test_explain_names_every_source(in_dir_with_yaml: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROBOSKILL_LLM__TIMEOUT_S", "777")
    monkeypatch.setenv("ROBOSKILL_EXECUTOR", '{"job_memory_mb": 1024}')  # a whole section as JSON
    layers = read_layers(flag_names=FLAG_NAMES, **flag_overrides(model="flag-model", llm_timeout=None))
    _, rows = explain_settings(layers)
    origin = {key: str(o) for key, _, o in rows}
    value = {key: v for key, v, _ in rows}
    assert (value["llm.timeout_s"], origin["llm.timeout_s"]) == (777, "env ROBOSKILL_LLM__TIMEOUT_S")
    assert (value["llm.model"], origin["llm.model"]) == ("flag-model", "flag --model")
    assert (value["budgets.max_tasks"], origin["budgets.max_tasks"]) == (7, "file roboskill.yaml")
    assert (value["executor.job_memory_mb"], origin["executor.job_memory_mb"]) == (1024, "env ROBOSKILL_EXECUTOR")
    assert origin["llm.temperature"] == "default" and origin["executor.kind"] == "default"


def test_roboskill_config_shows_env_over_file(in_dir_with_yaml: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROBOSKILL_LLM__TIMEOUT_S", "777")
    res = CliRunner().invoke(app, ["config"])
    assert res.exit_code == 0, res.output
    assert str(in_dir_with_yaml.resolve()) in res.output
    assert "777" in _line(res.output, "llm.timeout_s") and "env ROBOSKILL_LLM__TIMEOUT_S" in _line(res.output, "llm.timeout_s")
    assert "file-model" in _line(res.output, "llm.model") and "(file roboskill.yaml)" in _line(res.output, "llm.model")
    assert "(default)" in _line(res.output, "llm.max_retries")
    res = CliRunner().invoke(app, ["config", "--json", "--llm-timeout", "300"])
    data = json.loads(res.output)
    assert data["settings"]["llm.timeout_s"] == {"value": 300.0, "source": "flag", "name": "--llm-timeout"}
    assert data["settings"]["llm.model"] == {"value": "file-model", "source": "file", "name": "roboskill.yaml"}
    assert data["settings"]["budgets.eval_episodes"]["source"] == "default"
    assert data["config_file"] == str(in_dir_with_yaml.resolve())


def test_roboskill_config_as_a_real_command(in_dir_with_yaml: Path) -> None:
    """The issue's check, literally: `ROBOSKILL_LLM__TIMEOUT_S=777 roboskill config` beside a roboskill.yaml."""
    import os

    env = {**os.environ, "ROBOSKILL_LLM__TIMEOUT_S": "777"}
    res = subprocess.run(["roboskill", "config"], cwd=in_dir_with_yaml.parent, env=env, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    line = _line(res.stdout, "llm.timeout_s")
    assert "777" in line and "ROBOSKILL_LLM__TIMEOUT_S" in line


@pytest.mark.parametrize("env, flag, needle", [
    ({"ROBOSKILL_LLM__TIMEOUT_S": "soon"}, [], "environment variable ROBOSKILL_LLM__TIMEOUT_S"),
    ({"ROBOSKILL_LLM__TIMEOUT_S": "-3"}, [], "environment variable ROBOSKILL_LLM__TIMEOUT_S"),
    ({}, ["--llm-timeout", "0"], "command-line flag --llm-timeout"),
    ({"ROBOSKILL_LLM": "{not json"}, [], "ROBOSKILL_"),
])
def test_bad_values_name_their_source(in_dir_with_yaml: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                      flag: list[str], needle: str) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    res = CliRunner().invoke(app, ["config", *flag])
    assert res.exit_code == 2 and needle in res.output and "Traceback" not in res.output, res.output
    assert in_dir_with_yaml.read_text() == YAML  # never rewritten
    if not flag:
        with pytest.raises(ConfigError, match="ROBOSKILL_"):
            load_settings()


def test_a_bad_file_value_still_names_the_file(in_dir_with_yaml: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    in_dir_with_yaml.write_text("llm:\n  timeout_s: -1\n")
    monkeypatch.setenv("ROBOSKILL_LLM__MODEL", "m")
    with pytest.raises(ConfigError, match="roboskill.yaml: invalid configuration: llm.timeout_s"):
        load_settings()


def test_every_run_flag_maps_to_a_real_setting() -> None:
    """The flag table is the only place a flag meets its setting; each entry must name an existing field."""
    for keyword, (dotted, flag) in FLAG_SETTINGS.items():
        assert flag.startswith("--")
        node = load_settings()
        for part in dotted.split("."):
            assert hasattr(node, part), f"{keyword} → {dotted}"
            node = getattr(node, part)
    assert flag_overrides(llm_timeout=300, max_tokens=None, seed=3) == {"llm": {"timeout_s": 300}, "seed": 3}
