"""Scene specs: the declarative description of a PyBullet scene that designers (human or LLM) write.

A spec is plain data (YAML or JSON on disk) so an LLM can produce it, a person can edit it, and the
builder (`roboskill.sim.builder.build_scene`) can turn it into a world deterministically. The models
follow docs/contracts.md ("Scene spec") exactly; everything else imports them from here.

Why pydantic with `extra="forbid"`: a typo such as `postion:` must fail loudly with the field path,
instead of silently placing the object at a default pose.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from roboskill.sim.articulated_spec import ArticulatedSpec

Vec3 = tuple[float, float, float]

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
RESERVED_NAMES = frozenset({"table", "robot", "ee", "gripper", "world", "plane"})
RELATION_FIELDS = ("on", "inside", "left_of", "right_of", "front_of", "behind")
SizeConvention = Literal["full_extents", "half_extents"]
#: How `PrimitiveObject.size` is read. Specs written now use full extents (the object's bounding box, as
#: catalog sizes and `state.object_size()` report it); specs stored before this convention existed hold
#: half extents (box) / radii (sphere, cylinder, capsule) and carry no `size_convention` key.
SIZE_CONVENTION: SizeConvention = "full_extents"
#: Articulated categories: the 7 generators of `roboskill.sim.articulated`, then the spec-built presets of
#: `roboskill.sim.articulated_presets` (a test keeps this list equal to `articulated.all_kinds()`).
ArticulationKind = Literal[
    "drawer_cabinet", "door_cabinet", "lid_box", "button", "lever", "sliding_door", "knob",
    "microwave", "refrigerator", "oven", "dishwasher", "laptop", "toilet", "faucet", "pedal_bin", "window", "safe",
    "toolbox", "flap_box", "bucket", "stapler", "light_switch", "rotary_dial", "drawer_door_unit", "wall_cabinet"]
ARTICULATION_KINDS: tuple[str, ...] = ArticulationKind.__args__  # type: ignore[attr-defined]
#: Limits on an untrusted scene spec (model output): each is refused by the schema naming it, before any
#: object is built. Per-object limits of inline articulated objects are in `roboskill.sim.articulated_spec`.
MAX_OBJECTS = 64
MAX_NAME_CHARS = 64
MAX_SCENE_NAME_CHARS = 128
MAX_DESCRIPTION_CHARS = 4000
MAX_PARAMS = 32
MAX_COORDINATE = 10.0   # m, any placement coordinate
MAX_MASS = 500.0        # kg, any free object
MAX_SPEC_BYTES = 262_144  # a 64-object scene with inline objects fits well within it


class _SpecLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML 1.2-style booleans: only true/false. PyYAML's YAML 1.1 default reads the key `on:` as True.

    libyaml's parser when PyYAML has it: specs are untrusted and may be large, and it parses ~4x faster."""


_SpecLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def load_yaml(text: str) -> Any:
    """Parse YAML the way specs need it (`on:` stays a string key)."""
    return yaml.load(text, Loader=_SpecLoader)  # noqa: S506 - SafeLoader subclass


class SpecError(ValueError):
    """A spec file that cannot be read or does not match the schema; the message names file and field."""


class _Model(BaseModel):
    # NaN/inf are never a position, size or mass: reject them at the schema, naming the field, instead of
    # letting them reach PyBullet (which turns them into "at (nan, nan, nan)" reports or worse)
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Randomization(_Model):
    """Uniform ranges added to the resolved initial pose at every `World.reset`."""

    xy: float = Field(0.0, ge=0.0, le=0.5, description="± m added to x and y at each reset")
    yaw: float = Field(0.0, ge=0.0, le=3.1416, description="± rad added to the yaw at each reset")


class StartRandomization(_Model):
    """How much every episode's start varies by default (the scene designer may narrow or widen it).

    Applied at every `World.reset` to objects whose placement has no `randomize` of its own: free
    objects standing on the table or placed by position / beside another object (not those `on` or
    `inside` another object, which would fall off), and to the joints of articulated objects that do
    not set `randomize_joints`. Zero everywhere evaluates a skill from one start state only.
    """

    xy: float = Field(0.03, ge=0.0, le=0.2, description="± metres added to x and y of free objects")
    yaw: float = Field(0.3, ge=0.0, le=3.1416, description="± radians about z for free objects")
    joints: float = Field(0.1, ge=0.0, le=0.5, description="± open fraction for articulated joints (clipped to 0..1)")


