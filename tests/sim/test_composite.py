"""Composite rigid objects: every preset builds at two parameter settings, stands still, has sane mass, can be
grasped where it is meant to be, and open containers really hold things (the `inside` goal is honest)."""

from __future__ import annotations

import json
import math

import numpy as np
import pybullet as p
import pybullet_data
import pytest
from typer.testing import CliRunner

from roboskill.sim import composite
from roboskill.sim import goals as G
from roboskill.sim.env import SkillEnv
from roboskill.sim.spec import SceneSpec

PANDA_OPENING = 0.08


def _settings(t: composite.CompositeType) -> list[dict[str, float]]:
    """Two parameter settings per preset: every parameter at its minimum, then at its maximum."""
    return [{k: v.lo for k, v in t.params.items()}, {k: v.hi for k, v in t.params.items()}]


@pytest.fixture(scope="module")
def client():
    c = p.connect(p.DIRECT)
    p.setGravity(0, 0, -9.81, physicsClientId=c)
    p.loadURDF(f"{pybullet_data.getDataPath()}/plane.urdf", physicsClientId=c)
    yield c
    p.disconnect(physicsClientId=c)


def _drop(c: int, body: int) -> np.ndarray:
    """Stand a body on the plane (bottom 1 mm above it); return its start position."""
    lo, _ = p.getAABB(body, physicsClientId=c)
    pos, q = p.getBasePositionAndOrientation(body, physicsClientId=c)
    start = [pos[0], pos[1], pos[2] - lo[2] + 0.001]
    p.resetBasePositionAndOrientation(body, start, q, physicsClientId=c)
    return np.array(start)


def test_every_rigid_type_builds_at_two_settings_stands_and_is_graspable(client: int) -> None:
    c = client
    problems = []
    for name, t in composite.types().items():
        for params in _settings(t):
            built = composite.create_body(name, params, client=c)
            start = _drop(c, built.body)
            for _ in range(240):
                p.stepSimulation(physicsClientId=c)
            pos, q = p.getBasePositionAndOrientation(built.body, physicsClientId=c)
            tilt = math.degrees(2 * math.acos(min(1.0, abs(q[3]))))
            moved = float(np.linalg.norm(np.array(pos) - start))
            lo, hi = (np.array(v) for v in p.getAABB(built.body, physicsClientId=c))
            where = f"{name} {params}"
            if not 0.005 <= built.mass <= 5.0:
                problems.append(f"{where}: mass {built.mass:.3f} kg")
            if tilt > 3.0 or moved > 0.01:
                problems.append(f"{where}: not stable (tilt {tilt:.1f} deg, moved {moved * 100:.1f} cm)")
            if max(hi - lo) > 0.6:
                problems.append(f"{where}: {max(hi - lo):.2f} m across")
            if "graspable" in t.tags and not built.design.grasp:
                problems.append(f"{where}: tagged graspable but names no grasp part")
            if any(w >= PANDA_OPENING for w in built.design.grasp.values()):
                problems.append(f"{where}: grasp widths {built.design.grasp} reach the Panda's 8 cm")
            if ("container" in t.tags) != (built.design.interior is not None):
                problems.append(f"{where}: container tag and interior disagree")
            p.removeBody(built.body, physicsClientId=c)
    assert not problems, "\n".join(problems)


def test_open_containers_hold_a_dropped_ball(client: int) -> None:
    """A ball dropped over each container's interior ends inside its bounding box, above its floor."""
    c = client
    for name, t in composite.types().items():
        if "container" not in t.tags:
            continue
        built = composite.create_body(name, client=c)
        _drop(c, built.body)
        pos, q = p.getBasePositionAndOrientation(built.body, physicsClientId=c)
        inner = built.interior_com
        floor = p.multiplyTransforms(pos, q, inner.center, [0, 0, 0, 1])[0]
        d = min(0.03, 1.6 * min(inner.half_extents[:2]))
        ball = p.createMultiBody(0.02, p.createCollisionShape(p.GEOM_SPHERE, radius=d / 2, physicsClientId=c), -1,
                                 [floor[0], floor[1], floor[2] + d / 2 + 0.01], physicsClientId=c)
        for _ in range(240):
            p.stepSimulation(physicsClientId=c)
        lo, hi = (np.array(v) for v in p.getAABB(built.body, physicsClientId=c))
        b = np.array(p.getBasePositionAndOrientation(ball, physicsClientId=c)[0])
        assert np.all(b >= lo - 0.005) and np.all(b <= hi + 0.005), (name, b, lo, hi)
        assert b[2] >= floor[2] + d / 2 - 0.01, (name, "fell through the floor", b[2], floor[2])
        p.removeBody(ball, physicsClientId=c)
        p.removeBody(built.body, physicsClientId=c)


