"""Compile checked generated code into callable, time-bounded, validated reward/success functions.

Second layer of the sandbox: after the AST check, code is rewritten so that unbounded arithmetic
goes through guarded helpers, compiled under the pseudo-filename `<reward>` (so tracebacks give the
user's line), and executed with a restricted `__builtins__` and math/numpy facades. Each call is
time-bounded (a virtual-time interval timer in the main thread, a tracing line counter elsewhere),
and the results are type- and finiteness-checked. This layer alone is NOT a security boundary for
C-level allocations or CPU loops — untrusted code must run inside `run_in_sandbox_process` workers
(rlimits), never in the agent process.
"""

from __future__ import annotations

import ast
import math
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from roboskill.tools.sandbox.ast_check import REQUIRED_FUNCTIONS, check_code, format_issues
from roboskill.tools.sandbox.safe_env import (
    GUARDED_HELPERS,
    SandboxLimitError,
    make_builtins,
    make_math_facade,
    make_numpy_facade,
)

FILENAME = "<reward>"
DEFAULT_TIME_LIMIT_S = 0.5
MAX_COMPONENTS = 64
MAX_MESSAGE_CHARS = 600


class SandboxError(Exception):
    """Generated code was rejected or failed; `line` is the 1-based line in the user's source (or None).

    `kind` is one of: "check" (static rejection), "load", "runtime", "timeout", "memory",
    "return" (wrong type / NaN / inf), "process" (the worker died or was killed).
    """

    def __init__(self, message: str, line: int | None = None, *, kind: str = "runtime") -> None:
        message = message if len(message) <= MAX_MESSAGE_CHARS else message[: MAX_MESSAGE_CHARS - 3] + "..."
        super().__init__(message, line)
        self.message = message
        self.line = line
        self.kind = kind

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across worker processes
        return (_rebuild_error, (self.message, self.line, self.kind))


def _rebuild_error(message: str, line: int | None, kind: str) -> SandboxError:
    return SandboxError(message, line, kind=kind)


class SandboxTimeout(BaseException):
    """Raised inside generated code when its time budget is spent (BaseException: never swallowed)."""


# -- AST rewrite -----------------------------------------------------------------------------------
_GUARDED_OPS: dict[type[ast.operator], str] = {
    ast.Mult: "__rs_mul", ast.Pow: "__rs_pow", ast.LShift: "__rs_lshift", ast.Add: "__rs_add",
    ast.Mod: "__rs_mod",
}


