"""Property-based tests: any scene spec input is either a valid SceneSpec or a clear SpecError.

"Clear" means: a `SpecError` (a ValueError) whose message names where the problem is, never a
pydantic/YAML/KeyError traceback leaking out of `from_text`/`from_file`/`from_dict`. Specs that do
validate must go through `validate_scene` and come back as a `ValidationReport` (problems listed),
never an exception - this is what the scene designer's repair loop and `roboskill scene build` rely on.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from roboskill.sim.spec import SceneSpec, SpecError

SETTINGS = settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

# ------------------------------------------------------------------------------------------ strategies
weird_floats = st.one_of(
    st.floats(min_value=-0.5, max_value=0.5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-9, 1e9, 2.0, 2.0000001, float("nan"), float("inf")]),
)
names = st.one_of(
    st.sampled_from(["cube", "ball", "cabinet", "tray", "table", "robot", "Cube", "1cube", "", "a" * 200, "mug"]),
    st.text(max_size=12),
)
junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually the plausible value, sometimes junk: finds both deep and shallow errors."""
    return st.one_of(strategy, strategy, strategy, junk)


placements = st.fixed_dictionaries(
    {},
    optional={
        "position": maybe(st.lists(weird_floats, min_size=2, max_size=4)),
        "on": maybe(names),
        "inside": maybe(names),
        "left_of": maybe(names),
        "behind": maybe(names),
        "euler": maybe(st.lists(weird_floats, min_size=3, max_size=3)),
        "distance": maybe(weird_floats),
        "offset": maybe(st.lists(weird_floats, min_size=2, max_size=2)),
        "randomize": maybe(st.fixed_dictionaries({}, optional={"xy": weird_floats, "yaw": weird_floats})),
    },
)
primitive = st.fixed_dictionaries(
    {"kind": st.just("primitive"), "name": names,
     "shape": maybe(st.sampled_from(["box", "sphere", "cylinder", "capsule", "cone"])),
     "size": maybe(st.lists(weird_floats, min_size=0, max_size=4))},
    optional={"placement": maybe(placements), "mass": maybe(weird_floats), "friction": maybe(weird_floats),
              "color": maybe(st.lists(weird_floats, min_size=3, max_size=5)), "visual_only": maybe(st.booleans()),
              "fixed": maybe(st.booleans())},
)
asset = st.fixed_dictionaries(
    {"kind": st.just("asset"), "name": names,
     "asset": maybe(st.sampled_from(["mug", "tray", "no_such_asset", "/etc/passwd", "../../x.urdf", "x.obj", ""]))},
    optional={"placement": maybe(placements), "scale": maybe(weird_floats), "mass": maybe(weird_floats)},
)
articulated = st.fixed_dictionaries(
    {"kind": st.just("articulated"), "name": names,
     "articulation": maybe(st.sampled_from(["drawer_cabinet", "door_cabinet", "lid_box", "button", "lever",
                                            "sliding_door", "knob", "robot_arm"]))},
    optional={"placement": maybe(placements),
              "params": maybe(st.dictionaries(st.sampled_from(["n_drawers", "width", "handle", "damping", "zzz"]),
                                              st.one_of(weird_floats, st.integers(-5, 50),
                                                        st.sampled_from(["bar", "knob", "tab", "??"])), max_size=3)),
              "initial_joints": maybe(st.dictionaries(st.sampled_from(["drawer_0", "door", "lid", "nope"]),
                                                      weird_floats, max_size=2)),
              "randomize_joints": maybe(weird_floats)},
)
scene_objects = st.one_of(primitive, asset, articulated, junk)
scene_dicts = st.fixed_dictionaries(
    {"name": maybe(st.text(max_size=20))},
    optional={"objects": maybe(st.lists(scene_objects, max_size=4)), "robot": maybe(st.sampled_from(["panda", "xarm6", "kuka", "ur5"])),
              "table": maybe(st.booleans()), "description": maybe(st.text(max_size=30)), "extra_field": junk},
)
top_level = st.one_of(scene_dicts, scene_dicts, scene_dicts, junk)


def _check_message(exc: SpecError) -> None:
    text = str(exc)
    assert text.strip(), "SpecError with an empty message"
    assert "Traceback" not in text
    assert "pydantic.dev" not in text, f"raw pydantic error URL leaked: {text}"


