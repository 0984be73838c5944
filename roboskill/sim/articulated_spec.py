"""The articulated-object spec: a model-authored object as a tree of parts joined by joints.

Why a spec and not only generators: the seven generators in `roboskill.sim.articulated` fix the
world to what someone coded. With this schema a designer (a model or a person) can describe a
microwave, a laptop or a pedal bin the catalog never had; `roboskill.sim.articulated_urdf` compiles
it to URDF, `roboskill.sim.articulated_check` tests it in physics, and a `SceneSpec` carries it
inline (`kind: articulated` with `object: {...}` instead of `articulation:`).

Conventions (the same as the generators', so the State API and goals treat both alike):
- The object's frame has its origin at the centre of its footprint on the support (bottom at z = 0);
  its front faces -x, towards the robot at yaw 0; +z is up.
- The root part (the one without `parent`) is the carcass; it is fixed in the scene.
- A moving part's joint has the part's name: `<object>.<part>` is both the joint and its link.
  Handles are links `<part>_handle` (or their own name); sites are links too, without geometry.
- Joint values grow as the object "opens": open fraction = (q - lower) / (upper - lower).
- Sizes are FULL extents in metres, positions metres, angles radians, masses kilograms.

Why the limits below: specs are untrusted model output; a 20,000-part object or a 5 MB name must be
refused at once, naming the limit, before anything is compiled or simulated.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Vec3 = tuple[float, float, float]
RGBA = tuple[float, float, float, float]

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
#: Limits on one object (untrusted input): refused by the schema, naming the limit.
MAX_NAME = 64
MAX_TEXT = 500
MAX_PARTS = 48
MAX_JOINTS = 24
MAX_SHAPES = 24
MAX_HANDLES = 16
MAX_SITES = 16
MAX_EXTENT = 3.0          # m, any full extent of a shape
MIN_EXTENT = 0.002        # m
MAX_OFFSET = 3.0          # m, any position coordinate
MAX_PART_MASS = 200.0     # kg
MIN_PART_MASS = 0.001     # kg
MESH_SUFFIXES = (".obj", ".stl")

COLORS: dict[str, RGBA] = {
    "wood": (0.62, 0.45, 0.28, 1.0), "dark_wood": (0.45, 0.31, 0.18, 1.0), "white": (0.9, 0.9, 0.88, 1.0),
    "metal": (0.75, 0.75, 0.78, 1.0), "steel": (0.6, 0.62, 0.65, 1.0), "black": (0.12, 0.12, 0.12, 1.0),
    "red": (0.85, 0.1, 0.1, 1.0), "glass": (0.6, 0.8, 0.95, 0.6), "blue": (0.2, 0.35, 0.8, 1.0),
    "cream": (0.93, 0.88, 0.74, 1.0), "green": (0.2, 0.6, 0.25, 1.0), "yellow": (0.9, 0.8, 0.2, 1.0),
    "grey": (0.5, 0.5, 0.5, 1.0), "gray": (0.5, 0.5, 0.5, 1.0), "dark_grey": (0.25, 0.25, 0.27, 1.0),
    "orange": (0.95, 0.5, 0.1, 1.0), "brown": (0.5, 0.3, 0.15, 1.0), "cardboard": (0.72, 0.58, 0.4, 1.0),
}
#: Outward directions a handle may face, in its part's frame.
FACINGS: dict[str, Vec3] = {"-x": (-1.0, 0.0, 0.0), "+x": (1.0, 0.0, 0.0), "-y": (0.0, -1.0, 0.0),
                            "+y": (0.0, 1.0, 0.0), "+z": (0.0, 0.0, 1.0), "-z": (0.0, 0.0, -1.0)}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _check_name(value: str, what: str) -> str:
    if len(value) > MAX_NAME:
        raise ValueError(f"{what} name is {len(value)} characters; the limit is {MAX_NAME}")
    if not NAME_RE.match(value):
        raise ValueError(f"{what} name {value!r} must match [a-z][a-z0-9_]* (snake_case)")
    return value


def _check_vec(v: Vec3, what: str, limit: float = MAX_OFFSET) -> Vec3:
    if any(abs(x) > limit for x in v):
        raise ValueError(f"{what} {list(v)} is beyond ±{limit:g} m (limit on coordinates)")
    return v


def allowed_mesh_dirs() -> list[Path]:
    """Directories a spec's mesh path may resolve into: pybullet_data, `$ROBOSKILL_ASSETS` (os.pathsep
    separated), `$ROBOSKILL_HOME/assets` and the repository's `examples/assets`. Why: a model must not make
    roboskill read arbitrary files (`/etc/passwd`, `~/.ssh/...`) by naming them as meshes."""
    import pybullet_data

    dirs = [Path(pybullet_data.getDataPath())]
    for d in (os.environ.get("ROBOSKILL_ASSETS") or "").split(os.pathsep):
        if d.strip():
            dirs.append(Path(d).expanduser())
    dirs.append(Path(os.environ.get("ROBOSKILL_HOME", "~/.roboskill")).expanduser() / "assets")
    dirs.append(Path(__file__).resolve().parents[2] / "examples" / "assets")
    return [d.resolve() for d in dirs]


def resolve_mesh_path(path: str) -> Path:
    """The mesh file a spec names, resolved (symlinks too) and required to lie inside the allowed asset
    directories; a relative path is looked up in each of them. ValueError names the rule broken.

    Uses `roboskill.sim.meshes` (the rigid-asset side's one definition of allowed directories and mesh
    limits) when it is there, else the same rule over `allowed_mesh_dirs()`."""
    try:
        from roboskill.sim import meshes
    except ImportError:
        meshes = None  # type: ignore[assignment]
    if meshes is not None:
        try:
            real = meshes.resolve_asset_path(path, meshes.MESH_SUFFIXES)
            meshes.inspect_mesh(real)  # file size and vertex limits
        except meshes.MeshLimitError as exc:
            raise ValueError(str(exc)) from None
        return real
    if len(path) > 400:
        raise ValueError(f"mesh path is {len(path)} characters; the limit is 400")
    if Path(path).suffix.lower() not in MESH_SUFFIXES:
        raise ValueError(f"mesh {path!r} must be a {' or '.join(MESH_SUFFIXES)} file")
    dirs = allowed_mesh_dirs()
    raw = Path(path).expanduser()
    candidates = [raw] if raw.is_absolute() else [d / raw for d in dirs]
    for cand in candidates:
        real = cand.resolve()
        if any(real.is_relative_to(d) for d in dirs) and real.is_file():
            return real
    if raw.is_absolute() and not any(raw.resolve().is_relative_to(d) for d in dirs):
        raise ValueError(f"mesh {path!r} is outside the allowed asset directories "
                         f"({', '.join(str(d) for d in dirs)}); copy it into $ROBOSKILL_ASSETS")
    raise ValueError(f"mesh {path!r} was not found in the allowed asset directories ({', '.join(str(d) for d in dirs)})")


class Shape(_Model):
    """One primitive (or mesh) of a part, placed in the part's frame."""

    shape: Literal["box", "cylinder", "sphere", "capsule", "mesh"] = Field(
        description="cylinder / capsule axis along the shape's own z")
    size: list[float] = Field(min_length=1, max_length=3, description=(
        "FULL extents in m: box [x, y, z]; sphere [diameter]; cylinder / capsule [diameter, height] (a capsule's "
        "height over both caps); mesh [x, y, z] of the scaled mesh's bounding box (used for mass and checks)"))
    position: Vec3 = Field((0.0, 0.0, 0.0), description="[x, y, z] m of the shape's centre in the part's frame")
    euler: Vec3 = Field((0.0, 0.0, 0.0), description="[roll, pitch, yaw] rad of the shape in the part's frame")
    color: str | RGBA | None = Field(None, description=f"RGBA 0..1 or a name ({', '.join(sorted(COLORS))}); "
                                                       "null: the part's colour")
    mesh: str | None = Field(None, description=(
        ".obj / .stl path inside an allowed asset directory (pybullet_data, $ROBOSKILL_ASSETS); only for shape: mesh"))
    mesh_scale: Vec3 = Field((1.0, 1.0, 1.0), description="scale factors applied to the mesh file's coordinates")

    @field_validator("position")
    @classmethod
    def _pos(cls, v: Vec3) -> Vec3:
        return _check_vec(v, "shape position")

    @field_validator("mesh_scale")
    @classmethod
    def _scale(cls, v: Vec3) -> Vec3:
        if any(not 1e-4 <= x <= 100.0 for x in v):
            raise ValueError(f"mesh_scale {list(v)} must be within [0.0001, 100]")
        return v

    @model_validator(mode="after")
    def _size_matches(self) -> Shape:
        expected = {"box": 3, "sphere": 1, "cylinder": 2, "capsule": 2, "mesh": 3}[self.shape]
        if len(self.size) != expected:
            raise ValueError(f"a {self.shape} needs {expected} size numbers (full extents in metres), got {self.size}")
        if any(not MIN_EXTENT <= v <= MAX_EXTENT for v in self.size):
            raise ValueError(f"every size must be in [{MIN_EXTENT:g}, {MAX_EXTENT:g}] m (full extents), got {self.size}")
        if self.shape == "capsule" and self.size[1] < self.size[0]:
            raise ValueError(f"a capsule's height covers both caps, so it is at least its diameter: got {self.size}")
        if (self.shape == "mesh") != (self.mesh is not None):
            raise ValueError("`mesh` (a file path) goes with shape: mesh, and only with it")
        if self.mesh is not None:
            resolve_mesh_path(self.mesh)
        if isinstance(self.color, str) and self.color not in COLORS:
            raise ValueError(f"colour {self.color!r} is not one of {sorted(COLORS)} (or give RGBA)")
        return self

    def half_extents(self) -> Vec3:
        """Half the bounding box along the shape's own axes (m)."""
        s = self.size
        if self.shape in ("box", "mesh"):
            return (s[0] / 2, s[1] / 2, s[2] / 2)
        if self.shape == "sphere":
            return (s[0] / 2,) * 3  # type: ignore[return-value]
        return (s[0] / 2, s[0] / 2, s[1] / 2)


