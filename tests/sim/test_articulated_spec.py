"""The articulated-object spec: inline objects in scenes, per-part / per-joint refusals, bounded untrusted specs."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roboskill.sim.articulated_check import check_object
from roboskill.sim.articulated_spec import MAX_PARTS, ArticulatedSpec
from roboskill.sim.articulated_urdf import compile_spec, mass_properties, to_urdf
from roboskill.sim.builder import build_scene
from roboskill.sim.goals import JointFraction, check_condition, scene_object_category
from roboskill.sim.spec import MAX_OBJECTS, MAX_SPEC_BYTES, SceneSpec, SpecError
from roboskill.sim.state import State
from roboskill.sim.validation import validate_scene

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenes" / "generated_microwave.yaml"

CHEST = {
    "category": "chest",
    "parts": [
        {"name": "body", "mass": 3.0, "color": "wood", "shapes": [
            {"shape": "box", "size": [0.2, 0.3, 0.01], "position": [0, 0, 0.005]},
            {"shape": "box", "size": [0.2, 0.01, 0.12], "position": [0, -0.145, 0.06]},
            {"shape": "box", "size": [0.2, 0.01, 0.12], "position": [0, 0.145, 0.06]},
            {"shape": "box", "size": [0.01, 0.3, 0.12], "position": [0.095, 0, 0.06]},
            {"shape": "box", "size": [0.01, 0.3, 0.12], "position": [-0.095, 0, 0.06]}]},
        {"name": "lid", "parent": "body", "position": [0.1, 0, 0.121], "mass": 0.2,
         "joint": {"type": "revolute", "axis": [0, 1, 0], "lower": 0, "upper": 1.8},
         "shapes": [{"shape": "box", "size": [0.2, 0.3, 0.012], "position": [-0.1, 0, 0.006]}]},
    ],
    "handles": [{"part": "lid", "style": "tab", "position": [-0.2, 0, 0.006], "standoff": 0.03, "length": 0.06}],
    "sites": [{"name": "lid_push", "part": "lid", "kind": "push", "position": [-0.15, 0, 0.012], "normal": [0, 0, 1]}],
}


def _scene(obj: dict, **extra) -> SceneSpec:
    return SceneSpec.from_dict({"name": "t", "objects": [
        {"kind": "articulated", "name": "chest", "object": obj, "placement": {"position": [0.05, 0.0, 0.0]}, **extra}]})


def test_compiles_deterministically_with_computed_inertia() -> None:
    spec = ArticulatedSpec.model_validate(CHEST)
    assert to_urdf(spec) == to_urdf(ArticulatedSpec.model_validate(copy.deepcopy(CHEST)))
    asset = compile_spec(spec)
    assert asset.urdf_path.name.startswith("chest_") and asset.urdf_path.exists()
    assert [j.name for j in asset.joints] == ["lid"] and asset.links == ["lid", "lid_handle", "lid_push"]
    com, inertia = mass_properties(spec.parts[1].shapes, 0.2)
    assert com[0] == pytest.approx(-0.1) and (inertia.diagonal() > 0).all()


def test_inline_object_builds_and_is_addressed_like_the_catalog_kinds() -> None:
    scene = _scene(CHEST, initial_joints={"lid": 0.0})
    assert scene_object_category(scene.objects[0]) == "chest"
    assert validate_scene(scene).ok
    with build_scene(scene, seed=0, nominal=True) as world:
        assert set(world.joints) == {"chest.lid"}
        assert {"chest.lid", "chest.lid_handle", "chest.lid_push"} <= set(world.links)
        state = State(world)
        cond = JointFraction(joint="chest.lid", at_least=0.7)
        assert not check_condition(cond, state).ok
        world.set_joint_fraction("chest.lid", 0.9)
        state.invalidate()
        assert check_condition(cond, state).ok


def test_interpenetrating_parts_are_refused_naming_both() -> None:
    obj = copy.deepcopy(CHEST)
    obj["parts"] += [{"name": "block", "parent": "body", "shapes": [{"shape": "box", "size": [0.08, 0.08, 0.08],
                                                                     "position": [0, -0.05, 0.06]}]},
                     {"name": "brick", "parent": "body", "shapes": [{"shape": "box", "size": [0.08, 0.08, 0.08],
                                                                     "position": [0, -0.02, 0.06]}]}]
    report = validate_scene(_scene(obj))
    overlaps = [q for q in report.errors if q.code == "part_overlap"]
    assert overlaps and "'brick'" in overlaps[0].message and "'block'" in overlaps[0].message


def test_a_joint_that_swings_into_its_carcass_is_refused_naming_the_joint() -> None:
    obj = copy.deepcopy(CHEST)
    obj["parts"][1]["joint"]["axis"] = [0, -1, 0]  # the lid would open downwards, into the box
    problems = check_object(ArticulatedSpec.model_validate(obj))
    jammed = [q for q in problems if q.code == "joint_jammed"]
    assert jammed and jammed[0].part == "lid" and "axis" in jammed[0].fix


def test_a_joint_too_stiff_to_move_is_refused_and_masses_are_checked() -> None:
    obj = copy.deepcopy(CHEST)
    obj["parts"][1]["joint"]["friction"] = 50.0
    obj["parts"][1]["mass"] = 50.0
    codes = {(q.code, q.part) for q in check_object(ArticulatedSpec.model_validate(obj))}
    assert ("joint_jammed", "lid") in codes and ("bad_mass", "lid") in codes


def test_example_renders_from_the_cli(tmp_path: Path) -> None:
    from roboskill.cli.scene_cmd import app

    out = tmp_path / "out.png"
    result = CliRunner().invoke(app, ["build", str(EXAMPLE), "--render", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 1000


# ----------------------------------------------------------------------------------------- limits
def _timed_refusal(fn) -> str:
    t0 = time.perf_counter()
    with pytest.raises((SpecError, ValueError)) as info:
        fn()
    assert time.perf_counter() - t0 < 1.0
    return str(info.value)


def test_oversized_scenes_are_refused_at_once_naming_the_limit(tmp_path: Path) -> None:
    cube = {"kind": "primitive", "shape": "box", "size": [0.05, 0.05, 0.05]}
    many = {"name": "big", "objects": [dict(cube, name=f"c{i}") for i in range(20_000)]}
    assert f"the limit MAX_OBJECTS is {MAX_OBJECTS}" in _timed_refusal(lambda: SceneSpec.from_dict(many))
    assert "MAX_SCENE_NAME_CHARS" in _timed_refusal(lambda: SceneSpec.from_dict({"name": "x" * 5_000_000}))
    big = tmp_path / "big.yaml"
    big.write_text("name: " + "x" * (MAX_SPEC_BYTES + 10) + "\nobjects: []\n")
    assert "MAX_SPEC_BYTES" in _timed_refusal(lambda: SceneSpec.from_file(big))
    long_name = {"name": "t", "objects": [dict(cube, name="a" * 200)]}
    assert "MAX_NAME_CHARS" in _timed_refusal(lambda: SceneSpec.from_dict(long_name))


def test_oversized_or_escaping_objects_are_refused() -> None:
    part = {"name": "p", "parent": "body", "shapes": [{"shape": "box", "size": [0.01, 0.01, 0.01]}]}
    obj = copy.deepcopy(CHEST)
    obj["parts"] += [dict(part, name=f"p{i}") for i in range(5000)]
    assert f"limit is {MAX_PARTS}" in _timed_refusal(lambda: _scene(obj))
    obj = copy.deepcopy(CHEST)
    obj["parts"][0]["shapes"].append({"shape": "mesh", "mesh": "/etc/passwd.obj", "size": [0.1, 0.1, 0.1]})
    assert "outside the allowed" in _timed_refusal(lambda: _scene(obj)).replace("\n", " ")
    obj = copy.deepcopy(CHEST)
    obj["parts"][1]["mass"] = 5000.0
    assert "parts[1] (lid).mass" in _timed_refusal(lambda: _scene(obj))
    with pytest.raises(SpecError, match="exactly one of"):
        SceneSpec.from_dict({"name": "t", "objects": [{"kind": "articulated", "name": "a", "articulation": "lid_box",
                                                       "object": CHEST}]})
