"""One size convention: primitive sizes are FULL extents in metres wherever a model or a person writes them.

Old data (skill records, run checkpoints, saved scene.json) held half extents and no `size_convention`; it is
read as half extents and converted once, never silently doubled or halved. Validation flags primitives too
wide for the gripper and objects too large for their container.
"""

from __future__ import annotations

import json

import pytest

from roboskill.sim.builder import build_scene, pybullet_geometry
from roboskill.sim.spec import PrimitiveObject, SceneSpec, SpecError, legacy_size_to_full, stored_spec_data
from roboskill.sim.state import State
from roboskill.sim.validation import static_checks, validate_scene


def _prim(name: str, shape: str, size: list[float], x: float = 0.0, y: float = 0.0, **kw) -> dict:
    return {"kind": "primitive", "name": name, "shape": shape, "size": size,
            "placement": {"on": "table", "offset": [x, y]}, **kw}


def _sizes(objects: list[dict]) -> dict[str, list[float]]:
    spec = SceneSpec.from_dict({"name": "s", "objects": objects, "start_randomization": {"xy": 0, "yaw": 0, "joints": 0}})
    with build_scene(spec, validate=False) as world:
        state = State(world)
        return {o["name"]: [round(float(v), 3) for v in state.object_size(o["name"])] for o in objects}


def test_sizes_are_full_extents_in_the_built_world() -> None:
    sizes = _sizes([
        _prim("cube", "box", [0.05, 0.05, 0.05], -0.1, -0.2),
        _prim("brick", "box", [0.08, 0.04, 0.03], 0.0, -0.2),
        _prim("ball", "sphere", [0.04], 0.1, -0.2),
        _prim("can", "cylinder", [0.06, 0.1], -0.1, 0.2),
        _prim("pill", "capsule", [0.03, 0.09], 0.05, 0.2),
    ])
    # PyBullet's AABBs carry a small collision margin
    assert sizes["cube"] == pytest.approx([0.05, 0.05, 0.05], abs=0.003)
    assert sizes["brick"] == pytest.approx([0.08, 0.04, 0.03], abs=0.003)
    assert sizes["ball"] == pytest.approx([0.04, 0.04, 0.04], abs=0.003)
    assert sizes["can"] == pytest.approx([0.06, 0.06, 0.1], abs=0.003)
    assert sizes["pill"] == pytest.approx([0.03, 0.03, 0.09], abs=0.003)


def test_one_conversion_to_pybullet_shapes() -> None:
    box = PrimitiveObject(name="b", shape="box", size=[0.05, 0.04, 0.03])
    assert pybullet_geometry(box) == {"halfExtents": [0.025, 0.02, 0.015]}
    assert pybullet_geometry(PrimitiveObject(name="s", shape="sphere", size=[0.04])) == {"radius": 0.02}
    assert pybullet_geometry(PrimitiveObject(name="c", shape="cylinder", size=[0.06, 0.1])) == {"radius": 0.03, "length": 0.1}
    cap = pybullet_geometry(PrimitiveObject(name="p", shape="capsule", size=[0.03, 0.09]))
    assert cap["radius"] == pytest.approx(0.015) and cap["length"] == pytest.approx(0.06)  # straight part only
    assert box.extents() == pytest.approx((0.05, 0.04, 0.03)) and box.half_extents() == pytest.approx((0.025, 0.02, 0.015))


def test_a_capsule_shorter_than_its_diameter_is_rejected_with_a_fix() -> None:
    with pytest.raises(SpecError, match="at least its diameter"):
        SceneSpec.from_dict({"name": "s", "objects": [_prim("p", "capsule", [0.06, 0.02])]})


def test_the_schema_a_model_reads_states_the_convention() -> None:
    from roboskill.agents.schemas import SceneDesign

    schema = json.dumps(SceneDesign.model_json_schema())
    assert "FULL extents in m" in schema and "[diameter, height]" in schema and "a 5 cm cube is" in schema
    assert "towards the robot" in schema  # orientation convention on `euler`
    assert "size_convention" not in schema  # the version marker is for stored data, not for the model


def test_legacy_sizes_convert_once() -> None:
    assert legacy_size_to_full("box", [0.025, 0.02, 0.01]) == [0.05, 0.04, 0.02]
    assert legacy_size_to_full("sphere", [0.02]) == [0.04]
    assert legacy_size_to_full("cylinder", [0.02, 0.08]) == [0.04, 0.08]
    assert legacy_size_to_full("capsule", [0.01, 0.06]) == pytest.approx([0.02, 0.08])  # caps added to the height


OLD_SCENE = {"name": "old", "objects": [  # how a scene was stored before full extents: no size_convention
    {"kind": "primitive", "name": "cube", "shape": "box", "size": [0.025, 0.025, 0.025], "placement": {"on": "table"}},
    {"kind": "primitive", "name": "peg", "shape": "capsule", "size": [0.01, 0.06], "placement": {"on": "table", "offset": [0, 0.2]}},
    {"kind": "asset", "name": "duck", "asset": "duck", "placement": {"on": "table", "offset": [0, -0.2]}},
]}


