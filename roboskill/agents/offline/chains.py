"""Long-horizon tasks built from the library: chains of skills the proposer has already seen learned.

Why: a library pays off when its skills are steps of bigger tasks (Voyager). Once the library holds the parts
— open a drawer, put a block into it, close it; stack; push — the proposer offers tasks that chain them
("open the top drawer, then push the puck 10 cm left, and finally stack the red block on the blue block"):
learnable now, because every part (or most of them) can be reused, yet not learned as a whole (OMNI's
"interesting and learnable"). The parts are copied from learned tasks (same verb, objects, amounts, at most a
new colour), so the reward writer can bind the learned skills to them instead of learning them again.

Each chain has at least three skill-level steps (`TaskFrame.units`), one scene's worth of objects (at most one
piece of furniture, four loose objects, one goal marker) and a goal the vocabulary can judge from the end state
alone (`frames.chain_problem`).
"""

from __future__ import annotations

import copy
import random
from roboskill.agents.offline.frames import LASTING_VERBS, ObjRef, TaskFrame, chain_problem
from roboskill.agents.offline.vocab import COLORS

MIN_UNITS = 3
MAX_LOOSE = 4
MAX_LOOSE_WITH_FURNITURE = 3


def part_signature(frame: TaskFrame) -> str:
    """Signature of one part (no followers)."""
    return frame.parts()[0].signature() if frame.then else frame.signature()


def part_pool(learned: list[TaskFrame]) -> list[TaskFrame]:
    """Single (non-chain) learned tasks, one per signature: what a chain can be built from."""
    pool: dict[str, TaskFrame] = {}
    for f in learned:
        if not f.then:
            pool.setdefault(f.signature(), f)
    return list(pool.values())


def fits_one_scene(frame: TaskFrame) -> bool:
    """At most one articulated object, a few loose objects (fewer next to furniture or with a tray), one goal marker, and no two
    parts that put things onto the same support (the primitive sets both at its centre)."""
    parts = frame.parts()
    arts = {r.scene_name() for r in frame.refs() if r.type.source == "articulated"}
    loose = {r.scene_name() for r in frame.refs() if r.type.source != "articulated"}
    big = any(r.type.key in ("drawer_cabinet", "door_cabinet", "sliding_door") for r in frame.refs())
    markers = sum(1 for p in parts if p.verb in ("push", "slide") and p.relation == "target" and p.dest is None)
    supports = [p.dest.scene_name() for p in parts if p.dest is not None and p.verb in ("place", "stack", "push")]
    arranged = [p.dest.scene_name() for p in parts if p.dest is not None and p.verb == "arrange"]
    from roboskill.agents.offline.scenes import _half_width

    wide = any(_half_width(r) >= 0.09 for r in frame.refs() if r.type.source != "articulated")  # a tray, a book
    room = (MAX_LOOSE_WITH_FURNITURE if big else MAX_LOOSE) - (1 if wide else 0)
    return (len(arts) <= 1 and len(loose) <= room and markers <= 1
            and len(supports) == len(set(supports)) and not (set(arranged) & set(supports)))


def _scene_names_clash(parts: list[TaskFrame]) -> bool:
    """Two parts naming one object, other than a later part building on an earlier part's object as its support
    (the tower: "... then stack the green block on the red block")."""
    seen: dict[str, int] = {}
    for i, p in enumerate(parts):
        for ref in (p.obj, p.dest):
            if ref is None:
                continue
            key = ref.scene_name()
            if key in seen and seen[key] != i:
                earlier = parts[seen[key]]
                if not (ref is p.dest and earlier.obj.scene_name() == key and p.verb in ("stack", "place")):
                    return True
            seen.setdefault(key, i)
    return False


_FURNITURE = ("drawer_cabinet", "door_cabinet", "sliding_door", "lid_box")


def _furniture_order(part: TaskFrame) -> int:
    """0: closes furniture that starts open; 2: leaves furniture open; 1: anything else.

    Why: an open drawer or door reaches far into the workspace and slides shut (or swings) when the hand
    brushes it on the way to another object (seen: the hand grasping a block beside an open top drawer pushed
    it to 0.02-0.12 open in 2 of 4 starts). The proposer writes the task, so it orders independent steps the
    way a person would: shut what stands open first, open things last.
    """
    art = part.articulated()
    if art is None or art.type.key not in _FURNITURE:
        return 1
    if part.verb == "close":
        return 0
    if part.verb == "open" or (part.verb == "put_inside" and not part.then_close):
        return 2
    return 1


def make_chain(parts: list[TaskFrame]) -> TaskFrame | None:
    """A chain frame from copies of `parts`, or None when it is not a good task (too short, clashing objects,
    not one scene, not judgeable from its end state). Independent steps are ordered so furniture stands open
    as briefly as possible (`_furniture_order`); a tower keeps its order (a stable sort, and its parts are not
    furniture)."""
    parts = sorted((copy.deepcopy(p) for p in parts), key=_furniture_order)
    for p in parts:
        p.then = []
    head = parts[0]
    head.then = parts[1:]
    if len(head.units()) < MIN_UNITS or len(parts) < 2 or _scene_names_clash(parts) or not fits_one_scene(head):
        return None
    if chain_problem(head):
        return None
    head.difficulty = min(5, 1 + len(head.units()))
    return head


def _recolored(frame: TaskFrame, rng: random.Random, taken: set[str]) -> TaskFrame:
    """A copy whose colourable objects get colours no other part uses (so two parts never name one object)."""
    out = copy.deepcopy(frame)
    for ref in (out.obj, out.dest):
        if ref is None or not (ref.type.colorable and ref.color):
            continue
        if ref.scene_name() in taken:
            free = [c for c in COLORS if f"{c}_{ref.type.key}" not in taken]
            if free:
                ref.color = free[rng.randrange(len(free))]
    return out


