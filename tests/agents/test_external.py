"""`learn --env`: external gymnasium envs (panda-gym), judged by the env's own `info["is_success"]`."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from roboskill.agents.offline import OfflineChatModel, external_reward_source
from roboskill.agents.offline.external import split_source
from roboskill.agents.prompts import extract_json, render_messages
from roboskill.config import load_settings
from roboskill.tools.plan import SkillPlan
from roboskill.tools.sandbox import check_code
from tests.agents import fakes as F
from tests.agents.test_graph import make_deps, run

needs_panda_gym = pytest.mark.skipif(importlib.util.find_spec("panda_gym") is None, reason="panda-gym not installed")

REACH = {"env_id": "panda_gym:PandaReach-v3", "objects": ["table", "target"], "ee": "ee", "goal": [0.04, -0.07, 0.01],
         "success_threshold": 0.05, "gripper": "blocked (always closed)", "max_episode_steps": 50}
PUSH = {**REACH, "env_id": "panda_gym:PandaPush-v3", "objects": ["object", "table", "target"]}


def _writer_answer(describe: dict[str, Any], **extra: Any) -> dict[str, Any]:
    context = {"task": {"name": "push_it", "description": "push the cube to the target"}, "scene": None, "k": 2,
               "primitives": [], "examples": [], "previous_candidates": None, "critic_feedback": None,
               "component_feedback": {}, "reflection": None, "sandbox_errors": [], "external_env": describe,
               "external_state_api": "state.object_position(name): ...", **extra}
    reply = OfflineChatModel(seed=0).invoke(render_messages("reward_writer", context))
    return extract_json(str(reply.content))


def test_offline_writer_answers_external_context_with_sandbox_clean_trajopt_plan() -> None:
    out = _writer_answer(PUSH)
    (plan,) = [SkillPlan.model_validate(c) for c in out["candidates"]]
    (sub,) = plan.subtasks
    assert sub.learner == "trajopt" and sub.horizon == 50 and sub.primitive is None
    assert check_code(sub.reward_code, require=("compute_reward",)) == []
    assert check_code(sub.success_code, require=("is_success",)) == []
    assert '"object"' in sub.reward_code and '"target"' in sub.reward_code  # the env's own names, not a scene's
    # feedback on a previous attempt gives a different plan
    again = _writer_answer(PUSH, previous_candidates=out["candidates"], critic_feedback="no progress on reach_0")
    assert again["candidates"][0]["subtasks"][0]["reward_code"] != sub.reward_code


def test_external_reward_source_is_the_bench_hook() -> None:
    reward, success = split_source(external_reward_source(REACH, "reach"))
    assert "def compute_reward" in reward and "def is_success" not in reward
    assert success.startswith("import numpy as np") and "def is_success" in success


def _external_deps(tmp_path: Path, model: F.ScriptedChatModel, trainer: F.FakeTrainer, checks: list) -> Any:
    deps = make_deps(tmp_path, model, trainer)
    deps.describe_env = lambda env_id: {"describe": {**PUSH, "env_id": env_id}, "state_doc": "EXTERNAL DOC"}

    def check(plan: dict, env_id: str) -> list:
        checks.append(env_id)
        return []

    deps.check_external_code = check
    return deps


def test_learn_env_skips_scene_designer_and_records_env(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={"reward_writer": [F.candidates(1, task="push_the_cube_to_the_target")],
                                         "critic": [F.critique("refine_scene"), F.critique("accept")]})
    trainer = F.FakeTrainer([[0.0], [1.0]])
    checks: list[str] = []
    deps = _external_deps(tmp_path, model, trainer, checks)
    out = run(deps, mode="learn", given_task="push the cube to the target", env_id="panda_gym:PandaPush-v3")
    # no scene designer, even when the critic asks for a new scene (there is none to refine)
    assert model.roles_called() == ["reward_writer", "critic", "reward_writer", "critic"]
    ctx = F.context_of(model.calls[0][1])
    assert ctx["external_env"]["objects"] == ["object", "table", "target"] and ctx["external_state_api"] == "EXTERNAL DOC"
    assert ctx["scene"] is None and "primitives" not in ctx
    system = str(model.calls[0][1][0].content)  # each API once: the env's state API replaces roboskill's
    from roboskill.agents.prompts import state_api_doc

    assert state_api_doc() not in system and "- move_to(" not in system and "external_state_api" in system
    assert checks == ["panda_gym:PandaPush-v3"] * 2
    assert all(r.env_id == "panda_gym:PandaPush-v3" for call in trainer.calls for r in call)
    rec = deps.library.list()[0]
    assert rec.metrics["env_id"] == "panda_gym:PandaPush-v3" and "PandaPush" in rec.scene.description
    assert [e["name"] for e in out["learned"]] == ["push_the_cube_to_the_target"]


def test_learn_env_that_cannot_be_described_gives_up_with_reason(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={"reward_writer": [F.candidates(1)], "critic": [F.critique("accept")]})
    deps = _external_deps(tmp_path, model, F.FakeTrainer([[1.0]]), [])

    def broken(env_id: str) -> dict:
        raise RuntimeError(f"cannot import module of {env_id}")

    deps.describe_env = broken
    out = run(deps, mode="learn", given_task="reach", env_id="nope:Nothing-v0")
    assert model.roles_called() == [] and not out["learned"]
    assert "nope:Nothing-v0 could not be described" in out["failed"][0]["reason"]


@needs_panda_gym
def test_describe_and_dry_run_external_reach() -> None:
    from roboskill.tools.train_external import describe_external, dry_run_external

    info = describe_external("panda_gym:PandaReach-v3")
    assert info["describe"]["objects"] == ["table", "target"] and "goal_position" in info["state_doc"]
    plan = _writer_answer(info["describe"])["candidates"][0]
    assert dry_run_external(("panda_gym:PandaReach-v3", plan, 5)) == []
    bad = json.loads(json.dumps(plan).replace('\\"target\\"', '\\"targte\\"'))
    errors = dry_run_external(("panda_gym:PandaReach-v3", bad, 5))
    assert errors and "targte" in errors[0]["message"]
    rl = {**plan, "subtasks": [{**plan["subtasks"][0], "learner": "rl"}]}  # RL is the fallback learner (issue 21)
    assert dry_run_external(("panda_gym:PandaReach-v3", rl, 5)) == []
    two_rl = {**rl, "subtasks": [rl["subtasks"][0], {**rl["subtasks"][0], "name": "again"}]}
    assert "trains one policy" in dry_run_external(("panda_gym:PandaReach-v3", two_rl, 5))[0]["message"]


def _learn_env(env_id: str, instruction: str, budget: str) -> None:
    res = subprocess.run(["roboskill", "learn", "--env", env_id, instruction, "--no-live", "--train-budget", budget],
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    (run_dir,) = list(load_settings().runs_root.iterdir())
    status = json.loads((run_dir / "run.json").read_text())
    (skill,) = status["skills"]
    assert skill["success_rate"] >= 0.5 and Path(skill["video"]).exists()
    metrics = json.loads(Path(skill["metrics"]).read_text())
    assert "judged by the env's own" in metrics["reflection_text"] and metrics["n_episodes"] >= 5
    from roboskill.memory import SkillLibrary

    settings = load_settings()
    record = SkillLibrary(settings.library_dir, novelty_threshold=settings.novelty_threshold).get(skill["name"])
    assert record.metrics["env_id"] == env_id and record.success_rate == skill["success_rate"]


@needs_panda_gym
def test_cli_learn_env_reach() -> None:
    """The whole loop on panda-gym Reach: describe, offline writer, sandbox dry run, worker training, memory."""
    _learn_env("panda_gym:PandaReach-v3", "move the gripper to the target", "15")


@pytest.mark.slow
@needs_panda_gym
def test_cli_learn_env_push() -> None:
    _learn_env("panda_gym:PandaPush-v3", "push the cube to the target", "120")
