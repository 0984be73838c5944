"""SceneSpec: schema, YAML/JSON round trips and error messages a designer can act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from roboskill.sim.spec import ArticulatedObject, Placement, PrimitiveObject, SceneSpec, SpecError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenes"


def test_every_example_spec_loads() -> None:
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert len(files) >= 10
    for f in files:
        spec = SceneSpec.from_file(f)
        assert spec.objects, f


def test_yaml_on_key_is_not_a_boolean() -> None:
    spec = SceneSpec.from_text("name: s\nobjects:\n  - {kind: primitive, name: c, shape: box, size: [0.04, 0.04, 0.04], placement: {on: table}}\n")
    assert spec.objects[0].placement.on == "table"


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    spec = SceneSpec.from_file(EXAMPLES / "kitchen_10_objects.yaml")
    out = spec.to_file(tmp_path / f"scene{suffix}")
    assert SceneSpec.from_file(out) == spec


def test_errors_name_every_bad_field() -> None:
    data = {"name": "x", "objects": [
        {"kind": "primitive", "name": "Cube 1", "shape": "box", "size": [0.1, 0.1], "placement": {"on": "table"}},
        {"kind": "asset", "name": "a", "asset": "duck", "placement": {"on": "table", "left_of": "b"}},
        {"kind": "teapot", "name": "t"},
        {"kind": "articulated", "name": "d", "articulation": "drawer_cabinet", "initial_joints": {"drawer_0": 1.5},
         "placement": {"on": "table"}, "colour": "red"},
    ]}
    with pytest.raises(SpecError) as info:
        SceneSpec.from_dict(data, source="demo.yaml")
    msg = str(info.value)
    assert "demo.yaml" in msg
    assert "objects[0] (Cube 1).name" in msg and "'cube_1'" in msg
    assert "needs size" in msg
    assert "objects[1] (a).placement" in msg and "exactly one" in msg
    assert "objects[2] (t)" in msg and "kind" in msg
    assert "objects[3] (d).colour" in msg and "unknown field" in msg
    assert "open fraction" in msg


def test_placement_defaults_and_relation() -> None:
    obj = PrimitiveObject(name="c", shape="sphere", size=[0.02])
    assert obj.placement.relation == ("on", "table")
    assert Placement(position=(0.1, 0.0, 0.02)).relation[0] == "position"
    art = ArticulatedObject(name="k", articulation="knob", placement=Placement(on="table"))
    assert art.kind == "articulated"


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="not found"):
        SceneSpec.from_file(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(SpecError, match="not valid YAML"):
        SceneSpec.from_file(bad)
