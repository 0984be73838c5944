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
    `nouns` are interchangeable phrasings; `size` is the primitive's size list in the scene spec's
    convention: FULL extents in metres (box [x, y, z]; sphere [diameter]; cylinder / capsule [diameter,
    height]). Assets have no size here (the catalog measures them); `half_height` approximates theirs.
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
    domain: str = ""
    """Where the thing is usually found (a `scenarios.DOMAINS` key): picks the setting of its tasks."""
    rgba: tuple[float, float, float, float] | None = None
    """Natural colour of a primitive that is not recoloured (a lemon is yellow)."""
    stackable: bool = False
    """Flat-topped and steady enough to stack on or be stacked (beyond the proposer's toy blocks)."""
    small: bool = False
    """Fits in a mug (at most ~6 cm across)."""

    @property
    def noun(self) -> str:
        return self.nouns[0]


# Verbs that any small graspable object supports.
_GRASPABLE_VERBS = ("pick", "lift", "place", "push", "slide", "stack", "put_inside", "reach")

PRIMITIVES: tuple[ObjectType, ...] = (
    ObjectType("block", "primitive", "block", ("block", "cube", "wooden block", "toy block"), "box",
               (0.05, 0.05, 0.05), surface=True, verbs=_GRASPABLE_VERBS),
    ObjectType("brick", "primitive", "brick", ("brick", "rectangular brick", "oblong block"), "box",
               (0.08, 0.04, 0.04), surface=True, half_height=0.02, verbs=_GRASPABLE_VERBS),
    ObjectType("ball", "primitive", "ball", ("ball", "sphere", "marble", "rubber ball"), "sphere",
               (0.05,), rollable=True, verbs=("pick", "lift", "place", "push", "put_inside", "reach")),
    ObjectType("can", "primitive", "can", ("can", "cylinder", "tin can", "canister"), "cylinder",
               (0.05, 0.08), half_height=0.04, verbs=("pick", "lift", "place", "push", "put_inside", "reach")),
    ObjectType("puck", "primitive", "puck", ("puck", "disc", "flat disc", "hockey puck"), "cylinder",
               (0.07, 0.02), half_height=0.01, verbs=("push", "slide", "pick", "place", "reach")),
    ObjectType("peg", "primitive", "peg", ("peg", "dowel", "short rod"), "cylinder",
               (0.024, 0.08), half_height=0.04, verbs=("pick", "lift", "place", "put_inside", "reach")),
    ObjectType("plate", "primitive", "plate", ("plate", "flat tile", "coaster", "square tile"), "box",
               (0.12, 0.12, 0.016), half_height=0.008, surface=True, graspable=False,
               verbs=("push", "slide")),
    ObjectType("bar", "primitive", "bar", ("bar", "stick", "slat", "rod"), "box",
               (0.12, 0.024, 0.024), half_height=0.012, verbs=("pick", "lift", "push", "slide", "place")),
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
    ObjectType("drawer_cabinet", "articulated", "drawer", ("drawer", "cabinet drawer", "dresser drawer", "desk drawer",
                                                           "filing cabinet drawer", "tool chest drawer", "kitchen drawer"),
               articulation="drawer_cabinet", joints=("drawer_0", "drawer_1", "drawer_2"), graspable=False,
               container=True, colorable=False, half_height=0.2, verbs=("open", "close", "put_inside"),
               params={"n_drawers": 2}),
    ObjectType("door_cabinet", "articulated", "door", ("cabinet door", "cupboard door", "hinged door",
               "wardrobe door", "medicine cabinet door", "locker door", "pantry cupboard door"),
               articulation="door_cabinet", joints=("door",), graspable=False, colorable=False,
               half_height=0.2, verbs=("open", "close")),
    ObjectType("lid_box", "articulated", "lid", ("box lid", "hinged lid", "chest lid", "lidded box",
               "jewellery box", "sewing box", "toy chest", "lunch box", "keepsake box", "tool box"),
               articulation="lid_box", joints=("lid",), graspable=False, container=True, colorable=False,
               half_height=0.06, verbs=("open", "close", "put_inside")),
    ObjectType("button", "articulated", "button", ("button", "push button", "buzzer", "switch button",
               "doorbell", "elevator call button", "emergency stop button", "reception bell button", "start button"),
               articulation="button", joints=("button",), graspable=False, colorable=False,
               half_height=0.03, verbs=("press",)),
    ObjectType("lever", "articulated", "lever", ("lever", "handle lever", "toggle lever",
               "railway signal lever", "slot machine lever", "pump lever", "brake lever"),
               articulation="lever", joints=("lever",), graspable=False, colorable=False,
               half_height=0.08, verbs=("rotate",)),
    ObjectType("sliding_door", "articulated", "slider", ("sliding door", "sliding panel", "sliding hatch",
               "sliding window", "serving hatch", "display case panel"),
               articulation="sliding_door", joints=("slider",), graspable=False, colorable=False,
               half_height=0.15, verbs=("open", "close")),
    ObjectType("knob", "articulated", "knob", ("knob", "dial", "rotary knob", "control dial",
               "volume knob", "stove knob", "thermostat dial", "radio tuning dial", "safe dial", "faucet handle"),
               articulation="knob", joints=("knob",), graspable=False, colorable=False,
               half_height=0.04, verbs=("rotate",)),
)

