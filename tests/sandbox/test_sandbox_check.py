"""Static check: good code passes, each forbidden construct is named with its line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from roboskill.tools.sandbox import check_code

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "rewards").glob("*.py"))

GOOD = '''
import math
import numpy as np
from math import sqrt, pi

GOAL = np.array([0.1, 0.2, 0.0])
SCALE: float = 2.0


def _shaped(d, scale=1.0):
    return math.exp(-scale * d)


def compute_reward(state):
    d = np.linalg.norm(state.object_position("cube") - GOAL)
    terms = {"goal": _shaped(d, SCALE), "reach": -sqrt(state.distance("ee", "cube"))}
    total = 0.0
    for name, value in terms.items():
        total += value
    best = max([v for v in terms.values()] + [0.0])
    label = f"{d:.3f}"
    ok = (n := len(label)) > 0 and best >= 0.0
    return total if ok else -pi, terms


def is_success(state):
    return bool(np.linalg.norm(state.object_position("cube") - GOAL) < 0.05)
'''


def test_good_code_passes() -> None:
    assert check_code(GOOD) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_rewards_pass(path: Path) -> None:
    assert check_code(path.read_text()) == []


def test_examples_exist() -> None:
    assert {p.stem for p in EXAMPLES} >= {"push_cube", "pick_and_place", "open_drawer", "press_button"}


@pytest.mark.parametrize(
    ("snippet", "fragment"),
    [
        ("x = ().__class__", "__class__"),
        ("x = state._world", "._world"),
        ("import os", "import of 'os'"),
        ("from numpy import load", "from numpy import"),
        ("x = np.load('f')", "np.load"),
        ("x = np.random.rand(3)", "np.random"),
        ("x = np.linalg.svd(1)", "np.linalg.svd"),
        ("x = math.factorial(10)", "math.factorial"),
        ("x = eval('1')", "'eval'"),
        ("x = '{0.a}'.format(state)", ".format"),
        ("state.x = 1", "assigning to attributes"),
        ("x = lambda y=print: y", "defaults"),
        ("x = b'a'", "bytes"),
        ("assert False\n    del x", "del is not allowed"),
    ],
)
def test_forbidden_construct_is_named_at_its_line(snippet: str, fragment: str) -> None:
    source = ("import math\nimport numpy as np\n\ndef compute_reward(state):\n    " + snippet +
              "\n    return 0.0, {}\n\ndef is_success(state):\n    return False\n")
    issues = check_code(source)
    assert issues, snippet
    assert any(fragment in i.message for i in issues), [i.message for i in issues]
    assert issues[0].line >= 5 and issues[0].col >= 1


def test_required_functions_and_arity() -> None:
    only_reward = "def compute_reward(state):\n    return 0.0, {}\n"
    assert check_code(only_reward, require=("compute_reward",)) == []
    missing = check_code(only_reward)
    assert [i.message for i in missing] == ["missing required function 'def is_success(state): ...'"]
    two_args = "def compute_reward(state, extra):\n    return 0.0, {}\ndef is_success(state):\n    return True\n"
    issues = check_code(two_args)
    assert issues[0].line == 1 and "exactly one argument" in issues[0].message
    with_default = "def compute_reward(state, k=1.0):\n    return 0.0, {}\ndef is_success(state):\n    return True\n"
    assert check_code(with_default) == []


def test_syntax_error_reports_line() -> None:
    issues = check_code("def compute_reward(state):\n    return (1.0,\n\ndef is_success(state):\n    return 1\n")
    assert len(issues) == 1 and issues[0].message.startswith("syntax error")
    assert issues[0].line in (2, 4)


def test_module_level_logic_rejected_and_non_string_input() -> None:
    issues = check_code("for i in range(3):\n    pass\ndef compute_reward(state):\n    return 0.0, {}\n"
                        "def is_success(state):\n    return True\n")
    assert issues[0].line == 1 and "module level" in issues[0].message
    assert check_code(None)[0].message.startswith("source must be a string")  # type: ignore[arg-type]
    assert "too long" in check_code("#" * 100_001)[0].message
