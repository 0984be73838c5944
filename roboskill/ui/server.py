"""The dashboard's FastAPI app: HTML pages, JSON endpoints, artefact files and the chat endpoint.

`create_app` takes everything from outside as arguments (runs root, skill library, chat backend), so tests
build it over a fixture directory and the agents area plugs its chat session in without this module
importing the agents. Everything shown passes through secret redaction; every file path through
`safe_join`; state-changing requests are refused from other origins (a web page open in the same browser
must not be able to drive the curriculum).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from pydantic import BaseModel, Field

from roboskill.tracing.reader import SpanNode, TraceReader, TraceStoreError
from roboskill.tracing.redact import redact, redact_text
from roboskill.tracing.runs import RunInfo, is_run_dir, list_runs, read_run
from roboskill.ui import pages
from roboskill.ui.data import Candidate, TaskInfo, goal_info, list_tasks, read_task
from roboskill.ui.safety import UnsafePathError, check_name, safe_join

ChatBackend = Callable[[str | None, str], dict[str, Any]]
STATIC_DIR = Path(__file__).parent / "static"
BINARY_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".png": "image/png", ".jpg": "image/jpeg",
                ".jpeg": "image/jpeg", ".gif": "image/gif", ".npz": "application/octet-stream",
                ".zip": "application/zip", ".sqlite": "application/octet-stream"}
TEXT_SUFFIXES = {".json", ".jsonl", ".py", ".txt", ".yaml", ".yml", ".md", ".log", ".csv", ".urdf", ".obj"}
MAX_TEXT_BYTES = 5_000_000
SKILL_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")  # roboskill.memory.records.NAME_PATTERN


class ChatRequest(BaseModel):
    run_id: str | None = Field(None, description="chat run to continue; null starts a new one")
    text: str = Field(min_length=1, max_length=10_000)


class _Library:
    """The skill library, opened once on first use (Chroma + MiniLM are slow to load)."""

    def __init__(self, library: Any) -> None:
        self._given = library
        self._lib: Any = None
        self._error: str | None = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._lib is not None or self._error is not None:
                if self._error:
                    raise RuntimeError(self._error)
                return self._lib
            if self._given is None:
                self._error = "no skill library configured (start with `roboskill ui --library DIR`)"
            elif not isinstance(self._given, (str, Path)):
                self._lib = self._given
            else:
                path = Path(self._given).expanduser()
                if not path.is_dir():
                    self._error = f"no skill library at {path} yet (skills appear once a run learns one)"
                else:
                    try:
                        from roboskill.memory import SkillLibrary
                    except ImportError as exc:
                        self._error = f"the skill library is not available: {exc}"
                    else:
                        try:
                            self._lib = SkillLibrary(path)
                        except Exception as exc:  # noqa: BLE001 - shown to the person, not raised
                            self._error = f"cannot open skill library {path}: {exc}"
            if self._error:
                raise RuntimeError(self._error)
            return self._lib


def _run_file_url(runs_root: Path, run_id: Any, path: Any) -> str | None:
    """/runs/<run>/files/<rel> for an artefact path of a skill record, only when it lies inside that run's directory."""
    if not path or not run_id:
        return None
    try:
        run_dir = safe_join(runs_root, check_name(str(run_id), "run id"))
        p = Path(str(path))
        rel = (p.resolve().relative_to(run_dir) if p.is_absolute() else p).as_posix()
        safe_join(run_dir, rel)
    except (UnsafePathError, ValueError, OSError):
        return None
    return f"/runs/{pages.u(str(run_id))}/files/{rel}"


def _verified(metrics: Any) -> dict[str, Any] | None:
    """A record's `metrics["verified"]` (from `roboskill skills verify`): rate, ci95, n, flagged, threshold, at."""
    v = metrics.get("verified") if isinstance(metrics, dict) else None
    if not isinstance(v, dict):
        return None
    return {k: v.get(k) for k in ("rate", "ci95", "n", "flagged", "threshold", "at")}


