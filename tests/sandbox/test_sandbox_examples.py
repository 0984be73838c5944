"""The example reward files mean what they say: success is False at the start and True once the
task's end state is set up directly in the simulator; the total equals the sum of its components."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pybullet as p
import pytest

from roboskill.sim.env import SkillEnv
from roboskill.sim.spec import SceneSpec

ROOT = Path(__file__).resolve().parents[2]


def _env(reward: str, scene: str) -> SkillEnv:
    return SkillEnv(SceneSpec.from_file(ROOT / "examples" / "scenes" / f"{scene}.yaml"),
                    (ROOT / "examples" / "rewards" / f"{reward}.py").read_text(), horizon=10, seed=0)


def _settle(env: SkillEnv, steps: int = 30) -> tuple[float, dict[str, float], bool]:
    env.world.step(steps)
    env.state.invalidate()
    return env.evaluate()


@pytest.mark.parametrize(
    ("reward", "scene", "joint", "fraction"),
    [
        ("open_drawer", "drawer_cabinet", "cabinet.drawer_0", 0.95),
        ("press_button", "button", "red_button.button", 1.0),
        ("open_door", "door_cabinet", "cupboard.door", 0.9),
        ("open_lid", "lid_box", "chest.lid", 0.9),
        ("flip_lever", "lever", "switch.lever", 1.0),
        ("slide_window", "sliding_door", "window.slider", 0.95),
        ("turn_knob", "knob", "faucet.knob", 0.9),
    ],
)
def test_articulated_examples_succeed_in_end_state(reward: str, scene: str, joint: str, fraction: float) -> None:
    env = _env(reward, scene)
    _, info = env.reset(seed=0)
    assert info["is_success"] is False
    start_total = sum(info["reward_components"].values())
    env.world.set_joint_fraction(joint, fraction)
    env.state.invalidate()
    total, components, success = env.evaluate()
    assert success, (reward, env.state.joint_open_fraction(joint))
    assert total == pytest.approx(sum(components.values()))
    assert total > start_total
    env.close()


def test_push_example_succeeds_with_cube_on_target() -> None:
    env = _env("push_cube", "push_cube")
    _, info = env.reset(seed=0)
    assert info["is_success"] is False
    target = env.state.object_position("target")
    p.resetBasePositionAndOrientation(env.world.bodies["cube"], [target[0], target[1], 0.026], [0, 0, 0, 1],
                                      physicsClientId=env.world.client)
    total, components, success = _settle(env)
    assert success and components["goal_bonus"] == 1.0 and components["progress"] == pytest.approx(0.5, abs=0.05)
    env.close()


def test_stack_example_succeeds_when_stacked() -> None:
    env = _env("stack_cubes", "stack_cubes")
    _, info = env.reset(seed=0)
    assert info["is_success"] is False
    base = env.state.object_position("base_cube")
    p.resetBasePositionAndOrientation(env.world.bodies["top_cube"], [base[0], base[1], 0.05 + 0.021], [0, 0, 0, 1],
                                      physicsClientId=env.world.client)
    total, components, success = _settle(env)
    assert success and components["stacked"] == 3.0
    env.close()


def test_pick_and_place_example_succeeds_with_cube_in_tray() -> None:
    env = _env("pick_and_place", "pick_place")
    _, info = env.reset(seed=0)
    assert info["is_success"] is False
    lo, hi = env.state.object_aabb("tray")
    centre = (lo + hi) / 2
    p.resetBasePositionAndOrientation(env.world.bodies["cube"], [centre[0], centre[1], lo[2] + 0.03], [0, 0, 0, 1],
                                      physicsClientId=env.world.client)
    total, components, success = _settle(env, 60)
    assert success and components["place"] == 2.0
    assert np.isfinite(total)
    env.close()
