"""Reference tasks of the learn benchmark: scene spec + skill plan with hand-written reference rewards.

Why in the repo: the benchmark must measure the learners, not the reward writer, so each task carries
a known-good reward and success check (ordinary generated-code style, run through the sandbox like
any other). `reference_task(name) -> (SceneSpec, SkillPlan)`; `REFERENCE_TASKS` lists the names.
"""

from __future__ import annotations

from typing import Any

from roboskill.sim.spec import SceneSpec
from roboskill.tools.plan import SkillPlan

_CUBE = {"kind": "primitive", "name": "cube", "shape": "box", "size": [0.05, 0.05, 0.05],
         "color": [0.85, 0.15, 0.15, 1.0], "mass": 0.1}

REACH_REWARD = '''
def compute_reward(state):
    d = state.distance("ee", "goal")
    components = {"reach": -2.0 * d, "near_bonus": 1.0 if d < 0.03 else 0.0}
    return sum(components.values()), components


def is_success(state):
    return state.distance("ee", "goal") < 0.03
'''

PUSH_REWARD = '''
def compute_reward(state):
    reach = state.distance("ee", "cube")
    to_goal = state.xy_distance("cube", "target")
    start = state.xy_distance(state.initial_object_position("cube"), "target")
    progress = (start - to_goal) / max(start, 1e-3)
    components = {
        "reach": -0.5 * reach,
        "goal_distance": -2.0 * to_goal,
        "progress": 0.5 * progress,
        "goal_bonus": 1.0 if to_goal < 0.03 else 0.0,
    }
    return sum(components.values()), components


def is_success(state):
    return state.xy_distance("cube", "target") < 0.03 and state.object_position("cube")[2] > -0.01
'''

GRASP_SUCCESS = '''
def is_success(state):
    return state.is_grasped("{obj}")
'''

GRASP_REWARD = '''
def compute_reward(state):
    d = state.distance("ee", "{obj}")
    held = 1.0 if state.is_grasped("{obj}") else 0.0
    components = {{"reach": -d, "grasped": held}}
    return sum(components.values()), components
'''

ON_REWARD = '''
def compute_reward(state):
    d = state.xy_distance("{obj}", "{dest}")
    on = 1.0 if state.is_on_top_of("{obj}", "{dest}") or state.is_inside("{obj}", "{dest}") else 0.0
    components = {{"over_dest": -d, "placed": on}}
    return sum(components.values()), components


def is_success(state):
    return (state.is_on_top_of("{obj}", "{dest}") or state.is_inside("{obj}", "{dest}")) and not state.is_grasped("{obj}")
'''

DRAWER_REWARD = '''
def compute_reward(state):
    reach = state.distance("ee", "cabinet.drawer_0_handle")
    opened = state.joint_open_fraction("cabinet.drawer_0")
    components = {"reach_handle": -reach, "open": 2.0 * opened, "open_bonus": 1.0 if opened > 0.6 else 0.0}
    return sum(components.values()), components


def is_success(state):
    return state.joint_open_fraction("cabinet.drawer_0") > 0.6
'''

BUTTON_REWARD = '''
def compute_reward(state):
    reach = state.distance("ee", "red_button.button")
    pressed = state.joint_open_fraction("red_button.button")
    components = {"reach": -reach, "pressed": 2.0 * pressed}
    return sum(components.values()), components


def is_success(state):
    return state.joint_open_fraction("red_button.button") > 0.6
'''


def _spec(name: str, objects: list[dict[str, Any]], description: str = "") -> SceneSpec:
    return SceneSpec.model_validate({"name": name, "description": description, "objects": objects})


