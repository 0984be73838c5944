"""The offline reward writer: a task frame + its scene -> K SkillPlans, revised from critic feedback.

Why this shape: each verb decomposes into a fixed chain of sub-tasks (grasp -> lift, grasp -> place,
reach handle -> open ...). For every sub-task the writer knows a primitive that may solve it outright
and a set of reward terms for trajopt / RL. Candidates differ in learner choice, weights, tanh
scales and success tolerances; feedback edits the previous candidates' own parameters (recovered from
the `# offline-params:` header of their code) instead of starting over, Eureka-style.
"""

from __future__ import annotations

import copy
import math
import random
import re
from dataclasses import dataclass, field
from typing import Any

from roboskill.agents.offline.frames import ObjRef, TaskFrame
from roboskill.agents.offline.reuse import Unit
from roboskill.agents.offline.rewards import RewardParams, Term, render_reward, render_success
from roboskill.agents.offline.scenes import MARKER_NAME, _xy, goal_offset

# The contract's primitive arguments (docs/contracts.md), used when the context lists none.
CONTRACT_PRIMITIVES: dict[str, tuple[str, ...]] = {
    "move_to": ("position", "yaw"), "grasp": ("object",), "place": ("object", "position", "on"),
    "push": ("object", "target", "direction", "distance"), "open": ("joint", "fraction"),
    "close": ("joint", "fraction"), "press": ("object",), "rotate": ("joint", "angle", "fraction"),
}
_LEARNER_CYCLE = {"trajopt": "primitive", "primitive": "trajopt", "rl": "trajopt"}
#: Where the close primitive is sent: all the way. A goal "closed" allows at most 0.1 open; aimed at 0.1, the
#: drawer stopped at 0.12 in every start (the primitive stops just short of its target), so none was closed.
CLOSE_TO = 0.0


@dataclass
class Binding:
    """Scene names for the frame's roles."""

    obj: str
    dest: str | None = None
    joint: str | None = None
    handle: str | None = None
    marker: str | None = None
    container: str | None = None
    dest_xy: tuple[float, float] | None = None
    articulation: str | None = None
    art_xy: tuple[float, float] | None = None
    art_yaw: float = 0.0
    art_params: dict[str, Any] = field(default_factory=dict)


@dataclass
class SubSpec:
    """One sub-task before rendering: its primitive intent and reward params."""

    name: str
    description: str
    params: RewardParams
    primitive: tuple[str, dict[str, Any]] | None = None
    learner: str = "primitive"
    horizon: int = 80
    rl_ok: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------ binding
def _scene_objects(scene: Any) -> list[dict[str, Any]]:
    if isinstance(scene, dict):
        if isinstance(scene.get("scene"), dict):
            scene = scene["scene"]
        objs = scene.get("objects")
        if isinstance(objs, list):
            return [o for o in objs if isinstance(o, dict)]
    return []


def _match_score(ref: ObjRef, o: dict[str, Any]) -> float:
    t = ref.type
    name = str(o.get("name", ""))
    score = 0.0
    if name == ref.scene_name():
        score += 5
    if o.get("kind") == "asset" and t.asset and str(o.get("asset", "")).split("/")[-1].split(".")[0] == t.asset:
        score += 3
    if o.get("kind") == "primitive" and t.shape and o.get("shape") == t.shape:
        score += 1
    if t.key in name or t.family in name:
        score += 2
    if ref.color and ref.color in name:
        score += 2
    return score


def bind(frame: TaskFrame, scene: Any) -> Binding:
    """Map the frame's objects onto the scene's object names (defaults when there is no scene)."""
    objs = _scene_objects(scene)
    movable = [o for o in objs if o.get("kind") in ("primitive", "asset") and not o.get("visual_only")]
    markers = [o for o in objs if o.get("visual_only")]
    arts = [o for o in objs if o.get("kind") == "articulated"]
    used: set[str] = set()

    def pick(ref: ObjRef | None) -> dict[str, Any] | None:
        if ref is None:
            return None
        if ref.type.source == "articulated":
            for o in arts:
                if o.get("articulation") == ref.type.articulation:
                    return o
            return arts[0] if arts else None
        pool = [o for o in movable if o.get("name") not in used]
        if not pool:
            return None
        best = max(pool, key=lambda o: _match_score(ref, o))
        used.add(str(best.get("name")))
        return best

    o_obj = pick(frame.obj)
    o_dest = pick(frame.dest)
    art_ref = frame.articulated()
    o_art = o_obj if frame.obj.type.source == "articulated" else (o_dest if art_ref is frame.dest else None)
    b = Binding(obj=str(o_obj["name"]) if o_obj else frame.obj.scene_name())
    if frame.dest is not None:
        b.dest = str(o_dest["name"]) if o_dest else frame.dest.scene_name()
        b.dest_xy = _xy(o_dest) if o_dest else None
    if art_ref is not None:
        art_name = str(o_art["name"]) if o_art else art_ref.scene_name()
        local = art_ref.joint or (art_ref.type.joints[0] if art_ref.type.joints else art_ref.type.key)
        if o_art and o_art.get("initial_joints") and local not in o_art["initial_joints"]:
            local = next(iter(o_art["initial_joints"]))
        b.joint = f"{art_name}.{local}"
        b.articulation = art_ref.type.key
        if o_art:
            b.art_xy = _xy(o_art)
            b.art_params = dict(o_art.get("params") or {})
            euler = (o_art.get("placement") or {}).get("euler") or [0.0, 0.0, 0.0]
            b.art_yaw = float(euler[2]) if len(euler) == 3 else 0.0
        b.handle = f"{art_name}.{local}" if art_ref.type.key == "button" else f"{art_name}.{local}_handle"
        if art_ref.type.key == "drawer_cabinet":
            b.container = f"{art_name}.{local}"  # the drawer link itself holds things
        elif art_ref is frame.dest:
            b.container = art_name
    elif frame.dest is not None:
        b.container = b.dest
    if markers:
        b.marker = str(markers[0]["name"])
    elif frame.verb in ("push", "slide") and frame.relation == "target":
        b.marker = MARKER_NAME
    return b


