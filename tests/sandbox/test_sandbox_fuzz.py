"""Property tests: the checker and loader never crash on arbitrary or mangled input — every outcome is
an issue list or a SandboxError with a message, never another exception."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roboskill.tools.sandbox import CodeIssue, SandboxError, check_code, load_reward_module

from .stubs import StubState

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "rewards" / "push_cube.py").read_text()
TOKENS = ["(", ")", "[", "]", ":", ".", "__", "_", "state", "np", "math", "import os", "0", "1e308", "**", "*",
          "/", "\n", "    ", "return", "lambda", "'", '"', "{", "}", "=", "def ", "while True:", "nan", "inf"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_check_code_total_on_arbitrary_text(source: str) -> None:
    issues = check_code(source)
    assert isinstance(issues, list) and all(isinstance(i, CodeIssue) and i.line >= 1 for i in issues)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(EXAMPLE)), st.integers(0, 8), st.sampled_from(TOKENS)), max_size=4))
def test_mangled_examples_are_checked_or_fail_cleanly(edits: list[tuple[int, int, str]]) -> None:
    source = EXAMPLE
    for pos, cut, token in edits:
        pos = min(pos, len(source))
        source = source[:pos] + token + source[pos + cut:]
    issues = check_code(source)
    if issues:
        return
    state = StubState()
    try:
        functions = load_reward_module(source, time_limit_s=0.2)
        functions.compute_reward(state)
        functions.is_success(state)
    except SandboxError as exc:
        assert exc.message and exc.kind in {"check", "load", "runtime", "timeout", "memory", "return"}
