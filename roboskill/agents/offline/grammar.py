"""Surface realisation: turn a `TaskFrame` into a task name, one-sentence description and sub-tasks.

Why so many templates: the curriculum's descriptions are measured for diversity (Self-BLEU and
pairwise MiniLM similarity over 100 proposals, issue 9), and they are what the skill library embeds.
Each verb has several sentence shapes, each object several nouns, and each object's domain a pool
of places and situations (scenarios.py: "in the chemistry lab", "before the experiment starts");
one is picked per proposal with the seeded RNG. Settings are tied to the object and neutral to the
verb, never random text, so two descriptions of the same skill stay close in meaning and the
library's novelty check still works.
"""

from __future__ import annotations

import math
import random
import re

from roboskill.agents.offline.frames import TaskFrame, ObjRef
from roboskill.agents.offline.scenarios import DOMAINS, FAMILY_DOMAINS, NOUN_DOMAINS, PURPOSES

_DIR_WORDS = {
    "left": ("to the left", "leftwards", "toward the left edge", "to its left"),
    "right": ("to the right", "rightwards", "toward the right edge", "to its right"),
    "forward": ("forward", "away from the robot", "further from the base", "toward the far side"),
    "backward": ("backward", "toward the robot", "closer to the base", "toward the near side"),
}
_REL_WORDS = {
    "left_of": ("to the left of", "on the left side of", "just left of"),
    "right_of": ("to the right of", "on the right side of", "just right of"),
    "front_of": ("in front of", "ahead of", "on the far side of"),
    "behind": ("behind", "between the robot and", "on the near side of"),
}

_GENERIC_SETTINGS = ("at the workbench", "in the laboratory", "on the assembly line")


def _pick(rng: random.Random, options: tuple[str, ...] | list[str]) -> str:
    return options[rng.randrange(len(options))]


def object_phrase(ref: ObjRef, rng: random.Random, *, article: str | None = None, noun: str | None = None) -> str:
    """'the small red block', 'that rubber duck', 'the top drawer of the cabinet', 'the bottom desk drawer'.

    `noun` fixes the noun (the describer picks it together with the setting); default: a random one.
    """
    t = ref.type
    noun = noun or _pick(rng, t.nouns)
    if article is None:  # "a lemon" reads as naturally as "the lemon"; articulated things are one of a kind
        article = _pick(rng, ("the", "the", "that", "this") + (() if t.source == "articulated" or ref.size else ("a", "a")))
    if article == "a" and re.match(r"[aeiou]", (ref.color if ref.color and t.colorable else noun).lower()):
        article = "an"
    if t.source == "articulated":
        if t.key == "drawer_cabinet":
            idx = int((ref.joint or "drawer_0").rsplit("_", 1)[-1] or 0)
            word = _pick(rng, ("top", "upper") if idx == 0 else ("middle", "second") if idx == 1 else ("bottom", "lowest"))
            if noun in ("drawer", "cabinet drawer"):
                return _pick(rng, (f"{article} {word} drawer of the cabinet", f"{article} {word} drawer",
                                   f"{article} {word} cabinet drawer"))
            return f"{article} {word} {noun}"
        return f"{article} {noun}"
    words = []
    if ref.size:
        words.append(ref.size)
    if ref.color and t.colorable:
        words.append(ref.color)
    words.append(noun)
    return f"{article} " + " ".join(words)


def object_domain(ref: ObjRef) -> str | None:
    """The `scenarios.DOMAINS` key of the object itself: its type's domain, else its family's."""
    return ref.type.domain or FAMILY_DOMAINS.get(ref.family)


def setting_domain(ref: ObjRef, noun: str) -> str | None:
    """The `scenarios.DOMAINS` key a mention of `ref` as `noun` belongs to."""
    return NOUN_DOMAINS.get(noun) or object_domain(ref)


def _cm(metres: float) -> str:
    return f"{round(metres * 100):d} cm"