class Placement(_Model):
    """Where an object starts: exactly one of an explicit `position` or one relation.

    Relations are resolved by the builder against the table / other objects' measured sizes, so a
    designer never has to compute heights by hand (`on: table` puts the object's bottom at z=0).
    """

    position: Vec3 | None = Field(None, description=(
        "[x, y, z] m, world frame: where the object's origin goes (a primitive's centre, an articulated object's "
        "bottom centre); prefer `on: table` + `offset`"))
    euler: Vec3 = Field((0.0, 0.0, 0.0), description=(
        "[roll, pitch, yaw] rad; at yaw 0 an articulated object's front faces -x, towards the robot: keep it 0"))
    on: str | None = Field(None, description=(
        "'table' or an object: rests on its top, centred, + `offset` (for 'table' `offset` is the position [x, y])"))
    inside: str | None = Field(None, description="a container: tray or mug asset, lid_box, door_cabinet, '<cabinet>.drawer_i'")
    left_of: str | None = Field(None, description="at +y of that object (the robot's left)")
    right_of: str | None = Field(None, description="at -y of that object (the robot's right)")
    front_of: str | None = Field(None, description="at -x of that object (nearer the robot)")
    behind: str | None = Field(None, description="at +x of that object (farther from the robot)")
    distance: float = Field(0.12, ge=0.0, le=1.0, description="m, centre to centre, for left_of / right_of / front_of / behind")
    offset: tuple[float, float] = Field((0.0, 0.0), description="[dx, dy] m added to x, y")
    randomize: Randomization | None = Field(None, description="this object's own start variation (replaces start_randomization)")

    @model_validator(mode="after")
    def _exactly_one(self) -> Placement:
        chosen = [f for f in ("position", *RELATION_FIELDS) if getattr(self, f) is not None]
        if len(chosen) != 1:
            if not chosen:
                raise ValueError(
                    "placement needs exactly one of position / on / inside / left_of / right_of / front_of / "
                    "behind; fix: add e.g. `on: table`"
                )
            raise ValueError(
                f"placement sets {', '.join(chosen)}; use exactly one of position / on / inside / left_of / "
                f"right_of / front_of / behind (fix: keep one, use `offset` for small shifts)"
            )
        return self

    @property
    def relation(self) -> tuple[str, str | Vec3]:
        """(kind, target): kind is "position" or one of RELATION_FIELDS."""
        if self.position is not None:
            return "position", self.position
        for f in RELATION_FIELDS:
            value = getattr(self, f)
            if value is not None:
                return f, value
        raise AssertionError("unreachable: validated placement has a relation")


class _ObjectBase(_Model):
    name: str = Field(description="unique, snake_case")
    placement: Placement = Field(default_factory=lambda: Placement(on="table"), description="start pose (default: on: table)")

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if len(value) > MAX_NAME_CHARS:
            raise ValueError(f"object name is {len(value)} characters; the limit MAX_NAME_CHARS is {MAX_NAME_CHARS}")
        if not NAME_RE.match(value):
            suggestion = re.sub(r"[^a-z0-9_]", "_", value.lower()).strip("_") or "obj"
            if not suggestion[0].isalpha():
                suggestion = "obj_" + suggestion
            raise ValueError(
                f"object name {value!r} must match [a-z][a-z0-9_]* (lower case, digits, underscores); "
                f"fix: rename it to {suggestion!r}"
            )
        if value in RESERVED_NAMES:
            raise ValueError(f"object name {value!r} is reserved; fix: rename it to e.g. {value + '_1'!r}")
        return value


