"""Vocabulary of the novelty frame check: object concepts from the asset catalog, verbs from a synonym table.

Why derived, not hand-listed: the previous word list missed half the catalog (duck, lego, teddy, jenga,
domino, torus, puck...), so every proposal about those objects looked "the same" as any other. Object
concepts now come from `roboskill.sim.catalog` (entry names, articulated kinds and their noun tags)
plus a curated synonym table for everyday objects and for the offline model's phrasings. A word maps
to a *set* of concepts: a synonym names one concept ("teddy bear" -> teddy), a vague word names
several ("toy" -> duck/teddy/lego/...). Two mentions are compatible iff their sets intersect, so
synonyms and hypernyms never conflict while two different objects always do.

Verbs map to action families (PICK, PLACE, PUSH, OPEN...). Opposites are distinct families
(FOLD/UNFOLD, PLUG/UNPLUG, SCREW/UNSCREW), and `un-` verbs not listed get their own `UN<family>`.
"""

from __future__ import annotations

import re
from functools import lru_cache

# ------------------------------------------------------------------ verbs -> action families
ACTIONS: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in {
    # grasp / lift (the offline proposer's signature treats lift as pick)
    "pick": {"PICK"}, "grab": {"PICK"}, "grasp": {"PICK"}, "lift": {"PICK"}, "hold": {"PICK"},
    "pluck": {"PICK"}, "collect": {"PICK"}, "hoist": {"PICK"}, "elevate": {"PICK"}, "heave": {"PICK"},
    "raise": {"PICK"}, "seize": {"PICK"}, "clutch": {"PICK"}, "grip": {"PICK"},
    # place on / put in / stack (relation slot separates on vs in)
    "put": {"PLACE"}, "place": {"PLACE"}, "set": {"PLACE"}, "rest": {"PLACE"}, "transfer": {"PLACE"},
    "park": {"PLACE"}, "position": {"PLACE"}, "lay": {"PLACE"}, "arrange": {"PLACE"}, "stand": {"PLACE"},
    "deposit": {"PLACE"}, "stow": {"PLACE"}, "pack": {"PLACE"}, "tuck": {"PLACE"}, "insert": {"PLACE"},
    "drop": {"PLACE"}, "release": {"PLACE"}, "load": {"PLACE"}, "store": {"PLACE"},
    "stack": {"PLACE", "STACK"}, "pile": {"PLACE", "STACK"}, "perch": {"PLACE", "STACK"},
    "balance": {"PLACE", "STACK"}, "tower": {"PLACE", "STACK"},
    "hang": {"HANG"},
    # push / slide along the table
    "push": {"PUSH"}, "slide": {"PUSH"}, "nudge": {"PUSH"}, "shove": {"PUSH"}, "roll": {"PUSH"},
    "shift": {"PUSH"}, "drag": {"PUSH"}, "glide": {"PUSH"}, "scoot": {"PUSH"},
    # articulated
    "open": {"OPEN"}, "pull": {"OPEN", "PULL"}, "swing": {"OPEN"}, "unlatch": {"OPEN"},
    "close": {"CLOSE"}, "shut": {"CLOSE"}, "seal": {"CLOSE"}, "cover": {"CLOSE", "PLACE"},
    "press": {"PRESS"}, "depress": {"PRESS"}, "hit": {"PRESS"}, "click": {"PRESS"}, "toggle": {"PRESS"},
    "flip": {"PRESS"}, "tap": set(),
    "turn": {"ROTATE"}, "rotate": {"ROTATE"}, "twist": {"ROTATE"}, "spin": {"ROTATE"}, "dial": {"ROTATE"},
    "knock": {"KNOCK"}, "tip": {"KNOCK", "POUR"}, "topple": {"KNOCK"}, "pour": {"POUR"},
    "remove": {"REMOVE", "PICK"}, "take": {"REMOVE"}, "unstack": {"REMOVE"}, "extract": {"REMOVE"},
    "unload": {"REMOVE"},
    "wipe": {"WIPE"}, "clean": {"WIPE"}, "sweep": {"WIPE"}, "brush": {"WIPE"}, "scrub": {"WIPE"},
    "reach": {"REACH"}, "hover": {"REACH"}, "touch": {"REACH"}, "point": {"REACH"},
    "align": {"ALIGN"}, "line": {"ALIGN"},
    "fold": {"FOLD"}, "unfold": {"UNFOLD"}, "screw": {"SCREW"}, "unscrew": {"UNSCREW"},
    "plug": {"PLUG"}, "unplug": {"UNPLUG"}, "lock": {"LOCK"}, "unlock": {"UNLOCK"},
    "hand": {"GIVE"}, "give": {"GIVE"}, "pass": {"GIVE"},
    "throw": {"PLACE", "THROW"}, "toss": {"PLACE", "THROW"},
}.items()}
"""verb lemma -> action families; an empty set means "too vague to decide" (tap a button vs a faucet)."""

