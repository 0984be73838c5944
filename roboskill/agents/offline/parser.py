"""Text -> `TaskFrame`: how the offline model understands a task it did not propose itself.

Why keyword rules: `roboskill learn "open the top drawer"`, learned-skill lists and critic contexts
all arrive as text. A small ordered rule set over verbs, object nouns, colours, drawer words,
directions and amounts recovers the frame reliably for the grammar's own output (whose snake_case
names are canonical) and for plain human phrasings. It is deliberately not clever: anything it
cannot read falls back to "pick up the first object mentioned" (or a cube).
"""

from __future__ import annotations

import math
import re
from typing import Any

from roboskill.agents.offline.frames import ObjRef, TaskFrame
from roboskill.agents.offline.vocab import ALL_TYPES, COLORS, DRAWER_WORDS, SIZES, TYPES_BY_KEY, ObjectType

# Extra nouns (beyond ObjectType.nouns) that name a type, including snake_case keys split by spaces.
_EXTRA_NOUNS: dict[str, str] = {
    "drawer cabinet": "drawer_cabinet", "drawers": "drawer_cabinet", "dresser": "drawer_cabinet",
    "door cabinet": "door_cabinet", "cupboard": "door_cabinet", "cabinet door": "door_cabinet",
    "door": "door_cabinet", "lid box": "lid_box", "lid": "lid_box", "chest": "lid_box", "box": "lid_box",
    "sliding door": "sliding_door", "slider": "sliding_door", "hatch": "sliding_door",
    "buzzer": "button", "switch": "lever", "valve": "knob", "target": "marker",
    "marker": "marker", "goal": "marker", "spot": "marker", "blocks": "block", "cubes": "block",
    "teddy": "teddy", "bear": "teddy", "lego": "lego", "brick": "brick",
}

_VERB_RULES: list[tuple[str, str]] = [  # (verb, regex) in priority order
    ("stack", r"\b(stack|stacks|stacking|tower|balance|pile|perch|atop)\b"),
    ("put_inside", r"\b(put|drop|tuck|deposit|insert|place|store|stow|move|pack)\b.*\b(inside|into)\b"),
    ("put_inside", r"\b(put|drop|tuck|place|store|stow|pack)\b.*\bin (the |a |an )?(\w+ ){0,2}"
                   r"(tray|mug|cup|drawer|box|chest|bin|cabinet)\b"),
    ("put_inside", r"\bput inside\b|\binsert\b|\b(drop|deposit|tuck|put|place)\b.*\b(in|into) it\b"),
    ("arrange", r"\b(left of|right of|front of|behind|next to|beside|ahead of|side of|arrange|between the robot and)\b"),
    ("rotate", r"\b(pull|pulls|flip|flips|throw)\b.*\b(lever|switch)\b"),
    ("close", r"\b(close|closes|closing|shut|shuts|seal)\b(?! to\b| by\b)|\bpush\b.*\bclosed\b"),
    ("open", r"\b(open|opens|opening)\b|\b(pull|pulls)\b.*\b(out|drawer|door)\b"),
    ("press", r"\b(press|presses|pressing|tap|push down|push the button|push button|hit|depress)\b"),
    ("rotate", r"\b(rotate|rotates|rotating|turn|turns|twist|twists|spin|flip|crank|toggle|throw|tip)\b"),
    ("slide", r"\b(slide|slides|sliding|glide|drag|drags)\b"),
    ("push", r"\b(push|pushes|pushing|nudge|shove|poke)\b|\broll (the|a|an|it|this|that)\b"),
    ("place", r"\b(place|put|set|rest|lay|position|transfer|park|move|carry|bring|stand)\b.*\b(on|onto|on top of)\b"),
    ("lift", r"\b(lift|lifts|lifting|raise|hoist|elevate|heave)\b|\bhold it\b.*\bhigh\b|\bget\b.*\bup\b"),
    ("pick", r"\b(pick|picks|grab|grasp|grip|take hold|fetch|pick up|pluck|collect)\b"),
    ("reach", r"\b(touch|reach|hover|point at|approach|point the gripper|bring the hand|move the gripper|just above)\b"),
]


