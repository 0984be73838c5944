"""Goals judged over real PyBullet state: each condition true where it must be and false where it must not."""

from __future__ import annotations

import math

import numpy as np
import pybullet as p
import pytest
from pydantic import ValidationError

from roboskill.sim import goals as G
from roboskill.sim.env import SkillEnv
from roboskill.sim.spec import SceneSpec


def _scene(*objects: dict, randomize: dict | None = None) -> SceneSpec:
    data = {"name": "t", "objects": list(objects)}
    if randomize is not None:
        data["start_randomization"] = randomize
    return SceneSpec.from_dict(data)


BLOCK = {"kind": "primitive", "name": "red_block", "shape": "box", "size": [0.04, 0.04, 0.04],
         "placement": {"on": "table", "offset": [0.0, 0.0]}}
PLATE = {"kind": "primitive", "name": "plate", "shape": "box", "size": [0.12, 0.12, 0.02],
         "placement": {"on": "table", "offset": [0.05, 0.15]}, "fixed": True}
CABINET = {"kind": "articulated", "name": "cabinet", "articulation": "drawer_cabinet",
           "placement": {"position": [0.25, 0.0, 0.0], "euler": [0, 0, 3.14159]}}
BUTTON = {"kind": "articulated", "name": "button", "articulation": "button", "placement": {"on": "table", "offset": [0.0, -0.2]}}


def _goal(conditions: list[dict], objects: list[dict] | None = None) -> G.Goal:
    return G.Goal.model_validate({"action": "test", "summary": "test goal",
                                  "objects": objects or [{"name": "red_block", "category": "box"}],
                                  "conditions": conditions})


def _teleport(env: SkillEnv, name: str, xyz: tuple[float, float, float], quat=(0, 0, 0, 1)) -> None:
    body = env.world.bodies[name]
    p.resetBasePositionAndOrientation(body, list(xyz), list(quat), physicsClientId=env.world.client)
    p.resetBaseVelocity(body, [0, 0, 0], [0, 0, 0], physicsClientId=env.world.client)
    env.state.invalidate(advanced=0)


@pytest.fixture
def block_env():
    env = SkillEnv(_scene(BLOCK, PLATE, randomize={"xy": 0, "yaw": 0, "joints": 0}), None, None, horizon=50, seed=0)
    env.reset(seed=1)
    yield env
    env.close()


def test_lifted_needs_the_stated_height_and_is_judged_after_settling(block_env):
    goal = _goal([{"kind": "lifted", "object": "red_block", "height": 0.05}])
    start = block_env.state.object_position("red_block")
    assert not G.judge(goal, block_env, settle_s=0.0).success  # on the table
    # teleported 10 cm up with nothing holding it: true for an instant, false once the world settles
    _teleport(block_env, "red_block", (start[0], start[1], start[2] + 0.10))
    assert G.check_condition(goal.conditions[0], block_env.state).ok
    verdict = G.judge(goal, block_env)
    assert not verdict.success and verdict.conditions[0].value < 0.01


def test_on_requires_resting_on_the_support(block_env):
    goal = _goal([{"kind": "on", "object": "red_block", "support": "plate"}],
                 [{"name": "red_block", "category": "box"}, {"name": "plate", "category": "box"}])
    assert not G.judge(goal, block_env).success
    plate = block_env.state.object_position("plate")
    _teleport(block_env, "red_block", (plate[0], plate[1], 0.02 + 0.021))
    assert G.judge(goal, block_env).success
    # beside the plate, at the same height: not on it
    _teleport(block_env, "red_block", (plate[0] + 0.15, plate[1], 0.021))
    assert not G.judge(goal, block_env).success


def test_displaced_counts_only_the_asked_direction(block_env):
    left = _goal([{"kind": "displaced", "object": "red_block", "direction": "left", "distance": 0.10}])
    right = _goal([{"kind": "displaced", "object": "red_block", "direction": "right", "distance": 0.10}])
    start = block_env.state.initial_object_position("red_block")
    _teleport(block_env, "red_block", (start[0], start[1] + 0.12, start[2]))
    assert G.judge(left, block_env).success and not G.judge(right, block_env).success
    _teleport(block_env, "red_block", (start[0], start[1] + 0.05, start[2]))
    assert not G.judge(left, block_env).success


