"""The offline goal writer: a task's text -> a `Goal` in the sim vocabulary, or a refusal.

Why strict where the rest of the offline model is forgiving: the scene designer and the reward writer
may fall back to "pick up the first object", but the goal is what judges the skill. A careful model
refuses what it cannot represent: liquids, cloth and other deformables, actions with no meaning for
one arm, objects no catalog entry or primitive can stand for, and instructions whose action or object
it cannot read. It never maps an unknown instruction onto a task it knows: when the parser had to
repair the verb (e.g. "open the block" became "pick"), or drop an object the action needs, it refuses.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from roboskill.agents.offline.frames import ObjRef, TaskFrame
from roboskill.agents.offline.parser import _amounts, _find_objects, _verb, parse_record, slug_of
from roboskill.agents.offline.scenes import MARKER_NAME
from roboskill.agents.offline.vocab import COLORS, SIZES, types_from_catalog

#: (what the simulator lacks, pattern): checked before anything else.
UNSUPPORTED: list[tuple[str, str]] = [
    ("liquids", r"\b(pour|pours|pouring|spill|spills|splash|water(?! bottle| jug)|liquid|juice|milk|coffee(?! mug)|tea(?! ?cup| ?pot)"
                r"|soup|wine|beer|oil|sauce|syrup|fill\w* (it |the \w+ )?with)\b"),
    ("granular matter", r"\b(sand|rice|sugar|salt|flour|grains?|powder|cereal)\b"),
    ("cloth and other deformables", r"\b(cloth|towel|napkin|shirt|t-shirt|sock|socks|fabric|blanket|curtain|sheet|laundry"
                                    r"|rope|string|cable|wire|thread|yarn|cord|shoelace|ribbon|sponge|dough|clay|paper"
                                    r"|tissue|bag|balloon|jelly|noodle|spaghetti)\b"),
    ("deforming actions", r"\b(fold|folds|folding|unfold|crumple|tie|ties|tying|knot|untie|wrap|unwrap|squeeze|squash|knead"
                          r"|stretch|bend|twist\w* (the )?(rope|wire)|hang up|drape)\b"),
    ("cutting and breaking", r"\b(cut|cuts|slice|slices|chop|chops|dice|peel|tear|tears|rip|break|breaks|smash|crack|shatter"
                             r"|saw|drill)\b"),
    ("actions with no meaning for one arm with a gripper",
     r"\b(sing|dance|fly|walk|run|jump|swim|talk|speak|say|cook|bake|fry|boil|heat|freeze|melt|burn|paint|write|draw"
     r"|read|smell|taste|eat|drink|laugh|whistle|clap|sleep|wash|clean|wipe|iron|sew|knit|type)\b"),
    ("living things", r"\b(dog|cat|bird|fish|person|people|child|baby|plant|flower)s?\b"),
]

#: Raw verb (what the instruction says) -> verbs of a frame that still mean the same task.
_SAME_TASK: dict[str, set[str]] = {
    "pick": {"pick", "lift"}, "lift": {"lift", "pick"},
    "place": {"place", "put_inside", "stack"}, "put_inside": {"put_inside", "place"}, "stack": {"stack", "place"},
    "push": {"push", "slide", "press", "close", "open"}, "slide": {"slide", "push", "open", "close"},
    "open": {"open", "put_inside"}, "close": {"close"}, "press": {"press"}, "rotate": {"rotate"},
    "reach": {"reach"}, "arrange": {"arrange"},
}
#: Verbs that are fine on an articulated object although the instruction says "lift the lid" / "pull the lever".
_ARTICULATED_ALIASES = {"pick", "lift", "push", "slide", "rotate", "open", "close", "press"}


@lru_cache(maxsize=1)
def _setting_phrases() -> tuple[str, ...]:
    """Every place / situation / purpose clause the offline proposer writes around a task's core (longest first)."""
    from roboskill.agents.offline.grammar import _GENERIC_SETTINGS
    from roboskill.agents.offline.scenarios import DOMAINS, PURPOSES

    phrases = set(_GENERIC_SETTINGS)
    for dom in DOMAINS.values():
        phrases.update(dom.places)
        phrases.update(dom.situations)
    for reasons in PURPOSES.values():
        for reason in reasons:
            phrases.add(reason)
            if reason.startswith("for "):  # the proposer varies the link of "for ..." reasons
                phrases.update(f"{link}{reason[3:]}" for link in ("ready for", "needed for", "to be used for",
                                                                  "in preparation for"))
    return tuple(sorted((p.lower() for p in phrases), key=len, reverse=True))