# ---------------------------------------------------------------------------------- sub-task specs
def _grasp_spec(b: Binding) -> SubSpec:
    return SubSpec(
        f"grasp_{b.obj}", f"Grasp the {b.obj.replace('_', ' ')}.",
        RewardParams([Term("reach", "reach", 1.0, 8.0, {"target": b.obj}),
                      Term("grasp", "grasp", 2.0, 0.0, {"object": b.obj}),
                      Term("ee_speed", "ee_speed", 0.05, 0.0, {})],
                     {"kind": "grasped", "object": b.obj}),
        primitive=("grasp", {"object": b.obj}), learner="primitive", horizon=60)


def specs_for(frame: TaskFrame, b: Binding) -> list[SubSpec]:
    """The sub-task chain for a frame, each with primitive intent and reward terms."""
    v = frame.verb
    if v in ("pick", "lift"):
        h = float(frame.amount or 0.1)
        lift = SubSpec(
            f"lift_{b.obj}", f"Lift the {b.obj.replace('_', ' ')} {round(h * 100)} cm.",
            RewardParams([Term("grasp", "grasp", 1.0, 0.0, {"object": b.obj}),
                          Term("height", "lift", 2.0, 0.0, {"object": b.obj, "height": h}),
                          Term("object_speed", "object_speed", 0.05, 0.0, {"object": b.obj}),
                          Term("success_bonus", "success_bonus", 2.0, 0.0, {})],
                         {"kind": "grasped_lifted", "object": b.obj, "height": round(h * 0.7, 3)}),
            primitive=("move_to", {"object": b.obj, "offset": [0.0, 0.0, h + 0.02]}), learner="primitive")
        return [_grasp_spec(b), lift]
    if v in ("place", "stack", "arrange", "put_inside"):
        chain: list[SubSpec] = []
        if "open" in frame.steps and b.joint:
            chain.append(_joint_spec(b, "open", 0.9, frame))
        chain.append(_grasp_spec(b))
        dest = b.container if v == "put_inside" else b.dest
        assert dest is not None
        if v == "arrange":
            rel = frame.relation or "left_of"
            dx, dy = {"left_of": (0.0, 0.12), "right_of": (0.0, -0.12), "front_of": (0.12, 0.0), "behind": (-0.12, 0.0)}[rel]
            base = b.dest_xy or (0.05, 0.0)
            point = [round(base[0] + dx, 3), round(base[1] + dy, 3), 0.03]
            success = {"kind": "relation", "object": b.obj, "dest": b.dest, "relation": rel, "tol": 0.05}
            goal_terms = [Term("to_goal", "to_goal", 2.0, 8.0, {"object": b.obj, "goal": point})]
            prim = ("place", {"object": b.obj, "position": point})
        elif v == "put_inside":
            success = {"kind": "inside", "object": b.obj, "container": dest}
            goal_terms = [Term("over_container", "above", 2.0, 8.0, {"object": b.obj, "dest": dest}),
                          Term("inside", "inside", 2.0, 0.0, {"object": b.obj, "container": dest})]
            prim = ("place", {"object": b.obj, "on": dest})
            drawer = _drawer_drop_point(b)
            if drawer is not None:  # a drawer link is not an object name: drop at the open drawer's centre
                prim = ("place", {"object": b.obj, "position": drawer})
        else:
            success = {"kind": "on_top", "object": b.obj, "dest": dest}
            goal_terms = [Term("over_dest", "above", 2.0, 8.0, {"object": b.obj, "dest": dest}),
                          Term("on_top", "on_top", 2.0, 0.0, {"object": b.obj, "dest": dest})]
            prim = ("place", {"object": b.obj, "on": dest})
        chain.append(SubSpec(
            f"place_{b.obj}", f"Carry the {b.obj.replace('_', ' ')} and release it at the goal.",
            RewardParams([Term("grasp", "grasp", 0.5, 0.0, {"object": b.obj}), *goal_terms,
                          Term("released", "released", 0.3, 0.0, {"object": b.obj}),
                          Term("success_bonus", "success_bonus", 3.0, 0.0, {})], success),
            primitive=prim, learner="primitive", horizon=100))
        if frame.then_close and b.joint:
            chain.append(_joint_spec(b, "close", CLOSE_TO, frame))
        return chain
    if v in ("push", "slide"):
        if frame.relation == "target" or frame.dest is not None:
            goal = b.marker if frame.dest is None else b.dest
            assert goal is not None
            success = {"kind": "at_goal", "object": b.obj, "goal": goal, "tol": 0.04 if frame.dest is None else 0.05}
            goal_term = Term("to_goal", "to_goal", 3.0, 8.0, {"object": b.obj, "goal": goal})
            prim = ("push", {"object": b.obj, "target": goal})
            behind = [-0.06, 0.0, 0.0]
        else:
            dx, dy = goal_offset(frame)
            success = {"kind": "at_offset", "object": b.obj, "offset": [dx, dy], "tol": 0.04}
            goal_term = Term("to_goal", "to_goal_offset", 3.0, 8.0, {"object": b.obj, "offset": [dx, dy]})
            norm = math.hypot(dx, dy) or 1.0
            prim = ("push", {"object": b.obj, "direction": [round(dx / norm, 3), round(dy / norm, 3)],
                             "distance": round(norm, 3)})
            behind = [round(-0.06 * dx / norm, 3), round(-0.06 * dy / norm, 3), 0.0]
        return [SubSpec(
            f"{v}_{b.obj}", f"{v.capitalize()} the {b.obj.replace('_', ' ')} to the goal.",
            RewardParams([Term("reach_behind", "reach_offset", 1.0, 10.0, {"object": b.obj, "offset": behind}),
                          goal_term,
                          Term("object_speed", "object_speed", 0.05, 0.0, {"object": b.obj}),
                          Term("success_bonus", "success_bonus", 2.0, 0.0, {})], success),
            primitive=prim, learner="trajopt", horizon=100)]
    if v in ("open", "close"):
        target = float(frame.amount or 0.9) if v == "open" else CLOSE_TO
        return [_joint_spec(b, v, target, frame)]
    if v == "press":
        assert b.joint is not None
        return [SubSpec(
            f"press_{b.obj}", f"Press the {b.obj.replace('_', ' ')} down.",
            RewardParams([Term("reach", "reach", 1.0, 10.0, {"target": b.handle or b.obj}),
                          Term("pressed", "joint_open", 2.0, 0.0, {"joint": b.joint, "fraction": 0.8}),
                          Term("success_bonus", "success_bonus", 2.0, 0.0, {})],
                         {"kind": "joint_min", "joint": b.joint, "fraction": 0.6}),
            primitive=("press", {"object": b.obj}), learner="primitive", horizon=60)]
    if v == "rotate":
        assert b.joint is not None
        if b.articulation == "knob":
            ang = float(frame.amount or math.pi / 2)
            progress = Term("rotation", "joint_angle", 2.0, 0.0, {"joint": b.joint, "angle": ang})
            success = {"kind": "angle_min", "joint": b.joint, "angle": round(ang * 0.8, 4)}
            prim = ("rotate", {"joint": b.joint, "angle": round(ang, 4), "fraction": round(min(ang / 4.7, 1.0), 3)})
        else:
            progress = Term("rotation", "joint_open", 2.0, 0.0, {"joint": b.joint, "fraction": 0.9})
            success = {"kind": "joint_min", "joint": b.joint, "fraction": 0.8}
            prim = ("rotate", {"joint": b.joint, "angle": 1.0, "fraction": 0.9})
        return [SubSpec(
            f"rotate_{b.obj}", f"Rotate the {b.obj.replace('_', ' ')}.",
            RewardParams([Term("reach_handle", "reach", 1.0, 10.0, {"target": b.handle or b.obj}), progress,
                          Term("success_bonus", "success_bonus", 2.0, 0.0, {})], success),
            primitive=prim, learner="primitive", horizon=80)]
    # reach
    return [SubSpec(
        f"reach_{b.obj}", f"Move the gripper to the {b.obj.replace('_', ' ')}.",
        RewardParams([Term("reach", "reach", 2.0, 8.0, {"target": b.obj}),
                      Term("ee_speed", "ee_speed", 0.05, 0.0, {}),
                      Term("success_bonus", "success_bonus", 1.0, 0.0, {})],
                     {"kind": "near", "target": b.obj, "tol": 0.06}),
        primitive=("move_to", {"object": b.obj, "offset": [0.0, 0.0, 0.05]}), learner="primitive", horizon=50)]


