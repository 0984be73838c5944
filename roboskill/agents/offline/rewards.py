"""Reward-term templates: small, named, dense terms rendered into sandbox-safe Python source.

Why templates: generated reward code must pass the sandbox's AST allow-list (no imports, only `math`,
`np` and the read-only `state`), and the critic can only give per-component feedback if every term
is named. Each `Term` is one component; `render_reward` sums weight x value and returns the
components unweighted (values in [0, 1] for progress terms, <= 0 for penalties), so "flat" and
"saturated" mean the same thing for every term.

Every rendered source starts with a `# offline-params:` comment holding the JSON of its `RewardParams`.
The reward writer reads it back from `previous_candidates` to apply the critic's feedback to the
exact weights and thresholds it used (reweight a stagnant term, loosen a threshold) — comments are
invisible to the sandbox and harmless to a real LLM.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

PARAMS_TAG = "# offline-params: "
# The sandbox maps these two imports onto its safe facades; without them `math` / `np` are undefined.
_IMPORTS = "import math\nimport numpy as np\n"


@dataclass
class Term:
    """One reward component. `kind` selects the template; `args` are names / numbers it needs."""

    name: str
    kind: str
    weight: float = 1.0
    scale: float = 8.0  # tanh sharpness for distance terms (1/m); smaller = wider basin
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class RewardParams:
    """Everything a sub-task's reward and success code is generated from."""

    terms: list[Term]
    success: dict[str, Any]  # {"kind": ..., + args, "tol": ...}
    note: str = ""

    def to_json(self) -> str:
        return json.dumps({"terms": [asdict(t) for t in self.terms], "success": self.success, "note": self.note},
                          separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_source(cls, source: str | None) -> RewardParams | None:
        """Recover the params from a rendered source's header (None for code not written by us)."""
        if not source:
            return None
        for line in source.splitlines():
            if line.startswith(PARAMS_TAG):
                try:
                    data = json.loads(line[len(PARAMS_TAG):])
                    return cls([Term(**t) for t in data["terms"]], dict(data["success"]), data.get("note", ""))
                except (ValueError, KeyError, TypeError):
                    return None
        return None


def _q(name: str) -> str:
    """A Python string literal for a scene name (names are [a-z0-9_.] so repr is safe)."""
    return repr(str(name))


def _point(expr_args: dict[str, Any], key: str) -> str:
    """A target that is either a scene name or an [x, y, z] point literal."""
    value = expr_args[key]
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(f"{float(v):.4f}" for v in value) + "]"
    return _q(value)


def _term_lines(t: Term, var: str) -> list[str]:
    """Source lines computing component `t` into local variable `var`."""
    a = t.args
    s = f"{t.scale:.3f}"
    if t.kind == "reach":  # end effector to an object / link / point
        return [f"{var} = 1.0 - math.tanh({s} * state.distance('ee', {_point(a, 'target')}))"]
    if t.kind == "reach_offset":  # end effector to a point offset from an object (e.g. behind it for pushing)
        dx, dy, dz = (float(v) for v in a["offset"])
        return [f"p_{var} = state.object_position({_q(a['object'])})",
                f"g_{var} = [float(p_{var}[0]) + {dx:.4f}, float(p_{var}[1]) + {dy:.4f}, float(p_{var}[2]) + {dz:.4f}]",
                f"{var} = 1.0 - math.tanh({s} * state.distance('ee', g_{var}))"]
    if t.kind == "grasp":
        return [f"{var} = 1.0 if state.is_grasped({_q(a['object'])}) else 0.0"]
    if t.kind == "lift":
        h = float(a["height"])
        return [f"dz_{var} = float(state.object_position({_q(a['object'])})[2]) - "
                f"float(state.initial_object_position({_q(a['object'])})[2])",
                f"{var} = min(max(dz_{var}, 0.0) / {h:.4f}, 1.0)"]
    if t.kind == "to_goal":  # object to a goal (name or point), in the table plane
        return [f"{var} = 1.0 - math.tanh({s} * state.xy_distance({_q(a['object'])}, {_point(a, 'goal')}))"]
    if t.kind == "to_goal_offset":  # object to its initial position + a fixed displacement
        dx, dy = (float(v) for v in a["offset"])
        return [f"p0_{var} = state.initial_object_position({_q(a['object'])})",
                f"g_{var} = [float(p0_{var}[0]) + {dx:.4f}, float(p0_{var}[1]) + {dy:.4f}, float(p0_{var}[2])]",
                f"{var} = 1.0 - math.tanh({s} * state.xy_distance({_q(a['object'])}, g_{var}))"]
    if t.kind == "above":  # object hovering over a destination (xy close, higher than it)
        return [f"xy_{var} = state.xy_distance({_q(a['object'])}, {_point(a, 'dest')})",
                f"{var} = 1.0 - math.tanh({s} * xy_{var})"]
    if t.kind == "on_top":
        return [f"{var} = 1.0 if state.is_on_top_of({_q(a['object'])}, {_q(a['dest'])}) else 0.0"]
    if t.kind == "inside":
        return [f"{var} = 1.0 if state.is_inside({_q(a['object'])}, {_q(a['container'])}) else 0.0"]
    if t.kind == "released":
        return [f"{var} = 0.0 if state.is_grasped({_q(a['object'])}) else 1.0"]
    if t.kind == "joint_open":  # progress of an opening joint towards a target fraction
        f = float(a.get("fraction", 0.9))
        return [f"{var} = min(state.joint_open_fraction({_q(a['joint'])}) / {f:.3f}, 1.0)"]
    if t.kind == "joint_close":
        return [f"{var} = 1.0 - state.joint_open_fraction({_q(a['joint'])})"]
    if t.kind == "joint_angle":  # progress of a revolute joint towards an absolute angle from its lower limit
        ang = float(a["angle"])
        return [f"{var} = min(max(state.joint_position({_q(a['joint'])}), 0.0) / {ang:.4f}, 1.0)"]
    if t.kind == "object_speed":  # penalty: keep the object calm (no flinging / knocking over)
        return [f"v_{var} = state.object_velocity({_q(a['object'])})",
                f"{var} = -min(float(np.linalg.norm(v_{var})), 1.0)"]
    if t.kind == "ee_speed":  # penalty on end-effector speed (smooth, energy-efficient motion)
        return [f"{var} = -min(float(np.linalg.norm(state.ee_velocity())), 1.0)"]
    if t.kind == "success_bonus":
        return [f"{var} = 1.0 if is_success(state) else 0.0"]
    raise ValueError(f"unknown reward term kind {t.kind!r}")


def success_expr(success: dict[str, Any]) -> str:
    """The boolean expression of a success spec (used by is_success and the success bonus)."""
    k = success["kind"]
    tol = float(success.get("tol", 0.04))
    if k == "grasped_lifted":
        return (f"state.is_grasped({_q(success['object'])}) and float(state.object_position({_q(success['object'])})[2])"
                f" - float(state.initial_object_position({_q(success['object'])})[2]) > {float(success['height']):.4f}")
    if k == "grasped":
        return f"state.is_grasped({_q(success['object'])})"
    if k == "at_goal":
        return f"state.xy_distance({_q(success['object'])}, {_point(success, 'goal')}) < {tol:.4f}"
    if k == "at_offset":
        dx, dy = (float(v) for v in success["offset"])
        o = _q(success["object"])
        return (f"state.xy_distance({o}, [float(state.initial_object_position({o})[0]) + {dx:.4f}, "
                f"float(state.initial_object_position({o})[1]) + {dy:.4f}, float(state.object_position({o})[2])])"
                f" < {tol:.4f}")
    if k == "on_top":
        return f"state.is_on_top_of({_q(success['object'])}, {_q(success['dest'])}) and not state.is_grasped({_q(success['object'])})"
    if k == "inside":
        return f"state.is_inside({_q(success['object'])}, {_q(success['container'])})"
    if k == "joint_min":
        return f"state.joint_open_fraction({_q(success['joint'])}) >= {float(success['fraction']):.3f}"
    if k == "joint_max":
        return f"state.joint_open_fraction({_q(success['joint'])}) <= {float(success['fraction']):.3f}"
    if k == "angle_min":
        return f"state.joint_position({_q(success['joint'])}) >= {float(success['angle']):.4f}"
    if k == "near":
        return f"state.distance('ee', {_point(success, 'target')}) < {tol:.4f}"
    if k == "relation":  # object placed on a side of another one and released
        o, d = _q(success["object"]), _q(success["dest"])
        axis, sign = {"left_of": (1, 1), "right_of": (1, -1), "front_of": (0, 1), "behind": (0, -1)}[success["relation"]]
        return (f"{sign} * (float(state.object_position({o})[{axis}]) - float(state.object_position({d})[{axis}])) > "
                f"{tol:.4f} and state.xy_distance({o}, {d}) < 0.25 and not state.is_grasped({o})")
    raise ValueError(f"unknown success kind {k!r}")


def render_success(params: RewardParams) -> str:
    """Source defining only `is_success(state)`."""
    return (f"{PARAMS_TAG}{params.to_json()}\n"
            f"{_IMPORTS}"
            "def is_success(state):\n"
            f"    return bool({success_expr(params.success)})\n")


def render_reward(params: RewardParams) -> str:
    """Source defining `compute_reward(state)` and `is_success(state)` (the bonus term calls it)."""
    lines = [f"{PARAMS_TAG}{params.to_json()}"]
    if params.note:
        lines.append("# change: " + re.sub(r"\s+", " ", params.note)[:300])
    lines += [_IMPORTS.rstrip("\n"), "def is_success(state):", f"    return bool({success_expr(params.success)})", "",
              "def compute_reward(state):"]
    names = []
    for i, t in enumerate(params.terms):
        var = f"c{i}"
        lines += ["    " + ln for ln in _term_lines(t, var)]
        names.append((t, var))
    total = " + ".join(f"{t.weight:.3f} * {var}" for t, var in names) or "0.0"
    comps = ", ".join(f"{_q(t.name)}: float({var})" for t, var in names)
    lines += [f"    total = {total}", f"    return float(total), {{{comps}}}", ""]
    return "\n".join(lines)
