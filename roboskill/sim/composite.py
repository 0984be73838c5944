"""Composite rigid objects: one PyBullet body made of several primitive parts (a mug = bottom + wall ring + handle).

Why: a catalog of named primitives cannot be *put into* (a solid cylinder called "mug") nor grasped by a handle;
real everyday objects are a few boxes and cylinders arranged the right way. Each preset in
`roboskill.sim.composite_presets` is a small function from parameters (metres, counts) to parts, so a scene
designer can vary sizes (`params`) and the builder gets an honest shape: containers are walls + a bottom, so
`inside:` placements and the `inside` goal check (centre within the container's box) are physically true.

Compiled to a one-link URDF (cached under `$ROBOSKILL_HOME/cache/urdf` by content, like the articulated
generators; `builder.prepare_assets` writes it before sandboxed builds). Mass comes from each part's volume times
the preset's density (or the spec's `mass`, the inertia scaled with it); the inertia is the parts' tensors about
the centre of mass, summed with the parallel-axis theorem. Only its diagonal is given to PyBullet: a rotated
inertial frame would make `getBasePositionAndOrientation` report the principal axes, not the object's frame, and
every preset is mirror-symmetric in y, so the dropped products of inertia are small.

Frame convention (as for articulated objects): origin at the centre of the footprint on the table (bottom at z=0),
handles and the "front" towards -x, i.e. the robot at yaw 0.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

import numpy as np

from roboskill.sim.articulated import cached_urdf

Vec3 = tuple[float, float, float]
RGBA = tuple[float, float, float, float]
Shape = Literal["box", "cylinder", "sphere", "capsule"]


class CompositeParamError(ValueError):
    """Unknown composite type, or a parameter out of its range; the message lists the valid ones."""


@dataclass(frozen=True)
class Part:
    """One primitive of a composite. `size` is FULL extents like `PrimitiveObject.size`: box (x, y, z), cylinder /
    capsule (diameter, height) along the part's z, sphere (diameter,). `pos` is its centre in the object frame."""

    shape: Shape
    size: tuple[float, ...]
    pos: Vec3 = (0.0, 0.0, 0.0)
    euler: Vec3 = (0.0, 0.0, 0.0)
    color: RGBA | None = None
    name: str = ""


@dataclass(frozen=True)
class Interior:
    """An open container's inside, object frame: `center` is the floor's centre (z = top of the bottom),
    `half_extents` the box an object must fit in (x, y, z)."""

    center: Vec3
    half_extents: Vec3


@dataclass
class Design:
    """What a preset makes from its parameters."""

    parts: list[Part]
    interior: Interior | None = None
    grasp: dict[str, float] = field(default_factory=dict)
    """Part name -> width (m) the gripper closes across to pick the object there; empty: not meant to be picked."""


@dataclass(frozen=True)
class Param:
    """A preset parameter: default and inclusive range (metres unless `integer`)."""

    default: float
    lo: float
    hi: float
    integer: bool = False


@dataclass(frozen=True)
class CompositeType:
    name: str
    category: str
    description: str
    tags: tuple[str, ...]
    params: dict[str, Param]
    make: Callable[[dict[str, float]], Design]
    density: float = 700.0
    """kg/m^3 of the material (wood ~700, ceramic ~2000, steel ~7800 for thin metal parts use less)."""
    color: RGBA = (0.8, 0.8, 0.8, 1.0)

    @property
    def defaults(self) -> dict[str, float]:
        return {k: (int(v.default) if v.integer else v.default) for k, v in self.params.items()}


@dataclass
class CompositeBody:
    """A built composite: body id, its mass, and its interior in the body's centre-of-mass frame (None: no inside)."""

    body: int
    mass: float
    design: Design
    interior_com: Interior | None


def types() -> dict[str, CompositeType]:
    """Every composite preset by name (imported lazily: the presets module is the long list)."""
    from roboskill.sim.composite_presets import PRESETS

    return PRESETS


