from __future__ import annotations

import json

import pytest

from roboskill.memory.frames import extract_frame, frame_conflicts
from roboskill.memory.novelty import DEFAULT_PAIRS_FILE, calibrate, default_threshold, load_pairs


def test_pair_file_is_large_and_balanced():
    pairs = load_pairs(DEFAULT_PAIRS_FILE)
    assert len(pairs) >= 150
    kinds = {p.kind for p in pairs}
    assert {"paraphrase", "hard_negative", "easy_negative"} <= kinds
    assert sum(p.label == "same" for p in pairs) >= 60 and sum(p.label == "different" for p in pairs) >= 60


@pytest.mark.parametrize("a,b,conflict", [
    ("open the top drawer", "close the top drawer", "action"),
    ("pick up the red cube", "push the red cube", "action"),
    ("put the red cube on the blue cube", "put the blue cube on the red cube", "colour"),
    ("open the top drawer", "open the bottom drawer", "level"),
    ("open the top drawer", "pull the top drawer out", None),
    ("press the left button", "push the button on the left", None),
])
def test_frame_conflicts(a, b, conflict):
    found = frame_conflicts(extract_frame(a), extract_frame(b))
    if conflict is None:
        assert found == []
    else:
        assert any(conflict in c for c in found), found


def test_calibration_beats_baseline_on_heldout(embedder):
    report = calibrate(seed=0)
    hybrid, baseline = report.heldout["hybrid"], report.heldout["difflib"]
    assert hybrid.precision >= 0.9 and hybrid.recall >= 0.9
    assert hybrid.f1 > baseline.f1
    assert report.cross_validated["hybrid"].f1 >= 0.9
    assert abs(report.threshold - default_threshold()) < 0.05  # shipped calibration is current


def test_bad_pair_file_names_line(tmp_path):
    f = tmp_path / "pairs.jsonl"
    f.write_text(json.dumps({"a": "x", "b": "y", "label": "same"}) + "\n" + json.dumps({"a": "x", "label": "maybe"}))
    with pytest.raises(ValueError, match="pairs.jsonl:2"):
        load_pairs(f)
