from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from roboskill.memory import LibraryCorruptedError, LibraryError, SkillLibrary, SkillNotFoundError
from tests.memory.conftest import SKILLS, make_failure, make_record


def test_add_is_idempotent_on_run_and_task(library):
    rec = make_record("open_top_drawer", "pull the top drawer out")
    library.add_skill(rec)
    library.add_skill(rec)  # a resumed run stores the same accepted skill again
    library.add_skill(rec.model_copy(update={"success_rate": 1.0}))
    assert len(library) == 1
    assert library.get("open_top_drawer").success_rate == 1.0
    assert library._collection("skills").count() == 1


def test_same_name_from_another_run_is_kept_under_a_new_name(library):
    library.add_skill(make_record("open_drawer", "open the top drawer", run_id="a"))
    stored = library.add_skill(make_record("open_drawer", "open the bottom drawer", run_id="b"))
    assert stored.name == "open_drawer_2"
    assert library.names() == ["open_drawer", "open_drawer_2"]


def test_get_unknown_suggests_close_names(filled):
    with pytest.raises(SkillNotFoundError, match="pick_red_cube"):
        filled.get("pick_red_cub")


def test_search_by_meaning_not_keywords(filled):
    hits = filled.search("open a cabinet compartment", k=3)
    assert hits[0].record.name == "open_top_drawer"  # shares no content word with the query
    hits = filled.search("grab the crimson block", k=2)
    assert hits[0].record.name == "pick_red_cube"


@pytest.mark.parametrize(
    "query,novel,nearest",
    [
        ("open the top drawer", False, "open_top_drawer"),       # reworded
        ("grab the red block and raise it", False, "pick_red_cube"),
        ("close the top drawer", True, "open_top_drawer"),       # opposite action: a new task
        ("push the red cube", True, None),                       # different action on the same cube
        ("pick up the blue cube", True, None),                   # same action, different object
        ("water the plants", True, None),
    ],
)
def test_novelty_verdicts(filled, query, novel, nearest):
    verdict = filled.is_novel(query)
    assert verdict.novel is novel, verdict
    assert 0 < verdict.threshold < 1
    assert len(verdict.nearest) <= 5
    if nearest:
        assert verdict.nearest[0][0] == nearest
    if verdict.novel:
        assert verdict.max_similarity < verdict.threshold


def test_empty_library_everything_is_novel(library):
    verdict = library.is_novel("open the top drawer")
    assert verdict.novel and verdict.nearest == []
    assert library.search("anything") == []


def test_failures_and_reuse(filled):
    filled.add_failure(make_failure("stack_three", "stack three cubes into a tower"))
    filled.add_failure(make_failure("stack_three", "stack three cubes into a tower"))
    assert len(filled.list_failures()) == 1
    near = filled.nearest_failures("build a tower of blocks", k=1)
    assert near[0].record.name == "stack_three"
    filled.add_skill(make_record("pick_red_cube_badly", "lift the red cube", success_rate=0.1, task_id="t9"))
    good = filled.similar_successful("raise the red block", k=2)
    assert good and all(r.success_rate >= 0.5 for r in good)
    assert good[0].name == "pick_red_cube"
    assert "compute_reward" in good[0].plan.subtasks[0].reward_code
    summary = filled.library_summary(max_items=3)
    assert "Learned skills (6)" in summary and "and 3 more" in summary and "stack_three" in summary


def test_remove(filled):
    removed = filled.remove("press_button")
    assert removed.name == "press_button"
    assert "press_button" not in filled
    assert all(m.record.name != "press_button" for m in filled.search("press the button", k=5))
    with pytest.raises(SkillNotFoundError):
        filled.remove("press_button")


def test_export_import_round_trip(filled, tmp_path, embedder):
    filled.add_failure(make_failure("stack_three", "stack three cubes into a tower"))
    out = tmp_path / "export.json"
    filled.export(out)
    other = SkillLibrary(tmp_path / "other")
    result = other.import_(out)
    assert (result.skills_added, result.failures_added) == (len(SKILLS), 1)
    assert [r.model_dump() for r in other.list()] == [r.model_dump() for r in filled.list()]
    again = other.import_(out)  # idempotent
    assert again.skills_added == 0 and again.skills_updated == len(SKILLS)
    assert len(other) == len(SKILLS)
    assert other.search("open a cabinet compartment", k=1)[0].record.name == "open_top_drawer"
    other.close()


def test_import_rejects_bad_files(library, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(LibraryError, match="bad.json.*line 1"):
        library.import_(bad)
    bad.write_text(json.dumps({"format": "roboskill-skill-library", "version": 1, "skills": [{"name": "x"}]}))
    with pytest.raises(LibraryError, match=r"skills\.0"):
        library.import_(bad)


def test_persists_across_reopen(tmp_path, embedder):
    lib = SkillLibrary(tmp_path / "lib")
    lib.add_skill(make_record("open_top_drawer", "pull the top drawer out"))
    lib.close()
    lib = SkillLibrary(tmp_path / "lib")
    assert lib.names() == ["open_top_drawer"]
    assert not lib.is_novel("open the top drawer").novel
    lib.close()


def test_index_is_rebuilt_after_crash_between_stores(tmp_path, embedder):
    """Record committed to SQLite but the process died before Chroma was written: reconciled on open."""
    lib = SkillLibrary(tmp_path / "lib")
    lib.add_skill(make_record("open_top_drawer", "pull the top drawer out"))
    lib._collection("skills").delete(ids=["run1/open_top_drawer"])  # simulate the lost index write
    lib.close()
    lib = SkillLibrary(tmp_path / "lib")
    assert lib.search("open a drawer", k=1)[0].record.name == "open_top_drawer"
    lib.close()


def test_corrupted_records_file_names_file_and_keeps_it(tmp_path):
    path = tmp_path / "lib"
    path.mkdir()
    records = path / "records.sqlite"
    records.write_bytes(b"this is not a sqlite database" * 100)
    before = records.read_bytes()
    with pytest.raises(LibraryCorruptedError) as exc:
        SkillLibrary(path)
    assert str(records) in str(exc.value) and "Nothing was deleted" in str(exc.value)
    assert records.read_bytes() == before


def test_corrupted_row_names_file_and_key(tmp_path):
    lib = SkillLibrary(tmp_path / "lib")
    lib._db.execute("INSERT INTO skills VALUES ('r/t', 'broken', 'd', 0.5, '2024', '{\"name\": 1}')")
    with pytest.raises(LibraryCorruptedError, match="records.sqlite.*'r/t'"):
        lib.get("broken")
    lib.close()


def test_library_path_that_is_a_file(tmp_path):
    f = tmp_path / "lib"
    f.write_text("x")
    with pytest.raises(LibraryError, match="is a file"):
        SkillLibrary(f)
