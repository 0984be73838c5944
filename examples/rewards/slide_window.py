"""Slide the window panel open (scene: examples/scenes/sliding_door.yaml: a sliding_door `window`).

Terms: reach the slider's handle, then move the panel along its rail.
Check it: roboskill reward check examples/rewards/slide_window.py --scene examples/scenes/sliding_door.yaml
"""


def compute_reward(state):
    reach = state.distance("ee", "window.slider_handle")
    opened = state.joint_open_fraction("window.slider")
    components = {"reach_handle": -reach, "slide": 2.0 * opened, "done": 1.0 if opened > 0.7 else 0.0}
    return sum(components.values()), components


def is_success(state):
    return state.joint_open_fraction("window.slider") > 0.7
