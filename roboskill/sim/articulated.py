"""Procedural URDF generators for articulated objects (drawers, doors, lids, buttons, levers, sliders, knobs).

Why generate instead of shipping meshes: every size, joint limit, damping and handle shape becomes a
parameter a scene designer can vary, and joint/link names are ours, so generated code can always say
`state.joint_open_fraction("cabinet.drawer_0")`.

Conventions shared by all generators (see docs/contracts.md, "Scene spec"):
- The object frame's origin is the centre of its footprint on the support surface (bottom at z=0).
- The "front" faces -x, i.e. towards the robot at yaw 0 (the robot base is at x=-0.6 facing +x).
- Joint names: drawer_cabinet → drawer_0..n-1 (drawer_0 on top), door_cabinet → door, lid_box → lid,
  button → button, lever → lever, sliding_door → slider, knob → knob. The moving link has the joint's
  name; its handle is a fixed child link `<joint>_handle` (button has no handle).
- Joint value grows as the object "opens" (drawer pulled out, door/lid opened, button pressed,
  lever pushed away, slider moved, knob turned anticlockwise), so open fraction = (q-lower)/(upper-lower).
- Handles stand off the surface by >= 3.5 cm with a <= 2 cm cross-section so the Panda's 8 cm
  gripper can close around them.

URDF text is written once per parameter set into a cache directory (`$ROBOSKILL_HOME/cache/urdf`,
keyed by a hash of kind + params) with an atomic rename, so concurrent workers never read half files.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

Vec3 = tuple[float, float, float]
RGBA = tuple[float, float, float, float]

WOOD: RGBA = (0.62, 0.45, 0.28, 1.0)
WOOD_DARK: RGBA = (0.45, 0.31, 0.18, 1.0)
WHITE: RGBA = (0.9, 0.9, 0.88, 1.0)
METAL: RGBA = (0.75, 0.75, 0.78, 1.0)
BLACK: RGBA = (0.12, 0.12, 0.12, 1.0)
RED: RGBA = (0.85, 0.1, 0.1, 1.0)
GLASS: RGBA = (0.6, 0.8, 0.95, 0.8)
BLUE: RGBA = (0.2, 0.35, 0.8, 1.0)
CREAM: RGBA = (0.93, 0.88, 0.74, 1.0)


class ArticulationParamError(ValueError):
    """Unknown or out-of-range generator parameter; the message lists the valid ones."""


@dataclass(frozen=True)
class JointInfo:
    """A generated joint: local name, type ("prismatic"/"revolute"), limits and an optional spring."""

    name: str
    type: str
    lower: float
    upper: float
    spring_force: float = 0.0
    """> 0: the builder holds the joint towards `lower` with a motor of this max force (a return spring)."""
    friction: float = 0.0
    """Max force/torque of a zero-velocity motor that emulates dry joint friction."""


@dataclass(frozen=True)
class Container:
    """An interior volume (in the frame of `link`, '' = base) where `inside:` placements drop objects."""

    link: str
    center: Vec3
    half_extents: Vec3


@dataclass
class GeneratedAsset:
    """What the builder needs from a generator: the URDF file plus names and geometry metadata."""

    kind: str
    urdf_path: Path
    params: dict[str, Any]
    joints: list[JointInfo]
    links: list[str]
    """Named non-base links (moving links and handles)."""
    size: Vec3
    """Closed-state bounding box extents (x, y, z), origin at bottom-centre."""
    containers: dict[str, Container] = field(default_factory=dict)
    """Names usable as `inside:` targets: "" (the object itself) and/or link names."""
    spec: Any = None
    """The `ArticulatedSpec` it was compiled from (presets and inline objects); None for the 7 generators."""


@dataclass(frozen=True)
class GeneratorInfo:
    kind: str
    description: str
    tags: tuple[str, ...]
    defaults: dict[str, Any]
    func: Callable[[dict[str, Any]], tuple[str, GeneratedAsset]]


# --------------------------------------------------------------------------------- URDF helpers
class _Urdf:
    """Tiny URDF writer: links made of boxes/cylinders/spheres, joints between them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.parts: list[str] = []
        self.materials: dict[RGBA, str] = {}

    def _material(self, rgba: RGBA) -> str:
        if rgba not in self.materials:
            self.materials[rgba] = f"mat{len(self.materials)}"
        return self.materials[rgba]

    def link(self, name: str, mass: float, shapes: list[tuple[str, tuple[float, ...], Vec3, RGBA]],
             rpy_shapes: dict[int, Vec3] | None = None) -> None:
        """shapes: (type, dims, xyz, rgba); box dims = full size (x,y,z); cylinder (r, length); sphere (r,)."""
        rpy_shapes = rpy_shapes or {}
        xs = [s[2][0] for s in shapes] or [0.0]
        ys = [s[2][1] for s in shapes] or [0.0]
        zs = [s[2][2] for s in shapes] or [0.0]
        com = (sum(xs) / len(xs), sum(ys) / len(ys), sum(zs) / len(zs))
        ext = _extents(shapes)
        ixx = mass / 12 * (ext[1] ** 2 + ext[2] ** 2) + 1e-5
        iyy = mass / 12 * (ext[0] ** 2 + ext[2] ** 2) + 1e-5
        izz = mass / 12 * (ext[0] ** 2 + ext[1] ** 2) + 1e-5
        out = [f'  <link name="{name}">',
               f'    <inertial><origin xyz="{_f3(com)}" rpy="0 0 0"/><mass value="{mass:.4f}"/>'
               f'<inertia ixx="{ixx:.6f}" ixy="0" ixz="0" iyy="{iyy:.6f}" iyz="0" izz="{izz:.6f}"/></inertial>']
        for i, (kind, dims, xyz, rgba) in enumerate(shapes):
            geom = _geom(kind, dims)
            rpy = _f3(rpy_shapes.get(i, (0.0, 0.0, 0.0)))
            mat = self._material(rgba)
            out.append(f'    <visual><origin xyz="{_f3(xyz)}" rpy="{rpy}"/><geometry>{geom}</geometry>'
                       f'<material name="{mat}"/></visual>')
            out.append(f'    <collision><origin xyz="{_f3(xyz)}" rpy="{rpy}"/><geometry>{geom}</geometry></collision>')
        out.append("  </link>")
        self.parts.append("\n".join(out))

    def joint(self, name: str, jtype: str, parent: str, child: str, xyz: Vec3, axis: Vec3 = (0, 0, 1),
              lower: float = 0.0, upper: float = 0.0, damping: float = 0.0, effort: float = 100.0,
              velocity: float = 2.0) -> None:
        lines = [f'  <joint name="{name}" type="{jtype}">', f'    <parent link="{parent}"/>',
                 f'    <child link="{child}"/>', f'    <origin xyz="{_f3(xyz)}" rpy="0 0 0"/>']
        if jtype != "fixed":
            lines.append(f'    <axis xyz="{_f3(axis)}"/>')
            lines.append(f'    <limit lower="{lower:.5f}" upper="{upper:.5f}" effort="{effort}" velocity="{velocity}"/>')
            lines.append(f'    <dynamics damping="{damping:.4f}" friction="0.0"/>')
        lines.append("  </joint>")
        self.parts.append("\n".join(lines))

    def text(self) -> str:
        mats = "\n".join(f'  <material name="{n}"><color rgba="{" ".join(f"{c:.3f}" for c in rgba)}"/></material>'
                         for rgba, n in self.materials.items())
        return f'<?xml version="1.0"?>\n<robot name="{self.name}">\n{mats}\n' + "\n".join(self.parts) + "\n</robot>\n"


