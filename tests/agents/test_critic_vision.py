"""Critic keyframes for vision models (issue 17, "show the truth"): with `llm.vision` on, the critic's user
message carries a few keyframes of the best candidate's labelled evaluation videos as data URLs (at most
64 KB each) next to a note that the goal is the judge; the trace counts them and never stores their bytes.
Vision off (the default), the offline model and text-only models get no images."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.messages import BaseMessage

from roboskill.agents import critic
from roboskill.agents.deps import Deps, NullTracer
from roboskill.agents.llm import ChatModels
from roboskill.agents.schemas import Critique
from roboskill.config import Settings
from tests.agents import fakes as F
from tests.agents.test_graph import make_deps, run

TASK = "t001_push_cube_left"


def _png(path: Path, seed: int, size: tuple[int, int] = (96, 72), noise: bool = False) -> None:
    import imageio.v3 as iio

    rng = np.random.default_rng(seed)
    h, w = size[1], size[0]
    img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8) if noise else np.full((h, w, 3), 40 * seed % 256, np.uint8)
    iio.imwrite(path, img)


def _media(cand: Path, *, big_failure: bool = False) -> dict[str, str]:
    """Labelled keyframes like tools.train._save_videos writes them; returns the report's artefacts."""
    arts = {}
    for label, seed in (("failure", 200005), ("success", 200001)):
        folder = cand / f"keyframes_{label}"
        folder.mkdir(parents=True, exist_ok=True)
        for j in range(4):
            _png(folder / f"frame_{j * 13:04d}.png", j + 1, size=(320, 240) if big_failure else (96, 72), noise=big_failure)
        (cand / f"rollout_{label}.json").write_text(json.dumps({"seed": seed, "success": label == "success"}))
        arts[f"keyframes_{label}"] = str(folder)
        arts[f"video_{label}"] = str(cand / f"rollout_{label}.mp4")
    return arts


def _state(run_dir: Path, *, rates: tuple[float, ...] = (0.3, 0.6), big_failure: bool = False,
           outside: Path | None = None) -> dict[str, Any]:
    reports = []
    for i, rate in enumerate(rates):
        cand = run_dir / "tasks" / TASK / "iter_0" / f"cand_{i}"
        arts = _media(outside or cand, big_failure=big_failure)
        reports.append({**F.report(rate), "artefacts": arts})
    return {"task_id": TASK, "iteration": 0, "proposal": F.proposal(), "goal": F.goal()["goal"], "scene": F.scene()["scene"],
            "candidates": [F.plan() for _ in rates], "reports": reports}


def _deps(tmp_path: Path, model: Any, *, vision: bool, **kw: Any) -> Deps:
    deps = make_deps(tmp_path, model, F.FakeTrainer([[0.5]]))
    deps.settings.llm.vision = vision
    for k, v in kw.items():
        setattr(deps, k, v)
    return deps


def _critic_message(model: F.ScriptedChatModel) -> BaseMessage:
    calls = [m for r, m in model.calls if r == "critic"]
    assert calls, model.roles_called()
    return calls[-1][1]


def _images(message: BaseMessage) -> list[str]:
    if isinstance(message.content, str):
        return []
    return [p["image_url"]["url"] for p in message.content if isinstance(p, dict) and p.get("type") == "image_url"]


