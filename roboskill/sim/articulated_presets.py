"""Articulated presets written with the articulated-object spec: appliances, furniture, tools, controls.

Why presets in the spec rather than more hand-written URDF generators: each preset is just a function
from a few parameters (sizes, counts, handle style and placement, hinge side) to an `ArticulatedSpec`,
so it goes through exactly the path a model-authored object takes (compile, physical check, build), and
`sample_params` can vary every one of them for a curriculum.

All presets are tabletop scale (at most ~0.5 m high, handles below the arm's 0.65 m ceiling), front
towards -x, origin at the bottom centre, joint values growing as the thing opens / is pressed / turned.
The seven original kinds (drawer_cabinet, ...) stay with their generators in `roboskill.sim.articulated`
so existing scenes behave exactly as before; `registry()` lists both.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Callable

from roboskill.sim.articulated_spec import ArticulatedSpec

Params = dict[str, Any]
T = 0.014      # door / panel thickness (m)
GAP = 0.003    # clearance between a moving part and its carcass (m)


@dataclass(frozen=True)
class Preset:
    """One category: defaults, the ranges `sample_params` draws from, and the builder."""

    kind: str
    description: str
    tags: tuple[str, ...]
    defaults: Params
    ranges: dict[str, tuple[float, float] | tuple[str, ...] | tuple[int, int]]
    build: Callable[[Params], ArticulatedSpec]
    joints: tuple[str, ...]
    """Joint names at the defaults (documentation and prompts)."""


# ----------------------------------------------------------------------------------- helpers
def _box(size, pos, color=None) -> dict:
    return {"shape": "box", "size": [float(v) for v in size], "position": [float(v) for v in pos],
            **({"color": color} if color is not None else {})}


def _cyl(d, h, pos, euler=(0.0, 0.0, 0.0), color=None) -> dict:
    return {"shape": "cylinder", "size": [float(d), float(h)], "position": [float(v) for v in pos],
            "euler": [float(v) for v in euler], **({"color": color} if color is not None else {})}


def _shell(w: float, d: float, h: float, wall: float, z0: float = 0.0, open_faces: tuple[str, ...] = ("-x",),
           color: str | None = None) -> list[dict]:
    """A hollow box (footprint centred on the origin, bottom at z0) with the named faces left open."""
    faces = {
        "-z": _box((d, w, wall), (0, 0, z0 + wall / 2), color), "+z": _box((d, w, wall), (0, 0, z0 + h - wall / 2), color),
        "-y": _box((d, wall, h), (0, -w / 2 + wall / 2, z0 + h / 2), color),
        "+y": _box((d, wall, h), (0, w / 2 - wall / 2, z0 + h / 2), color),
        "+x": _box((wall, w, h), (d / 2 - wall / 2, 0, z0 + h / 2), color),
        "-x": _box((wall, w, h), (-d / 2 + wall / 2, 0, z0 + h / 2), color),
    }
    return [s for k, s in faces.items() if k not in open_faces]


def _part(name, parent, shapes, *, pos=(0.0, 0.0, 0.0), euler=(0.0, 0.0, 0.0), joint=None, mass=0.3, color="white",
          interior=None) -> dict:
    out: dict[str, Any] = {"name": name, "parent": parent, "shapes": shapes, "position": [float(v) for v in pos],
                           "euler": [float(v) for v in euler], "mass": float(mass), "color": color}
    if joint:
        out["joint"] = joint
    if interior:
        out["interior"] = interior
    return out


def _hinge(axis, upper, lower=0.0, damping=0.3, friction=0.05, spring=0.0) -> dict:
    return {"type": "revolute", "axis": list(axis), "lower": float(lower), "upper": float(upper),
            "damping": damping, "friction": friction, "spring": spring}


def _slide(axis, travel, damping=1.0, friction=0.2, spring=0.0) -> dict:
    return {"type": "prismatic", "axis": list(axis), "lower": 0.0, "upper": float(travel), "damping": damping,
            "friction": friction, "spring": spring}


def _front_door(name: str, parent: str, x_face: float, y0: float, y1: float, z0: float, z1: float, *, hinge: str,
                handle: str, handle_height: float = 0.5, upper: float = 1.6, mass: float = 0.4,
                color: str = "cream") -> tuple[dict, dict]:
    """A panel in front of the face x = x_face covering y0..y1, z0..z1, hinged on its left (-y) or right
    (+y) edge; +angle swings it towards the robot. Returns (part, handle)."""
    width, height = y1 - y0, z1 - z0
    if hinge == "left":
        pos, sign, axis = (x_face, y0, z0), 1.0, (0, 0, 1)
    else:
        pos, sign, axis = (x_face, y1, z0), -1.0, (0, 0, -1)
    part = _part(name, parent, [_box((T, width, height), (-T / 2, sign * width / 2, height / 2))], pos=pos,
                 joint=_hinge(axis, upper), mass=mass, color=color)
    hl = min(0.10, height * 0.6) if handle != "hbar" else min(0.10, width * 0.6)
    edge = 0.03 if handle != "hbar" else max(0.03, hl / 2 + 0.01)
    hnd = {"part": name, "style": handle, "facing": "-x", "length": hl,
           "position": [-T, sign * (width - edge), height * handle_height]}
    return part, hnd


def _drop_door(name: str, parent: str, x_face: float, width: float, z0: float, z1: float, *, handle: str = "hbar",
               upper: float = 1.3, mass: float = 0.4, color: str = "dark_grey") -> tuple[dict, dict]:
    """A panel in front of x = x_face hinged along its bottom edge; +angle drops it down towards the robot."""
    height = z1 - z0
    part = _part(name, parent, [_box((T, width, height), (-T / 2, 0, height / 2))], pos=(x_face, 0, z0),
                 joint=_hinge((0, -1, 0), upper, damping=0.5), mass=mass, color=color)
    style = "hbar" if handle in ("bar", "hbar") else handle
    hnd = {"part": name, "style": style, "facing": "-x", "length": min(0.16, width * 0.6),
           "position": [-T, 0, height - 0.035]}
    return part, hnd


def _drawer(name: str, parent: str, x_face: float, z0: float, width: float, height: float, depth: float,
            travel: float, handle: str, *, y: float = 0.0, color: str = "cream") -> tuple[dict, dict]:
    """A drawer whose front panel's back face sits at x = x_face when closed; slides out along -x."""
    t = 0.008
    front_h = height
    shapes = [_box((0.012, width + 2 * GAP, front_h), (-0.006, 0, front_h / 2), color),
              _box((depth, width, t), (depth / 2, 0, t / 2), "wood"),
              _box((depth, t, height * 0.8), (depth / 2, -width / 2 + t / 2, height * 0.4), "wood"),
              _box((depth, t, height * 0.8), (depth / 2, width / 2 - t / 2, height * 0.4), "wood"),
              _box((t, width, height * 0.8), (depth - t / 2, 0, height * 0.4), "wood")]
    part = _part(name, parent, shapes, pos=(x_face, y, z0), joint=_slide((-1, 0, 0), travel), mass=0.5,
                 interior={"center": [depth / 2, 0, t + 0.003], "size": [depth - 2 * t, width - 2 * t, height * 0.7]})
    length = min(0.10, height * 0.75) if handle != "hbar" else min(0.12, width * 0.6)
    hnd = {"part": name, "style": handle, "facing": "-x", "length": length, "position": [-0.012, 0, height / 2]}
    return part, hnd