def task_core(text: str) -> str:
    """The text without the setting clauses the offline proposer adds (they name places and times, not the task).

    A real model reads a sentence's setting as setting; this model knows its own clause vocabulary.
    """
    core = text.lower()
    for phrase in _setting_phrases():
        if phrase in core:
            core = core.replace(phrase, " ")
    return re.sub(r"\s+", " ", core).strip(" ,.:;")


def mask_known_objects(text: str, types: list[Any]) -> str:
    """The text with every noun of a buildable object blanked ("salt shaker", "wire spool", "sponge" are rigid
    things here), so only what remains can name an unsupported material or action."""
    from roboskill.agents.offline.parser import _noun_table

    for noun, _ in _noun_table(types):
        text = re.sub(rf"\b{re.escape(noun.lower())}s?\b", " ", text)
    return text


def unsupported_words(text: str) -> tuple[str, list[str]] | None:
    """(what is missing, the words) when the text needs something the simulator cannot represent."""
    lowered = text.lower()
    for what, pattern in UNSUPPORTED:
        words = sorted({m.group(0) for m in re.finditer(pattern, lowered)})
        if words:
            return what, words
    return None


def refusal(reason: str, words: list[str]) -> dict[str, Any]:
    return {"refusal": {"reason": reason[:500], "unsupported": words[:10]}}


def category(ref: ObjRef) -> str:
    """The goal category of an object reference: articulated kind, asset name or primitive shape."""
    t = ref.type
    if t.source == "articulated":
        return t.articulation or t.key
    if t.source == "asset":
        stem = str(t.asset or t.key).replace("\\", "/").rsplit("/", 1)[-1]
        return stem.rsplit(".", 1)[0] if stem.endswith((".urdf", ".obj")) else stem
    return t.shape or "box"


#: Words after "the"/"a" that are places, directions or amounts, not objects.
_NOT_OBJECTS = frozenset("""left right front back side top bottom middle centre center edge corner table robot gripper hand
arm base way turn half quarter air target goal spot marker area position place start end other first second third one
it them others cm mm centimetres centimeters metres meters degrees bit little tabletop surface workspace good further
distance few couple stack tower two-level firm grip fingertips was is are were rest""".split())
#: Spelled-out numbers a person writes before a unit ("ten centimetres").
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
                 "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90}


def digits_for_words(text: str) -> str:
    """'ten centimetres' -> '10 centimetres' (the parser reads amounts written with digits)."""
    def sub(m: re.Match[str]) -> str:
        return f"{_NUMBER_WORDS[m.group(1)]} {m.group(2)}"

    words = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
    return re.sub(rf"\b({words})\s+(cm|centimet\w*|mm|millimet\w*|degrees?|metres?|meters?)\b", sub, text)


def known_words(types: list[Any]) -> set[str]:
    """Every word of every noun the vocabulary knows ("cabinet" from "drawer cabinet")."""
    from roboskill.agents.offline.parser import _noun_table

    words = {w for noun, _ in _noun_table(types) for w in noun.split() if len(w) > 2}
    return words | {w.split("'")[0] for w in words if "'" in w}  # "rubik" of "rubik's cube": the phrase regex stops at '



def unknown_objects(text: str, types: list[Any]) -> list[str]:
    """Noun phrases after an article that name nothing the simulator can build ("the banana")."""
    unknown = []
    known = known_words(types)
    for m in re.finditer(r"\b(?:the|a|an|its|this|that|some)\s+((?:[a-z-]+\s+){0,2}[a-z-]+)", text.lower()):
        phrase = m.group(1)
        words = phrase.split()
        if words[0] in _NOT_OBJECTS or not any(w.isalpha() for w in words):
            continue
        if _find_objects(phrase, types) or any(w in known for w in words):
            continue
        head = next((w for w in words if w not in _NOT_OBJECTS and w not in COLORS and w not in SIZES
                     and w.isalpha() and len(w) > 2), None)
        if head is not None:
            unknown.append(phrase)
    return unknown


