"""The offline model knows the spec-built articulated categories, so offline runs exercise that path."""

from __future__ import annotations

import pytest

from roboskill.agents.offline.parser import parse_task
from roboskill.agents.offline.vocab import SPEC_ARTICULATED
from roboskill.sim.spec import ARTICULATION_KINDS


@pytest.mark.parametrize("task,key", [("open the microwave", "microwave"), ("close the laptop", "laptop"),
                                      ("open the fridge door", "refrigerator"), ("close the toilet lid", "toilet")])
def test_tasks_on_spec_built_objects_parse_to_their_category(task: str, key: str) -> None:
    assert parse_task(task).obj.type_key == key


def test_every_spec_built_type_is_a_catalog_category_with_its_joints() -> None:
    from roboskill.sim.articulated_presets import PRESETS

    for t in SPEC_ARTICULATED:
        assert t.articulation in ARTICULATION_KINDS
        assert set(t.joints) <= set(PRESETS[t.articulation].joints)