def _spec(category: str, description: str, parts: list[dict], handles: list[dict] = (), sites: list[dict] = (),
          mounted: bool = False) -> ArticulatedSpec:
    return ArticulatedSpec.model_validate({"category": category, "description": description, "parts": parts,
                                           "handles": list(handles), "sites": list(sites), "mounted": mounted})


# ------------------------------------------------------------------------------------ presets
def _microwave(pr: Params) -> ArticulatedSpec:
    w, d, h, wall = pr["width"], pr["depth"], pr["height"], 0.012
    panel = w * 0.25
    body = _shell(w, d, h, wall, open_faces=("-x",), color=pr["color"])
    body.append(_box((wall, panel, h), (-d / 2 + wall / 2, w / 2 - panel / 2, h / 2), "dark_grey"))  # control panel
    parts = [_part("body", None, body, mass=8.0, color=pr["color"],
                   interior={"center": [0.0, -panel / 2, wall + 0.002],
                             "size": [d - 2 * wall - 0.01, w - panel - 2 * wall - 0.01, h - 2 * wall - 0.01]})]
    door, hnd = _front_door("door", "body", -d / 2, -w / 2, w / 2 - panel - GAP, 0.004, h - 0.004, hinge="left",
                            handle=pr["handle"], color="glass")
    parts.append(door)
    handles = [hnd]
    sites = []
    if int(pr["button"]):
        bz = h * 0.3
        parts.append(_part("button", "body", [_box((0.012, 0.03, 0.02), (-0.006, 0, 0))],
                           pos=(-d / 2, w / 2 - panel / 2, bz), joint=_slide((1, 0, 0), 0.008, damping=0.3, spring=3.0),
                           mass=0.02, color="white"))
        sites.append({"name": "button_press", "part": "button", "kind": "press", "position": [-0.012, 0, 0],
                      "normal": [-1, 0, 0]})
    return _spec("microwave", "microwave oven: glass door hinged on the left (joint door), optional door-release "
                 "button (joint button, sprung)", parts, handles, sites)


def _refrigerator(pr: Params) -> ArticulatedSpec:
    w, d, h, wall = pr["width"], pr["depth"], pr["height"], 0.015
    body = _shell(w, d, h, wall, open_faces=("-x",), color=pr["color"])
    parts = [_part("body", None, body, mass=15.0, color=pr["color"])]
    handles = []
    if pr["layout"] == "side_by_side":
        body.append(_box((d - wall, wall, h), (wall / 2, 0, h / 2)))  # divider
        parts[0]["interior"] = {"center": [0.0, -w / 4, wall + 0.002], "size": [d - 3 * wall, w / 2 - 2 * wall, h * 0.3]}
        for name, (y0, y1), hinge in (("door_left", (-w / 2, -GAP / 2), "left"), ("door_right", (GAP / 2, w / 2), "right")):
            door, hnd = _front_door(name, "body", -d / 2, y0, y1, 0.004, h - 0.004, hinge=hinge, handle=pr["handle"],
                                    handle_height=0.55, mass=0.6, color=pr["color"])
            parts.append(door)
            handles.append(hnd)
    else:  # freezer on top
        split = h * 0.62
        body.append(_box((d - wall, w, wall), (wall / 2, 0, split)))
        parts[0]["interior"] = {"center": [0.0, 0.0, wall + 0.002], "size": [d - 3 * wall, w - 3 * wall, split * 0.5]}
        for name, (z0, z1), hh in (("door_lower", (0.004, split - GAP / 2), 0.8), ("door_upper", (split + GAP / 2, h - 0.004), 0.3)):
            door, hnd = _front_door(name, "body", -d / 2, -w / 2, w / 2, z0, z1, hinge=pr["hinge"], handle=pr["handle"],
                                    handle_height=hh, mass=0.6, color=pr["color"])
            parts.append(door)
            handles.append(hnd)
    return _spec("refrigerator", "refrigerator with two doors (side by side: door_left / door_right; stacked: "
                 "door_lower / door_upper)", parts, handles)


def _oven(pr: Params) -> ArticulatedSpec:
    w, d, h, wall = pr["width"], pr["depth"], pr["height"], 0.014
    plinth, panel = 0.045, 0.06
    body = _shell(w, d, h - plinth, wall, z0=plinth, open_faces=("-x",), color=pr["color"])
    body.append(_box((d, w, plinth), (0, 0, plinth / 2), "black"))
    body.append(_box((wall, w, panel), (-d / 2 + wall / 2, 0, h - panel / 2), "dark_grey"))
    body.append(_box((d - 2 * wall, w - 2 * wall, 0.006), (wall, 0, plinth + (h - plinth - panel) * 0.45)))  # rack
    parts = [_part("body", None, body, mass=12.0, color=pr["color"],
                   interior={"center": [0.0, 0.0, plinth + wall + 0.002],
                             "size": [d - 3 * wall, w - 3 * wall, (h - plinth - panel) * 0.4]})]
    door, hnd = _drop_door("door", "body", -d / 2, w - 0.006, plinth + 0.002, h - panel - GAP, handle=pr["handle"])
    parts.append(door)
    handles, sites = [hnd], []
    n = int(pr["n_knobs"])
    for i in range(n):
        y = -w / 2 + w * (i + 1) / (n + 1)
        name = f"knob_{i}"
        parts.append(_part(name, "body", [_cyl(0.035, 0.02, (-0.01, 0, 0), (0, math.pi / 2, 0), "black"),
                                          _box((0.008, 0.006, 0.03), (-0.022, 0, 0.0), "white")],
                           pos=(-d / 2, y, h - panel / 2), joint=_hinge((-1, 0, 0), 4.7, damping=0.05, friction=0.02),
                           mass=0.03, color="black"))
        sites.append({"name": f"{name}_grasp", "part": name, "kind": "grasp", "position": [-0.025, 0, 0],
                      "normal": [-1, 0, 0]})
    return _spec("oven", "oven with a drop-down door (joint door) and control knobs knob_0.. on the front panel",
                 parts, handles, sites)