def _f3(v: tuple[float, ...]) -> str:
    return " ".join(f"{float(x):.5f}" for x in v)


def _geom(kind: str, dims: tuple[float, ...]) -> str:
    if kind == "box":
        return f'<box size="{_f3(dims)}"/>'
    if kind == "cylinder":
        return f'<cylinder radius="{dims[0]:.5f}" length="{dims[1]:.5f}"/>'
    if kind == "sphere":
        return f'<sphere radius="{dims[0]:.5f}"/>'
    raise ValueError(kind)


def _extents(shapes: list[tuple[str, tuple[float, ...], Vec3, RGBA]]) -> Vec3:
    lo = [math.inf] * 3
    hi = [-math.inf] * 3
    for kind, dims, xyz, _ in shapes:
        half = (dims[0] / 2, dims[1] / 2, dims[2] / 2) if kind == "box" else (
            (dims[0], dims[0], dims[1] / 2) if kind == "cylinder" else (dims[0],) * 3)
        for a in range(3):
            lo[a] = min(lo[a], xyz[a] - half[a])
            hi[a] = max(hi[a], xyz[a] + half[a])
    if not shapes:
        return (0.0, 0.0, 0.0)
    return (hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2])


def _box(size: Vec3, xyz: Vec3, rgba: RGBA) -> tuple[str, tuple[float, ...], Vec3, RGBA]:
    return ("box", size, xyz, rgba)


