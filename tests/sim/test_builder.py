"""build_scene: objects end up where the spec says, resets randomise, state save/restore is exact."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pybullet as p
import pytest

from roboskill.sim.builder import build_scene
from roboskill.sim.spec import SceneSpec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenes"


STILL = {"xy": 0.0, "yaw": 0.0, "joints": 0.0}  # placement tests: the spec's own poses, no start variation


def _spec(objects: list[dict], **kw) -> SceneSpec:
    return SceneSpec.from_dict({"name": "t", "objects": objects, "start_randomization": STILL, **kw})


def _aabb(world, name):
    return world.object_aabb(name)


def test_on_table_and_explicit_positions() -> None:
    spec = _spec([
        {"kind": "primitive", "name": "cube", "shape": "box", "size": [0.04, 0.04, 0.06], "placement": {"on": "table", "offset": [0.05, -0.1]}},
        {"kind": "primitive", "name": "ball", "shape": "sphere", "size": [0.06], "placement": {"position": [-0.1, 0.2, 0.03]}},
    ])
    with build_scene(spec, seed=0) as world:
        lo, hi = _aabb(world, "cube")
        assert abs(lo[2]) < 0.004 and abs(hi[2] - 0.06) < 0.004          # bottom on the table top z = 0
        assert np.allclose((lo[:2] + hi[:2]) / 2, [0.05, -0.1], atol=0.003)
        pos, _ = p.getBasePositionAndOrientation(world.bodies["ball"], physicsClientId=world.client)
        assert np.allclose(pos, [-0.1, 0.2, 0.03], atol=1e-6)
        assert set(world.bodies) == {"table", "cube", "ball"}
        world.step(60)                                                  # nothing moves: it rests
        lo2, _ = _aabb(world, "cube")
        assert np.allclose(lo, lo2, atol=0.003)


def test_relations_resolve() -> None:
    spec = _spec([
        {"kind": "primitive", "name": "base", "shape": "box", "size": [0.06, 0.06, 0.06], "placement": {"on": "table"}},
        {"kind": "primitive", "name": "top", "shape": "box", "size": [0.04, 0.04, 0.04], "placement": {"on": "base"}},
        {"kind": "primitive", "name": "l", "shape": "box", "size": [0.04, 0.04, 0.04], "placement": {"left_of": "base", "distance": 0.15}},
        {"kind": "primitive", "name": "r", "shape": "box", "size": [0.04, 0.04, 0.04], "placement": {"right_of": "base", "distance": 0.15}},
        {"kind": "primitive", "name": "f", "shape": "box", "size": [0.04, 0.04, 0.04], "placement": {"front_of": "base", "distance": 0.15}},
        {"kind": "primitive", "name": "b", "shape": "box", "size": [0.04, 0.04, 0.04], "placement": {"behind": "base", "distance": 0.15}},
        {"kind": "asset", "name": "tray", "asset": "tray", "fixed": True, "placement": {"on": "table", "offset": [0.0, -0.32]}},
        {"kind": "primitive", "name": "in_tray", "shape": "box", "size": [0.04, 0.04, 0.04], "placement": {"inside": "tray"}},
    ])
    with build_scene(spec, seed=0) as world:
        c = {n: (world.object_aabb(n)[0] + world.object_aabb(n)[1]) / 2 for n in world.spec.object_names()}
        assert abs(world.object_aabb("top")[0][2] - world.object_aabb("base")[1][2]) < 0.005
        assert np.allclose(c["top"][:2], c["base"][:2], atol=0.003)
        assert np.allclose(c["l"][:2] - c["base"][:2], [0, 0.15], atol=0.003)
        assert np.allclose(c["r"][:2] - c["base"][:2], [0, -0.15], atol=0.003)
        assert np.allclose(c["f"][:2] - c["base"][:2], [-0.15, 0], atol=0.003)
        assert np.allclose(c["b"][:2] - c["base"][:2], [0.15, 0], atol=0.003)
        tlo, thi = world.object_aabb("tray")
        ilo, ihi = world.object_aabb("in_tray")
        assert (ilo[:2] > tlo[:2]).all() and (ihi[:2] < thi[:2]).all() and ihi[2] < thi[2] + 0.04


def test_inside_a_drawer_follows_the_drawer() -> None:
    spec = _spec([
        {"kind": "articulated", "name": "cab", "articulation": "drawer_cabinet", "initial_joints": {"drawer_0": 0.8},
         "placement": {"position": [0.1, 0.0, 0.0]}},
        {"kind": "primitive", "name": "cube", "shape": "box", "size": [0.03, 0.03, 0.03], "placement": {"inside": "cab.drawer_0"}},
    ])
    with build_scene(spec, seed=0) as world:
        body, idx = world.links["cab.drawer_0"]
        dlo, dhi = p.getAABB(body, idx, physicsClientId=world.client)
        clo, chi = world.object_aabb("cube")
        assert (np.array(clo[:2]) > np.array(dlo[:2])).all() and (np.array(chi[:2]) < np.array(dhi[:2])).all()
        assert abs(world.joint_position("cab.drawer_0") - 0.8 * 0.2) < 1e-6
        world.step(120)
        assert np.linalg.norm(world.object_aabb("cube")[0] - clo) < 0.01   # rests in the drawer


def test_reset_randomises_with_seed_and_returns_home() -> None:
    spec = SceneSpec.from_file(EXAMPLES / "push_cube.yaml")
    with build_scene(spec, seed=1) as world:
        a = world.initial_poses["cube"][0].copy()
        world.reset(seed=1)
        assert np.allclose(world.initial_poses["cube"][0], a)
        world.reset(seed=2)
        b = world.initial_poses["cube"][0]
        assert not np.allclose(a, b) and np.abs(b[:2] - [0.0, -0.05]).max() <= 0.03 + 1e-6
        home = world.robot.ee_position()
        world.robot.move_ee_to([0.0, 0.1, 0.1])
        world.step(100)
        world.reset()
        assert np.allclose(world.robot.ee_position(), home, atol=1e-6)


def test_joint_randomisation_stays_in_range() -> None:
    spec = _spec([{"kind": "articulated", "name": "box", "articulation": "lid_box", "initial_joints": {"lid": 0.5},
                   "randomize_joints": 0.2, "placement": {"on": "table"}}])
    with build_scene(spec, seed=0) as world:
        fracs = set()
        for s in range(5):
            world.reset(seed=s)
            f = world.initial_joint_fractions["box.lid"]
            assert 0.3 - 1e-9 <= f <= 0.7 + 1e-9
            ref = world.joints["box.lid"]
            assert abs(ref.to_fraction(world.joint_position("box.lid")) - f) < 1e-6
            fracs.add(round(f, 4))
        assert len(fracs) > 1


def test_save_restore_state_is_exact() -> None:
    with build_scene(SceneSpec.from_file(EXAMPLES / "push_cube.yaml"), seed=0) as world:
        sid = world.save_state()
        world.robot.apply_action([0.01, 0.0, -0.01], -1.0)
        world.step(5)
        ee_after = world.robot.ee_position()
        for _ in range(20):
            world.robot.apply_action([0.01, 0.01, -0.01], 1.0)
            world.step(5)
        world.restore_state(sid)
        world.step(5)
        world.restore_state(sid)
        world.robot.apply_action([0.01, 0.0, -0.01], -1.0)
        world.step(5)
        assert np.allclose(world.robot.ee_position(), ee_after, atol=1e-6)
        world.remove_state(sid)


def test_uses_given_client_and_close_is_idempotent() -> None:
    client = p.connect(p.DIRECT)
    try:
        world = build_scene(SceneSpec.from_file(EXAMPLES / "stack_cubes.yaml"), client=client)
        assert world.client == client
        world.close()
        world.close()
        assert p.isConnected(client)  # not ours to close
    finally:
        p.disconnect(client)


def test_ten_object_scene_builds_fast() -> None:
    spec = SceneSpec.from_file(EXAMPLES / "kitchen_10_objects.yaml")
    assert len(spec.objects) == 10 and sum(o.kind == "articulated" for o in spec.objects) == 2
    build_scene(spec, validate=False).close()  # warm caches (URDF text, mesh files)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        world = build_scene(spec, validate=True)
        times.append(time.perf_counter() - t)
        world.close()
    assert min(times) < 1.0, times


@pytest.mark.parametrize("robot", ["xarm6", "kuka"])
def test_alternative_robots_build(robot: str) -> None:
    spec = SceneSpec.from_file(EXAMPLES / "push_cube.yaml").model_copy(update={"robot": robot})
    with build_scene(spec, seed=0) as world:
        assert world.robot.kind == robot
        assert world.robot.proprioception().shape == (8,)
