"""Paraphrases (held out from training), the on-disk dataset format and its errors — no simulator."""

from __future__ import annotations

import json

import numpy as np
import pytest

from roboskill.tools.distill import DATASET_VERSION, DistillError
from roboskill.tools.distill.dataset import (
    DatasetManifest,
    DemoData,
    SkillEntry,
    read_manifest,
    write_manifest,
    write_shard,
)
from roboskill.tools.distill.embedding import EmbeddingCache
from roboskill.tools.distill.paraphrase import paraphrases
from tests.distill.conftest import fake_embed


def test_heldout_paraphrases_are_deterministic_and_never_in_training() -> None:
    text = "Push the red cube onto the green target."
    held = paraphrases(text, 3, "heldout")
    assert held == paraphrases(text, 3, "heldout")
    assert len(held) == 3
    train = {t.lower() for t in paraphrases(text, 12, "train")} | {text.lower()}
    assert not train & {h.lower() for h in held}
    with pytest.raises(ValueError, match="empty instruction"):
        paraphrases("  ", 2)


def _arrays(n: int, size: int = 8) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(n)
    return {"images": rng.integers(0, 255, (n, size, size, 3), dtype=np.uint8),
            "proprio": rng.standard_normal((n, 8)).astype(np.float32),
            "actions": rng.uniform(-1, 1, (n, 5)).astype(np.float32),
            "episode": np.repeat(np.arange(2), n // 2).astype(np.int32),
            "step": np.tile(np.arange(n // 2), 2).astype(np.int32)}


def test_dataset_round_trip(tmp_path) -> None:
    entries = []
    for name, n in (("a", 10), ("b", 6)):
        info = write_shard(tmp_path, name, 0, _arrays(n), seeds=[1, 2])
        assert (tmp_path / info.file).exists() and info.n_steps == n and info.n_episodes == 2
        entries.append(SkillEntry(name=name, instruction=f"do {name}", train_instructions=[f"do {name}", f"please do {name}"],
                                  shards=[info]))
    write_manifest(tmp_path, DatasetManifest(image_size=(8, 8), skills=entries))
    cache = EmbeddingCache(tmp_path / "embeddings.npz", fake_embed)
    data = DemoData(tmp_path, embeddings=cache)
    assert len(data) == 16 and data.images.shape == (16, 8, 8, 3)
    assert np.bincount(data.skill_index).tolist() == [10, 6]
    assert [e.shape for e in data.instruction_embeddings] == [(2, 384), (2, 384)]
    np.testing.assert_array_equal(data.actions[:10], _arrays(10)["actions"])
    # the cache persisted: a second cache reads vectors without calling the embedder
    again = EmbeddingCache(tmp_path / "embeddings.npz", lambda t: (_ for _ in ()).throw(AssertionError("re-embedded")))
    np.testing.assert_allclose(again.one("do a"), cache.one("do a"))
    only_b = DemoData(tmp_path, ["b"], embeddings=cache)
    assert len(only_b) == 6


def test_dataset_errors_name_the_file(tmp_path) -> None:
    with pytest.raises(DistillError, match="no dataset manifest"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "roboskill-distill-dataset",
                                                         "version": DATASET_VERSION + 1}))
    with pytest.raises(DistillError, match="newer"):
        read_manifest(tmp_path)
    bad = _arrays(4)
    bad["proprio"] = bad["proprio"][:3]
    with pytest.raises(DistillError, match="differ in length"):
        write_shard(tmp_path, "x", 0, bad, seeds=[0])
    write_manifest(tmp_path, DatasetManifest(skills=[SkillEntry(name="x", instruction="x", shards=[])]))
    with pytest.raises(DistillError, match="no skill 'y'"):
        read_manifest(tmp_path).skill("y")
