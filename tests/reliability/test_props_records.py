"""Property-based tests: any dict gives a SkillRecord / FailedTaskRecord or a pydantic ValidationError
whose message names the field; any export file gives an ImportResult or a LibraryError naming the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from roboskill.memory import FailedTaskRecord, SkillRecord
from roboskill.memory.library import LibraryError, read_export

SETTINGS = settings(max_examples=80, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

junk = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
                    lambda i: st.lists(i, max_size=3) | st.dictionaries(st.text(max_size=5), i, max_size=3), max_leaves=8)


def maybe(s: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(s, s, s, junk)


GOOD_SCENE = {"name": "s", "objects": [{"kind": "primitive", "name": "cube", "shape": "box", "size": [0.02] * 3}]}
GOOD_PLAN = {"task_name": "push", "subtasks": [{"name": "push", "learner": "primitive",
                                                 "primitive": {"name": "push", "args": {"object": "cube", "direction": [0, 1], "distance": 0.1}}}]}
record_names = st.one_of(st.sampled_from(["push_cube", "Push Cube", "", "a" * 101, "1.x-y", "../etc", "ok_2"]), st.text(max_size=10))
skill_dicts = st.fixed_dictionaries(
    {"name": maybe(record_names), "description": maybe(st.one_of(st.text(max_size=20), st.just("   "), st.just("x" * 4001))),
     "scene": maybe(st.one_of(st.just(GOOD_SCENE), st.just({"name": "s", "objects": [{"kind": "primitive"}]}))),
     "plan": maybe(st.one_of(st.just(GOOD_PLAN), st.just({"task_name": "t", "subtasks": []}))),
     "success_rate": maybe(st.one_of(st.floats(-1, 2), st.just(float("nan")))),
     "run_id": maybe(st.text(max_size=5)), "task_id": maybe(st.text(max_size=5))},
    optional={"metrics": maybe(st.dictionaries(st.text(max_size=4), junk, max_size=3)),
              "artefacts": maybe(st.dictionaries(st.text(max_size=4), st.text(max_size=10), max_size=2)),
              "created_at": maybe(st.sampled_from(["2024-01-01T00:00:00Z", "yesterday", 0, -1e20])),
              "learners": maybe(st.lists(st.text(max_size=5), max_size=2)), "parent": maybe(st.none()),
              "bogus": junk},
)
failure_dicts = st.fixed_dictionaries(
    {"name": maybe(record_names), "description": maybe(st.text(max_size=20)), "run_id": maybe(st.text(max_size=5)),
     "task_id": maybe(st.text(max_size=5))}, optional={"reason": maybe(st.text(max_size=20)), "bogus": junk})


def _assert_clear(exc: ValidationError) -> None:
    assert exc.error_count() >= 1
    for err in exc.errors():
        assert err["msg"], err
    text = str(exc)
    located = [err for err in exc.errors() if err["loc"]]
    assert all(str(err["loc"][0]) in text for err in located), text  # every field-level error names its field


@SETTINGS
@given(data=st.one_of(skill_dicts, junk))
def test_skill_record_valid_or_validation_error(data: Any) -> None:
    try:
        rec = SkillRecord.model_validate(data)
    except ValidationError as exc:
        _assert_clear(exc)
        return
    # a record that validates survives the library's JSON round trip
    again = SkillRecord.model_validate_json(rec.model_dump_json())
    assert again.key == rec.key and again.name == rec.name


@SETTINGS
@given(data=st.one_of(failure_dicts, junk))
def test_failed_task_record_valid_or_validation_error(data: Any) -> None:
    try:
        rec = FailedTaskRecord.model_validate(data)
    except ValidationError as exc:
        _assert_clear(exc)
        return
    assert FailedTaskRecord.model_validate_json(rec.model_dump_json()).key == rec.key


def test_bad_name_message_suggests_a_fix() -> None:
    with pytest.raises(ValidationError, match="invalid record name 'Push Cube'.*'push_cube'"):
        FailedTaskRecord(name="Push Cube", description="d", run_id="r", task_id="t")


export_docs = st.one_of(
    junk,
    st.fixed_dictionaries({"format": st.sampled_from(["roboskill-skill-library", "nope"]),
                           "version": maybe(st.one_of(st.integers(-1, 5), st.just("1"), st.just("abc"), st.just(1.5))),
                           "skills": maybe(st.lists(skill_dicts, max_size=2)),
                           "failures": maybe(st.lists(failure_dicts, max_size=2))}),
)


@SETTINGS
@given(doc=export_docs, raw=st.one_of(st.none(), st.binary(max_size=60)))
def test_read_export_gives_export_or_library_error(tmp_path: Path, doc: Any, raw: bytes | None) -> None:
    path = tmp_path / "export.json"
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(json.dumps(doc), encoding="utf-8")
    before = path.read_bytes()
    try:
        read_export(path)
    except LibraryError as exc:
        assert str(path) in str(exc), str(exc)
    assert path.read_bytes() == before


@pytest.mark.parametrize("version", ["abc", [1], {"a": 1}, None])
def test_export_with_a_nonsense_version_is_a_library_error(tmp_path: Path, version: Any) -> None:
    """`int(data["version"])` used to escape as ValueError/TypeError."""
    from roboskill.memory.library import EXPORT_FORMAT

    path = tmp_path / "e.json"
    path.write_text(json.dumps({"format": EXPORT_FORMAT, "version": version, "skills": [], "failures": []}))
    try:
        read_export(path)
    except LibraryError as exc:
        assert str(path) in str(exc)


def test_deeply_nested_export_is_a_library_error(tmp_path: Path) -> None:
    """Used to escape as RecursionError from json.loads."""
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000)
    with pytest.raises(LibraryError, match="deep.json.*nested too deeply"):
        read_export(path)