# ------------------------------------------------------------------------------------------ properties
@SETTINGS
@given(data=top_level)
def test_from_dict_gives_spec_or_spec_error(data: Any) -> None:
    try:
        spec = SceneSpec.from_dict(data, source="fuzz.yaml")
    except SpecError as exc:
        _check_message(exc)
        return
    # a spec that validated round-trips through its own text form
    again = SceneSpec.from_text(spec.to_text("json"), fmt="json")
    assert again.object_names() == spec.object_names()


@SETTINGS
@given(data=top_level)
def test_model_validate_gives_spec_or_validation_error(data: Any) -> None:
    try:
        SceneSpec.model_validate(data)
    except ValidationError as exc:
        assert exc.error_count() >= 1 and str(exc)


yamlish = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.sampled_from(list("abc:-[]{}#&*!|>'\"\n\t %@`,?0123456789.")), max_size=120),
    top_level.map(lambda d: yaml.safe_dump(d, allow_unicode=True) if _dumpable(d) else "name: x"),
    st.sampled_from([
        "", "~", "null", "[]", "- a\n- b", "name: [unclosed", "name: x\nobjects: {a: 1}",
        "!!python/object/apply:os.system ['echo pwned']", "&a [*a]", "name: x\nobjects:\n  - *undefined",
        "name: !!binary AAAA", "? [a, b]\n: c", "name: x\n" + "objects:\n" + "  - " * 50 + "x",
        "[" * 60, "{" * 60, "a: &x [1]\nb: [*x, *x, *x, *x]", "\x00\x01", "name: x\n\ton: table",
    ]),
)


def _dumpable(d: Any) -> bool:
    try:
        yaml.safe_dump(d)
        return True
    except Exception:  # noqa: BLE001 - the strategy only needs *some* YAML text
        return False


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=yamlish)
def test_from_text_yaml_gives_spec_or_spec_error(text: str) -> None:
    try:
        SceneSpec.from_text(text, source="fuzz.yaml")
    except SpecError as exc:
        _check_message(exc)
        assert "fuzz.yaml" in str(exc), f"the error must name the file: {exc}"


@SETTINGS
@given(text=st.one_of(st.text(max_size=100), top_level.map(lambda d: json.dumps(d, default=str))))
def test_from_text_json_gives_spec_or_spec_error(text: str) -> None:
    try:
        SceneSpec.from_text(text, fmt="json", source="fuzz.json")
    except SpecError as exc:
        _check_message(exc)
        assert "fuzz.json" in str(exc)


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(st.binary(max_size=200), yamlish.map(lambda s: s.encode("utf-8", "surrogatepass"))),
       suffix=st.sampled_from([".yaml", ".yml", ".json", ".txt"]))
def test_from_file_gives_spec_or_spec_error(tmp_path: Path, raw: bytes, suffix: str) -> None:
    path = tmp_path / f"scene{suffix}"
    path.write_bytes(raw)
    try:
        SceneSpec.from_file(path)
    except SpecError as exc:
        _check_message(exc)
        assert str(path) in str(exc), f"the error must name the file: {exc}"
    assert path.read_bytes() == raw  # reading never modifies the input


def test_from_file_on_a_directory_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="not found"):
        SceneSpec.from_file(tmp_path / "missing.yaml")
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(SpecError, match="dir.yaml"):
        SceneSpec.from_file(tmp_path / "dir.yaml")


