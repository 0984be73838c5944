"""Finding runs on disk: `runs/<run_id>/{run.json, traces.sqlite, tasks/...}`.

Shared by `roboskill traces` and the dashboard so both agree on what a run is. run.json is a derived
summary written by the runner; a run with only a trace store (or a broken run.json) is still listed.
A run.json saying "running" whose process is gone (kill -9, power loss) is reported "interrupted": it
is not running, and `--resume` continues it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

TRACES_FILE = "traces.sqlite"
RUN_FILE = "run.json"


class RunNotFoundError(LookupError):
    """No run with that id (the message lists the runs that exist)."""


class RunInfo(BaseModel):
    """A run directory as listed by `roboskill traces list` and the dashboard."""

    run_id: str
    path: Path
    status: str = "unknown"
    mode: str | None = None
    started_at: str | None = None
    updated_at: str | None = None
    current: dict[str, Any] = Field(default_factory=dict)
    skills: list[dict[str, Any]] = Field(default_factory=list)
    failed: list[dict[str, Any]] = Field(default_factory=list)
    tokens: dict[str, Any] = Field(default_factory=dict)
    cost_usd: float = 0.0
    has_traces: bool = False
    run_json_error: str | None = None

    @property
    def traces_path(self) -> Path:
        return self.path / TRACES_FILE


def read_run(run_dir: Path) -> RunInfo:
    """Summary of one run directory (never raises for a malformed run.json; records the problem)."""
    data: dict[str, Any] = {}
    problem = None
    rj = run_dir / RUN_FILE
    if rj.is_file():
        try:
            loaded = json.loads(rj.read_text(encoding="utf-8"))
            data = loaded if isinstance(loaded, dict) else {}
            if not isinstance(loaded, dict):
                problem = f"{rj}: expected a JSON object"
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            problem = f"{rj}: {exc}"
    info: dict[str, Any] = {"run_id": run_dir.name, "path": run_dir, "has_traces": (run_dir / TRACES_FILE).is_file(),
                            "run_json_error": problem}
    for key in ("status", "mode", "started_at", "updated_at", "current", "skills", "failed", "tokens", "cost_usd"):
        value = data.get(key)
        if value is None:
            continue
        if key in ("current", "tokens") and not isinstance(value, dict):
            continue
        if key in ("skills", "failed") and not isinstance(value, list):
            continue
        if key in ("skills", "failed"):
            value = [v if isinstance(v, dict) else {"name": str(v)} for v in value]
        if key == "cost_usd":
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
        if key in ("status", "mode", "started_at", "updated_at"):
            value = str(value)
        info[key] = value
    if info.get("status") == "running" and not pid_running(data.get("pid")):
        info["status"] = "interrupted"
    return RunInfo(**info)


def pid_running(pid: Any) -> bool:
    """Whether the process that wrote a run.json may still run it (unknown pid: assume it does)."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    try:  # a zombie (dead, not yet reaped by its parent) does not run anything
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def is_run_dir(path: Path) -> bool:
    return path.is_dir() and ((path / RUN_FILE).is_file() or (path / TRACES_FILE).is_file())


def list_runs(runs_root: Path) -> list[RunInfo]:
    """All runs under `runs_root`, newest first (by started_at, then directory mtime)."""
    root = Path(runs_root)
    if not root.is_dir():
        return []
    runs = [read_run(p) for p in root.iterdir() if is_run_dir(p)]

    def key(r: RunInfo) -> tuple[str, float]:
        try:
            mtime = r.path.stat().st_mtime
        except OSError:
            mtime = 0.0
        return (r.started_at or "", mtime)

    return sorted(runs, key=key, reverse=True)


def find_run(runs_root: Path, run: str) -> RunInfo:
    """A run by id (a unique prefix works) or by the path of its directory."""
    candidate = Path(run).expanduser()
    if ("/" in run or run.startswith(".")) and is_run_dir(candidate):
        return read_run(candidate.resolve())
    root = Path(runs_root)
    if run and "/" not in run and run not in (".", "..") and is_run_dir(root / run):
        return read_run(root / run)
    runs = list_runs(root)
    matches = [r for r in runs if r.run_id.startswith(run)] if run else []
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(r.run_id for r in runs[:20]) or "none"
    if len(matches) > 1:
        raise RunNotFoundError(f"run id prefix {run!r} is ambiguous under {root}: {', '.join(m.run_id for m in matches)}")
    raise RunNotFoundError(f"no run {run!r} under {root} (runs: {names}); pass a run id from `roboskill traces list` "
                           "or the path of a run directory")
