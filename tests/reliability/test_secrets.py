"""Secrets: with OPENAI_API_KEY set and the `openai` provider on the loopback server, the key never appears
in the run directory (traces.sqlite and its WAL, run.json, config.yaml, checkpoints, artefacts), in exported
traces, on stdout/stderr, or in log records — even when the server echoes it back in errors and answers.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from roboskill.cli.main import app
from roboskill.config import load_settings
from tests.agents import fakes as F
from tests.agents.chat_server import ChatServer
from tests.reliability._llm_run import deps_factory, good, role_of

CANARY = "sk-canary-" + "7f3a9c" * 6
LEAKY_PROSE = f"Sure. For the record my config is api_key={CANARY} and Authorization: Bearer {CANARY}."


def _leaky_server_script() -> Any:
    """A hostile/buggy endpoint: echoes the key in a 500 body and in a prose answer, then behaves."""
    seen: dict[str, int] = {}

    def behaviour(body: dict[str, Any]) -> dict[str, Any]:
        role = role_of(body)
        n = seen[role] = seen.get(role, 0) + 1
        if role == "proposer" and n == 1:
            return {"status": 500, "body": {"error": {"message": f"upstream rejected key {CANARY}", "type": "x"}}}
        if role == "reward_writer" and n == 1:
            return {"content": LEAKY_PROSE}
        return good(body)

    return behaviour


def _files_containing(root: Path, needle: bytes) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_api_key_never_written_anywhere(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
                                        tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    lib = F.FakeLibrary()
    monkeypatch.setattr("roboskill.agents.runner.default_deps", deps_factory(lib, F.FakeTrainer([[1.0]]), []))
    caplog.set_level(logging.DEBUG)
    with ChatServer([_leaky_server_script()]) as server:
        res = CliRunner().invoke(app, ["run", "--llm", "openai", "--base-url", server.base_url, "--model", "m",
                                       "--max-tasks", "1", "--no-live", "--run-id", "secret_run"])
    assert res.exit_code == 0, res.output
    # the key really was sent (so the test would see a leak if there was one)
    auth = {k.lower(): v for k, v in server.headers[0].items()}["authorization"]
    assert auth == f"Bearer {CANARY}"
    assert [r.name for r in lib.list()] == ["push_cube_left"]

    run_dir = load_settings().runs_root / "secret_run"
    assert (run_dir / "traces.sqlite").exists() and (run_dir / "run.json").exists() and (run_dir / "config.yaml").exists()
    key = CANARY.encode()
    assert _files_containing(run_dir, key) == [], "API key written into the run directory"
    assert CANARY not in res.output
    leaked_logs = [r.getMessage() for r in caplog.records if CANARY in r.getMessage()]
    assert not leaked_logs, leaked_logs[:3]

    # exported traces (the command exists in roboskill/tracing; the JSONL must be clean too)
    out = tmp_path / "spans.jsonl"
    exp = CliRunner().invoke(app, ["traces", "export", "secret_run", "--format", "jsonl", "-o", str(out)])
    assert exp.exit_code == 0, exp.output
    text = out.read_text()
    assert "REDACTED" in text or "redacted" in text.lower(), "the echoed key should have been seen and redacted"
    assert CANARY not in text
    show = CliRunner().invoke(app, ["traces", "show", "secret_run", "--full", "--json"])
    assert show.exit_code == 0 and CANARY not in show.output
    # the redaction did not eat the useful part of the error
    assert "upstream rejected key" in text or "HTTP 500" in text


def test_key_from_a_custom_env_var_is_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    """`llm.api_key_env` may name any variable; a value that does not look like `sk-…` must still be hidden."""
    from roboskill.tracing.redact import redact

    secret = "plainsecretvalue0123456789abcdef"
    monkeypatch.setenv("MY_PROVIDER_TOKEN", secret)
    assert secret not in str(redact({"response": f"token is {secret}", "nested": [secret]}))


def test_key_echoed_in_a_persistent_error_is_not_stored_in_reasons(monkeypatch: pytest.MonkeyPatch) -> None:
    """A StepFailed reason quotes the provider's error: it lands in run.json `failed`, the library's failure
    record and the logs, so it must be redacted before it is recorded."""
    from roboskill.agents.runner import open_run
    from tests.reliability._llm_run import settings_for

    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    leak = {"status": 500, "body": {"error": {"message": f"bad key {CANARY} (Bearer {CANARY})", "type": "x"}}}
    lib = F.FakeLibrary()
    with ChatServer([leak]) as server:
        settings = settings_for(server.base_url, max_retries=1)
        with open_run(settings, run_id="leaky", deps_factory=deps_factory(lib, F.FakeTrainer([[1.0]]), [])) as run:
            out = run.start()
    assert out.status == "finished"
    (failed,) = out.values["failed"]
    assert "HTTP 500" in failed["reason"] and CANARY not in failed["reason"]
    assert all(CANARY not in f.reason for f in lib.list_failures())
    assert _files_containing(run.run_dir, CANARY.encode()) == []