def _handle_shapes(style: str, axis: str, length: float, standoff: float, rgba: RGBA,
                   base_xyz: Vec3) -> list[tuple[str, tuple[float, ...], Vec3, RGBA]]:
    """A handle sticking out towards -x from `base_xyz` (the point on the front face).

    style "bar"/"hbar": two posts and a grip bar of `length` along `axis` ("y" or "z"); "knob": a post and
    a chunky block (2 cm) — still graspable from above.
    """
    bx, by, bz = base_xyz
    t = 0.014  # grip cross-section (fits easily between the Panda's fingers)
    if style == "knob":
        return [_box((standoff, 0.012, 0.012), (bx - standoff / 2, by, bz), rgba),
                _box((0.02, 0.03, 0.03), (bx - standoff - 0.01, by, bz), rgba)]
    post = (standoff, 0.012, 0.012)
    if axis == "y":
        offs = [(0.0, -length / 2 + 0.006, 0.0), (0.0, length / 2 - 0.006, 0.0)]
        grip = _box((t, length, t), (bx - standoff - t / 2, by, bz), rgba)
    else:
        offs = [(0.0, 0.0, -length / 2 + 0.006), (0.0, 0.0, length / 2 - 0.006)]
        grip = _box((t, t, length), (bx - standoff - t / 2, by, bz), rgba)
    posts = [_box(post, (bx - standoff / 2, by + o[1], bz + o[2]), rgba) for o in offs]
    return posts + [grip]


def _color(params: dict[str, Any], default: RGBA) -> RGBA:
    """`color` param: a name (wood, white, metal, red, blue, black) — strings keep specs LLM-friendly."""
    value = params.get("color")
    if value is None:
        return default
    table = {"wood": WOOD, "white": WHITE, "metal": METAL, "red": RED, "blue": BLUE, "black": BLACK,
             "dark_wood": WOOD_DARK, "green": (0.2, 0.6, 0.25, 1.0), "yellow": (0.9, 0.8, 0.2, 1.0),
             "grey": (0.5, 0.5, 0.5, 1.0), "gray": (0.5, 0.5, 0.5, 1.0), "cream": CREAM}
    if str(value) not in table:
        raise ArticulationParamError(f"color {value!r} is not one of {sorted(table)}")
    return table[str(value)]