class PrimitiveObject(_ObjectBase):
    """A box / sphere / cylinder / capsule made directly from PyBullet collision shapes."""

    kind: Literal["primitive"] = "primitive"
    shape: Literal["box", "sphere", "cylinder", "capsule"] = Field(description="cylinder / capsule axis along z (upright)")
    size: list[float] = Field(description=(
        "FULL extents in m, never half sizes or radii: box [x, y, z] (a 5 cm cube is [0.05, 0.05, 0.05]); "
        "sphere [diameter]; cylinder / capsule [diameter, height], a capsule's height over both caps. To be "
        "grasped: under 8 cm across in one horizontal direction"))
    color: tuple[float, float, float, float] = Field((0.8, 0.2, 0.2, 1.0), description="RGBA 0..1")
    mass: float = Field(0.1, ge=0.0, le=MAX_MASS, description="kg")
    friction: float = Field(0.8, ge=0.0, description="lateral friction coefficient")
    visual_only: bool = Field(False, description="goal marker: no collision, no mass")
    fixed: bool = Field(False, description="never moves")

    @field_validator("size")
    @classmethod
    def _size_matches_shape(cls, size: list[float], info: ValidationInfo) -> list[float]:
        # a field validator (not model-level) so the error shows even when another field is also bad
        shape = info.data.get("shape")
        if shape is None:
            return size
        expected = {"box": 3, "sphere": 1, "cylinder": 2, "capsule": 2}[shape]
        if len(size) != expected:
            raise ValueError(f"a {shape} needs size {SIZE_MEANING[shape]} ({expected} numbers, full extents in metres), "
                             f"got {size}")
        if any(v <= 0 or v > MAX_EXTENT for v in size):
            raise ValueError(f"every size must be in (0, {MAX_EXTENT:g}] metres (full extents), got {size}")
        if shape == "capsule" and size[1] < size[0]:
            raise ValueError(f"a capsule's height covers both round caps, so it is at least its diameter: got "
                             f"diameter {size[0]} and height {size[1]} (fix: e.g. [{size[0]}, {round(size[0] * 2, 4)}])")
        return size

    def half_extents(self) -> tuple[float, float, float]:
        """Half the bounding box along the object's own x, y, z (metres)."""
        s = [float(v) for v in self.size]
        if self.shape == "box":
            return s[0] / 2, s[1] / 2, s[2] / 2
        if self.shape == "sphere":
            return s[0] / 2, s[0] / 2, s[0] / 2
        return s[0] / 2, s[0] / 2, s[1] / 2

    def extents(self) -> tuple[float, float, float]:
        """The full bounding box along the object's own x, y, z (metres)."""
        hx, hy, hz = self.half_extents()
        return 2 * hx, 2 * hy, 2 * hz


#: What `size` holds per shape (full extents, metres).
SIZE_MEANING = {"box": "[x, y, z]", "sphere": "[diameter]", "cylinder": "[diameter, height]",
                "capsule": "[diameter, height]"}
#: The largest full extent a primitive may have (metres); old half-extent specs go up to 2 m, i.e. 4 m full.
MAX_EXTENT = 4.0


def legacy_size_to_full(shape: str, size: list[float]) -> list[float]:
    """A size written in the old convention (box half extents; sphere [r]; cylinder [r, length]; capsule
    [r, length of the straight part]) as full extents (box [x, y, z]; sphere [d]; cylinder / capsule [d, height])."""
    s = [float(v) for v in size]
    if shape == "box":
        return [2 * v for v in s]
    if shape == "sphere":
        return [2 * v for v in s[:1]] + s[1:]
    if shape in ("cylinder", "capsule") and len(s) >= 2:
        height = s[1] + (2 * s[0] if shape == "capsule" else 0.0)
        return [2 * s[0], height, *s[2:]]
    return s


class AssetObject(_ObjectBase):
    """A catalog asset (see `roboskill.sim.catalog`: files, meshes, composite objects) or a path to a .urdf /
    .obj / .stl file inside an asset directory (meshes get a convex decomposition; see `roboskill.sim.meshes`)."""

    kind: Literal["asset"] = "asset"
    asset: str = Field(description=(
        "a `catalog` name (e.g. composite mug, bowl, hammer, shelf) or a .urdf / .obj / .stl path in an asset dir"))
    scale: float = Field(1.0, gt=0.0, le=20.0, description="times the catalog size (full extents in m at scale 1)")
    mass: float | None = Field(None, ge=0.0, description="kg; null: the file's (composites: from their material)")
    fixed: bool = Field(False, description="never moves")
    params: dict[str, float | int] = Field(default_factory=dict, description=(
        "composite assets' parameters (m, counts; catalog lists ranges), e.g. {\"diameter\": 0.07}"))


