"""Scene designer and reward writer against the real SceneSpec, builder, State and sandbox."""

from __future__ import annotations

import math

import pybullet as p
import pytest

from roboskill.agents.offline.rewards import RewardParams
from roboskill.agents.schemas import RewardCandidates, SceneDesign
from roboskill.sim.builder import build_scene
from roboskill.sim.state import State
from roboskill.sim.validation import SceneValidationError, validate_scene
from roboskill.tools.sandbox import check_code, load_reward_module

from .helpers import ask

TASKS = [
    {"name": "lift_red_block", "description": "Lift the red block 15 cm above the table."},
    {"name": "stack_blue_block_on_green_block", "description": "Stack the blue block on the green block."},
    {"name": "put_inside_lego_into_tray", "description": "Drop the lego brick into the tray."},
    {"name": "push_cube_to_target", "description": "Push the cube onto the green target marker."},
    {"name": "slide_puck_left", "description": "Slide the puck 15 cm to the left."},
    {"name": "open_top_drawer_cabinet", "description": "Open the top drawer of the cabinet."},
    {"name": "close_door_cabinet", "description": "Close the cupboard door."},
    {"name": "press_button", "description": "Press the button."},
    {"name": "rotate_knob", "description": "Turn the knob 90 degrees."},
    {"name": "rotate_lever", "description": "Flip the lever to its other side."},
    {"name": "open_sliding_door", "description": "Open the sliding door halfway."},
    {"name": "open_and_put_inside_duck_into_lid_box_then_close",
     "description": "Open the box lid, put the duck inside and close it afterwards."},
    {"name": "arrange_teal_can_left_of_mug", "description": "Place the teal can to the left of the mug."},
]


def _writer_context(task, scene, **kw):
    ctx = {"task": task, "scene": scene, "k": 3, "primitives": None, "examples": [], "previous_candidates": None,
           "critic_feedback": None, "component_feedback": {}, "reflection": None, "sandbox_errors": []}
    ctx.update(kw)
    return ctx


@pytest.fixture(scope="module")
def client():
    cid = p.connect(p.DIRECT)
    yield cid
    p.disconnect(cid)


@pytest.mark.parametrize("task", TASKS, ids=[t["name"] for t in TASKS])
def test_scene_builds_and_every_reward_passes_the_sandbox_and_runs(task, client):
    design = ask("scene_designer", {"task": task, "catalog": [], "validation_errors": [], "previous_scene": None})
    assert isinstance(design, SceneDesign)
    spec = design.scene
    for obj in spec.objects:  # inside the reachable workspace
        off = obj.placement.offset
        assert -0.25 <= off[0] <= 0.35 and -0.4 <= off[1] <= 0.4, (obj.name, off)
    p.resetSimulation(physicsClientId=client)
    world = build_scene(spec, client=client, seed=0)  # validates: raises SceneValidationError on problems
    state = State(world)
    rc = ask("reward_writer", _writer_context(task, spec.model_dump(mode="json")))
    assert isinstance(rc, RewardCandidates) and len(rc.candidates) == 3
    learners = set()
    for cand in rc.candidates:
        assert cand.subtasks
        for sub in cand.subtasks:
            learners.add(sub.learner)
            assert sub.success_code, sub.name
            assert check_code(sub.success_code, require=("is_success",)) == [], sub.success_code
            assert isinstance(load_reward_module(sub.success_code, require=("is_success",)).is_success(state), bool)
            if sub.learner == "primitive":
                assert sub.primitive is not None and sub.primitive.name
            else:
                assert check_code(sub.reward_code) == [], sub.reward_code
                total, comps = load_reward_module(sub.reward_code).compute_reward(state)
                assert math.isfinite(total) and comps and all(math.isfinite(v) for v in comps.values())
    assert len(learners) >= 2 or "trajopt" in learners  # candidates differ in learner choice


def test_candidates_differ_in_weights_or_learners():
    task = TASKS[4]
    design = ask("scene_designer", {"task": task, "catalog": [], "validation_errors": [], "previous_scene": None})
    rc = ask("reward_writer", _writer_context(task, design.scene.model_dump(mode="json")))
    codes = [tuple((s.learner, s.reward_code) for s in c.subtasks) for c in rc.candidates]
    assert len(set(codes)) == 3


def _params(sub) -> RewardParams:
    return RewardParams.from_source(sub.reward_code or sub.success_code)