# multi-word verbs, rewritten to `act_<family>` tokens before tokenising (regex, replacement)
VERB_PHRASES: list[tuple[str, str]] = [
    (r"\b(turn|switch)(ed|s|ing)? on\b", "act_open"),
    (r"\b(turn|switch)(ed|s|ing)? off\b", "act_close"),
    (r"\b(pick|lift)(ed|s|ing)? up\b", "act_pick"),
    (r"\b(take|get)(s|ing)? (a )?(firm )?(hold|grip) (of|on)\b", "act_pick"),
    (r"\btake (\w+ )?(\w+ )?(\w+ )?out\b", r"act_remove \1\2\3 out"),
    (r"\btake (\w+ )?(\w+ )?(\w+ )?off\b", r"act_remove \1\2\3 off"),
    (r"\bknock(ed|s|ing)? over\b", "act_knock"),
    (r"\btip(ped|s|ping)? (\w+ )?(\w+ )?over\b", r"act_knock \2\3"),
    (r"\bbuild(s|ing)? a (\w+-)?(\w+ )?tower\b", "act_stack"),
    (r"\b(move|bring)(s|ing)? the (gripper|hand|fingertips|fingers|end effector)\b", "act_reach"),
]

# ------------------------------------------------------------------ objects -> concepts
# Curated synonyms (phrase -> concept names). They win over catalog tags, which describe looks rather
# than identity (the sliding door is tagged "window"; "window" is still not a door).
OBJECT_SYNONYMS: dict[str, set[str]] = {
    # primitives of the scene spec / offline model
    "cube": {"cube"}, "block": {"cube", "lego", "jenga", "brick"}, "wooden block": {"cube"},
    "toy block": {"cube"}, "small cube": {"cube"}, "dice-sized cube": {"cube"}, "die": {"cube"}, "dice": {"cube"},
    "brick": {"brick", "lego"}, "rectangular brick": {"brick"}, "oblong block": {"brick"},
    "wooden brick": {"brick"},
    "ball": {"sphere"}, "sphere": {"sphere"}, "marble": {"sphere"}, "rubber ball": {"sphere"},
    "steel ball": {"sphere"}, "metal sphere": {"sphere"}, "bead": {"sphere"}, "orb": {"sphere"},
    "can": {"can"}, "cylinder": {"can"}, "tin can": {"can"}, "canister": {"can"}, "tin": {"can"},
    "puck": {"puck"}, "disc": {"puck"}, "disk": {"puck"}, "flat disc": {"puck"}, "hockey puck": {"puck"},
    "peg": {"peg"}, "dowel": {"peg"}, "short rod": {"peg"},
    "plate": {"plate"}, "flat tile": {"plate"}, "coaster": {"plate"}, "square tile": {"plate"},
    "tile": {"plate", "domino"}, "dish": {"plate"},
    "bar": {"bar"}, "stick": {"bar"}, "slat": {"bar", "jenga"}, "rod": {"bar", "peg"},
    # catalog assets
    "lego": {"lego"}, "lego brick": {"lego"}, "lego piece": {"lego"}, "toy brick": {"lego"}, "lego block": {"lego"},
    "duck": {"duck"}, "rubber duck": {"duck"}, "toy duck": {"duck"}, "duckie": {"duck"},
    "mug": {"mug"}, "coffee mug": {"mug"}, "cup": {"mug"},
    "teddy": {"teddy"}, "teddy bear": {"teddy"}, "plush bear": {"teddy"}, "stuffed bear": {"teddy"},
    "bear": {"teddy"}, "plush": {"teddy"},
    "jenga": {"jenga"}, "jenga block": {"jenga"}, "jenga piece": {"jenga"}, "wooden slat": {"jenga"},
    "domino": {"domino"}, "domino tile": {"domino"},
    "tray": {"tray"}, "serving tray": {"tray"}, "shallow tray": {"tray"},
    "bin": {"tray", "bin"},
    "torus": {"torus"}, "ring": {"torus"}, "donut": {"torus"}, "doughnut": {"torus"},
    "bunny": {"bunny"}, "rabbit": {"bunny"}, "toy robot": {"toy_robot"}, "robot figure": {"toy_robot"},
    "toy": {"duck", "teddy", "lego", "bunny", "toy_robot", "cube", "toy"},
    # articulated kinds
    "drawer": {"drawer"}, "cabinet drawer": {"drawer"}, "dresser drawer": {"drawer"},
    "door": {"door", "sliding_door"}, "cabinet door": {"door"}, "cupboard door": {"door"},
    "hinged door": {"door"}, "cupboard": {"door"},
    "lid": {"lid"}, "box lid": {"lid"}, "hinged lid": {"lid"}, "chest lid": {"lid"}, "lidded box": {"lid"},
    "chest": {"lid"}, "box": {"lid", "box", "cube"},
    "button": {"button"}, "push button": {"button"}, "buzzer": {"button"}, "switch button": {"button"},
    "key": {"button"}, "switch": {"lever", "switch"},
    "lever": {"lever"}, "handle lever": {"lever"}, "toggle lever": {"lever"},
    "sliding door": {"sliding_door"}, "sliding panel": {"sliding_door"}, "sliding hatch": {"sliding_door"},
    "slider": {"sliding_door"},
    "knob": {"knob"}, "dial": {"knob"}, "rotary knob": {"knob"}, "control dial": {"knob"},
    "cabinet": {"drawer", "door", "cabinet"},
    # everyday objects outside the catalog (LLM proposals, user directives)
    "window": {"window"}, "valve": {"valve"}, "handle": {"handle"}, "wheel": {"handle"},
    "bowl": {"bowl"}, "bottle": {"bottle"}, "apple": {"apple"}, "banana": {"banana"}, "orange": {"orange"},
    "pen": {"pen"}, "marker": {"pen", "target"}, "marker pen": {"pen"}, "trash": {"trash"},
    "basket": {"basket"}, "shelf": {"shelf"}, "rack": {"rack"}, "hook": {"hook"}, "hole": {"hole"},
    "sponge": {"sponge"}, "table": {"table"}, "target": {"target"}, "goal": {"target"},
    "target marker": {"target"}, "goal spot": {"target"}, "target circle": {"target"}, "faucet": {"faucet", "knob"},
    "microwave": {"microwave"}, "fridge": {"fridge"}, "refrigerator": {"fridge"}, "laptop": {"laptop"},
    "screen": {"lid", "laptop"}, "pot": {"pot"}, "pan": {"pan"}, "dustpan": {"dustpan"},
    "sink": {"sink"}, "elevator": {"elevator"}, "knife": {"knife"}, "spoon": {"spoon"}, "fork": {"fork"},
    "book": {"book"}, "rope": {"rope"}, "cloth": {"cloth"}, "towel": {"cloth"}, "napkin": {"napkin"},
    "cable": {"cable"}, "plug": {"cable"}, "socket": {"socket"}, "outlet": {"socket"}, "cap": {"cap"},
    "kettle": {"kettle"}, "chair": {"chair"}, "toolbox": {"toolbox"}, "tool box": {"toolbox"},
    "screwdriver": {"screwdriver"}, "toy car": {"toy_car"}, "keyboard": {"keyboard"}, "oven": {"oven"},
    "recycling": {"recycling"},
}

