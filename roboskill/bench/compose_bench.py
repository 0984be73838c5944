"""`roboskill bench compose`: do learned skills compose? Long tasks with reuse vs from scratch, and a long loop.

(a) Long-horizon tasks (>= 3 sub-tasks each, >= 3 different tasks; `LONG_TASKS`). Each is learned twice with
    the same budgets (candidates, iterations, training seconds per candidate, evaluation starts), through the
    agents' runner (`open_run(mode="learn")`) with the offline model, like `roboskill learn`:
    - WITH reuse: in one fresh ROBOSKILL_HOME, its parts are learned first (`LongTask.parts`, in the same run of
      the bench; their time is reported apart), then the long task, whose reward writer is offered the verified
      parts (`reusable_skills`) and may call them as `skill` sub-tasks;
    - FROM SCRATCH: in another fresh home with an empty library.
    Both are judged the same way: the task's goal (written by the goal writer before anything is learned) at
    the end of each of the evaluation starts (20 in the full setting), accepted at >= `budgets.accept_success`.
    Figures: wall time of the long task's learn run (from the instruction to accept / give up), its goal
    success (the accepted skill's rate, else the best candidate's), and which library skills it reused.
    Target: >= 5x faster with reuse (total over the tasks) and success no lower on any task.

(b) A loop of N offline tasks (`roboskill run --max-tasks N`; 50 in the full setting) in a fresh home: the
    fraction of accepted tasks that reuse library skills, long-horizon tasks among them, verified (accepted by
    their goal) skills per hour, and the library's growth and the novelty check's acceptance rate over time
    (does the curriculum saturate?).

Budgets are in samples and iterations where a verdict must be reproducible: evaluation starts are a count,
trajectory optimisation's evaluation is budgeted in planner samples by the trainer; only the training budget
per candidate is wall time (the product's `train_budget_s`), the same for both arms.
"""

from __future__ import annotations

import glob
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roboskill.bench.home import roboskill_home
from roboskill.bench.results import BenchResult, Metric, Table, rules_text

TARGET_SPEEDUP = 5.0


@dataclass(frozen=True)
class LongTask:
    """A long-horizon task and the single tasks the library needs to hold for it (learned first)."""

    id: str
    instruction: str
    parts: tuple[str, ...]


LONG_TASKS: tuple[LongTask, ...] = (
    LongTask("drawer_store", "Open the top drawer, put the red block inside, then close the drawer.",
             ("Open the top drawer.", "Put the blue block into the top drawer.", "Close the top drawer.")),
    LongTask("tidy_and_press", "Put the red block on the plate, then push the puck 10 cm to the left, and finally "
                               "press the button.",
             ("Put the blue block on the plate.", "Push the puck 10 cm to the left.", "Press the button.")),
    LongTask("push_place_open", "Push the puck 10 cm to the left, then put the red block on the plate, and finally "
                                "open the top drawer.",
             ("Push the puck 10 cm to the left.", "Put the blue block on the plate.", "Open the top drawer.")),
)


@dataclass
class Params:
    """One setting of the bench: budgets shared by both arms, and the loop's length."""

    tasks: tuple[str, ...]
    eval_episodes: int
    train_budget_s: float
    candidates: int
    iterations: int
    loop_tasks: int
    loop_train_budget_s: float
    loop_eval_episodes: int
    loop_iterations: int


def params_for(mode: Any) -> Params:
    """full: every long task at the product's budgets (20 starts), a 50-task loop; quick: every long task at
    10 starts and a short loop (about an hour on 2 busy cores: learning a chain's push by trajectory optimisation
    from scratch runs candidates to their time limit); smoke is the smallest run that still goes through every
    part (75 s on 2 idle cores, about 3 minutes on busy ones)."""
    from roboskill.config import BudgetSettings

    if mode.smoke:
        return Params(("drawer_store",), 2, 5.0, 1, 1, 2, 5.0, 2, 1)
    if mode.quick:
        return Params(tuple(t.id for t in LONG_TASKS), 10, 30.0, 2, 2, 6, 20.0, 5, 1)
    b = BudgetSettings()
    return Params(tuple(t.id for t in LONG_TASKS), b.eval_episodes, b.train_budget_s, b.candidates_per_iteration,
                  b.max_iterations_per_task, 50, b.train_budget_s, b.eval_episodes, b.max_iterations_per_task)