def _cm_var(metres: float, rng: random.Random) -> str:
    n = round(metres * 100)
    return _pick(rng, (f"{n} cm", f"{n} centimetres", f"{n} cm", f"about {n} cm"))


def _deg(radians: float) -> str:
    return f"{round(math.degrees(radians)):d} degrees"


def _fraction_words(fraction: float, rng: random.Random) -> str:
    if fraction >= 0.85:
        return _pick(rng, ("all the way", "fully", "completely"))
    if fraction <= 0.55:
        return _pick(rng, ("halfway", "part of the way", "partially"))
    return _pick(rng, ("most of the way", "wide", ""))


def _core_sentence(frame: TaskFrame, rng: random.Random, nouns: tuple[str | None, str | None] = (None, None)) -> str:
    """The imperative core of the description (lower-case, no final period); `nouns` fix (object, destination) nouns."""
    o = object_phrase(frame.obj, rng, noun=nouns[0])
    d = object_phrase(frame.dest, rng, noun=nouns[1]) if frame.dest is not None else ""
    v = frame.verb
    amt = frame.amount
    if v == "pick":
        return _pick(rng, (f"pick up {o}", f"grab {o} and hold it", f"grasp {o} and pick it up off the table",
                           f"take hold of {o} and pick it up", f"pluck {o} from the surface", f"collect {o} in the gripper",
                           f"get a firm grip on {o} and pick it up"))
    if v == "lift":
        h = _cm_var(amt or 0.15, rng)
        return _pick(rng, (f"lift {o} {h} above the table", f"raise {o} {h} into the air",
                           f"grasp {o} and hoist it {h} up", f"pick up {o} and hold it {h} high",
                           f"elevate {o} by {h}", f"heave {o} {h} upward and keep it there"))
    if v == "place":
        return _pick(rng, (f"place {o} on {d}", f"put {o} down on top of {d}", f"set {o} onto {d}",
                           f"move {o} over and rest it on {d}", f"transfer {o} onto {d}", f"park {o} on {d}"))
    if v == "stack":
        return _pick(rng, (f"stack {o} on top of {d}", f"build a two-level tower with {o} on {d}",
                           f"balance {o} on {d}", f"stack {o} onto {d}", f"perch {o} atop {d} as a stack",
                           f"pile {o} up on {d}"))
    if v == "arrange":
        rel = _pick(rng, _REL_WORDS[frame.relation or "left_of"])
        return _pick(rng, (f"place {o} {rel} {d}", f"put {o} down {rel} {d}", f"arrange {o} {rel} {d}"))
    if v == "put_inside":
        pre = ""
        if "open" in frame.steps:
            pre = _pick(rng, (f"open {d} and then ", f"pull open {d}, then "))
            d = "it"
        core = _pick(rng, (f"put {o} inside {d}", f"drop {o} into {d}", f"tuck {o} into {d}",
                           f"deposit {o} into {d}", f"stow {o} inside {d}", f"pack {o} into {d}"))
        post = _pick(rng, (" and close it afterwards", " and shut it again")) if frame.then_close else ""
        return pre + core + post
    if v == "push":
        if frame.dest is not None:
            return _pick(rng, (f"push {o} onto {d}", f"nudge {o} over until it sits on {d}",
                               f"shove {o} across the table to {d}", f"push {o} until it covers {d}"))
        if frame.relation == "target":
            return _pick(rng, (f"push {o} onto the green target marker", f"nudge {o} until it rests on the goal spot",
                               f"shove {o} over to the target circle"))
        dist = _cm_var(amt or 0.12, rng)
        dw = _pick(rng, _DIR_WORDS[frame.relation or "left"])
        return _pick(rng, (f"push {o} {dist} {dw}", f"nudge {o} {dw} by {dist}", f"shove {o} {dist} {dw}"))
    if v == "slide":
        if frame.relation == "target":
            return _pick(rng, (f"slide {o} across to the target marker", f"glide {o} onto the goal spot"))
        dist = _cm_var(amt or 0.15, rng)
        dw = _pick(rng, _DIR_WORDS[frame.relation or "right"])
        return _pick(rng, (f"slide {o} {dist} {dw}", f"glide {o} {dw} for {dist} without lifting it",
                           f"drag {o} {dist} {dw} along the tabletop"))
    if v == "open":
        fw = _fraction_words(amt or 0.9, rng)
        fw = f" {fw}" if fw else ""
        return _pick(rng, (f"open {o}{fw}", f"pull {o} open{fw}", f"swing {o} open{fw}" if frame.obj.type.key in
                           ("door_cabinet", "lid_box") else f"slide {o} open{fw}"))
    if v == "close":
        return _pick(rng, (f"close {o}", f"shut {o}", f"push {o} closed", f"close {o} that was left open",
                           f"shut {o} firmly", f"seal {o} shut"))
    if v == "press":
        return _pick(rng, (f"press {o}", f"press {o} firmly", f"tap {o} until it clicks",
                           f"depress {o} with the fingertips", f"hit {o} once"))
    if v == "rotate" and frame.obj.type.key == "lever":
        return _pick(rng, (f"flip {o} over to its other side", f"tip {o} away from the robot",
                           f"throw {o} all the way forward"))
    if v == "rotate":
        ang = _deg(amt or math.pi / 2)
        return _pick(rng, (f"rotate {o} by {ang}", f"turn {o} {ang}", f"twist {o} through {ang}",
                           f"rotate {o} {ang} from its rest position"))
    if v == "reach":
        return _pick(rng, (f"reach over and touch {o}", f"move the gripper just above {o}",
                           f"hover the fingertips over {o}", f"bring the hand close to {o}", f"point the gripper at {o}"))
    raise ValueError(f"unknown verb {v!r}")