# ------------------------------------------------------------------------------------ generators
def _drawer_cabinet(pr: dict[str, Any]) -> tuple[str, GeneratedAsset]:
    n = int(pr["n_drawers"])
    if not 1 <= n <= 3:
        raise ArticulationParamError(f"n_drawers must be 1..3, got {n}")
    w, d, dh, wall = float(pr["width"]), float(pr["depth"]), float(pr["drawer_height"]), float(pr["wall"])
    travel = float(pr["travel"])
    if travel > d * 0.9:
        raise ArticulationParamError(f"travel {travel} must be < 0.9 * depth ({0.9 * d:.3f}) or the drawer falls out")
    plinth = 0.02
    h = plinth + n * dh + wall
    body_c = _color(pr, WOOD)
    u = _Urdf("drawer_cabinet")
    shapes = [
        _box((d, w, plinth), (0, 0, plinth / 2), body_c),                      # bottom
        _box((d, w, wall), (0, 0, h - wall / 2), body_c),                       # top
        _box((d, wall, h), (0, -w / 2 + wall / 2, h / 2), body_c),              # sides
        _box((d, wall, h), (0, w / 2 - wall / 2, h / 2), body_c),
        _box((wall, w, h), (d / 2 - wall / 2, 0, h / 2), body_c),               # back
    ]
    for i in range(1, n):  # separators between drawers
        z = plinth + i * dh
        shapes.append(_box((d - wall, w - 2 * wall, 0.006), (wall / 2, 0, z), body_c))
    u.link("body", 0.0, shapes)
    joints, links, containers = [], [], {}
    gap = 0.004
    dw = w - 2 * wall - 2 * gap          # drawer outer width
    ddp = d - wall - 0.01                 # drawer depth
    dhh = dh - 0.006 - 2 * gap            # drawer height
    front_c = _color({"color": pr.get("front_color")} if pr.get("front_color") else {}, CREAM)
    for i in range(n):
        name = f"drawer_{i}"
        level = n - 1 - i                 # drawer_0 is the top one
        z0 = plinth + level * dh + 0.003 + gap   # drawer bottom
        # drawer frame: origin at the centre of its front panel's back face, at its bottom
        jx = -d / 2 + 0.012
        t = 0.008
        dshapes = [
            _box((0.012, dw + 2 * gap, dhh + gap), (-0.006, 0, (dhh + gap) / 2), front_c),     # front panel
            _box((ddp, dw, t), (ddp / 2, 0, t / 2), WOOD),                                       # bottom
            _box((ddp, t, dhh * 0.8), (ddp / 2, -dw / 2 + t / 2, dhh * 0.4), WOOD),              # sides
            _box((ddp, t, dhh * 0.8), (ddp / 2, dw / 2 - t / 2, dhh * 0.4), WOOD),
            _box((t, dw, dhh * 0.8), (ddp - t / 2, 0, dhh * 0.4), WOOD),                         # back
        ]
        u.link(name, float(pr["drawer_mass"]), dshapes)
        u.joint(name, "prismatic", "body", name, (jx, 0, z0), axis=(-1, 0, 0), lower=0.0, upper=travel,
                damping=float(pr["damping"]), effort=200.0, velocity=1.0)
        hname = f"{name}_handle"
        style = str(pr["handle"])
        # vertical bar by default: the Panda grasps it from above with fingers closing along y, so its
        # 20 cm wide hand stays clear of the cabinet (a horizontal bar would put the hand over the top)
        axis = "y" if style == "hbar" else "z"
        hl = min(float(pr["handle_length"]), dw * 0.8) if axis == "y" else min(float(pr["handle_length"]), dhh * 0.75)
        u.link(hname, 0.05, _handle_shapes(style, axis, hl, float(pr["handle_standoff"]), METAL,
                                           (-0.012, 0, dhh / 2 + gap / 2)))
        u.joint(f"{hname}_joint", "fixed", name, hname, (0, 0, 0))
        joints.append(JointInfo(name, "prismatic", 0.0, travel, friction=float(pr["friction"])))
        links += [name, hname]
        containers[name] = Container(name, (ddp / 2, 0.0, t + 0.005), (ddp / 2 - t, dw / 2 - t, dhh * 0.4))
    size = (d + 0.012 + float(pr["handle_standoff"]) + 0.014, w, h)
    return u.text(), GeneratedAsset("drawer_cabinet", Path(), pr, joints, links, size, containers)


def _door_cabinet(pr: dict[str, Any]) -> tuple[str, GeneratedAsset]:
    w, d, h, wall = float(pr["width"]), float(pr["depth"]), float(pr["height"]), float(pr["wall"])
    c = _color(pr, WOOD)
    u = _Urdf("door_cabinet")
    u.link("body", 0.0, [
        _box((d, w, wall), (0, 0, wall / 2), c), _box((d, w, wall), (0, 0, h - wall / 2), c),
        _box((d, wall, h), (0, -w / 2 + wall / 2, h / 2), c), _box((d, wall, h), (0, w / 2 - wall / 2, h / 2), c),
        _box((wall, w, h), (d / 2 - wall / 2, 0, h / 2), c),
        _box((d - 2 * wall, w - 2 * wall, 0.006), (wall / 2, 0, h / 2), c),   # shelf
    ])
    t = 0.014
    dwid = w - 0.004
    dh = h - 0.004
    # hinge on the front-left (-y) edge; the panel extends towards +y; +angle swings it towards -x
    u.link("door", float(pr["door_mass"]), [_box((t, dwid, dh), (-t / 2, dwid / 2, dh / 2), _color({"color": pr.get("front_color")} if pr.get("front_color") else {}, CREAM))])
    open_angle = float(pr["open_angle"])
    u.joint("door", "revolute", "body", "door", (-d / 2, -w / 2 + 0.002, 0.002), axis=(0, 0, 1), lower=0.0,
            upper=open_angle, damping=float(pr["damping"]), effort=50.0)
    hl = min(float(pr["handle_length"]), dh * 0.6)
    u.link("door_handle", 0.05, _handle_shapes(str(pr["handle"]), "z", hl, float(pr["handle_standoff"]), METAL,
                                               (-t, dwid - 0.04, dh * float(pr["handle_height"]))))
    u.joint("door_handle_joint", "fixed", "door", "door_handle", (0, 0, 0))
    containers = {"": Container("", (0.0, 0.0, wall + 0.005), (d / 2 - 2 * wall, w / 2 - 2 * wall, h / 4 - wall))}
    size = (d + t + float(pr["handle_standoff"]) + 0.014, w, h)
    joints = [JointInfo("door", "revolute", 0.0, open_angle, friction=float(pr["friction"]))]
    return u.text(), GeneratedAsset("door_cabinet", Path(), pr, joints, ["door", "door_handle"], size, containers)