def _goal_object(ref: ObjRef) -> dict[str, Any]:
    words = " ".join(w for w in (ref.size, ref.color, ref.type.noun) if w)
    return {"name": ref.scene_name(), "category": category(ref), "description": f"the {words}"}


def _frame_is_the_task(text: str, frame: TaskFrame) -> str | None:
    """Why the parsed frame is NOT what the text asks (None when it is)."""
    raw, _ = _verb(text)
    if raw is None:
        return "no action I can perform is named"
    allowed = set(_SAME_TASK.get(raw, {raw}))
    if frame.articulated() is not None and frame.obj.type.source == "articulated":
        allowed |= {"open", "close", "press", "rotate"} if raw in _ARTICULATED_ALIASES else set()
    if frame.verb not in allowed:
        return f"the instruction asks to {raw.replace('_', ' ')}, which does not apply to the objects it names"
    if raw in ("place", "stack", "put_inside", "arrange") and frame.dest is None:
        return f"'{raw.replace('_', ' ')}' needs a second object, and I found only one I can build"
    return None


def write_goal(context: dict[str, Any]) -> dict[str, Any]:
    """GoalAnswer dict for the goal-writer context (keys per prompts/goal_writer.md)."""
    task = context.get("task") if isinstance(context.get("task"), dict) else {"description": str(context.get("task") or "")}
    text = digits_for_words(task_core(str(task.get("description") or "")))
    text = re.sub(r"\bafter that\b", "then", text, flags=re.IGNORECASE)  # "that" here is no article of an object
    name = task.get("name") if isinstance(task.get("name"), str) else None
    if name and slug_of(name, str(task.get("description") or "")):
        name = None  # `learn` names the user's instruction by its (cut-off) slug: the instruction itself is the task
    types = types_from_catalog(context.get("catalog"))
    lowered = f"{text} {(name or '').replace('_', ' ')}".lower()
    missing = unsupported_words(mask_known_objects(lowered, types))
    if missing:
        what, words = missing
        return refusal(f"This simulator cannot represent {what} ({', '.join(words)}): it has only rigid and "
                       "articulated objects and one arm with a parallel gripper.", words)
    mentions = [r for _, r in _find_objects(text.lower(), types) if r.type_key != "marker"]
    if not mentions and name:
        mentions = [r for _, r in _find_objects(name.replace("_", " "), types) if r.type_key != "marker"]
    if not mentions:
        return refusal("No object in this instruction is one the catalog, a primitive shape or an articulated kind "
                       "can build.", [w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3][-3:])
    strangers = unknown_objects(text, types)
    if strangers:
        return refusal(f"Nothing in the catalog, the primitive shapes or the articulated kinds can stand for "
                       f"{', '.join(repr(s) for s in strangers)}.", strangers)
    frame = parse_record({"name": name, "description": text}, types)
    if frame is not None and frame.then:  # every clause was already read as a task of its own (parse_chain)
        return chain_goal(frame, text)
    source = text.lower() if _verb(text.lower())[0] else (name or "").replace("_", " ")
    why = None if frame is None else _frame_is_the_task(source, frame)
    if frame is None or why:
        return refusal(f"I cannot turn this instruction into a checkable goal: {why or 'unreadable'}.", [])
    return {"goal": goal_from_frame(frame, text)}


