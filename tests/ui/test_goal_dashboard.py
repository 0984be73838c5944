"""The dashboard shows the truth (issue 17): the task's fixed goal in words, per candidate the goal's verdict
of every evaluation episode, the success rate with its 95 % interval and who judged it, and the labelled
success / failure videos with their keyframes; the skill pages show the goal and the re-verification.
Older runs without any of these still render, and nothing outside the run directory is read or linked."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from roboskill.ui.server import create_app
from tests.tracing.fake_run import RUN_ID, TASK, _write_png, _write_video, make_fake_run

GOAL_RUN = "20240601-090000-goal"
GOAL = {
    "action": "stack", "summary": "The cube rests on the block, at rest.",
    "objects": [{"name": "cube", "category": "box", "description": "the small cube"},
                {"name": "block", "category": "box", "description": "the big block"}],
    "conditions": [{"kind": "on", "object": "cube", "support": "block", "tolerance": 0.02},
                   {"kind": "lifted", "object": "cube", "height": 0.04}],
    "at_rest": True,
}
FAILED_SEEDS = (200009, 200021, 200033)


def _episodes(n: int = 20) -> list[dict[str, Any]]:
    eps = []
    for k in range(n):
        seed = 200001 + 4 * k
        ok = seed not in FAILED_SEEDS
        eps.append({
            "seed": seed, "success": ok, "subtask_success": [True, ok],
            "conditions": [{"condition": "cube resting on block", "ok": ok, "value": 0.0041 if ok else 0.0342,
                            "needed": "<= 0.02"},
                           {"condition": "cube at least 4 cm above its start", "ok": True, "value": 0.051, "needed": ">= 0.04"}],
            "moving": [] if ok else ["cube"], "end_state": {"objects": {"cube": [0.1, 0.0, 0.06]}, "joints": {}},
            "messages": [] if ok else ["place: the cube slipped off the block edge"], "error": None})
    return eps


def make_goal_run(root: Path) -> Path:
    """The fake run, plus what a run with goal judging writes: goal.json, scene.json, episodes, labelled videos."""
    run_dir = make_fake_run(root, GOAL_RUN)
    task_dir = run_dir / "tasks" / TASK
    (task_dir / "goal.json").write_text(json.dumps(GOAL, indent=2))
    for k, rate in ((0, 0.2), (1, 0.85)):
        (task_dir / f"iter_{k}" / "scene.json").write_text(json.dumps({"name": "stack"}))
        cand = task_dir / f"iter_{k}" / "cand_0"
        metrics = json.loads((cand / "metrics.json").read_text())
        eps = _episodes()
        if k == 0:
            eps = [{**e, "success": e["seed"] < 200009} for e in eps]
        wins = sum(e["success"] for e in eps)
        metrics.update(success_rate=wins / len(eps), n_episodes=len(eps), judged_by="goal", episodes=eps,
                       success_ci95=[0.64 if k else 0.08, 0.95 if k else 0.42])
        (cand / "metrics.json").write_text(json.dumps(metrics))
        for label, seed, color in (("success", 200001, (40, 150, 60)), ("failure", FAILED_SEEDS[0], (190, 40, 40))):
            _write_video(cand / f"rollout_{label}.mp4")
            (cand / f"keyframes_{label}").mkdir(exist_ok=True)
            for j in range(3):
                _write_png(cand / f"keyframes_{label}" / f"frame_{j * 13:04d}.png", color)
            (cand / f"rollout_{label}.json").write_text(json.dumps(next(e for e in eps if e["seed"] == seed)))
    return run_dir


class GoalLibrary:
    def __init__(self) -> None:
        from roboskill.sim.goals import Goal

        self.records = [
            SimpleNamespace(name="stack_cube", description="Stack the cube on the block.", instruction="", success_rate=0.85,
                            learners=["primitive"], run_id=GOAL_RUN, task_id=TASK, goal=Goal.model_validate(GOAL),
                            metrics={"success_ci95": [0.64, 0.95], "n_episodes": 20, "judged_by": "goal",
                                     "verified": {"rate": 0.6, "ci95": [0.39, 0.78], "n": 20, "flagged": True,
                                                  "threshold": 0.8, "at": "2024-06-02T10:00:00+00:00"}},
                            artefacts={"video_success": f"tasks/{TASK}/iter_1/cand_0/rollout_success.mp4",
                                       "video_failure": f"tasks/{TASK}/iter_1/cand_0/rollout_failure.mp4",
                                       "video": "../../etc/passwd"}),
            SimpleNamespace(name="lift_cube", description="Lift the cube.", instruction="", success_rate=0.9,
                            learners=["trajopt"], run_id=GOAL_RUN, task_id=TASK,
                            goal={**GOAL, "summary": "The cube is lifted.", "conditions": [GOAL["conditions"][1]]},
                            metrics={"verified": {"rate": 0.95, "ci95": [0.76, 0.99], "n": 20, "flagged": False,
                                                  "threshold": 0.8}}, artefacts={}),
            SimpleNamespace(name="old_skill", description="An old skill.", instruction="", success_rate=0.7,
                            learners=["rl"], run_id=RUN_ID, task_id=TASK, metrics={}, artefacts={}),
        ]

    def list(self) -> list[Any]:
        return self.records

    def search(self, query: str, k: int = 5) -> list[Any]:
        return [SimpleNamespace(record=r, similarity=0.7) for r in self.records if query.lower() in r.description.lower()][:k]


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ui_goal") / "runs"
    make_fake_run(root)          # an older run: no goal, no episodes, only rollout.mp4
    make_goal_run(root)
    secret = root.parent / "outside"
    secret.mkdir()
    (secret / "leak.json").write_text(json.dumps({"seed": "top secret outside the run"}))
    _write_png(secret / "leak.png", (1, 2, 3))
    # planted links in an iteration-0 candidate: a verdict file and a keyframe folder pointing outside the run
    cand = root / GOAL_RUN / "tasks" / TASK / "iter_0" / "cand_0"
    (cand / "rollout_failure.json").unlink()
    os.symlink(secret / "leak.json", cand / "rollout_failure.json")
    shutil.rmtree(cand / "keyframes_failure")
    os.symlink(secret, cand / "keyframes_failure")
    return root


@pytest.fixture()
def client(runs_root: Path) -> TestClient:
    return TestClient(create_app(runs_root, GoalLibrary(), None))


def test_task_page_shows_goal_interval_judge_and_episode_verdicts(client: TestClient) -> None:
    page = client.get(f"/runs/{GOAL_RUN}/tasks/{TASK}").text
    assert 'id="goal"' in page and "The cube rests on the block, at rest." in page
    assert "<li>cube resting on block</li>" in page and "<li>cube at least 4 cm above its start</li>" in page
    assert "all objects at rest" in page
    assert "95 % interval 64–95 %" in page and "95 % interval 8–42 %" in page
    assert page.count('<b class="judged-by">goal</b>') >= 2
    assert 'id="verdict-1-0" open' in page and 'id="verdict-0-0"' in page
    assert "17 of 20 evaluation episodes succeeded" in page
    for seed in FAILED_SEEDS:
        assert f'<tr class="episode fail"><td class="num">{seed}</td>' in page
    assert "cube resting on block: measured <b>0.0342</b>, needed &lt;= 0.02" in page
    assert "place: the cube slipped off the block edge" in page and "<td>cube</td>" in page
    assert '<span class="muted">all 2 met</span>' in page


def test_task_page_shows_both_labelled_videos_with_keyframes(client: TestClient) -> None:
    page = client.get(f"/runs/{GOAL_RUN}/tasks/{TASK}").text
    files = f"/runs/{GOAL_RUN}/files/tasks/{TASK}/iter_1/cand_0"
    assert f'src="{files}/rollout_success.mp4"' in page and f'src="{files}/rollout_failure.mp4"' in page
    assert f'src="{files}/keyframes_success/frame_0000.png"' in page and f'src="{files}/keyframes_failure/frame_0026.png"' in page
    assert 'class="badge ok">SUCCESS</span> <b>success episode</b> · seed 200001' in page
    assert 'class="badge failed">FAILURE</span> <b>failure episode</b> · seed 200009' in page
    for path in ("rollout_success.mp4", "rollout_failure.mp4", "keyframes_failure/frame_0013.png"):
        res = client.get(f"{files}/{path}")
        assert res.status_code == 200 and len(res.content) > 100


def test_iteration_page_shows_verdicts_and_labelled_videos(client: TestClient) -> None:
    page = client.get(f"/runs/{GOAL_RUN}/tasks/{TASK}/iter/1").text
    assert 'id="goal"' in page and "cube resting on block" in page
    assert 'class="rollout labelled success"' in page and 'class="rollout labelled failure"' in page
    assert "rollout_failure.mp4" in page and "keyframes_success/frame_0013.png" in page
    assert "95 % interval 64–95 %" in page and 'class="data episodes"' in page
    assert "<h3>Rollout</h3>" not in page  # rollout.mp4 is a copy of a labelled video: not shown twice


def test_task_api_carries_goal_and_labelled_videos(client: TestClient) -> None:
    data = client.get(f"/api/runs/{GOAL_RUN}/tasks/{TASK}").json()
    assert data["goal"]["summary"] == GOAL["summary"] and data["goal"]["conditions"][0] == "cube resting on block"
    best = data["candidates"][1]
    assert [v["label"] for v in best["labelled"]] == ["success", "failure"]
    assert best["labelled"][1]["outcome"]["seed"] == 200009 and len(best["labelled"][1]["keyframes"]) == 3
    assert best["metrics"]["success_ci95"] == [0.64, 0.95] and best["metrics"]["judged_by"] == "goal"


def test_nothing_outside_the_run_is_read_or_linked(client: TestClient) -> None:
    page = client.get(f"/runs/{GOAL_RUN}/tasks/{TASK}/iter/0").text
    assert "top secret" not in page and "leak.png" not in page
    assert "refused (it points outside the run directory)" in page
    data = client.get(f"/api/runs/{GOAL_RUN}/tasks/{TASK}").json()
    failure = next(v for v in data["candidates"][0]["labelled"] if v["label"] == "failure")
    assert failure["outcome"] is None and failure["keyframes"] == []
    assert "top secret" not in json.dumps(data)
    leak = client.get(f"/runs/{GOAL_RUN}/files/tasks/{TASK}/iter_0/cand_0/keyframes_failure/leak.png")
    assert leak.status_code in (400, 404)


def test_older_run_without_goal_or_episodes_still_renders(client: TestClient) -> None:
    res = client.get(f"/runs/{RUN_ID}/tasks/{TASK}")
    assert res.status_code == 200 and 'id="no-goal"' in res.text
    assert "No per-episode verdicts recorded" in res.text and "95 % interval" not in res.text
    it = client.get(f"/runs/{RUN_ID}/tasks/{TASK}/iter/1").text
    assert "<h3>Rollout</h3>" in it and "rollout.mp4" in it and "No labelled success / failure videos" in it
    assert client.get(f"/api/runs/{RUN_ID}/tasks/{TASK}").json()["goal"] is None


def test_malformed_goal_is_reported_not_an_error_page(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    run_dir = make_fake_run(root, "20240601-000000-bad", with_media=False)
    (run_dir / "tasks" / TASK / "goal.json").write_text(json.dumps({"summary": "odd goal", "conditions": [{"kind": "melted"}]}))
    page = TestClient(create_app(root, None, None)).get(f"/runs/20240601-000000-bad/tasks/{TASK}").text
    assert "odd goal" in page and "goal does not validate" in page and "kind=melted" in page
    (run_dir / "tasks" / TASK / "goal.json").write_text("{not json")
    res = TestClient(create_app(root, None, None)).get(f"/runs/20240601-000000-bad/tasks/{TASK}")
    assert res.status_code == 200 and "goal.json" in res.text and 'id="no-goal"' in res.text


def test_skills_list_shows_goal_and_verification(client: TestClient) -> None:
    page = client.get("/skills").text
    assert "The cube rests on the block, at rest." in page and "The cube is lifted." in page
    assert "60% of 20 (95 % interval 39–78 %) · FLAGGED (below 80%)" in page
    assert "95% of 20 (95 % interval 76–99 %) · meets 80%" in page
    assert "not verified" in page and 'href="/skills/stack_cube"' in page


def test_skill_page_shows_goal_and_verified_result(client: TestClient) -> None:
    page = client.get("/skills/stack_cube").text
    assert 'id="goal"' in page and "<li>cube resting on block</li>" in page
    assert 'id="verified" class="verified flagged"' in page and "60% of 20 (95 % interval 39–78 %)" in page
    assert "FLAGGED" in page and "2024-06-02T10:00:00+00:00" in page
    assert "85%</b> of 20 episodes (95 % interval 64–95 %) · judged by <b>goal</b>" in page
    files = f"/runs/{GOAL_RUN}/files/tasks/{TASK}/iter_1/cand_0"
    assert f'src="{files}/rollout_success.mp4"' in page and f'src="{files}/rollout_failure.mp4"' in page
    assert "passwd" not in page
    old = client.get("/skills/old_skill").text
    assert 'id="no-goal"' in old and "not verified yet" in old and "roboskill skills verify old_skill" in old
    data = client.get("/api/skills/stack_cube").json()
    assert data["verified"]["flagged"] is True and data["verified"]["n"] == 20
    assert data["goal"]["conditions"] == ["cube resting on block", "cube at least 4 cm above its start"]
    assert data["videos"] == {"success": f"{files}/rollout_success.mp4", "failure": f"{files}/rollout_failure.mp4"}
    assert client.get("/skills/nope").status_code == 404
    assert client.get("/api/skills/..%2f..").status_code in (400, 404)


def test_skill_page_with_the_real_library(tmp_path: Path) -> None:
    from roboskill.memory import SkillLibrary, SkillRecord
    from roboskill.sim.goals import Goal
    from roboskill.sim.spec import SceneSpec

    pytest.importorskip("chromadb")
    lib_dir = tmp_path / "lib"
    try:
        lib = SkillLibrary(lib_dir)
    except Exception as exc:  # noqa: BLE001 - the embedding model may be unavailable offline
        pytest.skip(f"skill library unavailable: {exc}")
    scene = SceneSpec.model_validate({"name": "stack", "objects": [
        {"name": "cube", "kind": "primitive", "shape": "box", "size": [0.04, 0.04, 0.04]},
        {"name": "block", "kind": "primitive", "shape": "box", "size": [0.08, 0.08, 0.04],
         "placement": {"position": [0.2, 0.0, 0.02]}}]})
    plan = {"task_name": "stack_cube", "subtasks": [{"name": "place", "learner": "primitive",
                                                     "primitive": {"name": "place", "args": {"object": "cube", "on": "block"}}}]}
    rec = SkillRecord(name="stack_cube", description="Stack the cube on the block.", scene=scene, plan=plan,
                      success_rate=0.85, run_id="r1", task_id="t001", goal=Goal.model_validate(GOAL),
                      metrics={"success_ci95": [0.64, 0.95], "verified": {"rate": 0.9, "ci95": [0.7, 0.97], "n": 20,
                                                                          "flagged": False, "threshold": 0.8}})
    lib.add_skill(rec)
    c = TestClient(create_app(tmp_path / "runs", lib, None))
    page = c.get("/skills/stack_cube").text
    assert "cube resting on block" in page and "90% of 20 (95 % interval 70–97 %) · meets 80%" in page
    assert "Did you mean" in c.get("/skills/stack_cub").text
