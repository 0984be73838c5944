"""Press the push button down (scene: examples/scenes/button.yaml: an articulated `red_button`, joint `red_button.button`).

Terms: get the closed gripper above the button cap, then push the cap down (open fraction = pressed).
Check it: roboskill reward check examples/rewards/press_button.py --scene examples/scenes/button.yaml
"""


def compute_reward(state):
    above = state.xy_distance("ee", "red_button.button")
    height = state.object_position("ee")[2] - state.object_position("red_button.button")[2]
    pressed = state.joint_open_fraction("red_button.button")
    components = {
        "align_xy": -2.0 * above,
        "descend": -0.5 * max(height, 0.0) if above < 0.02 else 0.0,
        "closed_gripper": -2.0 * state.gripper_opening(),
        "press": 2.0 * pressed,
        "pressed_bonus": 1.0 if pressed > 0.7 else 0.0,
    }
    return sum(components.values()), components


def is_success(state):
    return state.joint_open_fraction("red_button.button") > 0.7