def _uses_tree(record: Any) -> list[dict[str, Any]]:
    """The library skills a record reuses (SkillRecord.uses_tree); [] for a dict or a record that cannot say."""
    tree = getattr(record, "uses_tree", None)
    try:
        return tree() if callable(tree) else []
    except Exception:  # noqa: BLE001 - a display detail; the page still shows the skill
        return []


def _skill_item(record: Any, similarity: float | None, runs_root: Path) -> dict[str, Any]:
    get = (lambda k, d=None: record.get(k, d)) if isinstance(record, dict) else (lambda k, d=None: getattr(record, k, d))
    metrics = get("metrics") or {}
    goal = goal_info(get("goal"))
    item = {"name": get("name"), "description": get("description"), "instruction": get("instruction"),
            "success_rate": get("success_rate"), "learners": list(get("learners") or []), "run_id": get("run_id"),
            "task_id": get("task_id"), "similarity": similarity, "video_url": None,
            "success_ci95": metrics.get("success_ci95") if isinstance(metrics, dict) else None,
            "n_episodes": metrics.get("n_episodes") if isinstance(metrics, dict) else None,
            "judged_by": metrics.get("judged_by") if isinstance(metrics, dict) else None,
            "goal": goal.model_dump() if goal is not None else None, "verified": _verified(metrics),
            "uses": _uses_tree(record)}
    artefacts = get("artefacts") or {}
    item["video_url"] = _run_file_url(runs_root, item["run_id"], artefacts.get("video"))
    item["videos"] = {label: url for label in ("success", "failure")
                      if (url := _run_file_url(runs_root, item["run_id"], artefacts.get(f"video_{label}")))}
    return redact(item)


