"""What the dashboard shows, read from a run directory (no HTML here).

Layout (docs/contracts.md): `runs/<run_id>/tasks/<task_slug>/{goal.json, iter_<k>/scene.json,
iter_<k>/cand_<j>/{plan.json, reward_<subtask>.py, metrics.json (EvalReport), curves.png, rollout.mp4,
keyframes/*.png, rollout_success.mp4 + rollout_success.json + keyframes_success/*.png, the same for
failure}}`. Files may be missing (a failed job, a run still training, a run from before goals), so every
field is optional and malformed JSON is reported as a problem instead of an error page.

Artefacts are found by listing the run directory, never by following paths written inside a JSON file,
and every file read or linked must resolve inside the run directory (`safe_join`): a symlink planted in a
candidate directory is neither read nor linked.
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
#: The labelled evaluation videos of a candidate (roboskill.tools.train._save_videos), in display order.
VIDEO_LABELS = ("success", "failure")


class LabelledVideo(BaseModel):
    """One replayed evaluation episode: `rollout_<label>.mp4`, its keyframes and its verdict (`rollout_<label>.json`)."""

    label: str                                   # "success" | "failure"
    video: str | None = None                     # run-relative paths
    keyframes: list[str] = Field(default_factory=list)
    outcome: dict[str, Any] | None = None        # EpisodeOutcome of the filmed episode

    @property
    def seed(self) -> Any:
        return (self.outcome or {}).get("seed")


class GoalInfo(BaseModel):
    """The task's fixed goal (goal.json or a skill record's `goal`), with its conditions in words."""

    summary: str = ""
    action: str = ""
    conditions: list[str] = Field(default_factory=list)   # plain words, units included
    objects: list[str] = Field(default_factory=list)      # "red_block (box: the red block)"
    at_rest: bool | None = None
    problem: str | None = None                           # set when the JSON is not a valid Goal (shown raw)


def goal_info(raw: Any) -> GoalInfo | None:
    """Words for a goal given as a `roboskill.sim.goals.Goal`, its dict, or None (older runs and records)."""
    if raw is None:
        return None
    if hasattr(raw, "model_dump") and hasattr(raw, "conditions"):
        raw = raw.model_dump(mode="json")
    if not isinstance(raw, dict):
        return GoalInfo(problem=f"unreadable goal of type {type(raw).__name__}")
    try:
        from roboskill.sim.goals import Goal, describe_condition

        goal = Goal.model_validate(raw)
    except Exception as exc:  # noqa: BLE001 - an older or hand-edited goal is shown raw, never an error page
        conds = raw.get("conditions") if isinstance(raw.get("conditions"), list) else []
        return GoalInfo(summary=str(raw.get("summary") or ""), action=str(raw.get("action") or ""),
                        conditions=[", ".join(f"{k}={v}" for k, v in c.items()) if isinstance(c, dict) else str(c)
                                    for c in conds],
                        at_rest=raw.get("at_rest") if isinstance(raw.get("at_rest"), bool) else None,
                        problem=f"goal does not validate: {str(exc).splitlines()[0][:200]}")
    return GoalInfo(summary=goal.summary, action=goal.action, at_rest=goal.at_rest,
                    conditions=[describe_condition(c) for c in goal.conditions],
                    objects=[f"{o.name} ({o.category}{': ' + o.description if o.description else ''})" for o in goal.objects])


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
    labelled: list[LabelledVideo] = Field(default_factory=list)   # success / failure episodes, when recorded
    problems: list[str] = Field(default_factory=list)

    @property
    def label(self) -> str:
        return f"iteration {self.iteration} · candidate {self.index}"

    @property
    def success_rate(self) -> float | None:
        value = (self.metrics or {}).get("success_rate")
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    @property
    def success_ci95(self) -> tuple[float, float] | None:
        """The 95 % interval of the success rate (None for older reports)."""
        ci = (self.metrics or {}).get("success_ci95")
        if isinstance(ci, (list, tuple)) and len(ci) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in ci):
            return float(ci[0]), float(ci[1])
        return None

    @property
    def judged_by(self) -> str | None:
        value = (self.metrics or {}).get("judged_by")
        return str(value) if value else None


class TaskInfo(BaseModel):
    task_id: str
    candidates: list[Candidate] = Field(default_factory=list)
    goal: GoalInfo | None = None
    problems: list[str] = Field(default_factory=list)

    @property
    def iterations(self) -> list[int]:
        return sorted({c.iteration for c in self.candidates})

    def best(self) -> Candidate | None:
        scored = [c for c in self.candidates if c.success_rate is not None]
        return max(scored, key=lambda c: (c.success_rate, c.iteration)) if scored else None


def _inside(run_dir: Path, path: Path) -> bool:
    """True when `path` (symlinks resolved) lies inside the run directory."""
    try:
        return path.resolve().is_relative_to(run_dir.resolve())
    except OSError:
        return False


def _read_json(path: Path, problems: list[str], run_dir: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    if not _inside(run_dir, path):
        problems.append(f"{path.relative_to(run_dir)}: refused (it points outside the run directory)")
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
    problems: list[str] = []
    raw_goal = _read_json(task_dir / "goal.json", problems, run_dir)
    return TaskInfo(task_id=task_id, candidates=cands, goal=goal_info(raw_goal), problems=problems)


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

    def frames(folder: str) -> list[str]:
        d = cand_dir / folder
        if not d.is_dir() or not _inside(run_dir, d):
            return []
        return sorted(f"{rel_run}/{folder}/{p.name}" for p in d.glob("*.png") if _inside(run_dir, p))

    labelled: list[LabelledVideo] = []
    for name in VIDEO_LABELS:
        video = cand_dir / f"rollout_{name}.mp4"
        video_rel = f"{rel_run}/{video.name}" if video.is_file() and _inside(run_dir, video) else None
        outcome = _read_json(cand_dir / f"rollout_{name}.json", problems, run_dir)
        kf = frames(f"keyframes_{name}")
        if video_rel or outcome or kf:
            labelled.append(LabelledVideo(label=name, video=video_rel, keyframes=kf, outcome=outcome))
    return Candidate(iteration=iteration, index=index, rel=f"iter_{iteration}/cand_{index}", files_rel=rel_run,
                     rewards=rewards, success_code=success, metrics=metrics, plan=plan, curves=rel_if("curves.png"),
                     video=rel_if("rollout.mp4"), keyframes=frames("keyframes"), labelled=labelled, problems=problems)


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _strings(value: Any, limit: int = 20) -> list[str]:
    return [str(v) for v in value[:limit]] if isinstance(value, list) else []


def episode_rows(metrics: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The goal's verdict per evaluation episode as table rows (tolerant of missing or malformed fields).

    Each row: {seed, success, n_conditions, failed: [{condition, value, needed}], moving, messages, error}.
    """
    rows: list[dict[str, Any]] = []
    for ep in (metrics or {}).get("episodes") or []:
        if not isinstance(ep, dict):
            continue
        conds = [c for c in ep.get("conditions") or [] if isinstance(c, dict)]
        rows.append({
            "seed": ep.get("seed"), "success": ep.get("success") is True, "n_conditions": len(conds),
            "failed": [{"condition": str(c.get("condition") or "?"), "value": _num(c.get("value")),
                        "needed": str(c.get("needed") or "")} for c in conds if c.get("ok") is not True],
            "moving": _strings(ep.get("moving")), "messages": _strings(ep.get("messages"), 5),
            "error": str(ep["error"]) if ep.get("error") else None,
        })
    return rows


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
