"""Runs: a run directory, a checkpointed graph, and advancing it until it ends or waits for a person.

Why a checkpoint after every node (`durability="sync"`): a run may be killed at any moment (kill -9,
laptop lid, OOM). LangGraph's SqliteSaver then holds the state after the last *finished* node;
`--resume` re-executes only the interrupted node. The only side effect that must not repeat is
storing a skill, and the library's `add_skill` is idempotent on (run_id, task_id) — so the accept
node may run twice but the library holds the skill once. Artefacts are written temp-then-rename.

Why signal handlers while a run advances: Ctrl-C, SIGTERM (and SIGHUP, a closed terminal) must stop a run
within seconds, leave run.json saying "interrupted" (resumable), and leave no training worker behind. The
handler kills every worker at once (`roboskill.tools.executor.kill_workers`) and raises `RunInterrupted` in
the main thread, once; the interrupted node is simply re-run by `--resume`.

Layout of `runs/<run_id>/` (docs/contracts.md): config.yaml, checkpoints.sqlite, traces.sqlite,
run.json, tasks/<task_id>/iter_<k>/cand_<j>/...
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from roboskill.agents.deps import Deps
from roboskill.agents.llm import ChatModels
from roboskill.agents.state import Mode, initial_state
from roboskill.config import Settings, load_settings

RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
RECURSION_LIMIT = 10_000


class RunError(RuntimeError):
    """A run cannot be started or resumed; the message names the run directory or file."""


def new_run_id() -> str:
    return f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def run_dir_for(settings: Settings, run_id: str) -> Path:
    if not RUN_ID_RE.match(run_id):
        raise RunError(f"invalid run id {run_id!r}: use letters, digits, '_', '-' or '.' (see `roboskill traces list`)")
    return settings.runs_root / run_id


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- dependencies
def make_tracer(run_dir: Path, run_id: str, settings: Settings | None = None) -> tuple[Any, list[Any]]:
    """The run's Tracer and its LangChain callbacks (LLM spans priced with the configured per-1k prices)."""
    from roboskill.tracing import Tracer

    tracer = Tracer(run_dir / "traces.sqlite", run_id)
    llm = settings.llm if settings is not None else None
    prices = {"price_per_1k_input": llm.price_per_1k_input, "price_per_1k_output": llm.price_per_1k_output} if llm else {}
    return tracer, tracer.callbacks(**prices)


DepsFactory = Callable[[Settings, Path, str, Any, list[Any]], Deps]


def default_deps(settings: Settings, run_dir: Path, run_id: str, tracer: Any, callbacks: list[Any]) -> Deps:
    """The real dependencies: configured chat models, the Chroma library, the executor, sim tools."""
    from roboskill.agents import adapters
    from roboskill.memory import SkillLibrary

    library = SkillLibrary(settings.library_dir, novelty_threshold=settings.novelty_threshold)
    return Deps(
        settings=settings,
        models=ChatModels(settings.llm),
        library=library,
        trainer=adapters.executor_trainer(settings),
        run_dir=run_dir,
        tracer=tracer,
        callbacks=callbacks,
        validate_scene=adapters.validate_scene,
        check_plan_code=adapters.check_plan_code,
        scene_picture=adapters.scene_picture,
        scene_names=adapters.scene_names,
        catalog=adapters.catalog,
        describe_env=adapters.external_describer(settings),
        check_external_code=adapters.external_code_checker(settings),
    )


