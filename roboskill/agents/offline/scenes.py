"""The offline scene designer: a `TaskFrame` -> a SceneSpec dict; validation errors -> a repaired spec.

Why layouts by rule: the robot only learns if the objects are in reach and apart, the articulated
object faces the robot and the goal is visible. The rules below encode that (workspace x in
[-0.25, 0.35], y in [-0.4, 0.4]; articulated fronts face -x, towards the robot base at x = -0.6),
with seeded jitter so different attempts give different but valid layouts. Repairs act only on the
objects the validation errors name, as the prompt asks.
"""

from __future__ import annotations

import copy
import math
import random
import re
from typing import Any

from roboskill.agents.offline.frames import ObjRef, TaskFrame
from roboskill.agents.offline.vocab import COLORS, MARKER_COLOR, SIZES
from roboskill.sim.spec import suggested_placement

WORKSPACE_X = (-0.25, 0.35)
WORKSPACE_Y = (-0.4, 0.4)
# Where loose objects go: the comfortable middle of the workspace.
_LOOSE_X = (-0.1, 0.12)
_LOOSE_Y = (-0.2, 0.2)
_BASE = (-0.6, 0.0)
_REACH_XY = (0.32, 0.78)  # horizontal reach from the robot base at table height (sim/validation.py model)
_MIN_GAP = 0.12
# Loose objects next to a drawer cabinet start near the robot: an open drawer reaches 33 cm out of the cabinet,
# and a block 10 cm in front of its handle was knocked or the drawer pushed shut by the hand grasping the block
# (open, put a block in, close: 50 % of 12 starts with the block at x = -0.12 .. 0, 100 % at x = -0.19).
_NEAR_ROBOT_X = (-0.2, -0.13)
MARKER_NAME = "target"
GRIP_LIMIT = 0.075  # widest graspable width (m): the Panda's gripper opens 8 cm


def _round(v: float) -> float:
    return round(float(v), 3)


def _on_table(x: float, y: float, yaw: float = 0.0) -> dict[str, Any]:
    """`on: table` with an xy offset: the builder puts the object's bottom on the table at (x, y)."""
    return {"on": "table", "offset": [_round(x), _round(y)], "euler": [0.0, 0.0, _round(yaw)]}


def reachable_xy(x: float, y: float) -> bool:
    """Whether a point on the table top is comfortably inside the arm's reach."""
    r = math.hypot(x - _BASE[0], y - _BASE[1])
    return _REACH_XY[0] <= r <= _REACH_XY[1]


def _far_enough(x: float, y: float, taken: list[tuple[float, float]], gap: float = _MIN_GAP) -> bool:
    return all(math.hypot(x - a, y - b) >= gap for a, b in taken)


def _free_spot(rng: random.Random, taken: list[tuple[float, float]], xr=_LOOSE_X, yr=_LOOSE_Y,
               gap: float = _MIN_GAP) -> tuple[float, float]:
    for _ in range(300):
        x, y = rng.uniform(*xr), rng.uniform(*yr)
        if _far_enough(x, y, taken, gap) and reachable_xy(x, y):
            return x, y
    return 0.0, rng.uniform(-0.1, 0.1)


#: Approximate half widths (m) of catalog assets on the table, to keep layouts from overlapping.
_ASSET_HALF_WIDTH = {"tray": 0.13, "mug": 0.07, "teddy": 0.07, "jenga": 0.08, "duck": 0.05, "lego": 0.02,
                     "domino": 0.03, "cube": 0.03, "sphere": 0.03}


def _half_width(ref: ObjRef) -> float:
    """Half the widest horizontal extent of a movable object (primitive sizes are full extents)."""
    t = ref.type
    if t.source == "primitive" and t.size:
        scale = SIZES.get(ref.size or "", 1.0)
        return scale * (max(t.size[0], t.size[1]) if t.shape == "box" else t.size[0]) / 2
    return _ASSET_HALF_WIDTH.get(t.asset or t.key, 0.05)


