"""Diversity of task descriptions: Self-BLEU and mean pairwise embedding similarity (lower = more diverse).

These are the two metrics RoboGen (Wang et al. 2023, arXiv:2311.01455, Table 1) reports for its own
and GenSim's task sets, so our numbers sit on the same scale as theirs:

- Self-BLEU: for each description, sentence BLEU-4 against all *other* descriptions as references,
  averaged over the set, in [0, 1]. Computed with sacrebleu (13a tokenisation, lower-cased,
  `effective_order=True`, sacrebleu's default "exp" smoothing for sentence BLEU). If sacrebleu is
  not installed, `_bleu4` below implements the same BLEU-4 (clipped n-gram precisions, brevity
  penalty against the closest reference length, "exp" smoothing: the k-th zero precision counts
  as 1 / 2^k / total) on whitespace/punctuation tokens; the JSON records which one ran.
- Embedding similarity: mean cosine similarity over all unordered pairs of all-MiniLM-L6-v2
  embeddings (roboskill.memory's offline embedder).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from itertools import combinations

import numpy as np

_TOKEN = re.compile(r"\w+|[^\w\s]")


def _ngrams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i: i + n]) for i in range(len(tokens) - n + 1))


def _bleu4(hypothesis: str, references: list[str]) -> float:
    """Sentence BLEU-4 in [0, 1] with sacrebleu-style "exp" smoothing (fallback implementation)."""
    hyp = _TOKEN.findall(hypothesis.lower())
    refs = [_TOKEN.findall(r.lower()) for r in references]
    if not hyp or not refs:
        return 0.0
    max_ref: dict[int, Counter[tuple[str, ...]]] = {}
    for n in range(1, 5):
        merged: Counter[tuple[str, ...]] = Counter()
        for ref in refs:
            for gram, count in _ngrams(ref, n).items():
                merged[gram] = max(merged[gram], count)
        max_ref[n] = merged
    order = min(4, len(hyp))  # effective order, as sacrebleu(effective_order=True)
    log_sum, zeros = 0.0, 0
    for n in range(1, order + 1):
        grams = _ngrams(hyp, n)
        total = sum(grams.values())
        matched = sum(min(c, max_ref[n][g]) for g, c in grams.items())
        if matched == 0:
            zeros += 1
            precision = 1.0 / (2**zeros * total)
        else:
            precision = matched / total
        log_sum += math.log(precision)
    ref_len = min((abs(len(r) - len(hyp)), len(r)) for r in refs)[1]
    bp = 1.0 if len(hyp) > ref_len else math.exp(1 - ref_len / len(hyp))
    return bp * math.exp(log_sum / order)


def self_bleu(texts: list[str]) -> tuple[float, str]:
    """Mean sentence BLEU-4 of each text against all others; returns (score in [0,1], implementation)."""
    if len(texts) < 2:
        raise ValueError(f"Self-BLEU needs at least 2 texts, got {len(texts)}")
    try:
        from sacrebleu.metrics import BLEU
    except ImportError:
        scores = [_bleu4(t, texts[:i] + texts[i + 1:]) for i, t in enumerate(texts)]
        return float(np.mean(scores)), "roboskill BLEU-4 (exp smoothing, effective order)"
    bleu = BLEU(effective_order=True, lowercase=True)
    scores = [bleu.sentence_score(t, texts[:i] + texts[i + 1:]).score / 100.0 for i, t in enumerate(texts)]
    return float(np.mean(scores)), "sacrebleu sentence BLEU-4 (13a, lowercase, effective order, exp smoothing)"


def mean_pairwise_similarity(embeddings: np.ndarray) -> float:
    """Mean cosine similarity over all unordered pairs of rows (rows need not be normalised)."""
    emb = np.asarray(embeddings, dtype=np.float64)
    if emb.ndim != 2 or emb.shape[0] < 2:
        raise ValueError(f"need a (n >= 2, d) embedding matrix, got shape {emb.shape}")
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    emb = emb / np.where(norms == 0, 1.0, norms)
    sims = emb @ emb.T
    n = emb.shape[0]
    return float((sims.sum() - np.trace(sims)) / (n * (n - 1)))


def embedding_similarity(texts: list[str]) -> float:
    """Mean pairwise all-MiniLM-L6-v2 cosine similarity of the texts (offline embedder)."""
    from roboskill.memory.embed import embed_texts

    return mean_pairwise_similarity(embed_texts(list(texts)))


def distinct_fraction(texts: list[str]) -> float:
    """Share of exactly distinct (case/space-normalised) texts — a sanity figure beside the metrics."""
    norm = {" ".join(t.lower().split()) for t in texts}
    return len(norm) / max(1, len(texts))


def nearest_duplicates(texts: list[str], embeddings: np.ndarray, k: int = 5) -> list[tuple[str, str, float]]:
    """The k most similar pairs (for the report: what the proposer repeats)."""
    emb = np.asarray(embeddings, dtype=np.float64)
    emb = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    pairs = [(float(emb[i] @ emb[j]), i, j) for i, j in combinations(range(len(texts)), 2)]
    pairs.sort(reverse=True)
    return [(texts[i], texts[j], round(s, 3)) for s, i, j in pairs[:k]]
