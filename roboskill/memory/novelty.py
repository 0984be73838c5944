"""Novelty scoring and its calibration on a labelled set of task pairs.

Score: `task_similarity(a, b, cosine)` is the MiniLM cosine of the two descriptions, scaled down by
`CONFLICT_FACTOR` when their task frames conflict (different action, object, colour, drawer, side…,
see `roboskill.memory.frames`). A proposal is *not novel* when its best score against a stored skill
reaches the threshold.

The threshold is calibrated, not guessed: `calibrate()` splits roboskill/data/novelty/novelty_pairs.jsonl
(stratified, seeded) into a calibration part, where the F1-best threshold is chosen, and a held-out
part, where precision/recall are reported — for our score, for plain cosine, and for a difflib-ratio
baseline calibrated the same way. It also reports k-fold cross-validated figures. The chosen threshold
is written to roboskill/memory/calibration.json; `roboskill skills calibrate` re-runs it.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from roboskill.memory.frames import extract_frame, frame_conflicts

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
DEFAULT_PAIRS_FILE = Path(__file__).resolve().parents[1] / "data" / "novelty" / "novelty_pairs.jsonl"
EXTRA_PAIR_FILES = (DEFAULT_PAIRS_FILE.with_name("novelty_pairs_fresh2.jsonl"),
                    DEFAULT_PAIRS_FILE.with_name("novelty_pairs_offline.jsonl"))
"""Evaluation-only pair sets: fresh2 (written before the catalog lexicon), offline-proposer pairs."""
FALLBACK_THRESHOLD = 0.5
CONFLICT_FACTOR = 0.25
"""Score multiplier when task frames conflict: keeps scores in [0, 1] yet below any paraphrase."""

Method = Literal["hybrid", "cosine", "difflib"]


class NoveltyPair(BaseModel):
    """One labelled line of the pair file: are `a` and `b` the same task?"""

    a: str = Field(min_length=1)
    b: str = Field(min_length=1)
    label: Literal["same", "different"]
    kind: str = ""
    set: str = ""
    """"fresh": written after the frame lexicon was frozen; never used for fitting, reported separately."""


class Metrics(BaseModel):
    threshold: float
    precision: float
    recall: float
    f1: float
    accuracy: float
    n: int


class CalibrationReport(BaseModel):
    """What `calibrate` found; `threshold` is the hybrid threshold the library uses."""

    threshold: float
    method: Method = "hybrid"
    conflict_factor: float = CONFLICT_FACTOR
    pairs_file: str
    n_pairs: int
    n_calibration: int
    n_heldout: int
    seed: int
    heldout: dict[str, Metrics]
    """method -> metrics on the held-out split, thresholds fit on the calibration split."""
    cross_validated: dict[str, Metrics]
    """method -> metrics pooled over k folds (threshold fit on the other folds each time)."""
    fresh: dict[str, Metrics] = Field(default_factory=dict)
    """method -> metrics on the "fresh" pairs (written after the lexicon was frozen), calibrated threshold."""
    extra_sets: dict[str, dict[str, Metrics]] = Field(default_factory=dict)
    """pair file stem -> method -> metrics at the calibrated thresholds (EXTRA_PAIR_FILES: never fitted on)."""
    heldout_errors: list[dict[str, Any]] = Field(default_factory=list)
    """Held-out pairs the hybrid score gets wrong (for inspection)."""


def task_similarity(a: str, b: str, cosine: float) -> tuple[float, list[str]]:
    """Novelty score of a pair given their embedding cosine: (score in [0,1], frame conflicts)."""
    conflicts = frame_conflicts(_frame(a), _frame(b))
    score = max(0.0, float(cosine))
    if conflicts:
        score *= CONFLICT_FACTOR
    return score, conflicts


@lru_cache(maxsize=65536)
def _frame(text: str):  # noqa: ANN202 - cached TaskFrame
    return extract_frame(text)


def difflib_ratio(a: str, b: str) -> float:
    """The plain string-similarity baseline."""
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def load_pairs(path: str | Path = DEFAULT_PAIRS_FILE) -> list[NoveltyPair]:
    """Read a JSONL pair file; errors name the file and line."""
    path = Path(path)
    pairs: list[NoveltyPair] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read pair file: {exc}") from None
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            pairs.append(NoveltyPair.model_validate_json(line))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ValueError(
                f"{path}:{lineno}: bad pair ({'.'.join(map(str, first['loc'])) or 'line'}: {first['msg']}); "
                'expected {"a": "...", "b": "...", "label": "same"|"different"}'
            ) from None
    if not pairs:
        raise ValueError(f"{path}: no pairs")
    return pairs


def score_pairs(pairs: list[NoveltyPair]) -> dict[str, np.ndarray]:
    """Scores of every pair under each method (embeds all texts in one batch)."""
    from roboskill.memory.embed import embed_texts

    texts = sorted({p.a for p in pairs} | {p.b for p in pairs})
    index = {t: i for i, t in enumerate(texts)}
    emb = embed_texts(texts)
    cos = np.array([float(emb[index[p.a]] @ emb[index[p.b]]) for p in pairs])
    hybrid = np.array([task_similarity(p.a, p.b, c)[0] for p, c in zip(pairs, cos)])
    diff = np.array([difflib_ratio(p.a, p.b) for p in pairs])
    return {"hybrid": hybrid, "cosine": cos, "difflib": diff}


def metrics_at(scores: np.ndarray, same: np.ndarray, threshold: float) -> Metrics:
    """Precision/recall of "same task" (score >= threshold) against the labels."""
    pred = scores >= threshold
    tp = int((pred & same).sum())
    fp = int((pred & ~same).sum())
    fn = int((~pred & same).sum())
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Metrics(threshold=round(float(threshold), 4), precision=round(precision, 4), recall=round(recall, 4),
                   f1=round(f1, 4), accuracy=round(float((pred == same).mean()), 4), n=int(len(same)))


def fit_threshold(scores: np.ndarray, same: np.ndarray) -> float:
    """The F1-best threshold, placed midway between neighbouring scores (a margin on both sides)."""
    values = np.unique(scores)
    candidates = np.concatenate([[values[0] - 1e-6], (values[:-1] + values[1:]) / 2, [values[-1] + 1e-6]])
    best = max(candidates, key=lambda t: (metrics_at(scores, same, t).f1, -abs(t - 0.5)))
    return float(best)


def _stratified_split(same: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of the held-out part, with the same label balance as the whole."""
    mask = np.zeros(len(same), dtype=bool)
    for label in (True, False):
        idx = np.flatnonzero(same == label)
        rng.shuffle(idx)
        mask[idx[: int(round(len(idx) * fraction))]] = True
    return mask