def _lid_box(pr: dict[str, Any]) -> tuple[str, GeneratedAsset]:
    w, d, h, wall = float(pr["width"]), float(pr["depth"]), float(pr["height"]), float(pr["wall"])
    c = _color(pr, BLUE)
    u = _Urdf("lid_box")
    u.link("body", 0.0, [
        _box((d, w, wall), (0, 0, wall / 2), c),
        _box((d, wall, h), (0, -w / 2 + wall / 2, h / 2), c), _box((d, wall, h), (0, w / 2 - wall / 2, h / 2), c),
        _box((wall, w, h), (d / 2 - wall / 2, 0, h / 2), c), _box((wall, w, h), (-d / 2 + wall / 2, 0, h / 2), c),
    ])
    t = 0.012
    lid_c = _color({"color": pr.get("lid_color", "white")}, WHITE)
    # hinge along the back top edge (+x); the lid extends towards -x; +angle lifts the front edge
    u.link("lid", float(pr["lid_mass"]), [_box((d + 0.004, w + 0.004, t), (-(d + 0.004) / 2, 0, t / 2), lid_c)])
    open_angle = float(pr["open_angle"])
    u.joint("lid", "revolute", "body", "lid", (d / 2, 0, h + 0.001), axis=(0, 1, 0), lower=0.0, upper=open_angle,
            damping=float(pr["damping"]), effort=50.0)
    style = str(pr["handle"])
    so = float(pr["handle_standoff"])
    if style == "knob":
        hshapes = [_box((0.02, 0.03, 0.03), (-(d + 0.004) + 0.03, 0, t + 0.015), METAL)]
    else:  # a tab sticking out of the front edge: grasp it from above and lift
        hshapes = [_box((so, min(float(pr["handle_length"]), w * 0.8), t), (-(d + 0.004) - so / 2, 0, t / 2), METAL)]
    u.link("lid_handle", 0.03, hshapes)
    u.joint("lid_handle_joint", "fixed", "lid", "lid_handle", (0, 0, 0))
    containers = {"": Container("", (0.0, 0.0, wall + 0.002), (d / 2 - wall - 0.005, w / 2 - wall - 0.005, (h - wall) / 2 - 0.005))}
    size = (d + 0.004 + so, w + 0.004, h + t)
    joints = [JointInfo("lid", "revolute", 0.0, open_angle, friction=float(pr["friction"]))]
    return u.text(), GeneratedAsset("lid_box", Path(), pr, joints, ["lid", "lid_handle"], size, containers)


def _button(pr: dict[str, Any]) -> tuple[str, GeneratedAsset]:
    bw, bh, r, travel = float(pr["base_size"]), float(pr["base_height"]), float(pr["radius"]), float(pr["travel"])
    u = _Urdf("button")
    u.link("body", 0.0, [_box((bw, bw, bh), (0, 0, bh / 2), _color(pr, (0.25, 0.25, 0.28, 1.0)))])
    cap_h = travel + 0.012
    u.link("button", 0.03, [("cylinder", (r, cap_h), (0, 0, cap_h / 2), _color({"color": pr.get("cap_color", "red")}, RED))])
    # axis -z: the joint value grows as the button is pressed down
    u.joint("button", "prismatic", "body", "button", (0, 0, bh), axis=(0, 0, -1), lower=0.0, upper=travel,
            damping=float(pr["damping"]), effort=50.0, velocity=0.5)
    joints = [JointInfo("button", "prismatic", 0.0, travel, spring_force=float(pr["spring_force"]))]
    return u.text(), GeneratedAsset("button", Path(), pr, joints, ["button"], (bw, bw, bh + cap_h))


