"""The runtime namespace generated code executes in: restricted builtins and math/numpy facades.

Why facades and not the real modules: `numpy` reaches files (`np.load`, `np.save`, `tofile`),
pickles, raw memory (`np.ctypeslib`, `np.frombuffer`) and `np.lib`; `math` is a shared module that
generated code could monkeypatch for the whole host. A facade is a fresh, frozen object exposing only
an allow-list of pure functions, with the array constructors size-checked so `np.zeros(10**12)` is
an error message instead of an out-of-memory kill. Arithmetic that can allocate without bound in C
(`[0]*10**10`, `10**10**8`, `1 << 10**9`, `'%*d' % (10**9, 1)`) is routed through the guarded
`safe_*` helpers by the loader's AST rewrite.
"""

from __future__ import annotations

import builtins
import math
import operator
import re
from collections.abc import Callable
from typing import Any

import numpy as np

MAX_ARRAY_ELEMENTS = 1_000_000
MAX_SEQUENCE_LENGTH = 1_000_000
MAX_INT_BITS = 4096
MAX_FORMAT_WIDTH = 1000


class SandboxLimitError(Exception):
    """A guarded operation would allocate or compute far more than reward code ever needs."""


MATH_NAMES: frozenset[str] = frozenset({
    "sqrt", "exp", "log", "log2", "log10", "log1p", "expm1", "sin", "cos", "tan", "asin", "acos",
    "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "hypot", "fabs", "floor",
    "ceil", "trunc", "copysign", "fmod", "isclose", "isfinite", "isinf", "isnan", "pi", "e", "tau",
    "inf", "nan", "degrees", "radians", "dist", "fsum", "pow", "erf", "erfc", "remainder", "isqrt",
})

_NUMPY_PLAIN: frozenset[str] = frozenset({
    "pi", "e", "inf", "nan", "newaxis",
    "abs", "absolute", "sqrt", "square", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh", "arcsinh",
    "arccosh", "arctanh", "hypot", "degrees", "radians", "deg2rad", "rad2deg", "sign", "floor",
    "ceil", "round", "rint", "trunc", "fmod", "mod", "maximum", "minimum", "fmax", "fmin", "clip",
    "add", "subtract", "multiply", "divide", "true_divide", "negative", "reciprocal", "isfinite",
    "isnan", "isinf", "isclose", "allclose", "array_equal", "where", "logical_and", "logical_or",
    "logical_not", "logical_xor", "greater", "greater_equal", "less", "less_equal", "equal",
    "not_equal", "sum", "mean", "min", "max", "amin", "amax", "prod", "std", "var", "median",
    "argmin", "argmax", "all", "any", "cumsum", "average", "count_nonzero", "dot", "cross", "inner",
    "matmul", "vdot", "transpose", "reshape", "concatenate", "stack", "vstack", "hstack", "ravel",
    "squeeze", "expand_dims", "flip", "sort", "argsort", "diff", "interp", "float32", "float64",
    "int32", "int64", "bool_", "zeros_like", "ones_like", "full_like", "power", "cbrt", "nan_to_num",
})
_NUMPY_CONSTRUCTORS: frozenset[str] = frozenset({
    "array", "asarray", "zeros", "ones", "full", "arange", "linspace", "eye", "identity",
})
NUMPY_NAMES: frozenset[str] = _NUMPY_PLAIN | _NUMPY_CONSTRUCTORS
NUMPY_SUBMODULES: dict[str, frozenset[str]] = {"linalg": frozenset({"norm", "det", "inv", "solve"})}


def _check_count(count: float, what: str) -> None:
    if count > MAX_ARRAY_ELEMENTS:
        raise SandboxLimitError(f"{what} would create {int(count):,} elements (limit {MAX_ARRAY_ELEMENTS:,})")


def _shape_count(shape: Any) -> float:
    if isinstance(shape, (int, np.integer)):
        return float(shape)
    return float(math.prod(int(s) for s in shape))


