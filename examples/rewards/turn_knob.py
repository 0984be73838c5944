"""Turn the faucet knob anticlockwise (scene: examples/scenes/knob.yaml: a knob `faucet`).

Terms: get the gripper to the knob's handle, then rotate the joint (open fraction grows anticlockwise).
Check it: roboskill reward check examples/rewards/turn_knob.py --scene examples/scenes/knob.yaml
"""


def compute_reward(state):
    reach = state.distance("ee", "faucet.knob_handle")
    turned = state.joint_open_fraction("faucet.knob")
    components = {"reach_handle": -reach, "turn": 2.0 * turned, "done": 1.0 if turned > 0.5 else 0.0}
    return sum(components.values()), components


def is_success(state):
    return state.joint_open_fraction("faucet.knob") > 0.5
