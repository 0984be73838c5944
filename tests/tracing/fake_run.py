"""A fake but realistic run directory (contracts layout) for trace-CLI and dashboard tests.

Built from our own Tracer and plain files, so these tests don't depend on the agents, sim or tools areas.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from roboskill.tracing import Tracer
from roboskill.tracing.callbacks import TracingCallbackHandler

RUN_ID = "20240501-120000-demo"
TASK = "t001_stack_cube"
SECRET = "sk-secretsecretsecret123456"

REWARD_V0 = '''import numpy as np


def compute_reward(state):
    d = state.distance("ee", "cube")
    reach = -d
    return reach, {"reach": reach}
'''
REWARD_V1 = '''import numpy as np


def compute_reward(state):
    d = state.distance("ee", "cube")
    reach = -2.0 * d
    lift = 1.0 if state.is_grasped("cube") else 0.0
    return reach + lift, {"reach": reach, "lift": lift}
'''


def _metrics(success: float, steps: int) -> dict:
    points = [{"step": s, "success_rate": success * s / (steps * 4), "mean_return": -1.0 + s / 100,
               "components": {"reach": {"mean": -0.3 + s / 1000, "min": -0.6, "max": -0.01},
                              "lift": {"mean": 0.1 * s / steps, "min": 0.0, "max": 1.0}}}
              for s in range(0, steps * 5, steps)]
    return {"success_rate": success, "mean_return": 3.2, "mean_length": 61.0, "time_to_success": 1.4,
            "n_episodes": 10, "reflection_text": "reach improves; lift rarely fires",
            "subtasks": [{"name": "grasp_cube", "learner": "trajopt", "success_rate": success, "reflection": points,
                          "error": None}],
            "wall_time_s": 12.0, "sim_time_s": 30.0, "train_time_s": 11.0,
            "artefacts": {"metrics": "metrics.json", "curves": "curves.png", "video": "rollout.mp4"}, "error": None}


def _write_video(path: Path, n_frames: int = 12) -> None:
    import imageio.v2 as imageio

    with imageio.get_writer(path, format="FFMPEG", mode="I", fps=10, codec="libx264", macro_block_size=8,
                            ffmpeg_log_level="error", pixelformat="yuv420p") as writer:
        for i in range(n_frames):
            frame = np.zeros((64, 96, 3), dtype=np.uint8)
            frame[:, :, 2] = 120
            frame[20:44, 4 + i * 6: 20 + i * 6, 0] = 250
            writer.append_data(frame)


def _write_png(path: Path, color: tuple[int, int, int]) -> None:
    import imageio.v3 as iio

    img = np.zeros((48, 64, 3), dtype=np.uint8)
    img[:, :] = color
    iio.imwrite(path, img)


def make_fake_run(runs_root: Path, run_id: str = RUN_ID, *, with_media: bool = True) -> Path:
    """Write runs_root/run_id with run.json, traces.sqlite and one task with two iterations."""
    run_dir = runs_root / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    for k, (code, success) in enumerate([(REWARD_V0, 0.2), (REWARD_V1, 0.9)]):
        cand = run_dir / "tasks" / TASK / f"iter_{k}" / "cand_0"
        (cand / "keyframes").mkdir(parents=True, exist_ok=True)
        plan = {"task_name": "stack_cube", "subtasks": [{"name": "grasp_cube", "description": "grasp the cube",
                                                          "learner": "trajopt", "reward_code": code,
                                                          "success_code": "def is_success(state):\n    return False\n",
                                                          "horizon": 80}]}
        (cand / "plan.json").write_text(json.dumps(plan, indent=2))
        (cand / "reward_grasp_cube.py").write_text(code)
        (cand / "metrics.json").write_text(json.dumps(_metrics(success, 50)))
        if with_media:
            _write_png(cand / "curves.png", (30, 160, 60))
            _write_png(cand / "keyframes" / "000.png", (200, 80, 80))
            _write_video(cand / "rollout.mp4")
    (run_dir / "run.json").write_text(json.dumps({
        "run_id": run_id, "status": "finished", "mode": "run", "started_at": "2024-05-01T12:00:00+00:00",
        "updated_at": "2024-05-01T12:05:00+00:00", "current": {"task": TASK, "node": "curate", "iteration": 1},
        "skills": [{"name": "stack_cube", "task_id": TASK, "success_rate": 0.9,
                    "video": f"tasks/{TASK}/iter_1/cand_0/rollout.mp4", "metrics": f"tasks/{TASK}/iter_1/cand_0/metrics.json"}],
        "failed": [], "tokens": {"input": 40, "output": 20, "total": 60}, "cost_usd": 0.001,
        "traces": str(run_dir / "traces.sqlite"), "api_key": SECRET,
    }, indent=2))
    _write_trace(run_dir / "traces.sqlite", run_id)
    return run_dir


def _write_trace(db: Path, run_id: str) -> None:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    tracer = Tracer(db, run_id)
    handler = TracingCallbackHandler(tracer, price_per_1k_input=0.01, price_per_1k_output=0.03)

    def call(role: str, prompt: str, answer: str) -> None:
        model = GenericFakeChatModel(messages=iter([AIMessage(
            content=answer, usage_metadata={"input_tokens": 10, "output_tokens": 5, "total_tokens": 15})]))
        model.invoke([SystemMessage(f"ROLE: {role}"), HumanMessage(prompt)],
                     config={"callbacks": [handler], "metadata": {"role": role}})

    with tracer.span("run", run_id, mode="run"):
        tracer.event("task", "start", slot=1, task_id=None)
        with tracer.span("node", "propose", run_id=run_id, task_id=None, iteration=None) as s:
            call("proposer", f"CONTEXT for proposer: key {SECRET}", '{"name": "stack_cube"}')
            s.set("output", {"task_id": TASK, "proposal": {"name": "stack_cube", "description": "Stack the cube."}})
        with tracer.span("node", "design_scene", run_id=run_id, task_id=TASK, iteration=None) as s:
            call("scene_designer", "CONTEXT for scene_designer", '{"scene": {"name": "stack"}}')
            s.set("output", {"scene": {"name": "stack"}})
        for it, code in enumerate([REWARD_V0, REWARD_V1]):
            with tracer.span("node", "write_rewards", run_id=run_id, task_id=TASK, iteration=it) as s:
                call("reward_writer", "CONTEXT for reward_writer: write compute_reward", json.dumps({"code": code}))
                s.set("output", {"candidates": 1})
            with tracer.span("node", "train", run_id=run_id, task_id=TASK, iteration=it):
                with tracer.span("tool", "train", n_candidates=1, budget_s=10) as t:
                    t.set("result", {"success_rate": [0.2, 0.9][it]})
            with tracer.span("node", "critique", run_id=run_id, task_id=TASK, iteration=it):
                call("critic", "CONTEXT for critic", '{"action": "%s"}' % ["refine_reward", "accept"][it])
                tracer.event("decision", "critic", task_id=TASK, iteration=it, action=["refine_reward", "accept"][it])
    tracer.close()
