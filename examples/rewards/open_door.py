"""Swing the cupboard door open (scene: examples/scenes/door_cabinet.yaml: a door_cabinet `cupboard`).

Terms: reach the door handle, then increase the hinge's open fraction.
Check it: roboskill reward check examples/rewards/open_door.py --scene examples/scenes/door_cabinet.yaml
"""


def compute_reward(state):
    reach = state.distance("ee", "cupboard.door_handle")
    opened = state.joint_open_fraction("cupboard.door")
    components = {
        "reach_handle": -reach,
        "open": 2.0 * (opened - state.initial_joint_open_fraction("cupboard.door")),
        "open_bonus": 1.0 if opened > 0.6 else 0.0,
    }
    return sum(components.values()), components


def is_success(state):
    return state.joint_open_fraction("cupboard.door") > 0.6