def _dishwasher(pr: Params) -> ArticulatedSpec:
    w, d, h, wall = pr["width"], pr["depth"], pr["height"], 0.014
    plinth = 0.045
    body = _shell(w, d, h - plinth, wall, z0=plinth, open_faces=("-x",), color=pr["color"])
    body.append(_box((d, w, plinth), (0, 0, plinth / 2), "dark_grey"))
    parts = [_part("body", None, body, mass=12.0, color=pr["color"])]
    door, hnd = _drop_door("door", "body", -d / 2, w - 0.006, plinth + 0.002, h - 0.004, handle=pr["handle"],
                           color=pr["color"])
    parts.append(door)
    rack_w, rack_d, rack_h = w - 2 * wall - 0.02, d - 2 * wall - 0.02, 0.06
    rz = plinth + wall + 0.02
    rack = [_box((rack_d, rack_w, 0.006), (rack_d / 2, 0, 0.003), "steel"),
            _box((0.006, rack_w, rack_h), (0.003, 0, rack_h / 2), "steel"),
            _box((0.006, rack_w, rack_h), (rack_d - 0.003, 0, rack_h / 2), "steel"),
            _box((rack_d, 0.006, rack_h), (rack_d / 2, -rack_w / 2 + 0.003, rack_h / 2), "steel"),
            _box((rack_d, 0.006, rack_h), (rack_d / 2, rack_w / 2 - 0.003, rack_h / 2), "steel")]
    parts.append(_part("rack", "body", rack, pos=(-d / 2 + wall + 0.01, 0, rz), joint=_slide((-1, 0, 0), pr["rack_travel"]),
                       mass=0.4, interior={"center": [rack_d / 2, 0, 0.007], "size": [rack_d - 0.02, rack_w - 0.02, rack_h]}))
    sites = [{"name": "rack_grasp", "part": "rack", "kind": "grasp", "position": [0.003, 0, rack_h], "normal": [0, 0, 1]}]
    return _spec("dishwasher", "dishwasher: door hinged at the bottom that drops down towards the robot (joint door) "
                 "and a pull-out rack (joint rack, slides out once the door is open)", parts, [hnd], sites)


def _laptop(pr: Params) -> ArticulatedSpec:
    w, d, base_t, scr_t = pr["width"], pr["depth"], 0.016, 0.008
    parts = [_part("base", None, [_box((d, w, base_t), (0, 0, base_t / 2)),
                                  _box((d * 0.5, w * 0.8, 0.002), (-d * 0.05, 0, base_t - 0.0005), "black")],
                   mass=1.2, color=pr["color"]),
             _part("screen", "base", [_box((d, w, scr_t), (-d / 2, 0, scr_t / 2)),
                                      _box((d * 0.85, w * 0.9, 0.002), (-d / 2, 0, 0.0005), "black")],
                   pos=(d / 2, 0, base_t + 0.001), joint=_hinge((0, 1, 0), pr["open_angle"], damping=0.3, friction=0.08),
                   mass=0.4, color=pr["color"])]
    handles = [{"part": "screen", "style": "tab", "facing": "-x", "length": 0.05, "standoff": 0.02,
                "position": [-d, 0, scr_t / 2], "color": pr["color"]}]
    sites = [{"name": "screen_push", "part": "screen", "kind": "push", "position": [-d * 0.6, 0, scr_t],
              "normal": [0, 0, 1]}]
    return _spec("laptop", "laptop: screen hinged at the back of the base (joint screen, 0 closed flat, 1 open)",
                 parts, handles, sites)


def _toilet(pr: Params) -> ArticulatedSpec:
    w, d, h = pr["width"], pr["depth"], pr["height"]
    tank_d = 0.08
    bowl_d = d - tank_d
    body = [_box((bowl_d * 0.8, w * 0.8, h - 0.002), (-tank_d / 2 - bowl_d * 0.1, 0, (h - 0.002) / 2)),   # pedestal + bowl
            _box((tank_d, w, h * 1.6), (d / 2 - tank_d / 2, 0, h * 0.8))]                                 # cistern
    parts = [_part("body", None, body, mass=10.0, color="white")]
    hinge_x = d / 2 - tank_d - 0.005
    seat_len, t = bowl_d - 0.01, 0.012
    parts.append(_part("seat", "body", [_box((seat_len, w * 0.85, t), (-seat_len / 2, 0, t / 2))],
                       pos=(hinge_x, 0, h + 0.001), joint=_hinge((0, 1, 0), 1.6, damping=0.2), mass=0.3,
                       color=pr["seat_color"]))
    parts.append(_part("lid", "seat", [_box((seat_len, w * 0.85, t), (-seat_len / 2, 0, t / 2))],
                       pos=(0, 0, t + 0.001), joint=_hinge((0, 1, 0), 1.6, damping=0.2), mass=0.3, color=pr["seat_color"]))
    handles = [{"part": "lid", "style": "tab", "facing": "-x", "length": 0.04, "standoff": 0.03,
                "position": [-seat_len, 0, t / 2], "color": "white"},
               {"part": "seat", "style": "tab", "facing": "-x", "length": 0.03, "standoff": 0.03,
                "position": [-seat_len, w * 0.3, t / 2], "color": "white"}]
    return _spec("toilet", "toilet: seat (joint seat) and lid (joint lid, on the seat) hinged at the back of the bowl",
                 parts, handles)


