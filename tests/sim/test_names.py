"""`scene_names`: every name the State API accepts in a built scene, with sizes, ranges and units.

The reward writer is told these names instead of guessing them, and its code is checked against them, so
they must be exactly the State API's own (same strings, same acceptance rules) and measured in the same
units and frame as the accessors return.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from roboskill.sim.builder import build_scene
from roboskill.sim.names import (
    NAME_ARGS, JointName, LinkName, ObjectName, RobotNames, SceneNames, code_name_errors, names_doc, plan_name_errors,
    scene_names,
)
from roboskill.sim.spec import SceneSpec
from roboskill.sim.state import STATE_API_NAMES, State, StateError

SPEC = {
    "name": "drawer_and_cube",
    "objects": [
        {"kind": "articulated", "name": "cabinet", "articulation": "drawer_cabinet",
         "params": {"n_drawers": 2, "width": 0.36, "depth": 0.28, "drawer_height": 0.09},
         "initial_joints": {"drawer_1": 0.3}, "placement": {"position": [0.12, 0.08, 0.0]}},
        {"kind": "primitive", "name": "cube", "shape": "box", "size": [0.04, 0.04, 0.04],
         "placement": {"on": "table", "offset": [-0.12, -0.25]}},
    ],
}


@pytest.fixture(scope="module")
def built():
    world = build_scene(SceneSpec.from_dict(SPEC), validate=False, nominal=True)
    names = scene_names(world)
    yield world, names
    world.close()


def test_drawer_and_cube_names_with_ranges_and_units(built) -> None:
    world, names = built
    by_name = {o.name: o for o in names.objects}
    assert set(by_name) == {"table", "cabinet", "cube"}
    cube = by_name["cube"]
    assert (cube.kind, cube.category) == ("primitive", "box")
    assert cube.size == pytest.approx([0.04, 0.04, 0.04], abs=0.002)  # full extents, not half
    assert cube.pos == pytest.approx([-0.12, -0.25, 0.02], abs=0.003)  # centre, not bottom: z = half its height
    assert cube.z == pytest.approx([0.0, 0.04], abs=0.003)             # [bottom, top] on the table top (z = 0)
    assert cube.spread == [0.03, 0.3] and cube.fixed is None           # the scene's default start randomisation
    assert by_name["cabinet"].fixed and by_name["cabinet"].category == "drawer_cabinet"

    links = {k.name: k for k in names.links}
    assert links["cabinet.drawer_0_handle"].what == "handle of joint cabinet.drawer_0"
    assert "container" in links["cabinet.drawer_0"].what
    handle_x = links["cabinet.drawer_0_handle"].pos[0]
    assert handle_x < by_name["cabinet"].pos[0]  # the front (handles) faces -x, the robot

    joints = {j.name: j for j in names.joints}
    drawer = joints["cabinet.drawer_0"]
    assert (drawer.type, drawer.unit) == ("prismatic", "m")
    assert drawer.range[0] == 0.0 and 0.05 < drawer.range[1] < 0.5  # metres of travel
    assert drawer.range[1] == pytest.approx(world.joints["cabinet.drawer_0"].upper, abs=0.001)
    assert drawer.start == 0.0 and joints["cabinet.drawer_1"].start == pytest.approx(0.3, abs=0.01)
    assert drawer.fraction.startswith("0 pushed in")
    assert names.robot.ee[0] == "ee" and names.robot.gripper_max == pytest.approx(0.08)
    assert names.robot.base == [-0.6, 0.0, 0.0]


def test_names_are_the_state_apis_own_and_measured_like_it(built) -> None:
    world, names = built
    state = State(world)
    assert names.object_names() == state.object_names()
    assert names.link_names() == state.link_names() and names.joint_names() == state.joint_names()
    for obj in names.objects:
        assert obj.pos == pytest.approx(state.object_position(obj.name), abs=0.001)
        assert obj.size == pytest.approx(state.object_size(obj.name), abs=0.001)
    for link in names.links:
        assert link.pos == pytest.approx(state.object_position(link.name), abs=0.001)
    assert names.robot.ee_pos == pytest.approx(state.ee_position(), abs=0.001)


def test_compact_for_a_prompt(built) -> None:
    _, names = built
    dump = names.compact()
    text = json.dumps(dump, separators=(",", ":"))
    assert len(text) < 1600, len(text)
    assert "null" not in text and "-0.0," not in text
    assert SceneNames.model_validate(dump) == names  # the stored dump reads back


def test_every_field_says_what_it_means() -> None:
    for model in (ObjectName, LinkName, JointName, RobotNames, SceneNames):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
    doc = names_doc()
    assert "full extents" in doc and "(-0.6, 0, 0)" in doc and "left = +y" in doc and "centre of mass" in doc


def test_the_name_check_accepts_exactly_what_the_state_api_accepts(built) -> None:
    world, names = built
    state = State(world)
    tried = ["cube", "cub", "table", "cabinet", "cabinet.drawer_0", "drawer_0", "drawer_0_handle", "handle",
             "cabinet.drawer_0_handle", "ee", "gripper", "hand", "end_effector", "robot", "cabinet.drawer_9",
             "drawer", "red_cube", "Cube"]
    calls = {"thing": state.object_position, "object": state.initial_object_position, "joint": state.joint_open_fraction}
    method = {"thing": "object_position", "object": "initial_object_position", "joint": "joint_open_fraction"}
    for kind, call in calls.items():
        for name in tried:
            try:
                call(name)
                accepted = True
            except StateError:
                accepted = False
            source = f"def is_success(state):\n    return state.{method[kind]}({name!r}) is not None\n"
            assert (not code_name_errors(source, names)) == accepted, (kind, name)


def test_every_state_api_accessor_with_a_name_is_checked() -> None:
    import inspect

    for api in STATE_API_NAMES:
        member = inspect.getattr_static(State, api, None)
        if member is None or isinstance(member, property):
            continue
        params = list(inspect.signature(member).parameters)[1:]
        if any(p in ("name", "joint", "a", "b") for p in params):
            assert api in NAME_ARGS, api
            assert [p for p, _ in NAME_ARGS[api]] == [p for p in params if p in ("name", "joint", "a", "b")], api


def test_unknown_names_are_reported_with_the_valid_ones(built) -> None:
    _, names = built
    source = ("def compute_reward(state):\n"
              "    TARGET = 'cubee'\n"
              "    d = state.distance('ee', TARGET) + state.distance(a='gripper', b=[0.1, 0.2, 0.3])\n"
              "    f = state.joint_open_fraction(joint='cabinet.drawer_3')\n"
              "    return -d + f, {'reach': -d}\n")
    errors = code_name_errors(source, names)
    assert [e["line"] for e in errors] == [3, 4]
    first, second = (e["message"] for e in errors)
    assert "unknown object or link 'cubee'" in first and "Did you mean 'cube'" in first
    assert "objects are: table, cabinet, cube" in first and "cabinet.drawer_0_handle" in first and "'ee'" in first
    assert "unknown joint 'cabinet.drawer_3'" in second and "joints are: cabinet.drawer_0, cabinet.drawer_1" in second
    # names computed at run time are the dry run's to check; numpy calls are not State API calls
    assert code_name_errors("def is_success(state):\n    n = state.object_names()[0]\n"
                            "    return state.is_grasped(n) and np.distance('x') > 0\n", names) == []
    assert code_name_errors("def is_success(state:\n", names) == []  # the sandbox reports syntax errors


def test_primitive_arguments_are_checked_exactly(built) -> None:
    _, names = built
    plan = {"task_name": "t", "subtasks": [
        {"name": "open", "learner": "primitive", "primitive": {"name": "open", "args": {"joint": "cabinet.drawer_2"}},
         "success_code": "def is_success(state):\n    return state.joint_open_fraction('cabinet.drawer_0') > 0.5\n"},
        {"name": "pick", "learner": "primitive", "primitive": {"name": "place", "args": {"object": "cube", "on": "cabinet"}},
         "success_code": "def is_success(state):\n    return state.is_on_top_of('cube', 'cabnet')\n"}]}
    errors = plan_name_errors(plan, names.compact())
    assert [(e["subtask"], e["field"]) for e in errors] == [("open", "primitive"), ("pick", "success_code")]
    assert "unknown joint 'cabinet.drawer_2' in primitive 'open' argument 'joint'" in errors[0]["message"]
    assert "Did you mean 'cabinet'" in errors[1]["message"]
    assert plan_name_errors(plan, {"objects": "stored by another version"}) == []


def test_a_scene_without_joints_and_a_rotated_asset() -> None:
    spec = {"name": "mug", "start_randomization": {"xy": 0.0, "yaw": 0.0, "joints": 0.0},
            "objects": [{"kind": "asset", "name": "mug", "asset": "mug", "placement": {"on": "table", "euler": [0, 0, 1.57]}}]}
    world = build_scene(SceneSpec.from_dict(spec), validate=False, nominal=True)
    try:
        names = scene_names(world)
    finally:
        world.close()
    (mug,) = [o for o in names.objects if o.name == "mug"]
    assert (mug.kind, mug.category, mug.spread) == ("asset", "mug", None)
    assert mug.z[0] == pytest.approx(0.0, abs=0.003) and mug.z[1] == pytest.approx(mug.size[2], abs=0.003)
    assert names.links == [] and names.joints == []
    assert "joints are: (none" in names.valid_list("joint")
    assert np.isfinite(mug.pos).all()
