"""What the dashboard shows, read from a run directory (no HTML here).

Layout (docs/contracts.md): `runs/<run_id>/tasks/<task_slug>/iter_<k>/cand_<j>/{plan.json,
reward_<subtask>.py, metrics.json (EvalReport), curves.png, rollout.mp4, keyframes/*.png}`. Files may be
missing (a failed job, a run still training), so every field is optional and malformed JSON is reported
as a problem instead of an error page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from roboskill.tracing.redact import redact, redact_text
from roboskill.ui.safety import check_name, safe_join

_ITER_RE = re.compile(r"^iter_(\d+)$")
_CAND_RE = re.compile(r"^cand_(\d+)$")


class Candidate(BaseModel):
    """One trained reward candidate: `iter_<k>/cand_<j>`."""

    iteration: int
    index: int
    rel: str                                     # "iter_0/cand_1" (relative to the task dir)
    files_rel: str                               # relative to the run dir, for /files/ URLs
    rewards: dict[str, str] = Field(default_factory=dict)   # subtask -> reward source
    success_code: dict[str, str] = Field(default_factory=dict)
    metrics: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None
    curves: str | None = None                    # run-relative file paths
    video: str | None = None
    keyframes: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)

    @property
    def label(self) -> str:
        return f"iteration {self.iteration} · candidate {self.index}"

    @property
    def success_rate(self) -> float | None:
        value = (self.metrics or {}).get("success_rate")
        return float(value) if isinstance(value, (int, float)) else None


class TaskInfo(BaseModel):
    task_id: str
    candidates: list[Candidate] = Field(default_factory=list)

    @property
    def iterations(self) -> list[int]:
        return sorted({c.iteration for c in self.candidates})

    def best(self) -> Candidate | None:
        scored = [c for c in self.candidates if c.success_rate is not None]
        return max(scored, key=lambda c: (c.success_rate, c.iteration)) if scored else None


def _read_json(path: Path, problems: list[str], run_dir: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        problems.append(f"{path.relative_to(run_dir)}: {exc}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path.relative_to(run_dir)}: expected a JSON object")
        return None
    return redact(data)


def list_tasks(run_dir: Path) -> list[str]:
    tasks_dir = run_dir / "tasks"
    if not tasks_dir.is_dir():
        return []
    return sorted(p.name for p in tasks_dir.iterdir() if p.is_dir() and not p.is_symlink())


def read_task(run_dir: Path, task_id: str) -> TaskInfo:
    """All candidates of a task, ordered by iteration then index."""
    check_name(task_id, "task id")
    task_dir = safe_join(run_dir, f"tasks/{task_id}")
    if not task_dir.is_dir():
        raise FileNotFoundError(f"no task {task_id!r} in run {run_dir.name} (tasks: {', '.join(list_tasks(run_dir)) or 'none'})")
    cands: list[Candidate] = []
    for it_dir in sorted(task_dir.iterdir()):
        m = _ITER_RE.match(it_dir.name)
        if not m or not it_dir.is_dir():
            continue
        for cand_dir in sorted(it_dir.iterdir()):
            c = _CAND_RE.match(cand_dir.name)
            if c and cand_dir.is_dir():
                cands.append(_read_candidate(run_dir, cand_dir, int(m.group(1)), int(c.group(1))))
    cands.sort(key=lambda c: (c.iteration, c.index))
    return TaskInfo(task_id=task_id, candidates=cands)


def _read_candidate(run_dir: Path, cand_dir: Path, iteration: int, index: int) -> Candidate:
    rel_run = cand_dir.relative_to(run_dir).as_posix()
    problems: list[str] = []
    plan = _read_json(cand_dir / "plan.json", problems, run_dir)
    metrics = _read_json(cand_dir / "metrics.json", problems, run_dir)
    rewards: dict[str, str] = {}
    for f in sorted(cand_dir.glob("reward_*.py")):
        try:
            rewards[f.stem[len("reward_"):]] = redact_text(f.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{f.name}: {exc}")
    success: dict[str, str] = {}
    for sub in (plan or {}).get("subtasks") or []:
        if isinstance(sub, dict) and sub.get("name"):
            if sub.get("reward_code") and sub["name"] not in rewards:
                rewards[str(sub["name"])] = redact_text(str(sub["reward_code"]))
            if sub.get("success_code"):
                success[str(sub["name"])] = redact_text(str(sub["success_code"]))

    def rel_if(name: str) -> str | None:
        return f"{rel_run}/{name}" if (cand_dir / name).is_file() else None

    keyframes = sorted(f"{rel_run}/keyframes/{p.name}" for p in (cand_dir / "keyframes").glob("*.png")) \
        if (cand_dir / "keyframes").is_dir() else []
    return Candidate(iteration=iteration, index=index, rel=f"iter_{iteration}/cand_{index}", files_rel=rel_run,
                     rewards=rewards, success_code=success, metrics=metrics, plan=plan, curves=rel_if("curves.png"),
                     video=rel_if("rollout.mp4"), keyframes=keyframes, problems=problems)


def reflection_rows(metrics: dict[str, Any] | None) -> list[dict[str, Any]]:
    """EvalReport reflection as table rows: {subtask, step, success_rate, mean_return, <component>: (mean,min,max)}."""
    rows: list[dict[str, Any]] = []
    for sub in (metrics or {}).get("subtasks") or []:
        if not isinstance(sub, dict):
            continue
        for point in sub.get("reflection") or []:
            if not isinstance(point, dict):
                continue
            row: dict[str, Any] = {"subtask": sub.get("name", "?"), "step": point.get("step"),
                                   "success_rate": point.get("success_rate"), "mean_return": point.get("mean_return"),
                                   "components": {}}
            for comp, stats in (point.get("components") or {}).items():
                if isinstance(stats, dict):
                    row["components"][comp] = (stats.get("mean"), stats.get("min"), stats.get("max"))
            rows.append(row)
    return rows


def reward_versions(task: TaskInfo) -> list[tuple[str, Candidate]]:
    """(label, candidate) for every candidate that has reward code, in order."""
    return [(c.label, c) for c in task.candidates if c.rewards]