def _faucet(pr: Params) -> ArticulatedSpec:
    hgt, reach = pr["height"], pr["spout_length"]
    body = [_box((0.12, 0.12, 0.01), (0, 0, 0.005), "steel"), _cyl(0.04, hgt, (0, 0, hgt / 2), color="metal"),
            _cyl(0.022, reach, (-reach / 2, 0, hgt - 0.02), (0, math.pi / 2, 0), "metal")]
    length = pr["lever_length"]
    lever = [_cyl(0.03, 0.02, (0, 0, 0.01), color="metal"), _box((length, 0.014, 0.014), (length / 2, 0, 0.02), "metal")]
    # the lever points backwards (+x) from the pivot; lifting its end (towards +z) opens the tap
    parts = [_part("body", None, body, mass=2.0, color="metal"),
             _part("lever", "body", lever, pos=(0, 0, hgt), joint=_hinge((0, -1, 0), pr["range"], damping=0.1, friction=0.05),
                   mass=0.08, color="metal")]
    handles = [{"part": "lever", "style": "knob", "facing": "+x", "standoff": 0.015, "position": [length, 0, 0.02]}]
    return _spec("faucet", "single-lever faucet on a base plate: lift the lever (joint lever) to open", parts, handles,
                 mounted=True)


def _pedal_bin(pr: Params) -> ArticulatedSpec:
    w, d, h = pr["width"], pr["depth"], pr["height"]
    z0 = 0.03
    body = _shell(w, d, h - z0, 0.008, z0=z0, open_faces=("+z",), color=pr["color"])
    body.append(_box((d * 0.8, w * 0.8, z0), (0, 0, z0 / 2), "black"))
    parts = [_part("body", None, body, mass=2.0, color=pr["color"],
                   interior={"center": [0, 0, z0 + 0.01], "size": [d - 0.03, w - 0.03, (h - z0) * 0.8]})]
    parts.append(_part("lid", "body", [_box((d + 0.006, w + 0.006, 0.012), (-(d + 0.006) / 2, 0, 0.006))],
                       pos=(d / 2 + 0.003, 0, h + 0.001), joint=_hinge((0, 1, 0), 1.3, damping=0.3), mass=0.2,
                       color=pr["color"]))
    pedal_len = 0.06
    parts.append(_part("pedal", "body", [_box((pedal_len, w * 0.5, 0.01), (-pedal_len / 2, 0, 0))],
                       pos=(-d / 2 - 0.001, 0, z0 + 0.015), joint=_hinge((0, -1, 0), 0.35, damping=0.1, spring=0.5),
                       mass=0.1, color="metal"))
    handles = [{"part": "lid", "style": "tab", "facing": "-x", "length": 0.05, "standoff": 0.025,
                "position": [-(d + 0.006), 0, 0.006]}]
    sites = [{"name": "pedal_press", "part": "pedal", "kind": "press", "position": [-pedal_len * 0.7, 0, 0.005],
              "normal": [0, 0, 1]}]
    return _spec("pedal_bin", "pedal bin: lid hinged at the back (joint lid) and a sprung foot pedal (joint pedal)",
                 parts, handles, sites)


def _window(pr: Params) -> ArticulatedSpec:
    w, h, f = pr["width"], pr["height"], 0.03
    z0 = 0.03
    frame = [_box((0.08, w + 0.04, z0), (0.01, 0, z0 / 2), "grey"),                     # sill / foot
             _box((f, w, f), (0, 0, z0 + f / 2)), _box((f, w, f), (0, 0, z0 + h - f / 2)),
             _box((f, f, h), (0, -w / 2 + f / 2, z0 + h / 2)), _box((f, f, h), (0, w / 2 - f / 2, z0 + h / 2))]
    parts = [_part("frame", None, frame, mass=4.0, color="white")]
    sw, sh = w - 2 * f - 2 * GAP, h - 2 * f - 2 * GAP
    glass = [_box((0.02, sw, 0.02), (0.01, 0, sh / 2 - 0.01)), _box((0.02, sw, 0.02), (0.01, 0, -sh / 2 + 0.01)),
             _box((0.02, 0.02, sh), (0.01, sw / 2 - 0.01, 0)), _box((0.02, 0.02, sh), (0.01, -sw / 2 + 0.01, 0)),
             _box((0.006, sw - 0.04, sh - 0.04), (0.01, 0, 0), "glass")]
    if pr["hinge"] == "top":  # awning: hinged along the top, the bottom swings out towards the robot
        shapes = [dict(s, position=[s["position"][0], s["position"][1], s["position"][2] - sh / 2]) for s in glass]
        pos = (-f / 2, 0, z0 + h - f - GAP)
        joint, hpos, style = _hinge((0, 1, 0), 1.0), [-0.0, 0, -sh + 0.03], "hbar"
    else:  # casement hinged on its left edge
        shapes = [dict(s, position=[s["position"][0], s["position"][1] + sw / 2, s["position"][2] + sh / 2]) for s in glass]
        pos = (-f / 2, -w / 2 + f + GAP, z0 + f + GAP)
        joint, hpos, style = _hinge((0, 0, 1), 1.5), [0.0, sw - 0.03, sh / 2], "bar"
    parts.append(_part("sash", "frame", shapes, pos=pos, joint=joint, mass=0.5, color="white"))
    handles = [{"part": "sash", "style": style, "facing": "-x", "length": 0.06, "standoff": 0.035, "position": hpos}]
    return _spec("window", "hinged window in a standing frame: casement (hinged left) or awning (hinged on top), "
                 "joint sash", parts, handles, mounted=True)


def _safe(pr: Params) -> ArticulatedSpec:
    w, d, h, wall = pr["width"], pr["depth"], pr["height"], 0.025
    parts = [_part("body", None, _shell(w, d, h, wall, open_faces=("-x",), color="dark_grey"), mass=25.0, color="dark_grey",
                   interior={"center": [wall / 2, 0, wall + 0.002], "size": [d - 3 * wall, w - 3 * wall, h - 3 * wall]})]
    door, hnd = _front_door("door", "body", -d / 2, -w / 2, w / 2, 0.004, h - 0.004, hinge="left", handle=pr["handle"],
                            handle_height=0.35, mass=1.5, color="grey")
    parts.append(door)
    # the dial sits on the door's face, in its upper middle; it turns about the door's outward normal
    parts.append(_part("dial", "door", [_cyl(0.05, 0.015, (-0.0075, 0, 0), (0, math.pi / 2, 0), "black"),
                                        _box((0.01, 0.006, 0.022), (-0.02, 0, 0.01), "white")],
                       pos=(-T, w * 0.5, h * 0.68), joint=_hinge((-1, 0, 0), 2 * math.pi, damping=0.05, friction=0.03),
                       mass=0.05, color="black"))
    sites = [{"name": "dial_grasp", "part": "dial", "kind": "grasp", "position": [-0.02, 0, 0], "normal": [-1, 0, 0]}]
    return _spec("safe", "safe: heavy door hinged on the left (joint door) with a combination dial on it (joint dial)",
                 parts, [hnd], sites)


