"""Articulated generators: names as in the contract, every joint moves through its whole range."""

from __future__ import annotations

import numpy as np
import pybullet as p
import pytest

from roboskill.sim.articulated import GENERATORS, ArticulationParamError, generate, resolve_params
from roboskill.sim.builder import build_scene
from roboskill.sim.spec import SceneSpec

EXPECTED_JOINTS = {
    "drawer_cabinet": ["drawer_0", "drawer_1", "drawer_2"], "door_cabinet": ["door"], "lid_box": ["lid"],
    "button": ["button"], "lever": ["lever"], "sliding_door": ["slider"], "knob": ["knob"],
}
PARAMS = {"drawer_cabinet": {"n_drawers": 3, "drawer_height": 0.08}}


def _world(kind: str):
    spec = SceneSpec.from_dict({"name": kind, "objects": [
        {"kind": "articulated", "name": "obj", "articulation": kind, "params": PARAMS.get(kind, {}),
         "placement": {"position": [0.1, 0.0, 0.0]}}]})
    return build_scene(spec, seed=0)


def _drive(world, joint: str, target: float, steps: int = 480) -> float:
    ref = world.joints[joint]
    p.setJointMotorControl2(ref.body, ref.index, p.POSITION_CONTROL, targetPosition=target, force=200.0,
                            maxVelocity=5.0, physicsClientId=world.client)
    world.step(steps)
    return world.joint_position(joint)


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_joints_move_through_their_range(kind: str) -> None:
    with _world(kind) as world:
        names = sorted(j.split(".", 1)[1] for j in world.joints)
        assert names == EXPECTED_JOINTS[kind]
        for joint in world.joints:
            ref = world.joints[joint]
            span = ref.upper - ref.lower
            assert span > 0
            # start closed; drive open past the limit: the limit stops it near the upper bound
            up = _drive(world, joint, ref.upper + 0.2 * span)
            assert abs(up - ref.upper) < 0.08 * span + 0.003, (joint, up, ref)
            assert ref.to_fraction(up) > 0.9
            down = _drive(world, joint, ref.lower - 0.2 * span)
            assert abs(down - ref.lower) < 0.08 * span + 0.003, (joint, down, ref)
            for link in (joint.split(".")[1], f"{joint.split('.')[1]}_handle"):
                if kind != "button" or link == "button":
                    assert f"obj.{link}" in world.links


def test_button_springs_back_up() -> None:
    with _world("button") as world:
        ref = world.joints["obj.button"]
        # press with an external force on the cap, then release
        for _ in range(120):
            p.applyExternalForce(ref.body, ref.index, [0, 0, -15.0], [0, 0, 0], p.LINK_FRAME, physicsClientId=world.client)
            world.step(1)
        assert ref.to_fraction(world.joint_position("obj.button")) > 0.9
        world.step(240)
        assert ref.to_fraction(world.joint_position("obj.button")) < 0.1


def test_handles_stick_out_towards_the_robot_and_fit_the_gripper() -> None:
    with _world("drawer_cabinet") as world:
        c = world.client
        body_lo, _ = p.getAABB(world.bodies["obj"], -1, physicsClientId=c)
        for i in range(3):
            b, idx = world.links[f"obj.drawer_{i}_handle"]
            lo, hi = np.array(p.getAABB(b, idx, physicsClientId=c)[0]), np.array(p.getAABB(b, idx, physicsClientId=c)[1])
            assert lo[0] < body_lo[0] - 0.03            # stands off the front (the front faces -x)
            assert (hi - lo)[1] < 0.04                   # grip cross-section fits the 8 cm gripper
        tops = [p.getAABB(*world.links[f"obj.drawer_{i}"], physicsClientId=c)[1][2] for i in range(3)]
        assert tops[0] > tops[1] > tops[2]               # drawer_0 is the top one


def test_panda_can_grasp_a_drawer_handle_and_pull_it_open() -> None:
    spec = SceneSpec.from_dict({"name": "pull", "objects": [
        {"kind": "articulated", "name": "cab", "articulation": "drawer_cabinet", "placement": {"position": [0.12, 0.08, 0.0]}}]})
    with build_scene(spec, seed=0) as world:
        r = world.robot
        lo, hi = p.getAABB(*world.links["cab.drawer_0_handle"], physicsClientId=world.client)
        x, y, z = lo[0] + 0.007, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2
        assert r.reach([x, y, z + 0.1], 0.0, 0.2)
        assert r.reach([x, y, z], 0.0, 0.2)
        for _ in range(60):
            r.set_gripper(-1.0)
            world.step(1)
        for k in range(30):
            r.reach([x - 0.006 * (k + 1), y, z], 0.0, -1.0, max_steps=12, tol=0.002)
        assert world.joints["cab.drawer_0"].to_fraction(world.joint_position("cab.drawer_0")) > 0.6


def test_params_are_checked_and_urdf_is_cached(tmp_path) -> None:
    with pytest.raises(ArticulationParamError, match="valid"):
        resolve_params("drawer_cabinet", {"n_drawer": 2})
    with pytest.raises(ArticulationParamError, match="1..3"):
        generate("drawer_cabinet", {"n_drawers": 5}, directory=tmp_path)
    with pytest.raises(ArticulationParamError, match="number"):
        resolve_params("knob", {"radius": "big"})
    a = generate("lever", {"length": 0.1}, directory=tmp_path)
    b = generate("lever", {"length": 0.1}, directory=tmp_path)
    c = generate("lever", {"length": 0.14}, directory=tmp_path)
    assert a.urdf_path == b.urdf_path != c.urdf_path and a.urdf_path.exists()