def test_old_stored_specs_are_read_as_half_extents() -> None:
    spec = SceneSpec.from_stored(OLD_SCENE)
    assert spec.object("cube").size == [0.05, 0.05, 0.05]
    assert spec.object("peg").size == pytest.approx([0.02, 0.08])
    assert spec.size_convention == "full_extents"
    # the dump carries the marker, so reading it back (stored or fresh) never doubles again
    dumped = spec.to_dict()
    assert dumped["size_convention"] == "full_extents"
    assert SceneSpec.from_stored(dumped).object("cube").size == [0.05, 0.05, 0.05]
    assert SceneSpec.from_dict(dumped).object("cube").size == [0.05, 0.05, 0.05]
    assert SceneSpec.from_dict(json.loads(spec.to_text("json"))).object("cube").size == [0.05, 0.05, 0.05]
    # a spec written by a model or a person (no marker, not stored data) is full extents as written
    assert SceneSpec.from_dict(OLD_SCENE).object("cube").size == [0.025, 0.025, 0.025]
    assert stored_spec_data({"name": "x", "size_convention": "full_extents"})["size_convention"] == "full_extents"


def test_old_skill_records_keep_their_object_sizes() -> None:
    from roboskill.memory.records import SkillRecord

    record = {"name": "push_cube", "description": "Push the cube.", "scene": OLD_SCENE,
              "plan": {"task_name": "push_cube", "subtasks": [{"name": "p", "learner": "primitive",
                                                                "primitive": {"name": "grasp", "args": {"object": "cube"}}}]},
              "success_rate": 1.0, "run_id": "r", "task_id": "t"}
    old = SkillRecord.model_validate_json(json.dumps(record))
    assert old.scene.object("cube").size == [0.05, 0.05, 0.05]
    again = SkillRecord.model_validate_json(old.model_dump_json())  # stored again, read again: unchanged
    assert again.scene.object("cube").size == [0.05, 0.05, 0.05]
    with build_scene(again.scene, validate=False) as world:
        size = State(world).object_size("cube")  # a randomised start yaw widens the x / y extents a little
        assert size[2] == pytest.approx(0.05, abs=0.003) and 0.047 < min(size[:2]) <= max(size[:2]) < 0.073


def test_old_checkpoint_scenes_are_read_as_half_extents() -> None:
    """The graph state holds SceneSpec dumps; one without the marker comes from an old checkpoint."""
    from roboskill.agents import adapters

    old = {"name": "old", "objects": [_prim("cube", "box", [0.025] * 3)]}
    assert adapters.validate_scene(old) == []
    spec = SceneSpec.model_validate(stored_spec_data(old))
    assert spec.object("cube").size == [0.05] * 3
    current = SceneSpec.from_dict({"name": "new", "objects": [_prim("cube", "box", [0.05] * 3)]}).model_dump(mode="json")
    assert SceneSpec.model_validate(stored_spec_data(current)).object("cube").size == [0.05] * 3


# ------------------------------------------------------------------------------------------ warnings
def test_a_primitive_wider_than_the_gripper_is_flagged() -> None:
    wide = SceneSpec.from_dict({"name": "s", "objects": [_prim("big_cube", "box", [0.1, 0.1, 0.1]),
                                                         _prim("bar", "box", [0.2, 0.03, 0.03], 0, 0.2)]})
    report = static_checks(wide)
    (q,) = report.problems  # the bar is 3 cm wide one way: graspable
    assert q.object == "big_cube" and q.code == "too_wide_to_grasp" and q.severity == "warning"
    assert report.ok and "8 cm" in q.message and "full extents" in q.fix
    # when the goal needs it grasped, it is an error the designer must fix
    goal = {"conditions": [{"kind": "lifted", "object": "big_cube", "height": 0.05}]}
    full = validate_scene(wide, goal=goal)
    (err,) = full.errors
    assert err.code == "too_wide_to_grasp" and not full.ok
    # applying the suggested size literally fixes it
    fixed = json.loads(err.fix.split("e.g. size ")[1].split(" (")[0])
    data = wide.to_dict()
    data["objects"][0]["size"] = fixed
    assert validate_scene(SceneSpec.from_dict(data), goal=goal).ok


def test_a_container_smaller_than_its_content_is_an_error() -> None:
    spec = SceneSpec.from_dict({"name": "s", "objects": [
        {"kind": "asset", "name": "tray", "asset": "tray", "fixed": True, "placement": {"on": "table", "offset": [0.0, 0.2]}},
        _prim("slab", "box", [0.3, 0.3, 0.02], mass=0.1) | {"placement": {"inside": "tray"}},
        {"kind": "articulated", "name": "cabinet", "articulation": "drawer_cabinet", "placement": {"on": "table", "offset": [0.3, -0.15]}},
        _prim("plank", "box", [0.35, 0.04, 0.02]) | {"placement": {"inside": "cabinet.drawer_0"}},
        _prim("cube", "box", [0.05, 0.05, 0.05]) | {"placement": {"inside": "cabinet.drawer_1"}},
    ]})
    report = static_checks(spec)
    too_small = {q.object for q in report.problems if q.code == "container_too_small"}
    assert too_small == {"slab", "plank"} and not report.ok
    q = next(q for q in report.problems if q.object == "plank")
    assert "cabinet.drawer_0" in q.message and q.fix