def _lever(pr: dict[str, Any]) -> tuple[str, GeneratedAsset]:
    bw, bh, length, ang = float(pr["base_size"]), float(pr["base_height"]), float(pr["length"]), float(pr["angle"])
    u = _Urdf("lever")
    u.link("body", 0.0, [_box((bw, bw, bh), (0, 0, bh / 2), _color(pr, (0.3, 0.3, 0.32, 1.0))),
                         _box((0.03, bw * 0.8, 0.02), (0, 0, bh + 0.01), BLACK)])
    u.link("lever", 0.05, [_box((0.012, 0.012, length), (0, 0, length / 2), METAL)])
    # pivots about y: +angle tilts the stick away from the robot (+x)
    u.joint("lever", "revolute", "body", "lever", (0, 0, bh + 0.02), axis=(0, 1, 0), lower=-ang, upper=ang,
            damping=float(pr["damping"]), effort=20.0)
    u.link("lever_handle", 0.02, [("sphere", (0.018,), (0, 0, length + 0.012), RED)])
    u.joint("lever_handle_joint", "fixed", "lever", "lever_handle", (0, 0, 0))
    joints = [JointInfo("lever", "revolute", -ang, ang, friction=float(pr["friction"]))]
    return u.text(), GeneratedAsset("lever", Path(), pr, joints, ["lever", "lever_handle"], (bw, bw, bh + 0.02 + length + 0.03))


def _sliding_door(pr: dict[str, Any]) -> tuple[str, GeneratedAsset]:
    w, h, travel = float(pr["width"]), float(pr["height"]), float(pr["travel"])
    pw = float(pr["panel_width"])
    if pw + travel > w - 0.03:
        raise ArticulationParamError(f"panel_width + travel ({pw + travel:.3f}) must be < width - 0.03 ({w - 0.03:.3f})")
    c = _color(pr, WHITE)
    u = _Urdf("sliding_door")
    ft = 0.05  # frame depth (x)
    u.link("body", 0.0, [
        _box((ft, w, 0.015), (0, 0, 0.0075), c), _box((ft, w, 0.015), (0, 0, h - 0.0075), c),
        _box((ft, 0.015, h), (0, -w / 2 + 0.0075, h / 2), c), _box((ft, 0.015, h), (0, w / 2 - 0.0075, h / 2), c),
        _box((0.008, w - 0.03, h - 0.03), (ft / 2 - 0.004, 0, h / 2), GLASS),    # fixed back pane
    ])
    ph = h - 0.034
    u.link("slider", float(pr["panel_mass"]), [_box((0.012, pw, ph), (0, pw / 2, ph / 2), _color({"color": pr.get("panel_color", "wood")}, WOOD))])
    # starts at the -y end of the frame; +value slides it towards +y
    u.joint("slider", "prismatic", "body", "slider", (-0.012, -w / 2 + 0.016, 0.017), axis=(0, 1, 0), lower=0.0,
            upper=travel, damping=float(pr["damping"]), effort=100.0, velocity=1.0)
    hl = min(float(pr["handle_length"]), ph * 0.6)
    u.link("slider_handle", 0.03, _handle_shapes(str(pr["handle"]), "z", hl, float(pr["handle_standoff"]), METAL,
                                                 (-0.006, pw - 0.035, ph * 0.5)))
    u.joint("slider_handle_joint", "fixed", "slider", "slider_handle", (0, 0, 0))
    joints = [JointInfo("slider", "prismatic", 0.0, travel, friction=float(pr["friction"]))]
    size = (ft + 0.018 + float(pr["handle_standoff"]) + 0.014, w, h)
    return u.text(), GeneratedAsset("sliding_door", Path(), pr, joints, ["slider", "slider_handle"], size)


