"""The offline proposer: sample task frames from the grammar, score them against the library, realise one.

Why sample-and-score: a grammar over verbs x objects x relations has hundreds of signatures; sampling
a few dozen with the seeded RNG and scoring them (novelty against learned / failed / rejected
signatures, user directives, the curriculum's difficulty, the previous proposal's novelty feedback)
gives a different, defensible task for every attempt while staying deterministic for one prompt.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from typing import Any

from roboskill.agents.offline import grammar
from roboskill.agents.offline.contexts import CONTEXTS
from roboskill.agents.offline.frames import DIRECTIONS, RELATIONS, ObjRef, TaskFrame
from roboskill.agents.offline.parser import parse_record
from roboskill.agents.offline.scenarios import DOMAINS
from roboskill.agents.offline.vocab import COLORS, SIZES, ObjectType, types_from_catalog

_VERB_WEIGHTS = {"pick": 1.0, "lift": 1.0, "place": 1.2, "push": 1.2, "slide": 0.9, "stack": 1.0, "open": 1.3,
                 "close": 1.1, "press": 0.8, "rotate": 0.9, "put_inside": 1.3, "reach": 0.4, "arrange": 0.8}
_STACKABLE = ("block", "brick", "cube", "jenga", "lego")
_TOPIC_WORDS = {  # directive subject words -> what they select
    "articulated": {"source": "articulated"}, "articulation": {"source": "articulated"},
    "furniture": {"source": "articulated"}, "cabinet": {"types": ("drawer_cabinet", "door_cabinet")},
    "stacking": {"verbs": ("stack",)}, "stack": {"verbs": ("stack",)}, "pushing": {"verbs": ("push", "slide")},
    "grasping": {"verbs": ("pick", "lift")}, "picking": {"verbs": ("pick", "lift")},
    "containers": {"verbs": ("put_inside",)}, "container": {"verbs": ("put_inside",)},
    "placing": {"verbs": ("place", "arrange")}, "pressing": {"verbs": ("press",)},
    "rotating": {"verbs": ("rotate",)}, "turning": {"verbs": ("rotate",)}, "opening": {"verbs": ("open",)},
    "closing": {"verbs": ("close",)}, "sliding": {"verbs": ("slide",)}, "primitives": {"source": "primitive"},
    "assets": {"source": "asset"},
}


def _matches(frame: TaskFrame, subject: str) -> bool:
    """Does a directive subject ("mug", "articulated objects", "stacking", "drawer") concern this frame?"""
    subject = subject.lower().strip()
    if not subject:
        return False
    refs = [frame.obj] + ([frame.dest] if frame.dest is not None else [])
    words = set(re.findall(r"[a-z]+", subject))
    for word in words | {subject}:
        sel = _TOPIC_WORDS.get(word) or _TOPIC_WORDS.get(word.rstrip("s"))
        if sel:
            if "source" in sel and any(r.type.source == sel["source"] for r in refs):
                return True
            if "types" in sel and any(r.type_key in sel["types"] for r in refs):
                return True
            if "verbs" in sel and (frame.verb in sel["verbs"] or any(s in sel["verbs"] for s in frame.steps)):
                return True
    domains = {grammar.object_domain(ref) for ref in refs}
    if words & {d.replace("_", " ") for d in domains if d} or subject in domains:
        return True
    verb_words = {frame.verb, frame.verb.replace("_", " "), *frame.steps}
    if words & verb_words or subject in verb_words:
        return True
    for ref in refs:
        t = ref.type
        names = {t.key, t.family, t.key.replace("_", " "), *(n for n in t.nouns), *(t.key.split("_"))}
        if ref.color:
            names.add(ref.color)
        if subject in names or words & {n for n in names if " " not in n}:
            return True
    return False


def _directives(context: dict[str, Any]) -> tuple[list[str], list[str], int]:
    """(focus subjects, avoid subjects, difficulty shift) from context['directives']."""
    focus, avoid, shift = [], [], 0
    for d in context.get("directives") or []:
        if not isinstance(d, dict):
            continue
        kind = str(d.get("kind", "other"))
        subject = str(d.get("subject") or d.get("text") or "")
        if kind == "focus":
            focus.append(subject)
        elif kind == "avoid":
            avoid.append(subject)
        elif kind == "difficulty":
            text = (subject + " " + str(d.get("text", ""))).lower()
            shift += -1 if re.search(r"\b(easier|simpler|easy|lower)\b", text) else 1
        else:
            text = str(d.get("text", "")).lower()
            if m := re.search(r"\b(?:no|avoid|without|never)\b\s+(?:the\s+|any\s+)?([a-z]+)", text):
                avoid.append(m.group(1))
            if m := re.search(r"\b(?:focus on|more|only)\b\s+(?:the\s+)?([a-z ]+)", text):
                focus.append(m.group(1))
    return focus, avoid, shift


def _choose(rng: random.Random, types: list[ObjectType], pred) -> ObjectType | None:
    pool = [t for t in types if pred(t)]
    return pool[rng.randrange(len(pool))] if pool else None


def _ref(rng: random.Random, t: ObjectType, avoid_color: str | None = None) -> ObjRef:
    color = None
    if t.colorable:
        colors = [c for c in COLORS if c != avoid_color]
        color = colors[rng.randrange(len(colors))]
    size = None
    if t.source == "primitive" and not t.domain and rng.random() < 0.25:  # a "large lemon" would not grip
        size = list(SIZES)[rng.randrange(len(SIZES))]
    joint = None
    if t.source == "articulated" and t.joints:
        n = int(t.params.get("n_drawers", 1)) if t.key == "drawer_cabinet" else 1
        joint = t.joints[rng.randrange(min(n, len(t.joints)))]
    return ObjRef(t.key, color=color, size=size, joint=joint)


def _mat_like(t: ObjectType) -> bool:
    """A thin, wide surface something can be pushed onto (plate, chopping board, saucer, notebook)."""
    if not t.surface or t.graspable or t.source != "primitive" or t.half_height > 0.012 or not t.size:
        return False
    return (t.size[0] if t.shape != "box" else min(t.size[0], t.size[1])) >= 0.12  # full extents: 12 cm across


def frame_domain_of(frame: TaskFrame) -> str:
    """Domain of a frame for curriculum balance (the object's, else the destination's)."""
    for ref in (frame.obj, frame.dest):
        if ref is not None and (dom := grammar.object_domain(ref)):
            return dom
    return ""


def sample_frame(rng: random.Random, types: list[ObjectType], verb: str) -> TaskFrame | None:
    """One random frame for `verb` built from the available object types (None if none fit)."""
    movable = lambda t: t.source != "articulated"  # noqa: E731
    grasp = lambda t: movable(t) and t.graspable and verb in t.verbs  # noqa: E731
    if verb in ("pick", "lift", "reach"):
        t = _choose(rng, types, grasp if verb != "reach" else movable)
        if t is None:
            return None
        amount = round(rng.choice((0.1, 0.12, 0.15, 0.2)), 2) if verb == "lift" else None
        return TaskFrame(verb, _ref(rng, t), amount=amount, difficulty=1 if verb != "lift" else 2)
    if verb in ("place", "stack", "arrange"):
        if verb == "stack":
            t = _choose(rng, types, lambda t: (t.key in _STACKABLE or t.stackable) and t.graspable)
            d = _choose(rng, types, lambda t: (t.key in _STACKABLE or t.stackable) and t.surface)
        else:
            t = _choose(rng, types, lambda t: movable(t) and t.graspable)
            d = _choose(rng, types, (lambda t: movable(t) and t.surface) if verb == "place" else movable)
        if t is None or d is None:
            return None
        obj = _ref(rng, t)
        dest = _ref(rng, d, avoid_color=obj.color)
        if d.key == t.key and not (obj.color and dest.color):
            return None
        relation = RELATIONS[rng.randrange(len(RELATIONS))] if verb == "arrange" else None
        return TaskFrame(verb, obj, dest=dest, relation=relation, difficulty=3 if verb != "place" else 2)
    if verb == "put_inside":
        c = _choose(rng, types, lambda t: t.container)
        if c is None:
            return None
        small = c.key == "mug"
        low = c.key in ("lid_box", "drawer_cabinet")  # must still shut over it
        t = _choose(rng, types, lambda t: grasp(t) and "put_inside" in t.verbs and not t.container
                    and (not small or t.small or t.key in ("ball", "peg", "sphere", "lego", "cube"))
                    and (not low or t.half_height <= 0.045))
        if t is None:
            return None
        frame = TaskFrame("put_inside", _ref(rng, t), dest=_ref(rng, c), difficulty=2)
        if c.source == "articulated":
            roll = rng.random()
            if roll < 0.4:
                frame.steps = ["open"]
            if roll < 0.15:
                frame.then_close = True
            frame.difficulty = 2 + len(frame.steps) + int(frame.then_close)
        return frame
    if verb in ("push", "slide"):
        t = _choose(rng, types, lambda t: movable(t) and verb in t.verbs)
        if t is None:
            return None
        obj = _ref(rng, t)
        roll = rng.random()
        if verb == "push" and roll < 0.35:
            return TaskFrame("push", obj, relation="target", difficulty=2)
        if verb == "push" and roll < 0.5:
            d = _choose(rng, types, _mat_like)
            if d is not None:
                return TaskFrame("push", obj, dest=_ref(rng, d, avoid_color=obj.color), difficulty=3)
        direction = list(DIRECTIONS)[rng.randrange(len(DIRECTIONS))]
        return TaskFrame(verb, obj, relation=direction, amount=rng.choice((0.1, 0.12, 0.15, 0.2)), difficulty=2)
    if verb in ("open", "close", "press", "rotate"):
        t = _choose(rng, types, lambda t: t.source == "articulated" and verb in t.verbs)
        if t is None:
            return None
        ref = _ref(rng, t)
        amount = None
        if verb == "open":
            amount = rng.choice((0.5, 0.9, 0.9))
        elif verb == "rotate" and t.key == "knob":
            amount = math.radians(rng.choice((45, 60, 90, 90, 120)))
        return TaskFrame(verb, ref, amount=amount, difficulty=2 if verb in ("open", "close") else 1)
    return None


def _used_words(context: dict[str, Any]) -> set[str]:
    used: set[str] = set()
    for rec in (context.get("learned_skills") or []) + (context.get("rejected") or []):
        if isinstance(rec, dict):
            used |= set(re.findall(r"[a-z']{4,}", str(rec.get("description", "")).lower()))
    return used


def _least_used(options: tuple[str, ...], used: set[str], rng: random.Random) -> str:
    """The clause whose words the learned skills' descriptions use least (random among ties)."""
    scored = sorted((len(set(re.findall(r"[a-z']{4,}", c.lower())) & used), rng.random(), c) for c in options)
    return scored[0][2]