class Joint(_Model):
    """How a part moves relative to its parent; the joint sits at the part's frame origin."""

    type: Literal["fixed", "revolute", "prismatic", "continuous"] = Field(
        "fixed", description="revolute: hinge with limits (rad); prismatic: slide (m); continuous: endless rotation")
    axis: Vec3 = Field((0.0, 0.0, 1.0), description=(
        "direction in the part's frame; +value turns right-handed about it (revolute) or slides along it (prismatic). "
        "Choose the sign so the value GROWS as the object opens"))
    lower: float = Field(0.0, ge=-2 * math.pi, le=2 * math.pi, description="rad or m: closed / rest position")
    upper: float = Field(0.0, ge=-2 * math.pi, le=2 * math.pi, description="rad or m: fully open")
    damping: float = Field(0.2, ge=0.0, le=50.0, description="viscous damping, N·s/m or N·m·s/rad")
    friction: float = Field(0.05, ge=0.0, le=50.0, description="dry friction, N (prismatic) or N·m (revolute)")
    spring: float = Field(0.0, ge=0.0, le=100.0, description=(
        "> 0: a return spring pulling the joint back to `lower` with at most this force (N) / torque (N·m); "
        "buttons, pedals, switches that spring back"))
    effort: float = Field(100.0, gt=0.0, le=1000.0, description="N or N·m the joint can bear")

    @field_validator("axis")
    @classmethod
    def _axis(cls, v: Vec3) -> Vec3:
        n = math.sqrt(sum(x * x for x in v))
        if n < 1e-6:
            raise ValueError("joint axis must not be zero")
        return (v[0] / n, v[1] / n, v[2] / n)

    @model_validator(mode="after")
    def _limits(self) -> Joint:
        if self.type in ("revolute", "prismatic") and not self.upper > self.lower:
            raise ValueError(f"a {self.type} joint needs upper > lower, got lower {self.lower} upper {self.upper}")
        if self.type == "prismatic" and max(abs(self.lower), abs(self.upper)) > MAX_EXTENT:
            raise ValueError(f"a prismatic joint's travel is limited to ±{MAX_EXTENT:g} m")
        return self


