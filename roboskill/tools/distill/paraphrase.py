"""Deterministic rewordings of skill instructions (templates + synonyms), no LLM needed.

Why two disjoint splits: training may see some rewordings ("train" split: its own templates and
synonyms) so the policy does not latch onto one exact sentence, while evaluation uses rewordings
built from *other* templates and synonyms ("heldout" split) that never appear in training. Success
on the held-out split is then evidence of language generalisation through the frozen MiniLM
embedding, not of memorised strings.
"""

from __future__ import annotations

import random
import re
from typing import Literal

Split = Literal["train", "heldout"]

# word -> (train synonyms, held-out synonyms); matched as whole lower-case words
_SYNONYMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "push": (("shove",), ("nudge", "slide")),
    "press": (("push down",), ("hit", "depress")),
    "pick": (("grab",), ("take",)),
    "lift": (("raise",), ("pick up",)),
    "grasp": (("grab",), ("seize", "take hold of")),
    "place": (("put",), ("set", "position")),
    "put": (("place",), ("set", "drop")),
    "open": (("pull open",), ("swing open", "undo")),
    "close": (("shut",), ("push closed",)),
    "move": (("bring",), ("carry", "shift")),
    "reach": (("go to",), ("get to", "touch")),
    "turn": (("twist",), ("rotate",)),
    "rotate": (("turn",), ("twist",)),
    "cube": (("block",), ("box", "brick")),
    "block": (("cube",), ("brick",)),
    "button": (("switch",), ("push button",)),
    "drawer": (("cabinet drawer",), ("compartment",)),
    "door": (("hatch",), ("panel",)),
    "target": (("goal",), ("marker", "mark")),
    "left": (("left-hand",), ("leftmost", "left side")),
    "right": (("right-hand",), ("rightmost", "right side")),
    "top": (("upper",), ("highest",)),
    "the": (("the",), ("that",)),
}

_TEMPLATES: dict[str, tuple[str, ...]] = {
    "train": ("{s}", "please {s}", "{s} now", "robot, {s}", "go ahead and {s}"),
    "heldout": ("could you {s}?", "I need you to {s}", "your task: {s}", "{s}, please", "try to {s}",
                "the goal is to {s}"),
}


def _core(instruction: str) -> str:
    s = instruction.strip().rstrip(".!?").strip()
    return s[:1].lower() + s[1:] if s else s


def _substitute(text: str, split: Split, rng: random.Random, p: float) -> str:
    idx = 0 if split == "train" else 1

    def repl(m: re.Match[str]) -> str:
        word = m.group(0)
        syn = _SYNONYMS.get(word.lower())
        if not syn or rng.random() > p:
            return word
        return rng.choice(syn[idx])

    return re.sub(r"[A-Za-z]+", repl, text)


def paraphrases(instruction: str, n: int = 3, split: Split = "heldout", seed: int = 0) -> list[str]:
    """Up to `n` distinct rewordings of `instruction` from the given split, deterministic in `seed`.

    Held-out rewordings always differ from the instruction itself and from every train-split
    rewording of it, so they are never seen in training.
    """
    if split not in _TEMPLATES:
        raise ValueError(f"paraphrase split must be 'train' or 'heldout', got {split!r}")
    core = _core(instruction)
    if not core:
        raise ValueError("cannot paraphrase an empty instruction: give the skill an instruction or description")
    rng = random.Random(f"{seed}:{split}:{core}")
    exclude = {instruction.strip().lower(), core.lower()}
    if split == "heldout":
        exclude |= {t.lower() for t in paraphrases(instruction, 12, "train", seed)}
    out: list[str] = []
    for _ in range(n * 20):
        if len(out) >= n:
            break
        template = rng.choice(_TEMPLATES[split])
        body = _substitute(core, split, rng, p=0.7)
        text = template.format(s=body)
        text = text[:1].upper() + text[1:]
        if text.lower() not in exclude and text not in out:
            out.append(text)
    return out


__all__ = ["Split", "paraphrases"]