def _tasks() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    marker = {"kind": "primitive", "name": "target", "shape": "cylinder", "size": [0.08, 0.002],
              "color": [0.1, 0.8, 0.2, 0.6], "visual_only": True, "placement": {"on": "table", "offset": [0.1, 0.1]}}
    goal = {"kind": "primitive", "name": "goal", "shape": "sphere", "size": [0.04], "color": [0.1, 0.8, 0.2, 0.6],
            "visual_only": True, "placement": {"position": [0.1, -0.1, 0.15], "randomize": {"xy": 0.05}}}
    cube = {**_CUBE, "placement": {"on": "table", "offset": [0.0, -0.05], "randomize": {"xy": 0.03, "yaw": 0.5}}}
    small = {**_CUBE, "size": [0.04, 0.04, 0.04], "color": [0.15, 0.3, 0.85, 1.0],
             "placement": {"on": "table", "offset": [-0.05, -0.15], "randomize": {"xy": 0.03, "yaw": 0.4}}}
    tray = {"kind": "asset", "name": "tray", "asset": "tray", "fixed": True, "placement": {"on": "table", "offset": [0.0, 0.15]}}
    base = {**_CUBE, "name": "base_cube", "color": [0.2, 0.7, 0.25, 1.0], "mass": 0.2,
            "placement": {"on": "table", "offset": [0.0, 0.08], "randomize": {"xy": 0.02}}}
    top = {**_CUBE, "name": "top_cube", "size": [0.04, 0.04, 0.04],
           "placement": {"right_of": "base_cube", "distance": 0.16, "randomize": {"xy": 0.02, "yaw": 0.3}}}
    cabinet = {"kind": "articulated", "name": "cabinet", "articulation": "drawer_cabinet",
               "params": {"n_drawers": 2, "width": 0.36, "depth": 0.28, "drawer_height": 0.09},
               "randomize_joints": 0.1, "placement": {"position": [0.12, 0.08, 0.0]}}
    button = {"kind": "articulated", "name": "red_button", "articulation": "button",
              "placement": {"on": "table", "offset": [0.0, 0.1], "randomize": {"xy": 0.03}}}

    def grasp(obj: str) -> dict[str, Any]:
        return {"name": f"grasp_{obj}", "description": f"Grasp the {obj}.", "learner": "primitive",
                "primitive": {"name": "grasp", "args": {"object": obj}},
                "reward_code": GRASP_REWARD.format(obj=obj), "success_code": GRASP_SUCCESS.format(obj=obj)}

    def place_on(obj: str, dest: str) -> dict[str, Any]:
        code = ON_REWARD.format(obj=obj, dest=dest)
        return {"name": f"place_{obj}", "description": f"Put the {obj} on the {dest}.", "learner": "primitive",
                "primitive": {"name": "place", "args": {"object": obj, "on": dest}}, "reward_code": code, "success_code": code}

    return {
        "reach": ({"name": "reach", "objects": [goal]},
                  {"task_name": "reach", "subtasks": [{"name": "reach_goal", "description": "Move the gripper to the goal.",
                                                       "learner": "trajopt", "reward_code": REACH_REWARD,
                                                       "success_code": REACH_REWARD, "horizon": 60}]}),
        "push": ({"name": "push_cube", "objects": [cube, marker]},
                 {"task_name": "push_cube", "subtasks": [{"name": "push_cube", "description": "Push the cube onto the target.",
                                                          "learner": "trajopt", "reward_code": PUSH_REWARD,
                                                          "success_code": PUSH_REWARD, "horizon": 100}]}),
        "pick_place": ({"name": "pick_place", "objects": [small, tray]},
                       {"task_name": "pick_place", "subtasks": [grasp("cube"), place_on("cube", "tray")]}),
        "stack": ({"name": "stack_cubes", "objects": [base, top]},
                  {"task_name": "stack_cubes", "subtasks": [grasp("top_cube"), place_on("top_cube", "base_cube")]}),
        "open_drawer": ({"name": "open_drawer", "objects": [cabinet]},
                        {"task_name": "open_drawer", "subtasks": [{
                            "name": "open_drawer", "description": "Open the top drawer.", "learner": "primitive",
                            "primitive": {"name": "open", "args": {"joint": "cabinet.drawer_0", "fraction": 0.9}},
                            "reward_code": DRAWER_REWARD, "success_code": DRAWER_REWARD}]}),
        "press_button": ({"name": "press_button", "objects": [button]},
                         {"task_name": "press_button", "subtasks": [{
                             "name": "press_button", "description": "Press the button.", "learner": "primitive",
                             "primitive": {"name": "press", "args": {"object": "red_button"}},
                             "reward_code": BUTTON_REWARD, "success_code": BUTTON_REWARD}]}),
    }


REFERENCE_TASKS: tuple[str, ...] = ("reach", "push", "pick_place", "stack", "open_drawer", "press_button")


def reference_task(name: str) -> tuple[SceneSpec, SkillPlan]:
    """(scene, plan) of a reference task; ValueError names the valid tasks."""
    tasks = _tasks()
    if name not in tasks:
        raise ValueError(f"unknown reference task {name!r}; choose one of {', '.join(REFERENCE_TASKS)}")
    spec, plan = tasks[name]
    return _spec(**spec), SkillPlan.model_validate(plan)


def whole_task_reward(name: str) -> str:
    """The reward/success source of the task's final sub-task (what the plain-SAC baseline trains on)."""
    _, plan = reference_task(name)
    last = plan.subtasks[-1]
    code = last.reward_code or ""
    if "def is_success" not in code and last.success_code:
        code += "\n" + last.success_code
    return code


__all__ = ["REFERENCE_TASKS", "reference_task", "whole_task_reward"]