def test_displaced_about_an_amount_fails_on_overshoot_and_drift(block_env):
    about = _goal([{"kind": "displaced", "object": "red_block", "direction": "right", "distance": 0.12,
                    "max_distance": 0.18, "max_sideways": 0.08}])
    start = block_env.state.initial_object_position("red_block")
    _teleport(block_env, "red_block", (start[0], start[1] - 0.13, start[2]))
    assert G.judge(about, block_env).success
    _teleport(block_env, "red_block", (start[0], start[1] - 0.30, start[2]))  # rolled far past
    assert not G.judge(about, block_env).success
    _teleport(block_env, "red_block", (start[0] + 0.15, start[1] - 0.13, start[2]))  # far off the line
    assert not G.judge(about, block_env).success


def test_toppled_and_upright(block_env):
    toppled = _goal([{"kind": "toppled", "object": "red_block", "min_tilt": 1.0}])
    upright = _goal([{"kind": "upright", "object": "red_block"}])
    assert G.judge(upright, block_env).success and not G.judge(toppled, block_env).success
    start = block_env.state.object_position("red_block")
    _teleport(block_env, "red_block", (start[0], start[1], 0.021), p.getQuaternionFromEuler((math.pi / 2, 0, 0)))
    assert G.judge(toppled, block_env).success and not G.judge(upright, block_env).success


def test_still_moving_objects_fail_the_verdict(block_env):
    goal = _goal([{"kind": "displaced", "object": "red_block", "direction": "forward", "distance": 0.01, "tolerance": 0.0}])
    body = block_env.world.bodies["red_block"]
    start = block_env.state.initial_object_position("red_block")
    _teleport(block_env, "red_block", (start[0] + 0.05, start[1], 0.5))  # high above the table: still falling
    verdict = G.judge(goal, block_env, settle_s=0.05)
    assert not verdict.success and verdict.moving == ["red_block"]
    assert body is not None


def test_joint_fraction_and_moved():
    env = SkillEnv(_scene(CABINET, randomize={"xy": 0, "yaw": 0, "joints": 0}), None, None, horizon=10, seed=0)
    try:
        env.reset(seed=3)
        cab = [{"name": "cabinet", "category": "drawer_cabinet"}]
        opened = _goal([{"kind": "joint_fraction", "joint": "cabinet.drawer_0", "at_least": 0.6}], cab)
        moved = _goal([{"kind": "joint_moved", "joint": "cabinet.drawer_0", "amount": 0.05, "direction": "open"}], cab)
        closed = _goal([{"kind": "joint_fraction", "joint": "cabinet.drawer_0", "at_most": 0.1}], cab)
        assert G.holds_now(closed, env.state) and not G.holds_now(opened, env.state)
        env.world.set_joint_fraction("cabinet.drawer_0", 0.8)
        env.state.invalidate(advanced=0)
        assert G.holds_now(opened, env.state) and G.holds_now(moved, env.state) and not G.holds_now(closed, env.state)
        assert not G.world_errors(opened, env.state)
        wrong = _goal([{"kind": "joint_fraction", "joint": "cabinet.drawer_9", "at_least": 0.5}], cab)
        assert "drawer_9" in G.world_errors(wrong, env.state)[0]
    finally:
        env.close()


