"""Dashboard endpoints through FastAPI's TestClient on a fixture run directory."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from roboskill.ui.safety import UnsafePathError, safe_join
from roboskill.ui.server import create_app
from tests.tracing.fake_run import RUN_ID, SECRET, TASK, make_fake_run


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ui") / "runs"
    run_dir = make_fake_run(root)
    (root.parent / "outside.txt").write_text("top secret outside the run")
    os.symlink(root.parent / "outside.txt", run_dir / "escape.txt")
    os.symlink(root.parent, run_dir / "escape_dir")
    return root


class FakeLibrary:
    def __init__(self) -> None:
        self.records = [SimpleNamespace(name="stack_cube", description="Stack the cube on the block.", instruction="",
                                        success_rate=0.9, learners=["trajopt"], run_id=RUN_ID, task_id=TASK,
                                        artefacts={"video": f"tasks/{TASK}/iter_1/cand_0/rollout.mp4"}),
                        SimpleNamespace(name="open_drawer", description="Open the top drawer.", instruction="",
                                        success_rate=0.5, learners=["primitive"], run_id="other", task_id="t002",
                                        artefacts={})]

    def list(self) -> list[Any]:
        return self.records

    def search(self, query: str, k: int = 5) -> list[Any]:
        hits = [r for r in self.records if any(w in r.description.lower() for w in query.lower().split())]
        return [SimpleNamespace(record=r, similarity=0.8) for r in hits][:k]


@pytest.fixture()
def client(runs_root: Path) -> TestClient:
    return TestClient(create_app(runs_root, FakeLibrary(), None))


def test_runs_and_run_json(client: TestClient) -> None:
    runs = client.get("/api/runs").json()
    assert [r["run_id"] for r in runs] == [RUN_ID]
    run = client.get(f"/api/runs/{RUN_ID}").json()
    assert run["tasks"] == [TASK] and run["totals"]["llm_calls"] == 6
    assert SECRET not in client.get(f"/api/runs/{RUN_ID}").text
    assert client.get("/api/runs/nope").status_code == 404
    html = client.get("/").text
    assert f'href="/runs/{RUN_ID}"' in html


def test_task_api_and_pages(client: TestClient) -> None:
    task = client.get(f"/api/runs/{RUN_ID}/tasks/{TASK}").json()
    assert task["iterations"] == [0, 1] and task["best"] == "iter_1/cand_0"
    cand = task["candidates"][1]
    assert cand["video"].endswith("rollout.mp4") and cand["curves"].endswith("curves.png")
    assert cand["metrics"]["success_rate"] == 0.9 and "grasp_cube" in cand["rewards"]
    page = client.get(f"/runs/{RUN_ID}/tasks/{TASK}").text
    assert 'class="diff"' in page and "lift" in page and "iteration 0 · candidate 0" in page
    it = client.get(f"/runs/{RUN_ID}/tasks/{TASK}/iter/1").text
    assert "<video" in it and "rollout.mp4" in it and "curves.png" in it and 'class="data reflection"' in it
    assert "Reward diff vs iteration 0" in it
    assert client.get(f"/runs/{RUN_ID}/tasks/{TASK}/iter/7").status_code == 404
    assert client.get(f"/runs/{RUN_ID}/tasks/nope").status_code == 404


def test_trace_endpoints(client: TestClient) -> None:
    tree = client.get(f"/api/runs/{RUN_ID}/trace").json()
    assert tree["children"][0]["name"] == TASK
    node = tree["children"][0]["children"][1]["children"][0]
    sub = client.get(f"/api/runs/{RUN_ID}/trace", params={"span": node["span_id"]}).json()
    assert sub["name"] == "write_rewards" and sub["children"][0]["kind"] == "llm"
    page = client.get(f"/runs/{RUN_ID}/trace", params={"task": "stack"}).text
    assert "ROLE: reward_writer" in page and SECRET not in page and "[REDACTED]" in page
    assert client.get(f"/api/runs/{RUN_ID}/trace", params={"span": "zzz"}).status_code == 404


def test_artefacts_served_and_redacted(client: TestClient) -> None:
    video = client.get(f"/runs/{RUN_ID}/files/tasks/{TASK}/iter_1/cand_0/rollout.mp4")
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4" and len(video.content) > 500
    ranged = client.get(f"/runs/{RUN_ID}/files/tasks/{TASK}/iter_1/cand_0/rollout.mp4", headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.content) == 100
    rj = client.get(f"/runs/{RUN_ID}/files/run.json")
    assert rj.headers["content-type"].startswith("text/plain") and SECRET not in rj.text
    assert client.get(f"/runs/{RUN_ID}/files/traces.sqlite").status_code == 200


@pytest.mark.parametrize("path", [
    "../outside.txt", "..%2foutside.txt", "%2e%2e/outside.txt", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "tasks/../../outside.txt", "/etc/passwd", "%2fetc%2fpasswd", "escape.txt", "escape_dir/outside.txt",
    "..\\outside.txt", "~/x",
])
def test_path_traversal_refused(client: TestClient, path: str) -> None:
    res = client.get(f"/runs/{RUN_ID}/files/{path}")
    assert res.status_code in (400, 404), res.status_code
    assert "top secret" not in res.text and "root:" not in res.text


@pytest.mark.parametrize("run", ["..", "%2e%2e", "..%2f..", "a b"])
def test_bad_run_ids_refused(client: TestClient, run: str) -> None:
    res = client.get(f"/api/runs/{run}")
    assert res.status_code in (400, 404)


def test_safe_join_unit(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    assert safe_join(tmp_path, "a") == (tmp_path / "a").resolve()
    for bad in ("../x", "/etc/passwd", "a/../../x", "", "a\x00b"):
        with pytest.raises(UnsafePathError):
            safe_join(tmp_path, bad)


def test_skills_list_and_search(client: TestClient) -> None:
    data = client.get("/api/skills").json()
    assert [s["name"] for s in data["skills"]] == ["stack_cube", "open_drawer"]
    assert data["skills"][0]["video_url"] == f"/runs/{RUN_ID}/files/tasks/{TASK}/iter_1/cand_0/rollout.mp4"
    hits = client.get("/api/skills", params={"q": "drawer"}).json()["skills"]
    assert [s["name"] for s in hits] == ["open_drawer"] and hits[0]["similarity"] == 0.8
    page = client.get("/skills", params={"q": "cube"}).text
    assert "stack_cube" in page and "open_drawer" not in page


def test_skills_without_library(runs_root: Path, tmp_path: Path) -> None:
    c = TestClient(create_app(runs_root, tmp_path / "no_library", None))
    assert "no skill library at" in c.get("/api/skills").json()["error"]
    assert "no skill library at" in c.get("/skills").text


def test_chat_unavailable_and_injected(runs_root: Path) -> None:
    c = TestClient(create_app(runs_root, None, None))
    res = c.post("/api/chat", json={"run_id": None, "text": "focus on drawers"})
    assert res.status_code == 503 and "chat not available" in res.json()["detail"]
    assert "Chat not available" in c.get(f"/runs/{RUN_ID}").text

    calls: list[tuple] = []

    def backend(run_id: str | None, text: str) -> dict:
        calls.append((run_id, text))
        return {"run_id": "chat1", "reply": f"ok, key {SECRET}", "pending": None, "directives": [], "status": "finished"}

    c = TestClient(create_app(runs_root, None, backend))
    res = c.post("/api/chat", json={"run_id": None, "text": "focus on drawers"})
    assert res.status_code == 200 and res.json()["run_id"] == "chat1" and SECRET not in res.text
    assert calls == [(None, "focus on drawers")]
    assert 'id="chat-form"' in c.get("/chat").text
    assert c.post("/api/chat", json={"run_id": "../x", "text": "hi"}).status_code == 400
    evil = c.post("/api/chat", json={"run_id": None, "text": "hi"}, headers={"Origin": "http://evil.example"})
    assert evil.status_code == 403 and len(calls) == 1


def test_trusted_hosts(runs_root: Path) -> None:
    c = TestClient(create_app(runs_root, None, None, allowed_hosts=["127.0.0.1", "localhost"]), base_url="http://127.0.0.1")
    assert c.get("/api/health").status_code == 200
    assert c.get("/api/health", headers={"Host": "attacker.example"}).status_code == 400


def test_empty_runs_dir(tmp_path: Path) -> None:
    c = TestClient(create_app(tmp_path / "nothing", None, None))
    assert "No runs under" in c.get("/").text and c.get("/api/runs").json() == []


def test_ui_command_help() -> None:
    from typer.testing import CliRunner

    from roboskill.cli.main import app

    res = CliRunner().invoke(app, ["ui", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "127.0.0.1" in res.output and "--runs-dir" in res.output and "--library" in res.output


def test_shared_reward_and_success_module_shown_once() -> None:
    from roboskill.ui.data import Candidate, TaskInfo
    from roboskill.ui.pages import iteration_page

    module = "def is_success(state):\n    return True\n\ndef compute_reward(state):\n    return 0.0, {}\n"
    shared = Candidate(iteration=0, index=0, rel="iter_0/cand_0", files_rel="tasks/t/iter_0/cand_0",
                       rewards={"lift": module}, success_code={"lift": module})
    split = shared.model_copy(update={"index": 1, "success_code": {"lift": "def is_success(state):\n    return 1\n"}})
    page = iteration_page(RUN_ID, TaskInfo(task_id="t", candidates=[shared, split]), 0, None)
    assert page.count("def is_success") == 3  # once per candidate module, plus candidate 1's own success check
    assert page.count("is_success (lift)") == 1


def test_skill_page_draws_what_a_skill_reuses(runs_root: Path) -> None:
    tree = [{"name": "open_drawer", "step": "open_it", "bind": {"cabinet": "desk"},
             "uses": [{"name": "grab_handle", "step": "grab", "bind": {}, "uses": []}]}]
    composed = SimpleNamespace(name="put_away", description="Put the block away in the drawer.", instruction="",
                               success_rate=0.9, learners=["skill", "primitive"], run_id=RUN_ID, task_id=TASK,
                               artefacts={}, uses_tree=lambda: tree)
    lib = FakeLibrary()
    lib.records.append(composed)
    lib.get = lambda name: next(r for r in lib.records if r.name == name)
    c = TestClient(create_app(runs_root, lib, None))
    assert c.get("/api/skills/put_away").json()["uses"] == tree
    html = c.get("/skills/put_away").text
    assert 'id="uses"' in html and 'href="/skills/open_drawer"' in html and 'href="/skills/grab_handle"' in html
    assert "cabinet → desk" in html
    assert 'id="uses"' not in c.get("/skills/open_drawer").text