def _drawer_drop_point(b: Binding) -> list[float] | None:
    """Where to release an object into an open drawer of a generated drawer_cabinet (default size).

    Measured on the generator's defaults (depth 0.30, travel 0.20, drawer height 0.10): with the
    drawer open 90 %, the exposed part of drawer i of n is centred 0.24 m in front of the cabinet
    origin, its floor about 0.06 + 0.10 (n - 1 - i) m above the table. Only for unrotated cabinets.
    """
    if b.articulation != "drawer_cabinet" or b.art_xy is None or abs(b.art_yaw) > 1e-3 or not b.joint:
        return None
    if any(k in b.art_params for k in ("depth", "travel", "drawer_height")):
        return None
    try:
        i = int(b.joint.rsplit("_", 1)[-1])
    except ValueError:
        return None
    n = int(b.art_params.get("n_drawers", 2))
    return [round(b.art_xy[0] - 0.24, 3), round(b.art_xy[1], 3), round(0.06 + 0.1 * (n - 1 - i) + 0.04, 3)]


def _joint_spec(b: Binding, verb: str, fraction: float, frame: TaskFrame) -> SubSpec:
    assert b.joint is not None
    progress = (Term("opening", "joint_open", 2.0, 0.0, {"joint": b.joint, "fraction": fraction}) if verb == "open"
                else Term("closing", "joint_close", 2.0, 0.0, {"joint": b.joint}))
    success = ({"kind": "joint_min", "joint": b.joint, "fraction": round(max(0.3, fraction * 0.75), 3)} if verb == "open"
               else {"kind": "joint_max", "joint": b.joint, "fraction": 0.15})
    return SubSpec(
        f"{verb}_{b.joint.replace('.', '_')}", f"{verb.capitalize()} {b.joint}.",
        RewardParams([Term("reach_handle", "reach", 1.0, 10.0, {"target": b.handle or b.joint}), progress,
                      Term("success_bonus", "success_bonus", 2.0, 0.0, {})], success),
        primitive=(verb, {"joint": b.joint, "fraction": fraction}), learner="primitive", horizon=80)