def test_joint_reached_sees_a_press_that_springs_back_but_not_planner_rollouts():
    env = SkillEnv(_scene(BUTTON, randomize={"xy": 0, "yaw": 0, "joints": 0}), None, None, horizon=10, seed=0)
    try:
        env.reset(seed=0)
        goal = _goal([{"kind": "joint_reached", "joint": "button.button", "at_least": 0.6}],
                     [{"name": "button", "category": "button"}])
        root = env.save_state()
        env.world.set_joint_fraction("button.button", 1.0)
        env.state.invalidate(advanced=0)
        env.current_observation()  # an imagined rollout sees the press...
        env.restore_state(root)   # ...and the planner rewinds it: the press never happened
        assert not G.judge(goal, env).success
        env.world.set_joint_fraction("button.button", 1.0)
        env.state.invalidate(advanced=0)
        env.current_observation()
        env.world.set_joint_fraction("button.button", 0.0)  # released: it sprang back
        env.state.invalidate(advanced=0)
        assert G.judge(goal, env).success
    finally:
        env.close()


def test_scene_must_contain_what_the_goal_names():
    goal = _goal([{"kind": "lifted", "object": "towel"}], [{"name": "towel", "category": "cloth"}])
    errors = G.scene_errors(goal, _scene(BLOCK))
    assert errors and "towel" in errors[0]
    wrong_kind = _goal([{"kind": "lifted", "object": "red_block"}], [{"name": "red_block", "category": "sphere"}])
    assert "sphere" in G.scene_errors(wrong_kind, _scene(BLOCK))[0]
    assert G.scene_errors(_goal([{"kind": "lifted", "object": "red_block"}]), _scene(BLOCK)) == []


def test_start_errors_catch_a_goal_that_already_holds():
    closed = _goal([{"kind": "joint_fraction", "joint": "cabinet.drawer_0", "at_most": 0.5}],
                   [{"name": "cabinet", "category": "drawer_cabinet"}])
    errors = G.start_errors(closed, _scene(CABINET))
    assert errors and "already holds" in errors[0]
    opened = _goal([{"kind": "joint_fraction", "joint": "cabinet.drawer_0", "at_least": 0.6}],
                   [{"name": "cabinet", "category": "drawer_cabinet"}])
    assert G.start_errors(opened, _scene(CABINET)) == []


def test_default_start_randomization_varies_free_objects_only():
    spec = _scene(BLOCK, PLATE)
    env = SkillEnv(spec, None, None, horizon=5, seed=0)
    try:
        starts, plates = [], []
        for seed in range(6):
            env.reset(seed=seed)
            starts.append(env.state.object_position("red_block")[:2].copy())
            plates.append(env.state.object_position("plate")[:2].copy())
        spread = np.ptp(np.array(starts), axis=0)
        assert (spread > 0.005).all() and (np.abs(np.array(starts)) <= 0.03 + 1e-6).all()
        assert np.ptp(np.array(plates), axis=0).max() < 1e-6  # fixed: never moved
    finally:
        env.close()
    still = _scene(BLOCK, randomize={"xy": 0.0, "yaw": 0.0, "joints": 0.0})
    env = SkillEnv(still, None, None, horizon=5, seed=0)
    try:
        a = (env.reset(seed=1), env.state.object_position("red_block").copy())[1]
        b = (env.reset(seed=2), env.state.object_position("red_block").copy())[1]
        assert np.allclose(a, b)
    finally:
        env.close()


def test_goal_validation_rejects_undeclared_names_and_bad_answers():
    with pytest.raises(ValidationError, match="not among the goal's objects"):
        _goal([{"kind": "on", "object": "red_block", "support": "shelf"}])
    with pytest.raises(ValidationError, match="exactly one"):
        G.GoalAnswer.model_validate({})
    with pytest.raises(ValidationError):
        _goal([{"kind": "joint_fraction", "joint": "cabinet.drawer_0"}], [{"name": "cabinet", "category": "drawer_cabinet"}])


@pytest.mark.parametrize("k,n,lo,hi", [(0, 20, 0.0, 0.161), (20, 20, 0.839, 1.0), (16, 20, 0.584, 0.919)])
def test_wilson_interval(k, n, lo, hi):
    a, b = G.wilson_interval(k, n)
    assert a == pytest.approx(lo, abs=0.002) and b == pytest.approx(hi, abs=0.002)
