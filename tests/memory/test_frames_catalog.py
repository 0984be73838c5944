"""Frame check with the catalog-derived lexicon: the cases the word-list version got wrong."""

from __future__ import annotations

import pytest

from roboskill.memory.frames import extract_frame, frame_conflicts
from roboskill.memory.lexicon import object_lexicon
from roboskill.memory.novelty import DEFAULT_PAIRS_FILE, load_pairs, task_similarity


def _conflicts(a: str, b: str) -> list[str]:
    return frame_conflicts(extract_frame(a), extract_frame(b))


def test_every_catalog_entry_is_an_object_concept():
    from roboskill.sim.catalog import get_catalog

    lex = object_lexicon()
    for name in get_catalog().names():
        assert name.replace("_", " ") in lex, f"catalog entry {name!r} missing from the novelty lexicon"


@pytest.mark.parametrize("a,b", [
    ("place the lego left of the puck", "pack the sphere into the mug"),
    ("stow the rubber duck inside the tray", "stow the teddy bear inside the tray"),
    ("turn the control dial to the maximum", "turn the control dial to the minimum"),
    ("fold the towel", "unfold the towel"),
    ("open the window", "open the door"),
    ("pile the jenga blocks into a stack", "knock over the stack of jenga blocks"),
    ("raise the lever", "lower the lever"),
    ("lift the jenga piece 5 cm", "lift the domino 5 cm"),
    ("put the can in the trash bin", "put the can in the recycling bin"),
])
def test_different_tasks_conflict(a, b):
    assert _conflicts(a, b), f"{a!r} vs {b!r} should conflict"


@pytest.mark.parametrize("a,b", [
    ("stow the rubber duck inside the tray", "pack the toy duck into the tray"),
    ("heave the teddy bear 10 cm upward", "raise the plush bear about 10 cm into the air"),
    ("set the lego brick onto the blue plate", "place the toy brick on the blue plate"),
    ("turn the control dial to the maximum", "rotate the knob all the way up"),
    ("At the coffee bar, pick up the mug.", "Grab the coffee mug and hold it in the toy shop."),
    ("open the oven door", "pull down the door of the oven"),
    ("pile the books into a stack", "stack the books on top of each other"),
])
def test_synonyms_do_not_conflict(a, b):
    assert _conflicts(a, b) == []


@pytest.mark.parametrize("file,min_p,min_r", [("novelty_pairs_fresh2.jsonl", 0.9, 0.9),
                                               ("novelty_pairs_offline.jsonl", 0.9, 0.9)])
def test_frame_verdict_on_evaluation_sets(file, min_p, min_r):
    """Frame check alone (cosine taken as 1): 'same' pairs must not conflict, 'different' ones must.

    No embedding model needed, so this runs in well under a second; the full hybrid score is in
    `calibrate()` / calibration.json.
    """
    pairs = load_pairs(DEFAULT_PAIRS_FILE.with_name(file))
    pred_same = [not task_similarity(p.a, p.b, 1.0)[1] for p in pairs]
    same = [p.label == "same" for p in pairs]
    tp = sum(p and s for p, s in zip(pred_same, same))
    precision = tp / max(1, sum(pred_same))
    recall = tp / max(1, sum(same))
    assert precision >= min_p and recall >= min_r, (file, precision, recall)


def test_offline_pairs_come_from_the_offline_proposer():
    from tests.memory.offline_pairs import generate

    rows = generate(n_frames=12, seed=3)
    assert any(r["label"] == "same" for r in rows) and any(r["label"] == "different" for r in rows)
    assert len(load_pairs(DEFAULT_PAIRS_FILE.with_name("novelty_pairs_offline.jsonl"))) >= 100
