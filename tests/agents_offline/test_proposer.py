"""The proposer grammar: novelty against the library, directives, feedback, and diversity over 100 tasks."""

from __future__ import annotations

import math
import random

import pytest
from collections import Counter

from roboskill.agents.offline.contexts import CONTEXTS
from roboskill.agents.offline.parser import _find_objects, _verb, parse_record, parse_task
from roboskill.agents.offline.proposer import propose
from roboskill.agents.offline.vocab import ALL_TYPES

from .helpers import ask, proposer_context


def _sig(p) -> str:
    return parse_task(p.description, name=p.name, objects=p.objects).signature()


def test_avoids_learned_failed_and_rejected_tasks_by_signature_not_string():
    first = ask("proposer", proposer_context())
    sig = _sig(first)
    # the same task phrased differently (other wording, colour and name) still counts as learned
    frame = parse_task(first.description, name=first.name)
    reworded = {"name": "skill_1", "description": first.description.replace("the ", "that ")}
    assert parse_record(reworded).signature() == frame.signature()
    for key in ("learned_skills", "failed_tasks", "rejected"):
        for seed in range(5):
            p = ask("proposer", proposer_context(**{key: [reworded | {"reason": "x"}]}), seed=seed)
            assert _sig(p) != sig, (key, p.name)


def test_never_reproposes_anything_in_a_growing_library():
    learned: list[dict] = []
    sigs = set()
    for i in range(40):
        p = ask("proposer", proposer_context(learned_skills=list(learned)), seed=i)
        s = _sig(p)
        assert s not in sigs, (i, p.name, s)
        sigs.add(s)
        learned.append({"name": p.name, "description": p.description})


def test_focus_avoid_and_difficulty_directives():
    for seed in range(8):
        p = ask("proposer", proposer_context(directives=[{"kind": "focus", "text": "focus on articulated objects",
                                                          "subject": "articulated objects"}]), seed=seed)
        frame = parse_task(p.description, name=p.name)
        assert frame.articulated() is not None, p.name
        p = ask("proposer", proposer_context(directives=[{"kind": "avoid", "text": "nothing with the mug",
                                                          "subject": "mug"}]), seed=seed)
        assert "mug" not in p.name and "mug" not in p.objects and "mug" not in p.description.lower(), p.name
    easy = [ask("proposer", proposer_context(), seed=s).difficulty for s in range(10)]
    hard = [ask("proposer", proposer_context(directives=[{"kind": "difficulty", "text": "harder", "subject": "harder"}] * 2),
                seed=s).difficulty for s in range(10)]
    assert sum(hard) > sum(easy)


def test_novelty_feedback_moves_to_another_verb_and_object_family():
    first = ask("proposer", proposer_context(), seed=4)
    f0 = parse_task(first.description, name=first.name)
    p = ask("proposer", proposer_context(novelty_feedback=f"too similar to {first.name} (0.93)", attempt=1), seed=4)
    f1 = parse_task(p.description, name=p.name)
    assert f1.verb != f0.verb and not (f1.families() & f0.families())


def test_descriptions_parse_back_to_the_proposed_task():
    """The scene designer and reward writer read descriptions: the grammar's output must round-trip."""
    learned: list[dict] = []
    mismatches = []
    for i in range(60):
        p = propose(proposer_context(learned_skills=list(learned), catalog=None), random.Random(i))
        learned.append({"name": p["name"], "description": p["description"]})
        by_name = parse_task(p["description"], name=p["name"]).signature()
        by_text = parse_task(p["description"]).signature()
        if by_name != by_text:
            mismatches.append((p["name"], p["description"], by_name, by_text))
    assert len(mismatches) <= 3, mismatches


def test_context_clauses_never_look_like_objects_or_verbs():
    types = list(ALL_TYPES)
    for c in CONTEXTS:
        assert not _find_objects(c.lower(), types), c
        assert _verb(c.lower())[0] is None, c


def test_parser_reads_plain_human_phrasings():
    cases = {
        "open the top drawer": "open:drawer:drawer_0",
        "Open the bottom drawer of the cabinet": "open:drawer:drawer_1",
        "close the cupboard door": "close:door",
        "press the red button": "press:button",
        "turn the knob by 90 degrees": "rotate:knob",
        "pick up the red cube": "pick:block",
        "lift the rubber duck 15 cm": "pick:duck",
        "put the lego brick into the tray": "put_inside:lego:tray",
        "stack the blue block on the green block": "stack:block:block",
        "push the cube to the target": "push:cube:target",
        "slide the puck 20 cm to the left": "slide:puck:left",
        "place the mug on the plate": "place:mug:plate",
        "open the sliding door": "open:slider",
        "open the drawer and put the duck inside": "put_inside:duck:drawer:drawer_0:open",
    }
    for text, sig in cases.items():
        assert parse_task(text).signature() == sig, (text, parse_task(text).signature())
    assert abs(parse_task("turn the knob by 90 degrees").amount - math.pi / 2) < 1e-6
    assert parse_task("slide the puck 20 cm to the left").amount == 0.2


# ------------------------------------------------------------------------------------------ diversity
def self_bleu(texts: list[str]) -> float:
    """Self-BLEU-4: each text scored against all the others as references (sacrebleu, as the bench does)."""
    import sacrebleu

    return sum(sacrebleu.sentence_bleu(t, texts[:i] + texts[i + 1:]).score / 100 for i, t in enumerate(texts)) / len(texts)


def _curriculum(n: int, seed: int = 0) -> list[dict]:
    learned: list[dict] = []
    for i in range(n):
        p = propose(proposer_context(learned_skills=list(learned)), random.Random(seed * 1000 + i))
        learned.append({"name": p["name"], "description": p["description"]})
    return learned


def test_100_proposals_are_distinct_and_lexically_diverse():
    tasks = _curriculum(100)
    descs = [t["description"] for t in tasks]
    assert len({t["name"] for t in tasks}) == 100
    assert len(set(descs)) == 100
    verbs = Counter(parse_task(t["description"], name=t["name"]).verb for t in tasks)
    assert len(verbs) >= 11, verbs
    assert max(verbs.values()) <= 25, verbs
    words = [w for d in descs for w in d.lower().split()]
    bigrams = [tuple(p) for d in descs for p in zip(d.lower().split(), d.lower().split()[1:])]
    assert len(set(words)) / len(words) > 0.25  # distinct-1
    assert len(set(bigrams)) / len(bigrams) > 0.55  # distinct-2
    assert self_bleu(descs) < 0.26  # RoboGen reports 0.284 (issue 9); we measure ~0.20


@pytest.mark.slow
def test_100_proposals_embedding_similarity():
    """Mean pairwise MiniLM cosine (the bench's second metric); loads the 90 MB model, hence slow."""
    from roboskill.memory.embed import embed_texts

    descs = [t["description"] for t in _curriculum(100)]
    e = embed_texts(descs)
    sim = e @ e.T
    n = len(descs)
    mean = (float(sim.sum()) - n) / (n * n - n)
    assert mean < 0.34, mean  # a RoboGen-style hand-written list scores ~0.35 with this model