class Interior(_Model):
    """An open volume of a part where `inside:` placements drop objects (a drawer, a shelf, an oven)."""

    center: Vec3 = Field(description="[x, y, z] m in the part's frame: centre of the interior's FLOOR")
    size: Vec3 = Field(description="[x, y, z] m, full extents of the free space")

    @field_validator("size")
    @classmethod
    def _size(cls, v: Vec3) -> Vec3:
        if any(not 0.0 < x <= MAX_EXTENT for x in v):
            raise ValueError(f"interior size {list(v)} must be in (0, {MAX_EXTENT:g}] m")
        return v


class Part(_Model):
    """A rigid link: its shapes, mass and how it hangs off its parent."""

    name: str = Field(description="snake_case; a moving part's joint has the same name (`<object>.<name>`)")
    parent: str | None = Field(None, description="the part it is attached to; null only for the root (the carcass)")
    position: Vec3 = Field((0.0, 0.0, 0.0), description=(
        "[x, y, z] m: the part's frame (and its joint) in the parent's frame at joint value 0; the root's is 0"))
    euler: Vec3 = Field((0.0, 0.0, 0.0), description="[roll, pitch, yaw] rad of the part's frame in the parent's")
    joint: Joint = Field(default_factory=Joint, description="how it moves relative to the parent (default: fixed)")
    shapes: list[Shape] = Field(min_length=1, max_length=MAX_SHAPES, description=f"at most {MAX_SHAPES}")
    mass: float = Field(0.3, ge=MIN_PART_MASS, le=MAX_PART_MASS, description="kg, spread over the shapes by volume")
    color: str | RGBA = Field("white", description="default colour of its shapes (name or RGBA)")
    interior: Interior | None = Field(None, description="free space inside it that can hold objects")

    _n = field_validator("name")(lambda v: _check_name(v, "part"))

    @field_validator("position")
    @classmethod
    def _pos(cls, v: Vec3) -> Vec3:
        return _check_vec(v, "part position")