# ------------------------------------------------------------------------------ primitive adapting
def available_primitives(context: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Primitive name -> argument names.

    The tools layer's `PRIMITIVE_ARGS` wins when importable: it is what `PrimitiveCall` validates
    against, so an answer built from anything else would be rejected. Otherwise the context's
    `primitives` list, else the contract's list.
    """
    try:
        from roboskill.tools.plan import PRIMITIVE_ARGS

        return {name: tuple(args) for name, args in PRIMITIVE_ARGS.items()}
    except ImportError:  # pragma: no cover - tools layer missing
        pass
    prims = context.get("primitives")
    out: dict[str, tuple[str, ...]] = {}
    if isinstance(prims, list):
        for p in prims:
            if isinstance(p, dict) and p.get("name"):
                args = p.get("args") or {}
                out[str(p["name"])] = tuple(args) if isinstance(args, (dict, list)) else ()
    return out or dict(CONTRACT_PRIMITIVES)


def _validated(name: str, args: dict[str, Any]) -> dict[str, Any] | None:
    """Args as the tools layer normalises them, or None when it would reject them."""
    try:
        from roboskill.tools.plan import validate_primitive_args
    except ImportError:  # pragma: no cover
        return args
    try:
        return validate_primitive_args(name, dict(args))
    except (ValueError, TypeError, KeyError):
        return None


def adapt_call(name: str, intent: dict[str, Any], prims: dict[str, tuple[str, ...]],
               b: Binding, scene_xy: dict[str, tuple[float, float]]) -> dict[str, Any] | None:
    """Express an intent in the argument names the primitive actually takes; None if it cannot."""
    if name not in prims:
        return None
    allowed = set(prims[name])
    args: dict[str, Any] = {}
    intent = dict(intent)
    if name == "move_to":
        obj, off = intent.get("object"), intent.get("offset", [0.0, 0.0, 0.0])
        if "position" in allowed:
            xy = scene_xy.get(str(obj), (0.05, 0.0))
            args["position"] = [round(xy[0] + off[0], 3), round(xy[1] + off[1], 3), round(0.03 + off[2], 3)]
        elif "target" in allowed:
            args["target"] = obj
            if "offset" in allowed:
                args["offset"] = off
        return _validated(name, args) if args else None
    for key, value in intent.items():
        if key in allowed:
            args[key] = value
    if name == "place":
        if "on" in intent and "on" not in allowed:
            if "target" in allowed:
                args["target"] = intent["on"]
            elif "position" in allowed:
                xy = scene_xy.get(str(intent["on"]), (0.1, 0.0))
                args["position"] = [xy[0], xy[1], 0.12]
        if "position" in intent and "position" not in allowed and "target" in allowed:
            args["target"] = intent["position"]
    if name == "push" and "target" in intent and "target" not in allowed:
        goal = scene_xy.get(str(intent["target"]))
        obj = scene_xy.get(str(intent.get("object")))
        if goal and obj and "direction" in allowed:
            dx, dy = goal[0] - obj[0], goal[1] - obj[1]
            n = math.hypot(dx, dy) or 1.0
            args["direction"] = [round(dx / n, 3), round(dy / n, 3)]
            if "distance" in allowed:
                args["distance"] = round(n, 3)
    if name == "rotate":
        if "angle" in args and "fraction" in args:  # pass the one the primitive takes, not both
            args.pop("fraction")
    return _validated(name, args)


# --------------------------------------------------------------------------------------- feedback
@dataclass
class Feedback:
    """What the critic / reflection / sandbox said, reduced to edits the writer can apply."""

    stagnant: set[str] = field(default_factory=set)
    saturated: set[str] = field(default_factory=set)
    loosen: bool = False
    tighten: bool = False
    learner: str | None = None
    switch_learner: bool = False
    sandbox: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""

    @property
    def any(self) -> bool:
        return bool(self.stagnant or self.saturated or self.loosen or self.tighten or self.learner
                    or self.switch_learner or self.sandbox or self.text)


_FLAT = r"flat|stagnan|stuck|never|zero|no progress|constant|not (improv|increas|chang)|does not move|sparse|too small"
_SAT = r"saturat|too easy|always (1|one|high)|hack|exploit|maxed|dominat|too (large|big|strong)"


def read_feedback(context: dict[str, Any], repairs: list[str], component_names: set[str]) -> Feedback:
    fb = Feedback()
    text_parts = [str(context.get("critic_feedback") or ""), str(context.get("reflection") or "")]
    text_parts += repairs
    comp = context.get("component_feedback") or {}
    if isinstance(comp, dict):
        for name, what in comp.items():
            w = str(what).lower()
            text_parts.append(f"{name}: {w}")
            if re.search(_SAT, w) or re.search(r"\b(reduce|lower|decrease|less|smaller|halve)\b", w):
                fb.saturated.add(str(name))
            else:  # "scale by 2", "increase", "stagnant", anything else: give it more pull
                fb.stagnant.add(str(name))
    text = " ".join(text_parts).lower()
    fb.text = text.strip()
    for sentence in re.split(r"[.;\n]", text):
        for name in component_names:
            if re.search(rf"\b{re.escape(name.lower())}\b", sentence):
                if re.search(_SAT, sentence):
                    fb.saturated.add(name)
                elif re.search(_FLAT, sentence):
                    fb.stagnant.add(name)
        # reflection lines like "reach: mean=0.01 min=0.00 max=0.02" -> flat when max - min is tiny
        if m := re.search(r"\b([a-z_]+)\b[^a-z]*mean\W+(-?[\d.]+)\W+min\W+(-?[\d.]+)\W+max\W+(-?[\d.]+)", sentence):
            name, lo, hi = m.group(1), float(m.group(3)), float(m.group(4))
            if name in component_names and hi - lo < 0.05:
                (fb.saturated if lo > 0.9 else fb.stagnant).add(name)
    if re.search(r"threshold|tolerance|too strict|loosen|relax|never succeed|success rate (is )?0\b", text):
        fb.loosen = True
    if re.search(r"too lenient|tighten|false success|reward hack", text):
        fb.tighten = True
    if m := re.search(r"(switch|change|use|try)\w*\s+(the\s+)?(learner\s+)?(to\s+)?(primitive|trajopt|rl|reinforcement)", text):
        fb.learner = {"reinforcement": "rl"}.get(m.group(5), m.group(5))
    elif re.search(r"learner|primitive failed|trajopt failed|different approach|switch", text):
        fb.switch_learner = True
    errs = context.get("sandbox_errors") or []
    fb.sandbox = [e for e in errs if isinstance(e, dict)] if isinstance(errs, list) else []
    return fb


def apply_feedback(params: RewardParams, fb: Feedback) -> RewardParams:
    """Reweight stagnant / saturated components and loosen or tighten the success threshold."""
    p = copy.deepcopy(params)
    notes = []
    for t in p.terms:
        if t.name in fb.stagnant:
            t.weight = round(t.weight * 2.0, 3)
            if t.scale:
                t.scale = round(max(t.scale * 0.5, 1.0), 3)
            notes.append(f"{t.name}: weight x2, wider basin (scale {t.scale})")
        elif t.name in fb.saturated:
            t.weight = round(t.weight * 0.5, 3)
            if t.scale:
                t.scale = round(t.scale * 1.5, 3)
            notes.append(f"{t.name}: weight x0.5, sharper (scale {t.scale})")
    s = p.success
    if fb.loosen or fb.tighten:
        f = 1.5 if fb.loosen else 0.7
        if "tol" in s:
            s["tol"] = round(min(float(s["tol"]) * f, 0.12), 4)
            notes.append(f"success tolerance -> {s['tol']}")
        elif s.get("kind") == "joint_min":
            s["fraction"] = round(max(float(s["fraction"]) / f, 0.25), 3)
            notes.append(f"success fraction -> {s['fraction']}")
        elif s.get("kind") == "joint_max":
            s["fraction"] = round(min(float(s["fraction"]) * f, 0.4), 3)
            notes.append(f"success fraction -> {s['fraction']}")
        elif s.get("kind") in ("grasped_lifted",):
            s["height"] = round(float(s["height"]) / f, 3)
            notes.append(f"success height -> {s['height']}")
        elif s.get("kind") == "angle_min":
            s["angle"] = round(float(s["angle"]) / f, 4)
            notes.append(f"success angle -> {s['angle']}")
    p.note = "; ".join(notes)
    return p


# ----------------------------------------------------------------------------------- candidates
def _jitter(params: RewardParams, rng: random.Random, j: int) -> RewardParams:
    """Candidate j's variation of the base params: weights, tanh scales, tolerances."""
    if j == 0:
        return copy.deepcopy(params)
    p = copy.deepcopy(params)
    for t in p.terms:
        t.weight = round(t.weight * rng.uniform(0.6, 1.6), 3)
        if t.scale:
            t.scale = round(rng.choice((4.0, 6.0, 8.0, 12.0, 16.0)), 3)
    if "tol" in p.success:
        p.success["tol"] = round(float(p.success["tol"]) * rng.uniform(0.9, 1.4), 4)
    return p


def _learner_for(spec: SubSpec, j: int, rng: random.Random, prims_ok: bool) -> str:
    """Candidate 0 follows the spec (primitives where they fit); others vary the learner."""
    base = spec.learner if prims_ok or spec.learner != "primitive" else "trajopt"
    if j == 0:
        return base
    if j == 1:
        return "trajopt" if base == "primitive" else ("primitive" if prims_ok else "trajopt")
    roll = rng.random()
    if roll < 0.15 and spec.rl_ok:
        return "rl"
    return base if roll < 0.6 else ("trajopt" if base == "primitive" else base)


def _previous(context: dict[str, Any]) -> list[dict[str, Any]]:
    prev = context.get("previous_candidates")
    if isinstance(prev, dict):
        prev = prev.get("candidates")
    return [p for p in prev if isinstance(p, dict)] if isinstance(prev, list) else []


# ------------------------------------------------------------------------------------------ reuse
def _scene_categories(scene: Any) -> dict[str, str]:
    """Scene object name -> goal category (articulated kind, asset name or primitive shape)."""
    out: dict[str, str] = {}
    for o in _scene_objects(scene):
        kind = o.get("kind")
        if kind == "articulated":
            out[str(o.get("name"))] = str(o.get("articulation"))
        elif kind == "asset":
            stem = str(o.get("asset", "")).replace("\\", "/").rsplit("/", 1)[-1]
            out[str(o.get("name"))] = stem.rsplit(".", 1)[0] if stem.endswith((".urdf", ".obj")) else stem
        else:
            out[str(o.get("name"))] = str(o.get("shape", "box"))
    return out


def _scene_names(scene: Any, names: Any) -> set[str]:
    """Every object, link and joint name of the scene (what a binding may leave as it is)."""
    out = {"table"} | {str(o.get("name")) for o in _scene_objects(scene)}
    for o in _scene_objects(scene):
        for j in o.get("initial_joints") or {}:
            out.add(f"{o.get('name')}.{j}")
    if isinstance(names, dict):
        for key in ("joints", "links", "objects"):
            for entry in names.get(key) or []:
                if isinstance(entry, dict) and entry.get("name"):
                    out.add(str(entry["name"]))
    return out


def _acted(cond: dict[str, Any]) -> str | None:
    """The name a condition is about (what its step moves)."""
    if cond.get("kind") == "ee_near":
        return str(cond.get("target"))
    for f in ("object", "joint", "a"):
        if isinstance(cond.get(f), str):
            return str(cond[f])
    return None


def _part_needs(part: TaskFrame, b: Binding, goal: Any, text: str) -> list[dict[str, Any]]:
    """The end conditions of one part of the task: the task goal's conditions about what the part moves (the
    goal is the truth), else the ones this model's goal writer would write for the part."""
    acted = {b.obj} | ({b.joint} if b.joint and part.obj.type.source == "articulated" else set())
    conds = goal.get("conditions") if isinstance(goal, dict) else None
    if isinstance(conds, list):
        mine = [c for c in conds if isinstance(c, dict) and _acted(c) in acted]
        if part.then_close and b.joint:
            mine += [c for c in conds if isinstance(c, dict) and c.get("joint") == b.joint and c not in mine]
        if mine:
            return mine
    from roboskill.agents.offline.goals import goal_from_frame

    return goal_from_frame(part, part.text or text)["conditions"]


def units_for(frame: TaskFrame, scene: Any, goal: Any, text: str) -> list[tuple[list[Unit], list[SubSpec]]]:
    """Per part of the task: the ways to cut it into skill-level units (first the whole part as one unit, then,
    for a compound put-inside, its open / put / close units), and the part's sub-task specs."""
    out: list[tuple[list[Unit], list[SubSpec]]] = []
    seen: set[str] = set()
    for part in frame.parts():
        b = bind(part, scene)
        specs = specs_for(part, b)
        for spec in specs:  # a chain may grasp one object twice: sub-task names stay unique
            base, n = spec.name, 2
            while spec.name in seen:
                spec.name, n = f"{base}_{n}", n + 1
            seen.add(spec.name)
        needs = _part_needs(part, b, goal, text)
        whole = Unit(part.verb, f"reuse_{specs[-1].name}", needs, [s.name for s in specs])
        units = [whole]
        if part.verb == "put_inside" and b.joint and (part.steps or part.then_close) and b.container:
            names = [s.name for s in specs]
            lo = 1 if "open" in part.steps else 0
            hi = len(specs) - (1 if part.then_close else 0)
            if lo:
                units.append(Unit("open", f"reuse_{names[0]}",
                                  [{"kind": "joint_fraction", "joint": b.joint, "at_least": 0.6}], names[:1]))
            units.append(Unit("put_inside", f"reuse_{names[hi - 1]}",
                              [{"kind": "inside", "object": b.obj, "container": b.container}], names[lo:hi]))
            if part.then_close:
                closed = [c for c in needs if c.get("kind") == "joint_fraction" and c.get("at_most") is not None]
                units.append(Unit("close", f"reuse_{names[-1]}",
                                  closed[:1] or [{"kind": "joint_fraction", "joint": b.joint, "at_most": 0.15}],
                                  names[-1:]))
        out.append((units, specs))
    return out


def plan_reuse(context: dict[str, Any], frame: TaskFrame, repairs: list[str]) -> tuple[list[SubSpec], dict[str, dict[str, Any]]]:
    """The task's sub-task specs and, per first spec name of a reused unit, the skill call that replaces the
    unit's specs: {spec name: {"unit": Unit, "skill": offered entry, "bind": {...}}}.

    Only skills offered in `reusable_skills` are considered, nearest first, minus those that already failed
    here (`failed_skills`); a unit the last evaluation found unmet is learned again rather than reused again.
    """
    from roboskill.agents.offline.reuse import NAME_FIELDS, failed_skills, match

    task = context.get("task") if isinstance(context.get("task"), dict) else {}
    text = str(task.get("description") or "")
    scene = context.get("scene")
    per_part = units_for(frame, scene, context.get("goal"), text)
    specs = [s for _, part_specs in per_part for s in part_specs]
    offered = [s for s in context.get("reusable_skills") or [] if isinstance(s, dict) and s.get("name")]
    if not offered:
        return specs, {}
    banned = failed_skills(context, repairs)
    unmet = " ".join(re.findall(r"not met in \d+ of \d+ failed episodes: ([^\n]*)", str(context.get("reflection") or "")))
    categories = _scene_categories(scene)
    goal = context.get("goal")
    if isinstance(goal, dict):
        for o in goal.get("objects") or []:
            if isinstance(o, dict) and o.get("name") and o.get("category"):
                categories.setdefault(str(o["name"]), str(o["category"]))
    names = _scene_names(scene, context.get("names"))
    calls: dict[str, dict[str, Any]] = {}
    for units, _ in per_part:
        whole, pieces = units[0], units[1:]
        for unit in [whole, *pieces]:
            if any(n in calls or n in {x for c in calls.values() for x in c["unit"].spec_names} for n in unit.spec_names):
                continue  # already covered by the whole part's skill
            suspect = any(re.search(rf"\b{re.escape(str(c[f]))}\b", unmet) for c in unit.needs for f in NAME_FIELDS
                          if isinstance(c.get(f), str))
            for skill in offered:
                if skill["name"] in banned or (suspect and context.get("previous_candidates")):
                    continue
                binding = match(unit, skill, categories, names)
                if binding is not None:
                    calls[unit.spec_names[0]] = {"unit": unit, "skill": skill, "bind": binding}
                    break
    mine = sorted((c["unit"].label, c["skill"]["name"]) for c in calls.values())
    for cand in _previous(context):
        subs = [sub for sub in cand.get("subtasks") or [] if isinstance(sub, dict)]
        before = sorted((str(sub.get("name")), str((sub.get("skill") or {}).get("name"))) for sub in subs
                        if sub.get("learner") == "skill")
        if mine and before == mine and all(sub.get("learner") == "skill" for sub in subs):
            return specs, {}  # this very plan of reused skills failed here, for no step we can name: learn it all
    return specs, calls


def _skill_subtask(call: dict[str, Any], specs: list[SubSpec]) -> dict[str, Any]:
    unit, skill = call["unit"], call["skill"]
    horizon = sum(s.horizon for s in specs if s.name in unit.spec_names) or 80
    does = str(skill.get("does") or "").strip().rstrip(".")
    return {"name": unit.label, "description": f"Reuse the learned skill {skill['name']!r}" + (f": {does}." if does else "."),
            "learner": "skill", "skill": {"name": str(skill["name"]), "bind": dict(call["bind"])}, "primitive": None,
            "success_code": None, "reward_code": None, "horizon": max(1, min(2000, horizon))}


def write(context: dict[str, Any], rng: random.Random, frame: TaskFrame, task_name: str,
          repairs: list[str]) -> dict[str, Any]:
    """RewardCandidates dict for the reward-writer context (keys per prompts/reward_writer.md).

    Steps a verified library skill already does (`reusable_skills`, matched by `reuse.match`) become one
    `skill` sub-task each, bound to this scene's names, in every candidate; the candidates differ only in the
    steps that are learned here. Candidates that come out identical are written once: training the same plan
    twice buys nothing.
    """
    k = context.get("k", 1)
    k = int(k) if isinstance(k, (int, float)) and k >= 1 else 1
    scene = context.get("scene")
    b = bind(frame, scene)
    specs, calls = plan_reuse(context, frame, repairs)
    reused_specs = {n for c in calls.values() for n in c["unit"].spec_names}
    prims = available_primitives(context)
    scene_xy = {str(o.get("name")): xy for o in _scene_objects(scene) if (xy := _xy(o)) is not None}
    previous = _previous(context)
    comp_names = {t.name for s in specs for t in s.params.terms}
    fb = read_feedback(context, repairs, comp_names)
    prev_subs: dict[str, dict[str, Any]] = {}
    prev_learners: dict[str, str] = {}
    if previous:
        best = context.get("best_candidate")
        idx = int(best) if isinstance(best, int) and 0 <= best < len(previous) else 0
        for sub in previous[idx].get("subtasks") or []:
            if isinstance(sub, dict) and sub.get("name"):
                prev_subs[str(sub["name"])] = sub
                prev_learners[str(sub["name"])] = str(sub.get("learner", ""))
    bad_subtasks = {(int(e.get("candidate", -1)) if str(e.get("candidate", "")).lstrip("-").isdigit() else -1,
                     str(e.get("subtask", ""))) for e in fb.sandbox}

    candidates = []
    for j in range(k):
        subtasks = []
        for spec in specs:
            if spec.name in calls:
                subtasks.append(_skill_subtask(calls[spec.name], specs))
            if spec.name in reused_specs:
                continue
            base_params = spec.params
            prev = prev_subs.get(spec.name)
            if prev is not None:
                recovered = RewardParams.from_source(prev.get("reward_code") or prev.get("success_code"))
                if recovered is not None:
                    base_params = recovered
            params = _jitter(base_params, rng, j)
            if fb.any:
                params = apply_feedback(params, fb)
            learner = _learner_for(spec, j, rng, spec.primitive is not None and spec.primitive[0] in prims)
            if prev is not None and fb.any:
                old = prev_learners.get(spec.name, learner)
                if fb.learner:
                    learner = fb.learner
                elif fb.switch_learner or (not fb.stagnant and not fb.saturated and not fb.sandbox and j == 0):
                    learner = _LEARNER_CYCLE.get(old, "trajopt")
                if learner == "primitive" and (spec.primitive is None or spec.primitive[0] not in prims):
                    learner = "trajopt"
                if learner != old:
                    params.note = (params.note + "; " if params.note else "") + f"learner {old} -> {learner}"
            if any(c in (j, -1) and s in (spec.name, "") for c, s in bad_subtasks):
                params = _safe_params(params, fb)
            call = None
            if learner == "primitive" and spec.primitive is not None:
                args = adapt_call(spec.primitive[0], spec.primitive[1], prims, b, scene_xy)
                if args is None:
                    learner = "trajopt"
                else:
                    call = {"name": spec.primitive[0], "args": args}
            sub: dict[str, Any] = {"name": spec.name, "description": spec.description, "learner": learner,
                                   "primitive": call, "success_code": render_success(params),
                                   "horizon": spec.horizon if learner != "rl" else max(spec.horizon, 100)}
            sub["reward_code"] = render_reward(params) if learner in ("trajopt", "rl") else None
            subtasks.append(sub)
        candidate = {"task_name": task_name, "subtasks": subtasks}
        if candidate not in candidates:
            candidates.append(candidate)
    return {"candidates": candidates}


def _safe_params(params: RewardParams, fb: Feedback) -> RewardParams:
    """After a sandbox rejection: drop the terms whose API calls the errors mention, keep the rest."""
    p = copy.deepcopy(params)
    msgs = " ".join(str(e.get("message", "")) for e in fb.sandbox).lower()
    risky = {"object_speed": "velocity", "ee_speed": "ee_velocity", "on_top": "is_on_top_of", "inside": "is_inside",
             "joint_angle": "joint_position", "lift": "initial_object_position", "grasp": "is_grasped"}
    keep = [t for t in p.terms if not (t.kind in risky and risky[t.kind] in msgs)]
    if not keep:
        target = p.success.get("object") or p.success.get("target") or p.success.get("joint") or "table"
        keep = [Term("reach", "reach", 1.0, 8.0, {"target": target})]
    p.terms = keep
    p.note = (p.note + "; " if p.note else "") + "simplified after sandbox errors"
    return p
