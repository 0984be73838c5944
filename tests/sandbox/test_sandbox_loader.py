"""Loading and calling generated code: results checked, time bounded, errors carry the user's line."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from roboskill.tools.sandbox import SandboxError, load_reward_module, make_state_view

from .stubs import StubState

OK_SUCCESS = "\ndef is_success(state):\n    return False\n"


def _load(body: str, **kwargs):
    return load_reward_module("import math\nimport numpy as np\n\n" + body + OK_SUCCESS, **kwargs)


def test_reward_and_success_values(stub_state: StubState) -> None:
    fns = load_reward_module(
        "import numpy as np\n"
        "def compute_reward(state):\n"
        "    d = state.distance('ee', 'cube')\n"
        "    return -d, {'reach': -d, 'count': np.int64(2), 'flag': np.float32(0.5), 'held': d < 1}\n"
        "def is_success(state):\n"
        "    return np.bool_(state.distance('ee', 'cube') < 0.1)\n")
    total, comps = fns.compute_reward(stub_state)
    assert total == pytest.approx(-0.08)
    assert comps == {"reach": pytest.approx(-0.08), "count": 2.0, "flag": 0.5, "held": 1.0}
    assert all(type(v) is float for v in comps.values())
    assert fns.is_success(stub_state) is True
    assert fns.n_calls == 2 and fns.call_time_s > 0


@pytest.mark.parametrize(
    ("body", "fragment", "line"),
    [
        ("def compute_reward(state):\n    x = 1\n    return x / 0, {}", "ZeroDivisionError", 6),
        ("def compute_reward(state):\n    return state.object_position('cbe')[0], {}", "unknown object", 5),
        ("def compute_reward(state):\n    return float('nan'), {}", "NaN", 5),
        ("def compute_reward(state):\n    return 1.0, {'a': math.inf}", "inf", 5),
        ("def compute_reward(state):\n    return 1.0", "must return a tuple", 5),
        ("def compute_reward(state):\n    return 1.0, [1.0]", "dict", 5),
        ("def compute_reward(state):\n    return 1.0, {3: 1.0}", "component names", 5),
        ("def compute_reward(state):\n    return True, {}", "must be a number", 5),
        ("def compute_reward(state):\n    return state.teleport('cube'), {}", "does not exist", 5),
        ("def compute_reward(state):\n    x = np.zeros(2000000)\n    return 0.0, {}", "elements", 5),
    ],
)
def test_runtime_errors_have_line_and_message(stub_state: StubState, body: str, fragment: str, line: int) -> None:
    fns = _load(body)
    with pytest.raises(SandboxError) as exc_info:
        fns.compute_reward(stub_state)
    err = exc_info.value
    assert fragment.lower() in err.message.lower()
    assert err.line == line
    assert str(err).startswith(f"line {line}: ")


def test_time_limit_main_thread(stub_state: StubState) -> None:
    fns = _load("def compute_reward(state):\n    while True:\n        pass\n    return 0.0, {}", time_limit_s=0.2)
    with pytest.raises(SandboxError) as exc_info:
        fns.compute_reward(stub_state)
    assert exc_info.value.kind == "timeout" and exc_info.value.line in (5, 6)
    # the next call still works normally once the loop is gone (timer disarmed, handler sane)
    ok = _load("def compute_reward(state):\n    return 1.0, {}")
    assert ok.compute_reward(stub_state) == (1.0, {})


def test_time_limit_in_worker_thread(stub_state: StubState) -> None:
    fns = _load("def compute_reward(state):\n    x = 0\n    while True:\n        x += 1\n    return 0.0, {}",
                time_limit_s=0.2)
    result: dict[str, BaseException] = {}

    def target() -> None:
        try:
            fns.compute_reward(stub_state)
        except BaseException as exc:  # noqa: BLE001
            result["exc"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    assert isinstance(result.get("exc"), SandboxError) and result["exc"].kind == "timeout"


def test_facades_are_frozen_and_minimal(stub_state: StubState) -> None:
    fns = _load("def compute_reward(state):\n    return float(np.sqrt(4.0) + math.sqrt(9.0)), {}")
    assert fns.compute_reward(stub_state)[0] == 5.0
    np_facade = fns._ns["np"]
    with pytest.raises(AttributeError, match="not available"):
        np_facade.load  # noqa: B018
    with pytest.raises(AttributeError, match="read-only"):
        np_facade.pi = 3
    assert not hasattr(np_facade, "__dict__")
    assert math.sqrt(4.0) == 2.0 and np.load.__module__.startswith("numpy")


def test_state_view_is_read_only(stub_state: StubState) -> None:
    view = make_state_view(stub_state)
    assert view.distance("ee", "cube") == pytest.approx(0.08)
    assert view.time_step == 0.04
    with pytest.raises(AttributeError, match="read-only"):
        view.time_step = 1.0
    with pytest.raises(AttributeError, match="does not exist"):
        view.invalidate()
    assert not hasattr(view, "__dict__")


def test_import_only_math_numpy_at_runtime(stub_state: StubState) -> None:
    fns = load_reward_module("import numpy\nimport math as m\ndef compute_reward(state):\n"
                             "    return float(numpy.pi + m.pi), {}\n" + OK_SUCCESS)
    assert fns.compute_reward(stub_state)[0] == pytest.approx(2 * math.pi)


def test_guarded_arithmetic_keeps_semantics(stub_state: StubState) -> None:
    fns = _load("def compute_reward(state):\n"
                "    a = [1, 2] * 3\n    s = 'ab' + 'cd'\n    x = 2 ** 10 + (3 << 2) + 7 % 4\n"
                "    v = np.ones(3) * 2.0\n    v += 1\n    y = '%d-%s' % (3, 'z')\n"
                "    return float(len(a) + len(s) + x + v.sum() + len(y)), {}")
    assert fns.compute_reward(stub_state)[0] == 6 + 4 + 1024 + 12 + 3 + 9 + 3
