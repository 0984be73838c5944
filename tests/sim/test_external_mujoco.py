"""MuJoCo envs for `learn --env` (issue 21): env ids with keywords, Fetch / Meta-World state views that use
panda-gym's method names, and save/restore that replays identically."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from roboskill.sim.external import (
    ExternalEnvError,
    GeneratedRewardEnv,
    external_state,
    external_state_doc,
    make_external_env,
    one_line_reason,
    parse_env_spec,
    with_env_kwargs,
)
from roboskill.sim.state import StateError

needs_fetch = pytest.mark.skipif(importlib.util.find_spec("gymnasium_robotics") is None, reason="pip install roboskill[mujoco]")
needs_metaworld = pytest.mark.skipif(importlib.util.find_spec("metaworld") is None, reason="pip install roboskill[mujoco]")
DRAWER = "metaworld:Meta-World/MT1?env_name=drawer-open-v3"


def test_env_id_keywords_parse_and_fold():
    assert parse_env_spec(DRAWER) == ("metaworld", "Meta-World/MT1", {"env_name": "drawer-open-v3"})
    assert parse_env_spec("m:E-v0?a=1&b=0.5&c=true&d=none")[2] == {"a": 1, "b": 0.5, "c": True, "d": None}
    assert with_env_kwargs("metaworld:Meta-World/MT1", ["env_name=drawer-open-v3"]) == DRAWER
    assert with_env_kwargs(DRAWER, ["env_name=reach-v3", "seed=3"]) == "metaworld:Meta-World/MT1?env_name=reach-v3&seed=3"
    with pytest.raises(ExternalEnvError, match="key=value"):
        with_env_kwargs("m:E-v0", ["env_name"])
    with pytest.raises(ExternalEnvError, match="module:EnvId"):
        parse_env_spec("Meta-World/MT1")


def test_one_line_reason_drops_tracebacks():
    exc = RuntimeError("error: Error loading texture\nTraceback (most recent call last):\n  File 'x.py'\nmore")
    assert one_line_reason(exc) == "RuntimeError: error: Error loading texture"
    assert "\n" not in one_line_reason(ExternalEnvError("a\nb"))


@needs_metaworld
def test_wrong_metaworld_name_lists_valid_names():
    with pytest.raises(ExternalEnvError) as err:
        make_external_env("metaworld:Meta-World/MT1?env_name=drawer-opn-v3")
    msg = str(err.value)
    assert "did you mean drawer-open-v3" in msg and "valid: " in msg and "window-close-v3" in msg and "\n" not in msg


@pytest.fixture()
def fetch_push():
    env = make_external_env("gymnasium_robotics:FetchPush-v4")
    yield env
    env.close()


@needs_fetch
def test_fetch_state_matches_observation_with_panda_gym_names(fetch_push):
    state = external_state(fetch_push, "gymnasium_robotics:FetchPush-v4")
    assert type(state).__name__ == "FetchState"
    obs, _ = fetch_push.reset(seed=4)
    state.on_reset(obs)
    for _ in range(3):
        obs, _, _, _, info = fetch_push.step(fetch_push.action_space.sample())
        np.testing.assert_allclose(state.ee_position(), obs["observation"][:3], atol=1e-9)
        np.testing.assert_allclose(state.object_position("object"), obs["observation"][3:6], atol=1e-9)
        np.testing.assert_allclose(state.achieved_goal(), obs["achieved_goal"], atol=1e-9)
        np.testing.assert_allclose(state.goal_position(), obs["desired_goal"], atol=1e-9)
        np.testing.assert_allclose(state.object_position("target"), obs["desired_goal"], atol=1e-9)
    assert isinstance(info["is_success"], (bool, np.bool_, np.floating, float))
    assert state.success_threshold() == pytest.approx(0.05)
    assert state.gripper_opening() == 0.0  # Push blocks the gripper
    assert state.object_names() == ["object", "target", "table"]
    np.testing.assert_allclose(state.object_position("object0"), state.object_position("object"))  # model names too
    np.testing.assert_allclose(state.object_size("object"), [0.05, 0.05, 0.05], atol=0.005)
    assert state.in_contact("object", "table") and not state.is_grasped("object")
    with pytest.raises(StateError, match="unknown object 'cube'"):
        state.object_position("cube")
    info = state.describe()
    assert info["gripper"].startswith("blocked") and info["goal"]
    doc = external_state_doc(type(state))
    assert "object_position" in doc and "ee_position" in doc and "joint_open_fraction" in doc


@needs_metaworld
def test_metaworld_state_drawer():
    env = make_external_env(DRAWER)
    try:
        state = external_state(env, DRAWER)
        obs, _ = env.reset(seed=1)
        state.on_reset(obs)
        assert type(state).__name__ == "MetaWorldState"
        np.testing.assert_allclose(state.object_position("object"), obs[4:7], atol=1e-9)  # the handle, as observed
        np.testing.assert_allclose(state.goal_position(), obs[-3:], atol=1e-9)
        assert state.success_threshold() == pytest.approx(0.03)
        assert "goal_slidey" in state.joint_names() and "drawer_link" in state.object_names()
        assert 0.0 <= state.joint_open_fraction("goal_slidey") <= 1.0
        assert state.gripper_opening() > 0.05  # open at reset
        assert np.linalg.norm(state.ee_position() - obs[:3]) < 0.1  # between the pads, below the hand body
        # the success flag is the env's own, renamed; the episode ends on it (Meta-World's evaluation)
        _, _, _, _, info = env.step(np.zeros(4, dtype=np.float32))
        assert "is_success" in info and info["is_success"] == bool(info["success"])
        # reset(seed) picks the same task variant every time (Meta-World ignores the reset seed itself)
        goals = [env.reset(seed=s)[0][-3:].copy() for s in (5, 6, 5)]
        np.testing.assert_array_equal(goals[0], goals[2])
    finally:
        env.close()


@pytest.mark.parametrize("env_id", [pytest.param("gymnasium_robotics:FetchPickAndPlace-v4", marks=needs_fetch),
                                    pytest.param(DRAWER, marks=needs_metaworld)])
def test_save_step_restore_replays_identically(env_id):
    """Save, step randomly, restore, replay the same actions: the same observations, rewards and counters."""
    env = GeneratedRewardEnv(make_external_env(env_id), None, env_id=env_id)
    try:
        assert env.supports_snapshots()
        env.reset(seed=2)
        rng = np.random.default_rng(0)
        for _ in range(4):
            env.step(rng.uniform(-1, 1, env.action_space.shape).astype(np.float32))
        sid = env.save_state()
        goal = env.state.goal_position()
        actions = rng.uniform(-1, 1, (25, *env.action_space.shape)).astype(np.float32)

        def replay() -> np.ndarray:
            out = []
            for a in actions:
                obs, r, *_ = env.step(a)
                flat = obs["observation"] if isinstance(obs, dict) else obs
                out.append(np.concatenate([flat, env.state.ee_position(), [r]]))
            return np.array(out)

        first = replay()
        env.restore_state(sid)
        np.testing.assert_allclose(env.state.goal_position(), goal)
        np.testing.assert_allclose(replay(), first, atol=1e-9)
        env.restore_state(sid)  # the time limit rewinds too: 4 steps were used before the snapshot
        limit = env.spec.max_episode_steps
        steps, done = 0, False
        while not done:
            *_, terminated, truncated, _ = env.step(np.zeros(env.action_space.shape, dtype=np.float32))
            steps += 1
            done = terminated or truncated
        assert terminated or steps == limit - 4
        env.remove_state(sid)
    finally:
        env.close()


@needs_metaworld
def test_cli_learn_rejects_a_wrong_env_name_before_the_run_with_valid_names():
    from typer.testing import CliRunner

    from roboskill.cli.main import app

    result = CliRunner().invoke(app, ["learn", "--env", "metaworld:Meta-World/MT1", "--env-kwarg", "env_name=drawer-opn-v3",
                                      "open the drawer", "--llm", "offline", "--no-live"])
    assert result.exit_code == 2
    assert "did you mean drawer-open-v3" in result.output and "valid: " in result.output
    assert "Traceback" not in result.output