def chain_goal(frame: TaskFrame, text: str) -> dict[str, Any]:
    """ONE goal for a chain of steps: every part's end condition, all holding at the end (or a refusal).

    Why the end state only: the judge looks at the world once, after the last step. That is honest exactly
    when each part leaves a lasting trace no later part undoes (`chain_problem`); otherwise the chain is
    refused rather than judged by a weaker goal. The goal vocabulary caps a goal at 8 objects and 8
    conditions; a longer chain is refused too.
    """
    from roboskill.agents.offline.frames import chain_problem

    why = chain_problem(frame)
    if why:
        return refusal(f"I cannot judge this sequence by its end state: {why}.", [])
    objects: list[dict[str, Any]] = []
    conditions: list[dict[str, Any]] = []
    summaries: list[str] = []
    for part in frame.parts():
        goal = goal_from_frame(part, part.text or text)
        for obj in goal["objects"]:
            if obj["name"] not in {o["name"] for o in objects}:
                objects.append(obj)
        conditions += [c for c in goal["conditions"] if c not in conditions]
        summaries.append(goal["summary"].rstrip("."))
    if len(objects) > 8 or len(conditions) > 8:
        return refusal("This sequence needs more than 8 objects or end conditions, more than one goal can check.", [])
    summary = "; then ".join([summaries[0]] + [t[:1].lower() + t[1:] for t in summaries[1:]]) + "."
    if len(summary) > 300:
        summary = summary[:297].rstrip() + "..."
    action = "chain_" + "_".join(p.verb for p in frame.parts())
    return {"goal": {"action": action[:64], "summary": summary, "objects": objects, "conditions": conditions,
                     "at_rest": True}}


def turn_direction(obj: ObjRef, text: str) -> str:
    """Which way a knob or lever must turn: a knob's joint grows counter-clockwise seen from above; a lever's grows
    as its handle tips forward (+x, away from the robot)."""
    lowered = text.lower()
    if obj.type.key == "knob":
        if re.search(r"\b(counter-?clockwise|anti-?clockwise)\b", lowered):
            return "open"
        if re.search(r"\bclockwise\b", lowered):
            return "close"
    if obj.type.key == "lever":
        if re.search(r"\b(forward|forwards|away from the robot|up)\b", lowered):
            return "open"
        if re.search(r"\b(back|backward|backwards|towards? the robot|down)\b", lowered):
            return "close"
    return "either"


