"""Push the cube onto the green target marker (scene: examples/scenes/push_cube.yaml: `cube` and a visual-only `target` on the table).

Terms: reach the cube, move the cube towards the target in the table plane, keep it on the table.
Check it: roboskill reward check examples/rewards/push_cube.py --scene examples/scenes/push_cube.yaml
"""
import math


def compute_reward(state):
    reach = state.distance("ee", "cube")
    to_goal = state.xy_distance("cube", "target")
    start = state.xy_distance(state.initial_object_position("cube"), "target")
    progress = (start - to_goal) / max(start, 1e-3)
    fell = state.object_position("cube")[2] < -0.05
    components = {
        "reach": -0.5 * reach,
        "goal_distance": -2.0 * to_goal,
        "progress": 0.5 * progress,
        "goal_bonus": 1.0 if to_goal < 0.03 else 0.0,
        "fell_off": -5.0 if fell else 0.0,
    }
    return sum(components.values()), components


def is_success(state):
    return state.xy_distance("cube", "target") < 0.03 and state.object_position("cube")[2] > -0.01
