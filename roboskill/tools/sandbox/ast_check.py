"""Static allow-list check of generated reward / success code.

Why an allow-list and not a deny-list: an LLM (or an attacker steering one) can be arbitrarily
creative, so anything we did not think of must be rejected by default. The check is the first of
three layers (AST check -> restricted runtime namespace -> rlimited worker subprocess); every
problem is reported with its line and column so the reward writer can fix it in one round.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from pydantic import BaseModel

from roboskill.tools.sandbox.safe_env import MATH_NAMES, NUMPY_NAMES, NUMPY_SUBMODULES

REQUIRED_FUNCTIONS: tuple[str, ...] = ("compute_reward", "is_success")
MAX_SOURCE_CHARS = 50_000

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Module, ast.FunctionDef, ast.arguments, ast.arg, ast.Return, ast.Assign, ast.AugAssign,
    ast.AnnAssign, ast.For, ast.While, ast.If, ast.Expr, ast.Pass, ast.Break, ast.Continue,
    ast.Import, ast.ImportFrom, ast.alias, ast.Assert, ast.BoolOp, ast.BinOp, ast.UnaryOp,
    ast.Compare, ast.Call, ast.keyword, ast.IfExp, ast.Dict, ast.List, ast.Tuple, ast.Set,
    ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.comprehension, ast.Name,
    ast.Load, ast.Store, ast.Constant, ast.Attribute, ast.Subscript, ast.Slice, ast.Starred,
    ast.JoinedStr, ast.FormattedValue, ast.Lambda, ast.NamedExpr,
    # operators
    ast.And, ast.Or, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
    ast.LShift, ast.RShift, ast.BitOr, ast.BitXor, ast.BitAnd, ast.MatMult, ast.UAdd, ast.USub,
    ast.Not, ast.Invert, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot,
    ast.In, ast.NotIn,
)

# Friendly names for the constructs people (and LLMs) most often try, so the message says *why*.
_NODE_HINTS: dict[type[ast.AST], str] = {
    ast.ClassDef: "class definitions are not allowed; use plain functions",
    ast.With: "'with' blocks are not allowed (no files or context managers in reward code)",
    ast.AsyncWith: "async code is not allowed",
    ast.AsyncFunctionDef: "async functions are not allowed",
    ast.AsyncFor: "async code is not allowed",
    ast.Await: "async code is not allowed",
    ast.Yield: "generators (yield) are not allowed; return a value",
    ast.YieldFrom: "generators (yield from) are not allowed; return a value",
    ast.Global: "'global' is not allowed; keep state local to the function",
    ast.Nonlocal: "'nonlocal' is not allowed; keep state local to the function",
    ast.Try: "try/except is not allowed; check values with if-statements instead",
    ast.Raise: "raise is not allowed; return a low reward / False instead",
    ast.Delete: "del is not allowed",
}
if hasattr(ast, "TryStar"):
    _NODE_HINTS[ast.TryStar] = "try/except is not allowed; check values with if-statements instead"
if hasattr(ast, "Match"):
    _NODE_HINTS[ast.Match] = "match statements are not allowed; use if/elif"

FORBIDDEN_NAMES: frozenset[str] = frozenset({
    "open", "eval", "exec", "compile", "getattr", "setattr", "delattr", "hasattr", "vars", "globals",
    "locals", "dir", "input", "breakpoint", "type", "object", "super", "memoryview", "help", "exit",
    "quit", "classmethod", "staticmethod", "property", "id", "print", "bytearray", "bytes",
    "callable", "issubclass", "isinstance", "format", "iter", "next", "aiter", "anext", "license",
    "credits", "copyright", "BaseException", "Exception",
})

# Attribute names that lead out of the sandbox (frames, files, formatting, pickles, raw memory,
# numpy's file/ctypes routes) or that allocate unbounded memory inside C code.
FORBIDDEN_ATTRIBUTES: frozenset[str] = frozenset({
    "format", "format_map", "mro", "gi_frame", "gi_code", "cr_frame", "ag_frame", "f_globals",
    "f_locals", "f_back", "f_builtins", "f_code", "tb_frame", "tb_next", "func_globals", "co_code",
    "tofile", "dump", "dumps", "ctypes", "load", "loads", "save", "savez", "savez_compressed",
    "savetxt", "loadtxt", "genfromtxt", "fromfile", "frombuffer", "fromregex", "memmap", "lib",
    "ctypeslib", "testing", "f2py", "distutils", "setflags", "system", "popen", "environ",
    "getenv", "putenv", "spawn", "fork", "read", "write", "open", "outer", "at", "reduceat",
    "ljust", "rjust", "center", "zfill", "expandtabs", "world", "client", "bodies", "robot",
    "byteswap", "newbyteorder", "resize", "view", "base", "data", "itemset", "tostring",
})

_STATE_NAME = "state"


class CodeIssue(BaseModel):
    """One problem found in generated code; `line`/`col` are 1-based like an editor shows them."""

    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, col {self.col}: {self.message}"


def _issue(node: ast.AST, message: str) -> CodeIssue:
    return CodeIssue(line=getattr(node, "lineno", 1), col=getattr(node, "col_offset", 0) + 1, message=message)


def _is_dunder(name: str) -> bool:
    return name.startswith("__") or name.endswith("__")


def _const_default(node: ast.expr) -> bool:
    """Defaults may only be literal numbers/strings/None (no captured objects)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return isinstance(node.operand, ast.Constant)
    if isinstance(node, ast.Tuple):
        return all(_const_default(e) for e in node.elts)
    return False


