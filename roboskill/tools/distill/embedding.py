"""Frozen instruction embeddings (the memory's all-MiniLM-L6-v2), precomputed and cached on disk.

Why cache: loading MiniLM costs seconds and encoding is the only text work the policy ever needs;
the policy treats the 384-d vector as a fixed input (it is never fine-tuned), so every distinct
instruction is encoded once and stored in `<dir>/embeddings.npz` (text -> vector). Training,
evaluation and the multi-task env then never load the language model for known instructions.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

EmbedFn = Callable[[list[str]], np.ndarray]


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def minilm_embed(texts: list[str]) -> np.ndarray:
    """The memory layer's MiniLM embedder (L2-normalised float32, shape (n, 384))."""
    from roboskill.memory.embed import embed_texts

    return embed_texts(list(texts))


class EmbeddingCache:
    """text -> embedding, persisted as an .npz (keys = sha1 of the text); computes misses in one batch."""

    def __init__(self, path: str | Path | None = None, embed_fn: EmbedFn | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.embed_fn = embed_fn or minilm_embed
        self._vectors: dict[str, np.ndarray] = {}
        self._texts: dict[str, str] = {}
        if self.path is not None and self.path.exists():
            with np.load(self.path, allow_pickle=False) as data:
                texts = data["texts"] if "texts" in data.files else np.array([], dtype=str)
                vecs = data["vectors"] if "vectors" in data.files else np.zeros((0, 0), np.float32)
                for t, v in zip(texts.tolist(), vecs):
                    self._vectors[_key(t)] = np.asarray(v, dtype=np.float32)
                    self._texts[_key(t)] = t

    @property
    def dim(self) -> int | None:
        return next(iter(self._vectors.values())).shape[0] if self._vectors else None

    def get(self, texts: Iterable[str]) -> np.ndarray:
        """Embeddings of `texts` (n, d), encoding and persisting the ones not cached yet."""
        texts = list(texts)
        missing = sorted({t for t in texts if _key(t) not in self._vectors})
        if missing:
            vecs = np.asarray(self.embed_fn(missing), dtype=np.float32)
            if vecs.shape[0] != len(missing):
                raise ValueError(f"embedder returned {vecs.shape[0]} vectors for {len(missing)} texts")
            for t, v in zip(missing, vecs):
                self._vectors[_key(t)] = v
                self._texts[_key(t)] = t
            self.save()
        if not texts:
            return np.zeros((0, self.dim or 0), dtype=np.float32)
        return np.stack([self._vectors[_key(t)] for t in texts]).astype(np.float32)

    def one(self, text: str) -> np.ndarray:
        return self.get([text])[0]

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._texts)
        tmp = self.path.with_name(f".{self.path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, texts=np.array([self._texts[k] for k in keys], dtype=str),
                 vectors=np.stack([self._vectors[k] for k in keys]).astype(np.float32))
        os.replace(tmp, self.path)


__all__ = ["EmbedFn", "EmbeddingCache", "minilm_embed"]
