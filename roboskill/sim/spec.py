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

Vec3 = tuple[float, float, float]

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
RESERVED_NAMES = frozenset({"table", "robot", "ee", "gripper", "world", "plane"})
RELATION_FIELDS = ("on", "inside", "left_of", "right_of", "front_of", "behind")
ArticulationKind = Literal["drawer_cabinet", "door_cabinet", "lid_box", "button", "lever", "sliding_door", "knob"]
ARTICULATION_KINDS: tuple[str, ...] = ArticulationKind.__args__  # type: ignore[attr-defined]


class _SpecLoader(yaml.SafeLoader):
    """YAML 1.2-style booleans: only true/false. PyYAML's YAML 1.1 default reads the key `on:` as True."""


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

    xy: float = Field(0.0, ge=0.0, le=0.5)
    """± metres in x and y."""
    yaw: float = Field(0.0, ge=0.0, le=3.1416)
    """± radians about z."""


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

    position: Vec3 | None = None
    euler: Vec3 = (0.0, 0.0, 0.0)
    on: str | None = None
    inside: str | None = None
    left_of: str | None = None
    right_of: str | None = None
    front_of: str | None = None
    behind: str | None = None
    distance: float = Field(0.12, ge=0.0, le=1.0)
    offset: tuple[float, float] = (0.0, 0.0)
    randomize: Randomization | None = None

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
    name: str
    placement: Placement = Field(default_factory=lambda: Placement(on="table"))

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
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
    shape: Literal["box", "sphere", "cylinder", "capsule"]
    size: list[float]
    """box: half extents [x, y, z]; sphere: [r]; cylinder/capsule: [r, length]."""
    color: tuple[float, float, float, float] = (0.8, 0.2, 0.2, 1.0)
    mass: float = Field(0.1, ge=0.0)
    friction: float = Field(0.8, ge=0.0)
    visual_only: bool = False
    """Goal markers: no collision, no mass."""
    fixed: bool = False

    @field_validator("size")
    @classmethod
    def _size_matches_shape(cls, size: list[float], info: ValidationInfo) -> list[float]:
        # a field validator (not model-level) so the error shows even when another field is also bad
        shape = info.data.get("shape")
        if shape is None:
            return size
        expected = {"box": 3, "sphere": 1, "cylinder": 2, "capsule": 2}[shape]
        if len(size) != expected:
            meaning = {"box": "[half_x, half_y, half_z]", "sphere": "[radius]", "cylinder": "[radius, length]",
                       "capsule": "[radius, length]"}[shape]
            raise ValueError(f"a {shape} needs size {meaning} ({expected} numbers), got {size}")
        if any(v <= 0 or v > 2.0 for v in size):
            raise ValueError(f"every size must be in (0, 2] metres, got {size}")
        return size


class AssetObject(_ObjectBase):
    """A catalog asset (see `roboskill.sim.catalog`) or a path to a .urdf / .obj file."""

    kind: Literal["asset"] = "asset"
    asset: str
    scale: float = Field(1.0, gt=0.0, le=20.0)
    mass: float | None = Field(None, ge=0.0)
    fixed: bool = False


class ArticulatedObject(_ObjectBase):
    """A procedurally generated articulated object (see `roboskill.sim.articulated`)."""

    kind: Literal["articulated"] = "articulated"
    articulation: ArticulationKind
    params: dict[str, float | int | str] = Field(default_factory=dict)
    initial_joints: dict[str, float] = Field(default_factory=dict)
    """Joint local name -> open fraction 0..1."""
    randomize_joints: float = Field(0.0, ge=0.0, le=1.0)

    @field_validator("initial_joints")
    @classmethod
    def _fractions(cls, value: dict[str, float]) -> dict[str, float]:
        for joint, frac in value.items():
            if not 0.0 <= frac <= 1.0:
                raise ValueError(f"initial_joints[{joint!r}] = {frac} is not an open fraction in [0, 1]")
        return value


SceneObject = Annotated[PrimitiveObject | AssetObject | ArticulatedObject, Field(discriminator="kind")]


class SceneSpec(_Model):
    """A whole scene: robot, table and objects. Load with `SceneSpec.from_file`, save with `to_file`."""

    name: str
    description: str = ""
    robot: Literal["panda", "xarm6", "kuka"] = "panda"
    table: bool = True
    objects: list[SceneObject] = Field(default_factory=list)
    start_randomization: StartRandomization = Field(default_factory=StartRandomization)

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
    "Randomization", "SceneObject", "StartRandomization", "SceneSpec", "SpecError", "Vec3",
]
