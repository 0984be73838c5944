"""Rename what a stored skill refers to, so it can act on other objects (`--bind cube=red_block`).

Why a module of its own: `skills run` in another scene, and a plan that reuses a library skill as one of
its sub-tasks, must rename the same things the same way — primitive arguments, the goal's objects and
conditions, and the string literals of generated reward/success code. A binding of an object renames its
links and joints too (`cabinet=desk` maps `cabinet.drawer_0` to `desk.drawer_0`); a qualified binding
(`cabinet.drawer_0=desk.drawer_1`) wins over it.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import Any

from roboskill.tools.plan import SkillPlan

NAME_ARGS = ("object", "on", "target", "joint")
"""Primitive arguments that hold an object, link or joint name."""
_BIND = re.compile(r"^([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?)=([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?)$")


class BindingError(ValueError):
    """A malformed or contradictory binding; the message shows the expected form."""


def parse_bindings(items: list[str] | None) -> dict[str, str]:
    """`["cube=red_block", "cabinet.drawer_0=desk.drawer_1"]` -> a mapping; raises BindingError on a bad item."""
    out: dict[str, str] = {}
    for raw in items or []:
        m = _BIND.match(raw.strip())
        if not m:
            raise BindingError(f"--bind {raw!r}: expected SKILL_NAME=SCENE_NAME in snake_case, e.g. cube=red_block "
                                "or cabinet.drawer_0=desk.drawer_1")
        src, dst = m.groups()
        if src.count(".") != dst.count("."):
            raise BindingError(f"--bind {raw!r}: bind an object to an object or a joint/link to a joint/link")
        if src in out and out[src] != dst:
            raise BindingError(f"--bind: {src!r} is bound twice ({out[src]!r} and {dst!r})")
        out[src] = dst
    return out


def rebind_name(name: str, mapping: dict[str, str]) -> str:
    """The scene name for a skill name: an exact binding, else its object's binding with the same part."""
    if name in mapping:
        return mapping[name]
    head, dot, rest = name.partition(".")
    if dot and head in mapping and "." not in mapping[head]:
        return f"{mapping[head]}.{rest}"
    return name


def rebind_code(source: str | None, mapping: dict[str, str]) -> str | None:
    """Generated code with every string literal that names a bound thing renamed (only whole literals:
    `"cube"` and `"cabinet.drawer_0"` change, `"cube_top"` and f-strings do not)."""
    if not source or not mapping:
        return source
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source  # the sandbox reports broken code with a better message than we could
    out = []
    for tok in tokens:
        if tok.type == tokenize.STRING:
            try:
                value = ast.literal_eval(tok.string)
            except (ValueError, SyntaxError):
                value = None
            if isinstance(value, str) and rebind_name(value, mapping) != value:
                tok = tok._replace(string=repr(rebind_name(value, mapping)))
        out.append(tok)
    return tokenize.untokenize(out)


def rebind_plan(plan: SkillPlan, mapping: dict[str, str]) -> SkillPlan:
    """The plan with its primitive arguments and generated code renamed through `mapping`."""
    if not mapping:
        return plan
    subs = []
    for sub in plan.subtasks:
        update: dict[str, Any] = {"reward_code": rebind_code(sub.reward_code, mapping),
                                  "success_code": rebind_code(sub.success_code, mapping)}
        if sub.primitive is not None:
            args = {k: (rebind_name(v, mapping) if k in NAME_ARGS and isinstance(v, str) else v)
                    for k, v in sub.primitive.args.items()}
            update["primitive"] = sub.primitive.model_copy(update={"args": args})
        subs.append(sub.model_copy(update=update))
    return plan.model_copy(update={"subtasks": subs})


def _rebind_tree(value: Any, mapping: dict[str, str], key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _rebind_tree(v, mapping, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_rebind_tree(v, mapping, key) for v in value]
    if isinstance(value, str) and key not in ("summary", "description", "action", "kind", "category"):
        return rebind_name(value, mapping)
    return value


def rebind_goal(goal: Any, mapping: dict[str, str]) -> Any:
    """The goal with its objects and conditions renamed (its category requirements stay: a binding does not
    make a mug a drawer)."""
    from roboskill.sim.goals import Goal

    if not mapping:
        return goal
    data = _rebind_tree(goal.model_dump(mode="json"), mapping)
    return Goal.model_validate(data)


def plan_names(plan: SkillPlan) -> set[str]:
    """Object, link and joint names the plan's primitives act on."""
    out: set[str] = set()
    for sub in plan.subtasks:
        if sub.primitive is not None:
            out |= {v for k, v in sub.primitive.args.items() if k in NAME_ARGS and isinstance(v, str)}
    return out


__all__ = ["BindingError", "NAME_ARGS", "parse_bindings", "plan_names", "rebind_code", "rebind_goal", "rebind_name",
           "rebind_plan"]
