"""Robot: IK end-effector control, gripper, proprioception layout, step speed."""

from __future__ import annotations

import time

import numpy as np
import pybullet as p
import pytest

from roboskill.sim.builder import build_scene
from roboskill.sim.robot import PROPRIO_LAYOUT
from roboskill.sim.spec import SceneSpec


def _world(robot: str = "panda"):
    return build_scene(SceneSpec(name="empty", robot=robot), seed=0)


@pytest.mark.parametrize("robot", ["panda", "xarm6", "kuka"])
def test_move_ee_to_reaches_targets(robot: str) -> None:
    with _world(robot) as world:
        r = world.robot
        for target in ([0.0, 0.0, 0.1], [-0.15, 0.25, 0.05], [0.05, -0.2, 0.2]):
            assert r.reach(target, max_steps=400, tol=0.015), (robot, target, r.ee_position())
        down = np.array(p.getMatrixFromQuaternion(r.ee_orientation())).reshape(3, 3)[:, 2]
        assert down[2] < -0.95                                     # gripper points down


def test_yaw_and_gripper() -> None:
    with _world() as world:
        r = world.robot
        r.reach([0.0, 0.0, 0.1], yaw=0.7, gripper=-1.0, max_steps=300)
        assert abs(r.ee_yaw() - 0.7) < 0.05
        assert r.gripper_opening() < 0.005
        r.set_gripper(1.0)
        world.step(60)
        assert abs(r.gripper_opening() - 0.08) < 0.005
        prop = r.proprioception()
        assert prop.shape == (len(PROPRIO_LAYOUT),)
        assert np.allclose(prop[:3], r.ee_position()) and abs(prop[6] - r.ee_yaw()) < 1e-6


def test_apply_action_moves_by_delta_and_clips() -> None:
    with _world() as world:
        r = world.robot
        start = r.ee_position()
        for _ in range(40):
            r.apply_action([0.005, 0.0, 0.0], 1.0)
            world.step(4)
        assert r.ee_position()[0] - start[0] > 0.1
        for _ in range(80):
            r.apply_action([0.0, 0.0, -0.05], 1.0)
            world.step(4)
        assert r.ee_position()[2] > -0.01                           # clipped at the table


def test_kuka_gripper_is_a_noop() -> None:
    with _world("kuka") as world:
        world.robot.apply_action([0, 0, 0], -1.0)
        assert world.robot.gripper_opening() == 0.0 and world.robot.finger_links == (-1, -1)


def test_step_is_fast() -> None:
    with build_scene(SceneSpec.from_dict({"name": "push", "objects": [
            {"kind": "primitive", "name": "cube", "shape": "box", "size": [0.04] * 3, "placement": {"on": "table"}}]})) as world:
        r = world.robot
        rng = np.random.default_rng(0)
        n = 1000
        t = time.perf_counter()
        for _ in range(n):
            r.apply_action(rng.uniform(-0.01, 0.01, 3), 1.0)
            world.step(2)
            r.proprioception()
        rate = n / (time.perf_counter() - t)
        assert rate > 1300, rate
