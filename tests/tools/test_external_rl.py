"""RL fallback of `learn --env` (issue 21): SAC(+HER) on the generated reward, judged by the env's own flag.

HER relabels transitions with goals they were not collected with, so the generated reward must be
recomputable from a record of the step: checked here against the live reward."""

from __future__ import annotations

import pytest

pytest.importorskip("gymnasium_robotics")

import numpy as np  # noqa: E402

from roboskill.agents.offline.external import DescribedState, split_source  # noqa: E402
from roboskill.sim.external import template_reward_source  # noqa: E402
from roboskill.tools.plan import SkillPlan  # noqa: E402
from roboskill.tools.train_external import describe_external, needs_rl  # noqa: E402
from roboskill.tools.train_external_rl import evaluate_rl, make_rl_env, train_sac  # noqa: E402

PUSH = "gymnasium_robotics:FetchPush-v4"


def _codes(env_id: str) -> tuple[str, str]:
    return split_source(template_reward_source(DescribedState(describe_external(env_id)["describe"]), ""))


def test_her_reward_recomputed_from_the_record_matches_the_live_reward():
    env = make_rl_env(PUSH, *_codes(PUSH))
    try:
        env.reset(seed=1)
        for _ in range(4):
            obs, reward, _, _, info = env.step(env.action_space.sample())
            assert env.compute_reward(obs["achieved_goal"], obs["desired_goal"], info) == pytest.approx(reward, abs=1e-5)
            # batched, with a relabelled goal at the object itself: the place term vanishes, the reward rises
            relabelled = env.compute_reward(obs["achieved_goal"][None], obs["achieved_goal"][None], np.array([info]))
            assert relabelled.shape == (1,) and relabelled[0] > reward
    finally:
        env.close()


def test_rl_is_chosen_when_asked_or_when_the_env_cannot_be_rewound():
    reward, success = _codes(PUSH)
    plan = SkillPlan.model_validate({"task_name": "p", "subtasks": [
        {"name": "p", "learner": "trajopt", "horizon": 50, "reward_code": reward, "success_code": success}]})
    env = make_rl_env(PUSH, reward, success)
    try:
        assert not needs_rl(plan, env)
        assert needs_rl(SkillPlan.model_validate({**plan.model_dump(), "subtasks": [
            {**plan.subtasks[0].model_dump(), "learner": "rl"}]}), env)

        class NoSnapshots:
            def supports_snapshots(self) -> bool:
                return False

        assert needs_rl(plan, NoSnapshots())
    finally:
        env.close()


def test_sac_her_trains_and_is_judged_by_the_env_flag():
    env = make_rl_env("gymnasium_robotics:FetchReach-v4", *_codes("gymnasium_robotics:FetchReach-v4"))
    try:
        model, info = train_sac(env, 3.0, seed=0)
        assert info["algorithm"] == "SAC+HER" and info["env_steps"] > 0
        (episode,) = evaluate_rl(model, env, [123])
        assert episode.judged_by == "env" and episode.length == 50 and episode.sub_success == [episode.success]
    finally:
        env.close()