def _noun_table(types: list[ObjectType]) -> list[tuple[str, str]]:
    table: dict[str, str] = {}
    for t in types:  # keys first: "sphere" is the sphere asset even though balls are called spheres too
        table.setdefault(t.key.replace("_", " "), t.key)
    for t in types:
        for noun in t.nouns:  # nouns may be capitalised ("TV remote"); the text is matched lower-case
            table.setdefault(noun.lower(), t.key)
        table.setdefault(t.key.replace("_", " "), t.key)
    for noun, key in _EXTRA_NOUNS.items():
        table.setdefault(noun, key)
    return sorted(table.items(), key=lambda kv: -len(kv[0]))  # longest first: "sliding door" before "door"


def _find_objects(text: str, types: list[ObjectType]) -> list[tuple[int, ObjRef]]:
    """Object mentions in order of appearance, with the colour/size/drawer words just before them."""
    found: list[tuple[int, ObjRef]] = []
    taken = [False] * len(text)
    for noun, key in _noun_table(types):
        for m in re.finditer(rf"\b{re.escape(noun)}s?\b", text):
            if any(taken[m.start():m.end()]):
                continue
            for i in range(m.start(), m.end()):
                taken[i] = True
            color = size = None
            for w in reversed(text[max(0, m.start() - 40):m.start()].split()[-3:]):
                if w in COLORS and color is None:
                    color = w
                elif w in SIZES and size is None:
                    size = w
                else:  # adjectives must directly precede the noun
                    break
            ref_key = key
            if key in ("cube", "sphere") and color:  # a coloured cube is a generated primitive
                ref_key = "block" if key == "cube" else "ball"
            if key == "cube" and "cube" not in TYPES_BY_KEY:
                ref_key = "block"
            ref = ObjRef(ref_key, color=color, size=size)
            if ref_key == "drawer_cabinet":
                window = text[max(0, m.start() - 30):m.end() + 20]
                for word, idx in DRAWER_WORDS.items():
                    if re.search(rf"\b{word}\b", window):
                        ref.joint = "drawer_0" if idx == 0 else ("drawer_1" if idx == -1 else f"drawer_{idx}")
                        break
                else:
                    ref.joint = "drawer_0"
            found.append((m.start(), ref))
    found.sort(key=lambda p: p[0])
    # merge repeats of one type ("the duck ... the duck pond"), keeping the first, most specific mention
    merged: list[tuple[int, ObjRef]] = []
    for pos, ref in found:
        same = next((r for _, r in merged if r.type_key == ref.type_key and (r.color == ref.color or not ref.color)), None)
        if same is None:
            merged.append((pos, ref))
    return merged


