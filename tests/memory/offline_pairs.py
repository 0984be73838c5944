"""Labelled novelty pairs drawn from the offline proposer's real grammar (regenerate: python -m tests.memory.offline_pairs).

Why: the hand-written pair sets are our own phrasing; the loop's real inputs come from
`roboskill.agents.offline`. Each proposal is a frame realised as text; two realisations of the *same*
frame (different seeds: other verb synonyms, object nouns and scene-setting clauses) are the same task,
and two frames with different signatures (verb + object families + drawer/relation, see
`agents.offline.frames.TaskFrame.signature`) are different tasks. Pairs whose signatures differ only by
push/slide or place/stack are skipped: the proposer separates those verbs, plain English does not.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "roboskill" / "data" / "novelty" / "novelty_pairs_offline.jsonl"


def _loose(sig: str) -> str:
    return sig.replace("slide:", "push:").replace("stack:", "place:")


def generate(n_frames: int = 60, seed: int = 7) -> list[dict[str, str]]:
    from roboskill.agents.offline import grammar, proposer
    from roboskill.agents.offline.vocab import ALL_TYPES

    rng = random.Random(seed)
    verbs = list(proposer._VERB_WEIGHTS)
    frames = []
    seen: set[str] = set()
    while len(frames) < n_frames:
        frame = proposer.sample_frame(rng, list(ALL_TYPES), rng.choice(verbs))
        if frame is not None and frame.signature() not in seen:
            seen.add(frame.signature())
            frames.append(frame)
    pairs = []
    for i, f in enumerate(frames):  # same: one frame described twice
        a = grammar.describe(f, random.Random(seed * 1000 + i))
        b = grammar.describe(f, random.Random(seed * 1000 + i + 500))
        if a != b:
            pairs.append({"a": a, "b": b, "label": "same", "kind": "offline_paraphrase", "set": "offline",
                          "signature": f.signature()})
    for i, f in enumerate(frames):  # different: a frame against another frame
        g = frames[(i * 7 + 3) % len(frames)]
        if _loose(g.signature()) == _loose(f.signature()):
            continue
        pairs.append({"a": grammar.describe(f, random.Random(i)), "b": grammar.describe(g, random.Random(i + 1)),
                      "label": "different", "kind": "offline_other_task", "set": "offline",
                      "signature": f"{f.signature()} | {g.signature()}"})
    return pairs


if __name__ == "__main__":
    rows = generate()
    OUT.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} pairs -> {OUT}")
