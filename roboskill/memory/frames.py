"""Task frames: the few words that decide whether two manipulation tasks are the same task.

Why: sentence embeddings know the *topic* of a task, not its polarity. MiniLM rates "open the top
drawer" vs "close the top drawer" (cos 0.90) as closer than "open the top drawer" vs "pull the top
drawer out" (0.77). A manipulation task is defined by its action, its main object, where it goes and a
handful of attributes (colour, size, which drawer, which side, direction, amount), so we extract
those and flag a *conflict* when the two descriptions disagree:

- action: each names an action family (`lexicon.ACTIONS`) the other does not (synonyms share a family);
- object / target: the *head* objects (first object of the patient / destination role) name
  disjoint concept sets (`lexicon.object_lexicon()`, derived from the asset catalog): "teddy bear" and
  "plush bear" share a concept, "toy" overlaps every toy, "duck" and "teddy" never meet;
- extra step: one side has an extra action on an extra object ("open the drawer and put the cube in");
- attributes: each side names a colour/size/level/side/... value the other does not.

Absence of a slot never conflicts, so a wordier paraphrase is not penalised. Scene-setting clauses
("At the coffee bar, ...", "... in the toy shop") are ignored: a prepositional phrase only counts when
its head noun is a known object, and a leading clause without a verb is dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field

from roboskill.memory.lexicon import ACTIONS, SCENE_NOUNS, VERB_PHRASES, multiword_pattern, object_lexicon

# ---------------------------------------------------------------- attribute lexicon
_PHRASES: list[tuple[str, str]] = [
    (r"\bon the (left|right) side of\b", r"rel_\1_of"),
    (r"\bto the (left|right) side of\b", r"rel_\1_of"),
    (r"\bto the (left|right) of\b", r"rel_\1_of"),
    (r"\bjust (left|right) of\b", r"rel_\1_of"),
    (r"\b(left|right) of\b", r"rel_\1_of"),
    (r"\bin front of\b", "rel_front"),
    (r"\bahead of\b", "rel_front"),
    (r"\bon the far side of\b", "rel_front"),
    (r"\bon the near side of\b", "behind"),
    (r"\bbetween the robot and\b", "behind"),
    (r"\bon top of\b", "rel_on"),
    (r"\bnext to\b", "rel_next"),
    (r"\bside by side\b", "rel_next"),
    (r"\bclose to\b", "rel_near"),
    (r"\b(closer|nearer) to the (robot|base)\b", "dir_back"),
    (r"\btoward(s)? the (robot|near side)\b", "dir_back"),
    (r"\baway from the (robot|base)\b", "dir_forward"),
    (r"\b(further|farther) from the (robot|base)\b", "dir_forward"),
    (r"\btoward(s)? the far side\b", "dir_forward"),
    (r"\btoward(s)? the (left|right) edge\b", r"\2"),
    (r"\bto its (left|right)\b", r"\1"),
    (r"\b(into|in) the air\b", "vert_up"),
    (r"\ball the way (up|down)\b", r"ext_full \1"),
    (r"\ball the way\b", "ext_full"),
    (r"\b(half|part) of the way\b", "ext_half"),
    (r"\bmost of the way\b", "ext_most"),
    (r"\bend effector\b", "gripper"),
    (r"\bquarter turn\b", "num_90"),
    (r"\bone hundred (and )?eighty\b", "num_180"),
    (r"\bhundred (and )?eighty\b", "num_180"),
    (r"\bout of\b", "from"),
]

COLORS = {"red", "green", "blue", "yellow", "orange", "purple", "black", "white", "pink", "brown", "gray",
          "grey", "cyan", "magenta", "teal", "navy", "olive", "lime", "maroon", "gold", "silver", "violet",
          "turquoise", "crimson", "beige"}
SIZES = {"small": "small", "little": "small", "tiny": "small", "large": "large", "big": "large",
         "round": "round", "square": "square", "tall": "tall", "short": "short", "long": "long"}
LEVELS = {"top": "top", "upper": "top", "uppermost": "top", "topmost": "top", "first": "top", "middle": "middle",
          "second": "middle", "bottom": "bottom", "lowest": "bottom", "bottommost": "bottom", "lower": "bottom"}
SIDES = {"left": "left", "leftward": "left", "leftwards": "left", "right": "right", "rightward": "right",
         "rightwards": "right", "forward": "forward", "forwards": "forward", "far": "forward",
         "back": "back", "backward": "back", "backwards": "back", "front": "front", "rear": "back",
         "dir_back": "back", "dir_forward": "forward"}
ROTATION = {"clockwise": "cw", "counterclockwise": "ccw", "anticlockwise": "ccw", "counter-clockwise": "ccw",
            "anti-clockwise": "ccw"}
VERTICAL = {"raise": "up", "up": "up", "upward": "up", "upwards": "up", "vert_up": "up", "upright": "up",
            "down": "down", "downward": "down", "downwards": "down"}
EXTENT = {"halfway": "half", "half": "half", "ext_half": "half", "fully": "full", "completely": "full",
          "wide": "full", "ext_full": "full", "slightly": "bit", "partially": "half", "maximum": "full",
          "max": "full", "highest": "full", "minimum": "zero", "min": "zero", "ext_most": "most"}
NUMBERS = {"one": "1", "single": "1", "two": "2", "pair": "2", "both": "2", "three": "3", "four": "4",
           "five": "5", "six": "6", "ninety": "90", "num_90": "90", "num_180": "180", "forty": "40",
           "fortyfive": "45", "thirty": "30", "sixty": "60"}
RELATIONS = {"rel_on": "on", "on": "on", "onto": "on", "atop": "on", "in": "in", "into": "in", "inside": "in",
             "within": "in", "under": "under", "beneath": "under", "below": "under", "underneath": "under",
             "off": "from", "from": "from", "above": "above", "rel_next": "next",
             "beside": "next", "near": "near", "rel_near": "near", "rel_left_of": "left_of",
             "rel_right_of": "right_of", "behind": "behind", "rel_front": "front_of"}
ROLE_SPLIT = set(RELATIONS) | {"to", "toward", "towards"}
SETTING_PREPS = {"at", "during", "with", "aboard", "backstage", "for", "using", "while", "without"}
_FUNCTION = {"the", "a", "an", "that", "this", "it", "its", "and", "then", "of", "to", "so", "until", "once",
             "again", "there", "afterwards", "is", "was", "be", "keep", "each", "other", "out", "about", "cm",
             "centimetres", "centimeters", "degrees", "degree", "mm", "metres", "meters", "further", "more"}
_OPENABLE = {"drawer", "door", "lid", "sliding_door", "window", "fridge", "microwave", "oven", "cabinet", "box",
             "laptop"}
_PRESSABLE = {"button"}
_DETERMINERS = frozenset({"the", "a", "an", "its", "that", "this", "each", "every"})
_TARGET_ONLY = frozenset({"table", "target"})  # places things go, never the thing a task moves
_SLOTS = ("color", "size", "level", "side", "rotation", "vertical", "extent", "number", "relation")
_LEADING_CLAUSE = re.compile(r"^\s*(?:(?:at|in|on|inside|aboard|under|during|backstage|by|near|beside)\b[^,.;]*),\s*")


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


def _verb_families(token: str) -> frozenset[str] | None:
    verb = _lemma(token, ACTIONS)
    if verb is not None:
        return ACTIONS[verb]
    if token.startswith("un") and (base := _lemma(token[2:], ACTIONS)) is not None:  # unstack -> UN+family
        return frozenset("UN" + f for f in ACTIONS[base])
    return None


@dataclass
class TaskFrame:
    """Slot values of one task description."""

    actions: set[str] = field(default_factory=set)
    nouns: set[str] = field(default_factory=set)
    patient_nouns: set[str] = field(default_factory=set)
    target_nouns: set[str] = field(default_factory=set)
    patient_head: frozenset[str] | None = None
    target_head: frozenset[str] | None = None
    mentions: list[frozenset[str]] = field(default_factory=list)
    modifiers: set[str] = field(default_factory=set)
    """Object nouns that only qualify another ("microwave door", "door of the microwave")."""
    patient_colors: set[str] = field(default_factory=set)
    target_colors: set[str] = field(default_factory=set)
    slots: dict[str, set[str]] = field(default_factory=dict)


def _normalise(text: str) -> str:
    s = text.lower().replace("'s", "").replace("’s", "")
    s = _LEADING_CLAUSE.sub("", s, count=1) if not _has_verb_before_comma(s) else s
    for pattern, repl in VERB_PHRASES + _PHRASES:
        s = re.sub(pattern, repl, s)
    return multiword_pattern().sub(lambda m: "obj__" + m.group(1).replace(" ", "_").replace("-", "_"), s)


def _has_verb_before_comma(s: str) -> bool:
    head = s.split(",", 1)[0] if "," in s else ""
    return any(_verb_families(t) for t in re.findall(r"[a-z]+", head))


def _object_of(token: str) -> frozenset[str] | None:
    lex = object_lexicon()
    if token.startswith("obj__"):
        return _fused_lexicon().get(token[5:])
    if token in SCENE_NOUNS:
        return None
    noun = _lemma(token, lex)
    return lex[noun] if noun is not None else None


@lru_cache(maxsize=1)
def _fused_lexicon() -> dict[str, frozenset[str]]:
    return {re.sub(r"[ -]", "_", k): v for k, v in object_lexicon().items()}


def _is_attribute(tok: str) -> bool:
    return any(tok in t for t in (SIZES, LEVELS, SIDES, ROTATION, VERTICAL, EXTENT, NUMBERS, RELATIONS)) \
        or tok in COLORS


def extract_frame(text: str) -> TaskFrame:
    """Parse a task description into a TaskFrame (lower-cased, lexicon-based; unknown words ignored)."""
    tokens = re.findall(r"[a-z_0-9-]+|[,.;]", _normalise(text))
    frame = TaskFrame(slots={k: set() for k in _SLOTS})
    role = "patient"
    setting = False  # inside "at the ...", "during ..." phrases: scene-setting, not task content
    pending_rel: str | None = None
    pending_colors: list[str] = []
    of_modifier = False  # after "of": "the door of the oven" -> the oven qualifies the door
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tok in ",.;":
            setting, pending_rel, pending_colors, of_modifier = False, None, [], False
            continue
        if tok.startswith("act_"):
            frame.actions.add(tok[4:].upper())
            setting = False
            continue
        if tok in SETTING_PREPS:
            setting, pending_rel = True, None
            continue
        fams = _verb_families(tok)
        obj = None if fams is not None and tok not in ("stack", "dial", "plug", "hand") else _object_of(tok)
        prev = tokens[i - 1] if i else ""
        if fams is not None and prev in _DETERMINERS:  # "the stack", "a turn": a noun, not the action
            fams = None
            if obj is None:
                continue
        if fams is not None and obj is None:
            frame.actions |= fams
            if tok in ("raise", "raises", "raised", "raising"):
                frame.slots["vertical"].add("up")
            setting, pending_rel = False, None
            continue
        if tok.isdigit():
            frame.slots["number"].add(tok)
            continue
        if tok in NUMBERS:
            frame.slots["number"].add(NUMBERS[tok])
            continue
        if tok == "lower" and (i == 0 or tokens[i - 1] not in _DETERMINERS):
            frame.slots["vertical"].add("down")  # "lower the lever" (verb) vs "the lower drawer" (level)
            continue
        if setting:
            continue
        if tok == "of":
            of_modifier = True
            continue
        if tok in ROLE_SPLIT and (frame.nouns or frame.actions):
            if tok in RELATIONS:
                pending_rel = RELATIONS[tok]
            if role == "patient" and frame.mentions:
                role = "target"
            continue
        if tok.isdigit():
            frame.slots["number"].add(tok)
            continue
        if tok in COLORS and not (tok == "orange" and obj is not None and not _object_of(nxt)):
            pending_colors.append(tok)
            frame.slots["color"].add(tok)
            continue
        for slot, table in (("size", SIZES), ("level", LEVELS), ("side", SIDES), ("rotation", ROTATION),
                            ("vertical", VERTICAL), ("extent", EXTENT), ("number", NUMBERS)):
            if tok in table:
                frame.slots[slot].add(table[tok])
        if obj is None or (role == "patient" and obj <= _TARGET_ONLY and "WIPE" not in frame.actions):
            continue
        # compound nouns: the head is the last noun ("toy shop" is a shop, "kitchen counter" a counter)
        if nxt and re.fullmatch(r"[a-z][a-z_-]*", nxt) and nxt not in _FUNCTION and not _is_attribute(nxt) \
                and nxt not in SETTING_PREPS and _verb_families(nxt) is None and not nxt.endswith("ly") \
                and nxt not in ROLE_SPLIT:
            frame.modifiers |= obj
            continue
        if of_modifier and frame.mentions:
            frame.modifiers |= obj
            of_modifier = False
            continue
        of_modifier = False
        frame.mentions.append(obj)
        canon = "/".join(sorted(obj))
        frame.nouns.add(canon)
        if role == "patient":
            frame.patient_nouns.add(canon)
            frame.patient_colors.update(pending_colors)
            frame.patient_head = frame.patient_head or obj
        else:
            frame.target_nouns.add(canon)
            frame.target_colors.update(pending_colors)
            frame.target_head = frame.target_head or obj
        if pending_rel:
            frame.slots["relation"].add(pending_rel)
            pending_rel = None
        pending_colors = []
    _object_dependent_actions(frame)
    return frame


def _object_dependent_actions(frame: TaskFrame) -> None:
    """Verbs whose meaning depends on the object: pushing a button presses it, pulling a book slides it."""
    head = frame.patient_head or frozenset()
    if head & _PRESSABLE and "PUSH" in frame.actions:
        frame.actions = (frame.actions - {"PUSH"}) | {"PRESS"}
    if "PULL" in frame.actions and not (head & _OPENABLE):
        frame.actions -= {"OPEN"}
        frame.actions.add("PUSH")  # pulling a loose object slides it: compatible with push, not with open
    if head == frozenset({"lever"}) and frame.actions:  # flip / tip / throw / push a lever: all rotate it
        frame.actions = {"ROTATE"}
    if "lid" in head and frame.actions & {"PLACE"} and "in" not in frame.slots["relation"]:
        frame.actions.add("CLOSE")
    if "lid" in head and frame.actions & {"PICK", "REMOVE"}:
        frame.actions.add("OPEN")


def _both_unique(a: set[str], b: set[str]) -> bool:
    """A conflict: each side names something the other does not (one-sided extra detail is fine)."""
    return bool(a - b) and bool(b - a)


def _unmatched(xs: list[frozenset[str]], ys: list[frozenset[str]]) -> list[frozenset[str]]:
    return [x for x in xs if not any(x & y for y in ys)]


def frame_conflicts(a: TaskFrame, b: TaskFrame) -> list[str]:
    """Slots where the two descriptions disagree, e.g. ["action: OPEN vs CLOSE"] (empty: compatible)."""
    out: list[str] = []

    def check(label: str, x: set[str], y: set[str]) -> None:
        if _both_unique(x, y):
            out.append(f"{label}: {'/'.join(sorted(x - y))} vs {'/'.join(sorted(y - x))}")

    check("action", a.actions, b.actions)
    for label, x, y in (("object", a.patient_head, b.patient_head), ("target", a.target_head, b.target_head)):
        mx, my = a.modifiers, b.modifiers
        if x and y and not (x & y or x & my or mx & y):
            out.append(f"{label}: {'/'.join(sorted(x))} vs {'/'.join(sorted(y))}")
    # an extra step: one side does more (an extra action) to something the other never mentions
    for x, y in ((a, b), (b, a)):
        if x.actions - y.actions and _unmatched(x.mentions, y.mentions) and y.mentions:
            extra = "/".join(sorted(next(iter(_unmatched(x.mentions, y.mentions)))))
            out.append(f"extra step: {'/'.join(sorted(x.actions - y.actions))} {extra}")
            break
    check("modifier", a.modifiers, b.modifiers)
    check("object colour", a.patient_colors, b.patient_colors)
    check("target colour", a.target_colors, b.target_colors)
    for slot in a.slots:
        if slot == "color":
            continue
        check(slot, a.slots[slot], b.slots[slot])
    return out