def _pick_context(context: dict[str, Any], rng: random.Random) -> str:
    """A place clause whose words the learned skills' descriptions do not use yet (least overlap)."""
    return _least_used(CONTEXTS, _used_words(context), rng)


def _grams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+|[.,]", text.lower())
    return {tuple(words[i:i + n]) for n in (2, 3, 4) for i in range(len(words) - n + 1)}


def _semantic_similarity(options: list[str], library: list[str]) -> list[float]:
    """Mean MiniLM cosine of each option to the library's descriptions (zeros without the model).

    Why the memory's embedder: n-gram overlap only sees shared wording, while two sentences about the
    same kind of scene read alike to a reader (and to the novelty gate) in any words. An LLM asked for
    a novel task weighs meaning; this lets the procedural model do the same with the model it ships.
    """
    if not options or not library:
        return [0.0] * len(options)
    import numpy as np

    try:  # the 200 latest skills: the library's recent tail is what a new proposal is compared with
        from roboskill.memory.embed import embed_query

        lib = np.stack([embed_query(t) for t in library[-200:]])
        opts = np.stack([embed_query(t) for t in options])
    except Exception:  # noqa: BLE001 - no embedding model (e.g. a stripped install): wording by n-grams only
        return [0.0] * len(options)
    return [float(v) for v in (opts @ lib.T).mean(axis=1)]