class ArticulatedObject(_ObjectBase):
    """An articulated object: a catalog category (`articulation`, see `roboskill.sim.articulated`) or one
    designed inline (`object`, an `ArticulatedSpec`: parts, joints, handles; see `roboskill.sim.articulated_spec`).

    Why inline objects are this same kind: the builder, validation, State API, goals and agents already
    treat `kind: articulated` as "fixed carcass with named joints and links", which an inline object is too."""

    kind: Literal["articulated"] = "articulated"
    articulation: ArticulationKind | None = Field(None, description=(
        "a catalog category; its front (handles, opening) faces -x, the robot, at yaw 0. Omit when `object` is given"))
    object: ArticulatedSpec | None = Field(None, description=(
        "an object designed inline instead of `articulation` (parts, joints, handles; FULL extents in m, rad, kg)"))
    params: dict[str, float | int | str] = Field(default_factory=dict, description=(
        "generator parameters (m, counts), e.g. {\"n_drawers\": 2}; omit for defaults"))
    initial_joints: dict[str, float] = Field(default_factory=dict, description=(
        "joint (drawer_0, door, lid, button, lever, slider, knob) -> open fraction 0 (closed)..1 (open)"))
    randomize_joints: float = Field(0.0, ge=0.0, le=1.0, description="± open fraction per joint at each reset")

    @model_validator(mode="after")
    def _one_source(self) -> ArticulatedObject:
        if (self.articulation is None) == (self.object is None):
            raise ValueError("an articulated object needs exactly one of `articulation` (a catalog category) or "
                             "`object` (an inline design)")
        if self.object is not None and self.params:
            raise ValueError("`params` go with `articulation`; an inline `object` carries its own sizes")
        return self

    @property
    def category(self) -> str:
        """What it is: the catalog category, or the inline object's `category`."""
        return str(self.articulation) if self.object is None else self.object.category

    @field_validator("params")
    @classmethod
    def _few_params(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > MAX_PARAMS:
            raise ValueError(f"{len(value)} params; the limit MAX_PARAMS is {MAX_PARAMS}")
        for key, v in value.items():
            if len(key) > MAX_NAME_CHARS or (isinstance(v, str) and len(v) > MAX_NAME_CHARS):
                raise ValueError(f"param {key[:40]!r}: names and string values are limited to {MAX_NAME_CHARS} characters")
        return value

    @field_validator("initial_joints")
    @classmethod
    def _fractions(cls, value: dict[str, float]) -> dict[str, float]:
        if len(value) > MAX_PARAMS:
            raise ValueError(f"{len(value)} initial_joints; the limit MAX_PARAMS is {MAX_PARAMS}")
        for joint, frac in value.items():
            if not 0.0 <= frac <= 1.0:
                raise ValueError(f"initial_joints[{joint!r}] = {frac} is not an open fraction in [0, 1]")
        return value


SceneObject = Annotated[PrimitiveObject | AssetObject | ArticulatedObject, Field(discriminator="kind")]


class SceneSpec(_Model):
    """A whole scene: robot, table and objects. Load with `SceneSpec.from_file`, save with `to_file`."""

    name: str = Field(max_length=MAX_SCENE_NAME_CHARS, description="snake_case")
    description: str = Field("", max_length=MAX_DESCRIPTION_CHARS)
    robot: Literal["panda", "xarm6", "kuka"] = Field("panda", description=(
        "arm at (-0.6, 0, 0) facing +x; panda / xarm6 grippers open 8 / 8.5 cm, kuka has none"))
    table: bool = Field(True, description="table top at z = 0")
    objects: list[SceneObject] = Field(default_factory=list, max_length=MAX_OBJECTS)
    start_randomization: StartRandomization = Field(default_factory=StartRandomization)
    size_convention: SkipJsonSchema[SizeConvention] = Field(SIZE_CONVENTION, description=(
        "how primitive sizes are written: full_extents (always, once validated); a spec stored before the "
        "convention existed is read as half_extents and converted on loading (see `stored_spec_data`)"))

    @model_validator(mode="before")
    @classmethod
    def _limits_first(cls, data: Any) -> Any:
        """Refuse an oversized spec before validating its items (a 20,000-object list, a 5 MB name), so the
        refusal is immediate and names the limit instead of listing 20,000 item errors."""
        if isinstance(data, dict):
            objects = data.get("objects")
            if isinstance(objects, list) and len(objects) > MAX_OBJECTS:
                raise ValueError(f"objects: {len(objects)} given; the limit MAX_OBJECTS is {MAX_OBJECTS}")
            for key, limit, label in (("name", MAX_SCENE_NAME_CHARS, "MAX_SCENE_NAME_CHARS"),
                                      ("description", MAX_DESCRIPTION_CHARS, "MAX_DESCRIPTION_CHARS")):
                value = data.get(key)
                if isinstance(value, str) and len(value) > limit:
                    raise ValueError(f"{key}: {len(value)} characters; the limit {label} is {limit}")
        return data

    @model_validator(mode="before")
    @classmethod
    def _legacy_sizes(cls, data: Any) -> Any:
        """Old data (`size_convention: half_extents`) is converted to full extents once, here, so every
        consumer (builder, validation, State API, prompts) sees one convention."""
        if not isinstance(data, dict) or data.get("size_convention") != "half_extents":
            return data
        objects = data.get("objects")
        converted: Any = objects
        if isinstance(objects, list):
            converted = []
            for obj in objects:
                if isinstance(obj, dict) and obj.get("kind", "primitive") == "primitive" \
                        and isinstance(obj.get("size"), list) and all(isinstance(v, (int, float)) for v in obj["size"]):
                    obj = {**obj, "size": legacy_size_to_full(str(obj.get("shape")), obj["size"])}
                elif isinstance(obj, PrimitiveObject):
                    obj = obj.model_copy(update={"size": legacy_size_to_full(obj.shape, obj.size)})
                converted.append(obj)
        return {**data, "objects": converted, "size_convention": SIZE_CONVENTION}

    def object(self, name: str) -> PrimitiveObject | AssetObject | ArticulatedObject:
        """The object called `name` (KeyError listing the known names otherwise)."""
        for obj in self.objects:
            if obj.name == name:
                return obj
        raise KeyError(f"no object {name!r} in scene {self.name!r}; known: {[o.name for o in self.objects]}")

    def object_names(self) -> list[str]:
        return [o.name for o in self.objects]

    # ------------------------------------------------------------------------------------- file I/O
    @classmethod
    def from_stored(cls, data: Any, *, source: str = "stored spec") -> SceneSpec:
        """A spec read back from storage (a skill record, a run checkpoint, a saved scene.json): a mapping
        without `size_convention` was written before sizes became full extents and is read as half extents."""
        if isinstance(data, SceneSpec):
            return data
        return cls.from_dict(stored_spec_data(data), source=source)

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "spec") -> SceneSpec:
        """Validate a plain mapping; SpecError lists every schema problem with its field path."""
        if not isinstance(data, dict):
            raise SpecError(f"{source}: the top level must be a mapping with `name` and `objects`, got {type(data).__name__}")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise SpecError(format_validation_error(exc, data, source)) from None

    @classmethod
    def from_text(cls, text: str, *, fmt: Literal["yaml", "json"] = "yaml", source: str = "spec") -> SceneSpec:
        if len(text) > MAX_SPEC_BYTES:  # before parsing: a 2 MB YAML file takes seconds to parse
            raise SpecError(f"{source}: the spec is {len(text) / 1e6:.1f} MB; the limit MAX_SPEC_BYTES is "
                            f"{MAX_SPEC_BYTES / 1e6:.2f} MB (at most {MAX_OBJECTS} objects, names up to "
                            f"{MAX_NAME_CHARS} characters)")
        try:
            data = json.loads(text) if fmt == "json" else load_yaml(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise SpecError(f"{source}: not valid {fmt.upper()}: {exc}") from None
        except RecursionError:  # e.g. "[[[[…" thousands deep: the parsers recurse per level
            raise SpecError(f"{source}: not valid {fmt.upper()}: nested too deeply; a scene spec is a few levels deep") from None
        return cls.from_dict(data, source=source)

    @classmethod
    def from_file(cls, path: str | Path) -> SceneSpec:
        """Load a .yaml/.yml or .json spec."""
        path = Path(path)
        if not path.exists():
            raise SpecError(f"scene spec not found: {path}")
        fmt: Literal["yaml", "json"] = "json" if path.suffix.lower() == ".json" else "yaml"
        try:
            size = path.stat().st_size
            if size > MAX_SPEC_BYTES:  # refused without reading it
                raise SpecError(f"{path}: the spec is {size / 1e6:.1f} MB; the limit MAX_SPEC_BYTES is "
                                f"{MAX_SPEC_BYTES / 1e6:.2f} MB (at most {MAX_OBJECTS} objects)")
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecError(f"{path}: cannot read: {exc}") from None
        return cls.from_text(text, fmt=fmt, source=str(path))

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=False)

    def to_text(self, fmt: Literal["yaml", "json"] = "yaml") -> str:
        data = self.model_dump(mode="json", exclude_none=True)
        if fmt == "json":
            return json.dumps(data, indent=2)
        return yaml.safe_dump(data, sort_keys=False)

    def to_file(self, path: str | Path) -> Path:
        """Write YAML or JSON by suffix, atomically (temp file then os.replace)."""
        import os

        path = Path(path)
        fmt: Literal["yaml", "json"] = "json" if path.suffix.lower() == ".json" else "yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
        tmp.write_text(self.to_text(fmt), encoding="utf-8")
        os.replace(tmp, path)
        return path