def frame_nouns(frame: TaskFrame, rng: random.Random) -> tuple[str, str | None]:
    """The nouns a description uses for the frame's (object, destination)."""
    return _pick(rng, frame.obj.type.nouns), (_pick(rng, frame.dest.type.nouns) if frame.dest is not None else None)


def _mentions(frame: TaskFrame, nouns: tuple[str, str | None]) -> list[tuple[ObjRef, str]]:
    """(object, noun) of each thing the description names: the object, then the destination."""
    return [(frame.obj, nouns[0])] + ([(frame.dest, nouns[1] or frame.dest.type.noun)] if frame.dest is not None else [])


def frame_purposes(frame: TaskFrame, nouns: tuple[str, str | None]) -> tuple[str, ...]:
    """Reasons tied to the task's objects (the articulated noun's, else the object's, else the destination's)."""
    refs = _mentions(frame, nouns)
    for ref, noun in refs:
        if ref.type.source == "articulated" and noun in PURPOSES:
            return PURPOSES[noun]
    for ref, _noun in refs:
        if ref.type.key in PURPOSES:
            return PURPOSES[ref.type.key]
    return ()


def frame_domain(frame: TaskFrame, nouns: tuple[str, str | None]) -> str | None:
    """The setting of a task: the object's domain, else the destination's (a drawer noun, a tray...)."""
    refs = _mentions(frame, nouns)
    arts = [(r, n) for r, n in refs if r.type.source == "articulated"]
    for ref, noun in arts + [rn for rn in refs if rn not in arts]:
        if (ref.type.domain or NOUN_DOMAINS.get(noun)) and (dom := setting_domain(ref, noun)):
            return dom
    for ref, noun in refs:
        if dom := setting_domain(ref, noun):
            return dom
    return None