def rules(params: Params, accept: float) -> str:
    """The rules the figures are measured under (BenchResult.rules)."""
    return rules_text("goal, end of episode", params.eval_episodes,
                      f"accepted at >= {accept:.0%}; loop: {params.loop_eval_episodes} starts")


# ------------------------------------------------------------------------------------------ running
def _settings(home: Path, seed: int, *, max_tasks: int, train_budget_s: float, eval_episodes: int, candidates: int,
              iterations: int) -> Any:
    from roboskill.config import BudgetSettings, LLMSettings, Settings

    return Settings(home=home, seed=seed, llm=LLMSettings(provider="offline", seed=seed),
                    budgets=BudgetSettings(max_tasks=max_tasks, train_budget_s=train_budget_s,
                                           eval_episodes=eval_episodes, candidates_per_iteration=candidates,
                                           max_iterations_per_task=iterations))


def _best_rate(run_dir: Path) -> float:
    """Best goal success rate of any evaluated candidate of the run (what a task that was not accepted reached)."""
    best = 0.0
    for path in glob.glob(str(run_dir / "tasks" / "*" / "iter_*" / "cand_*" / "metrics.json")):
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("judged_by") == "goal" and not data.get("error"):
            best = max(best, float(data.get("success_rate") or 0.0))
    return best


@dataclass
class LearnOutcome:
    """What one `learn` run produced."""

    instruction: str
    wall_s: float
    accepted: bool
    success_rate: float
    n_episodes: int | None = None
    skill: str | None = None
    reused: list[str] = field(default_factory=list)
    learners: list[str] = field(default_factory=list)
    iterations: int = 0
    reason: str = ""


def learn(instruction: str, settings: Any) -> LearnOutcome:
    """`roboskill learn INSTRUCTION` through the runner API in the settings' home; timed from start to finish."""
    from roboskill.agents.runner import open_run
    from roboskill.memory import SkillLibrary

    with roboskill_home(settings.home):
        t0 = time.perf_counter()
        with open_run(settings, mode="learn") as run:
            outcome = run.start(given_task=instruction)
            wall = time.perf_counter() - t0
            values = outcome.values
            run_dir = run.run_dir
        learned = list(values.get("learned") or [])
        failed = list(values.get("failed") or [])
        iterations = int(values.get("iteration") or 0) + 1
        if not learned:
            reason = str((failed[-1] or {}).get("reason") if failed and isinstance(failed[-1], dict) else "")
            return LearnOutcome(instruction, wall, False, _best_rate(run_dir), iterations=iterations, reason=reason[:300])
        entry = learned[-1] if isinstance(learned[-1], dict) else {"name": str(learned[-1])}
        name = str(entry.get("name"))
        iterations = int(entry.get("iterations") or iterations)
        lib = SkillLibrary(settings.library_dir)
        try:
            record = next((r for r in reversed(lib.list()) if r.name == name), None)
        finally:
            lib.close()
    if record is None:
        return LearnOutcome(instruction, wall, True, _best_rate(run_dir), skill=name, iterations=iterations)
    return LearnOutcome(instruction, wall, True, float(record.success_rate),
                        n_episodes=entry.get("n_episodes"), skill=record.name,
                        reused=record.plan.reused(), learners=[s.learner for s in record.plan.subtasks],
                        iterations=iterations)


def run_long_tasks(params: Params, seed: int, work: Path) -> list[dict[str, Any]]:
    """Part (a): every long task with reuse (parts learned first in the same home) and from scratch."""
    by_id = {t.id: t for t in LONG_TASKS}
    rows = []
    for tid in params.tasks:
        task = by_id[tid]
        budgets = dict(train_budget_s=params.train_budget_s, eval_episodes=params.eval_episodes,
                       candidates=params.candidates, iterations=params.iterations, max_tasks=1)
        reuse_home = work / tid / "with_reuse"
        parts = [learn(p, _settings(reuse_home, seed, **budgets)) for p in task.parts]
        with_reuse = learn(task.instruction, _settings(reuse_home, seed, **budgets))
        scratch = learn(task.instruction, _settings(work / tid / "from_scratch", seed, **budgets))
        rows.append({"task": tid, "instruction": task.instruction, "parts": [vars(p) for p in parts],
                     "with_reuse": vars(with_reuse), "from_scratch": vars(scratch)})
    return rows


