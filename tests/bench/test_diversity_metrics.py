"""Self-BLEU and embedding similarity behave as RoboGen's metrics should."""

from __future__ import annotations

import numpy as np
import pytest

from roboskill.bench.diversity_metrics import _bleu4, distinct_fraction, mean_pairwise_similarity, self_bleu

TASKS = [
    "Open the top drawer of the cabinet.",
    "Press the red button on the table.",
    "Stack the blue cube on the green cube.",
    "Slide the window to the left.",
    "Turn the faucet knob a quarter turn.",
    "Lift the lid of the box.",
]


def test_self_bleu_is_one_for_copies_and_low_for_distinct_tasks():
    same, _ = self_bleu(["push the red cube to the left"] * 5)
    assert same == pytest.approx(1.0)
    distinct, impl = self_bleu(TASKS)
    assert distinct < 0.2
    assert "BLEU-4" in impl


def test_fallback_bleu_matches_sacrebleu():
    sacrebleu = pytest.importorskip("sacrebleu")
    bleu = sacrebleu.metrics.BLEU(effective_order=True, lowercase=True)
    texts = TASKS + ["Open the bottom drawer of the cabinet.", "Press the blue button."]
    for i, text in enumerate(texts):
        refs = texts[:i] + texts[i + 1:]
        assert _bleu4(text, refs) == pytest.approx(bleu.sentence_score(text, refs).score / 100, abs=1e-9)


def test_mean_pairwise_similarity_on_crafted_vectors():
    assert mean_pairwise_similarity(np.eye(4)) == pytest.approx(0.0)
    assert mean_pairwise_similarity(np.ones((3, 5))) == pytest.approx(1.0)
    # two identical + one orthogonal: pairs (1, 0, 0) -> mean 1/3
    assert mean_pairwise_similarity(np.array([[1.0, 0], [2.0, 0], [0, 1.0]])) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="n >= 2"):
        mean_pairwise_similarity(np.ones((1, 3)))


def test_distinct_fraction():
    assert distinct_fraction(["a b", "A  b", "c"]) == pytest.approx(2 / 3)