def _object_entry(ref: ObjRef, placement: dict[str, Any]) -> dict[str, Any]:
    """The SceneSpec object for a movable reference (primitive or catalog asset)."""
    t = ref.type
    name = ref.scene_name()
    if t.source == "primitive":
        scale = SIZES.get(ref.size or "", 1.0)
        if t.graspable:  # "a large puck" must still fit the 8 cm gripper across one horizontal direction
            across = min(t.size[0], t.size[1]) if t.shape == "box" else t.size[0]
            scale = min(scale, max(1.0, GRIP_LIMIT / across))
        size = [_round(s * scale) for s in t.size]  # full extents (box [x, y, z]; sphere [d]; cylinder [d, h])
        color = list(COLORS.get(ref.color or "") or t.rgba or (0.8, 0.2, 0.2, 1.0))
        return {"kind": "primitive", "name": name, "shape": t.shape, "size": size, "color": color,
                "mass": 0.1 if t.graspable else 0.3, "friction": 1.0 if t.graspable else 0.6,
                "placement": placement}
    entry: dict[str, Any] = {"kind": "asset", "name": name, "asset": t.asset or t.key, "placement": placement}
    return entry


def _articulated_entry(ref: ObjRef, frame: TaskFrame, placement: dict[str, Any]) -> dict[str, Any]:
    t = ref.type
    joint = ref.joint or (t.joints[0] if t.joints else None)
    params: dict[str, Any] = dict(t.params)
    if t.key == "drawer_cabinet" and joint:
        params["n_drawers"] = max(2, int(joint.rsplit("_", 1)[-1]) + 1)
    initial: dict[str, float] = {}
    if joint:
        initial[joint] = 0.0
        if frame.verb == "close":
            initial[joint] = 0.8
        elif frame.verb == "put_inside" and "open" not in frame.steps:
            initial[joint] = 0.9
    return {"kind": "articulated", "name": ref.scene_name(), "articulation": t.articulation,
            "params": params, "initial_joints": initial, "placement": placement}


def _articulated_spot(ref: ObjRef, rng: random.Random) -> tuple[float, float]:
    """Big furniture stands at the far edge of the workspace; small devices closer to the middle.

    A drawer cabinet always stands at the same spot, as furniture does: a learned skill that drops something
    into one of its drawers at a position then works in every scene with the cabinet, so it can be reused as a
    step of a longer task (a position is not renamed by a binding)."""
    key = ref.type.key
    if key == "drawer_cabinet":
        _ = (rng.uniform(0.28, 0.33), rng.uniform(-0.06, 0.06))  # keep the rest of the seeded layout unchanged
        return 0.3, 0.0
    if key == "door_cabinet":
        return rng.uniform(0.28, 0.33), rng.uniform(-0.06, 0.06)
    if key == "sliding_door":  # thin frame: its handle must stay within reach (x <= ~0.2)
        return rng.uniform(0.1, 0.15), rng.uniform(-0.06, 0.06)
    if key == "lid_box":  # an open lid's handle stands 30 cm high and 8 cm behind the box: out of reach past x = 0.18
        return rng.uniform(0.12, 0.17), rng.uniform(-0.1, 0.1)
    return rng.uniform(0.08, 0.18), rng.uniform(-0.12, 0.12)