def run_compose_loop(params: Params, seed: int, work: Path) -> dict[str, Any]:
    """Part (b): an offline `roboskill run` of N tasks; a timeline of proposals, verdicts and the library."""
    from roboskill.agents.runner import open_run
    from roboskill.memory import SkillLibrary

    settings = _settings(work / "loop", seed, max_tasks=params.loop_tasks, train_budget_s=params.loop_train_budget_s,
                         eval_episodes=params.loop_eval_episodes, candidates=params.candidates,
                         iterations=params.loop_iterations)
    events: list[dict[str, Any]] = []
    t0 = [time.perf_counter()]

    def on_update(node: str, update: dict[str, Any]) -> None:
        now = time.perf_counter() - t0[0]
        if node == "check_novelty":
            events.append({"t": now, "event": "novelty", "novel": not update.get("novelty_feedback")})
        elif node in ("accept", "give_up"):
            events.append({"t": now, "event": node})

    with roboskill_home(settings.home):
        t0[0] = time.perf_counter()
        with open_run(settings, mode="run", on_update=on_update) as run:
            outcome = run.start()
            wall = time.perf_counter() - t0[0]
            values = outcome.values
        lib = SkillLibrary(settings.library_dir)
        try:
            records = sorted(lib.list(), key=lambda r: r.created_at)
        finally:
            lib.close()
    skills = [{"name": r.name, "description": r.description, "reused": r.plan.reused(),
               "subtasks": len(r.plan.subtasks), "long_horizon": _is_long(r.description),
               "success_rate": round(float(r.success_rate), 3)} for r in records]
    return {"wall_s": wall, "events": events, "skills": skills, "failed": list(values.get("failed") or []),
            "stop_reason": values.get("stop_reason"), "status": outcome.status}


def _is_long(description: str) -> bool:
    """A long-horizon task: three or more skill-level steps (the offline model's reading of the sentence)."""
    from roboskill.agents.offline.parser import parse_task

    try:
        return len(parse_task(description).units()) >= 3
    except Exception:  # noqa: BLE001 - a sentence the reader cannot take apart is not counted as long
        return False


# ------------------------------------------------------------------------------------------ figures
def _timeline(loop: dict[str, Any], window: int) -> list[list[Any]]:
    """Per block of `window` proposals: elapsed time, proposals, novelty acceptances, skills accepted so far."""
    rows: list[list[Any]] = []
    novelty = [e for e in loop["events"] if e["event"] == "novelty"]
    accepts = [e for e in loop["events"] if e["event"] == "accept"]
    for start in range(0, len(novelty), window):
        block = novelty[start:start + window]
        end_t = block[-1]["t"]
        n_novel = sum(1 for e in block if e["novel"])
        rows.append([f"{start + 1}-{start + len(block)}", round(end_t, 1), len(block), n_novel,
                     round(n_novel / len(block), 2), sum(1 for e in accepts if e["t"] <= end_t)])
    return rows