def resolve_params(name: str, params: dict[str, Any] | None = None) -> dict[str, float]:
    """Defaults overlaid with `params`; unknown names and out-of-range values raise naming the valid range."""
    if name not in types():
        raise CompositeParamError(f"unknown composite {name!r}")
    t = types()[name]
    out = dict(t.defaults)
    for key, value in (params or {}).items():
        if key not in t.params:
            valid = ", ".join(f"{k} [{p.lo:g}..{p.hi:g}]" for k, p in t.params.items())
            raise CompositeParamError(f"{name} has no parameter {key!r} (parameters: {valid or 'none'})")
        spec = t.params[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise CompositeParamError(f"{name}.{key} must be a number in [{spec.lo:g}, {spec.hi:g}], got {value!r}")
        if not spec.lo <= value <= spec.hi:
            raise CompositeParamError(f"{name}.{key} = {value:g} is outside [{spec.lo:g}, {spec.hi:g}]")
        out[key] = int(round(value)) if spec.integer else float(value)
    return out


def sample_params(name: str, rng: random.Random | np.random.Generator | None = None) -> dict[str, float]:
    """Random parameters within every range (integers uniform over their values): the presets' variations."""
    rng = rng or random.Random()
    uniform = rng.uniform
    out: dict[str, float] = {}
    for key, spec in types()[name].params.items():
        v = float(uniform(spec.lo, spec.hi))
        out[key] = int(round(v)) if spec.integer else round(v, 4)
    return out


def design(name: str, params: dict[str, Any] | None = None, scale: float = 1.0) -> Design:
    """The parts of `name` at `params`, every length multiplied by `scale`."""
    d = types()[name].make(resolve_params(name, params))
    if scale == 1.0:
        return d
    s = float(scale)
    parts = [Part(q.shape, tuple(v * s for v in q.size), (q.pos[0] * s, q.pos[1] * s, q.pos[2] * s), q.euler,
                  q.color, q.name) for q in d.parts]
    interior = None if d.interior is None else Interior(tuple(v * s for v in d.interior.center),  # type: ignore[arg-type]
                                                       tuple(v * s for v in d.interior.half_extents))  # type: ignore[arg-type]
    return Design(parts, interior, {k: v * s for k, v in d.grasp.items()})


# ------------------------------------------------------------------------------------ mass properties
def _rotation(euler: Vec3) -> np.ndarray:
    """PyBullet's getQuaternionFromEuler convention: R = Rz(yaw) Ry(pitch) Rx(roll)."""
    r, p_, y = euler
    cr, sr, cp, sp, cy, sy = math.cos(r), math.sin(r), math.cos(p_), math.sin(p_), math.cos(y), math.sin(y)
    rx = np.array([[1, 0, 0], [0, cr, -sr], [0, sr, cr]])
    ry = np.array([[cp, 0, sp], [0, 1, 0], [-sp, 0, cp]])
    rz = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])
    return rz @ ry @ rx


def _volume_and_inertia(part: Part) -> tuple[float, np.ndarray]:
    """Volume (m^3) and inertia tensor per unit density about the part's centre, in its own frame."""
    s = part.size
    if part.shape == "box":
        x, y, z = s
        v = x * y * z
        return v, np.diag([v * (y * y + z * z) / 12, v * (x * x + z * z) / 12, v * (x * x + y * y) / 12])
    if part.shape == "sphere":
        r = s[0] / 2
        v = 4 / 3 * math.pi * r ** 3
        return v, np.eye(3) * 0.4 * v * r * r
    r, h = s[0] / 2, s[1]
    if part.shape == "capsule":  # as a cylinder of the same overall height: close enough for small caps
        h = max(h, s[0])
    v = math.pi * r * r * h
    side = v * (3 * r * r + h * h) / 12
    return v, np.diag([side, side, v * r * r / 2])


def mass_properties(parts: list[Part], density: float) -> tuple[float, np.ndarray, np.ndarray]:
    """(mass kg, centre of mass, 3x3 inertia tensor about it), object frame."""
    vols, centres, tensors = [], [], []
    for q in parts:
        v, i_local = _volume_and_inertia(q)
        rot = _rotation(q.euler)
        vols.append(v)
        centres.append(np.array(q.pos, dtype=float))
        tensors.append(rot @ i_local @ rot.T)
    total_v = sum(vols)
    com = sum(v * c for v, c in zip(vols, centres)) / total_v
    inertia = np.zeros((3, 3))
    for v, c, t in zip(vols, centres, tensors):
        d = c - com
        inertia += t + v * (float(d @ d) * np.eye(3) - np.outer(d, d))
    return total_v * density, com, inertia * density


# ------------------------------------------------------------------------------------------- building
def _f(v: float) -> str:
    return f"{v:.6g}"