# Words that are parts of the robot / workspace: never the object a task is about.
SCENE_NOUNS = frozenset({"gripper", "hand", "fingertips", "fingers", "finger", "robot", "arm", "base",
                         "surface", "tabletop", "air", "end effector", "side", "edge", "corner", "wall"})

# Catalog tags that are properties or categories, not names of a thing.
_NON_NOUN_TAGS = frozenset({"graspable", "stackable", "rigid", "soft-looking", "round", "rollable", "tiny", "thin",
                            "topple", "kitchen", "container", "flat", "target", "large", "mesh", "articulated",
                            "furniture", "prismatic", "revolute", "hinge", "storage", "press", "control",
                            "rotate", "sliding", "animal", "figure", "wood", "red", "toggle"})
# catalog variants of one concept
_CATALOG_ALIASES = {"cube_small": "cube", "red_ball": "sphere", "marble": "sphere", "soccerball": "sphere",
                    "tray_textured": "tray", "block": "cube", "drawer_cabinet": "drawer", "door_cabinet": "door",
                    "lid_box": "lid"}


def _catalog_entries() -> list[tuple[str, list[str]]]:
    """(name, tags) of every catalog entry; empty when the catalog cannot be read (lexicon still works)."""
    try:
        from roboskill.sim.catalog import get_catalog

        cat = get_catalog()
        return [(n, list(cat.resolve(n).tags)) for n in cat.names()]
    except Exception:  # noqa: BLE001 - the frame check must not depend on the sim layer being healthy
        return []


@lru_cache(maxsize=1)
def object_lexicon() -> dict[str, frozenset[str]]:
    """Phrase (lower-case, space-separated) -> concept names; curated synonyms + catalog names and noun tags."""
    lex: dict[str, set[str]] = {}
    tag_owners: dict[str, set[str]] = {}
    for name, tags in _catalog_entries():
        concept = _CATALOG_ALIASES.get(name, name)
        lex.setdefault(name.replace("_", " "), set()).add(concept)
        for tag in tags:
            if tag not in _NON_NOUN_TAGS and re.fullmatch(r"[a-z]+", tag):
                tag_owners.setdefault(tag, set()).add(concept)
    for tag, owners in tag_owners.items():
        lex.setdefault(tag, set()).update(owners)
    for phrase, concepts in OBJECT_SYNONYMS.items():  # curated entries win
        lex[phrase] = set(concepts)
    return {k: frozenset(v) for k, v in lex.items() if k not in SCENE_NOUNS}


@lru_cache(maxsize=1)
def multiword_pattern() -> re.Pattern[str]:
    """Regex matching multi-word object phrases (longest first), to fuse them into one token."""
    phrases = sorted((p for p in object_lexicon() if " " in p), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(p) for p in phrases) + r")s?\b")