def goal_from_frame(frame: TaskFrame, text: str) -> dict[str, Any]:
    """The Goal dict for a frame; amounts the text states win over defaults."""
    amounts = _amounts(text.lower())
    obj, dest = frame.obj, frame.dest
    objects = [_goal_object(obj)] + ([_goal_object(dest)] if dest is not None else [])
    o = obj.scene_name()
    v = frame.verb
    conds: list[dict[str, Any]]
    if v == "pick":
        conds = [{"kind": "lifted", "object": o, "height": 0.05}]
        summary = f"The {obj.type.noun} is picked up, at least 5 cm above where it started."
    elif v == "lift":
        h = min(0.3, amounts.get("metres", 0.08))
        conds = [{"kind": "lifted", "object": o, "height": round(h, 3)}]
        summary = f"The {obj.type.noun} is held at least {h * 100:.0f} cm above where it started."
    elif v in ("place", "stack"):
        assert dest is not None
        if re.search(rf"\b{re.escape(obj.type.noun)}\b[^,.;:]*\b(at the bottom|underneath|below)\b", text.lower()):
            obj, dest = dest, obj  # "red block at the bottom, blue block on it": the blue block goes on top
            o = obj.scene_name()
        conds = [{"kind": "on", "object": o, "support": dest.scene_name()}]
        summary = f"The {obj.type.noun} rests on the {dest.type.noun}."
    elif v == "put_inside":
        assert dest is not None
        container = dest.scene_name()
        if dest.type.key == "drawer_cabinet":
            container = dest.joint_name() or f"{container}.drawer_0"
        conds = [{"kind": "inside", "object": o, "container": container}]
        if frame.then_close and dest.joint_name():
            conds.append({"kind": "joint_fraction", "joint": dest.joint_name(), "at_most": 0.15})
        summary = f"The {obj.type.noun} is inside the {dest.type.noun}" + (" and it is closed." if frame.then_close else ".")
    elif v in ("open", "close") and ("metres" in amounts or "radians" in amounts):
        joint = obj.joint_name()
        stated = amounts.get("metres", amounts.get("radians", 0.0))
        unit = "cm" if "metres" in amounts else "degrees"
        shown = stated * 100 if unit == "cm" else math.degrees(stated)
        conds = [{"kind": "joint_moved", "joint": joint, "amount": round(0.95 * stated, 4), "direction": v}]
        summary = f"The {obj.type.noun} is {'opened' if v == 'open' else 'closed'} by at least {shown:.0f} {unit}."
    elif v in ("open", "close"):
        joint = obj.joint_name()
        frac = amounts.get("fraction")
        if v == "close":
            conds = [{"kind": "joint_fraction", "joint": joint, "at_most": 0.1}]
        elif frac is not None and frac < 0.8:
            conds = [{"kind": "joint_fraction", "joint": joint, "at_least": round(max(0.1, frac - 0.15), 2)},
                     {"kind": "joint_fraction", "joint": joint, "at_most": round(min(1.0, frac + 0.25), 2)}]
        else:
            conds = [{"kind": "joint_fraction", "joint": joint, "at_least": 0.85 if frac else 0.6}]
        summary = f"The {obj.type.noun} is {'closed' if v == 'close' else 'open'}."
    elif v == "press" and re.search(r"\b(hold|holding|keep|keeps|stay|stays|remain)\b", text.lower()):
        conds = [{"kind": "joint_fraction", "joint": obj.joint_name(), "at_least": 0.6}]
        summary = f"The {obj.type.noun} is held down, at least 60 % of its travel, at the end."
    elif v == "press":
        conds = [{"kind": "joint_reached", "joint": obj.joint_name(), "at_least": 0.6}]
        summary = f"The {obj.type.noun} was pressed down at least 60 % of its travel."
    elif v == "rotate":
        stated = amounts.get("radians")
        default = 0.4 if obj.type.key == "lever" else math.pi / 3
        angle = min(2 * math.pi, 0.9 * stated) if stated else default
        conds = [{"kind": "joint_moved", "joint": obj.joint_name(), "amount": round(angle, 3),
                  "direction": turn_direction(obj, text)}]
        summary = f"The {obj.type.noun} is turned by at least {math.degrees(angle):.0f} degrees."
    elif v in ("push", "slide") and frame.relation == "target":
        objects.append({"name": MARKER_NAME, "category": "cylinder", "description": "a flat goal marker on the table"})
        conds = [{"kind": "near", "object": o, "target": MARKER_NAME, "radius": 0.05}]
        summary = f"The {obj.type.noun} is within 5 cm of the target marker."
    elif v in ("push", "slide") and frame.relation in ("left", "right", "forward", "backward"):
        dist = min(0.4, amounts.get("metres", 0.10))
        conds = [{"kind": "displaced", "object": o, "direction": frame.relation, "distance": round(dist, 3),
                  "tolerance": 0.02}]
        if not re.search(r"\b(at least|or more|more than|further than)\b", text.lower()):
            # "push it 10 cm" means about 10 cm: neither a long overshoot nor a drift far off the line
            conds[0].update(max_distance=round(1.5 * dist, 3), max_sideways=round(0.5 * dist + 0.02, 3))
        summary = f"The {obj.type.noun} moved {frame.relation} by about {dist * 100:.0f} cm."
    elif v == "push" and dest is not None:
        conds = [{"kind": "near", "object": o, "target": dest.scene_name(), "radius": 0.10}]
        summary = f"The {obj.type.noun} is pushed to within 10 cm of the {dest.type.noun}."
    elif v == "arrange" and dest is not None and re.search(r"\b(next to|beside|by)\b", text.lower()):
        conds = [{"kind": "near", "object": o, "target": dest.scene_name(), "radius": 0.15}]
        summary = f"The {obj.type.noun} stands next to the {dest.type.noun} (centres within 15 cm)."
    elif v == "arrange" and dest is not None:
        conds = [{"kind": "relation", "object": o, "relation": frame.relation or "left_of", "reference": dest.scene_name()}]
        summary = f"The {obj.type.noun} stands {(frame.relation or 'left_of').replace('_', ' ')} the {dest.type.noun}."
    else:  # reach
        conds = [{"kind": "ee_near", "target": o, "radius": 0.05}]
        summary = f"The gripper is within 5 cm of the {obj.type.noun}."
    if re.search(r"\b(upright|standing up|right way up)\b", text.lower()) and not any(c["kind"] == "toppled" for c in conds):
        conds.append({"kind": "upright", "object": o})
    action = v
    return {"action": action, "summary": summary, "objects": objects, "conditions": conds, "at_rest": True}