def _toolbox(pr: Params) -> ArticulatedSpec:
    w, d, h, wall = pr["width"], pr["depth"], pr["height"], 0.008
    dh = 0.055
    body = _shell(w, d, h, wall, open_faces=("+z", "-x"), color=pr["color"])
    body.append(_box((wall, w, h - dh), (-d / 2 + wall / 2, 0, dh + (h - dh) / 2), pr["color"]))  # front above the drawer
    body.append(_box((d - wall, w - 2 * wall, wall), (wall / 2, 0, dh + wall / 2), pr["color"]))   # floor of the tray
    parts = [_part("body", None, body, mass=2.5, color=pr["color"],
                   interior={"center": [0, 0, dh + wall + 0.002], "size": [d - 3 * wall, w - 3 * wall, h - dh - 2 * wall]})]
    parts.append(_part("lid", "body", [_box((d + 0.004, w + 0.004, 0.01), (-(d + 0.004) / 2, 0, 0.005))],
                       pos=(d / 2 + 0.002, 0, h + 0.001), joint=_hinge((0, 1, 0), 1.8, damping=0.2), mass=0.3,
                       color=pr["color"]))
    drawer, dh_hnd = _drawer("drawer_0", "body", -d / 2 + 0.012, wall + GAP, w - 2 * wall - 2 * GAP, dh - wall - 2 * GAP,
                             d - wall - 0.02, min(pr["travel"], (d - wall) * 0.8), "hbar", color="black")
    parts.append(drawer)
    handles = [{"part": "lid", "style": "tab", "facing": "-x", "length": 0.05, "standoff": 0.025,
                "position": [-(d + 0.004), 0, 0.005], "color": "black"}, dh_hnd]
    return _spec("toolbox", "toolbox: lid hinged at the back (joint lid) over a tray, and a drawer below (joint drawer_0)",
                 parts, handles)


def _flap_box(pr: Params) -> ArticulatedSpec:
    w, d, h, t = pr["width"], pr["depth"], pr["height"], 0.006
    parts = [_part("body", None, _shell(w, d, h, t, open_faces=("+z",), color="cardboard"), mass=0.6, color="cardboard",
                   interior={"center": [0, 0, t + 0.002], "size": [d - 2 * t - 0.01, w - 2 * t - 0.01, h - 2 * t]})]
    side = w * 0.25
    mid = w - 2 * side - 2 * GAP
    half_d = d / 2 - GAP
    z = h + 0.001
    flaps = [("flap_front", (-d / 2, 0, z), (half_d, mid, t), (half_d / 2, 0, t / 2), (0, -1, 0)),
             ("flap_back", (d / 2, 0, z), (half_d, mid, t), (-half_d / 2, 0, t / 2), (0, 1, 0)),
             ("flap_left", (0, -w / 2, z), (d, side, t), (0, side / 2, t / 2), (1, 0, 0)),
             ("flap_right", (0, w / 2, z), (d, side, t), (0, -side / 2, t / 2), (-1, 0, 0))]
    sites = []
    for name, pos, size, centre, axis in flaps:
        parts.append(_part(name, "body", [_box(size, centre)], pos=pos, joint=_hinge(axis, pr["open_angle"], damping=0.05,
                                                                                   friction=0.02),
                           mass=0.05, color="cardboard"))
        grip = [1.2 * c for c in centre]  # 60 % of the way to the free edge: within reach once folded open
        sites.append({"name": f"{name}_grasp", "part": name, "kind": "grasp", "position": [grip[0], grip[1], t],
                      "normal": [0, 0, 1]})
    return _spec("flap_box", "cardboard box with four top flaps (joints flap_front, flap_back, flap_left, flap_right)",
                 parts, [], sites)


def _bucket(pr: Params) -> ArticulatedSpec:
    r, h = pr["diameter"] / 2, pr["height"]
    n, t = 12, 0.008
    stave_w = 2 * r * math.tan(math.pi / n) + 0.004
    body = [_cyl(2 * r, t, (0, 0, t / 2))]
    for i in range(n):
        a = 2 * math.pi * i / n
        body.append({"shape": "box", "size": [t, stave_w, h], "position": [(r - t / 2) * math.cos(a), (r - t / 2) * math.sin(a), h / 2],
                     "euler": [0, 0, a]})
    parts = [_part("body", None, body, mass=0.8, color=pr["color"],
                   interior={"center": [0, 0, t + 0.002], "size": [1.3 * r, 1.3 * r, h * 0.8]})]
    arm = r + 0.035
    pivot_y = r + 0.01
    bail = [_box((arm, 0.008, 0.008), (-arm / 2, -pivot_y, 0), "metal"), _box((arm, 0.008, 0.008), (-arm / 2, pivot_y, 0), "metal"),
            _cyl(0.014, 2 * pivot_y + 0.008, (-arm, 0, 0), (math.pi / 2, 0, 0), "black")]
    # lies down towards the robot at 0; swings up about y to stand upright at pi/2
    parts.append(_part("bail", "body", bail, pos=(0, 0, h - 0.025), joint=_hinge((0, 1, 0), 1.57, damping=0.05, friction=0.02),
                       mass=0.08, color="metal"))
    sites = [{"name": "bail_grasp", "part": "bail", "kind": "grasp", "position": [-arm, 0, 0], "normal": [0, 0, 1]}]
    return _spec("bucket", "bucket with a swinging bail handle (joint bail: 0 lying down in front, 1 upright)",
                 parts, [], sites)


