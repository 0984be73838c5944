"""Compile an `ArticulatedSpec` to URDF plus the metadata the builder needs (`GeneratedAsset`).

Why compute mass properties here instead of asking the designer: a model that writes a door panel
should not have to know its inertia tensor; giving each part a mass and computing centre of mass and
inertia from its shapes (volume-weighted, parallel-axis) keeps every generated object physically sane.

Names are deterministic: link = part name, a moving part's joint = its name, a fixed part's joint
`<part>_joint`, handles `<part>_handle`, sites their own name. The file is written once per distinct
URDF text into the same cache as the generators (`<category>_<sha1>.urdf`, atomic rename).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from roboskill.sim.articulated import Container, GeneratedAsset, JointInfo, cached_urdf
from roboskill.sim.articulated_spec import (FACINGS, ArticulatedSpec, Handle, Part, Shape, color_rgba,
                                            resolve_mesh_path)

_AXIS = {"x": 0, "y": 1, "z": 2}
GRIP = 0.014   # cross-section of a handle's grip (fits the 8 cm gripper)
POST = 0.012


def rpy_matrix(rpy: tuple[float, float, float]) -> np.ndarray:
    """URDF's fixed-axis roll-pitch-yaw: R = Rz(yaw) Ry(pitch) Rx(roll)."""
    r, p, y = rpy
    cr, sr, cp, sp, cy, sy = math.cos(r), math.sin(r), math.cos(p), math.sin(p), math.cos(y), math.sin(y)
    return np.array([[cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
                     [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
                     [-sp, cp * sr, cp * cr]])


def handle_shapes(h: Handle) -> list[Shape]:
    """The boxes of a handle in its part's frame: posts from the surface point outwards and a grip."""
    n = FACINGS[h.facing]
    a = next(i for i in range(3) if n[i] != 0)
    s = n[a]
    base = np.array(h.position, dtype=float)
    if h.style == "hbar":
        g = 1 if a == 0 else 0
    else:
        g = 2 if a in (0, 1) else 1
    color = h.color

    def box(size_by_axis: dict[int, float], centre: np.ndarray) -> Shape:
        size = [size_by_axis.get(i, POST) for i in range(3)]
        return Shape(shape="box", size=size, position=tuple(float(v) for v in centre), color=color)

    out: list[Shape] = []
    if h.style == "knob":
        out.append(box({a: h.standoff}, base + s * np.eye(3)[a] * h.standoff / 2))
        out.append(box({a: 0.02, (a + 1) % 3: 0.03, (a + 2) % 3: 0.03}, base + s * np.eye(3)[a] * (h.standoff + 0.01)))
        return out
    if h.style == "tab":
        thin = 2 if a != 2 else 0
        wide = 3 - a - thin
        out.append(box({a: h.standoff, wide: h.length, thin: GRIP}, base + s * np.eye(3)[a] * h.standoff / 2))
        return out
    for off in (-h.length / 2 + POST / 2, h.length / 2 - POST / 2):
        out.append(box({a: h.standoff}, base + s * np.eye(3)[a] * h.standoff / 2 + np.eye(3)[g] * off))
    out.append(box({a: GRIP, g: h.length, 3 - a - g: GRIP}, base + s * np.eye(3)[a] * (h.standoff + GRIP / 2)))
    return out


def _volume(sh: Shape) -> float:
    s = sh.size
    if sh.shape == "box":
        return s[0] * s[1] * s[2]
    if sh.shape == "mesh":
        return 0.5 * s[0] * s[1] * s[2]
    r = s[0] / 2
    if sh.shape == "sphere":
        return 4 / 3 * math.pi * r ** 3
    if sh.shape == "cylinder":
        return math.pi * r * r * s[1]
    return math.pi * r * r * max(s[1] - 2 * r, 0.0) + 4 / 3 * math.pi * r ** 3


def _own_inertia(sh: Shape, m: float) -> np.ndarray:
    s = sh.size
    if sh.shape in ("box", "mesh"):
        x, y, z = s
        return np.diag([m / 12 * (y * y + z * z), m / 12 * (x * x + z * z), m / 12 * (x * x + y * y)])
    r = s[0] / 2
    if sh.shape == "sphere":
        return np.eye(3) * (0.4 * m * r * r)
    h = s[1]
    side = m * (3 * r * r + h * h) / 12
    return np.diag([side, side, 0.5 * m * r * r])


def mass_properties(shapes: list[Shape], mass: float) -> tuple[np.ndarray, np.ndarray]:
    """Centre of mass and inertia tensor (about the COM, in the part's frame) of `mass` spread by volume."""
    vols = np.array([max(_volume(sh), 1e-9) for sh in shapes])
    ms = mass * vols / vols.sum()
    centres = np.array([sh.position for sh in shapes], dtype=float)
    com = (ms[:, None] * centres).sum(axis=0) / mass
    inertia = np.zeros((3, 3))
    for sh, m, c in zip(shapes, ms, centres):
        rot = rpy_matrix(sh.euler)
        d = c - com
        inertia += rot @ _own_inertia(sh, m) @ rot.T + m * (np.dot(d, d) * np.eye(3) - np.outer(d, d))
    # a floor keeps tiny parts (a site, a thin tab) numerically stable
    inertia += np.eye(3) * 1e-6
    return com, inertia


def _f(v: float) -> str:
    out = f"{float(v):.6f}".rstrip("0").rstrip(".")
    return "0" if out in ("-0", "") else out


def _v(vs: tuple[float, ...] | np.ndarray) -> str:
    return " ".join(_f(x) for x in vs)


def _geometry(sh: Shape) -> str:
    s = sh.size
    if sh.shape == "box":
        return f'<box size="{_v(s)}"/>'
    if sh.shape == "sphere":
        return f'<sphere radius="{_f(s[0] / 2)}"/>'
    if sh.shape == "cylinder":
        return f'<cylinder radius="{_f(s[0] / 2)}" length="{_f(s[1])}"/>'
    if sh.shape == "capsule":
        return f'<capsule radius="{_f(s[0] / 2)}" length="{_f(max(s[1] - s[0], 1e-4))}"/>'
    return f'<mesh filename="{resolve_mesh_path(str(sh.mesh))}" scale="{_v(sh.mesh_scale)}"/>'


class _Writer:
    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[str] = []
        self.materials: dict[tuple[float, ...], str] = {}

    def material(self, rgba: tuple[float, ...]) -> str:
        key = tuple(round(float(c), 4) for c in rgba)
        if key not in self.materials:
            self.materials[key] = f"mat{len(self.materials)}"
        return self.materials[key]

    def link(self, name: str, shapes: list[Shape], mass: float, default_color: tuple[float, ...]) -> None:
        out = [f'  <link name="{name}">']
        if shapes:
            com, inertia = mass_properties(shapes, mass)
        else:
            com, inertia = np.zeros(3), np.eye(3) * 1e-6
        out.append(f'    <inertial><origin xyz="{_v(com)}" rpy="0 0 0"/><mass value="{_f(mass)}"/>'
                   f'<inertia ixx="{inertia[0, 0]:.7g}" ixy="{inertia[0, 1]:.7g}" ixz="{inertia[0, 2]:.7g}" '
                   f'iyy="{inertia[1, 1]:.7g}" iyz="{inertia[1, 2]:.7g}" izz="{inertia[2, 2]:.7g}"/></inertial>')
        for sh in shapes:
            origin = f'<origin xyz="{_v(sh.position)}" rpy="{_v(sh.euler)}"/>'
            geom = _geometry(sh)
            mat = self.material(color_rgba(sh.color, default_color))
            out.append(f'    <visual>{origin}<geometry>{geom}</geometry><material name="{mat}"/></visual>')
            out.append(f'    <collision>{origin}<geometry>{geom}</geometry></collision>')
        out.append("  </link>")
        self.lines.append("\n".join(out))

    def joint(self, name: str, jtype: str, parent: str, child: str, xyz: tuple[float, ...], rpy: tuple[float, ...],
              part: Part | None = None) -> None:
        out = [f'  <joint name="{name}" type="{jtype}">', f'    <parent link="{parent}"/>', f'    <child link="{child}"/>',
               f'    <origin xyz="{_v(xyz)}" rpy="{_v(rpy)}"/>']
        if part is not None and jtype != "fixed":
            j = part.joint
            out.append(f'    <axis xyz="{_v(j.axis)}"/>')
            vel = 1.0 if jtype == "prismatic" else 3.0
            if jtype == "continuous":
                out.append(f'    <limit effort="{_f(j.effort)}" velocity="{vel}"/>')
            else:
                out.append(f'    <limit lower="{_f(j.lower)}" upper="{_f(j.upper)}" effort="{_f(j.effort)}" velocity="{vel}"/>')
            out.append(f'    <dynamics damping="{_f(j.damping)}" friction="0"/>')
        out.append("  </joint>")
        self.lines.append("\n".join(out))

    def text(self) -> str:
        mats = "\n".join(f'  <material name="{n}"><color rgba="{_v(c)}"/></material>' for c, n in self.materials.items())
        return f'<?xml version="1.0"?>\n<robot name="{self.name}">\n{mats}\n' + "\n".join(self.lines) + "\n</robot>\n"


def _tree_order(spec: ArticulatedSpec) -> list[Part]:
    """Parts parent-first (URDF readers want a parent before its children), stable in spec order."""
    order: list[Part] = []
    placed: set[str] = set()
    pending = list(spec.parts)
    while pending:
        rest = []
        for q in pending:
            if q.parent is None or q.parent in placed:
                order.append(q)
                placed.add(q.name)
            else:
                rest.append(q)
        pending = rest
    return order


def part_frames(spec: ArticulatedSpec) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every part's frame (rotation, origin) in the object's frame with all joints at 0."""
    frames: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for q in _tree_order(spec):
        local_r, local_t = rpy_matrix(q.euler), np.array(q.position, dtype=float)
        if q.parent is None:
            frames[q.name] = (np.eye(3), np.zeros(3))
        else:
            pr, pt = frames[q.parent]
            frames[q.name] = (pr @ local_r, pr @ local_t + pt)
    return frames


def shape_corners(sh: Shape, rot: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """The 8 corners of a shape's bounding box in the frame (rot, origin) its part sits in."""
    h = np.array(sh.half_extents())
    local = np.array([[sx * h[0], sy * h[1], sz * h[2]] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)])
    srot = rot @ rpy_matrix(sh.euler)
    return (srot @ local.T).T + rot @ np.array(sh.position) + origin


def closed_bounds(spec: ArticulatedSpec) -> tuple[np.ndarray, np.ndarray]:
    """Bounding box (lo, hi) of the whole object, handles included, with every joint at 0."""
    frames = part_frames(spec)
    pts = []
    for q in spec.parts:
        rot, org = frames[q.name]
        for sh in q.shapes:
            pts.append(shape_corners(sh, rot, org))
    for h in spec.handles:
        rot, org = frames[h.part]
        for sh in handle_shapes(h):
            pts.append(shape_corners(sh, rot, org))
    allp = np.concatenate(pts)
    return allp.min(axis=0), allp.max(axis=0)


def to_urdf(spec: ArticulatedSpec) -> str:
    """The URDF text of `spec` (deterministic: the same spec always gives the same bytes)."""
    w = _Writer(spec.category)
    handles_by_part: dict[str, list[Handle]] = {}
    for h in spec.handles:
        handles_by_part.setdefault(h.part, []).append(h)
    for q in _tree_order(spec):
        default = color_rgba(q.color)
        w.link(q.name, list(q.shapes), q.mass, default)
        if q.parent is not None:
            jname = q.name if q.joint.type != "fixed" else f"{q.name}_joint"
            w.joint(jname, q.joint.type, q.parent, q.name, q.position, q.euler, q)
        for h in handles_by_part.get(q.name, []):
            w.link(h.link_name, handle_shapes(h), 0.05, color_rgba(h.color))
            w.joint(f"{h.link_name}_joint", "fixed", q.name, h.link_name, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
    for s in spec.sites:
        w.link(s.name, [], 0.001, (1.0, 1.0, 1.0, 1.0))
        w.joint(f"{s.name}_joint", "fixed", s.part, s.name, s.position, (0.0, 0.0, 0.0))
    return w.text()


def joint_infos(spec: ArticulatedSpec) -> list[JointInfo]:
    """The moving joints as the builder registers them; a continuous joint reads 0..2π as its open fraction."""
    out = []
    for q in spec.moving_parts():
        j = q.joint
        if j.type == "continuous":
            out.append(JointInfo(q.name, "revolute", 0.0, 2 * math.pi, spring_force=j.spring, friction=j.friction))
        else:
            out.append(JointInfo(q.name, j.type, j.lower, j.upper, spring_force=j.spring, friction=j.friction))
    return out


def compile_spec(spec: ArticulatedSpec, *, params: dict | None = None, directory: Path | None = None) -> GeneratedAsset:
    """Write (or reuse) the URDF of `spec` in the cache and describe it for the builder."""
    path = cached_urdf(spec.category, to_urdf(spec), directory=directory)
    root = spec.root.name
    links = [q.name for q in _tree_order(spec) if q.name != root] + [h.link_name for h in spec.handles] + \
        [s.name for s in spec.sites]
    containers = {}
    for q in spec.parts:
        if q.interior is not None:
            half = tuple(v / 2 for v in q.interior.size)
            containers["" if q.name == root else q.name] = Container("" if q.name == root else q.name,
                                                                      tuple(q.interior.center), half)  # type: ignore[arg-type]
    lo, hi = closed_bounds(spec)
    size = tuple(float(v) for v in hi - lo)
    asset = GeneratedAsset(spec.category, path, dict(params or {}), joint_infos(spec), links, size, containers)  # type: ignore[arg-type]
    asset.spec = spec  # type: ignore[attr-defined]
    return asset


__all__ = ["closed_bounds", "compile_spec", "handle_shapes", "joint_infos", "mass_properties", "part_frames",
           "rpy_matrix", "shape_corners", "to_urdf"]