def _segment_gap(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance from point p to the segment a-b (table plane)."""
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    n2 = dx * dx + dy * dy
    t = 0.0 if n2 < 1e-12 else max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / n2))
    return math.hypot(p[0] - (ax + t * dx), p[1] - (ay + t * dy))


def _chain_initial_joint(ref: ObjRef, parts: list[TaskFrame]) -> float:
    """Start open fraction of an articulated joint that a chain's parts act on: a drawer to close starts open,
    a drawer to put something into (without opening it first) starts open; everything else starts closed."""
    for part in parts:
        art = part.articulated()
        if art is None or art.scene_name() != ref.scene_name() or (art.joint or "") != (ref.joint or ""):
            continue
        if part.verb == "close":
            return 0.8
        if part.verb == "put_inside" and "open" not in part.steps:
            return 0.9
        return 0.0
    return 0.0


#: Half the width of each articulated kind as generated with default params (m), for chain layouts.
_DEVICE_HALF_WIDTH = {"drawer_cabinet": 0.18, "door_cabinet": 0.16, "sliding_door": 0.21, "lid_box": 0.12,
                      "button": 0.05, "knob": 0.05, "lever": 0.06}


def _clearance(device_half: float, own: float) -> float:
    """Centre distance a loose object keeps from an articulated one: both footprints and a 4 cm margin, and
    30 cm from big furniture (its doors and drawers swing or slide out towards the robot)."""
    return max(device_half + own + 0.04, 0.3 if device_half >= 0.15 else 0.0)


def build_chain_scene(frame: TaskFrame, rng: random.Random, *, name: str, description: str = "") -> dict[str, Any]:
    """A SceneSpec dict holding every object of every part of a chain, once each.

    Why its own layout: a chain puts up to four loose objects next to one piece of furniture, so the single-task
    rule (every loose object 30 cm from every other when a cabinet is there) cannot fit them. Here loose
    objects keep 30 cm from big furniture but only their footprints plus a margin from each other, a pushed
    object's path stays clear of the others, and each articulated joint starts where its part needs it.
    """
    parts = frame.parts()
    objects: list[dict[str, Any]] = []
    spots: list[tuple[float, float, float]] = []  # x, y, half width of each articulated object
    arts: dict[str, ObjRef] = {}
    joints: dict[str, dict[str, float]] = {}
    for ref in frame.refs():
        if ref.type.source != "articulated":
            continue
        key = ref.scene_name()
        arts.setdefault(key, ref)
        joint = ref.joint or (ref.type.joints[0] if ref.type.joints else None)
        if joint:
            joints.setdefault(key, {})[joint] = _chain_initial_joint(ref, parts)
    big = False
    for i, (key, ref) in enumerate(arts.items()):
        for _ in range(100):
            x, y = _articulated_spot(ref, rng)
            if i:  # a second device stands to one side of the first
                y = rng.choice((-1, 1)) * rng.uniform(0.2, 0.3)
            if all(math.hypot(x - a, y - b) >= 0.3 for a, b, _ in spots):
                break
        entry = _articulated_entry(ref, TaskFrame("open", ref), _on_table(x, y))
        entry["initial_joints"] = dict(joints.get(key) or entry["initial_joints"])
        if ref.type.key == "drawer_cabinet":
            top = max(int(j.rsplit("_", 1)[-1]) for j in entry["initial_joints"] if j.startswith("drawer_"))
            entry["params"]["n_drawers"] = max(2, top + 1)
        objects.append(entry)
        b = ref.type.key in ("drawer_cabinet", "door_cabinet", "sliding_door")
        big = big or b
        spots.append((x, y, _DEVICE_HALF_WIDTH.get(ref.type.key, 0.06)))
    # the single-task ranges: the gripper places and pushes accurately there (toward y = +-0.25 it drifts by cm)
    drawers = any(r.type.key == "drawer_cabinet" for r in arts.values())
    loose_x = _NEAR_ROBOT_X if drawers else (-0.12, 0.0) if big else _LOOSE_X
    loose_y = (-0.22, 0.22)
    movers: dict[str, tuple[float, float]] = {}  # pushed objects: their offsets
    for part in parts:
        if part.verb in ("push", "slide") and part.dest is None and part.relation != "target":
            movers[part.obj.scene_name()] = goal_offset(part)
    placed: set[str] = set(arts)
    loose: list[tuple[str, float, tuple[float, float]]] = []  # name, half width, xy
    segments: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for ref in frame.refs():
        key = ref.scene_name()
        if ref.type.source == "articulated" or key in placed:
            continue
        own = _half_width(ref)
        dx, dy = movers.get(key, (0.0, 0.0))
        best, best_slack = None, -math.inf
        for _ in range(400):
            x, y = rng.uniform(*loose_x), rng.uniform(*loose_y)
            if not (reachable_xy(x, y) and reachable_xy(x + dx, y + dy)):
                continue
            # slack: how far the spot is from breaking its tightest clearance (>= 0: every clearance kept)
            gaps = [math.hypot(x - a, y - b) - _clearance(half, own) for a, b, half in spots]
            gaps += [math.hypot(x - q[0], y - q[1]) - max(0.11, own + w + 0.05) for _, w, q in loose]
            gaps += [_segment_gap((x, y), a, b) - (own + 0.08) for a, b in segments]  # not on another's push path
            if (dx, dy) != (0.0, 0.0):  # nor pushed through another object, or into a device
                gaps += [_segment_gap((a, b), (x, y), (x + dx, y + dy)) - _clearance(half, own) for a, b, half in spots]
                gaps += [_segment_gap(q, (x, y), (x + dx, y + dy)) - (own + w + 0.04) for _, w, q in loose]
            slack = min(gaps, default=1.0)
            if slack > best_slack:
                best, best_slack = (x, y), slack
            if slack >= 0:
                break
        if best is None:  # nothing reachable was drawn: the single-task fallback
            best = _free_spot(rng, [(a, b) for a, b, _ in spots] + [q for _, _, q in loose], loose_x, loose_y)
        if (dx, dy) != (0.0, 0.0):
            segments.append((best, (best[0] + dx, best[1] + dy)))
        loose.append((key, own, best))
        placed.add(key)
        objects.append(_object_entry(ref, _on_table(*best)))
    for part in parts:
        if part.verb in ("push", "slide") and part.dest is None and part.relation == "target":
            for _ in range(30):
                marker = _marker_entry(part, objects, rng)
                mx, my = marker["placement"]["offset"]
                if all(math.hypot(mx - q[0], my - q[1]) >= 0.1 for k, _, q in loose if k != part.obj.scene_name()):
                    break
            objects.append(marker)
            break  # one goal marker per scene: it is called `target`
    return {"name": name, "description": description, "robot": "panda", "table": True, "objects": objects}


def build_scene_dict(frame: TaskFrame, rng: random.Random, *, name: str, description: str = "") -> dict[str, Any]:
    """A fresh SceneSpec (as a JSON-able dict) for `frame`."""
    if frame.then:
        return build_chain_scene(frame, rng, name=name, description=description)
    objects: list[dict[str, Any]] = []
    taken: list[tuple[float, float]] = []
    art = frame.articulated()
    if art is not None:
        x, y = _articulated_spot(art, rng)
        objects.append(_articulated_entry(art, frame, _on_table(x, y)))
        # furniture occupies a big footprint: keep loose objects in front of (robot side of) it
        taken.append((x, y))
        big = art.type.key in ("drawer_cabinet", "door_cabinet", "sliding_door")
        loose_x = _NEAR_ROBOT_X if art.type.key == "drawer_cabinet" else (-0.12, 0.0) if big else _LOOSE_X
        loose_y = (-0.25, 0.25)
        gap = 0.3 if big else 0.15
    else:
        loose_x, loose_y, gap = _LOOSE_X, _LOOSE_Y, _MIN_GAP
    movable = [r for r in (frame.obj, frame.dest) if r is not None and r.type.source != "articulated"]
    names: set[str] = {o["name"] for o in objects}
    dx, dy = goal_offset(frame) if frame.verb in ("push", "slide") else (0.0, 0.0)
    widest = 0.0  # half width of the widest loose object placed so far
    for ref in movable:
        if ref.scene_name() in names:  # two objects of one type and colour: disambiguate
            ref.name = f"{ref.scene_name()}_{len(names)}"
        base_gap = gap if art is not None else _MIN_GAP
        own = _half_width(ref)
        need = max(base_gap, own + widest + 0.03) if widest else base_gap  # footprints never overlap (a tray is 26 cm)
        for _ in range(50):  # the goal of a push/slide must be reachable too
            x, y = _free_spot(rng, taken, loose_x, loose_y, need)
            if reachable_xy(x + dx, y + dy):
                break
        widest = max(widest, own)
        taken.append((x, y))
        objects.append(_object_entry(ref, _on_table(x, y)))
        names.add(ref.scene_name())
    if frame.verb in ("push", "slide") and frame.dest is None:
        objects.append(_marker_entry(frame, objects, rng))
    return {"name": name, "description": description, "robot": "panda", "table": True, "objects": objects}


def goal_offset(frame: TaskFrame) -> tuple[float, float]:
    """Displacement of the manipulated object for push/slide frames (metres, world xy)."""
    from roboskill.agents.offline.frames import DIRECTIONS

    if frame.relation in DIRECTIONS:
        ux, uy = DIRECTIONS[frame.relation]
        d = frame.amount or 0.12
        return ux * d, uy * d
    return 0.0, 0.0


def _marker_entry(frame: TaskFrame, objects: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """A visual-only disc where the pushed/slid object should end up, inside the workspace."""
    obj = next(o for o in objects if o["name"] == frame.obj.scene_name())
    ox, oy = obj["placement"]["offset"]
    dx, dy = goal_offset(frame)
    if (dx, dy) == (0.0, 0.0):  # "to the target": a random goal 10-18 cm away
        for _ in range(100):
            ang = rng.uniform(0, 2 * math.pi)
            dist = rng.uniform(0.10, 0.18)
            dx, dy = dist * math.cos(ang), dist * math.sin(ang)
            if reachable_xy(ox + dx, oy + dy) and abs(oy + dy) < WORKSPACE_Y[1] - 0.05:
                break
    tx = min(max(ox + dx, WORKSPACE_X[0] + 0.03), WORKSPACE_X[1] - 0.03)
    ty = min(max(oy + dy, WORKSPACE_Y[0] + 0.03), WORKSPACE_Y[1] - 0.03)
    return {"kind": "primitive", "name": MARKER_NAME, "shape": "cylinder", "size": [0.08, 0.002],
            "color": list(MARKER_COLOR), "mass": 0.0, "visual_only": True, "fixed": True,
            "placement": _on_table(tx, ty)}


# --------------------------------------------------------------------------------------- repairs
def _xy(obj: dict[str, Any]) -> tuple[float, float] | None:
    pl = obj.get("placement") or {}
    if pl.get("position") is not None:
        return float(pl["position"][0]), float(pl["position"][1])
    if pl.get("on") == "table":
        off = pl.get("offset") or [0.0, 0.0]
        return float(off[0]), float(off[1])
    return None


def _others_xy(spec: dict[str, Any], name: str) -> list[tuple[float, float]]:
    return [xy for o in spec.get("objects", []) if o.get("name") != name and (xy := _xy(o)) is not None]


def repair_scene(previous: dict[str, Any], errors: list[Any], frame: TaskFrame, rng: random.Random,
                 *, name: str) -> tuple[dict[str, Any], list[str]]:
    """Fix exactly the objects named by `errors` in `previous`; returns (spec, notes on what changed)."""
    spec = copy.deepcopy(previous)
    spec.setdefault("name", name)
    objects: list[dict[str, Any]] = spec.setdefault("objects", [])
    notes: list[str] = []
    by_name = {o.get("name"): o for o in objects if isinstance(o, dict)}
    for err in errors:
        if isinstance(err, str):
            err = {"object": None, "code": "", "message": err, "fix": ""}
        if not isinstance(err, dict):
            continue
        text = " ".join(str(err.get(k) or "") for k in ("code", "message", "fix")).lower()
        obj = by_name.get(err.get("object"))
        if obj is None:
            obj = next((o for n, o in by_name.items() if n and re.search(rf"\b{re.escape(str(n))}\b", text)), None)
        if obj is None:
            if re.search(r"\b(duplicate|name)\b", text):
                continue
            # an error about the whole scene: start over from a fresh layout
            fresh = build_scene_dict(frame, rng, name=spec["name"], description=spec.get("description", ""))
            return fresh, [f"rebuilt the layout ({err.get('message', 'scene-level error')})"]
        oname = obj.get("name")
        suggested = suggested_placement(str(err.get("fix") or ""))
        if suggested is not None:  # the validator names a whole placement (pose and orientation): take it as is
            obj["placement"] = suggested
            notes.append(f"placed {oname} as the validator suggested: {suggested}")
            continue
        fixed_pos = re.search(r"\[\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)(?:\s*,\s*(-?\d+(?:\.\d+)?))?\s*\]",
                              str(err.get("fix") or ""))
        fixed_xy = re.search(r"x\s*=\s*(-?\d+(?:\.\d+)?)\s*,\s*y\s*=\s*(-?\d+(?:\.\d+)?)", str(err.get("fix") or ""))
        if (fixed_pos or fixed_xy) and re.search(r"\b(move|place|put|position|offset)\b", text):
            m = fixed_pos or fixed_xy
            x, y = float(m.group(1)), float(m.group(2))
            obj["placement"] = _on_table(x, y)
            notes.append(f"moved {oname} to ({x:.2f}, {y:.2f}) as the validator suggested")
        elif re.search(r"unknown asset|not in the catalog|catalog|asset .*not found|no such asset|cannot load", text) \
                and obj.get("kind") == "asset":
            placement = obj.get("placement") or _on_table(0.05, 0.0)
            obj.clear()
            obj.update({"kind": "primitive", "name": oname, "shape": "box", "size": [0.05, 0.05, 0.05],
                        "color": list(COLORS["orange"]), "placement": placement})
            notes.append(f"replaced asset {oname} by a 5 cm box")
        elif re.search(r"too (large|big|heavy|wide|tall)|size|exceeds|graspable|gripper", text) and obj.get("size"):
            factor = 1.3 if re.search(r"too small|too thin", text) else 0.7
            obj["size"] = [_round(s * factor) for s in obj["size"]]
            notes.append(f"{'enlarged' if factor > 1 else 'shrank'} {oname} to size {obj['size']}")
        elif re.search(r"too (large|big)|scale", text) and obj.get("kind") == "asset":
            obj["scale"] = _round(float(obj.get("scale", 1.0)) * 0.7)
            notes.append(f"scaled {oname} down to {obj['scale']}")
        elif re.search(r"param", text) and obj.get("kind") == "articulated":
            obj["params"] = {}
            notes.append(f"reset {oname}'s generator params to the defaults")
        elif re.search(r"joint", text) and obj.get("kind") == "articulated":
            obj["initial_joints"] = {k: min(max(float(v), 0.0), 1.0) for k, v in (obj.get("initial_joints") or {}).items()
                                     if re.fullmatch(r"(drawer_[0-2]|door|lid|button|lever|slider|knob)", k)}
            notes.append(f"cleaned {oname}'s initial joints")
        elif re.search(r"overlap|collid|collision|penetrat|intersect|too close|interpenetr", text):
            xy = _xy(obj) or (0.05, 0.0)
            others = _others_xy(spec, oname)
            x, y = xy
            for _ in range(200):
                if _far_enough(x, y, others, 0.15):
                    break
                x = min(max(x + rng.uniform(-0.08, 0.04), -0.2), 0.3)
                y = min(max(y + rng.choice((-1, 1)) * rng.uniform(0.05, 0.12), -0.35), 0.35)
            obj["placement"] = _on_table(x, y, _yaw(obj))
            notes.append(f"moved {oname} away from its neighbours to ({x:.2f}, {y:.2f})")
        elif re.search(r"relation|inside|\bon\b|left_of|right_of|front_of|behind|target .*(missing|unknown)", text):
            xy = _free_spot(rng, _others_xy(spec, oname))
            obj["placement"] = _on_table(*xy, _yaw(obj))
            notes.append(f"gave {oname} an explicit table position instead of a relation")
        else:  # unreachable / outside the workspace / fell off / anything else: pull it to the middle
            xy = _xy(obj) or (0.3, 0.0)
            x = min(max(xy[0] * 0.6 + 0.05, -0.15), 0.28 if obj.get("kind") == "articulated" else 0.2)
            y = min(max(xy[1] * 0.5, -0.25), 0.25)
            movable = obj.get("kind") != "articulated"
            if not _far_enough(x, y, _others_xy(spec, oname), 0.1) or (movable and not reachable_xy(x, y)):
                x, y = _free_spot(rng, _others_xy(spec, oname))
            obj["placement"] = _on_table(x, y, _yaw(obj))
            notes.append(f"moved {oname} closer to the robot, to ({x:.2f}, {y:.2f})")
    if not notes:
        notes.append("no object-specific fix applied; kept the scene")
    return spec, notes


def _yaw(obj: dict[str, Any]) -> float:
    euler = (obj.get("placement") or {}).get("euler") or [0.0, 0.0, 0.0]
    return float(euler[2]) if len(euler) == 3 else 0.0


def design(context: dict[str, Any], rng: random.Random, frame: TaskFrame, task_name: str) -> dict[str, Any]:
    """SceneDesign dict for the scene-designer context (keys per prompts/scene_designer.md)."""
    errors = context.get("validation_errors") or []
    previous = context.get("previous_scene")
    if isinstance(previous, dict) and isinstance(previous.get("scene"), dict):
        previous = previous["scene"]
    description = _scene_description(frame)
    if errors and isinstance(previous, dict) and previous.get("objects") is not None:
        spec, notes = repair_scene(previous, errors, frame, rng, name=task_name)
        return {"scene": spec, "notes": "Fixed: " + "; ".join(notes) + "."}
    spec = build_scene_dict(frame, rng, name=task_name, description=description)
    return {"scene": spec, "notes": "Objects placed inside the reachable workspace, apart from each other; "
                                    "articulated fronts face the robot (-x)."}


def _scene_description(frame: TaskFrame) -> str:
    parts = list(dict.fromkeys(r.type.noun for r in frame.refs()))
    return "Table-top scene with " + " and ".join(parts) + " in front of a Panda arm."
