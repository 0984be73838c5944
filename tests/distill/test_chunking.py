"""Action chunking and strided frames: chunk targets, old-shard compatibility, chunked policy."""

from __future__ import annotations

import numpy as np
import torch

from roboskill.tools.distill.dataset import action_chunks, fit_chunks
from roboskill.tools.distill.policy import GeneralistPolicy, PolicyConfig


def _acts(n: int, grip: float = 1.0) -> np.ndarray:
    a = np.zeros((n, 5), np.float32)
    a[:, 0] = np.arange(n) / 10.0
    a[:, 4] = grip
    return a


def test_chunks_follow_the_episode_and_pad_with_hold() -> None:
    acts = _acts(5, grip=-1.0)
    c = action_chunks(acts, np.array([0, 2, 4]), 3)
    assert c.shape == (3, 3, 5)
    np.testing.assert_allclose(c[0, :, 0], [0.0, 0.1, 0.2])
    np.testing.assert_allclose(c[1, :, 0], [0.2, 0.3, 0.4])
    # past the end: no motion, gripper kept closed
    np.testing.assert_allclose(c[2, 1:], [[0, 0, 0, 0, -1.0]] * 2)


def test_fit_chunks_rebuilds_old_shards_per_episode_and_resizes_stored_ones() -> None:
    acts = np.concatenate([_acts(3), _acts(2, grip=-1.0)])
    shard = {"actions": acts, "episode": np.array([0, 0, 0, 1, 1], np.int32)}
    c = fit_chunks(shard, 2)
    assert c.shape == (5, 2, 5)
    np.testing.assert_allclose(c[2, 1], [0, 0, 0, 0, 1.0])      # episode 0 ends: never leaks episode 1
    np.testing.assert_allclose(c[3, 1], acts[4])
    stored = {"actions": acts, "episode": shard["episode"], "chunks": fit_chunks(shard, 4)}
    assert fit_chunks(stored, 2).shape == (5, 2, 5) and fit_chunks(stored, 6).shape == (5, 6, 5)


def test_chunked_policy_predicts_and_executes_part_of_the_chunk() -> None:
    policy = GeneralistPolicy(PolicyConfig(image_size=(32, 32), chunk=6, execute=3))
    out = policy.forward_chunk(torch.rand(2, 3, 32, 32), torch.zeros(2, 8), torch.zeros(2, 384))
    assert out.shape == (2, 6, 5)
    assert policy(torch.rand(2, 3, 32, 32), torch.zeros(2, 8), torch.zeros(2, 384)).shape == (2, 5)
    a = policy.act_chunk(np.zeros((32, 32, 3), np.uint8), np.zeros(8), np.zeros(384))
    assert a.shape == (3, 5) and set(np.unique(a[:, 4])) <= {-1.0, 1.0}
    assert policy.act(np.zeros((32, 32, 3), np.uint8), np.zeros(8), np.zeros(384)).shape == (5,)


def test_perturbed_actions_execute_noise_but_log_the_clean_command(two_skills) -> None:
    """DART collection: the env moves with the noisy action, the log (the label) keeps the expert's."""
    from roboskill.tools.distill.collect import PerturbedActions
    from roboskill.tools.runtime import StepLog, env_step, make_plan_env

    env = make_plan_env(two_skills[0].scene, seed=0)
    try:
        clean = np.array([1.0, 0.0, 0.0, 0.0, 1.0])
        env.reset(seed=3)
        env_step(env, clean)
        ref = env.robot.target_position.copy()
        env.reset(seed=3)
        log = StepLog()
        with PerturbedActions(env, 0.5, 4, seed=0):
            env_step(env, clean, log)
        assert "step" not in env.__dict__  # the class method is back
        np.testing.assert_allclose(log.actions[0], clean.astype(np.float32))
        assert float(np.abs(env.robot.target_position - ref).max()) > 1e-4
    finally:
        env.close()