def _knob(pr: dict[str, Any]) -> tuple[str, GeneratedAsset]:
    bw, bh, r, rng = float(pr["base_size"]), float(pr["base_height"]), float(pr["radius"]), float(pr["range"])
    u = _Urdf("knob")
    u.link("body", 0.0, [_box((bw, bw, bh), (0, 0, bh / 2), _color(pr, METAL))])
    kh = 0.03
    u.link("knob", 0.05, [("cylinder", (r, kh), (0, 0, kh / 2), BLACK)])
    u.joint("knob", "revolute", "body", "knob", (0, 0, bh), axis=(0, 0, 1), lower=0.0, upper=rng,
            damping=float(pr["damping"]), effort=5.0, velocity=3.0)
    # a fin on top marks the angle and gives the fingers something to turn
    u.link("knob_handle", 0.01, [_box((r * 1.8, 0.012, 0.025), (0, 0, kh + 0.0125), RED)])
    u.joint("knob_handle_joint", "fixed", "knob", "knob_handle", (0, 0, 0))
    joints = [JointInfo("knob", "revolute", 0.0, rng, friction=float(pr["friction"]))]
    return u.text(), GeneratedAsset("knob", Path(), pr, joints, ["knob", "knob_handle"], (bw, bw, bh + kh + 0.025))


_HANDLE = {"handle": "bar", "handle_length": 0.10, "handle_standoff": 0.045}

GENERATORS: dict[str, GeneratorInfo] = {
    "drawer_cabinet": GeneratorInfo(
        "drawer_cabinet", "cabinet with 1-3 sliding drawers (prismatic joints drawer_0..n, drawer_0 on top) with vertical bar handles",
        ("articulated", "furniture", "container", "drawer", "prismatic", "storage", "cabinet"),
        {"n_drawers": 2, "width": 0.36, "depth": 0.30, "drawer_height": 0.10, "wall": 0.012, "travel": 0.20,
         "damping": 1.0, "friction": 0.3, "drawer_mass": 0.5, **_HANDLE},
        _drawer_cabinet),
    "door_cabinet": GeneratorInfo(
        "door_cabinet", "cupboard with one hinged door (revolute joint door) and a vertical bar handle",
        ("articulated", "furniture", "container", "door", "hinge", "revolute", "cabinet", "cupboard"),
        {"width": 0.32, "depth": 0.28, "height": 0.34, "wall": 0.012, "open_angle": 1.7, "damping": 0.5,
         "friction": 0.1, "door_mass": 0.4, "handle_height": 0.5, **_HANDLE},
        _door_cabinet),
    "lid_box": GeneratorInfo(
        "lid_box", "open box with a lid hinged on its back edge (revolute joint lid) and a front tab to lift it",
        ("articulated", "container", "box", "lid", "hinge", "revolute", "chest"),
        {"width": 0.22, "depth": 0.18, "height": 0.10, "wall": 0.01, "open_angle": 1.9, "damping": 0.2,
         "friction": 0.02, "lid_mass": 0.1, "handle": "tab", "handle_length": 0.06, "handle_standoff": 0.035},
        _lid_box),
    "button": GeneratorInfo(
        "button", "push button on a block (prismatic joint button, sprung back up; press down to activate)",
        ("articulated", "button", "switch", "press", "prismatic", "control"),
        {"base_size": 0.08, "base_height": 0.04, "radius": 0.022, "travel": 0.012, "damping": 0.5,
         "spring_force": 2.0},
        _button),
    "lever": GeneratorInfo(
        "lever", "toggle lever on a block (revolute joint lever about y, knob on top; push it away to switch on)",
        ("articulated", "lever", "switch", "toggle", "revolute", "control"),
        {"base_size": 0.08, "base_height": 0.05, "length": 0.12, "angle": 0.6, "damping": 0.2, "friction": 0.05},
        _lever),
    "sliding_door": GeneratorInfo(
        "sliding_door", "frame with a panel sliding sideways (prismatic joint slider along y) like a window",
        ("articulated", "door", "window", "slider", "prismatic", "sliding"),
        {"width": 0.40, "height": 0.25, "panel_width": 0.18, "travel": 0.18, "damping": 1.0, "friction": 0.2,
         "panel_mass": 0.3, **_HANDLE},
        _sliding_door),
    "knob": GeneratorInfo(
        "knob", "rotary knob / faucet on a pedestal (revolute joint knob about z with a red fin to turn)",
        ("articulated", "knob", "faucet", "dial", "rotate", "revolute", "control"),
        {"base_size": 0.08, "base_height": 0.08, "radius": 0.03, "range": 4.7, "damping": 0.05, "friction": 0.02},
        _knob),
}


def all_kinds() -> list[str]:
    """Every articulated category a scene can name: the 7 generators, then the spec-built presets."""
    from roboskill.sim.articulated_presets import PRESETS

    return list(GENERATORS) + [k for k in PRESETS if k not in GENERATORS]


