"""The real tools behind Deps: code checks with sandbox dry runs, scene validation, catalog, prompts."""

from __future__ import annotations

import json

from roboskill.agents import adapters
from roboskill.agents.prompts import extract_json, render_messages
from roboskill.agents.schemas import ROLES
from tests.agents import fakes as F


def test_check_plan_code_static_and_dry_run() -> None:
    scene = F.scene()["scene"]
    assert adapters.check_plan_code(F.plan(), scene) == []
    typo = F.plan(reward=F.GOOD_REWARD.replace("'cube'", "'cubee'"))
    (err,) = adapters.check_plan_code(typo, scene)
    assert err["subtask"] == "push" and "cubee" in err["message"] and "Did you mean 'cube'" in err["message"]
    hostile = F.plan(reward="import subprocess\ndef compute_reward(state):\n    return 0.0, {}\n")
    errs = adapters.check_plan_code(hostile, scene)
    assert errs and errs[0]["line"] == 1 and errs[0]["field"] == "reward_code"
    missing = {"task_name": "x", "subtasks": [{"name": "s", "description": "d", "learner": "rl"}]}
    msgs = [e["message"] for e in adapters.check_plan_code(missing)]
    assert any("needs reward_code" in m for m in msgs) and any("success_code" in m for m in msgs)


def test_validate_scene_reports_problems() -> None:
    ok = F.scene()["scene"]
    assert adapters.validate_scene(ok) == []
    far = json.loads(json.dumps(ok))
    far["objects"][0]["placement"] = {"position": [3.0, 0.0, 0.1]}
    problems = adapters.validate_scene(far)
    assert problems and problems[0]["object"] == "cube" and problems[0]["fix"]
    assert adapters.validate_scene({"name": "x", "objects": [{"kind": "nope"}]})[0]["code"] == "schema"


def test_catalog_summary_for_prompts() -> None:
    cat = adapters.catalog()
    names = {c["name"] for c in cat}
    assert "cube" in names and all(set(c) == {"name", "kind", "tags", "size"} for c in cat)


def test_every_prompt_renders_with_protocol() -> None:
    for role in ROLES:
        system, user = render_messages(role, {"x": 1})
        assert str(system.content).splitlines()[0] == f"ROLE: {role}"
        assert "{{" not in str(system.content)
        assert extract_json(str(user.content)) == {"x": 1}
    writer = str(render_messages("reward_writer", {})[0].content)
    assert "joint_open_fraction" in writer and "move_to" in writer


def test_extract_json_variants() -> None:
    assert extract_json('Sure:\n```json\n{"a": 1}\n```\nthanks') == {"a": 1}
    assert extract_json('```\n{"a": 2}\n```') == {"a": 2}
    assert extract_json('{"a": 3} trailing prose') == {"a": 3}
    for bad, hint in (("", "empty"), ("just words", "no JSON"), ('```json\n{"a": ', "truncated")):
        try:
            extract_json(bad)
        except ValueError as exc:
            assert hint in str(exc)
        else:
            raise AssertionError(bad)


def test_executor_cancels_the_other_candidates_once_one_succeeds() -> None:
    import time

    from roboskill.tools.executor import Executor, JobFailure
    from tests.agents.fakes import sleepy_job

    t0 = time.monotonic()
    fast, slow = Executor("local", workers=2).map_fn(sleepy_job, [0, 60], timeout_s=120, stop_when=lambda r: r == "fast")
    assert fast == "fast"
    assert isinstance(slow, JobFailure) and slow.kind == "cancelled" and "job 0" in slow.error
    assert time.monotonic() - t0 < 30