#: Articulated categories built with the articulated-object spec (`roboskill.sim.articulated_presets`): the same
#: path a model-authored object takes, so offline runs exercise it. The first joint is the one a task means.
SPEC_ARTICULATED: tuple[ObjectType, ...] = (
    ObjectType("microwave", "articulated", "microwave", ("microwave", "microwave oven", "microwave door"),
               articulation="microwave", joints=("door",), graspable=False, container=True, colorable=False,
               half_height=0.12, verbs=("open", "close"), domain="kitchen"),
    ObjectType("laptop", "articulated", "laptop", ("laptop", "laptop screen", "laptop lid"),
               articulation="laptop", joints=("screen",), graspable=False, colorable=False,
               half_height=0.02, verbs=("open", "close"), domain="office"),
    ObjectType("refrigerator", "articulated", "fridge", ("fridge", "refrigerator", "fridge door"),
               articulation="refrigerator", joints=("door_left", "door_right"), graspable=False, colorable=False,
               half_height=0.23, verbs=("open", "close"), domain="kitchen"),
    ObjectType("pedal_bin", "articulated", "bin_lid", ("pedal bin", "kitchen bin", "bin lid", "trash can"),
               articulation="pedal_bin", joints=("lid",), graspable=False, colorable=False, half_height=0.15,
               verbs=("open", "close"), domain="kitchen"),
    ObjectType("toilet", "articulated", "toilet_lid", ("toilet lid", "toilet seat", "toilet"),
               articulation="toilet", joints=("lid", "seat"), graspable=False, colorable=False, half_height=0.1,
               verbs=("open", "close"), domain="bathroom"),
)
ARTICULATED = ARTICULATED + SPEC_ARTICULATED

# Everyday things modelled as primitives: a lemon is a yellow sphere, a stapler a black box. Why: the
# catalog holds few real meshes, but a curriculum about "the cube" and "the ball" only is narrow; these
# give the grammar many object kinds from kitchens, offices, labs and workshops that any builder can make.
# Sizes keep one side under the Panda's 8 cm grip (or the thing is flat and only pushed / used as a surface).
_GRASP = ("pick", "lift", "place", "push", "put_inside", "reach")
_BOXY = ("pick", "lift", "place", "push", "slide", "put_inside", "reach", "stack")
_FLAT = ("push", "slide", "reach")


def _ev(key: str, domain: str, nouns: tuple[str, ...], shape: str, size: tuple[float, ...],
        rgba: tuple[float, float, float, float], verbs: tuple[str, ...] = _GRASP, **kw: Any) -> ObjectType:
    # sizes are full extents: sphere [d]; cylinder / capsule [d, height]; box [x, y, z]
    half = size[0] / 2 if shape == "sphere" else (size[1] / 2 if shape in ("cylinder", "capsule") else size[2] / 2)
    across = size[0] if shape != "box" else max(size[0], size[1])
    flat = verbs == _FLAT
    steady = verbs == _BOXY and min(size[0], size[1]) >= 0.056  # wide enough to put things on
    surface = kw.pop("surface", flat or steady)
    return ObjectType(key, "primitive", key, nouns, shape, size, graspable=not flat, surface=surface, stackable=steady,
                      colorable=kw.pop("colorable", False), rollable=shape == "sphere", half_height=half, verbs=verbs,
                      domain=domain, rgba=rgba, small=kw.pop("small", across <= 0.06 and half <= 0.05), **kw)