class Handle(_Model):
    """A grip on a part, compiled as a fixed child link the gripper can close around."""

    part: str = Field(description="the part it is mounted on (it moves with it)")
    name: str | None = Field(None, description="link name; default `<part>_handle`")
    style: Literal["bar", "hbar", "knob", "tab"] = Field("bar", description=(
        "bar: grip bar across the face, vertical on a front face; hbar: horizontal bar; knob: a 3 cm block on a "
        "post; tab: a flat tab sticking out (lids)"))
    position: Vec3 = Field(description="[x, y, z] m in the part's frame: the point of the part's surface it sits on")
    facing: Literal["-x", "+x", "-y", "+y", "+z", "-z"] = Field(
        "-x", description="outward normal of that surface in the part's frame (-x: towards the robot when closed)")
    length: float = Field(0.10, ge=0.02, le=0.6, description="m, grip length of a bar / width of a tab")
    standoff: float = Field(0.045, ge=0.01, le=0.15, description="m the grip stands off the surface")
    color: str | RGBA = Field("metal", description="name or RGBA")

    @field_validator("position")
    @classmethod
    def _pos(cls, v: Vec3) -> Vec3:
        return _check_vec(v, "handle position")

    @property
    def link_name(self) -> str:
        return self.name or f"{self.part}_handle"


class Site(_Model):
    """A named affordance: where to grasp, push or press a part (a geometry-less link the State API can read)."""

    name: str = Field(description="snake_case link name, e.g. 'door_push'")
    part: str = Field(description="the part it belongs to (moves with it)")
    kind: Literal["grasp", "push", "press"] = Field(description="grasp point, face to push, face to press")
    position: Vec3 = Field(description="[x, y, z] m in the part's frame")
    normal: Vec3 = Field((-1.0, 0.0, 0.0), description="outward normal of the face in the part's frame")

    _n = field_validator("name")(lambda v: _check_name(v, "site"))


