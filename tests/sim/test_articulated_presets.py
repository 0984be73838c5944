"""Articulated presets: >= 25 categories, every one builds at two parameter settings and every joint moves."""

from __future__ import annotations

import random

import pybullet as p
import pytest

from roboskill.sim import articulated
from roboskill.sim.articulated_check import check_object
from roboskill.sim.articulated_presets import PRESETS, build_preset, sample_params
from roboskill.sim.builder import build_scene
from roboskill.sim.spec import ARTICULATION_KINDS, SceneSpec
from roboskill.sim.validation import SceneValidationError


def _settings(kind: str) -> list[dict]:
    """The defaults and one random draw (fixed seed); the 7 generators at their defaults and one variation."""
    if kind in PRESETS:
        return [{}, sample_params(kind, random.Random(kind))]
    return [{}, {"color": "white"}]


def test_every_category_is_in_the_schema_and_the_catalog() -> None:
    from roboskill.sim.catalog import get_catalog

    kinds = articulated.all_kinds()
    assert len(kinds) >= 25 and list(ARTICULATION_KINDS) == kinds
    cat = get_catalog()
    for kind in kinds:
        entry = cat.entries[kind]
        assert (entry.kind, entry.category) == ("articulated", kind)


def test_every_preset_builds_at_two_settings_and_every_joint_moves() -> None:
    c = p.connect(p.DIRECT)
    try:
        for kind in articulated.all_kinds():
            for params in _settings(kind):
                world = _build(kind, params, c)
                assert world.joints, kind
                _ignore_robot(world, c)
                for joint, ref in world.joints.items():
                    span = ref.upper - ref.lower
                    p.setJointMotorControl2(ref.body, ref.index, p.POSITION_CONTROL, targetPosition=ref.upper,
                                            force=100.0, maxVelocity=span / 0.2, physicsClientId=c)
                    world.step(120)
                    reached = ref.to_fraction(world.joint_position(joint))
                    assert reached > 0.5, (kind, params, joint, reached)
                    world.set_joint_fraction(joint, 0.0)
                    p.setJointMotorControl2(ref.body, ref.index, p.VELOCITY_CONTROL, targetVelocity=0.0, force=0.0,
                                            physicsClientId=c)
    finally:
        p.disconnect(physicsClientId=c)


def _build(kind: str, params: dict, c: int, placement: dict | None = None):
    """Build at x = 0.1; a preset whose handles are out of reach there is moved where validation's fix says."""
    p.resetSimulation(physicsClientId=c)
    spec = SceneSpec.from_dict({"name": "t", "objects": [
        {"kind": "articulated", "name": "obj", "articulation": kind, "params": params,
         "placement": placement or {"position": [0.1, 0.0, 0.0]}}]})
    try:
        return build_scene(spec, client=c, seed=0, validate=True, nominal=True)
    except SceneValidationError as exc:
        fixes = [q.suggested_placement() for q in exc.report.errors if q.code == "out_of_reach"]
        if placement is not None or len(fixes) != len(exc.report.errors) or None in fixes:
            raise
        return _build(kind, params, c, fixes[0])


def _ignore_robot(world, c: int) -> None:
    """The arm at its home pose stands where some doors swing: this test is about the object alone."""
    robot, body = world.robot.body, world.bodies["obj"]
    for a in range(-1, p.getNumJoints(robot, physicsClientId=c)):
        for b in range(-1, p.getNumJoints(body, physicsClientId=c)):
            p.setCollisionFilterPair(robot, body, a, b, 0, physicsClientId=c)


@pytest.mark.parametrize("kind", sorted(PRESETS))
def test_presets_pass_the_physical_object_check(kind: str) -> None:
    for params in _settings(kind):
        assert check_object(build_preset(kind, params)) == [], (kind, params)


def test_preset_params_are_checked() -> None:
    with pytest.raises(articulated.ArticulationParamError, match="no parameter"):
        articulated.generate("microwave", {"n_drawers": 2})
    with pytest.raises(articulated.ArticulationParamError, match="one of"):
        articulated.generate("refrigerator", {"layout": "upside_down"})
    assert [j.name for j in articulated.generate("oven", {"n_knobs": 3}).joints] == ["door", "knob_0", "knob_1", "knob_2"]