# --------------------------------------------------------------------------- interrupts
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class RunInterrupted(KeyboardInterrupt):
    """A stop signal arrived while a run advanced; `signum` says which (a KeyboardInterrupt, so nodes that
    catch Exception let it through)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _StopSignals:
    """The handler `Run.advance` installs: kill the workers, then raise RunInterrupted once while armed."""

    def __init__(self, kill_workers: Callable[[], Any]) -> None:
        self.kill_workers = kill_workers
        self.armed = True

    def __call__(self, signum: int, frame: Any) -> None:
        self.kill_workers()
        if self.armed:  # later signals (a second Ctrl-C while run.json is written) only kill again
            self.armed = False
            raise RunInterrupted(signum)


@contextmanager
def stop_signals() -> Iterator[_StopSignals]:
    """Install the stop-signal handler for the block (main thread only; a signal the parent set to be ignored,
    e.g. under nohup, stays ignored); the previous handlers come back afterwards."""
    from roboskill.tools.executor import kill_workers

    guard = _StopSignals(kill_workers)
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in STOP_SIGNALS:
            if signal.getsignal(signum) is not signal.SIG_IGN:
                previous[signum] = signal.signal(signum, guard)
    try:
        yield guard
    finally:
        guard.armed = False
        for signum, old in previous.items():
            signal.signal(signum, old if old is not None else signal.SIG_DFL)


# --------------------------------------------------------------------------- runs
@dataclass
class Outcome:
    """Where a run stands after `advance`: finished, waiting for a person, or interrupted."""

    status: str                       # finished | waiting_for_user | interrupted | failed
    values: dict[str, Any]
    pending: dict[str, Any] | None = None
    error: str | None = None
    signum: int | None = None         # the stop signal when interrupted (SIGINT, SIGTERM, SIGHUP)


@dataclass
class Run:
    run_id: str
    run_dir: Path
    mode: str
    settings: Settings
    deps: Deps
    graph: Any
    conn: sqlite3.Connection
    started_at: str = field(default_factory=_now)
    on_update: Callable[[str, dict[str, Any]], None] | None = None
    frozen: bool = False
    """Set once a parallel run was interrupted: a slot thread still finishing a node no longer rewrites run.json."""

    @property
    def config(self) -> dict[str, Any]:
        return {"configurable": {"thread_id": self.run_id}, "recursion_limit": RECURSION_LIMIT}

    # -- state
    def snapshot(self) -> Any:
        return self.graph.get_state(self.config)

    def values(self) -> dict[str, Any]:
        return dict(self.snapshot().values or {})

    def pending(self) -> dict[str, Any] | None:
        snap = self.snapshot()
        for task in snap.tasks or ():
            for intr in getattr(task, "interrupts", ()) or ():
                return dict(intr.value)
        return None

    def started(self) -> bool:
        return bool(self.snapshot().values)

    def finished(self) -> bool:
        snap = self.snapshot()
        return bool(snap.values) and not snap.next

    # -- driving
    def advance(self, payload: Any) -> Outcome:
        """Run the graph from `payload` (initial state, None to resume, or a Command) until it stops."""
        status, signum = "running", None
        with stop_signals() as guard:
            try:
                self.write_status("running")
                with self.deps.tracer.span("run", self.run_id, mode=self.mode):
                    for chunk in self.graph.stream(payload, self.config, stream_mode="updates", durability="sync"):
                        for node, update in chunk.items():
                            if node == "__interrupt__":
                                continue
                            if self.on_update is not None:
                                self.on_update(node, update or {})
                            self.write_status("running", node=node)
                guard.armed = False
            except KeyboardInterrupt as exc:  # RunInterrupted from the handler, or a plain Ctrl-C off the main thread
                guard.armed = False
                status, signum = "interrupted", getattr(exc, "signum", signal.SIGINT)
            except Exception as exc:  # noqa: BLE001 - record, then let the CLI print a clear message
                guard.armed = False
                self.write_status("failed", error=f"{type(exc).__name__}: {exc}")
                raise
            pending = self.pending()
            if status != "interrupted":
                status = "waiting_for_user" if pending else ("finished" if self.finished() else "interrupted")
            self.write_status(status)
            return Outcome(status, self.values(), pending, signum=signum)

    def start(self, *, given_task: str | None = None, env_id: str | None = None) -> Outcome:
        return self.advance(initial_state(self.run_id, self.mode, given_task=given_task, env_id=env_id))  # type: ignore[arg-type]

    def resume(self) -> Outcome:
        """Continue after a crash; a finished run with task budget left continues with more tasks."""
        if self.finished():
            values = self.values()
            max_tasks = 1 if values.get("mode") == "learn" else self.settings.budgets.max_tasks
            if int(values.get("tasks_done") or 0) < max_tasks:
                self.graph.update_state(self.config, {"stop_reason": None}, as_node="next_task")
                # as_node="next_task" would increment nothing; the edge next_task → start_task continues
            else:
                self.write_status("finished")
                return Outcome("finished", values)
        return self.advance(None)

    # -- status file
    def write_status(self, status: str, *, node: str | None = None, error: str | None = None) -> dict[str, Any]:
        if self.frozen:
            return {}
        values = self.values() if self.conn else {}
        proposal = values.get("proposal") or {}
        tokens = values.get("tokens") or {}
        data = {
            "run_id": self.run_id,
            "status": status,
            "mode": values.get("mode", self.mode),
            "started_at": self.started_at,
            "updated_at": _now(),
            "pid": os.getpid(),
            "current": {"task": proposal.get("name"), "task_id": values.get("task_id"), "node": node,
                        "iteration": values.get("iteration")},
            "tasks_done": values.get("tasks_done", 0),
            "skills": values.get("learned", []),
            "failed": values.get("failed", []),
            "directives": values.get("directives", []),
            "tokens": {k: tokens.get(k, 0) for k in ("input", "output", "total")},
            "cost_usd": tokens.get("cost_usd", 0.0),
            "stop_reason": values.get("stop_reason"),
            "error": error,
            "run_dir": str(self.run_dir),
            "traces": str(self.run_dir / "traces.sqlite"),
            "checkpoints": str(self.run_dir / "checkpoints.sqlite"),
        }
        _atomic_write(self.run_dir / "run.json", json.dumps(data, indent=2, default=str))
        return data

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:  # noqa: BLE001
            pass
        close = getattr(self.deps.library, "close", None)
        if callable(close):
            close()
        tclose = getattr(self.deps.tracer, "close", None)
        if callable(tclose):
            tclose()

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_run(
    settings: Settings,
    *,
    mode: Mode = "run",
    run_id: str | None = None,
    resume: bool = False,
    deps_factory: DepsFactory | None = None,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
    on_update: Callable[[str, dict[str, Any]], None] | None = None,
) -> Run:
    """Create (or, with `resume`, reopen) a run directory and its checkpointed graph."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    from roboskill.agents.graph import build_graph

    if resume:
        if not run_id:
            raise RunError("--resume needs a RUN_ID (see `roboskill traces list` or the runs directory)")
        run_dir = run_dir_for(settings, run_id)
        if not (run_dir / "checkpoints.sqlite").exists():
            raise RunError(f"{run_dir}: no checkpoints.sqlite here — nothing to resume (is the run id right? runs live in {settings.runs_root})")
        _check_checkpoints(run_dir / "checkpoints.sqlite", run_id)
        old = _read_run_json(run_dir)
        mode = old.get("mode", mode)
        started_at = old.get("started_at") or _now()
    else:
        run_id = run_id or new_run_id()
        run_dir = run_dir_for(settings, run_id)
        if (run_dir / "checkpoints.sqlite").exists():
            raise RunError(f"{run_dir}: run {run_id} already exists; continue it with --resume {run_id}")
        run_dir.mkdir(parents=True, exist_ok=True)
        _atomic_write(run_dir / "config.yaml", yaml.safe_dump(settings.model_dump(mode="json"), sort_keys=False))
        started_at = _now()
    try:
        conn = sqlite3.connect(run_dir / "checkpoints.sqlite", check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        saver = SqliteSaver(conn)
        saver.setup()
    except sqlite3.DatabaseError as exc:
        raise RunError(f"{run_dir / 'checkpoints.sqlite'}: checkpoint store is unreadable ({exc}); nothing was deleted") from None
    try:
        tracer, callbacks = make_tracer(run_dir, run_id, settings)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise RunError(f"{run_dir / 'traces.sqlite'}: trace store is unreadable ({exc}); nothing was deleted — move the "
                       "file aside to continue without the old traces") from None
    deps = (deps_factory or default_deps)(settings, run_dir, run_id, tracer, callbacks)
    if settings.budgets.wall_clock_s:
        deps.deadline = time.monotonic() + settings.budgets.wall_clock_s
    if on_progress is not None:
        deps.on_progress = on_progress
    graph = build_graph(deps, checkpointer=saver)
    run = Run(run_id, run_dir, mode, settings, deps, graph, conn, started_at=started_at, on_update=on_update)
    return run


def _check_checkpoints(path: Path, run_id: str) -> None:
    """Refuse to resume from a checkpoint store that is unreadable or holds nothing for this run.

    Opened read-only first, so an empty or foreign file is reported, not silently initialised (written to).
    """
    try:
        ro = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in ro.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            found = "checkpoints" in tables and ro.execute(
                "SELECT 1 FROM checkpoints WHERE thread_id=? LIMIT 1", (run_id,)).fetchone() is not None
        finally:
            ro.close()
    except sqlite3.DatabaseError as exc:
        raise RunError(f"{path}: checkpoint store is unreadable ({exc}); nothing was deleted") from None
    if not found:
        raise RunError(f"{path}: holds no checkpoint of run {run_id!r} (empty, truncated or from another run); "
                       "nothing to resume and nothing was changed")


def _read_run_json(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "run.json"
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            return data
    except (OSError, ValueError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        pass
    # run.json is a derived summary (the checkpoint is the source of truth) and is rewritten on resume;
    # keep the unreadable bytes next to it so nothing a person might want is lost
    backup = path.with_name("run.json.corrupt")
    try:
        if not backup.exists():
            backup.write_bytes(path.read_bytes())
    except OSError:
        pass
    return {}


def settings_for_run(settings_overrides: dict[str, Any], *, config_file: str | None, resume_run: str | None) -> Settings:
    """Settings for a new run, or the stored config.yaml of a run being resumed (plus overrides)."""
    if resume_run:
        base = load_settings(config_file, **settings_overrides)
        cfg = run_dir_for(base, resume_run) / "config.yaml"
        if cfg.exists():
            return load_settings(cfg, **settings_overrides)
        return base
    return load_settings(config_file, **settings_overrides)


# --------------------------------------------------------------------------- chat
CHAT_COMMANDS = ("/status", "/skills", "/directives", "/quit", "/help")


def parse_chat_input(text: str) -> dict[str, Any]:
    """One line of chat input → {"command": "/status"} | {"action": approve|edit|reject|message, "text"}."""
    line = text.strip()
    if not line:
        return {"action": "noop"}
    low = line.lower()
    if line.startswith("/"):
        cmd = low.split()[0]
        return {"command": cmd if cmd in CHAT_COMMANDS else "/help", "text": line}
    word, _, rest = line.partition(" ")
    if word.lower() in ("approve", "yes", "ok") and not rest.strip():
        return {"action": "approve"}
    if word.lower() == "edit":
        return {"action": "edit", "text": rest.strip()}
    if word.lower() == "reject":
        return {"action": "reject", "text": rest.strip()}
    return {"action": "message", "text": line}


def chat_backend(run_id: str | None, text: str, *, settings: Settings | None = None,
                 deps_factory: DepsFactory | None = None) -> dict[str, Any]:
    """One chat turn for the web UI: apply `text` to chat run `run_id` (new run if None) and advance.

    Returns {run_id, reply, pending, directives, skills, failed, status}. Blocks while the graph
    works (training included); call it from a worker thread.
    """
    settings = settings or load_settings()
    resume = bool(run_id) and (run_dir_for(settings, run_id) / "checkpoints.sqlite").exists()  # type: ignore[arg-type]
    with open_run(settings, mode="chat", run_id=run_id, resume=resume, deps_factory=deps_factory) as run:
        parsed = parse_chat_input(text)
        reply = ""
        if not run.started():
            outcome = run.start()
            if parsed.get("action") not in (None, "noop") and outcome.pending:
                outcome = _apply_chat(run, parsed)
        elif "command" in parsed:
            values = run.values()
            reply = describe_command(parsed["command"], values, run.deps.library)
            outcome = Outcome("waiting_for_user" if run.pending() else "finished", values, run.pending())
        elif parsed.get("action") == "noop":
            outcome = Outcome("waiting_for_user" if run.pending() else "finished", run.values(), run.pending())
        else:
            outcome = _apply_chat(run, parsed) if run.pending() else run.resume()
        values = outcome.values
        return {
            "run_id": run.run_id,
            "reply": reply or (outcome.pending or {}).get("chat_reply") or "",
            "pending": outcome.pending,
            "directives": values.get("directives", []),
            "skills": values.get("learned", []),
            "failed": values.get("failed", []),
            "status": outcome.status,
        }


def _apply_chat(run: Run, parsed: dict[str, Any]) -> Outcome:
    from langgraph.types import Command

    return run.advance(Command(resume={"action": parsed["action"], "text": parsed.get("text", "")}))


def describe_command(command: str, values: dict[str, Any], library: Any) -> str:
    """Text for /status, /skills, /directives and /help."""
    if command == "/status":
        p = values.get("proposal") or {}
        t = values.get("tokens") or {}
        return (f"task: {p.get('name') or '-'} ({values.get('task_id') or '-'}), iteration {values.get('iteration', 0)}; "
                f"tasks done {values.get('tasks_done', 0)}; learned {len(values.get('learned') or [])}, "
                f"failed {len(values.get('failed') or [])}; tokens {t.get('total', 0)}")
    if command == "/skills":
        try:
            skills = library.list()
        except Exception as exc:  # noqa: BLE001
            return f"(library unavailable: {exc})"
        if not skills:
            return "no skills learned yet"
        return "\n".join(f"- {s.name} ({s.success_rate:.0%}): {s.description}" for s in skills)
    if command == "/directives":
        ds = values.get("directives") or []
        if not ds:
            return "no directives (type e.g. 'focus on articulated objects' or 'nothing with the mug')"
        return "\n".join(f"- {d.get('kind')}: {d.get('text')}" + (f" [{d['subject']}]" if d.get("subject") else "") for d in ds)
    return ("commands: approve | edit <new description> | reject <reason> | free text (steer the curriculum) | "
            "/status /skills /directives /quit")