def _check_dtypes(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Only small plain dtypes: "U1000000000" or "V..." would make 3 elements cost gigabytes."""
    candidates = [kwargs.get("dtype"), *(a for a in args if isinstance(a, (str, type, np.dtype)))]
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            dtype = np.dtype(candidate)
        except (TypeError, ValueError):
            continue
        if dtype.kind in "OVUSM" or dtype.itemsize > 16:
            raise SandboxLimitError(f"dtype {dtype} is not allowed in reward code; use float or int")


def _sized(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a numpy array constructor so it refuses outputs larger than MAX_ARRAY_ELEMENTS."""

    def zeros_like_shape(shape: Any, *args: Any, **kwargs: Any) -> Any:
        _check_count(_shape_count(shape), f"np.{name}")
        return fn(shape, *args, **kwargs)

    def arange(*args: Any, **kwargs: Any) -> Any:
        nums = [a for a in args if isinstance(a, (int, float, np.number))]
        if nums:
            start, stop, step = (0, nums[0], 1) if len(nums) == 1 else (nums[0], nums[1], nums[2] if len(nums) > 2 else 1)
            if step == 0:
                raise SandboxLimitError("np.arange step must not be zero")
            _check_count(max(0.0, math.ceil((float(stop) - float(start)) / float(step))), "np.arange")
        return fn(*args, **kwargs)

    def linspace(start: Any, stop: Any, num: int = 50, *args: Any, **kwargs: Any) -> Any:
        _check_count(float(num), "np.linspace")
        return fn(start, stop, num, *args, **kwargs)

    def eye(n: int, m: int | None = None, *args: Any, **kwargs: Any) -> Any:
        _check_count(float(n) * float(m if m is not None else n), f"np.{name}")
        return fn(n, m, *args, **kwargs) if name == "eye" else fn(n, *args, **kwargs)

    def array(obj: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("dtype") is object or (args and args[0] is object):
            raise SandboxLimitError("object arrays are not allowed")
        out = fn(obj, *args, **kwargs)
        _check_count(out.size, f"np.{name}")
        if out.dtype == object:
            raise SandboxLimitError("object arrays are not allowed; use numbers")
        return out

    table = {"zeros": zeros_like_shape, "ones": zeros_like_shape, "full": zeros_like_shape,
             "arange": arange, "linspace": linspace, "eye": eye, "identity": eye,
             "array": array, "asarray": array}
    inner = table[name]

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _check_dtypes(args[1:], kwargs)
        return inner(*args, **kwargs)

    wrapper.__name__ = name
    wrapper.__doc__ = f"np.{name}, limited to {MAX_ARRAY_ELEMENTS:,} elements."
    return wrapper


def make_facade(label: str, members: dict[str, Any]) -> Any:
    """A frozen object whose only attributes are `members` (no __dict__, no setattr)."""
    allowed = ", ".join(sorted(members))

    def __getattr__(self: Any, item: str) -> Any:  # noqa: N807 - only called on a miss
        raise AttributeError(f"{label}.{item} is not available in reward code; allowed: {allowed}")

    def __setattr__(self: Any, key: str, value: Any) -> None:  # noqa: N807
        raise AttributeError(f"{label} is read-only in reward code (cannot set '{key}')")

    def __repr__(self: Any) -> str:  # noqa: N807
        return f"<sandboxed {label}>"

    ns: dict[str, Any] = {k: (staticmethod(v) if callable(v) else v) for k, v in members.items()}
    ns.update(__slots__=(), __getattr__=__getattr__, __setattr__=__setattr__, __delattr__=__setattr__,
              __repr__=__repr__)
    return type(f"sandboxed_{label}", (), ns)()


def make_math_facade() -> Any:
    return make_facade("math", {n: getattr(math, n) for n in MATH_NAMES})


def make_numpy_facade() -> Any:
    members: dict[str, Any] = {n: getattr(np, n) for n in _NUMPY_PLAIN}
    members.update({n: _sized(n, getattr(np, n)) for n in _NUMPY_CONSTRUCTORS})
    for sub, names in NUMPY_SUBMODULES.items():
        module = getattr(np, sub)
        members[sub] = make_facade(f"np.{sub}", {n: getattr(module, n) for n in names})
    return make_facade("np", members)


# -- guarded operators (the loader rewrites `a * b` into `__rs_mul(a, b)` etc.) ------------------
_SEQUENCES = (str, list, tuple)


def _index(value: Any) -> int | None:
    if isinstance(value, (bool, float)):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def safe_mul(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is float or tb is float:
        return a * b
    for seq, n in ((a, b), (b, a)):
        if isinstance(seq, _SEQUENCES):
            count = _index(n)
            if count is not None and len(seq) * count > MAX_SEQUENCE_LENGTH:
                raise SandboxLimitError(
                    f"repeating a {type(seq).__name__} {count:,} times is too large (limit {MAX_SEQUENCE_LENGTH:,} items)")
            return a * b
    if ta is int and tb is int and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        raise SandboxLimitError(f"integer product too large (over {MAX_INT_BITS} bits)")
    return a * b


def safe_pow(a: Any, b: Any, mod: Any = None) -> Any:
    if mod is not None:
        return builtins.pow(a, b, mod)
    ia, ib = _index(a), _index(b)
    if ia is not None and ib is not None and type(a) is not np.ndarray and ib > 0 and abs(ia) > 1:
        if ib * math.log2(abs(ia)) > MAX_INT_BITS:
            raise SandboxLimitError(f"{ia} ** {ib} is too large (over {MAX_INT_BITS} bits); use floats")
    return a ** b


def safe_lshift(a: Any, b: Any) -> Any:
    ia, ib = _index(a), _index(b)
    if ia is not None and ib is not None and ia.bit_length() + ib > MAX_INT_BITS:
        raise SandboxLimitError(f"shift by {ib} is too large (over {MAX_INT_BITS} bits)")
    return a << b


def safe_add(a: Any, b: Any) -> Any:
    if type(a) is float or type(b) is float:
        return a + b
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES) and len(a) + len(b) > MAX_SEQUENCE_LENGTH:
        raise SandboxLimitError(f"concatenation too large (limit {MAX_SEQUENCE_LENGTH:,} items)")
    return a + b


_FORMAT_WIDTH = re.compile(r"%[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?")


def safe_mod(a: Any, b: Any) -> Any:
    if type(a) is str:
        for width, precision in _FORMAT_WIDTH.findall(a):
            for part in (width, precision):
                if part == "*" or (part and int(part) > MAX_FORMAT_WIDTH):
                    raise SandboxLimitError("%-format width/precision too large (or '*') in reward code")
    return a % b


def safe_range(*args: Any) -> range:
    r = range(*args)
    if len(r) > MAX_SEQUENCE_LENGTH:
        raise SandboxLimitError(f"range of {len(r):,} items is too large (limit {MAX_SEQUENCE_LENGTH:,})")
    return r


def _safe_import_factory(modules: dict[str, Any]) -> Callable[..., Any]:
    real_import = builtins.__import__

    def safe_import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:  # noqa: A002
        """`import math` / `import numpy` in generated code get the facades.

        Any other name can only come from library internals (numpy lazily imports submodules from C
        and looks `__import__` up in the *calling* frame's builtins, i.e. ours): the AST check admits
        no other import statement and `__import__` cannot be named, so those go to the real import.
        """
        if level == 0 and name in modules:
            return modules[name]
        return real_import(name, globals, locals, fromlist, level)

    return safe_import


SAFE_BUILTIN_NAMES: tuple[str, ...] = (
    "abs", "min", "max", "sum", "len", "float", "int", "bool", "round", "enumerate", "zip", "list",
    "tuple", "dict", "set", "sorted", "reversed", "any", "all", "map", "filter", "divmod", "str",
)


def make_builtins(math_facade: Any, numpy_facade: Any) -> dict[str, Any]:
    """The complete `__builtins__` of generated code (a fresh dict per loaded module)."""
    table: dict[str, Any] = {name: getattr(builtins, name) for name in SAFE_BUILTIN_NAMES}
    table.update(range=safe_range, pow=safe_pow)
    table["__import__"] = _safe_import_factory({"math": math_facade, "numpy": numpy_facade})
    return table


GUARDED_HELPERS: dict[str, Callable[..., Any]] = {
    "__rs_mul": safe_mul, "__rs_pow": safe_pow, "__rs_lshift": safe_lshift, "__rs_add": safe_add,
    "__rs_mod": safe_mod,
}