def _stapler(pr: Params) -> ArticulatedSpec:
    length, w = pr["length"], pr["width"]
    base_t, arm_t = 0.012, 0.022
    parts = [_part("base", None, [_box((length, w, base_t), (0, 0, base_t / 2)),
                                  _box((0.03, w, 0.03), (length / 2 - 0.015, 0, base_t + 0.015))], mass=0.3, color="black")]
    hinge = (length / 2 - 0.015, 0, base_t + 0.022)
    arm_len = length - 0.02
    rest = pr["rest_angle"]
    parts.append(_part("arm", "base", [_box((arm_len, w * 0.9, arm_t), (-arm_len / 2, 0, arm_t / 2))], pos=hinge,
                       euler=(0, rest, 0), joint=_hinge((0, -1, 0), rest - 0.04, damping=0.1, spring=0.6), mass=0.15,
                       color=pr["color"]))
    sites = [{"name": "arm_press", "part": "arm", "kind": "press", "position": [-arm_len * 0.8, 0, arm_t],
              "normal": [0, 0, 1]}]
    return _spec("stapler", "stapler: sprung top arm (joint arm: 0 raised at rest, 1 pressed down)", parts, [], sites)


def _light_switch(pr: Params) -> ArticulatedSpec:
    pw, ph = pr["plate_width"], pr["plate_height"]
    z = pr["mount_height"]
    plate = [_box((0.06, pw + 0.04, 0.02), (0.02, 0, 0.01), "grey"), _box((0.01, 0.02, z), (0.02, 0, z / 2), "grey"),
             _box((0.012, pw, ph), (0, 0, z + ph / 2), "white")]
    parts = [_part("plate", None, plate, mass=0.8, color="white"),
             _part("rocker", "plate", [_box((0.012, pw * 0.45, ph * 0.55), (-0.006, 0, 0))], pos=(-0.006, 0, z + ph / 2),
                   joint=_hinge((0, -1, 0), 0.25, lower=-0.25, damping=0.05, friction=0.1), mass=0.01, color="cream")]
    sites = [{"name": "rocker_press", "part": "rocker", "kind": "press", "position": [-0.012, 0, ph * 0.2],
              "normal": [-1, 0, 0]}]
    return _spec("light_switch", "rocker light switch on a standing wall plate (joint rocker: 0 bottom pressed = off, "
                 "1 top pressed = on)", parts, [], sites, mounted=True)


def _rotary_dial(pr: Params) -> ArticulatedSpec:
    size, z = pr["panel_size"], pr["mount_height"]
    panel = [_box((0.08, size + 0.04, 0.02), (0.02, 0, 0.01), "grey"), _box((0.02, size, z + size / 2), (0.01, 0, (z + size / 2) / 2)),
             _box((0.02, size, size), (0.01, 0, z + size / 2))]
    d = pr["dial_diameter"]
    dial = [_cyl(d, 0.025, (-0.0125, 0, 0), (0, math.pi / 2, 0), "black"), _box((0.012, 0.008, d * 0.45), (-0.03, 0, d * 0.2), "red")]
    parts = [_part("panel", None, panel, mass=1.0, color=pr["color"]),
             _part("dial", "panel", dial, pos=(0, 0, z + size / 2), joint=_hinge((-1, 0, 0), pr["range"], damping=0.05,
                                                                               friction=0.03), mass=0.05, color="black")]
    sites = [{"name": "dial_grasp", "part": "dial", "kind": "grasp", "position": [-0.03, 0, 0], "normal": [-1, 0, 0]}]
    return _spec("rotary_dial", "rotary dial facing the robot on an upright panel (joint dial, turned anticlockwise "
                 "as seen from the robot)", parts, [], sites, mounted=True)


def _drawer_door_unit(pr: Params) -> ArticulatedSpec:
    w, d, h, wall = pr["width"], pr["depth"], pr["height"], 0.012
    dh = pr["drawer_height"]
    split = h - wall - dh
    body = _shell(w, d, h, wall, open_faces=("-x",), color=pr["color"])
    body.append(_box((d - wall, w - 2 * wall, 0.008), (wall / 2, 0, split)))
    parts = [_part("body", None, body, mass=6.0, color=pr["color"],
                   interior={"center": [wall, 0, wall + 0.002], "size": [d - 3 * wall, w - 3 * wall, (split - wall) * 0.8]})]
    drawer, dhnd = _drawer("drawer_0", "body", -d / 2 + 0.012, split + 0.004 + GAP, w - 2 * wall - 2 * GAP,
                           dh - 0.004 - 2 * GAP, d - wall - 0.02, min(pr["travel"], (d - wall) * 0.8), pr["handle"])
    door, hnd = _front_door("door", "body", -d / 2, -w / 2, w / 2, 0.004, split - 0.004, hinge=pr["hinge"],
                            handle=pr["handle"], handle_height=0.7)
    parts += [drawer, door]
    return _spec("drawer_door_unit", "cabinet with a drawer on top (joint drawer_0) and a hinged door below (joint door)",
                 parts, [dhnd, hnd])


def _wall_cabinet(pr: Params) -> ArticulatedSpec:
    w, d, h, wall, z0 = pr["width"], pr["depth"], pr["height"], 0.012, pr["mount_height"]
    body = _shell(w, d, h, wall, z0=z0, open_faces=("-x",), color=pr["color"])
    body.append(_box((d - 2 * wall, w - 2 * wall, 0.008), (wall / 2, 0, z0 + h / 2)))              # shelf
    body.append(_box((0.02, w, z0), (d / 2 - 0.01, 0, z0 / 2)))                                     # wall board
    body.append(_box((d, w, 0.015), (0, 0, 0.0075)))                                                # foot
    parts = [_part("body", None, body, mass=5.0, color=pr["color"],
                   interior={"center": [wall / 2, 0, z0 + h / 2 + 0.006], "size": [d - 3 * wall, w - 3 * wall, h / 2 - 2 * wall]})]
    handles = []
    if pr["door"] == "flip_up":  # hinged along the top, swings up towards the robot
        hgt = h - 0.008
        parts.append(_part("door", "body", [_box((T, w - 0.004, hgt), (-T / 2, 0, -hgt / 2))], pos=(-d / 2, 0, z0 + h - 0.004),
                           joint=_hinge((0, 1, 0), 1.4, damping=0.3), mass=0.4, color="glass"))
        handles.append({"part": "door", "style": "hbar", "facing": "-x", "length": 0.1, "position": [-T, 0, -hgt + 0.03]})
    else:
        door, hnd = _front_door("door", "body", -d / 2, -w / 2, w / 2, z0 + 0.004, z0 + h - 0.004, hinge=pr["hinge"],
                                handle=pr["handle"], handle_height=0.25, color="glass")
        parts.append(door)
        handles.append(hnd)
    return _spec("wall_cabinet", "wall-mounted cabinet on a board with a shelf inside and a door (joint door; "
                 "side-hinged or flip-up)", parts, handles, mounted=True)


