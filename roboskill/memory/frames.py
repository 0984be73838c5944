"""Task frames: the few words that decide whether two manipulation tasks are the same task.

Why: sentence embeddings know the *topic* of a task, not its polarity. MiniLM rates "open the top
drawer" vs "close the top drawer" (cos 0.90) as closer than "open the top drawer" vs "pull the top
drawer out" (0.77). A manipulation task is defined by its action, its objects and a handful of
attributes (colour, size, which drawer, which side, direction, amount), so we extract those with a
small lexicon and flag a *conflict* when both descriptions name a value in the same slot and each
names one the other does not. A conflict vetoes "same task"; absence of a slot never does, so a
wordier paraphrase is not penalised. The lexicon is deliberately generic manipulation vocabulary;
see tests/data/novelty_pairs.jsonl and `roboskill.memory.novelty` for how well it does (held out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# ---------------------------------------------------------------- lexicon
# phrases are rewritten to single tokens before tokenising (longest first)
_PHRASES: list[tuple[str, str]] = [
    (r"\bon the (left|right) side of\b", r"rel_\1_of"),
    (r"\bto the (left|right) side of\b", r"rel_\1_of"),
    (r"\bto the (left|right) of\b", r"rel_\1_of"),
    (r"\b(left|right) of\b", r"rel_\1_of"),
    (r"\bon top of\b", "rel_on"),
    (r"\bnext to\b", "rel_next"),
    (r"\bside by side\b", "rel_next"),
    (r"\bclose to\b", "rel_near"),
    (r"\bcloser to the robot\b", "dir_back"),
    (r"\btoward(s)? the robot\b", "dir_back"),
    (r"\baway from the robot\b", "dir_forward"),
    (r"\b(into|in) the air\b", "vert_up"),
    (r"\bturn(ed|s|ing)? on\b", "act_open"),
    (r"\bswitch(ed|es|ing)? on\b", "act_open"),
    (r"\bturn(ed|s|ing)? off\b", "act_close"),
    (r"\bswitch(ed|es|ing)? off\b", "act_close"),
    (r"\bpick(ed|s|ing)? up\b", "act_pick"),
    (r"\btake hold of\b", "act_pick"),
    (r"\ball the way\b", "ext_full"),
    (r"\bhalf of the way\b", "ext_half"),
    (r"\bend effector\b", "gripper"),
    (r"\bquarter turn\b", "num_90"),
    (r"\bone hundred (and )?eighty\b", "num_180"),
    (r"\bhundred (and )?eighty\b", "num_180"),
    (r"\bknock(ed|s|ing)? over\b", "act_knock"),
    (r"\btip(ped|s|ping)? (\w+ )?(\w+ )?over\b", r"act_knock \2\3"),
]

ACTIONS: dict[str, set[str]] = {
    "pick": {"PICK"}, "grab": {"PICK"}, "grasp": {"PICK"}, "lift": {"PICK"}, "hold": {"PICK"},
    "push": {"PUSH"}, "slide": {"PUSH"}, "nudge": {"PUSH"}, "shove": {"PUSH"}, "roll": {"PUSH"},
    "shift": {"PUSH"}, "drag": {"PUSH"},
    "put": {"PLACE"}, "place": {"PLACE"}, "set": {"PLACE"}, "stack": {"PLACE"}, "stand": {"PLACE"},
    "insert": {"PLACE"}, "drop": {"PLACE"}, "hang": {"PLACE"}, "throw": {"PLACE"}, "release": {"PLACE"},
    "open": {"OPEN"}, "pull": {"OPEN", "PULL"}, "swing": {"OPEN"},
    "close": {"CLOSE"}, "shut": {"CLOSE"}, "cover": {"CLOSE", "PLACE"}, "fold": {"CLOSE"},
    "press": {"PRESS"}, "hit": {"PRESS"}, "flip": {"PRESS"}, "toggle": {"PRESS"}, "tap": set(),
    "turn": {"ROTATE"}, "rotate": {"ROTATE"}, "twist": {"ROTATE"}, "spin": {"ROTATE"},
    "knock": {"KNOCK"}, "tip": {"KNOCK", "POUR"}, "topple": {"KNOCK"}, "pour": {"POUR"},
    "remove": {"REMOVE", "PICK"}, "take": {"REMOVE"}, "unstack": {"REMOVE"}, "extract": {"REMOVE"},
    "wipe": {"WIPE"}, "clean": {"WIPE"}, "sweep": {"WIPE"}, "brush": {"WIPE"},
    "reach": {"REACH"}, "hover": {"REACH"}, "align": {"ALIGN"}, "line": {"ALIGN"},
}
NOUNS: dict[str, str] = {
    "cube": "cube", "block": "cube", "sphere": "sphere", "ball": "sphere", "cylinder": "cylinder",
    "drawer": "drawer", "door": "door", "cabinet": "cabinet", "lid": "lid", "box": "box", "button": "button",
    "knob": "knob", "lever": "lever", "switch": "switch", "valve": "valve", "handle": "handle",
    "wheel": "handle", "tray": "tray", "bowl": "bowl", "plate": "plate", "dish": "plate", "mug": "mug",
    "cup": "mug", "bottle": "bottle", "apple": "apple", "banana": "banana", "orange": "orange", "pen": "pen",
    "can": "can", "bin": "bin", "trash": "trash", "recycling": "recycling", "basket": "basket",
    "shelf": "shelf", "rack": "rack", "hook": "hook", "peg": "peg", "hole": "hole", "sponge": "sponge",
    "table": "table", "target": "target", "goal": "target", "marker": "target", "faucet": "faucet",
    "tap": "faucet", "microwave": "microwave", "fridge": "fridge", "refrigerator": "fridge",
    "laptop": "laptop", "pot": "pot", "pan": "pan", "tower": "tower", "dustpan": "dustpan", "sink": "sink",
    "gripper": "gripper", "color": "color", "colour": "color", "size": "size", "sliding": "sliding",
    "slider": "sliding", "elevator": "elevator", "wall": "wall", "edge": "edge", "corner": "corner",
    "robot": "robot", "screen": "lid", "key": "button", "knife": "knife", "spoon": "spoon", "fork": "fork",
    "book": "book", "toy": "toy", "stick": "stick", "rope": "rope", "cloth": "cloth", "towel": "cloth",
}
COLORS = {"red", "green", "blue", "yellow", "orange", "purple", "black", "white", "pink", "brown", "gray",
          "grey", "cyan", "magenta"}
SIZES = {"small": "small", "little": "small", "tiny": "small", "large": "large", "big": "large",
         "round": "round", "square": "square", "tall": "tall", "short": "short", "long": "long"}
LEVELS = {"top": "top", "upper": "top", "uppermost": "top", "topmost": "top", "middle": "middle",
          "bottom": "bottom", "lowest": "bottom", "bottommost": "bottom"}
SIDES = {"left": "left", "leftward": "left", "leftwards": "left", "right": "right", "rightward": "right",
         "rightwards": "right", "forward": "forward", "forwards": "forward", "far": "forward",
         "back": "back", "backward": "back", "backwards": "back", "front": "front", "rear": "back",
         "dir_back": "back", "dir_forward": "forward"}
ROTATION = {"clockwise": "cw", "counterclockwise": "ccw", "anticlockwise": "ccw", "counter-clockwise": "ccw",
            "anti-clockwise": "ccw"}
VERTICAL = {"up": "up", "raise": "up", "upward": "up", "upwards": "up", "vert_up": "up", "upright": "up",
            "down": "down", "lower": "down", "downward": "down", "downwards": "down"}
EXTENT = {"halfway": "half", "half": "half", "ext_half": "half", "fully": "full", "completely": "full",
          "wide": "full", "ext_full": "full", "slightly": "bit", "partially": "half"}
NUMBERS = {"one": "1", "single": "1", "two": "2", "pair": "2", "both": "2", "three": "3", "four": "4",
           "five": "5", "six": "6", "ninety": "90", "num_90": "90", "num_180": "180", "forty": "40",
           "fortyfive": "45", "thirty": "30", "sixty": "60"}
RELATIONS = {"rel_on": "on", "on": "on", "onto": "on", "in": "in", "into": "in", "inside": "in",
             "within": "in", "under": "under", "beneath": "under", "below": "under", "underneath": "under",
             "off": "from", "from": "from", "above": "above", "rel_next": "next", "beside": "next",
             "near": "near", "rel_near": "near", "rel_left_of": "left_of", "rel_right_of": "right_of",
             "behind": "behind"}
ROLE_SPLIT = set(RELATIONS) | {"to", "toward", "towards", "onto"}
_CLOSABLE = {"lid", "door", "drawer"}
_PRESSABLE = {"button", "switch"}


def _lemma(token: str, vocab: dict) -> str | None:
    """Crude inflection stripping (pulls/pulling/pulled -> pull), enough for imperative task text."""
    if token in vocab:
        return token
    for suffix in ("ing", "ed", "es", "s", "d"):
        if token.endswith(suffix) and len(token) > len(suffix) + 2:
            stem = token[: -len(suffix)]
            for cand in (stem, stem + "e", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem):
                if cand in vocab:
                    return cand
    return None


@dataclass
class TaskFrame:
    """Slot values of one task description."""

    actions: set[str] = field(default_factory=set)
    nouns: set[str] = field(default_factory=set)
    patient_nouns: set[str] = field(default_factory=set)
    target_nouns: set[str] = field(default_factory=set)
    patient_colors: set[str] = field(default_factory=set)
    target_colors: set[str] = field(default_factory=set)
    slots: dict[str, set[str]] = field(default_factory=dict)


def extract_frame(text: str) -> TaskFrame:
    """Parse a task description into a TaskFrame (lower-cased, lexicon-based; unknown words ignored)."""
    s = text.lower().replace("'s", "")
    for pattern, repl in _PHRASES:
        s = re.sub(pattern, repl, s)
    tokens = re.findall(r"[a-z_0-9-]+", s)
    frame = TaskFrame(slots={k: set() for k in ("color", "size", "level", "side", "rotation", "vertical",
                                                  "extent", "number", "relation")})
    role = "patient"
    for tok in tokens:
        if tok.startswith("act_"):
            frame.actions.add(tok[4:].upper())
            continue
        if tok in ROLE_SPLIT and role == "patient" and (frame.nouns or frame.actions):
            role = "target"
        if tok in RELATIONS:
            frame.slots["relation"].add(RELATIONS[tok])
            continue
        if tok.isdigit():
            frame.slots["number"].add(tok)
            continue
        if tok in COLORS:
            frame.slots["color"].add(tok)
            (frame.patient_colors if role == "patient" else frame.target_colors).add(tok)
            if tok != "orange":
                continue
        for slot, table in (("size", SIZES), ("level", LEVELS), ("side", SIDES), ("rotation", ROTATION),
                            ("vertical", VERTICAL), ("extent", EXTENT), ("number", NUMBERS)):
            if tok in table:
                frame.slots[slot].add(table[tok])
        verb = _lemma(tok, ACTIONS)
        if verb is not None:
            frame.actions |= ACTIONS[verb]
        noun = _lemma(tok, NOUNS)
        if noun is not None and verb is None:
            canon = NOUNS[noun]
            frame.nouns.add(canon)
            (frame.patient_nouns if role == "patient" else frame.target_nouns).add(canon)
    # object-dependent meanings: pushing a button is pressing it; putting a lid on closes, lifting opens
    if frame.nouns & _PRESSABLE and "PUSH" in frame.actions:
        frame.actions.add("PRESS")
    if "lid" in frame.nouns and frame.actions & {"PLACE"}:
        frame.actions.add("CLOSE")
    if "lid" in frame.nouns and frame.actions & {"PICK", "REMOVE"}:
        frame.actions.add("OPEN")
    return frame


def _both_unique(a: set[str], b: set[str]) -> bool:
    """A conflict: each side names something the other does not (one-sided extra detail is fine)."""
    return bool(a - b) and bool(b - a)


def frame_conflicts(a: TaskFrame, b: TaskFrame) -> list[str]:
    """Slots where the two descriptions disagree, e.g. ["action: OPEN vs CLOSE"] (empty: compatible)."""
    out: list[str] = []

    def check(label: str, x: set[str], y: set[str]) -> None:
        if _both_unique(x, y):
            out.append(f"{label}: {'/'.join(sorted(x - y))} vs {'/'.join(sorted(y - x))}")

    check("action", a.actions, b.actions)
    check("object", a.patient_nouns, b.patient_nouns)
    check("target", a.target_nouns, b.target_nouns)
    check("object colour", a.patient_colors, b.patient_colors)
    check("target colour", a.target_colors, b.target_colors)
    for slot in a.slots:
        if slot == "color":
            continue
        check(slot, a.slots[slot], b.slots[slot])
    return out