def stored_spec_data(data: Any) -> Any:
    """Mark scene data read back from storage: a mapping without `size_convention` predates full-extent
    sizes, so it gets `size_convention: half_extents` (validation then converts it once). Specs written by
    a model or a person are never passed through here: for them a missing key means full extents."""
    if isinstance(data, dict) and "size_convention" not in data:
        return {**data, "size_convention": "half_extents"}
    return data


def suggested_placement(fix: str) -> dict[str, Any] | None:
    """The placement a validation fix spells out (`... "placement": {...} ...`) as a mapping, or None."""
    m = re.search(r'"placement":\s*(\{[^{}]*\})', fix or "")
    if not m:
        return None
    try:
        value = json.loads(m.group(1))
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _loc_to_str(loc: tuple[Any, ...], data: Any) -> str:
    """Turn ('objects', 2, 'primitive', 'size') into 'objects[2] (cube).size' — readable for designers."""
    parts: list[str] = []
    node = data
    i = 0
    while i < len(loc):
        item = loc[i]
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node):
                node = node[item]
                if isinstance(node, dict) and "name" in node:
                    label += f" ({node['name']})"
                # pydantic inserts the discriminator tag after a union index; skip it
                if i + 1 < len(loc) and loc[i + 1] in ("primitive", "asset", "articulated"):
                    i += 1
            if parts:
                parts[-1] += label
            else:
                parts.append(label)
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
        i += 1
    return ".".join(parts) or "<root>"


def format_validation_error(exc: ValidationError, data: Any, source: str) -> str:
    lines = [f"{source}: {exc.error_count()} problem(s) in the scene spec:"]
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "union_tag_invalid" or err["type"] == "union_tag_not_found":
            msg += " (fix: set `kind:` to primitive, asset or articulated)"
        elif err["type"] == "extra_forbidden":
            msg = "unknown field (fix: remove it or check its spelling)"
        lines.append(f"  - {_loc_to_str(tuple(err['loc']), data)}: {msg}")
    return "\n".join(lines)


__all__ = [
    "ARTICULATION_KINDS", "ArticulatedObject", "AssetObject", "Placement", "PrimitiveObject", "RELATION_FIELDS",
    "Randomization", "SIZE_CONVENTION", "SIZE_MEANING", "SceneObject", "SizeConvention", "StartRandomization",
    "SceneSpec", "SpecError", "Vec3", "legacy_size_to_full", "stored_spec_data", "suggested_placement",
]
