"""Lift the chest's lid open (scene: examples/scenes/lid_box.yaml: a lid_box `chest` and a duck).

Terms: reach the lid handle, raise the lid, and leave the duck where it is.
Check it: roboskill reward check examples/rewards/open_lid.py --scene examples/scenes/lid_box.yaml
"""


def compute_reward(state):
    reach = state.distance("ee", "chest.lid_handle")
    opened = state.joint_open_fraction("chest.lid")
    duck_moved = state.distance("duck", state.initial_object_position("duck"))
    components = {
        "reach_handle": -reach,
        "open": 2.0 * opened,
        "keep_duck": -min(duck_moved, 0.5),
    }
    return sum(components.values()), components


def is_success(state):
    return state.joint_open_fraction("chest.lid") > 0.5