SEMANTIC_WEIGHT = 1.5
"""Weight of meaning (mean cosine to the library) against wording (shared 2-4-gram fraction) when
choosing a phrasing. Measured on the diversity bench (100 tasks, seed 0) with 20 phrasings: n-grams
only gave Self-BLEU 0.229 / MiniLM similarity 0.203; weight 1.5 gives 0.269 / 0.154; 3.0 gives
0.306 / 0.157 (wording starts to repeat)."""


def _fresh_description(frame: TaskFrame, context: dict[str, Any], rng: random.Random, n: int = 20) -> str:
    """Of `n` phrasings, the one least like the library: fewest shared 2-4-grams plus least meaning.

    Each phrasing picks its nouns, then a place and (mostly) a situation of the domain those nouns
    belong to that the library's descriptions use least (scenarios.py; the generic `CONTEXTS` when
    the domain has none), and often a reason tied to the object. Why: the library is what the
    curriculum's diversity is measured over; wording and setting the new task unlike the ones already
    there keeps the curriculum varied. The task itself (verb, objects, amounts) never changes.
    """
    used: set[tuple[str, ...]] = set()
    for rec in (context.get("learned_skills") or []) + (context.get("rejected") or []):
        if isinstance(rec, dict):
            used |= _grams(str(rec.get("description", "")))
    library = [str(r["description"]) for r in context.get("learned_skills") or []
               if isinstance(r, dict) and r.get("description")]
    words = _used_words(context)
    options = []
    for _ in range(n):
        nouns = grammar.frame_nouns(frame, rng)
        dom = DOMAINS.get(grammar.frame_domain(frame, nouns) or "")
        place = _least_used(dom.places, words, rng) if dom else _least_used(CONTEXTS, words, rng)
        situation = _least_used(dom.situations, words, rng) if dom and rng.random() < 0.7 else None
        purposes = grammar.frame_purposes(frame, nouns)
        purpose = _least_used(purposes, words, rng) if purposes and rng.random() < 0.85 else None
        options.append(grammar.describe(frame, rng, place, situation, nouns, purpose))
    meaning = _semantic_similarity(options, library)
    scores = [len(_grams(d) & used) / max(len(_grams(d)), 1) + SEMANTIC_WEIGHT * m for d, m in zip(options, meaning)]
    return options[min(range(n), key=lambda i: (scores[i], i))]