_YELLOW, _RED, _WHITE, _BLACK = (0.95, 0.85, 0.15, 1.0), (0.8, 0.12, 0.1, 1.0), (0.95, 0.95, 0.93, 1.0), (0.1, 0.1, 0.1, 1.0)
_BROWN, _WOOD, _GREEN, _STEEL = (0.45, 0.28, 0.12, 1.0), (0.76, 0.6, 0.4, 1.0), (0.3, 0.65, 0.2, 1.0), (0.7, 0.72, 0.75, 1.0)
_GLASS, _PINK, _BLUE, _ORANGE = (0.75, 0.9, 0.95, 0.6), (0.95, 0.6, 0.7, 1.0), (0.2, 0.35, 0.8, 1.0), (0.95, 0.55, 0.1, 1.0)

EVERYDAY: tuple[ObjectType, ...] = (
    # kitchen and pantry
    _ev("lemon", "kitchen", ("lemon", "ripe lemon", "juicy lemon"), "sphere", (0.06,), _YELLOW),
    _ev("apple", "kitchen", ("apple", "red apple", "crisp apple"), "sphere", (0.07,), _RED),
    _ev("tomato", "kitchen", ("tomato", "plum tomato", "vine tomato"), "sphere", (0.056,), (0.85, 0.2, 0.1, 1.0)),
    _ev("egg", "kitchen", ("egg", "hen's egg", "brown egg"), "capsule", (0.042, 0.062), (0.85, 0.7, 0.5, 1.0)),
    _ev("salt_shaker", "kitchen", ("salt shaker", "salt cellar"), "cylinder", (0.04, 0.08), _WHITE),
    _ev("pepper_mill", "kitchen", ("pepper mill", "pepper grinder"), "cylinder", (0.044, 0.1), _BROWN),
    _ev("spice_jar", "kitchen", ("spice jar", "jar of paprika", "jar of cumin"), "cylinder", (0.044, 0.07), (0.7, 0.3, 0.1, 1.0)),
    _ev("jam_jar", "kitchen", ("jam jar", "jar of marmalade", "honey jar"), "cylinder", (0.06, 0.08), (0.6, 0.1, 0.2, 1.0)),
    _ev("sponge", "kitchen", ("sponge", "dish sponge", "scouring sponge"), "box", (0.09, 0.06, 0.04), _YELLOW,
        _BOXY, colorable=True),
    _ev("butter", "kitchen", ("stick of butter", "butter block", "pat of butter"), "box", (0.1, 0.04, 0.032), (0.98, 0.9, 0.55, 1.0),
        _BOXY),
    _ev("cheese", "kitchen", ("block of cheese", "cheddar block", "wedge of cheese"), "box", (0.08, 0.06, 0.05),
        (0.95, 0.75, 0.25, 1.0), _BOXY),
    _ev("cutting_board", "kitchen", ("cutting board", "chopping board", "bread board"), "box", (0.24, 0.16, 0.02), _WOOD,
        _FLAT),
    _ev("saucer", "kitchen", ("saucer", "side plate"), "cylinder", (0.14, 0.012), _WHITE, _FLAT),
    _ev("cookie", "bakery", ("cookie", "biscuit", "oat cookie"), "cylinder", (0.06, 0.014), (0.8, 0.6, 0.35, 1.0)),
    _ev("bread_roll", "bakery", ("bread roll", "bun", "dinner roll"), "sphere", (0.07,), (0.85, 0.6, 0.3, 1.0)),
    # office and study
    _ev("stapler", "office", ("stapler", "desk stapler"), "box", (0.14, 0.04, 0.05), _BLACK, _BOXY),
    _ev("eraser", "office", ("eraser", "rubber eraser", "pencil eraser"), "box", (0.06, 0.028, 0.02), _PINK, _BOXY),
    _ev("glue_stick", "office", ("glue stick", "stick of glue"), "cylinder", (0.026, 0.08), _WHITE),
    _ev("highlighter", "office", ("highlighter", "marker pen"), "box", (0.13, 0.02, 0.02), _YELLOW, _BOXY,
        colorable=True),
    _ev("tape_roll", "office", ("roll of tape", "tape roll", "reel of sticky tape"), "cylinder", (0.06, 0.025), _GLASS),
    _ev("paperweight", "office", ("paperweight", "glass paperweight"), "sphere", (0.06,), _GLASS),
    _ev("notebook", "office", ("notebook", "spiral notebook", "exercise book"), "box", (0.2, 0.14, 0.016), _BLUE, _FLAT,
        colorable=True),
    _ev("book", "library", ("book", "hardcover book", "paperback", "dictionary"), "box", (0.2, 0.15, 0.04), _RED, _FLAT,
        colorable=True),
    _ev("smartphone", "office", ("smartphone", "mobile phone", "phone"), "box", (0.15, 0.072, 0.012), _BLACK, _FLAT,
        surface=False),
    _ev("remote", "living_room", ("remote control", "TV remote", "remote"), "box", (0.16, 0.05, 0.024), _BLACK, _BOXY),
    _ev("candle", "living_room", ("candle", "pillar candle", "wax candle"), "cylinder", (0.044, 0.08), _WHITE,
        colorable=True),
    _ev("tealight", "living_room", ("tealight", "tea light"), "cylinder", (0.04, 0.016), _WHITE),
    # laboratory and pharmacy
    _ev("test_tube", "lab", ("test tube", "glass test tube", "sample tube"), "cylinder", (0.02, 0.1), _GLASS),
    _ev("vial", "lab", ("vial", "sample vial", "glass vial"), "cylinder", (0.024, 0.05), _GLASS),
    _ev("beaker", "lab", ("beaker", "glass beaker"), "cylinder", (0.064, 0.08), _GLASS),
    _ev("petri_dish", "lab", ("petri dish", "culture dish"), "cylinder", (0.09, 0.012), _GLASS, _FLAT),
    _ev("weight", "lab", ("brass weight", "calibration weight", "weight"), "cylinder", (0.036, 0.04), (0.8, 0.65, 0.25, 1.0)),
    _ev("pill_bottle", "pharmacy", ("pill bottle", "medicine bottle", "pill jar"), "cylinder", (0.036, 0.06), _ORANGE),
    # workshop and garage
    _ev("nut", "workshop", ("hex nut", "steel nut", "wing nut"), "cylinder", (0.04, 0.014), _STEEL),
    _ev("battery", "workshop", ("battery", "AA battery", "torch battery"), "cylinder", (0.024, 0.05), (0.15, 0.15, 0.15, 1.0)),
    _ev("offcut", "workshop", ("offcut", "pine offcut", "wood offcut"), "box", (0.1, 0.05, 0.04), _WOOD, _BOXY),
    _ev("sanding_block", "workshop", ("sanding block", "sandpaper block"), "box", (0.1, 0.06, 0.04), (0.6, 0.45, 0.3, 1.0),
        _BOXY),
    _ev("paint_tin", "workshop", ("paint tin", "tin of varnish", "paint pot"), "cylinder", (0.07, 0.07), _BLUE, colorable=True),
    _ev("wire_spool", "workshop", ("spool of wire", "wire spool", "cable reel"), "cylinder", (0.06, 0.04), (0.7, 0.4, 0.2, 1.0)),
    _ev("screwdriver", "workshop", ("screwdriver", "flat screwdriver"), "box", (0.16, 0.022, 0.022), _RED, _BOXY),
    # bathroom
    _ev("soap", "bathroom", ("bar of soap", "soap bar", "cake of soap"), "box", (0.09, 0.06, 0.034), (0.9, 0.85, 0.95, 1.0),
        _BOXY),
    _ev("shampoo", "bathroom", ("shampoo bottle", "bottle of shampoo"), "cylinder", (0.056, 0.12), (0.3, 0.6, 0.85, 1.0)),
    _ev("toothpaste", "bathroom", ("toothpaste tube", "tube of toothpaste"), "box", (0.16, 0.036, 0.028), _WHITE, _BOXY),
    _ev("nail_polish", "bathroom", ("nail polish bottle", "bottle of nail varnish"), "cylinder", (0.028, 0.05), _PINK),
    # garden and outdoors
    _ev("flower_pot", "garden", ("flower pot", "terracotta pot", "plant pot"), "cylinder", (0.076, 0.07), (0.75, 0.4, 0.25, 1.0),
        ("pick", "lift", "push", "place", "reach")),
    _ev("pine_cone", "garden", ("pine cone", "fir cone"), "capsule", (0.05, 0.08), _BROWN),
    _ev("pebble", "garden", ("river pebble", "pebble", "smooth stone"), "sphere", (0.05,), (0.55, 0.55, 0.52, 1.0)),
    # games and sport
    _ev("chess_pawn", "games", ("chess pawn", "pawn", "chess piece"), "capsule", (0.03, 0.06), _BLACK),
    _ev("checker", "games", ("draughts piece", "checker piece", "checker"), "cylinder", (0.04, 0.01), _RED),
    _ev("puzzle_cube", "games", ("puzzle cube", "Rubik's cube"), "box", (0.056, 0.056, 0.056), (0.9, 0.5, 0.1, 1.0), _BOXY),
    _ev("card_deck", "games", ("deck of cards", "card deck", "deck of playing cards"), "box", (0.09, 0.064, 0.02), _RED,
        _BOXY),
    _ev("tennis_ball", "sport", ("tennis ball",), "sphere", (0.066,), (0.8, 0.9, 0.2, 1.0)),
    _ev("golf_ball", "sport", ("golf ball",), "sphere", (0.042,), _WHITE),
    _ev("ping_pong_ball", "sport", ("ping-pong ball", "table tennis ball"), "sphere", (0.04,), _ORANGE),
    # sewing and crafts
    _ev("spool", "sewing", ("spool of thread", "cotton reel", "bobbin"), "cylinder", (0.03, 0.03), (0.6, 0.2, 0.5, 1.0)),
    _ev("pincushion", "sewing", ("pincushion",), "sphere", (0.056,), _RED),
    _ev("matchbox", "living_room", ("matchbox", "safety matchbox"), "box", (0.05, 0.036, 0.016), (0.7, 0.2, 0.15, 1.0),
        _BOXY),
    _ev("harmonica", "music", ("harmonica", "mouth organ"), "box", (0.1, 0.026, 0.02), _STEEL, _BOXY),
)