def test_bad_params_name_the_range() -> None:
    with pytest.raises(composite.CompositeParamError, match=r"mug.diameter = 0.5 is outside \[0.065, 0.095\]"):
        composite.resolve_params("mug", {"diameter": 0.5})
    with pytest.raises(composite.CompositeParamError, match="no parameter 'colour'"):
        composite.resolve_params("mug", {"colour": 1})
    sampled = composite.sample_params("shelf")
    assert composite.resolve_params("shelf", sampled)["boards"] in (2, 3, 4)


MUG = {"kind": "asset", "name": "mug", "asset": "mug", "placement": {"on": "table", "offset": [0.0, 0.1]}}
CUBE = {"kind": "primitive", "name": "cube", "shape": "box", "size": [0.035, 0.035, 0.035],
        "placement": {"on": "table", "offset": [0.0, -0.1]}}


def test_put_the_cube_in_the_mug_is_checked_for_real() -> None:
    """The catalog mug is open: a cube placed `inside: mug` rests on its floor and the `inside` goal holds;
    beside the mug it does not."""
    spec = SceneSpec.from_dict({"name": "mug_scene", "start_randomization": {"xy": 0, "yaw": 0, "joints": 0},
                                "objects": [MUG, {**CUBE, "placement": {"inside": "mug"}}]})
    goal = G.Goal.model_validate({"action": "put_inside", "summary": "put the cube in the mug",
                                  "objects": [{"name": "cube", "category": "box"}, {"name": "mug", "category": "mug"}],
                                  "conditions": [{"kind": "inside", "object": "cube", "container": "mug"}]})
    env = SkillEnv(spec, None, None, horizon=50, seed=0)
    try:
        env.reset(seed=0)
        assert G.judge(goal, env).success
        cube, mug_lo = env.state.object_position("cube"), env.world.object_aabb("mug")[0]
        assert cube[2] - mug_lo[2] < 0.035  # on the mug's floor, not on its rim
    finally:
        env.close()
    beside = SceneSpec.from_dict({"name": "mug_scene", "start_randomization": {"xy": 0, "yaw": 0, "joints": 0},
                                  "objects": [MUG, CUBE]})
    env = SkillEnv(beside, None, None, horizon=50, seed=0)
    try:
        env.reset(seed=0)
        assert not G.judge(goal, env).success
    finally:
        env.close()


def test_a_too_big_object_for_a_composite_container_is_refused() -> None:
    from roboskill.sim.validation import static_checks

    big = {**CUBE, "size": [0.09, 0.09, 0.05], "placement": {"inside": "mug"}}
    report = static_checks(SceneSpec.from_dict({"name": "s", "objects": [MUG, big]}))
    assert [q.code for q in report.errors] == ["container_too_small"]
    bad = static_checks(SceneSpec.from_dict({"name": "s", "objects": [{**MUG, "params": {"diameter": 2}}]}))
    assert bad.errors[0].code == "bad_params" and "diameter" in bad.errors[0].message


def test_catalog_json_has_kind_and_category_and_60_rigid_categories() -> None:
    from roboskill.cli.main import app

    out = CliRunner().invoke(app, ["scene", "catalog", "--json"])
    assert out.exit_code == 0, out.output
    entries = json.loads(out.output[out.output.index("["):])
    assert all({"name", "kind", "category"} <= set(e) and e["kind"] in ("rigid", "articulated") for e in entries)
    composite_categories = {e["category"] for e in entries if e["kind"] == "rigid" and e["format"] == "composite"}
    assert len(composite_categories) >= 60
    mug = next(e for e in entries if e["name"] == "mug")
    assert mug["format"] == "composite" and "container" in mug["tags"] and mug["params"]["diameter"][1:] == [0.065, 0.095]
