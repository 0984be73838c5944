"""Reference tasks: scene spec + skill plan with hand-written reference rewards, and the task's Goal.

Why in the product (not in `bench/`): `roboskill distill --source reference` distils them and the
benchmarks measure the learners on them; the product never imports its benchmarks, the benchmarks
import this. Each task carries a known-good reward and success check (ordinary generated-code style,
run through the sandbox like any other) -- the training signal -- and a `Goal` in the simulator's
vocabulary (`roboskill.sim.goals`) stating what the task asks, which judges evaluation episodes at
their end after the world settles. The goals are no looser than the success checks: the same
distances and fractions, checked once at the end instead of at any step.

`reference_task(name) -> (SceneSpec, SkillPlan)`, `reference_goal(name) -> Goal`,
`reference_instruction(name) -> str`; `REFERENCE_TASKS` lists the names. Every scene randomises its
starts (objects' own `randomize`, else the scene's default `start_randomization`).
"""

from __future__ import annotations

from typing import Any

from roboskill.sim.goals import EeNear, Goal, GoalObject, Inside, JointFraction, JointReached, Near, On
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


#: What each task asks, in words a person would use (distillation's instructions, goal summaries).
INSTRUCTIONS: dict[str, str] = {
    "reach": "Move the gripper to the green ball.",
    "push": "Push the red cube onto the green target.",
    "pick_place": "Pick up the blue cube and put it in the tray.",
    "stack": "Stack the small red cube on top of the green cube.",
    "open_drawer": "Open the top drawer of the cabinet.",
    "press_button": "Press the red button.",
}


def _goals() -> dict[str, Goal]:
    # thresholds are the reference success checks' own (3 cm, open fraction 0.6), judged at the end
    return {
        "reach": Goal(action="reach", summary="The gripper ends within 3 cm of the green goal ball.",
                      objects=[GoalObject(name="goal", category="sphere", description="the green ball")],
                      conditions=[EeNear(target="goal", radius=0.03)]),
        "push": Goal(action="push", summary="The red cube ends (at rest) within 3 cm of the green target's centre.",
                     objects=[GoalObject(name="cube", category="box", description="the red cube"),
                              GoalObject(name="target", category="cylinder", description="the green target")],
                     conditions=[Near(object="cube", target="target", radius=0.03)]),
        "pick_place": Goal(action="put_inside", summary="The blue cube ends in the tray, at rest.",
                           objects=[GoalObject(name="cube", category="box", description="the blue cube"),
                                    GoalObject(name="tray", category="tray", description="the tray")],
                           conditions=[Inside(object="cube", container="tray")]),
        "stack": Goal(action="stack", summary="The small red cube ends resting on the green cube.",
                      objects=[GoalObject(name="top_cube", category="box", description="the small red cube"),
                               GoalObject(name="base_cube", category="box", description="the green cube")],
                      conditions=[On(object="top_cube", support="base_cube")]),
        "open_drawer": Goal(action="open", summary="The top drawer ends at least 60 % open.",
                            objects=[GoalObject(name="cabinet", category="drawer_cabinet", description="the cabinet")],
                            conditions=[JointFraction(joint="cabinet.drawer_0", at_least=0.6)]),
        # a sprung button springs back when released: it must have been pressed 60 % in, not stay there
        "press_button": Goal(action="press", summary="The red button was pressed at least 60 % of its travel.",
                             objects=[GoalObject(name="red_button", category="button", description="the red button")],
                             conditions=[JointReached(joint="red_button.button", at_least=0.6)]),
    }


def reference_goal(name: str) -> Goal:
    """The task's fixed Goal (what evaluation judges at the end of each episode); ValueError names the tasks."""
    goals = _goals()
    if name not in goals:
        raise ValueError(f"unknown reference task {name!r}; choose one of {', '.join(REFERENCE_TASKS)}")
    return goals[name]


def reference_instruction(name: str) -> str:
    """The task's instruction in plain words; ValueError names the tasks."""
    if name not in INSTRUCTIONS:
        raise ValueError(f"unknown reference task {name!r}; choose one of {', '.join(REFERENCE_TASKS)}")
    return INSTRUCTIONS[name]


def whole_task_reward(name: str) -> str:
    """The reward/success source of the task's final sub-task (what the plain-SAC baseline trains on)."""
    _, plan = reference_task(name)
    last = plan.subtasks[-1]
    code = last.reward_code or ""
    if "def is_success" not in code and last.success_code:
        code += "\n" + last.success_code
    return code


__all__ = ["INSTRUCTIONS", "REFERENCE_TASKS", "reference_goal", "reference_instruction", "reference_task",
           "whole_task_reward"]