ALL_TYPES: tuple[ObjectType, ...] = PRIMITIVES + EVERYDAY + ASSETS + ARTICULATED
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

# size word -> scale applied to a primitive's default size (a grasped object is never scaled past the
# gripper's 8 cm opening: see `scenes._object_entry`)
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
            elif isinstance(item, dict) and isinstance(item.get("names"), list):  # the proposer's {kind, names}
                names += [(str(n), {"kind": item.get("kind", "")}) for n in item["names"] if isinstance(n, str)]
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
              and {"graspable", "container"} & {str(t).lower() for t in (info.get("tags") or [])}):
            # unknown catalog assets are used only when the catalog says they can be grasped or hold things
            # (composite bowls, pots, boxes are open: walls and a bottom, so "put X in it" is honest)
            tags = {str(t).lower() for t in (info.get("tags") or [])}
            noun = name.replace("_", " ")
            verbs = ("pick", "lift", "place", "push", "reach") if "graspable" in tags else ("push",)
            assets.append(ObjectType(name, "asset", name, (noun,), asset=name, colorable=False,
                                     graspable="graspable" in tags, container="container" in tags, verbs=verbs))
    if not assets:
        assets = list(ASSETS)
    return list(PRIMITIVES) + list(EVERYDAY) + assets + list(ARTICULATED)


def with_asset(t: ObjectType, **changes: Any) -> ObjectType:
    """A copy of an object type with some fields changed (frozen dataclasses)."""
    return replace(t, **changes)
