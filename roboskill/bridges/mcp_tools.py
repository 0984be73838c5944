"""What another agent may ask roboskill to do, as typed functions: the body of `roboskill mcp`.

Why separate from the server: the MCP layer only adapts transport (JSON-RPC over stdio, progress
notifications); the operations themselves — start or follow a learning run, search and run library
skills, build a scene, read a run's trace — are ordinary functions over pydantic inputs, so they are
tested and reused without the `mcp` package, and their input models *are* the tools' JSON schemas.

Learning takes minutes, so `learn` starts `roboskill learn` in a child process (its own run directory,
checkpoints and traces, exactly as from the terminal) and returns the run id at once; `learn_status`
follows it, and `learn(wait=True)` blocks while reporting each finished agent step as progress. A child
process keeps the server responsive and a crashing run from taking the server down, and the run stays
resumable with `roboskill learn --resume RUN_ID`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

Progress = Callable[[float, "float | None", str], None]
"""progress(done, total, message): how a long tool tells its caller where it is."""


class BridgeError(ValueError):
    """A request that cannot be served; the message says why and what exists instead."""


# ------------------------------------------------------------------------------------ inputs
class LearnInput(BaseModel):
    """Learn ONE task with the agent loop (scene, goal, reward, training, critique, library)."""

    task: str = Field(min_length=1, description='The instruction, e.g. "lift the cube" or "open the top drawer".')
    env: str | None = Field(None, description='External gymnasium env "module:EnvId" instead of a designed scene.')
    llm: str | None = Field(None, description="LLM provider (offline, openai, ...); default: the configured one "
                            "(offline: the procedural model, no API key).")
    max_iterations: int | None = Field(None, ge=1, le=20, description="Critic iterations for the task.")
    candidates: int | None = Field(None, ge=1, le=16, description="Reward candidates per iteration.")
    train_budget: float | None = Field(None, gt=0, le=3600, description="Seconds of training per candidate.")
    seed: int | None = Field(None, ge=0)
    run_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]{1,100}$", description="Name of the run (default: a timestamp).")
    tensorboard: bool = Field(False, description="Also log training scalars to runs/<id>/.../tb/ for TensorBoard.")
    wait: bool = Field(False, description="Block until the run ends, reporting each agent step as progress; "
                       "otherwise return the run id at once and follow it with learn_status.")
    timeout_s: float = Field(3600.0, gt=0, description="With wait: stop waiting (the run goes on) after this long.")


class LearnStatusInput(BaseModel):
    run_id: str = Field(min_length=1, description="A run id returned by learn (or from traces list; a unique prefix works).")


class SkillsSearchInput(BaseModel):
    query: str = Field(min_length=1, description="What the skill does, in any words (matched by meaning).")
    k: int = Field(5, ge=1, le=100, description="How many results.")
    library: str | None = Field(None, description="Library directory (default: the configured library_dir).")


class SkillsRunInput(BaseModel):
    name: str = Field(min_length=1, description="Skill name (from skills_search).")
    scene: dict[str, Any] | str | None = Field(
        None, description="Scene to run it in: a scene spec object, YAML/JSON text or a file path; default: its own scene.")
    bindings: dict[str, str] = Field(default_factory=dict, description="Skill name -> scene name renames, e.g. "
                                     '{"cube": "red_block"} or {"cabinet.drawer_0": "desk.drawer_1"}.')
    episodes: int = Field(5, ge=1, le=200, description="Episodes from varied starts, each judged by the skill's goal.")
    seed: int = Field(0, ge=0)
    video: str | None = Field(None, description="Write the first episode to this MP4 path.")
    isolate: bool = Field(True, description="Run in a resource-limited worker process (stored code is untrusted).")
    library: str | None = Field(None, description="Library directory (default: the configured library_dir).")


class SceneBuildInput(BaseModel):
    spec: dict[str, Any] | str = Field(description="Scene spec: an object, YAML/JSON text, or a file path.")
    seed: int | None = Field(None, description="Seed for pose / joint randomisation.")
    render: str | None = Field(None, description="Write a PNG of the built scene to this path.")
    camera: Literal["default", "front", "side", "top", "close", "back"] = "default"
    width: int = Field(640, ge=64, le=4096)
    height: int = Field(480, ge=64, le=4096)


class TracesShowInput(BaseModel):
    run: str = Field(min_length=1, description="Run id (or unique prefix, or run directory).")
    task: str | None = Field(None, description="Only this task (id or part of it).")
    width: int | None = Field(300, ge=20, description="Truncate prompts/outputs to this many characters (null: full).")
    details: bool = Field(True, description="Include prompts, outputs and other span attributes.")
    runs_dir: str | None = Field(None, description="Runs root (default: the configured runs_root).")


# ----------------------------------------------------------------------------------- outputs
class LearnStatus(BaseModel):
    run_id: str
    run_dir: str
    status: str = Field(description="starting, running, finished, failed, interrupted, waiting_for_user, ...")
    running: bool = Field(description="True while the learning process is alive")
    exit_code: int | None = Field(None, description="exit code of `roboskill learn` once it ended (0: learned)")
    current: dict[str, Any] = Field(default_factory=dict, description="task / node / iteration now running")
    skills: list[dict[str, Any]] = Field(default_factory=list, description="skills learned so far")
    failed: list[dict[str, Any]] = Field(default_factory=list, description="tasks given up")
    log: str = Field(description="path of the run's terminal output")
    log_tail: str = Field("", description="last lines of that output")


class SceneBuilt(BaseModel):
    name: str
    robot: str
    valid: bool
    problems: list[dict[str, Any]] = Field(default_factory=list, description="every problem, with a suggested fix")
    objects: list[dict[str, Any]] = Field(default_factory=list, description="name, kind, position and joints of each")
    build_s: float | None = None
    render: str | None = None


# ----------------------------------------------------------------------------------- helpers
def _settings() -> Any:
    from roboskill.config import load_settings

    return load_settings()


def _library(path: str | None) -> Any:
    from roboskill.memory.library import SkillLibrary

    settings = _settings()
    return SkillLibrary(Path(path).expanduser() if path else settings.library_dir,
                        novelty_threshold=settings.novelty_threshold)


def _scene(spec: dict[str, Any] | str) -> Any:
    """A SceneSpec from an object, YAML/JSON text or a path (the forms an agent has at hand)."""
    from roboskill.sim.spec import SceneSpec, SpecError

    try:
        if isinstance(spec, dict):
            return SceneSpec.from_dict(spec)
        text = spec.strip()
        if "\n" not in text and (text.endswith((".yaml", ".yml", ".json")) or Path(text).expanduser().is_file()):
            return SceneSpec.from_file(Path(text).expanduser())
        return SceneSpec.from_text(text, fmt="json" if text.startswith("{") else "yaml")
    except (SpecError, OSError) as exc:
        raise BridgeError(f"invalid scene spec: {exc}") from None


# -------------------------------------------------------------------------------------- learn
_children: dict[str, subprocess.Popen[bytes]] = {}  # run id -> the `roboskill learn` process this server started
_children_lock = threading.Lock()


def _log_path(runs_root: Path, run_id: str) -> Path:
    return runs_root / ".mcp" / f"{run_id}.log"


def learn_command(req: LearnInput, run_id: str) -> list[str]:
    """The `roboskill learn` command line a request stands for (the CLI stays the one way to run)."""
    cmd = [sys.executable, "-m", "roboskill.cli.main", "learn", req.task, "--no-live", "--run-id", run_id]
    for flag, value in (("--env", req.env), ("--llm", req.llm), ("--max-iterations", req.max_iterations),
                        ("--candidates", req.candidates), ("--train-budget", req.train_budget), ("--seed", req.seed)):
        if value is not None:
            cmd += [flag, str(value)]
    if req.tensorboard:
        cmd.append("--tensorboard")
    return cmd


def learn(req: LearnInput, progress: Progress | None = None) -> LearnStatus:
    """Start learning `req.task` in a child process; with `wait`, follow it to the end."""
    from roboskill.agents.runner import new_run_id

    settings = _settings()
    run_id = req.run_id or new_run_id()
    runs_root = Path(settings.runs_root)
    if (runs_root / run_id).exists():
        raise BridgeError(f"run {run_id!r} already exists under {runs_root}; choose another run_id "
                          f"(or continue it with `roboskill learn --resume {run_id}`)")
    log = _log_path(runs_root, run_id)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:  # the child owns its copy of the descriptor; stdout must never reach the MCP wire
        proc = subprocess.Popen(learn_command(req, run_id), stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    with _children_lock:
        _children[run_id] = proc
    if not req.wait:
        return learn_status(LearnStatusInput(run_id=run_id))
    return _follow(run_id, req.timeout_s, progress)


def _follow(run_id: str, timeout_s: float, progress: Progress | None) -> LearnStatus:
    """Poll a run until its process ends, reporting each new (task, node) as one step of progress."""
    deadline, seen, step = time.monotonic() + timeout_s, None, 0
    while True:
        status = learn_status(LearnStatusInput(run_id=run_id))
        where = (status.current.get("task"), status.current.get("node"))
        if progress is not None and where != seen and any(where):
            step += 1
            progress(float(step), None, " / ".join(str(w) for w in where if w))
            seen = where
        if not status.running or time.monotonic() > deadline:
            return status
        time.sleep(0.5)


def learn_status(req: LearnStatusInput) -> LearnStatus:
    """Where a learning run is: its status file, whether its process lives, and the tail of its output."""
    from roboskill.tracing.runs import RunNotFoundError, find_run, read_run

    runs_root = Path(_settings().runs_root)
    with _children_lock:
        proc = _children.get(req.run_id)
    run_dir = runs_root / req.run_id
    if proc is None:
        try:
            run_dir = find_run(runs_root, req.run_id).path
        except RunNotFoundError as exc:
            raise BridgeError(str(exc)) from None
    run_id = run_dir.name
    exit_code = proc.poll() if proc is not None else None
    running = proc is not None and exit_code is None
    info = read_run(run_dir) if run_dir.is_dir() else None
    status = info.status if info is not None else ("starting" if running else "failed")
    if info is not None and proc is None:
        running = status == "running"
    if exit_code is not None and status == "running":
        status = "failed"  # the process is gone but never wrote an end state: it crashed
    log = _log_path(runs_root, run_id)
    tail = ""
    if log.is_file():
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:])
    return LearnStatus(run_id=run_id, run_dir=str(run_dir), status=status, running=running, exit_code=exit_code,
                       current={k: v for k, v in (info.current if info else {}).items() if v is not None},
                       skills=info.skills if info else [], failed=info.failed if info else [],
                       log=str(log), log_tail=tail)


# ------------------------------------------------------------------------------------- skills
def skills_search(req: SkillsSearchInput) -> dict[str, Any]:
    """Library skills nearest in meaning to the query, and whether the query would be a novel task."""
    from roboskill.memory.library import LibraryError

    lib = _library(req.library)
    try:
        matches = lib.search(req.query, k=req.k)
        verdict = lib.is_novel(req.query, k=req.k)
    except LibraryError as exc:
        raise BridgeError(str(exc)) from None
    finally:
        lib.close()
    return {"query": req.query, "library": str(lib.path),
            "results": [{"name": m.record.name, "similarity": round(m.similarity, 4), "description": m.record.description,
                         "success_rate": m.record.success_rate,
                         "goal": m.record.goal.describe() if m.record.goal is not None else None,
                         "objects": m.record.scene.object_names()}
                        for m in matches],
            "novelty": verdict.model_dump(mode="json")}


def skills_run(req: SkillsRunInput, progress: Progress | None = None) -> dict[str, Any]:
    """Execute a stored skill (in its own or another scene), each episode judged by its goal."""
    from roboskill.memory.library import LibraryError
    from roboskill.tools.rebind import BindingError, parse_bindings
    from roboskill.tools.skill_runner import SkillRunError, run_skill, run_skill_isolated

    lib = _library(req.library)
    try:
        rec = lib.get(req.name)
    except LibraryError as exc:
        raise BridgeError(str(exc)) from None
    finally:
        lib.close()
    spec = _scene(req.scene) if req.scene is not None else None
    if progress is not None:
        progress(0.0, float(req.episodes), f"running {req.name} for {req.episodes} episode(s)")
    try:
        bindings = parse_bindings([f"{k}={v}" for k, v in req.bindings.items()])
        runner = run_skill_isolated if req.isolate else run_skill
        result = runner(rec, scene=spec, bindings=bindings, episodes=req.episodes, seed=req.seed,
                        video=Path(req.video).expanduser() if req.video else None)
    except (BindingError, SkillRunError) as exc:
        raise BridgeError(str(exc)) from None
    if progress is not None:
        progress(float(result.n), float(req.episodes), f"goal held in {result.successes}/{result.n} episodes")
    return result.model_dump(mode="json")


# -------------------------------------------------------------------------------------- scene
def scene_build(req: SceneBuildInput) -> SceneBuilt:
    """Validate a scene spec (every problem, with fixes), build it in PyBullet, optionally render a PNG."""
    from roboskill.sim.builder import SceneBuildError, build_scene
    from roboskill.sim.validation import validate_scene

    spec = _scene(req.spec)
    report = validate_scene(spec)
    if not report.ok:
        return SceneBuilt(name=spec.name, robot=spec.robot, valid=False,
                          problems=[p.model_dump(mode="json") for p in report.problems])
    t0 = time.perf_counter()
    try:
        world = build_scene(spec, seed=req.seed, validate=False)
    except SceneBuildError as exc:
        raise BridgeError(f"build failed: {exc}") from None
    build_s = time.perf_counter() - t0
    try:
        objects = []
        for obj in spec.objects:
            pos, _ = world.initial_poses[obj.name]
            objects.append({"name": obj.name, "kind": obj.kind if obj.kind != "articulated" else obj.articulation,  # type: ignore[union-attr]
                            "position": [round(float(v), 4) for v in pos],
                            "joints": {j: [round(r.lower, 4), round(r.upper, 4)] for j, r in world.joints.items()
                                       if r.object == obj.name}})
        rendered = None
        if req.render:
            from roboskill.sim.render import render_png

            try:
                rendered = str(render_png(world, Path(req.render).expanduser(), req.width, req.height, req.camera))
            except ValueError as exc:
                raise BridgeError(str(exc)) from None
    finally:
        world.close()
    return SceneBuilt(name=spec.name, robot=spec.robot, valid=True, objects=objects, build_s=round(build_s, 4),
                      render=rendered)


# ------------------------------------------------------------------------------------- traces
def traces_show(req: TracesShowInput) -> dict[str, Any]:
    """A run's trace as a tree: run -> task -> iteration -> node -> LLM/tool calls, with totals."""
    from roboskill.tracing import RunNotFoundError, TraceReader, TraceStoreError, find_run

    root_dir = Path(req.runs_dir).expanduser() if req.runs_dir else Path(_settings().runs_root)
    try:
        info = find_run(root_dir, req.run)
        root = TraceReader(info.traces_path).grouped(task=req.task)
    except (RunNotFoundError, TraceStoreError) as exc:
        raise BridgeError(str(exc)) from None
    data = _trim(root.to_dict(), req.width, req.details)
    data.update(name=info.run_id, status=info.status, totals=root.totals())
    return data


def _trim(node: dict[str, Any], width: int | None, details: bool) -> dict[str, Any]:
    attrs = node.get("attributes") or {}
    if not details:
        keep = ("role", "input_tokens", "output_tokens", "total_tokens", "cost_usd", "task_id", "iteration", "action")
        attrs = {k: v for k, v in attrs.items() if k in keep}
    elif width is not None:
        attrs = {k: _short(v, width) for k, v in attrs.items()}
    return {**node, "attributes": attrs, "children": [_trim(c, width, details) for c in node.get("children", [])]}


def _short(value: Any, width: int) -> Any:
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[:width] + f" … [+{len(text) - width} chars]"