def build_result(rows: list[dict[str, Any]], loop: dict[str, Any], params: Params, accept: float) -> BenchResult:
    table = []
    sum_reuse = sum_scratch = 0.0
    success_ok = True
    for r in rows:
        w, s = r["with_reuse"], r["from_scratch"]
        ratio = s["wall_s"] / w["wall_s"] if w["wall_s"] > 0 else None
        sum_reuse += w["wall_s"]
        sum_scratch += s["wall_s"]
        success_ok = success_ok and w["success_rate"] >= s["success_rate"]
        table.append([r["task"], round(w["wall_s"], 1), w["success_rate"], w["accepted"], ", ".join(w["reused"]) or "—",
                      round(s["wall_s"], 1), s["success_rate"], s["accepted"], round(ratio, 2) if ratio else None,
                      round(sum(p["wall_s"] for p in r["parts"]), 1)])
    speedup = sum_scratch / sum_reuse if sum_reuse > 0 else None
    reuse_mean = sum(r["with_reuse"]["success_rate"] for r in rows) / max(len(rows), 1)
    scratch_mean = sum(r["from_scratch"]["success_rate"] for r in rows) / max(len(rows), 1)
    skills = loop["skills"]
    n = len(skills)
    reusing = sum(1 for s in skills if s["reused"])
    long_built = sum(1 for s in skills if s["reused"] and s["long_horizon"])
    hours = loop["wall_s"] / 3600.0
    novelty = [e for e in loop["events"] if e["event"] == "novelty"]
    window = max(2, min(10, len(novelty) // 5 or 2))
    timeline = _timeline(loop, window)
    first, last = (timeline[0][4], timeline[-1][4]) if timeline else (None, None)
    metrics = [
        Metric(name="speedup_with_reuse", value=round(speedup, 2) if speedup else None, unit="x",
               target=f">= {TARGET_SPEEDUP:.0f}x", passed=speedup is not None and speedup >= TARGET_SPEEDUP,
               higher_is_better=True, note="total wall time of the long tasks from scratch / with reuse"),
        Metric(name="success_with_reuse", value=round(reuse_mean, 3), higher_is_better=True,
               note=f"mean goal success over {len(rows)} long tasks"),
        Metric(name="success_from_scratch", value=round(scratch_mean, 3), higher_is_better=True),
        Metric(name="success_no_lower_with_reuse", value=success_ok, target="every task", passed=success_ok),
        Metric(name="loop_tasks_reusing_skills", value=round(reusing / n, 3) if n else None,
               note=f"{reusing} of {n} accepted skills call library skills"),
        Metric(name="loop_long_horizon_built_from_skills", value=long_built,
               note=">= 3 skill-level steps and at least one reused library skill"),
        Metric(name="loop_verified_skills_per_hour", value=round(n / hours, 1) if hours > 0 else None,
               unit="skills/h", higher_is_better=True,
               note="accepted = goal success >= the product's bar at the end of every evaluation start"),
        Metric(name="loop_library_size", value=n, note=f"after {params.loop_tasks} task slots"),
        Metric(name="loop_novelty_acceptance_first_window", value=first),
        Metric(name="loop_novelty_acceptance_last_window", value=last,
               note="a falling rate means the curriculum saturates"),
        Metric(name="loop_wall_time", value=round(loop["wall_s"], 1), unit="s"),
    ]
    long_table = Table(
        title="Long-horizon tasks: with reuse (parts learned first) vs from scratch, same budgets, judged by each task's goal",
        columns=["task", "reuse wall (s)", "reuse success", "reuse accepted", "reused skills", "scratch wall (s)",
                 "scratch success", "scratch accepted", "speed-up (x)", "parts learned first (s)"],
        rows=table)
    growth = Table(title=f"The loop over time (blocks of {window} proposals)",
                   columns=["proposals", "elapsed (s)", "proposed", "novel", "novelty acceptance", "skills so far"],
                   rows=timeline)
    loop_table = Table(title="Skills the loop accepted, in order",
                       columns=["#", "skill", "sub-tasks", "reused skills", "long-horizon", "goal success"],
                       rows=[[i + 1, s["name"], s["subtasks"], ", ".join(s["reused"]) or "—", s["long_horizon"],
                              s["success_rate"]] for i, s in enumerate(skills)])
    summary = (f"long tasks {sum_scratch:.0f} s from scratch vs {sum_reuse:.0f} s with reuse "
               f"({speedup:.1f}x), success {scratch_mean:.2f} vs {reuse_mean:.2f}; loop: {n} skills in "
               f"{loop['wall_s']:.0f} s, {reusing} reuse library skills ({long_built} long-horizon)"
               if speedup else "no timing")
    return BenchResult(
        name="compose", rules=rules(params, accept), summary=summary, metrics=metrics,
        tables=[long_table, growth, loop_table],
        details={"long_tasks": rows, "loop": loop, "params": vars(params), "notes": [
            "Both arms of a long task get the same budgets: candidates per iteration, iterations, training seconds "
            "per candidate and evaluation starts; the parts' own learning time is reported apart (the library is "
            "built once and pays off over every later task).",
            "Success: the accepted skill's goal success rate over the evaluation starts (its goal was written before "
            "the scene, never by generated code); for a task not accepted, the best rate any candidate reached.",
            "The loop's verified skills are the ones accepted by their goal at the product's bar.",
        ]},
    )


def run_compose_bench(mode: Any) -> BenchResult:
    """Entry point for `roboskill bench compose` (mode: runner.BenchMode)."""
    from roboskill.config import BudgetSettings

    params = params_for(mode)
    accept = BudgetSettings().accept_success
    with tempfile.TemporaryDirectory(prefix="roboskill_compose_") as tmp:
        work = Path(tmp)
        rows = run_long_tasks(params, mode.seed, work)
        loop = run_compose_loop(params, mode.seed, work)
    return build_result(rows, loop, params, accept)


__all__ = ["LONG_TASKS", "LongTask", "Params", "build_result", "learn", "params_for", "run_compose_bench"]
