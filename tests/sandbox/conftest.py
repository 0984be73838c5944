"""Fixtures for the sandbox tests."""

from __future__ import annotations

import pytest

from .stubs import StubState


@pytest.fixture
def stub_state() -> StubState:
    return StubState()