class _GuardOps(ast.NodeTransformer):
    """`a * b` -> `__rs_mul(a, b)` (same for **, <<, +, %), keeping line numbers for tracebacks."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        helper = _GUARDED_OPS.get(type(node.op))
        if helper is None:
            return node
        call = ast.Call(func=ast.Name(id=helper, ctx=ast.Load()), args=[node.left, node.right], keywords=[])
        return ast.copy_location(call, node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        helper = _GUARDED_OPS.get(type(node.op))
        if helper is None:
            return node
        load_target = _as_load(node.target)
        call = ast.copy_location(
            ast.Call(func=ast.Name(id=helper, ctx=ast.Load()), args=[load_target, node.value], keywords=[]), node)
        return ast.copy_location(ast.Assign(targets=[node.target], value=call), node)


def _as_load(target: ast.expr) -> ast.expr:
    clone = ast.parse(ast.unparse(target), mode="eval").body
    ast.copy_location(clone, target)
    for child in ast.walk(clone):
        ast.copy_location(child, target)
    return clone


# -- read-only state view --------------------------------------------------------------------------
def make_state_view(state: Any) -> Any:
    """A frozen object exposing only the State API methods of `state` (no world, no setattr)."""
    from roboskill.sim.state import STATE_API_NAMES

    ns: dict[str, Any] = {"__slots__": ()}
    available: list[str] = []
    for name in STATE_API_NAMES:
        cls_attr = getattr(type(state), name, None)
        if isinstance(cls_attr, property):
            ns[name] = property(lambda self, _n=name: getattr(state, _n))
        elif hasattr(state, name):
            ns[name] = staticmethod(getattr(state, name))
        else:
            continue
        available.append(name)
    listing = ", ".join(available)

    def __getattr__(self: Any, item: str) -> Any:  # noqa: N807
        raise AttributeError(f"state.{item} does not exist; the state API has: {listing}")

    def __setattr__(self: Any, key: str, value: Any) -> None:  # noqa: N807
        raise AttributeError(f"the state is read-only (cannot set state.{key})")

    ns.update(__getattr__=__getattr__, __setattr__=__setattr__, __delattr__=__setattr__,
              __repr__=lambda self: "<read-only state>")
    return type("State", (), ns)()


# -- time bounds -----------------------------------------------------------------------------------
def _user_line(exc: BaseException) -> int | None:
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


_ACTIVE = [0]
_PREVIOUS_HANDLER: list[Any] = [signal.SIG_DFL]


def _on_vtalrm(signum: int, frame: Any) -> None:
    """Installed once (then left in place: re-installing per call costs ~4 us); forwards stray
    signals to whatever handler was there before when no generated code is running."""
    if _ACTIVE[0]:
        raise SandboxTimeout()
    previous = _PREVIOUS_HANDLER[0]
    if callable(previous):
        previous(signum, frame)


def _call_bounded(fn: Callable[..., Any], arg: Any, limit_s: float) -> Any:
    """Call fn(arg) with a CPU-time bound.

    Main thread: ITIMER_VIRTUAL/SIGVTALRM (user CPU time; rarely used by hosts, unlike SIGALRM which
    pytest-timeout uses); any previous timer is re-armed afterwards. Other threads: a trace function
    that checks the clock every 200 lines of user code (C-level work is bounded by the worker's
    RLIMIT_CPU instead).
    """
    if threading.current_thread() is threading.main_thread():
        if signal.getsignal(signal.SIGVTALRM) is not _on_vtalrm:
            _PREVIOUS_HANDLER[0] = signal.signal(signal.SIGVTALRM, _on_vtalrm)
        old_timer = signal.setitimer(signal.ITIMER_VIRTUAL, limit_s)
        _ACTIVE[0] += 1
        try:
            return fn(arg)
        finally:
            _ACTIVE[0] -= 1
            if old_timer[0] > 0:  # someone else's timer was running: put it back
                signal.setitimer(signal.ITIMER_VIRTUAL, *old_timer)
            else:
                signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    deadline = time.perf_counter() + limit_s
    counter = [0]

    def local_trace(frame: Any, event: str, _arg: Any) -> Any:
        counter[0] += 1
        if counter[0] % 200 == 0 and time.perf_counter() > deadline:
            raise SandboxTimeout()
        return local_trace

    def global_trace(frame: Any, event: str, _arg: Any) -> Any:
        if frame.f_code.co_filename == FILENAME:
            return local_trace
        return None

    old_trace = sys.gettrace()
    sys.settrace(global_trace)
    try:
        return fn(arg)
    finally:
        sys.settrace(old_trace)


def _translate(exc: BaseException, what: str, limit_s: float) -> SandboxError:
    line = _user_line(exc)
    if isinstance(exc, SandboxTimeout):
        return SandboxError(f"{what} exceeded its time limit of {limit_s:g}s (infinite loop?)", line, kind="timeout")
    if isinstance(exc, MemoryError):
        return SandboxError(f"{what} ran out of memory", line, kind="memory")
    if isinstance(exc, RecursionError):
        return SandboxError(f"{what}: recursion too deep", line, kind="runtime")
    if isinstance(exc, SandboxLimitError):
        return SandboxError(f"{what}: {exc}", line, kind="memory")
    if isinstance(exc, SandboxError):
        return exc
    detail = str(exc)
    if isinstance(exc, KeyError) and exc.args:
        detail = str(exc.args[0])
    return SandboxError(f"{what} raised {type(exc).__name__}: {detail}", line, kind="runtime")


# -- result validation -----------------------------------------------------------------------------
_NUMBER_TYPES = (int, float, np.integer, np.floating)


def _finite_float(value: Any, what: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _NUMBER_TYPES):
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(()).item()
            return _finite_float(value, what)
        raise SandboxError(f"{what} must be a number, got {type(value).__name__}", kind="return")
    out = float(value)
    if not math.isfinite(out):
        raise SandboxError(f"{what} is {out} (NaN/inf rewards are not allowed; guard divisions and logs)", kind="return")
    return out


def _check_reward(result: Any) -> tuple[float, dict[str, float]]:
    if not isinstance(result, tuple) or len(result) != 2:
        raise SandboxError("compute_reward must return a tuple (total, {name: value, ...}), got "
                           f"{type(result).__name__}", kind="return")
    total, components = result
    total_f = _finite_float(total, "compute_reward total")
    if not isinstance(components, dict):
        raise SandboxError(f"compute_reward components must be a dict of name -> number, got "
                           f"{type(components).__name__}", kind="return")
    if len(components) > MAX_COMPONENTS:
        raise SandboxError(f"compute_reward returned {len(components)} components (limit {MAX_COMPONENTS})", kind="return")
    clean: dict[str, float] = {}
    for key, value in components.items():
        if not isinstance(key, str) or not key or len(key) > 64:
            raise SandboxError("component names must be non-empty strings of at most 64 characters", kind="return")
        if isinstance(value, (bool, np.bool_)):  # e.g. {"grasped": state.is_grasped("cube")}
            value = float(value)
        clean[key] = _finite_float(value, f"component '{key}'")
    return total_f, clean


def _check_success(result: Any) -> bool:
    if isinstance(result, (bool, np.bool_)):
        return bool(result)
    if isinstance(result, (int, np.integer)) and result in (0, 1):
        return bool(result)
    raise SandboxError(f"is_success must return True or False, got {type(result).__name__}", kind="return")


# -- public API ------------------------------------------------------------------------------------
class RewardFunctions:
    """Loaded generated code: `.compute_reward(state)` and `.is_success(state)`, both checked.

    `state` may be a `roboskill.sim.state.State` (wrapped in a read-only view once and cached) or an
    already made view. Calls are time-bounded by `time_limit_s` each.
    """

    def __init__(self, namespace: dict[str, Any], time_limit_s: float, source: str,
                 return_lines: dict[str, int] | None = None) -> None:
        self._ns = namespace
        self._return_lines = return_lines or {}
        self._limit = time_limit_s
        self.source = source
        self._views: dict[int, tuple[Any, Any]] = {}
        self.n_calls = 0
        self.call_time_s = 0.0

    @property
    def has_reward(self) -> bool:
        return "compute_reward" in self._ns

    @property
    def has_success(self) -> bool:
        return "is_success" in self._ns

    def _view(self, state: Any) -> Any:
        cached = self._views.get(id(state))
        if cached is not None and cached[0] is state:
            return cached[1]
        view = make_state_view(state)
        self._views = {id(state): (state, view)}
        return view

    def _call(self, name: str, state: Any) -> Any:
        fn = self._ns.get(name)
        if fn is None:
            raise SandboxError(f"the code does not define {name}(state)", kind="load")
        view = self._view(state)
        t0 = time.perf_counter()
        try:
            return _call_bounded(fn, view, self._limit)
        except (Exception, SandboxTimeout) as exc:  # noqa: BLE001 - every failure becomes a message
            raise _translate(exc, name, self._limit) from None
        finally:
            self.n_calls += 1
            self.call_time_s += time.perf_counter() - t0

    def compute_reward(self, state: Any) -> tuple[float, dict[str, float]]:
        """(total, components), both finite floats; SandboxError(message, line) otherwise."""
        result = self._call("compute_reward", state)
        try:
            return _check_reward(result)
        except SandboxError as exc:
            exc.line = self._return_lines.get("compute_reward")
            raise

    def is_success(self, state: Any) -> bool:
        """A plain bool; SandboxError(message, line) otherwise."""
        result = self._call("is_success", state)
        try:
            return _check_success(result)
        except SandboxError as exc:
            exc.line = self._return_lines.get("is_success")
            raise


def load_reward_module(source: str, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S,
                       require: Iterable[str] = REQUIRED_FUNCTIONS) -> RewardFunctions:
    """Check, rewrite, compile and execute `source`; raise SandboxError(message, line) on any problem.

    Must run inside a sandbox worker process for untrusted code (see `run_in_sandbox_process`).
    """
    require = tuple(require)
    issues = check_code(source, require=require)
    if issues:
        raise SandboxError(format_issues(issues), issues[0].line, kind="check")
    tree = ast.parse(source, filename=FILENAME, mode="exec")
    tree = ast.fix_missing_locations(_GuardOps().visit(tree))
    code = compile(tree, FILENAME, "exec", dont_inherit=True)
    math_facade, numpy_facade = make_math_facade(), make_numpy_facade()
    namespace: dict[str, Any] = {"__builtins__": make_builtins(math_facade, numpy_facade), "__name__": "reward"}
    namespace.update(GUARDED_HELPERS)
    try:
        _call_bounded(lambda ns: exec(code, ns), namespace, time_limit_s)  # noqa: S102 - checked code
    except (Exception, SandboxTimeout) as exc:  # noqa: BLE001
        raise _translate(exc, "module code", time_limit_s) from None
    for name in ("compute_reward", "is_success"):
        fn = namespace.get(name)
        if fn is None:
            continue
        if not isinstance(fn, types.FunctionType) or fn.__code__.co_filename != FILENAME:
            raise SandboxError(f"'{name}' must be a function defined with def", kind="load")
    return RewardFunctions(namespace, time_limit_s, source, _return_lines(tree))


def _return_lines(tree: ast.Module) -> dict[str, int]:
    """Line to blame when a function returns a bad value: its last `return` (or its `def`)."""
    out: dict[str, int] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef):
            returns = [n.lineno for n in ast.walk(stmt) if isinstance(n, ast.Return)]
            out[stmt.name] = max(returns) if returns else stmt.lineno
    return out