def _geometry(q: Part) -> str:
    if q.shape == "box":
        return f'<box size="{" ".join(_f(v) for v in q.size)}"/>'
    if q.shape == "sphere":
        return f'<sphere radius="{_f(q.size[0] / 2)}"/>'
    length = q.size[1] if q.shape == "cylinder" else max(q.size[1] - q.size[0], 0.0)
    return f'<{q.shape} radius="{_f(q.size[0] / 2)}" length="{_f(length)}"/>'


def to_urdf(name: str, d: Design, density: float, color: RGBA) -> str:
    """One link with a visual and a collision element per part, its inertial at the centre of mass.

    URDF rather than `createMultiBody` with shape arrays: PyBullet's shape arrays hold at most 16 shapes (a
    mug's ring alone has 12 segments) and crash past 16 coloured visuals; a URDF link has no such limit."""
    mass, com, inertia = mass_properties(d.parts, density)
    ixx, iyy, izz = (max(float(v), 1e-7) for v in np.diag(inertia))
    lines = [f'<robot name="{name}">', '  <link name="base_link">',
             f'    <inertial><origin xyz="{" ".join(_f(v) for v in com)}" rpy="0 0 0"/><mass value="{_f(mass)}"/>'
             f'<inertia ixx="{_f(ixx)}" ixy="0" ixz="0" iyy="{_f(iyy)}" iyz="0" izz="{_f(izz)}"/></inertial>']
    for i, q in enumerate(d.parts):
        origin = f'<origin xyz="{" ".join(_f(v) for v in q.pos)}" rpy="{" ".join(_f(v) for v in q.euler)}"/>'
        rgba = " ".join(_f(v) for v in (q.color or color))
        geom = _geometry(q)
        lines.append(f'    <visual>{origin}<geometry>{geom}</geometry><material name="m{i}"><color rgba="{rgba}"/>'
                     f'</material></visual>')
        lines.append(f'    <collision>{origin}<geometry>{geom}</geometry></collision>')
    lines += ["  </link>", "</robot>", ""]
    return "\n".join(lines)


def urdf_path(name: str, params: dict[str, Any] | None = None, scale: float = 1.0,
              color: RGBA | None = None) -> tuple[Path, Design]:
    """Write (once, atomically; cached by content) the URDF of composite `name` and return it with its design."""
    t = types()[name]
    d = design(name, params, scale)
    text = to_urdf(name, d, t.density, tuple(color or t.color))  # type: ignore[arg-type]
    return cached_urdf(f"composite_{name}", text), d


def create_body(name: str, params: dict[str, Any] | None = None, *, client: int, scale: float = 1.0,
                mass: float | None = None, fixed: bool = False, color: RGBA | None = None,
                position: Vec3 = (0.0, 0.0, 0.0), quat: tuple[float, float, float, float] = (0, 0, 0, 1),
                friction: float = 0.9) -> CompositeBody:
    """Build composite `name` as one rigid body in `client` (its object frame at `position`, `quat`).

    `mass` (kg) replaces the density-based mass, the inertia scaled with it; `fixed` pins it to the world."""
    import pybullet as p

    path, d = urdf_path(name, params, scale, color)
    body = p.loadURDF(str(path), list(position), list(quat), useFixedBase=fixed,
                      flags=p.URDF_USE_INERTIA_FROM_FILE, physicsClientId=client)
    info = p.getDynamicsInfo(body, -1, physicsClientId=client)
    auto_mass, com = float(info[0]), info[3]
    dyn: dict[str, Any] = {"lateralFriction": friction, "spinningFriction": 0.002, "rollingFriction": 0.0001}
    body_mass = 0.0 if fixed else auto_mass
    if mass is not None and not fixed and auto_mass > 0:
        dyn["mass"] = body_mass = float(mass)
        dyn["localInertiaDiagonal"] = [v * mass / auto_mass for v in info[2]]
    p.changeDynamics(body, -1, physicsClientId=client, **dyn)
    interior = None
    if d.interior is not None:
        cx, cy, cz = d.interior.center
        interior = Interior((cx - com[0], cy - com[1], cz - com[2]), d.interior.half_extents)
    return CompositeBody(body, body_mass, d, interior)


__all__ = ["CompositeBody", "CompositeParamError", "CompositeType", "Design", "Interior", "Param", "Part",
           "create_body", "design", "to_urdf", "urdf_path", "mass_properties", "resolve_params", "sample_params", "types"]