def describe(frame: TaskFrame, rng: random.Random, context: str | None = None, situation: str | None = None,
             nouns: tuple[str | None, str | None] = (None, None), purpose: str | None = None) -> str:
    """One imperative sentence: the core clause with a place clause and, often, a situation clause.

    `context` is a place ("in the chemistry lab") and `situation` a time ("before the experiment
    starts"), both from the task's domain, and `purpose` why the object matters ("for the enzyme
    assay"), from the object (scenarios.py); the proposer picks ones the library has not used.
    Without a place, one of the domain's (or a generic one) is used.
    """
    core = _core_sentence(frame, rng, nouns)
    if purpose:
        if purpose.startswith("for "):  # most reasons are "for the ...": vary the link so they do not all read alike
            purpose = _pick(rng, ("for", "for", "ready for", "needed for", "to be used for", "in preparation for")) + purpose[3:]
        core = f"{core} {purpose}"
    if context is None:
        dom = DOMAINS.get(frame_domain(frame, (nouns[0] or frame.obj.type.noun, nouns[1])) or "")
        context = _pick(rng, dom.places if dom else _GENERIC_SETTINGS)
    place = context
    if situation and purpose and rng.random() < 0.55:
        place = ""  # the situation and the reason already set the scene; a place too makes a run-on sentence
    if not situation:
        style = rng.randrange(10)
        sentence = (f"{_cap(core)}." if style == 0 or not place else f"{_cap(place)}, {core}." if style < 6
                    else f"{_cap(core)} {place}.")
    elif not place:
        sentence = _pick(rng, (f"{_cap(situation)}, {core}.", f"{_cap(core)} {situation}.", f"{_cap(situation)}: {core}."))
    else:
        sentence = _pick(rng, (
            f"{_cap(core)} {place}.", f"{_cap(place)}, {core}.", f"{_cap(situation)}, {core}.",
            f"{_cap(place)}, {core} {situation}.", f"{_cap(situation)} {place}, {core}.",
            f"{_cap(core)} {place} {situation}.", f"{_cap(situation)}: {core} {place}.",
            f"{_cap(core)} {situation}."))
    return re.sub(r"\s+", " ", sentence)


def _cap(text: str) -> str:
    return f"{text[0].upper()}{text[1:]}" if text else text


def task_name(frame: TaskFrame) -> str:
    """Canonical snake_case name, parseable back into the same frame by `parser.parse_task`.

    A chain's name joins its parts' names with `_then_`, each shortened to fit 80 characters (the description,
    which names every part in full, is what a chain is read from)."""
    if frame.then:
        names = [task_name(p) for p in frame.parts()]
        if len("_then_".join(names)) > 80:  # shorten each part at a word boundary, so every part stays named
            room = (80 - 6 * (len(names) - 1)) // len(names)
            names = [n if len(n) <= room else n[:room].rsplit("_", 1)[0] for n in names]
        return "_then_".join(names)[:80].rstrip("_")
    parts = [frame.verb]
    if frame.steps:
        parts = [*frame.steps, "and", frame.verb]
    obj = frame.obj
    if obj.type.source == "articulated":
        if obj.type.key == "drawer_cabinet":
            idx = int((obj.joint or "drawer_0").rsplit("_", 1)[-1] or 0)
            parts.append({0: "top", 1: "middle"}.get(idx, "bottom"))
        parts.append(obj.type.key)
    else:
        if obj.color and obj.type.colorable:
            parts.append(obj.color)
        parts.append(obj.type.key)
    if frame.relation and frame.verb in ("push", "slide"):
        parts.append("to_target" if frame.relation == "target" else frame.relation)
    if frame.dest is not None:
        parts.append({"put_inside": "into", "arrange": frame.relation or "near"}.get(frame.verb, "on"))
        dest = frame.dest
        if dest.type.key == "drawer_cabinet":
            idx = int((dest.joint or "drawer_0").rsplit("_", 1)[-1] or 0)
            parts.append({0: "top", 1: "middle"}.get(idx, "bottom"))
        if dest.color and dest.type.colorable:
            parts.append(dest.color)
        parts.append(dest.type.key)
    if frame.then_close:
        parts.append("then_close")
    return re.sub(r"[^a-z0-9]+", "_", "_".join(parts).lower()).strip("_")[:80]