def create_app(runs_dir: str | Path, library: Any = None, chat_backend: ChatBackend | None = None,
               *, allowed_hosts: list[str] | None = None) -> FastAPI:
    """The dashboard over `runs_dir`.

    `library`: a SkillLibrary-like object (`list()`, `search(query, k)`) or the path of one (opened
    lazily), or None. `chat_backend(run_id, text) -> dict` drives one chat turn (None: chat shows "not
    available"). `allowed_hosts`: Host header values accepted (defence against DNS rebinding).
    """
    runs_root = Path(runs_dir).expanduser()
    lib = _Library(library)
    app = FastAPI(title="roboskill dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if allowed_hosts:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    def wants_html(request: Request) -> bool:
        return not request.url.path.startswith("/api/")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = redact_text(str(exc.detail))
        if wants_html(request):
            return HTMLResponse(pages.error_page(exc.status_code, detail), status_code=exc.status_code)
        return JSONResponse({"detail": detail}, status_code=exc.status_code)

    # ------------------------------------------------------------------ helpers
    def run_dir(run_id: str) -> Path:
        try:
            check_name(run_id, "run id")
            path = safe_join(runs_root, run_id)
        except UnsafePathError as exc:
            raise HTTPException(400, str(exc)) from None
        if not is_run_dir(path):
            raise HTTPException(404, f"no run {run_id!r} under {runs_root}")
        return path

    def run_info(run_id: str) -> RunInfo:
        return read_run(run_dir(run_id))

    def task_info(run_id: str, task_id: str) -> TaskInfo:
        try:
            return read_task(run_dir(run_id), task_id)
        except UnsafePathError as exc:
            raise HTTPException(400, str(exc)) from None
        except FileNotFoundError as exc:
            raise HTTPException(404, str(exc)) from None

    def grouped(run_id: str, task: str | None = None) -> SpanNode | None:
        db = run_dir(run_id) / "traces.sqlite"
        if not db.is_file():
            return None
        try:
            return TraceReader(db).grouped(task=task)
        except TraceStoreError as exc:
            raise HTTPException(500, str(exc)) from None

    def trace_root(run_id: str, task: str | None, span: str | None) -> SpanNode:
        db = run_dir(run_id) / "traces.sqlite"
        if not db.is_file():
            raise HTTPException(404, f"run {run_id} has no trace store (traces.sqlite)")
        try:
            if span:
                node = TraceReader(db).span(span)
                if node is None:
                    raise HTTPException(404, f"no span {span!r} in run {run_id}")
                return node
            return TraceReader(db).grouped(task=task)
        except TraceStoreError as exc:
            raise HTTPException(500, str(exc)) from None

    def pick(task: TaskInfo, rel: str | None) -> Candidate | None:
        return next((c for c in task.candidates if c.rel == rel), None) if rel else None

    def skills(query: str, k: int) -> tuple[list[dict[str, Any]], str | None]:
        try:
            library = lib.get()
        except RuntimeError as exc:
            return [], str(exc)
        try:
            if query.strip():
                return [_skill_item(m.record, float(m.similarity), runs_root) for m in library.search(query, k)], None
            return [_skill_item(r, None, runs_root) for r in library.list()], None
        except Exception as exc:  # noqa: BLE001 - a broken library must not take the dashboard down
            return [], redact_text(f"skill library error: {exc}")

    def skill(name: str) -> dict[str, Any]:
        if not SKILL_NAME_RE.match(name or ""):
            raise HTTPException(400, f"invalid skill name {name!r}")
        try:
            library = lib.get()
        except RuntimeError as exc:
            raise HTTPException(404, str(exc)) from None
        try:
            getter = getattr(library, "get", None)
            if callable(getter):
                record = getter(name)
            else:
                record = next((r for r in library.list()
                               if (r.get("name") if isinstance(r, dict) else getattr(r, "name", None)) == name), None)
        except Exception as exc:  # noqa: BLE001 - SkillNotFoundError names close matches
            raise HTTPException(404, redact_text(str(exc))) from None
        if record is None:
            raise HTTPException(404, f"no skill named {name!r}")
        return _skill_item(record, None, runs_root)

    # ------------------------------------------------------------------ HTML
    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return pages.runs_page(list_runs(runs_root), str(runs_root))

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_page(run_id: str) -> str:
        info = run_info(run_id)
        return pages.run_page(info, list_tasks(info.path), grouped(run_id), chat_backend is not None)

    @app.get("/runs/{run_id}/tasks/{task_id}", response_class=HTMLResponse)
    def task_page(run_id: str, task_id: str, a: str | None = None, b: str | None = None) -> str:
        task = task_info(run_id, task_id)
        versions = [c for c in task.candidates if c.rewards]
        ca = pick(task, a) or (versions[-2] if len(versions) >= 2 else None)
        cb = pick(task, b) or (versions[-1] if versions else None)
        return pages.task_page(run_id, task, ca, cb)

    @app.get("/runs/{run_id}/tasks/{task_id}/iter/{iteration}", response_class=HTMLResponse)
    def iteration_page(run_id: str, task_id: str, iteration: int) -> str:
        task = task_info(run_id, task_id)
        if iteration not in task.iterations:
            raise HTTPException(404, f"task {task_id} has no iteration {iteration} (iterations: {task.iterations})")
        earlier = [c for c in task.candidates if c.iteration < iteration and c.rewards]
        best_prev = max(earlier, key=lambda c: (c.iteration, c.success_rate or -1.0)) if earlier else None
        if best_prev is not None:
            same_iter = [c for c in earlier if c.iteration == best_prev.iteration]
            best_prev = max(same_iter, key=lambda c: c.success_rate or -1.0)
        return pages.iteration_page(run_id, task, iteration, best_prev)

    @app.get("/runs/{run_id}/trace", response_class=HTMLResponse)
    def trace_page(run_id: str, task: str | None = None, span: str | None = None) -> str:
        root = trace_root(run_id, task, span)
        title = f"Trace of {run_id}" + (f" · {task}" if task else "") + (f" · {root.kind} {root.name}" if span else "")
        return pages.trace_page(run_id, root, title)

    @app.get("/skills", response_class=HTMLResponse)
    def skills_page(q: str = "", k: int = 20) -> str:
        items, message = skills(q, max(1, min(k, 200)))
        return pages.skills_page(q, items, message)

    @app.get("/skills/{name}", response_class=HTMLResponse)
    def skill_page(name: str) -> str:
        return pages.skill_page(skill(name))

    @app.get("/chat", response_class=HTMLResponse)
    def chat_page() -> str:
        return pages.chat_page(chat_backend is not None)

    @app.get("/runs/{run_id}/files/{path:path}")
    def artefact(run_id: str, path: str) -> Response:
        base = run_dir(run_id)
        try:
            target = safe_join(base, path)
        except UnsafePathError as exc:
            raise HTTPException(400, str(exc)) from None
        if not target.is_file():
            raise HTTPException(404, f"no file {path!r} in run {run_id}")
        suffix = target.suffix.lower()
        if suffix in BINARY_TYPES:
            return FileResponse(target, media_type=BINARY_TYPES[suffix])
        if suffix in TEXT_SUFFIXES and target.stat().st_size <= MAX_TEXT_BYTES:
            text = target.read_text(encoding="utf-8", errors="replace")
            return PlainTextResponse(redact_text(text))  # never a secret, never rendered as HTML
        raise HTTPException(415, f"files of type {suffix or '(none)'} are not served; "
                                 f"served: {', '.join(sorted(set(BINARY_TYPES) | TEXT_SUFFIXES))}")

    # ------------------------------------------------------------------ JSON
    @app.get("/api/runs")
    def api_runs() -> list[dict[str, Any]]:
        return [redact(r.model_dump(mode="json")) for r in list_runs(runs_root)]

    @app.get("/api/runs/{run_id}")
    def api_run(run_id: str) -> dict[str, Any]:
        info = run_info(run_id)
        data = redact(info.model_dump(mode="json"))
        data["tasks"] = list_tasks(info.path)
        tree = grouped(run_id)
        data["totals"] = tree.totals() if tree is not None else None
        return data

    @app.get("/api/runs/{run_id}/tasks/{task_id}")
    def api_task(run_id: str, task_id: str) -> dict[str, Any]:
        task = task_info(run_id, task_id)
        best = task.best()
        return {"task_id": task.task_id, "iterations": task.iterations, "best": best.rel if best else None,
                "goal": task.goal.model_dump() if task.goal is not None else None, "problems": task.problems,
                "candidates": [c.model_dump(mode="json") | {"files_url": f"/runs/{pages.u(run_id)}/files/{c.files_rel}"}
                               for c in task.candidates]}

    @app.get("/api/runs/{run_id}/trace")
    def api_trace(run_id: str, task: str | None = None, span: str | None = None) -> dict[str, Any]:
        return trace_root(run_id, task, span).to_dict()

    @app.get("/api/skills")
    def api_skills(q: str = "", k: int = 20) -> dict[str, Any]:
        items, message = skills(q, max(1, min(k, 200)))
        return {"query": q, "skills": items, "error": message}

    @app.get("/api/skills/{name}")
    def api_skill(name: str) -> dict[str, Any]:
        return skill(name)

    @app.post("/api/chat")
    def api_chat(body: ChatRequest, request: Request) -> dict[str, Any]:
        origin = request.headers.get("origin")
        host = request.headers.get("host", "")
        if origin and urlsplit(origin).netloc != host:
            raise HTTPException(403, f"cross-origin request from {origin} refused")
        if chat_backend is None:
            raise HTTPException(503, "chat not available: the dashboard was started without a chat backend")
        if body.run_id is not None:
            try:
                check_name(body.run_id, "run id")
            except UnsafePathError as exc:
                raise HTTPException(400, str(exc)) from None
        try:
            result = chat_backend(body.run_id, body.text)
        except Exception as exc:  # noqa: BLE001 - reported to the person
            raise HTTPException(500, f"chat failed: {type(exc).__name__}: {exc}") from None
        return redact(result if isinstance(result, dict) else {"reply": str(result)})

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"ok": True, "runs_dir": str(runs_root), "chat": chat_backend is not None}

    return app