def _compound(rng: random.Random, pool: list[TaskFrame]) -> list[TaskFrame]:
    """"Open X, put Y inside, then close X" for every container joint some learned part acts on."""
    out = []
    for f in pool:
        art = f.articulated()
        if art is None or not art.type.container:
            continue
        if f.verb == "put_inside":
            item = copy.deepcopy(f.obj)
        else:
            item = next((copy.deepcopy(p.obj) for p in pool if p.verb == "put_inside" and p.dest is not None
                         and p.dest.type_key == art.type_key), None)
            if item is None:
                item = ObjRef("block", color=list(COLORS)[rng.randrange(len(COLORS))])
        frame = TaskFrame("put_inside", item, dest=copy.deepcopy(art), steps=["open"], then_close=True, difficulty=4)
        out.append(frame)
    return out


def unit_signatures(frame: TaskFrame) -> list[str]:
    """Signatures of the single tasks that would do each skill-level step of `frame`."""
    sigs = []
    for part in frame.parts():
        if part.verb == "put_inside" and (part.steps or part.then_close) and part.dest is not None:
            art = part.dest
            if "open" in part.steps:
                sigs.append(TaskFrame("open", art).signature())
            sigs.append(TaskFrame("put_inside", part.obj, dest=art).signature())
            if part.then_close:
                sigs.append(TaskFrame("close", art).signature())
        else:
            sigs.append(part.signature())
    return sigs


def learnable_fraction(frame: TaskFrame, learned_sigs: set[str]) -> float:
    """Share of the task's steps the library already has a skill for (a learned compound counts whole)."""
    if frame.then:
        covered = 0
        total = 0
        for part in frame.parts():
            if part.signature() in learned_sigs:
                n = len(unit_signatures(part))
                covered, total = covered + n, total + n
            else:
                sigs = unit_signatures(part)
                covered += sum(s in learned_sigs for s in sigs)
                total += len(sigs)
        return covered / max(total, 1)
    sigs = unit_signatures(frame)
    return sum(s in learned_sigs for s in sigs) / max(len(sigs), 1)


def chain_candidates(rng: random.Random, learned: list[TaskFrame], n: int = 40) -> list[TaskFrame]:
    """Up to `n` sampled long-horizon tasks built from the learned tasks (deduplicated by signature)."""
    pool = part_pool(learned)
    if len(pool) < 2 and not any(f.articulated() is not None and f.articulated().type.container for f in pool):
        return []
    out: dict[str, TaskFrame] = {}
    compounds = _compound(rng, pool)
    for c in compounds:
        out.setdefault(c.signature(), c)
    # a put-inside into furniture that stays open starts with the drawer or lid open: only as part of a compound
    lasting = [f for f in pool if f.verb in LASTING_VERBS and not (f.verb == "put_inside" and f.articulated() is not None
                                                                    and not f.then_close)] + compounds
    for _ in range(n):
        if not lasting:
            break
        k = 3 if rng.random() < 0.5 else 2
        picks: list[TaskFrame] = []
        taken: set[str] = set()
        for _ in range(k):
            options = [f for f in lasting if f not in picks]
            if not options:
                break
            part = _recolored(options[rng.randrange(len(options))], rng, taken)
            taken |= {r.scene_name() for r in (part.obj, part.dest) if r is not None}
            picks.append(part)
        if len(picks) >= 2 and rng.random() < 0.25:  # sometimes end by picking something up (held at the end)
            holders = [f for f in pool if f.verb in ("pick", "lift")]
            if holders:
                picks[-1] = _recolored(holders[rng.randrange(len(holders))], rng,
                                       {r.scene_name() for p in picks[:-1] for r in (p.obj, p.dest) if r is not None})
        stacks = [p for p in picks if p.verb == "stack" and p.obj.type.colorable]
        if stacks and rng.random() < 0.3:  # build a tower on the stacked block with a block of a new colour
            base = stacks[0]
            top = copy.deepcopy(base)
            top.dest = copy.deepcopy(base.obj)
            top.obj = ObjRef(base.obj.type_key, color=None, size=base.obj.size)
            taken = {r.scene_name() for p in picks for r in (p.obj, p.dest) if r is not None}
            free = [c for c in COLORS if f"{c}_{base.obj.type.key}" not in taken]
            if free:
                top.obj.color = free[rng.randrange(len(free))]
                picks.insert(picks.index(base) + 1, top)
                picks = picks[:3]
        chain = make_chain(picks)
        if chain is not None:
            out.setdefault(chain.signature(), chain)
    return list(out.values())


def chain_rationale(frame: TaskFrame, learned_sigs: set[str]) -> str:
    """Why this long-horizon task now: which of its steps the library can already do."""
    sigs = unit_signatures(frame) if not frame.then else [s for p in frame.parts() for s in
                                                         ([p.signature()] if p.signature() in learned_sigs
                                                          else unit_signatures(p))]
    have = [s for s in sigs if s in learned_sigs]
    return (f"Builds on the library: {len(have)} of its {len(sigs)} steps are learned skills "
            f"({', '.join(s.replace(':', ' ') for s in have[:4]) or 'none yet'}) that can be reused as they are; "
            "the task as a whole is not learned yet, so it is learnable now and new. Useful because everyday "
            "chores are sequences of such steps, and the whole is judged by where everything ends up.")


__all__ = ["MIN_UNITS", "chain_candidates", "chain_rationale", "fits_one_scene", "learnable_fraction", "make_chain",
           "part_pool", "unit_signatures"]
