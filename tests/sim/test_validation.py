"""Validation reports every problem at once, each naming the object with a suggested fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from roboskill.sim.builder import build_scene
from roboskill.sim.spec import SceneSpec
from roboskill.sim.validation import SceneValidationError, reachable, static_checks, validate_scene

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenes"


def _codes(report) -> set[tuple[str, str]]:
    return {(q.object, q.code) for q in report.problems}


def test_invalid_example_lists_all_problems() -> None:
    report = validate_scene(SceneSpec.from_file(EXAMPLES / "invalid" / "broken_scene.yaml"))
    codes = _codes(report)
    expected = {("pot", "unknown_asset"), ("far_cube", "out_of_reach"), ("marble", "impossible_relation"),
                ("cube", "interpenetration"), ("edge_cube", "fell_off_table"), ("lonely", "unknown_target"),
                ("cabinet", "unknown_joint")}
    assert expected <= codes, codes
    for q in report.problems:
        assert q.message and q.fix
    text = report.format()
    for obj, _ in expected:
        assert obj in text


def test_validation_judges_the_layout_as_written_not_a_random_start() -> None:
    """A cube placed 1 cm from a 6 cm box overlaps it as written; start randomisation (±3 cm) could
    separate them in some draws, so a verdict drawn from a random start would flake."""
    spec = SceneSpec.model_validate({"name": "overlap", "objects": [
        {"kind": "primitive", "name": "a", "shape": "box", "size": [0.04, 0.04, 0.04],
         "placement": {"position": [0.0, 0.0, 0.02]}},
        {"kind": "primitive", "name": "b", "shape": "box", "size": [0.06, 0.06, 0.06],
         "placement": {"position": [0.0, 0.01, 0.03]}}]})
    verdicts = {("a", "interpenetration") in _codes(validate_scene(spec)) for _ in range(12)}
    assert verdicts == {True}


def test_build_raises_with_every_problem() -> None:
    with pytest.raises(SceneValidationError) as info:
        build_scene(SceneSpec.from_file(EXAMPLES / "invalid" / "broken_scene.yaml"))
    assert len(info.value.report.problems) >= 4
    assert "cooking_pot" in str(info.value) and "sofa" in str(info.value)


def test_static_problems() -> None:
    spec = SceneSpec.from_dict({"name": "s", "objects": [
        {"kind": "primitive", "name": "a", "shape": "box", "size": [0.04] * 3, "placement": {"on": "b"}},
        {"kind": "primitive", "name": "b", "shape": "box", "size": [0.04] * 3, "placement": {"on": "a"}},
        {"kind": "primitive", "name": "dup", "shape": "box", "size": [0.04] * 3, "placement": {"on": "table"}},
        {"kind": "primitive", "name": "dup", "shape": "box", "size": [0.04] * 3, "placement": {"on": "table"}},
        {"kind": "primitive", "name": "m", "shape": "sphere", "size": [0.04], "placement": {"on": "table"}},
        {"kind": "primitive", "name": "s", "shape": "box", "size": [0.04] * 3, "placement": {"on": "m"}},
        {"kind": "articulated", "name": "k", "articulation": "knob", "params": {"wheels": 3}, "placement": {"on": "table"}},
        {"kind": "articulated", "name": "btn", "articulation": "button", "placement": {"on": "table", "offset": [0.1, 0.2]}},
        {"kind": "primitive", "name": "x", "shape": "box", "size": [0.02] * 3, "placement": {"inside": "btn"}},
        {"kind": "primitive", "name": "y", "shape": "box", "size": [0.02] * 3, "placement": {"on": "btn.button"}},
        {"kind": "primitive", "name": "z", "shape": "box", "size": [0.02] * 3, "placement": {"left_of": "table"}},
        {"kind": "primitive", "name": "low", "shape": "box", "size": [0.02] * 3, "placement": {"position": [0, 0, -0.2]}},
    ]})
    codes = _codes(static_checks(spec))
    assert {("dup", "duplicate_name"), ("a", "placement_cycle"), ("s", "impossible_relation"), ("k", "bad_params"),
            ("x", "impossible_relation"), ("y", "impossible_relation"), ("z", "impossible_relation"),
            ("low", "below_table")} <= codes, codes


def test_valid_examples_are_valid() -> None:
    for f in sorted(EXAMPLES.glob("*.yaml")):
        report = validate_scene(SceneSpec.from_file(f))
        assert report.ok, report.format()


def test_stack_that_cannot_stand_is_unstable() -> None:
    spec = SceneSpec.from_dict({"name": "s", "objects": [
        {"kind": "primitive", "name": "ball", "shape": "cylinder", "size": [0.02, 0.1], "placement": {"on": "table"}},
        {"kind": "primitive", "name": "plank", "shape": "box", "size": [0.24, 0.02, 0.02], "placement": {"on": "ball", "offset": [0.1, 0.0]}},
    ]})
    codes = _codes(validate_scene(spec))
    assert ("plank", "unstable") in codes


def test_reach_model() -> None:
    assert reachable((0.0, 0.0, 0.03))
    assert reachable((-0.2, 0.3, 0.03))
    assert not reachable((0.45, 0.0, 0.03))
    assert not reachable((-0.55, 0.0, 0.03))   # on top of the robot base


@pytest.mark.parametrize("obj", [
    {"kind": "primitive", "name": "cube", "shape": "box", "size": [0.05, 0.05, 0.05],
     "placement": {"position": [0.5, 0.0, 0.025]}},
    {"kind": "primitive", "name": "cube", "shape": "box", "size": [0.05, 0.05, 0.05],
     "placement": {"on": "table", "offset": [0.45, 0.3]}},
    # the old scene-designer example: a cabinet turned 180 degrees "to face the robot" points its handles away
    {"kind": "articulated", "name": "cabinet", "articulation": "drawer_cabinet", "params": {"n_drawers": 2},
     "placement": {"position": [0.25, 0.0, 0.0], "euler": [0, 0, 3.14159]}},
    {"kind": "articulated", "name": "cabinet", "articulation": "drawer_cabinet", "params": {"n_drawers": 2},
     "placement": {"on": "table", "offset": [0.45, 0.25]}},
], ids=["position", "table_offset", "cabinet_turned_away", "cabinet_far"])
def test_applying_an_out_of_reach_fix_literally_gives_a_valid_scene(obj) -> None:
    data = {"name": "s", "objects": [obj, {"kind": "primitive", "name": "other", "shape": "box", "size": [0.04] * 3,
                                           "placement": {"on": "table", "offset": [-0.1, -0.25]}}]}
    report = validate_scene(SceneSpec.from_dict(data))
    (q,) = [q for q in report.problems if q.code == "out_of_reach"]
    placement = q.suggested_placement()
    assert placement is not None and "euler" in placement, q.fix  # a pose AND an orientation
    assert placement != obj["placement"]  # never "move it to where it already is"
    if obj["kind"] == "articulated":
        assert placement["euler"] == [0.0, 0.0, 0.0]  # yaw 0: the front faces the robot
    obj["placement"] = placement
    fixed = validate_scene(SceneSpec.from_dict(data))
    assert fixed.ok, fixed.format()


def test_articulated_objects_are_judged_at_their_handles_not_their_origin() -> None:
    # the cabinet's origin (back-centre of its footprint) is beyond reach, its handles are not
    spec = SceneSpec.from_dict({"name": "s", "objects": [
        {"kind": "articulated", "name": "cabinet", "articulation": "drawer_cabinet", "params": {"n_drawers": 2},
         "placement": {"position": [0.25, 0.0, 0.0]}}]})
    assert not reachable((0.25, 0.0, 0.02))
    assert validate_scene(spec).ok
