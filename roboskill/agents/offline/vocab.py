"""The offline model's world knowledge: object types, colours, sizes and articulated kinds.

Why a table and not free text: every other part of the offline model (the task grammar, the task
parser, the scene designer and the reward writer) must agree on what an object *is* — whether it can
be grasped, whether things fit inside it, which joint an articulated kind exposes and what verbs make
sense for it. Keeping that in one place is what lets a proposal become a scene and a reward without
an LLM in between.

The asset catalog the prompt carries can extend this table: unknown catalog entries become generic
graspable assets (see `types_from_catalog`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Source = Literal["asset", "primitive", "articulated"]


@dataclass(frozen=True)
class ObjectType:
    """One kind of thing the model can put in a task.

    `family` is what task signatures compare (so "the red cube" and "the blue cube" are the same skill);
    `nouns` are interchangeable phrasings; `size` is the primitive's size list (contract: box half
    extents, sphere [r], cylinder/capsule [r, length]) or an approximate half height for assets.
    """

    key: str
    source: Source
    family: str
    nouns: tuple[str, ...]
    shape: str | None = None
    size: tuple[float, ...] = ()
    asset: str | None = None
    articulation: str | None = None
    joints: tuple[str, ...] = ()
    graspable: bool = True
    container: bool = False
    surface: bool = False
    colorable: bool = True
    rollable: bool = False
    half_height: float = 0.025
    verbs: tuple[str, ...] = ()
    params: dict[str, float | int | str] = field(default_factory=dict)

    @property
    def noun(self) -> str:
        return self.nouns[0]


# Verbs that any small graspable object supports.
_GRASPABLE_VERBS = ("pick", "lift", "place", "push", "slide", "stack", "put_inside", "reach")

PRIMITIVES: tuple[ObjectType, ...] = (
    ObjectType("block", "primitive", "block", ("block", "cube", "wooden block", "toy block"), "box",
               (0.025, 0.025, 0.025), surface=True, verbs=_GRASPABLE_VERBS),
    ObjectType("brick", "primitive", "brick", ("brick", "rectangular brick", "oblong block"), "box",
               (0.04, 0.02, 0.02), surface=True, half_height=0.02, verbs=_GRASPABLE_VERBS),
    ObjectType("ball", "primitive", "ball", ("ball", "sphere", "marble", "rubber ball"), "sphere",
               (0.025,), rollable=True, verbs=("pick", "lift", "place", "push", "put_inside", "reach")),
    ObjectType("can", "primitive", "can", ("can", "cylinder", "tin can", "canister"), "cylinder",
               (0.025, 0.08), half_height=0.04, verbs=("pick", "lift", "place", "push", "put_inside", "reach")),
    ObjectType("puck", "primitive", "puck", ("puck", "disc", "flat disc", "hockey puck"), "cylinder",
               (0.035, 0.02), half_height=0.01, verbs=("push", "slide", "pick", "place", "reach")),
    ObjectType("peg", "primitive", "peg", ("peg", "dowel", "short rod"), "cylinder",
               (0.012, 0.08), half_height=0.04, verbs=("pick", "lift", "place", "put_inside", "reach")),
    ObjectType("plate", "primitive", "plate", ("plate", "flat tile", "coaster", "square tile"), "box",
               (0.06, 0.06, 0.008), half_height=0.008, surface=True, graspable=False,
               verbs=("push", "slide")),
    ObjectType("bar", "primitive", "bar", ("bar", "stick", "slat", "rod"), "box",
               (0.06, 0.012, 0.012), half_height=0.012, verbs=("pick", "lift", "push", "slide", "place")),
)

ASSETS: tuple[ObjectType, ...] = (
    ObjectType("cube", "asset", "cube", ("cube", "small cube", "dice-sized cube"), asset="cube",
               colorable=False, surface=True, verbs=_GRASPABLE_VERBS),
    ObjectType("lego", "asset", "lego", ("lego brick", "lego piece", "toy brick"), asset="lego",
               colorable=False, half_height=0.015, verbs=_GRASPABLE_VERBS),
    ObjectType("duck", "asset", "duck", ("rubber duck", "toy duck", "duck"), asset="duck",
               colorable=False, half_height=0.03, verbs=("pick", "lift", "place", "push", "put_inside", "reach")),
    ObjectType("mug", "asset", "mug", ("mug", "coffee mug", "cup"), asset="mug", colorable=False,
               half_height=0.045, container=True, verbs=("pick", "lift", "place", "push", "reach")),
    ObjectType("sphere", "asset", "sphere", ("steel ball", "bead", "metal sphere"), asset="sphere",
               colorable=False, rollable=True, verbs=("pick", "push", "put_inside", "place", "reach")),
    ObjectType("teddy", "asset", "teddy", ("teddy bear", "plush bear", "stuffed bear"), asset="teddy",
               colorable=False, half_height=0.05, verbs=("pick", "lift", "place", "put_inside", "push")),
    ObjectType("jenga", "asset", "jenga", ("jenga block", "wooden slat", "jenga piece"), asset="jenga",
               colorable=False, half_height=0.015, verbs=("pick", "push", "stack", "place", "slide")),
    ObjectType("domino", "asset", "domino", ("domino", "domino tile"), asset="domino", colorable=False,
               half_height=0.02, verbs=("pick", "push", "place", "slide")),
    ObjectType("tray", "asset", "tray", ("tray", "serving tray", "shallow tray", "bin"), asset="tray",
               colorable=False, graspable=False, container=True, surface=True, half_height=0.02,
               verbs=("push",)),
)

ARTICULATED: tuple[ObjectType, ...] = (
    ObjectType("drawer_cabinet", "articulated", "drawer", ("drawer", "cabinet drawer", "dresser drawer"),
               articulation="drawer_cabinet", joints=("drawer_0", "drawer_1", "drawer_2"), graspable=False,
               container=True, colorable=False, half_height=0.2, verbs=("open", "close", "put_inside"),
               params={"n_drawers": 2}),
    ObjectType("door_cabinet", "articulated", "door", ("cabinet door", "cupboard door", "hinged door"),
               articulation="door_cabinet", joints=("door",), graspable=False, colorable=False,
               half_height=0.2, verbs=("open", "close")),
    ObjectType("lid_box", "articulated", "lid", ("box lid", "hinged lid", "chest lid", "lidded box"),
               articulation="lid_box", joints=("lid",), graspable=False, container=True, colorable=False,
               half_height=0.06, verbs=("open", "close", "put_inside")),
    ObjectType("button", "articulated", "button", ("button", "push button", "buzzer", "switch button"),
               articulation="button", joints=("button",), graspable=False, colorable=False,
               half_height=0.03, verbs=("press",)),
    ObjectType("lever", "articulated", "lever", ("lever", "handle lever", "toggle lever"),
               articulation="lever", joints=("lever",), graspable=False, colorable=False,
               half_height=0.08, verbs=("rotate",)),
    ObjectType("sliding_door", "articulated", "slider", ("sliding door", "sliding panel", "sliding hatch"),
               articulation="sliding_door", joints=("slider",), graspable=False, colorable=False,
               half_height=0.15, verbs=("open", "close")),
    ObjectType("knob", "articulated", "knob", ("knob", "dial", "rotary knob", "control dial"),
               articulation="knob", joints=("knob",), graspable=False, colorable=False,
               half_height=0.04, verbs=("rotate",)),
)

ALL_TYPES: tuple[ObjectType, ...] = PRIMITIVES + ASSETS + ARTICULATED
TYPES_BY_KEY: dict[str, ObjectType] = {t.key: t for t in ALL_TYPES}
ARTICULATION_KINDS = tuple(t.key for t in ARTICULATED)

COLORS: dict[str, tuple[float, float, float, float]] = {
    "red": (0.85, 0.15, 0.15, 1.0), "green": (0.2, 0.7, 0.25, 1.0), "blue": (0.15, 0.3, 0.85, 1.0),
    "yellow": (0.95, 0.85, 0.1, 1.0), "orange": (0.95, 0.5, 0.1, 1.0), "purple": (0.55, 0.2, 0.7, 1.0),
    "teal": (0.1, 0.6, 0.6, 1.0), "pink": (0.95, 0.5, 0.7, 1.0), "white": (0.95, 0.95, 0.95, 1.0),
    "black": (0.08, 0.08, 0.08, 1.0), "grey": (0.5, 0.5, 0.5, 1.0), "brown": (0.5, 0.3, 0.15, 1.0),
    "cyan": (0.1, 0.85, 0.9, 1.0), "magenta": (0.85, 0.1, 0.7, 1.0), "navy": (0.05, 0.1, 0.4, 1.0),
    "olive": (0.5, 0.5, 0.1, 1.0), "lime": (0.6, 0.9, 0.2, 1.0), "maroon": (0.45, 0.05, 0.1, 1.0),
    "gold": (0.85, 0.7, 0.2, 1.0), "silver": (0.75, 0.75, 0.78, 1.0), "violet": (0.6, 0.4, 0.9, 1.0),
    "turquoise": (0.25, 0.85, 0.75, 1.0), "crimson": (0.7, 0.05, 0.2, 1.0), "beige": (0.9, 0.85, 0.7, 1.0),
}
MARKER_COLOR = (0.1, 0.9, 0.2, 0.5)

# size word -> scale applied to a primitive's default size
SIZES: dict[str, float] = {"small": 0.8, "tiny": 0.7, "large": 1.25, "big": 1.2, "chunky": 1.15, "slim": 0.85}

# Drawer index words, top drawer is drawer_0 (contract).
DRAWER_WORDS: dict[str, int] = {"top": 0, "upper": 0, "first": 0, "middle": 1, "second": 1, "bottom": -1,
                                "lower": -1, "third": 2, "lowest": -1}


_ALIASES = frozenset({"cube_small", "red_ball", "tray_textured", "marble", "soccerball", "block"})


def types_from_catalog(catalog: Any) -> list[ObjectType]:
    """Object types available for this prompt: the built-in table filtered/extended by the catalog.

    The context's catalog may be a list of names, a list of dicts with a `name` (and optionally `kind`,
    `description`), or a dict keyed by name. Primitives and articulated kinds are always available (they
    are generated, not loaded); assets come from the catalog when one is given, else the built-in list.
    """
    names: list[tuple[str, dict[str, Any]]] = []
    if isinstance(catalog, dict):
        for key in ("assets", "objects", "catalog", "items"):
            if isinstance(catalog.get(key), (list, dict)):
                return types_from_catalog(catalog[key])
        names = [(str(k), v if isinstance(v, dict) else {}) for k, v in catalog.items()]
    elif isinstance(catalog, list):
        for item in catalog:
            if isinstance(item, str):
                names.append((item, {}))
            elif isinstance(item, dict) and item.get("name"):
                names.append((str(item["name"]), item))
    elif isinstance(catalog, str) and catalog.strip():  # `catalog_summary()` lines: "name [kind] ... (tags: a, b)"
        for line in catalog.lower().splitlines():
            m = re.match(r"\s*-?\s*([a-z][a-z0-9_]*)\s*(?:\[([a-z]+)\])?", line)
            if m:
                tags = re.search(r"\(tags:\s*([^)]*)\)", line)
                names.append((m.group(1), {"kind": m.group(2) or "", "tags": tags.group(1).split(", ") if tags else []}))
    if not names:
        return list(ALL_TYPES)
    known = {t.asset: t for t in ASSETS}
    assets: list[ObjectType] = []
    for raw, info in names:
        name = raw.lower()
        kind = str(info.get("kind", info.get("type", ""))).lower()
        if name in TYPES_BY_KEY and TYPES_BY_KEY[name].source != "asset":
            continue  # primitives / articulated kinds listed in the catalog are always available anyway
        if kind in ("articulated", "primitive"):
            continue
        if name in known:
            assets.append(known[name])
        elif name in _ALIASES:  # variants of a known asset (cube_small ~ cube): one family is enough
            continue
        elif (re.fullmatch(r"[a-z][a-z0-9_]*", name) and name not in ("table", "plane", "panda", "robot")
              and "graspable" in [str(t).lower() for t in (info.get("tags") or [])]):
            # unknown catalog assets are used only when the catalog says they can be grasped
            noun = name.replace("_", " ")
            assets.append(ObjectType(name, "asset", name, (noun,), asset=name, colorable=False,
                                     verbs=("pick", "lift", "place", "push", "reach")))
    if not assets:
        assets = list(ASSETS)
    return list(PRIMITIVES) + assets + list(ARTICULATED)


def with_asset(t: ObjectType, **changes: Any) -> ObjectType:
    """A copy of an object type with some fields changed (frozen dataclasses)."""
    return replace(t, **changes)
