"""External envs (`learn --env`, `bench external`): the env's own success flag is read at the END of the
episode, never "at some step", and evaluation budgets are samples, never seconds."""

from __future__ import annotations

import math
from types import SimpleNamespace

import gymnasium as gym
import numpy as np
import pytest

from roboskill.tools.plan import SkillPlan


class FlickerEnv:
    """A toy env with save/restore whose own success flag holds only at step `flash` of 6 (and maybe the last)."""

    def __init__(self, flash: int = 3, at_end: bool = False) -> None:
        self.action_space = gym.spaces.Box(-1.0, 1.0, (2,), dtype=np.float32)
        self.spec = SimpleNamespace(max_episode_steps=6)
        self.flash, self.at_end, self.t = flash, at_end, 0
        self._snaps: dict[int, int] = {}
        self.steps = 0

    def reset(self, seed: int | None = None):
        self.t = 0
        return np.zeros(2), {"is_success": False}

    def step(self, action):
        self.t += 1
        self.steps += 1
        truncated = self.t >= 6
        success = self.t == self.flash or (self.at_end and truncated)
        return np.zeros(2), -abs(float(np.sum(action))), False, truncated, \
            {"is_success": success, "generated_is_success": False, "reward_components": {}}

    def save_state(self) -> int:
        sid = len(self._snaps) + 1
        self._snaps[sid] = self.t
        return sid

    def restore_state(self, sid: int) -> None:
        self.t = self._snaps[sid]

    def remove_state(self, sid: int) -> None:
        self._snaps.pop(sid, None)


def _plan() -> SkillPlan:
    return SkillPlan.model_validate({"task_name": "toy", "subtasks": [{
        "name": "toy", "learner": "trajopt", "horizon": 10,
        "reward_code": "def compute_reward(state):\n    return 0.0, {}\n",
        "success_code": "def is_success(state):\n    return False\n"}]})


@pytest.mark.parametrize("at_end", [False, True])
def test_train_external_episode_is_judged_by_the_last_step(at_end: bool) -> None:
    from roboskill.tools.train_external import ExternalTrajopt, run_episode

    env = FlickerEnv(at_end=at_end)
    ep, _ = run_episode([env], _plan(), 1, ExternalTrajopt(population=4, elites=2), math.inf, np.random.default_rng(0),
                        max_samples=200)
    assert ep.length == 6 and ep.judged_by == "env"
    assert ep.success is at_end  # the flash at step 3 alone never counts
    assert ep.sub_success == [at_end]


def test_external_planner_episode_is_judged_by_the_last_step() -> None:
    from roboskill.tools.external_planner import plan_episode

    assert plan_episode(FlickerEnv(at_end=False), 1, 600, seed=0)[0] is False
    assert plan_episode(FlickerEnv(at_end=True), 1, 600, seed=0)[0] is True


def test_evaluation_budget_is_samples_and_does_not_depend_on_time() -> None:
    from roboskill.tools.train_external import NOMINAL_SAMPLES_PER_S, ExternalTrajopt, eval_sample_budget, run_episode

    cfg = ExternalTrajopt(population=4, elites=2, plan_horizon=4, execute=2)
    assert eval_sample_budget(cfg, 60.0, None, 20) == int(2.0 * NOMINAL_SAMPLES_PER_S)  # at least min_episode_s
    assert eval_sample_budget(cfg, 600.0, None, 20) == int(15.0 * NOMINAL_SAMPLES_PER_S)
    assert eval_sample_budget(cfg, 600.0, 40.0, 20) == int(2.0 * NOMINAL_SAMPLES_PER_S)
    assert eval_sample_budget(ExternalTrajopt(eval_max_sim_steps=123), 600.0, None, 20) == 123
    # a deadline already past changes nothing when the episode has a sample budget: same plan, same steps
    runs = []
    for deadline in (math.inf, 0.0):
        env = FlickerEnv()
        run_episode([env], _plan(), 1, cfg, deadline, np.random.default_rng(0), max_samples=96)
        runs.append(env.steps)
    assert runs[0] == runs[1] and runs[0] > 6  # it planned (rollouts were simulated) both times


def test_frame_recorder_keeps_every_nth_frame_and_stops_for_good_when_rendering_fails() -> None:
    import numpy as np

    from roboskill.tools.train_external import VIDEO_EVERY, frame_recorder

    class Env:
        def __init__(self, fail: bool = False) -> None:
            self.fail, self.calls = fail, 0

        def render(self) -> np.ndarray:
            self.calls += 1
            if self.fail:
                raise RuntimeError("no GL context\nwith a long traceback")
            return np.zeros((4, 4, 4), dtype=np.uint8)

    frames: list = []
    artefacts: dict = {}
    hook, env = frame_recorder(frames, artefacts), Env()
    for _ in range(10 * VIDEO_EVERY):
        hook(env)
    assert len(frames) == 10 and frames[0].shape == (4, 4, 3) and artefacts == {}
    frames, artefacts = [], {}
    hook, broken = frame_recorder(frames, artefacts), Env(fail=True)
    for _ in range(10 * VIDEO_EVERY):
        hook(broken)
    assert frames == [] and broken.calls == 1 and "\n" not in artefacts["video_error"]