class ArticulatedSpec(_Model):
    """A whole articulated object: parts (a tree, one root), handles and affordance sites."""

    category: str = Field(description="what it is, snake_case (e.g. 'microwave'); goals name objects by it")
    description: str = Field("", max_length=MAX_TEXT, description="one line for people and prompts")
    parts: list[Part] = Field(min_length=1, max_length=MAX_PARTS, description=f"at most {MAX_PARTS}; exactly one root")
    handles: list[Handle] = Field(default_factory=list, max_length=MAX_HANDLES)
    sites: list[Site] = Field(default_factory=list, max_length=MAX_SITES)
    mounted: bool = Field(False, description=(
        "true for things fixed to a wall or counter (switch, faucet, wall cabinet): no free-standing test"))

    _c = field_validator("category")(lambda v: _check_name(v, "category"))

    @model_validator(mode="before")
    @classmethod
    def _early_limits(cls, data: object) -> object:
        """Count before validating items, so a 20,000-part object is refused without parsing each part."""
        if isinstance(data, dict):
            for key, limit in (("parts", MAX_PARTS), ("handles", MAX_HANDLES), ("sites", MAX_SITES)):
                items = data.get(key)
                if isinstance(items, list) and len(items) > limit:
                    raise ValueError(f"{key}: {len(items)} given; the limit is {limit} per object")
        return data

    @model_validator(mode="after")
    def _tree(self) -> ArticulatedSpec:
        names = [q.name for q in self.parts]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"part names must be unique: {dup} repeat")
        roots = [q.name for q in self.parts if q.parent is None]
        if len(roots) != 1:
            raise ValueError(f"exactly one part has no parent (the carcass); found {roots or 'none'}")
        known = set(names)
        for q in self.parts:
            if q.parent is not None and q.parent not in known:
                raise ValueError(f"part {q.name!r}: parent {q.parent!r} is not a part (parts: {names})")
            if q.parent is None and q.joint.type != "fixed":
                raise ValueError(f"the root part {q.name!r} cannot have a {q.joint.type} joint (it is the carcass)")
        parent = {q.name: q.parent for q in self.parts}
        for start in names:
            seen, cur = {start}, parent[start]
            while cur is not None:
                if cur in seen:
                    raise ValueError(f"parts form a cycle through {start!r}; each part has one parent, the root none")
                seen.add(cur)
                cur = parent[cur]
        moving = [q for q in self.parts if q.joint.type != "fixed"]
        if len(moving) > MAX_JOINTS:
            raise ValueError(f"{len(moving)} moving joints; the limit is {MAX_JOINTS} per object")
        links = set(names)
        for h in self.handles:
            if h.part not in known:
                raise ValueError(f"handle on {h.part!r}: no such part (parts: {names})")
            _check_name(h.link_name, "handle")
            if h.link_name in links:
                raise ValueError(f"handle name {h.link_name!r} is already used by a part or handle")
            links.add(h.link_name)
        for s in self.sites:
            if s.part not in known:
                raise ValueError(f"site {s.name!r}: part {s.part!r} does not exist (parts: {names})")
            if s.name in links:
                raise ValueError(f"site name {s.name!r} is already used by a part or handle")
            links.add(s.name)
        return self

    # ------------------------------------------------------------------------------ look-ups
    @property
    def root(self) -> Part:
        return next(q for q in self.parts if q.parent is None)

    def part(self, name: str) -> Part:
        for q in self.parts:
            if q.name == name:
                return q
        raise KeyError(name)

    def moving_parts(self) -> list[Part]:
        return [q for q in self.parts if q.joint.type != "fixed"]

    def children(self, name: str) -> list[Part]:
        return [q for q in self.parts if q.parent == name]


def color_rgba(value: str | RGBA | None, default: RGBA = COLORS["white"]) -> RGBA:
    """A colour name or RGBA tuple as RGBA."""
    if value is None:
        return default
    if isinstance(value, str):
        return COLORS[value]
    return tuple(float(x) for x in value)  # type: ignore[return-value]


__all__ = ["ArticulatedSpec", "COLORS", "FACINGS", "Handle", "Interior", "Joint", "MAX_HANDLES", "MAX_JOINTS",
           "MAX_NAME", "MAX_PARTS", "MAX_SHAPES", "MAX_SITES", "Part", "Shape", "Site", "allowed_mesh_dirs",
           "color_rgba", "resolve_mesh_path"]