# Valid specs from the fuzzer go on to the validator (static checks + PyBullet): a report, never an exception.
plausible_primitive = st.fixed_dictionaries(
    {"kind": st.just("primitive"), "name": st.sampled_from(["cube", "ball", "peg", "goal"]),
     "shape": st.sampled_from(["box", "sphere", "cylinder", "capsule"]),
     "size": st.lists(st.one_of(st.floats(0.001, 2.0), st.just(float("nan"))), min_size=1, max_size=3)},
    optional={"placement": st.one_of(
        st.fixed_dictionaries({"position": st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32),
                                                    min_size=3, max_size=3)}),
        st.fixed_dictionaries({"on": st.sampled_from(["table", "cube", "ball", "nothing"])}),
        st.fixed_dictionaries({"left_of": st.sampled_from(["cube", "ball", "peg"]), "distance": st.floats(0, 1)}),
        st.fixed_dictionaries({"on": st.just("table"), "euler": st.lists(st.floats(allow_nan=True), min_size=3, max_size=3)}),
    ), "mass": st.one_of(st.floats(0, 1e6), st.just(float("inf"))), "visual_only": st.booleans(), "fixed": st.booleans()},
)
plausible_other = st.one_of(
    st.fixed_dictionaries({"kind": st.just("asset"), "name": st.sampled_from(["mug", "tray", "thing"]),
                           "asset": st.sampled_from(["mug", "tray", "no_such_asset", "/etc/passwd", "/dev/null.urdf"]),
                           "scale": st.floats(0.01, 20.0)}),
    st.fixed_dictionaries({"kind": st.just("articulated"), "name": st.sampled_from(["cabinet", "box", "door"]),
                           "articulation": st.sampled_from(["drawer_cabinet", "door_cabinet", "lid_box", "button",
                                                            "lever", "sliding_door", "knob"]),
                           "params": st.dictionaries(st.sampled_from(["n_drawers", "width", "height", "handle", "bogus"]),
                                                     st.one_of(st.integers(-3, 30), st.floats(-1, 5), st.just(float("nan")),
                                                               st.sampled_from(["bar", "hbar", "knob", "tab", "?"])),
                                                     max_size=2),
                           "initial_joints": st.dictionaries(st.sampled_from(["drawer_0", "door", "lid", "nope"]),
                                                             st.floats(0, 1), max_size=2)}),
)


@settings(max_examples=50, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects=st.lists(st.one_of(plausible_primitive, plausible_other), max_size=3),
       robot=st.sampled_from(["panda", "xarm6", "kuka"]), table=st.booleans())
def test_validate_scene_reports_problems_never_raises(objects: list[dict], robot: str, table: bool) -> None:
    from roboskill.sim.validation import ValidationReport, validate_scene

    try:
        spec = SceneSpec.from_dict({"name": "fuzz", "robot": robot, "table": table, "objects": objects})
    except SpecError as exc:
        _check_message(exc)
        return
    report = validate_scene(spec)
    assert isinstance(report, ValidationReport)
    for q in report.problems:
        assert q.message and q.code
    if report.ok:  # an accepted scene has only finite numbers in it
        for obj in spec.objects:
            for v in getattr(obj, "size", []) or []:
                assert math.isfinite(v)
            if obj.placement.position is not None:
                assert all(math.isfinite(v) for v in obj.placement.position)


@pytest.mark.parametrize("obj, field", [
    ({"kind": "primitive", "name": "cube", "shape": "box", "size": [0.02, float("nan"), 0.02]}, "size[1]"),
    ({"kind": "primitive", "name": "cube", "shape": "box", "size": [0.04] * 3,
      "placement": {"position": [float("inf"), 0, 0.1]}}, "placement.position[0]"),
    ({"kind": "primitive", "name": "cube", "shape": "box", "size": [0.04] * 3, "mass": float("inf")}, "mass"),
    ({"kind": "primitive", "name": "cube", "shape": "box", "size": [0.04] * 3,
      "placement": {"on": "table", "offset": [float("nan"), 0]}}, "placement.offset[0]"),
])
def test_non_finite_numbers_are_schema_errors(obj: dict, field: str) -> None:
    """NaN/inf used to pass the schema and reach PyBullet ("it is at (nan, nan, nan)"); now named at the field."""
    with pytest.raises(SpecError, match=r"finite number") as exc:
        SceneSpec.from_dict({"name": "x", "objects": [obj]})
    assert f"objects[0] (cube).{field}" in str(exc.value)
    # JSON text from an LLM may carry NaN literally (json.loads accepts it)
    with pytest.raises(SpecError, match="finite"):
        SceneSpec.from_text(json.dumps({"name": "x", "objects": [obj]}), fmt="json")


def test_deeply_nested_text_is_a_spec_error() -> None:
    """Used to escape as RecursionError from the YAML/JSON parsers."""
    for fmt, text in (("yaml", "[" * 5000), ("json", "[" * 100_000), ("yaml", "a:\n" + "".join(" " * i + "- \n" for i in range(3000)))):
        try:
            SceneSpec.from_text(text, fmt=fmt, source="deep.txt")  # type: ignore[arg-type]
        except SpecError as exc:
            assert "deep.txt" in str(exc)
