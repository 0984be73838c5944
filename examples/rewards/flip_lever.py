"""Push the lever of the switch all the way over (scene: examples/scenes/lever.yaml: a lever `switch`).

Terms: reach the lever's handle, then move the joint towards its far limit (open fraction 1).
Check it: roboskill reward check examples/rewards/flip_lever.py --scene examples/scenes/lever.yaml
"""


def compute_reward(state):
    reach = state.distance("ee", "switch.lever_handle")
    flipped = state.joint_open_fraction("switch.lever")
    components = {"reach_handle": -reach, "flip": 2.0 * flipped, "done": 1.0 if flipped > 0.9 else 0.0}
    return sum(components.values()), components


def is_success(state):
    return state.joint_open_fraction("switch.lever") > 0.9