# -------------------------------------------------------------------------------- registry
_HANDLES = ("bar", "hbar", "knob")
PRESETS: dict[str, Preset] = {p.kind: p for p in (
    Preset("microwave", "microwave oven with a glass door hinged on the left and a sprung door-release button",
           ("articulated", "appliance", "kitchen", "door", "hinge", "revolute", "button", "container"),
           {"width": 0.40, "depth": 0.30, "height": 0.24, "handle": "bar", "button": 1, "color": "white"},
           {"width": (0.34, 0.46), "depth": (0.26, 0.34), "height": (0.2, 0.28), "handle": _HANDLES, "button": (0, 1),
            "color": ("white", "black", "steel")}, _microwave, ("door", "button")),
    Preset("refrigerator", "small refrigerator with two doors (side by side or freezer on top)",
           ("articulated", "appliance", "kitchen", "fridge", "door", "hinge", "revolute", "container"),
           {"width": 0.34, "depth": 0.30, "height": 0.46, "layout": "side_by_side", "hinge": "left", "handle": "bar",
            "color": "white"},
           {"width": (0.3, 0.4), "depth": (0.26, 0.34), "height": (0.4, 0.5), "layout": ("side_by_side", "stacked"),
            "hinge": ("left", "right"), "handle": ("bar", "knob"), "color": ("white", "steel", "cream")},
           _refrigerator, ("door_left", "door_right")),
    Preset("oven", "oven with a drop-down door and turnable knobs on its control panel",
           ("articulated", "appliance", "kitchen", "door", "hinge", "knob", "revolute", "container"),
           {"width": 0.40, "depth": 0.32, "height": 0.34, "n_knobs": 2, "handle": "hbar", "color": "steel"},
           {"width": (0.34, 0.46), "depth": (0.28, 0.36), "height": (0.3, 0.38), "n_knobs": (1, 4), "handle": ("hbar", "knob"),
            "color": ("steel", "white", "black")}, _oven, ("door", "knob_0", "knob_1")),
    Preset("dishwasher", "dishwasher with a drop-down door and a pull-out rack",
           ("articulated", "appliance", "kitchen", "door", "hinge", "revolute", "rack", "prismatic", "container"),
           {"width": 0.36, "depth": 0.32, "height": 0.34, "rack_travel": 0.18, "handle": "hbar", "color": "white"},
           {"width": (0.32, 0.42), "depth": (0.28, 0.36), "height": (0.3, 0.38), "rack_travel": (0.12, 0.2),
            "handle": ("hbar", "knob"), "color": ("white", "steel")}, _dishwasher, ("door", "rack")),
    Preset("laptop", "laptop whose screen folds open on a hinge at the back",
           ("articulated", "electronics", "laptop", "lid", "hinge", "revolute"),
           {"width": 0.30, "depth": 0.21, "open_angle": 1.9, "color": "grey"},
           {"width": (0.26, 0.36), "depth": (0.18, 0.24), "open_angle": (1.7, 2.1), "color": ("grey", "black", "steel")},
           _laptop, ("screen",)),
    Preset("toilet", "toilet with a seat and a lid hinged at the back of the bowl",
           ("articulated", "bathroom", "lid", "seat", "hinge", "revolute"),
           {"width": 0.26, "depth": 0.36, "height": 0.18, "seat_color": "white"},
           {"width": (0.22, 0.3), "depth": (0.32, 0.4), "height": (0.15, 0.22), "seat_color": ("white", "wood", "black")},
           _toilet, ("seat", "lid")),
    Preset("faucet", "single-lever faucet: lift the lever to open the tap",
           ("articulated", "kitchen", "bathroom", "faucet", "lever", "revolute", "control"),
           {"height": 0.16, "spout_length": 0.12, "lever_length": 0.09, "range": 0.6},
           {"height": (0.12, 0.2), "spout_length": (0.08, 0.15), "lever_length": (0.07, 0.11), "range": (0.45, 0.8)},
           _faucet, ("lever",)),
    Preset("pedal_bin", "pedal bin: the lid lifts on a back hinge, a sprung pedal at the front",
           ("articulated", "kitchen", "bin", "lid", "pedal", "hinge", "revolute", "container"),
           {"width": 0.22, "depth": 0.20, "height": 0.30, "color": "steel"},
           {"width": (0.18, 0.26), "depth": (0.17, 0.24), "height": (0.24, 0.36), "color": ("steel", "white", "red")},
           _pedal_bin, ("lid", "pedal")),
    Preset("window", "hinged window in a standing frame (casement or awning)",
           ("articulated", "window", "hinge", "revolute", "glass"),
           {"width": 0.34, "height": 0.30, "hinge": "left"},
           {"width": (0.28, 0.4), "height": (0.24, 0.36), "hinge": ("left", "top")}, _window, ("sash",)),
    Preset("safe", "safe with a heavy hinged door and a combination dial",
           ("articulated", "safe", "door", "hinge", "dial", "revolute", "container"),
           {"width": 0.30, "depth": 0.28, "height": 0.30, "handle": "bar"},
           {"width": (0.26, 0.36), "depth": (0.24, 0.32), "height": (0.26, 0.34), "handle": _HANDLES}, _safe, ("door", "dial")),
    Preset("toolbox", "toolbox with a hinged lid over a tray and a drawer underneath",
           ("articulated", "workshop", "box", "lid", "drawer", "hinge", "revolute", "prismatic", "container"),
           {"width": 0.34, "depth": 0.20, "height": 0.16, "travel": 0.12, "color": "red"},
           {"width": (0.28, 0.4), "depth": (0.18, 0.24), "height": (0.14, 0.2), "travel": (0.08, 0.14),
            "color": ("red", "blue", "yellow")}, _toolbox, ("lid", "drawer_0")),
    Preset("flap_box", "cardboard box with four top flaps hinged on its rim",
           ("articulated", "box", "cardboard", "flap", "hinge", "revolute", "container"),
           {"width": 0.26, "depth": 0.22, "height": 0.16, "open_angle": 2.0},
           {"width": (0.2, 0.32), "depth": (0.18, 0.26), "height": (0.12, 0.2), "open_angle": (1.7, 2.3)},
           _flap_box, ("flap_front", "flap_back", "flap_left", "flap_right")),
    Preset("bucket", "bucket with a bail handle that swings up",
           ("articulated", "bucket", "handle", "hinge", "revolute", "container"),
           {"diameter": 0.22, "height": 0.2, "color": "blue"},
           {"diameter": (0.18, 0.26), "height": (0.16, 0.24), "color": ("blue", "red", "green", "grey")}, _bucket, ("bail",)),
    Preset("stapler", "desk stapler with a sprung top arm to press down",
           ("articulated", "office", "stapler", "press", "hinge", "revolute"),
           {"length": 0.16, "width": 0.04, "rest_angle": 0.2, "color": "red"},
           {"length": (0.13, 0.19), "width": (0.035, 0.05), "rest_angle": (0.15, 0.3), "color": ("red", "black", "blue")},
           _stapler, ("arm",)),
    Preset("light_switch", "rocker light switch on an upright wall plate",
           ("articulated", "switch", "rocker", "press", "revolute", "control"),
           {"plate_width": 0.08, "plate_height": 0.12, "mount_height": 0.12},
           {"plate_width": (0.07, 0.1), "plate_height": (0.1, 0.14), "mount_height": (0.06, 0.2)}, _light_switch, ("rocker",)),
    Preset("rotary_dial", "rotary dial facing the robot on an upright panel (thermostat, volume, stove)",
           ("articulated", "dial", "knob", "rotate", "revolute", "control"),
           {"panel_size": 0.12, "mount_height": 0.1, "dial_diameter": 0.06, "range": 4.7, "color": "white"},
           {"panel_size": (0.1, 0.14), "mount_height": (0.05, 0.2), "dial_diameter": (0.045, 0.08), "range": (3.0, 5.5),
            "color": ("white", "grey", "cream")}, _rotary_dial, ("dial",)),
    Preset("drawer_door_unit", "cabinet with a drawer on top and a hinged door below",
           ("articulated", "furniture", "cabinet", "drawer", "door", "hinge", "prismatic", "revolute", "container"),
           {"width": 0.34, "depth": 0.30, "height": 0.36, "drawer_height": 0.1, "travel": 0.18, "hinge": "left",
            "handle": "bar", "color": "wood"},
           {"width": (0.3, 0.4), "depth": (0.26, 0.34), "height": (0.32, 0.42), "drawer_height": (0.08, 0.12),
            "travel": (0.14, 0.2), "hinge": ("left", "right"), "handle": ("bar", "hbar", "knob"), "color": ("wood", "white")},
           _drawer_door_unit, ("drawer_0", "door")),
    Preset("wall_cabinet", "wall cabinet on a board, with a shelf and a side-hinged or flip-up door",
           ("articulated", "furniture", "cabinet", "door", "shelf", "hinge", "revolute", "container"),
           {"width": 0.34, "depth": 0.22, "height": 0.24, "mount_height": 0.14, "door": "side", "hinge": "left",
            "handle": "bar", "color": "white"},
           {"width": (0.3, 0.4), "depth": (0.18, 0.26), "height": (0.2, 0.28), "mount_height": (0.1, 0.18),
            "door": ("side", "flip_up"), "hinge": ("left", "right"), "handle": ("bar", "knob"), "color": ("white", "wood")},
           _wall_cabinet, ("door",)),
)}