def _amounts(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    if m := re.search(r"(\d+(?:\.\d+)?)\s*(cm|centimet\w*)", text):
        out["metres"] = float(m.group(1)) / 100.0
    elif m := re.search(r"(\d+(?:\.\d+)?)\s*(mm|millimet\w*)", text):
        out["metres"] = float(m.group(1)) / 1000.0
    elif m := re.search(r"(\d+(?:\.\d+)?)\s*(m|metres?|meters?)\b", text):
        out["metres"] = float(m.group(1))
    if m := re.search(r"(\d+(?:\.\d+)?)\s*(degrees|degree|deg|°)", text):
        out["radians"] = math.radians(float(m.group(1)))
    elif re.search(r"\bquarter turn\b", text):
        out["radians"] = math.pi / 2
    elif re.search(r"\bhalf turn\b", text):
        out["radians"] = math.pi
    if re.search(r"\b(halfway|half way|half open|part of the way|partially|slightly|ajar)\b", text):
        out["fraction"] = 0.5
    elif re.search(r"\b(fully|all the way|completely|wide)\b", text):
        out["fraction"] = 0.9
    elif m := re.search(r"(\d+)\s*(%|percent)", text):
        out["fraction"] = float(m.group(1)) / 100.0
    return out


def _direction(text: str) -> str | None:
    text = re.sub(r"\bleft (open|ajar|behind)\b", "", text)
    text = re.sub(r"\b(left|right) (of|side of)\b", "", text)
    if re.search(r"\b(left|leftwards|leftward)\b", text):
        return "left"
    if re.search(r"\b(right|rightwards|rightward)\b", text):
        return "right"
    if re.search(r"\b(forward|forwards|away from the robot|further from the base|far side)\b", text):
        return "forward"
    if re.search(r"\b(backward|backwards|toward the robot|towards the robot|closer to the base|near side)\b", text):
        return "backward"
    return None


def _relation(text: str) -> str:
    if re.search(r"\bleft (of|side of)\b|\bjust left\b", text):
        return "left_of"
    if re.search(r"\bright (of|side of)\b|\bjust right\b", text):
        return "right_of"
    if re.search(r"\b(front of|ahead of|far side of)\b", text):
        return "front_of"
    if re.search(r"\b(behind|near side of|between the robot and)\b", text):
        return "behind"
    return "left_of"


def _verb(text: str) -> tuple[str | None, int]:
    """(verb, position of the match) for the highest-priority rule that matches."""
    for verb, pattern in _VERB_RULES:
        if m := re.search(pattern, text):
            return verb, m.start()
    return None, -1


def parse_task(text: str, *, name: str | None = None, objects: list[str] | None = None,
               types: list[ObjectType] | None = None) -> TaskFrame:
    """Best-effort frame for a task given as text (and optionally its snake_case name and object list).

    The snake_case `name` is tried first (the grammar writes canonical names), then the description.
    """
    types = types or list(ALL_TYPES)
    chain = parse_chain(text or "", types)
    if chain is not None:  # "open the drawer, then push the puck left, and finally ...": the sentence names every part
        return chain
    candidates = []
    if name and not slug_of(name, text or ""):
        candidates.append(name.replace("_", " ").replace(".", " ").lower())
    candidates.append((text or "").lower())
    desc = (text or "").lower()
    frame: TaskFrame | None = None
    for source in candidates:
        frame = _parse_one(source, desc, objects, types)
        if frame is not None:
            break
    if frame is None:
        frame = _parse_one(" ".join(candidates), desc, objects, types, fallback=True)
    assert frame is not None
    return frame


def slug_of(name: str, text: str) -> bool:
    """Whether `name` is just the (possibly truncated) slug of `text`, as `learn` names a user's instruction: then the
    text is the task, and its cut-off slug must not be read first ("..._to_the_robot_s_ri" lost "right" and the
    frame defaulted to left: a substituted task)."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    stem = name.lower().strip("_")
    return bool(stem) and slug.startswith(stem)


def _parse_one(source: str, desc: str, objects: list[str] | None, types: list[ObjectType],
               fallback: bool = False) -> TaskFrame | None:
    verb, _ = _verb(source)
    objs = [r for _, r in _find_objects(source, types)]
    objs = [r for r in objs if r.type_key != "marker"]
    if not objs and objects:
        for name in objects:
            key = name.lower().strip()
            if key in TYPES_BY_KEY:
                objs.append(ObjRef(key, joint="drawer_0" if key == "drawer_cabinet" else None))
    if verb is None or not objs:
        if not fallback:
            return None
        verb = verb or "pick"
        if not objs:
            objs = [ObjRef("block", color="red")]
    # colours/drawer words from the description enrich a name-derived frame
    if source != desc:
        for ref in objs:
            for _, dref in _find_objects(desc, types):
                if dref.type_key == ref.type_key:
                    ref.color = ref.color or dref.color
                    ref.size = ref.size or dref.size
    amounts = _amounts(desc + " " + source)
    articulated = next((r for r in objs if r.type.source == "articulated"), None)
    movable = [r for r in objs if r.type.source != "articulated"]
    steps: list[str] = []
    then_close = False

    # verb/object consistency repairs
    if verb in ("push", "slide", "press") and articulated is not None and not movable:
        verb = {"button": "press", "sliding_door": "open", "drawer_cabinet": "close",
                "lid_box": "close", "door_cabinet": "close", "knob": "rotate", "lever": "rotate"}[articulated.type_key]
        if verb == "open" and re.search(r"\b(closed|shut)\b", source):
            verb = "close"
    if verb == "put_inside" and not any(r.type.container for r in objs):
        verb = "place" if len(objs) > 1 else "pick"
    if verb in ("open", "close") and articulated is None:
        verb = "pick"
    if verb in ("press", "rotate") and articulated is None:
        verb = "push" if verb == "press" else "pick"
    if verb in ("pick", "lift", "place", "stack", "push", "slide", "reach", "arrange") and not movable and articulated:
        verb = {"button": "press", "knob": "rotate", "lever": "rotate"}.get(articulated.type_key, "open")

    if verb == "put_inside":
        container = next((r for r in reversed(objs) if r.type.container and r is not objs[0]), None)
        if container is None:
            container = next(r for r in objs if r.type.container)
        item = next((r for r in objs if r is not container and r.type.graspable), None) or ObjRef("block", color="red")
        if container.type.source == "articulated" and re.search(r"\bopen\b", source):
            steps = ["open"]
        if re.search(r"\b(close|shut)\b", source):
            then_close = True
        return TaskFrame("put_inside", item, dest=container, steps=steps, then_close=then_close,
                         difficulty=2 + len(steps) + int(then_close))
    if verb in ("open", "close", "press", "rotate"):
        target = articulated
        assert target is not None
        amount = amounts.get("radians") if verb == "rotate" else amounts.get("fraction")
        if verb == "rotate" and amount is None:
            amount = math.pi / 2
        if verb == "open" and amount is None:
            amount = 0.9
        return TaskFrame(verb, target, amount=amount, difficulty=2 if verb in ("open", "close") else 1)
    obj = movable[0] if movable else objs[0]
    others = [r for r in objs if r is not obj]
    dest = others[0] if others else None
    if verb in ("stack", "place", "arrange") and dest is None:
        verb = "lift" if verb != "arrange" else "pick"
    if verb == "place" and dest is not None and dest.type.container and re.search(r"\b(into|inside)\b", source):
        verb = "put_inside"
        return TaskFrame("put_inside", obj, dest=dest, difficulty=2)
    if verb == "arrange":
        return TaskFrame("arrange", obj, dest=dest, relation=_relation(source), difficulty=3)
    if verb in ("stack", "place"):
        return TaskFrame(verb, obj, dest=dest, difficulty=3 if verb == "stack" else 2)
    if verb in ("push", "slide"):
        direction = _direction(source)
        if direction is None and re.search(r"\b(target|marker|goal|spot|circle)\b", source):
            return TaskFrame(verb, obj, relation="target", difficulty=2)
        if dest is not None and direction is None and verb == "push":
            return TaskFrame("push", obj, dest=dest, difficulty=2)
        dist = amounts.get("metres", 0.15 if verb == "slide" else 0.12)
        return TaskFrame(verb, obj, relation=direction or ("right" if verb == "slide" else "left"),
                         amount=dist, difficulty=2)
    if verb == "lift":
        return TaskFrame("lift", obj, amount=amounts.get("metres", 0.15), difficulty=1)
    if verb == "reach":
        return TaskFrame("reach", obj, difficulty=1)
    return TaskFrame("pick", obj, amount=0.1, difficulty=1)


# ----------------------------------------------------------------------------------------- chains
#: Where one step of a chain ends and the next begins: "; then", ", then", ", and finally", ", after that".
_CHAIN_SPLIT = re.compile(r"\s*;\s*(?:and\s+)?(?:(?:then|finally|next|after that|afterwards),?\s+)?"
                          r"|,\s*(?:and\s+)?(?:then|finally|next|after that|afterwards)\b,?\s*")
_CHAIN_LEAD = re.compile(r"^(?:first(?:ly)?|to begin(?: with)?|start by)\b,?\s*")


def chain_clauses(text: str) -> list[str]:
    """The text cut at its sequencing words ("..., then ...", "...; finally ..."), leading "first," dropped."""
    clauses = [c.strip(" ,.;:") for c in _CHAIN_SPLIT.split(text.lower())]
    return [_CHAIN_LEAD.sub("", c).strip() for c in clauses if c.strip(" ,.;:")]


def _same_joint(a: ObjRef | None, b: ObjRef | None) -> bool:
    return (a is not None and b is not None and a.type.source == "articulated" and a.type_key == b.type_key
            and (a.joint or (a.type.joints[0] if a.type.joints else None))
            == (b.joint or (b.type.joints[0] if b.type.joints else None)))


def merge_parts(frames: list[TaskFrame]) -> list[TaskFrame]:
    """Fold "open X" + "put Y into X" + "close X" into one put-inside with its open and close steps.

    Why: that is one task the vocabulary judges as a whole (Y inside the closed X), not three parts whose
    end conditions contradict each other (X open, then X closed).
    """
    out: list[TaskFrame] = []
    for f in frames:
        prev = out[-1] if out else None
        if (prev is not None and prev.verb == "open" and f.verb == "put_inside" and not f.steps
                and _same_joint(prev.obj, f.dest)):
            f.steps = ["open"]
            f.difficulty = 2 + len(f.steps) + int(f.then_close)
            f.text = f"{prev.text}, then {f.text}"
            out[-1] = f
            continue
        if (prev is not None and prev.verb == "put_inside" and f.verb == "close" and not prev.then_close
                and _same_joint(prev.dest, f.obj)):
            prev.then_close = True
            prev.difficulty = 2 + len(prev.steps) + 1
            prev.text = f"{prev.text}, then {f.text}"
            continue
        out.append(f)
    return out


def _clause_frame(clause: str, types: list[ObjectType]) -> TaskFrame | None:
    """The frame of one clause when the clause states a whole task by itself (its verb and every object it
    needs); None for "close it" or "put the cube inside it", which lean on the clause before."""
    from roboskill.agents.offline.goals import _frame_is_the_task  # the goal writer's own test of a reading

    frame = _parse_one(clause, clause, None, types)
    if frame is None:
        return None
    if _frame_is_the_task(clause, frame) is not None:
        return None
    return frame


def parse_chain(text: str, types: list[ObjectType] | None = None) -> TaskFrame | None:
    """A chain frame (`TaskFrame.then`) when the text lists two or more steps, each a task by itself; else None.

    A clause that leans on the one before ("..., then close it") is read together with it, so "open the top
    drawer, then put the cube inside it" stays one put-inside with its open step. Setting clauses the offline
    proposer adds are dropped first (they name places and times, not steps).
    """
    from roboskill.agents.offline.goals import task_core

    types = types or list(ALL_TYPES)
    clauses = chain_clauses(task_core(text))
    if len(clauses) < 2:
        return None
    texts: list[str] = []
    frames: list[TaskFrame] = []
    for clause in clauses:
        frame = _clause_frame(clause, types)
        if frame is None:
            if not texts:
                return None
            joined = f"{texts[-1]}, then {clause}"
            merged = _parse_one(joined, joined, None, types)
            if merged is None:
                return None
            merged.text = joined
            texts[-1], frames[-1] = joined, merged
            continue
        frame.text = clause
        texts.append(clause)
        frames.append(frame)
    parts = merge_parts(frames)
    if len(parts) < 2:
        return None  # one compound task ("open X, put Y inside, then close X"): the plain reading gives it
    head = parts[0]
    head.then = parts[1:]
    head.difficulty = min(5, 2 + len(parts))
    return head


def parse_record(record: Any, types: list[ObjectType] | None = None) -> TaskFrame | None:
    """Frame of a context entry ({name, description, ...} or a plain string); None if unreadable."""
    if isinstance(record, str):
        return parse_task(record, types=types)
    if isinstance(record, dict):
        name = record.get("name") if isinstance(record.get("name"), str) else None
        desc = record.get("description") or record.get("instruction") or ""
        if not name and not desc:
            return None
        objs = record.get("objects") if isinstance(record.get("objects"), list) else None
        return parse_task(str(desc), name=name, objects=objs, types=types)
    return None
