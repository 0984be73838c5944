import pytest
from pydantic import ValidationError

from roboskill.tools.plan import PrimitiveCall, SkillPlan, SubTask, primitives_catalog


def test_primitive_args_are_checked_per_primitive():
    assert PrimitiveCall(name="open", args={"joint": "cabinet.drawer_0"}).args["fraction"] == 1.0
    assert PrimitiveCall(name="close", args={"joint": "cabinet.drawer_0"}).args["fraction"] == 0.0
    assert PrimitiveCall(name="push", args={"object": "cube", "target": [0.1, 0.2]}).args["target"] == [0.1, 0.2]
    with pytest.raises(ValidationError, match="needs 'object'"):
        PrimitiveCall(name="grasp", args={})
    with pytest.raises(ValidationError, match="exactly one of 'position'"):
        PrimitiveCall(name="place", args={"object": "cube"})
    with pytest.raises(ValidationError, match="unknown argument"):
        PrimitiveCall(name="move_to", args={"position": [0, 0, 0.1], "speed": 2})
    with pytest.raises(ValidationError, match="<object>.<joint>"):
        PrimitiveCall(name="open", args={"joint": "drawer"})
    with pytest.raises(ValidationError, match="list of 3 numbers"):
        PrimitiveCall(name="move_to", args={"position": [0, 1]})


def test_subtask_learner_requirements():
    with pytest.raises(ValidationError, match="needs `primitive`"):
        SubTask(name="a", learner="primitive")
    with pytest.raises(ValidationError, match="reward_code and success_code"):
        SubTask(name="a", learner="rl")
    s = SubTask(name="a", learner="trajopt", reward_code="def compute_reward(state): return 0.0, {}",
                success_code="def is_success(state): return False")
    with pytest.raises(ValidationError, match="unique"):
        SkillPlan(task_name="t", subtasks=[s, s])
    assert {p["name"] for p in primitives_catalog()} == {"move_to", "grasp", "place", "push", "open", "close",
                                                         "press", "rotate"}