#: The seven generator kinds re-expressed: the same categories, parameters and joint names (see
#: `roboskill.sim.articulated.GENERATORS`, which builds them) — listed so `registry()` covers every category.
LEGACY_KINDS = ("drawer_cabinet", "door_cabinet", "lid_box", "button", "lever", "sliding_door", "knob")


def sample_params(kind: str, rng: random.Random | None = None) -> Params:
    """Random parameters for a preset within its ranges (sizes uniform, counts and choices uniform)."""
    rng = rng or random.Random()
    pre = PRESETS[kind]
    out: Params = {}
    for key, rg in pre.ranges.items():
        if isinstance(rg[0], str):
            out[key] = rng.choice(list(rg))
        elif isinstance(pre.defaults.get(key), int) and isinstance(rg[0], int):
            out[key] = rng.randint(int(rg[0]), int(rg[1]))
        else:
            out[key] = round(rng.uniform(float(rg[0]), float(rg[1])), 3)
    return out


def resolve_preset_params(kind: str, params: Params | None) -> Params:
    """Defaults overlaid with `params`; unknown names, wrong types and choices outside the preset's raise."""
    from roboskill.sim.articulated import ArticulationParamError

    pre = PRESETS[kind]
    merged = dict(pre.defaults)
    for key, value in (params or {}).items():
        if key not in pre.defaults:
            raise ArticulationParamError(f"{kind} has no parameter {key!r}; valid: {sorted(pre.defaults)}")
        default = pre.defaults[key]
        rg = pre.ranges.get(key)
        if isinstance(default, str):
            if rg is not None and str(value) not in rg:
                raise ArticulationParamError(f"{kind}.{key} must be one of {list(rg)}, got {value!r}")
            value = str(value)
        else:
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ArticulationParamError(f"{kind}.{key} must be a number, got {value!r}") from None
            if rg is not None:
                lo, hi = float(rg[0]), float(rg[1])
                slack = 0.25 * (hi - lo) if not isinstance(default, int) else 0
                if not lo - slack <= number <= hi + slack:
                    raise ArticulationParamError(f"{kind}.{key} = {value} is out of range ({lo:g}..{hi:g})")
            if isinstance(default, int) and not number.is_integer():
                raise ArticulationParamError(f"{kind}.{key} must be a whole number, got {value!r}")
            value = int(number) if isinstance(default, int) else number
        merged[key] = value
    return merged


def build_preset(kind: str, params: Params | None = None) -> ArticulatedSpec:
    """The `ArticulatedSpec` of a preset at `params` (defaults for the rest)."""
    return PRESETS[kind].build(resolve_preset_params(kind, params))


__all__ = ["LEGACY_KINDS", "PRESETS", "Preset", "build_preset", "resolve_preset_params", "sample_params"]