class _Checker(ast.NodeVisitor):
    def __init__(self) -> None:
        self.issues: list[CodeIssue] = []
        self.numpy_aliases: set[str] = set()
        self.math_aliases: set[str] = set()

    def add(self, node: ast.AST, message: str) -> None:
        self.issues.append(_issue(node, message))

    def generic_visit(self, node: ast.AST) -> None:  # noqa: D102 - NodeVisitor hook
        if not isinstance(node, _ALLOWED_NODES):
            hint = _NODE_HINTS.get(type(node)) or f"'{type(node).__name__}' syntax is not allowed in reward code"
            self.add(node, hint)
            return  # do not descend: one message per forbidden construct
        super().generic_visit(node)

    # -- imports -----------------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "math":
                self.math_aliases.add(alias.asname or "math")
            elif alias.name == "numpy":
                self.numpy_aliases.add(alias.asname or "numpy")
            else:
                self.add(node, f"import of '{alias.name}' is not allowed; only 'import math' and "
                               "'import numpy as np' are available")
            if alias.asname and _is_dunder(alias.asname):
                self.add(node, f"name '{alias.asname}' is not allowed (no dunder names)")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module != "math" or node.level:
            self.add(node, f"'from {node.module or '.'} import ...' is not allowed; only 'from math import ...', "
                           "'import math' and 'import numpy as np' (then e.g. np.linalg.norm)")
            return
        for alias in node.names:
            if alias.name == "*":
                self.add(node, "'from math import *' is not allowed; import the names you use")
            elif alias.name not in MATH_NAMES:
                self.add(node, f"math.{alias.name} is not available; allowed: {', '.join(sorted(MATH_NAMES))}")

    # -- names and attributes ----------------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        if _is_dunder(node.id):
            self.add(node, f"name '{node.id}' is not allowed (no dunder names)")
        elif node.id in FORBIDDEN_NAMES:
            self.add(node, f"'{node.id}' is not available in reward code")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        attr = node.attr
        if attr.startswith("_"):
            self.add(node, f"attribute '.{attr}' is not allowed (no private or dunder attributes)")
        elif attr in FORBIDDEN_ATTRIBUTES:
            self.add(node, f"attribute '.{attr}' is not allowed in reward code")
        if not isinstance(node.ctx, ast.Load):
            target = ast.unparse(node)
            self.add(node, f"assigning to attributes ('{target} = ...') is not allowed; "
                           "the state is read-only and modules cannot be patched")
        # module members are checked against the facades' allow-lists for an early, precise message
        base = node.value
        if isinstance(base, ast.Name) and base.id in self.numpy_aliases and not attr.startswith("_"):
            if attr not in NUMPY_NAMES and attr not in NUMPY_SUBMODULES:
                self.add(node, f"{base.id}.{attr} is not available in the sandboxed numpy")
        elif (isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name)
              and base.value.id in self.numpy_aliases and base.attr in NUMPY_SUBMODULES):
            if attr not in NUMPY_SUBMODULES[base.attr]:
                allowed = ", ".join(sorted(NUMPY_SUBMODULES[base.attr]))
                self.add(node, f"{base.value.id}.{base.attr}.{attr} is not available; allowed: {allowed}")
        elif isinstance(base, ast.Name) and base.id in self.math_aliases and attr not in MATH_NAMES:
            self.add(node, f"math.{attr} is not available in the sandboxed math")
        self.visit(node.value)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and "__" in node.value:
            self.add(node, "string constants containing '__' are not allowed")
        elif isinstance(node.value, bytes):
            self.add(node, "bytes literals are not allowed")

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        spec = node.format_spec
        if spec is not None:
            for part in spec.values if isinstance(spec, ast.JoinedStr) else [spec]:
                if not isinstance(part, ast.Constant):
                    self.add(node, "computed f-string format specs are not allowed")
                elif any(int(d) > 1000 for d in re.findall(r"\d+", str(part.value))):
                    self.add(node, "f-string width/precision too large")
        self.visit(node.value)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if not isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name) and node.value.id == _STATE_NAME:
            self.add(node, "the state is read-only; copy values into local variables instead")
        self.generic_visit(node)

    # -- functions -----------------------------------------------------------------------------------
    def _check_args(self, node: ast.FunctionDef | ast.Lambda) -> None:
        args = node.args
        for default in [*args.defaults, *[d for d in args.kw_defaults if d is not None]]:
            if not _const_default(default):
                self.add(default, "argument defaults must be literal numbers, strings or None")
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if a is not None and _is_dunder(a.arg):
                self.add(a, f"argument name '{a.arg}' is not allowed (no dunder names)")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.decorator_list:
            self.add(node.decorator_list[0], "decorators are not allowed")
        if _is_dunder(node.name):
            self.add(node, f"function name '{node.name}' is not allowed (no dunder names)")
        self._check_args(node)
        for child in [*node.body, node.args]:
            self.visit(child)
        if node.returns is not None:
            self.visit(node.returns)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._check_args(node)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        # Constant folding would compute e.g. 10**10**8 at compile time; reject obvious bombs early.
        if isinstance(node.op, (ast.Pow, ast.LShift)) and isinstance(node.right, ast.Constant):
            exp = node.right.value
            if isinstance(exp, int) and not isinstance(exp, bool) and exp > 10_000:
                self.add(node, f"exponent/shift {exp} is too large")
        if isinstance(node.op, ast.Mult):
            for side in (node.left, node.right):
                if isinstance(side, ast.Constant) and isinstance(side.value, int) and side.value > 10_000_000:
                    self.add(node, f"multiplier {side.value} is too large")
        self.generic_visit(node)


