from __future__ import annotations

import pytest
from pydantic import ValidationError

from roboskill.memory import SkillRecord, slugify_name
from tests.memory.conftest import make_record


def test_record_json_round_trip():
    rec = make_record("open_top_drawer", "pull the top drawer out", parent="grasp_handle")
    again = SkillRecord.model_validate_json(rec.model_dump_json())
    assert again == rec
    assert again.key == "run1/open_top_drawer"
    assert "act.compute_reward" in again.reward_code()


@pytest.mark.parametrize(
    "field,value,needle",
    [("name", "Open Drawer!", "open_drawer"), ("success_rate", 1.5, "success_rate"),
     ("description", "   ", "description"), ("metrics", {"x": object()}, "JSON")],
)
def test_bad_records_give_clear_errors(field, value, needle):
    good = make_record("ok", "pick up the cube").model_dump()
    good[field] = value
    with pytest.raises(ValidationError) as exc:
        SkillRecord.model_validate(good)
    assert needle in str(exc.value)


def test_slugify():
    assert slugify_name("Open the TOP drawer!") == "open_the_top_drawer"
    assert slugify_name("!!!") == "skill"