def chain_sentence(frame: TaskFrame, rng: random.Random, place: str | None = None) -> str:
    """One imperative sentence naming every part of a chain in order ("Open the top drawer, then push the
    puck 10 cm to the left, and finally stack the red block on the blue block.").

    Why plainer than `describe`: each part must read as a whole task of its own, so the parts are only joined
    by sequencing words (", then", ", and finally") and at most one place clause leads; no reason or
    situation is added that could be read as another step.
    """
    cores = []
    for part in frame.parts():
        core = _core_sentence(part, rng)
        cores.append(core.replace(", then ", " and then "))  # a part's own "X, then Y" is one step here
    if len(cores) == 2:
        body = f"{cores[0]}, {_pick(rng, ('then', 'and then'))} {cores[1]}"
    else:
        body = (f"{_pick(rng, ('', 'first, '))}{cores[0]}, "
                + "".join(f"then {c}, " for c in cores[1:-1]) + f"and finally {cores[-1]}")
    sentence = f"{_cap(place)}, {body}." if place else f"{_cap(body)}."
    return re.sub(r"\s+", " ", sentence)


def subtasks(frame: TaskFrame, rng: random.Random) -> list[str]:
    """Short ordered steps, one per skill-plan sub-task (the reward writer mirrors these)."""
    if frame.then:
        return [step for part in frame.parts() for step in subtasks(part, rng)]
    o = object_phrase(frame.obj, rng)
    d = object_phrase(frame.dest, rng) if frame.dest is not None else ""
    v = frame.verb
    if v in ("pick", "lift"):
        return [f"grasp {o}", f"lift {o} off the table"]
    if v in ("place", "stack", "arrange"):
        return [f"grasp {o}", f"carry {o} and release it {'next to' if v == 'arrange' else 'on'} {d}"]
    if v == "put_inside":
        steps = [f"open {d}"] if "open" in frame.steps else []
        steps += [f"grasp {o}", f"release {o} inside {d}"]
        if frame.then_close:
            steps.append(f"close {d}")
        return steps
    if v in ("push", "slide"):
        return [f"move the gripper behind {o}", f"{'push' if v == 'push' else 'slide'} {o} to the goal"]
    if v in ("open", "close"):
        return [f"reach the handle of {o}", f"{v} {o}"]
    if v == "press":
        return [f"move above {o}", f"press {o} down"]
    if v == "rotate":
        return [f"grip {o}", f"rotate {o}"]
    return [f"reach {o}"]


def rationale(frame: TaskFrame, learned_families: dict[str, int], learned_verbs: dict[str, int],
              nearest: list[str]) -> str:
    """Why the task is novel and useful, stated from what the library holds."""
    verb = frame.verb.replace("_", " ")
    fam = frame.obj.family
    bits = []
    if learned_verbs.get(frame.verb, 0) == 0:
        bits.append(f"the library has no '{verb}' skill yet")
    else:
        bits.append(f"'{verb}' has been learned {learned_verbs[frame.verb]} time(s) but never with a {fam}")
    if learned_families.get(fam, 0) == 0:
        bits.append(f"no learned skill involves a {fam}")
    if nearest:
        bits.append("it differs from the closest learned skills (" + ", ".join(nearest[:3]) + ") in verb or object")
    use = {
        "pick": "grasping is the first step of almost every manipulation chain",
        "lift": "lifting tests a stable grasp under gravity",
        "place": "placing completes pick-and-place chains",
        "stack": "stacking needs precise placement and is the basis of assembly",
        "arrange": "relative placement is needed for arranging and sorting",
        "put_inside": "putting objects into containers is the basis of tidying and storage",
        "push": "pushing moves objects that are awkward to grasp",
        "slide": "sliding controls contact forces along a surface",
        "open": "opening articulated furniture gives access to stored objects",
        "close": "closing articulated objects restores the scene after use",
        "press": "pressing buttons operates appliances",
        "rotate": "rotating knobs and levers controls appliances and valves",
        "reach": "accurate reaching is the prerequisite of every contact skill",
    }[frame.verb]
    return "Novel because " + "; ".join(bits) + f". Useful because {use}."
