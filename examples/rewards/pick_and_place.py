"""Pick the cube up and place it in the tray (scene: examples/scenes/pick_place.yaml: `cube` + `tray`).

Staged dense reward: reach, grasp, lift, carry over the tray, then release it inside.
Check it: roboskill reward check examples/rewards/pick_and_place.py --scene examples/scenes/pick_place.yaml
"""
import numpy as np


def compute_reward(state):
    cube = state.object_position("cube")
    reach = state.distance("ee", "cube")
    grasped = state.is_grasped("cube")
    height = cube[2] - state.initial_object_position("cube")[2]
    carry = state.xy_distance("cube", "tray")
    inside = state.is_inside("cube", "tray", 0.02)
    components = {
        "reach": -reach,
        "grasp": 0.5 if grasped else 0.0,
        "lift": 2.0 * float(np.clip(height, 0.0, 0.1)) if grasped else 0.0,
        "carry": -1.5 * carry,
        "place": 2.0 if inside and not grasped else 0.0,
    }
    return sum(components.values()), components


def is_success(state):
    settled = float(np.linalg.norm(state.object_velocity("cube"))) < 0.05
    return state.is_inside("cube", "tray", 0.02) and not state.is_grasped("cube") and settled