def _check_module_level(tree: ast.Module, checker: _Checker) -> None:
    """Only imports, function definitions, constants and a docstring may run at import time."""
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.Assign, ast.AnnAssign)):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            continue
        if isinstance(stmt, tuple(_NODE_HINTS)):
            continue  # already reported with a specific hint
        checker.add(stmt, f"'{type(stmt).__name__}' at module level is not allowed; put logic inside functions")


def _check_required(tree: ast.Module, require: Iterable[str], checker: _Checker) -> None:
    defs = {s.name: s for s in tree.body if isinstance(s, ast.FunctionDef)}
    assigned = {t.id: s for s in tree.body if isinstance(s, (ast.Assign, ast.AnnAssign))
                for t in (s.targets if isinstance(s, ast.Assign) else [s.target]) if isinstance(t, ast.Name)}
    for name in (*require, *(n for n in REQUIRED_FUNCTIONS if n not in require)):
        if name in assigned:
            checker.add(assigned[name], f"'{name}' must be defined with 'def {name}(state): ...', not assigned")
    for name in require:
        fn = defs.get(name)
        if fn is None:
            if name not in assigned:
                checker.issues.append(CodeIssue(line=1, col=1, message=f"missing required function "
                                                f"'def {name}(state): ...'"))
            continue
        a = fn.args
        n_pos = len(a.posonlyargs) + len(a.args)
        n_required = n_pos - len(a.defaults)
        if a.vararg or a.kwarg or a.kwonlyargs or n_pos < 1 or n_required > 1:
            checker.add(fn, f"'{name}' must take exactly one argument: def {name}(state): ...")


def check_code(source: str, *, require: Iterable[str] = REQUIRED_FUNCTIONS) -> list[CodeIssue]:
    """All problems in `source`, sorted by position; an empty list means the code may be loaded.

    `require` names the top-level functions that must exist (`compute_reward`, `is_success` or both:
    plans carry reward and success code separately).
    """
    if not isinstance(source, str):
        return [CodeIssue(line=1, col=1, message=f"source must be a string, got {type(source).__name__}")]
    if len(source) > MAX_SOURCE_CHARS:
        return [CodeIssue(line=1, col=1, message=f"source is too long ({len(source)} chars > {MAX_SOURCE_CHARS})")]
    if "\x00" in source:
        return [CodeIssue(line=1, col=1, message="source contains a NUL byte")]
    try:
        tree = ast.parse(source, filename="<reward>", mode="exec")
    except SyntaxError as exc:
        return [CodeIssue(line=exc.lineno or 1, col=exc.offset or 1, message=f"syntax error: {exc.msg}")]
    except (ValueError, RecursionError, MemoryError) as exc:
        return [CodeIssue(line=1, col=1, message=f"cannot parse source: {type(exc).__name__}")]
    checker = _Checker()
    # collect import aliases first so attribute checks know what `np` means everywhere
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "numpy":
                    checker.numpy_aliases.add(alias.asname or "numpy")
                elif alias.name == "math":
                    checker.math_aliases.add(alias.asname or "math")
    try:
        checker.visit(tree)
    except RecursionError:
        return [CodeIssue(line=1, col=1, message="code is nested too deeply")]
    _check_module_level(tree, checker)
    _check_required(tree, require, checker)
    unique = {(i.line, i.col, i.message): i for i in checker.issues}
    return sorted(unique.values(), key=lambda i: (i.line, i.col))


def format_issues(issues: list[CodeIssue]) -> str:
    """Issues as one message per line, ready to feed back to the reward writer."""
    return "\n".join(str(i) for i in issues)