def test_vision_on_attaches_failure_and_success_keyframes_of_the_best_candidate(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={"critic": [F.critique("refine_reward", best=1)]})
    deps = _deps(tmp_path, model, vision=True)
    result = critic.critique(deps, _state(deps.run_dir))
    assert isinstance(result.value, Critique) and result.value.action == "refine_reward"
    msg = _critic_message(model)
    urls = _images(msg)
    assert len(urls) == critic.FAILURE_FRAMES + critic.SUCCESS_FRAMES == 4
    for url in urls:
        head, payload = url.split(",", 1)
        assert head in ("data:image/png;base64", "data:image/jpeg;base64") and len(payload) <= 64 * 1024
        assert base64.b64decode(payload)[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb")
    texts = [p["text"] for p in msg.content if p.get("type") == "text"]
    assert "goal is the judge" in texts[-1] and "advice" in texts[-1]
    ctx = json.loads(texts[0].split("```json\n", 1)[1].split("\n```", 1)[0])
    assert ctx["keyframes"]["attached"] == 4 and "goal is the judge" in ctx["keyframes"]["note"]
    shown = [(i["candidate"], i["episode"], i["seed"], i["frame"]) for i in ctx["keyframes"]["images"]]
    # candidate 1 is the best (0.6); 3 failure frames spread over the episode (the last = the judged end), 1 success frame
    assert shown == [(1, "failure", 200005, "frame_0000.png"), (1, "failure", 200005, "frame_0026.png"),
                     (1, "failure", 200005, "frame_0039.png"), (1, "success", 200001, "frame_0039.png")]
    assert ctx["candidates"][1]["report"]["judged_by"] == "goal" and ctx["candidates"][1]["report"]["success_rate"] == 0.6


def test_vision_off_by_default_sends_text_only(tmp_path: Path) -> None:
    assert Settings().llm.vision is False
    model = F.ScriptedChatModel(scripts={"critic": [F.critique("refine_reward")]})
    deps = _deps(tmp_path, model, vision=False)
    critic.critique(deps, _state(deps.run_dir))
    msg = _critic_message(model)
    assert isinstance(msg.content, str) and "keyframes" not in F.context_of([None, msg])  # type: ignore[list-item]
    assert "data:image" not in msg.content


def test_large_frames_are_downscaled_under_64_kb(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={"critic": [F.critique("refine_reward")]})
    deps = _deps(tmp_path, model, vision=True)
    state = _state(deps.run_dir, rates=(0.5,), big_failure=True)
    big = next((deps.run_dir / "tasks" / TASK / "iter_0" / "cand_0" / "keyframes_failure").iterdir())
    assert big.stat().st_size > 64 * 1024  # noise does not compress: the file itself is too large
    critic.critique(deps, state)
    urls = _images(_critic_message(model))
    assert len(urls) == 4
    assert all(len(u.split(",", 1)[1]) <= 64 * 1024 for u in urls)
    assert sum(u.startswith("data:image/jpeg") for u in urls) == 4


def test_frames_outside_the_run_directory_are_never_sent(tmp_path: Path) -> None:
    model = F.ScriptedChatModel(scripts={"critic": [F.critique("refine_reward")]})
    deps = _deps(tmp_path, model, vision=True)
    elsewhere = tmp_path / "elsewhere"
    critic.critique(deps, _state(deps.run_dir, outside=elsewhere))
    assert isinstance(_critic_message(model).content, str)


def test_offline_model_gets_no_images_and_still_answers(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, llm={"provider": "offline", "vision": True})
    deps = Deps(settings=settings, models=ChatModels(settings.llm), library=F.FakeLibrary(), trainer=F.FakeTrainer([[0.5]]),
                run_dir=tmp_path / "run", tracer=NullTracer(), retry_sleep=lambda s: None)
    assert not critic.vision_enabled(deps, deps.models("critic"))
    result = critic.critique(deps, _state(deps.run_dir))
    assert isinstance(result.value, Critique) and result.value.action in ("accept", "refine_reward", "refine_scene",
                                                                           "decompose", "give_up")
    assert not [e for e in deps.tracer.events if e[1] == "critic_images"]


def test_trace_records_image_counts_never_bytes(tmp_path: Path) -> None:
    from roboskill.tracing import Tracer

    model = F.ScriptedChatModel(scripts={"critic": [F.critique("refine_reward")]})
    tracer = Tracer(tmp_path / "traces.sqlite", "r1")
    deps = _deps(tmp_path, model, vision=True, tracer=tracer, callbacks=tracer.callbacks())
    with tracer.span("node", "critique", run_id="r1", task_id=TASK, iteration=0):
        critic.critique(deps, _state(deps.run_dir))
    tracer.close()
    assert len(_images(_critic_message(model))) == 4  # the model got the images
    rows = sqlite3.connect(tmp_path / "traces.sqlite").execute("SELECT kind, name, attributes FROM spans").fetchall()
    blob = "\n".join(a for _, _, a in rows)
    assert "base64" not in blob and "data:image" not in blob and "iVBOR" not in blob
    llm = [json.loads(a) for k, _, a in rows if k == "llm"]
    assert len(llm) == 1 and llm[0]["role"] == "critic" and llm[0]["total_tokens"] == 120
    assert '"attached":4' in llm[0]["messages"][1]["content"]  # the context is compact JSON
    event = next(json.loads(a) for k, n, a in rows if n == "critic_images")
    assert event["images"] == 4 and event["failure_frames"] == 3 and event["success_frames"] == 1


def test_graph_with_vision_sends_images_to_the_critic_only(tmp_path: Path) -> None:
    class Trainer(F.FakeTrainer):
        def __call__(self, requests: list[Any], progress: Any = None) -> list[dict]:
            self.calls.append(requests)
            return [{**F.report(0.9 if r.index else 0.4), "artefacts": _media(r.out_dir)} for r in requests]

    model = F.ScriptedChatModel(scripts={"proposer": [F.proposal()], "scene_designer": [F.scene()],
                                         "reward_writer": [F.candidates()], "critic": [F.critique("accept", 1)]})
    deps = make_deps(tmp_path, model, Trainer([[0.0]]))
    deps.settings.llm.vision = True
    out = run(deps)
    assert [e["name"] for e in out["learned"]] == ["push_cube_left"]
    for role, messages in model.calls:
        assert bool(_images(messages[1])) == (role == "critic"), role
    assert len(_images(_critic_message(model))) == 4


@pytest.mark.parametrize("n,expected", [(0, []), (1, [9]), (3, [0, 4, 9]), (4, [0, 3, 6, 9])])
def test_frame_pick_spreads_over_the_episode_and_ends_at_the_end(n: int, expected: list[int]) -> None:
    frames = [Path(f"f{i}") for i in range(10)]
    assert critic._pick(frames, n) == [frames[i] for i in expected]


def test_openai_provider_sends_image_parts_over_the_wire(tmp_path: Path) -> None:
    """The real ChatOpenAI client against the loopback chat-completions server: image_url parts in the request,
    a repair turn keeps them, usage is counted as usual."""
    from tests.agents.chat_server import ChatServer

    answers = [{"content": "no json here"}, {"content": F.fenced(F.critique("refine_reward"))}]
    with ChatServer(answers) as server:
        settings = Settings(home=tmp_path, llm={"provider": "openai", "base_url": server.base_url, "model": "vlm",
                                                "vision": True, "timeout_s": 5.0})
        deps = Deps(settings=settings, models=ChatModels(settings.llm), library=F.FakeLibrary(),
                    trainer=F.FakeTrainer([[0.5]]), run_dir=tmp_path / "run", tracer=NullTracer(), retry_sleep=lambda s: None)
        result = critic.critique(deps, _state(deps.run_dir))
    assert result.value.action == "refine_reward" and result.attempts == 2
    assert result.usage.input_tokens == 100 and result.usage.output_tokens == 20
    for body in server.requests:
        user = body["messages"][1]
        assert body["model"] == "vlm" and isinstance(user["content"], list)
        parts = [p["type"] for p in user["content"]]
        assert parts == ["text", "text", "image_url", "image_url", "image_url", "image_url"]
        assert all(p["image_url"]["url"].startswith("data:image/") for p in user["content"] if p["type"] == "image_url")
    assert [e[2]["images"] for e in deps.tracer.events if e[1] == "critic_images"] == [4]