def propose(context: dict[str, Any], rng: random.Random, n_samples: int = 80) -> dict[str, Any]:
    """A TaskProposal dict for the proposer context (keys per prompts/proposer.md)."""
    types = types_from_catalog(context.get("catalog"))
    kinds = context.get("articulated_kinds")
    if isinstance(kinds, list) and kinds:
        allowed = {str(k) for k in kinds}
        types = [t for t in types if t.source != "articulated" or t.key in allowed]
    learned = [f for f in (parse_record(r, types) for r in context.get("learned_skills") or []) if f]
    failed = [f for f in (parse_record(r, types) for r in context.get("failed_tasks") or []) if f]
    rejected = [f for f in (parse_record(r, types) for r in context.get("rejected") or []) if f]
    blocked = {f.signature() for f in learned + failed + rejected}
    learned_names = {str(r.get("name")) for r in context.get("learned_skills") or [] if isinstance(r, dict)}
    verb_count = Counter(f.verb for f in learned)
    fam_count = Counter(fam for f in learned for fam in f.families())
    dom_count = Counter(frame_domain_of(f) for f in learned)
    focus, avoid, shift = _directives(context)

    # novelty feedback names the nearest existing skills: steer away from their verbs and objects
    near_frames: list[TaskFrame] = []
    feedback = context.get("novelty_feedback")
    if feedback:
        text = str(feedback)
        near_frames.append(parse_record(text, types))
        for tok in re.findall(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+", text):
            near_frames.append(parse_record({"name": tok, "description": tok.replace("_", " ")}, types))
    near_frames = [f for f in near_frames if f is not None]
    near_verbs = {f.verb for f in near_frames}
    near_fams = {fam for f in near_frames for fam in f.families()}

    target = 1 + min(3, len(learned) // 3) + shift
    target = max(1, min(5, target))
    verbs = list(_VERB_WEIGHTS)
    best: tuple[float, TaskFrame] | None = None
    seen: set[str] = set()
    for _ in range(n_samples):
        verb = rng.choices(verbs, weights=[_VERB_WEIGHTS[v] for v in verbs])[0]
        frame = sample_frame(rng, types, verb)
        if frame is None:
            continue
        sig = frame.signature()
        if sig in blocked or sig in seen:
            continue
        seen.add(sig)
        if any(_matches(frame, a) for a in avoid if a):
            continue
        score = rng.random() * 1.5
        if focus:
            score += 4.0 if any(_matches(frame, f) for f in focus if f) else 0.0
        score += 1.5 if verb_count[frame.verb] == 0 else -0.4 * verb_count[frame.verb]
        score += 1.0 if not (frame.families() & set(fam_count)) else 0.0
        score -= 0.6 * abs(frame.difficulty - target)
        score -= 0.25 * dom_count[frame_domain_of(frame)]  # spread the curriculum over kitchens, labs, garages...
        score -= 0.6 * sum(fam_count[f] for f in frame.families())  # a new object reads as a new task
        if near_frames:  # the last proposal was "too similar": move to fresh verbs and objects
            score -= 3.0 * (frame.verb in near_verbs) + 2.0 * bool(frame.families() & near_fams)
            score += 2.0 * (verb_count[frame.verb] == 0) + 2.0 * (not frame.families() & set(fam_count))
            score -= 0.5 * sum(fam_count[f] for f in frame.families())
        if best is None or score > best[0]:
            best = (score, frame)
    chain = _best_chain(context, rng, learned, blocked | seen, focus, avoid, target, near_verbs)
    if chain is not None and (best is None or chain[0] > best[0]):
        best = chain
    if best is None:  # everything is learned or avoided: fall back to a harder composition
        frame = TaskFrame("put_inside", ObjRef("block", color="red"), dest=ObjRef("drawer_cabinet", joint="drawer_0"),
                          steps=["open"], then_close=True, difficulty=4)
    else:
        frame = best[1]
    frame.difficulty = max(1, min(5, frame.difficulty + max(0, shift)))
    name = grammar.task_name(frame)
    if name in learned_names:
        name = f"{name[:75].rstrip('_')}_v{rng.randrange(2, 99)}"
    nearest = [f"{f.verb}:{f.obj.family}" for f in learned if f.verb == frame.verb or f.families() & frame.families()]
    objects = []
    for ref in frame.refs():
        key = ref.type.asset or ref.type.articulation or ref.type_key
        if key not in objects:
            objects.append(key)
    if frame.then:
        from roboskill.agents.offline.chains import chain_rationale

        description = _chain_description(frame, context, rng)
        rationale = chain_rationale(frame, {f.signature() for f in learned})
    else:
        description = _fresh_description(frame, context, rng)
        rationale = grammar.rationale(frame, dict(fam_count), dict(verb_count), nearest)
    return {
        "name": name,
        "description": description,
        "rationale": rationale,
        "subtasks": grammar.subtasks(frame, rng),
        "objects": objects,
        "difficulty": frame.difficulty,
    }


#: How strongly a chain whose steps the library can already do is preferred (times the learnable share).
CHAIN_LEARNABLE_WEIGHT = 3.0
#: Most share of the library chains may make up before the proposer goes back to new single skills — the parts
#: of tomorrow's chains (and what keeps the curriculum's verbs and objects varied).
CHAIN_SHARE_MAX = 0.3
#: Penalty per earlier chain that already used one of this chain's parts (spread chains over the library).
PART_REUSE_PENALTY = 0.7
#: A chain is proposed only when at least this share of its steps is learned ("learnable now").
MIN_LEARNABLE = 0.5


def _best_chain(context: dict[str, Any], rng: random.Random, learned: list[TaskFrame], blocked: set[str],
                focus: list[str], avoid: list[str], target: int,
                near_verbs: set[str]) -> tuple[float, TaskFrame] | None:
    """The best-scoring long-horizon task built from the library (chains.py), or None.

    Scored like single tasks (seeded noise, focus, difficulty against the curriculum's target) plus how much of
    it is learnable now (its steps are learned skills) and minus how often earlier chains used its parts. Chains
    are offered while they make up less than `CHAIN_SHARE_MAX` of the library, so every few tasks once the parts
    exist, and their length grows with the library: three-part chains only once six single skills exist.
    """
    from roboskill.agents.offline.chains import chain_candidates, learnable_fraction

    singles = [f for f in learned if not f.then]
    chains = [f for f in learned if f.then]
    if len(singles) < 2 or len(chains) >= CHAIN_SHARE_MAX * (len(learned) + 1):
        return None
    learned_sigs = {f.signature() for f in learned}
    done = {"|".join(sorted(p.signature() for p in c.parts())) for c in chains}  # the same parts in another order
    used = Counter(p.signature() for c in chains for p in c.parts())
    best: tuple[float, TaskFrame] | None = None
    for chain in chain_candidates(rng, learned):
        parts = chain.parts()
        if chain.signature() in blocked or (len(parts) > 2 and len(singles) < 6):
            continue
        if "|".join(sorted(p.signature() for p in parts)) in done:
            continue
        if any(_matches(p, a) for p in parts for a in avoid if a):
            continue
        frac = learnable_fraction(chain, learned_sigs)
        if frac < MIN_LEARNABLE:
            continue
        score = rng.random() * 1.5 + CHAIN_LEARNABLE_WEIGHT * frac + (1.0 if frac >= 1.0 else 0.0)
        if focus:
            score += 4.0 if any(_matches(p, f) for p in parts for f in focus if f) else 0.0
        score -= 0.6 * abs(chain.difficulty - target)
        score -= PART_REUSE_PENALTY * sum(used[p.signature()] for p in parts)
        if near_verbs:  # the last proposal was "too similar": a chain of the same verbs would be too
            score -= 3.0 * bool({p.verb for p in parts} & near_verbs)
        if best is None or score > best[0]:
            best = (score, chain)
    return best


def _chain_description(frame: TaskFrame, context: dict[str, Any], rng: random.Random, n: int = 8) -> str:
    """Of `n` phrasings of a chain, the one sharing the fewest 2-4-grams with the library's descriptions; at most
    a place clause is added (a reason or situation could read as one more step)."""
    used: set[tuple[str, ...]] = set()
    for rec in (context.get("learned_skills") or []) + (context.get("rejected") or []):
        if isinstance(rec, dict):
            used |= _grams(str(rec.get("description", "")))
    words = _used_words(context)
    options = []
    for _ in range(n):
        nouns = grammar.frame_nouns(frame, rng)
        dom = DOMAINS.get(grammar.frame_domain(frame, nouns) or "")
        place = (_least_used(dom.places, words, rng) if dom else _least_used(CONTEXTS, words, rng)) \
            if rng.random() < 0.7 else None
        options.append(grammar.chain_sentence(frame, rng, place))
    scores = [len(_grams(d) & used) / max(len(_grams(d)), 1) for d in options]
    return options[min(range(n), key=lambda i: (scores[i], i))]
