"""State API on a built scene: values match PyBullet, names are checked, predicates hold."""

from __future__ import annotations

import numpy as np
import pybullet as p
import pytest

from roboskill.sim.builder import build_scene
from roboskill.sim.spec import SceneSpec
from roboskill.sim.state import STATE_API_NAMES, State, StateError, state_api_doc

SPEC = {
    "name": "state_test",
    "start_randomization": {"xy": 0.0, "yaw": 0.0, "joints": 0.0},  # positions compared with the spec's own
    "objects": [
        {"kind": "primitive", "name": "cube", "shape": "box", "size": [0.04, 0.04, 0.04],
         "placement": {"on": "table", "offset": [0.0, -0.1]}},
        {"kind": "primitive", "name": "top", "shape": "box", "size": [0.03, 0.03, 0.03],
         "color": [0, 0, 1, 1], "placement": {"on": "cube"}},
        {"kind": "articulated", "name": "cabinet", "articulation": "drawer_cabinet", "params": {"n_drawers": 2},
         "initial_joints": {"drawer_0": 0.5},
         "placement": {"position": [0.2, 0.2, 0.0], "euler": [0, 0, 3.14159]}},
    ],
}


@pytest.fixture(scope="module")
def world():
    w = build_scene(SceneSpec.from_dict(SPEC), seed=0, validate=False)
    w.step(60)
    yield w
    w.close()


@pytest.fixture
def state(world):
    snapshot = world.save_state()
    yield State(world)
    world.restore_state(snapshot)


def test_positions_match_pybullet_and_spec(world, state: State) -> None:
    pos, orn = p.getBasePositionAndOrientation(world.bodies["cube"], physicsClientId=world.client)
    assert np.allclose(state.object_position("cube"), pos)
    assert np.allclose(state.object_orientation("cube"), orn)
    assert state.object_position("cube") == pytest.approx([0.0, -0.1, 0.02], abs=0.003)
    assert state.object_position("top")[2] == pytest.approx(0.04 + 0.015, abs=0.003)
    assert state.object_size("cube") == pytest.approx([0.04, 0.04, 0.04], abs=0.003)
    assert state.object_euler("cube") == pytest.approx([0, 0, 0], abs=0.02)
    assert np.linalg.norm(state.object_velocity("cube")) < 0.02
    assert state.object_position("table")[2] == pytest.approx(0.0, abs=0.005)  # the table's top surface
    assert state.ee_position() == pytest.approx(world.robot.ee_position())
    assert state.gripper_opening() == pytest.approx(0.08, abs=0.005)
    assert isinstance(state.distance("ee", "cube"), float)
    assert state.distance("cube", [0.0, -0.1, 0.02]) < 0.003
    assert state.xy_distance("cube", "top") < 0.003
    assert state.initial_object_position("cube") == pytest.approx(state.object_position("cube"), abs=1e-6)


def test_returned_arrays_are_copies(state: State) -> None:
    a = state.object_position("cube")
    a[0] = 99.0
    assert state.object_position("cube")[0] != 99.0


def test_joints_and_links(world, state: State) -> None:
    assert state.joint_names() == ["cabinet.drawer_0", "cabinet.drawer_1"]
    assert "cabinet.drawer_0_handle" in state.link_names()
    assert state.joint_open_fraction("cabinet.drawer_0") == pytest.approx(0.5, abs=0.02)
    assert state.joint_open_fraction("drawer_1") == pytest.approx(0.0, abs=0.02)  # unique short name
    assert state.initial_joint_open_fraction("cabinet.drawer_0") == pytest.approx(0.5, abs=0.02)
    world.set_joint_fraction("cabinet.drawer_0", 0.9)
    assert state.joint_open_fraction("cabinet.drawer_0") == pytest.approx(0.9, abs=1e-6)
    ref = world.joints["cabinet.drawer_0"]
    assert state.joint_position("cabinet.drawer_0") == pytest.approx(ref.lower + 0.9 * (ref.upper - ref.lower))
    handle = state.object_position("cabinet.drawer_0_handle")
    assert handle.shape == (3,) and state.distance("ee", "cabinet.drawer_0_handle") > 0


def test_unknown_names_list_valid_ones(state: State) -> None:
    with pytest.raises(StateError) as exc_info:
        state.object_position("cueb")
    msg = str(exc_info.value)
    assert "Did you mean 'cube'" in msg and "cabinet.drawer_0_handle" in msg and "ee" in msg
    assert isinstance(exc_info.value, KeyError)
    with pytest.raises(StateError, match="Valid joint names: cabinet.drawer_0, cabinet.drawer_1"):
        state.joint_open_fraction("cabinet.drawer_9")
    with pytest.raises(StateError, match="axis"):
        state.is_aligned("cube", "top", "w")


def test_contacts_and_predicates(world, state: State) -> None:
    assert state.in_contact("cube", "table") and state.in_contact("top", "cube")
    assert not state.in_contact("ee", "cube") and not state.in_contact("top", "table")
    assert state.is_on_top_of("top", "cube") and state.is_on_top_of("cube", "table")
    assert not state.is_on_top_of("cube", "top")
    assert state.is_above("top", "cube") and not state.is_above("cube", "top")
    assert state.is_aligned("top", "cube", "z") and not state.is_aligned("top", "cube", "x")
    lo, hi = state.object_aabb("cabinet.drawer_0")
    p.resetBasePositionAndOrientation(world.bodies["top"], ((lo + hi) / 2).tolist(), [0, 0, 0, 1],
                                      physicsClientId=world.client)
    assert state.is_inside("top", "cabinet.drawer_0") and not state.is_inside("cube", "cabinet.drawer_0")


def test_grasp_detected_when_holding_the_cube(world, state: State) -> None:
    p.resetBasePositionAndOrientation(world.bodies["top"], [0.3, -0.3, 0.02], [0, 0, 0, 1],
                                      physicsClientId=world.client)
    world.step(20)
    robot = world.robot
    cube = state.object_position("cube")
    assert not state.is_grasped("cube")
    assert robot.reach(cube + [0, 0, 0.1], yaw=0.0, gripper=1.0)
    assert robot.reach(cube, gripper=1.0)
    robot.set_gripper(-1.0)
    world.step(60)
    assert state.is_grasped("cube") and state.in_contact("ee", "cube")
    assert state.gripper_opening() == pytest.approx(0.04, abs=0.006)  # fingers stopped by the 4 cm cube
    robot.reach(cube + [0, 0, 0.15], gripper=-1.0)
    assert state.is_grasped("cube") and state.object_position("cube")[2] > 0.1


def test_cache_is_per_step(world) -> None:
    cached = State(world, cached=True)
    before = cached.object_position("cube")
    p.resetBasePositionAndOrientation(world.bodies["cube"], [0.1, 0.1, 0.02], [0, 0, 0, 1],
                                      physicsClientId=world.client)
    assert cached.object_position("cube") == pytest.approx(before)  # same step: cached
    cached.invalidate()
    assert cached.object_position("cube") == pytest.approx([0.1, 0.1, 0.02])
    assert cached.elapsed_time == pytest.approx(cached.time_step)


def test_api_doc_generated_from_code() -> None:
    doc = state_api_doc()
    for name in STATE_API_NAMES:
        if hasattr(State, name):
            assert f"state.{name}" in doc
    assert "state.object_position(name: str) -> array" in doc
    assert State.joint_open_fraction.__doc__.splitlines()[0] in doc
    assert "_world" not in doc and "invalidate" not in doc