def kind_info(kind: str) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """(description, tags, default params) of any articulated category."""
    from roboskill.sim.articulated_presets import PRESETS

    if kind in GENERATORS:
        g = GENERATORS[kind]
        return g.description, g.tags, dict(g.defaults)
    pre = PRESETS[kind]
    return pre.description, pre.tags, dict(pre.defaults)


def resolve_params(kind: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """Defaults overlaid with `params`; unknown names or wrong types raise with the valid names listed."""
    from roboskill.sim.articulated_presets import PRESETS, resolve_preset_params

    if kind in PRESETS and kind not in GENERATORS:
        return resolve_preset_params(kind, params)
    if kind not in GENERATORS:
        raise ArticulationParamError(f"unknown articulation {kind!r}; choose one of {sorted(all_kinds())}")
    defaults = GENERATORS[kind].defaults
    allowed = set(defaults) | {"color", "front_color", "cap_color", "lid_color", "panel_color"}
    merged = dict(defaults)
    for key, value in (params or {}).items():
        if key not in allowed:
            raise ArticulationParamError(f"{kind} has no parameter {key!r}; valid: {sorted(allowed)}")
        default = defaults.get(key)
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ArticulationParamError(f"{kind}.{key} must be a number, got {value!r}") from None
            if isinstance(default, int) and not number.is_integer():
                raise ArticulationParamError(f"{kind}.{key} must be a whole number, got {value!r}")
            if not 0.0 <= number <= 10.0:
                raise ArticulationParamError(f"{kind}.{key} = {value} is out of range (0..10)")
            value = int(number) if isinstance(default, int) else number
        merged[key] = value
    if str(merged.get("handle", "bar")) not in ("bar", "hbar", "knob", "tab"):
        raise ArticulationParamError(f"{kind}.handle must be 'bar' (vertical), 'hbar' (horizontal), 'knob' or "
                                     f"'tab', got {merged['handle']!r}")
    return merged


def home_dir() -> Path:
    """ROBOSKILL_HOME (default ~/.roboskill): where the URDF cache lives; sandbox children are told it."""
    return Path(os.environ.get("ROBOSKILL_HOME", "~/.roboskill")).expanduser()


def cache_dir() -> Path:
    return home_dir() / "cache" / "urdf"


def cached_urdf(prefix: str, text: str, *, directory: Path | None = None, digest_source: str | None = None) -> Path:
    """`<prefix>_<digest>.urdf` in the URDF cache holding `text`, written once and atomically (temp file, then
    rename), so concurrent builders of the same object never read a half-written file. The digest is of
    `digest_source` (default: the text itself)."""
    digest = hashlib.sha1((text if digest_source is None else digest_source).encode()).hexdigest()[:16]
    out_dir = directory or cache_dir()
    path = out_dir / f"{prefix}_{digest}.urdf"
    if not path.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return path


def generate(kind: str, params: dict[str, Any] | None = None, *, directory: Path | None = None) -> GeneratedAsset:
    """Generate (or reuse from the cache) the URDF of an articulated object and return its metadata."""
    pr = resolve_params(kind, params)
    if kind not in GENERATORS:  # a spec-built preset
        from roboskill.sim.articulated_presets import PRESETS
        from roboskill.sim.articulated_urdf import compile_spec

        return compile_spec(PRESETS[kind].build(pr), params=pr, directory=directory)
    text, asset = GENERATORS[kind].func(pr)
    asset.urdf_path = cached_urdf(kind, text, directory=directory,
                                  digest_source=kind + json.dumps(pr, sort_keys=True) + text)
    return asset


def object_asset(obj: Any, *, directory: Path | None = None) -> GeneratedAsset:
    """The generated asset of a scene's articulated object: its inline `object` spec compiled, or its
    `articulation` kind generated with `params`. The one entry point builder and validation use."""
    spec = getattr(obj, "object", None)
    if spec is not None:
        from roboskill.sim.articulated_urdf import compile_spec

        return compile_spec(spec, directory=directory)
    return generate(obj.articulation, dict(obj.params), directory=directory)


__all__ = ["ArticulationParamError", "all_kinds", "kind_info", "object_asset", "Container", "GENERATORS", "GeneratedAsset", "GeneratorInfo", "JointInfo",
           "cache_dir", "generate", "home_dir", "resolve_params"]