def test_reward_writer_acts_on_critic_feedback():
    task = TASKS[3]  # push to target: trajopt with a reach_behind term
    design = ask("scene_designer", {"task": task, "catalog": [], "validation_errors": [], "previous_scene": None})
    scene = design.scene.model_dump(mode="json")
    first = ask("reward_writer", _writer_context(task, scene, k=1))
    sub0 = first.candidates[0].subtasks[0]
    assert sub0.learner == "trajopt"
    p0 = _params(sub0)
    w0 = {t.name: t.weight for t in p0.terms}
    prev = [c.model_dump(mode="json") for c in first.candidates]
    # 1) a stagnant component gets more weight and a wider basin
    fb = ask("reward_writer", _writer_context(task, scene, k=1, previous_candidates=prev,
                                              critic_feedback="The reach_behind component is flat: it never improves.",
                                              component_feedback={"reach_behind": "stagnant, increase it"}))
    p1 = _params(fb.candidates[0].subtasks[0])
    w1 = {t.name: t.weight for t in p1.terms}
    assert w1["reach_behind"] > w0["reach_behind"]
    assert "reach_behind" in fb.candidates[0].subtasks[0].reward_code  # change is explained in a comment
    # 2) "threshold too strict" loosens the success tolerance
    fb = ask("reward_writer", _writer_context(task, scene, k=1, previous_candidates=prev,
                                              critic_feedback="No episode succeeds: the success threshold is too strict."))
    assert _params(fb.candidates[0].subtasks[0]).success["tol"] > p0.success["tol"]
    # 3) an explicit learner switch
    fb = ask("reward_writer", _writer_context(task, scene, k=1, previous_candidates=prev,
                                              critic_feedback="Switch the learner to primitive."))
    assert fb.candidates[0].subtasks[0].learner == "primitive"
    assert fb.candidates[0].subtasks[0].primitive.name == "push"


def test_primitive_calls_validate_against_the_tools_layer():
    """Whatever the context lists, the calls must pass roboskill.tools.plan's argument validation."""
    from roboskill.tools.plan import PrimitiveCall

    task = {"name": "stack_blue_block_on_green_block", "description": "Stack the blue block on the green block."}
    design = ask("scene_designer", {"task": task, "catalog": [], "validation_errors": [], "previous_scene": None})
    prims = [{"name": "grasp", "args": {"object": "x"}}, {"name": "place", "args": {"object": "x", "target": "y"}}]
    rc = ask("reward_writer", _writer_context(task, design.scene.model_dump(mode="json"), k=1, primitives=prims))
    place = rc.candidates[0].subtasks[-1]
    assert place.learner == "primitive" and place.primitive.args == {"object": "blue_block", "on": "green_block"}
    for sub in rc.candidates[0].subtasks:
        PrimitiveCall.model_validate(sub.primitive.model_dump())


def test_scene_designer_fixes_a_real_validation_error():
    task = {"name": "open_sliding_door", "description": "Open the sliding door."}
    design = ask("scene_designer", {"task": task, "catalog": [], "validation_errors": [], "previous_scene": None})
    bad = design.scene.model_dump(mode="json")
    door = next(o for o in bad["objects"] if o["name"] == "sliding_door")
    door["placement"]["offset"] = [0.45, 0.3]  # out of reach
    from roboskill.sim.spec import SceneSpec

    report = validate_scene(SceneSpec.model_validate(bad))
    assert not report.ok
    errors = [q.model_dump() for q in report.problems]
    fixed = ask("scene_designer", {"task": task, "catalog": [], "validation_errors": errors, "previous_scene": bad})
    assert validate_scene(fixed.scene).ok, validate_scene(fixed.scene).format()
    assert "sliding_door" in fixed.notes


def test_scene_designer_fixes_only_the_named_object():
    task = {"name": "arrange_teal_can_left_of_mug", "description": "Place the teal can to the left of the mug."}
    design = ask("scene_designer", {"task": task, "catalog": [], "validation_errors": [], "previous_scene": None})
    prev = design.scene.model_dump(mode="json")
    prev["objects"][0]["placement"]["offset"] = [0.6, 0.39]
    name0, name1 = prev["objects"][0]["name"], prev["objects"][1]["name"]
    errors = [{"object": name0, "code": "out_of_reach", "message": f"{name0} is out of reach",
               "fix": "move it closer to the robot"}]
    fixed = ask("scene_designer", {"task": task, "catalog": [], "validation_errors": errors, "previous_scene": prev})
    objs = {o.name: o for o in fixed.scene.objects}
    x, y = objs[name0].placement.offset
    assert math.hypot(x + 0.6, y) < 0.8
    assert list(objs[name1].placement.offset) == list(prev["objects"][1]["placement"]["offset"])


def test_sandbox_errors_simplify_the_named_subtask():
    task = TASKS[3]
    design = ask("scene_designer", {"task": task, "catalog": [], "validation_errors": [], "previous_scene": None})
    scene = design.scene.model_dump(mode="json")
    first = ask("reward_writer", _writer_context(task, scene, k=1))
    sub = first.candidates[0].subtasks[0]
    err = [{"candidate": 0, "subtask": sub.name, "line": 7, "message": "state has no method 'object_velocity'"}]
    fixed = ask("reward_writer", _writer_context(task, scene, k=1, sandbox_errors=err,
                                                 previous_candidates=[c.model_dump(mode="json") for c in first.candidates]))
    code = fixed.candidates[0].subtasks[0].reward_code or ""
    assert "object_velocity" not in code


def test_unbuildable_scene_is_reported_by_the_builder():
    """Sanity check of the seam the repair loop relies on: problems carry object/code/message/fix."""
    from roboskill.sim.spec import SceneSpec

    spec = SceneSpec.model_validate({"name": "x", "objects": [
        {"kind": "primitive", "name": "far_block", "shape": "box", "size": [0.04, 0.04, 0.04],
         "placement": {"on": "table", "offset": [0.5, 0.38]}}]})
    with pytest.raises(SceneValidationError) as exc:
        cid = p.connect(p.DIRECT)
        try:
            build_scene(spec, client=cid)
        finally:
            p.disconnect(cid)
    assert exc.value.report.problems[0].object == "far_block"
