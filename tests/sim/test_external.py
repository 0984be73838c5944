"""The external-env adapter: state values match panda-gym's own observation; its is_success survives."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("panda_gym")

from roboskill.sim.external import (  # noqa: E402
    ExternalEnvError,
    GeneratedRewardEnv,
    PandaGymState,
    external_state,
    external_state_doc,
    make_external_env,
    parse_env_id,
    template_reward_source,
)
from roboskill.sim.state import StateError  # noqa: E402

CONSTANT_REWARD = '''
def compute_reward(state):
    d = state.distance("ee", "target")
    return 42.0, {"constant": 42.0, "probe": d}

def is_success(state):
    return False
'''


@pytest.fixture()
def reach():
    env = make_external_env("panda_gym:PandaReach-v3")
    yield env
    env.close()


@pytest.fixture()
def push():
    env = make_external_env("panda_gym:PandaPush-v3")
    yield env
    env.close()


def test_parse_env_id_accepts_module_colon_id_and_rejects_the_rest():
    assert parse_env_id("panda_gym:PandaPush-v3") == ("panda_gym", "PandaPush-v3")
    with pytest.raises(ExternalEnvError, match="module:EnvId"):
        parse_env_id("PandaPush-v3")


def test_make_external_env_names_missing_module_and_unknown_id():
    with pytest.raises(ExternalEnvError, match="cannot import module 'no_such_gym_pkg'"):
        make_external_env("no_such_gym_pkg:Foo-v0")
    with pytest.raises(ExternalEnvError, match="did you mean.*PandaPush-v3"):
        make_external_env("panda_gym:PandaPsh-v3")


def test_reach_state_matches_observation(reach):
    state = external_state(reach, "panda_gym:PandaReach-v3")
    assert isinstance(state, PandaGymState)
    obs, _ = reach.reset(seed=3)
    state.on_reset(obs)
    for _ in range(5):
        obs, *_ = reach.step(reach.action_space.sample())
        np.testing.assert_allclose(state.ee_position(), obs["observation"][:3], atol=1e-6)
        np.testing.assert_allclose(state.ee_velocity(), obs["observation"][3:6], atol=1e-5)
        np.testing.assert_allclose(state.goal_position(), obs["desired_goal"], atol=1e-6)
        np.testing.assert_allclose(state.object_position("target"), obs["desired_goal"], atol=1e-6)
        np.testing.assert_allclose(state.achieved_goal(), obs["achieved_goal"], atol=1e-6)
    assert state.distance("ee", "target") == pytest.approx(
        float(np.linalg.norm(obs["achieved_goal"] - obs["desired_goal"])), abs=1e-5)
    assert state.success_threshold() == pytest.approx(0.05)
    assert state.gripper_opening() == 0.0  # Reach blocks the gripper
    assert state.time_step == pytest.approx(0.04)


def test_push_state_matches_observation_and_unknown_names_are_explained(push):
    state = external_state(push, "panda_gym:PandaPush-v3")
    obs, _ = push.reset(seed=5)
    state.on_reset(obs)
    o = obs["observation"]  # ee pos(3), ee vel(3), object pos(3), rot(3), vel(3), angvel(3)
    np.testing.assert_allclose(state.object_position("object"), o[6:9], atol=1e-6)
    np.testing.assert_allclose(state.object_euler("object"), o[9:12], atol=1e-5)
    np.testing.assert_allclose(state.object_position("object"), obs["achieved_goal"], atol=1e-6)
    np.testing.assert_allclose(state.initial_object_position("object"), o[6:9], atol=1e-6)
    np.testing.assert_allclose(state.object_size("object"), [0.04, 0.04, 0.04], atol=0.005)
    assert not state.is_grasped("object")
    push.step(np.zeros(push.action_space.shape, dtype=np.float32))  # contacts exist after a physics step
    assert state.in_contact("object", "table")
    assert set(state.object_names()) >= {"object", "target", "table"}
    with pytest.raises(StateError, match="unknown object 'cube'.*object, target"):
        state.object_position("cube")
    with pytest.raises(StateError, match="not derivable"):
        state.joint_position("drawer")
    assert "object_position" in external_state_doc()


def test_wrapper_replaces_reward_but_keeps_env_success(push):
    env = GeneratedRewardEnv(push, CONSTANT_REWARD, env_id="panda_gym:PandaPush-v3")
    env.reset(seed=1)
    _, reward, _, _, info = env.step(env.action_space.sample())
    assert reward == 42.0
    assert info["reward_components"]["constant"] == 42.0
    assert info["env_reward"] == -1.0  # panda-gym's sparse reward, replaced
    assert info["is_success"] is False and info["generated_is_success"] is False

    # Put the cube on the goal: the env's own check says success although our code says False.
    base = push.unwrapped
    base.sim.set_base_pose("object", base.task.goal, np.array([0.0, 0.0, 0.0, 1.0]))
    _, reward, terminated, _, info = env.step(np.zeros(env.action_space.shape, dtype=np.float32))
    assert reward == 42.0
    assert info["is_success"] is True and terminated  # env's check and termination preserved
    assert info["generated_is_success"] is False


def test_wrapper_rejects_hostile_reward_code(push):
    from roboskill.tools.sandbox import SandboxError

    hostile = "import os\ndef compute_reward(state):\n    return 0.0, {}\ndef is_success(state):\n    return False\n"
    with pytest.raises(SandboxError, match="line 1"):
        GeneratedRewardEnv(push, hostile)


def test_save_restore_rewinds_sim_goal_and_time_limit(push):
    env = GeneratedRewardEnv(push, None)
    env.reset(seed=2)
    for _ in range(3):
        env.step(np.array([0.5, -0.5, 0.2], dtype=np.float32))
    sid = env.save_state()
    obj, goal = env.state.object_position("object"), env.state.goal_position()
    plan = np.random.default_rng(0).uniform(-1, 1, size=(20, *env.action_space.shape)).astype(np.float32)

    def replay() -> np.ndarray:
        for action in plan:
            env.step(action)
        return np.concatenate([env.state.ee_position(), env.state.object_position("object")])

    first = replay()
    env.restore_state(sid)
    np.testing.assert_allclose(env.state.object_position("object"), obj, atol=1e-9)
    np.testing.assert_allclose(env.state.goal_position(), goal)
    # Replays from the snapshot agree to a few millimetres at most (panda-gym's IK reads link states
    # that PyBullet only refreshes on the next physics step, so the first action differs slightly).
    np.testing.assert_allclose(replay(), first, atol=5e-3)
    env.restore_state(sid)
    truncated, steps, terminated = False, 0, False
    while not (truncated or terminated):  # 50-step TimeLimit: 47 steps remain after restoring at step 3
        *_, terminated, truncated, _ = env.step(np.zeros(env.action_space.shape, dtype=np.float32))
        steps += 1
    assert steps == 47 or terminated
    env.remove_state(sid)


@pytest.mark.parametrize("task", ["Reach", "Push", "Slide", "PickAndPlace", "Stack"])
def test_template_reward_runs_in_the_sandbox(task):
    env_id = f"panda_gym:Panda{task}-v3"
    env = make_external_env(env_id)
    try:
        env.reset(seed=0)
        state = external_state(env, env_id)
        source = template_reward_source(state, "do the task")
        wrapped = GeneratedRewardEnv(env, source, env_id=env_id, state=state)
        wrapped.reset(seed=0)
        _, reward, _, _, info = wrapped.step(wrapped.action_space.sample())
        assert np.isfinite(reward) and info["reward_components"]
        assert "sim." not in source and "task." not in source  # only State API calls, never env internals
    finally:
        env.close()


class _GoalEnv:
    """A minimal goal-conditioned env that is not panda-gym (no simulator to read)."""

    def __init__(self) -> None:
        import gymnasium as gym

        box = gym.spaces.Box(-1.0, 1.0, (3,), dtype=np.float32)
        self.observation_space = gym.spaces.Dict({"observation": box, "achieved_goal": box, "desired_goal": box})
        self.unwrapped = self


def test_goal_observation_view_for_other_goal_envs():
    from roboskill.sim.external import GoalObsState

    state = external_state(_GoalEnv(), "mypkg:Goal-v0")  # type: ignore[arg-type]
    assert isinstance(state, GoalObsState)
    obs = {"observation": np.zeros(3), "achieved_goal": np.array([0.1, 0.2, 0.3]), "desired_goal": np.array([0.0, 0.2, 0.3])}
    state.on_reset(obs)
    assert state.distance("object", "target") == pytest.approx(0.1)
    np.testing.assert_allclose(state.goal_position(), [0.0, 0.2, 0.3])
    with pytest.raises(StateError, match="not derivable"):
        state.ee_position()
    source = template_reward_source(state)
    assert "object_position(\"object\")" in source and "object_position(\"target\")" in source
