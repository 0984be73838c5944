"""Stack the small cube on the big one (scene: examples/scenes/stack_cubes.yaml: `base_cube`, `top_cube`).

Staged: reach and grasp top_cube, lift it above base_cube, align, release it resting on top.
Check it: roboskill reward check examples/rewards/stack_cubes.py --scene examples/scenes/stack_cubes.yaml
"""
import math


def compute_reward(state):
    grasped = state.is_grasped("top_cube")
    reach = state.distance("ee", "top_cube")
    align = state.xy_distance("top_cube", "base_cube")
    above = state.is_above("top_cube", "base_cube")
    stacked = state.is_on_top_of("top_cube", "base_cube") and not grasped
    base_moved = state.xy_distance("base_cube", state.initial_object_position("base_cube"))
    components = {
        "reach": -reach,
        "grasp": 0.5 if grasped else 0.0,
        "align": math.exp(-20.0 * align) if grasped or above else 0.0,
        "stacked": 3.0 if stacked else 0.0,
        "base_still": -2.0 * base_moved,
    }
    return sum(components.values()), components


def is_success(state):
    return state.is_on_top_of("top_cube", "base_cube") and not state.is_grasped("top_cube")