def calibrate(
    pairs_file: str | Path = DEFAULT_PAIRS_FILE, *, seed: int = 0, heldout_fraction: float = 0.3, folds: int = 5,
    extra_files: list[str | Path] | None = None,
) -> CalibrationReport:
    """Fit thresholds on a calibration split, report them on the held-out split and by k-fold CV."""
    all_pairs = load_pairs(pairs_file)
    all_scores = score_pairs(all_pairs)
    is_fresh = np.array([p.set == "fresh" for p in all_pairs])
    pairs = [p for p, f in zip(all_pairs, is_fresh) if not f]
    scores = {m: s[~is_fresh] for m, s in all_scores.items()}
    same = np.array([p.label == "same" for p in pairs])
    fresh_same = np.array([p.label == "same" for p, f in zip(all_pairs, is_fresh) if f])
    rng = np.random.default_rng(seed)
    held = _stratified_split(same, heldout_fraction, rng)
    heldout: dict[str, Metrics] = {}
    thresholds: dict[str, float] = {}
    for method, s in scores.items():
        thresholds[method] = fit_threshold(s[~held], same[~held])
        heldout[method] = metrics_at(s[held], same[held], thresholds[method])
    # k-fold cross-validation: pooled predictions, each fold judged by a threshold fit on the others
    fold_of = np.empty(len(pairs), dtype=int)
    for label in (True, False):
        idx = np.flatnonzero(same == label)
        rng.shuffle(idx)
        fold_of[idx] = np.arange(len(idx)) % folds
    cross: dict[str, Metrics] = {}
    for method, s in scores.items():
        pred = np.zeros(len(pairs), dtype=bool)
        fold_thresholds = []
        for f in range(folds):
            test = fold_of == f
            t = fit_threshold(s[~test], same[~test])
            fold_thresholds.append(t)
            pred[test] = s[test] >= t
        pooled = metrics_at(pred.astype(float), same, 0.5)
        cross[method] = pooled.model_copy(update={"threshold": round(float(np.mean(fold_thresholds)), 4)})
    fresh = {m: metrics_at(all_scores[m][is_fresh], fresh_same, thresholds[m])
             for m in scores} if is_fresh.any() else {}
    errors = []
    for i in np.flatnonzero(held):
        p = pairs[i]
        predicted_same = scores["hybrid"][i] >= thresholds["hybrid"]
        if predicted_same != same[i]:
            errors.append({"a": p.a, "b": p.b, "label": p.label, "score": round(float(scores["hybrid"][i]), 4),
                           "cosine": round(float(scores["cosine"][i]), 4)})
    extra: dict[str, dict[str, Metrics]] = {}
    for file in extra_files if extra_files is not None else EXTRA_PAIR_FILES:
        if Path(file).exists():
            xp = load_pairs(file)
            xs = score_pairs(xp)
            xsame = np.array([p.label == "same" for p in xp])
            extra[Path(file).stem] = {m: metrics_at(xs[m], xsame, thresholds[m]) for m in scores}
    return CalibrationReport(
        threshold=round(thresholds["hybrid"], 4), extra_sets=extra, pairs_file=str(pairs_file), n_pairs=len(pairs),
        n_calibration=int((~held).sum()), n_heldout=int(held.sum()), seed=seed, heldout=heldout,
        cross_validated=cross, fresh=fresh, heldout_errors=errors,
    )


def write_calibration(report: CalibrationReport, path: str | Path = CALIBRATION_FILE) -> Path:
    """Store the calibration (atomically) where `default_threshold` reads it."""
    path = Path(path)
    data = report.model_dump(mode="json")
    data["pairs_file"] = os.path.relpath(report.pairs_file, Path(__file__).resolve().parents[2]) \
        if Path(report.pairs_file).is_absolute() else report.pairs_file
    fd, tmp = tempfile.mkstemp(prefix=".calibration.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
        fh.write("\n")
    os.replace(tmp, path)
    default_threshold.cache_clear()
    return path


@lru_cache(maxsize=1)
def default_threshold() -> float:
    """The calibrated hybrid threshold shipped in calibration.json (fallback if it is missing)."""
    try:
        return float(json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))["threshold"])
    except (OSError, ValueError, KeyError, TypeError):
        return FALLBACK_THRESHOLD


if __name__ == "__main__":  # python -m roboskill.memory.novelty [PAIRS_FILE]
    import sys

    rep = calibrate(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_PAIRS_FILE)
    write_calibration(rep)
    print(rep.model_dump_json(indent=2))
