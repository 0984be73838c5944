"""Shared fixtures: every test gets its own ROBOSKILL_HOME so nothing touches the user's library."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path_factory.mktemp("roboskill_home")
    monkeypatch.setenv("ROBOSKILL_HOME", str(home))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    yield home
