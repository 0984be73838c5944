"""Open the top drawer of the cabinet (scene: examples/scenes/drawer_cabinet.yaml: a drawer_cabinet called `cabinet`).

Terms: reach the handle, grasp it, increase the drawer's open fraction beyond where it started.
Check it: roboskill reward check examples/rewards/open_drawer.py --scene examples/scenes/drawer_cabinet.yaml
"""


def compute_reward(state):
    reach = state.distance("ee", "cabinet.drawer_0_handle")
    opened = state.joint_open_fraction("cabinet.drawer_0")
    gained = opened - state.initial_joint_open_fraction("cabinet.drawer_0")
    components = {
        "reach_handle": -reach,
        "grasp_handle": 0.25 if state.is_grasped("cabinet.drawer_0_handle") else 0.0,
        "open": 2.0 * gained,
        "open_bonus": 1.0 if opened > 0.8 else 0.0,
    }
    return sum(components.values()), components


def is_success(state):
    return state.joint_open_fraction("cabinet.drawer_0") > 0.8
