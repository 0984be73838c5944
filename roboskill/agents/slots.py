"""Task slots in parallel: `roboskill run --parallel-tasks K` runs K tasks at once, sharing one library.

Why threads for the slots and processes for the work: a slot is a checkpointed graph that mostly waits —
on a model, or on training jobs that the executor already runs in worker processes (local, or Ray on a
cluster). So K slots are K threads in the agent process, each its own run (`<run_id>-s<k>`: checkpoints,
traces, run.json, resumable on its own), and the compute they start scales with `--workers`/Ray.
One process also means one library: one SQLite connection and one Chroma client behind the library's lock,
never two processes rewriting the same vector index.

Why claims: two slots must not learn the same task at once. Each slot's novelty check also compares the
proposal with the tasks the other slots are working on right now (the same task-frame similarity as the
library's own check), so the proposer of a slot that collides is told to propose something else.

Stopping: Ctrl-C / SIGTERM in the agent process kills every worker at once, marks every slot
`interrupted` and returns; the slot threads die with the process. Each slot's checkpoint holds the state
after its last finished node (as after kill -9), so `--resume RUN_ID` continues every slot.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from roboskill.agents.runner import Outcome, Run, RunError, _atomic_write, default_deps, new_run_id, open_run, \
    run_dir_for, stop_signals
from roboskill.config import Settings

SLOTS_FILE = "slots.json"
IN_FLIGHT_NOTE = "in progress in slot"


@dataclass
class InFlight:
    """What each slot is working on now; a proposal too close to another slot's task is not novel."""

    threshold: float
    tasks: dict[int, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def conflict(self, slot: int, description: str) -> tuple[int, str, float] | None:
        """(other slot, its task, similarity) when `description` is another slot's current task, else None;
        otherwise records it as this slot's task."""
        from roboskill.memory.embed import embed_query
        from roboskill.memory.novelty import task_similarity

        with self.lock:
            mine = embed_query(description)
            for other, text in self.tasks.items():
                if other == slot:
                    continue
                cosine = float(mine @ embed_query(text))
                score, _ = task_similarity(description, text, cosine)
                if score >= self.threshold:
                    return other, text, score
            self.tasks[slot] = description
            return None


class SlotLibrary:
    """The shared library as one slot sees it: the same records, plus the other slots' current tasks in the
    novelty check; closing it is the parent's job (every slot's Run closes its deps)."""

    def __init__(self, base: Any, in_flight: InFlight, slot: int) -> None:
        self._base = base
        self._in_flight = in_flight
        self._slot = slot

    def is_novel(self, description: str, *args: Any, **kwargs: Any) -> Any:
        verdict = self._base.is_novel(description, *args, **kwargs)
        if not verdict.novel:
            return verdict
        hit = self._in_flight.conflict(self._slot, description)
        if hit is None:
            return verdict
        other, text, score = hit
        return verdict.model_copy(update={
            "novel": False, "nearest": [(f"{IN_FLIGHT_NOTE} {other}: {text}", round(score, 4)), *verdict.nearest],
            "details": [{"name": f"{IN_FLIGHT_NOTE} {other}", "similarity": round(score, 4), "conflicts": []},
                        *verdict.details]})

    def close(self) -> None:
        """The shared library stays open for the other slots."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._base, name)


def slot_shares(max_tasks: int, k: int) -> list[int]:
    """Tasks per slot: `max_tasks` split as evenly as possible over `k` slots (no slot gets 0)."""
    k = max(1, min(k, max_tasks))
    return [max_tasks // k + (1 if i < max_tasks % k else 0) for i in range(k)]


def slot_settings(settings: Settings, slot: int, tasks: int) -> Settings:
    """A slot's settings: its share of the tasks, and its own model seed so slots do not propose in lockstep."""
    llm = settings.llm.model_copy(update={"seed": settings.llm.seed + 7919 * slot})
    budgets = settings.budgets.model_copy(update={"max_tasks": tasks})
    return settings.model_copy(update={"llm": llm, "budgets": budgets})


@dataclass
class ParallelOutcome:
    """Where a parallel run stands: one Outcome per slot (in slot order)."""

    run_id: str
    status: str                                   # finished | interrupted | failed
    slots: list[tuple[str, Outcome | None]]
    errors: dict[str, str] = field(default_factory=dict)
    signum: int | None = None

    @property
    def learned(self) -> list[Any]:
        return [x for _, o in self.slots if o is not None for x in (o.values.get("learned") or [])]

    @property
    def failed(self) -> list[Any]:
        return [x for _, o in self.slots if o is not None for x in (o.values.get("failed") or [])]


def run_parallel(settings: Settings, k: int, *, run_id: str | None = None, resume: bool = False,
                 on_update: Callable[[str, str, dict[str, Any]], None] | None = None,
                 deps_factory: Callable[..., Any] | None = None) -> ParallelOutcome:
    """Run (or resume) `k` task slots of one run at once; see the module docstring.

    `on_update(slot_run_id, node, update)` is called from the slot threads after every node.
    `deps_factory` (tests): like `open_run`'s, wrapped so every slot shares one library.
    """
    from roboskill.memory import SkillLibrary

    from roboskill.memory.embed import embed_query

    run_id, slot_ids, shares = _layout(settings, k, run_id, resume)
    embed_query("load the embedding model once")  # lazy imports of the model's library are not thread-safe
    base_library = SkillLibrary(settings.library_dir, novelty_threshold=settings.novelty_threshold)
    in_flight = InFlight(threshold=base_library.novelty_threshold)
    runs: list[Run] = []
    try:
        for slot, (sid, tasks) in enumerate(zip(slot_ids, shares)):
            def factory(s: Settings, run_dir: Path, rid: str, tracer: Any, callbacks: list[Any], _slot: int = slot) -> Any:
                deps = (deps_factory or default_deps)(s, run_dir, rid, tracer, callbacks)
                own = deps.library
                deps.library = SlotLibrary(base_library, in_flight, _slot)
                if own is not base_library and hasattr(own, "close"):
                    own.close()
                return deps

            hook = (lambda node, update, _sid=sid: on_update(_sid, node, update)) if on_update else None
            runs.append(open_run(slot_settings(settings, slot, tasks), mode="run", run_id=sid, resume=resume,
                                 deps_factory=factory, on_update=hook))
        return _drive(run_id, runs)
    finally:
        for run in runs:
            run.close()
        base_library.close()


def _layout(settings: Settings, k: int, run_id: str | None, resume: bool) -> tuple[str, list[str], list[int]]:
    """The parent run directory and its slots.json: new (k slots, the task budget split) or read back."""
    if resume:
        if not run_id:
            raise RunError("--resume needs a RUN_ID")
        path = run_dir_for(settings, run_id) / SLOTS_FILE
        if not path.exists():
            raise RunError(f"{path.parent}: not a parallel run (no {SLOTS_FILE}); resume it without --parallel-tasks")
        data = json.loads(path.read_text())
        return run_id, list(data["slots"]), list(data["tasks"])
    run_id = run_id or new_run_id()
    parent = run_dir_for(settings, run_id)
    if (parent / SLOTS_FILE).exists():
        raise RunError(f"{parent}: run {run_id} already exists; continue it with --resume {run_id}")
    shares = slot_shares(settings.budgets.max_tasks, k)
    slot_ids = [f"{run_id}-s{i}" for i in range(len(shares))]
    parent.mkdir(parents=True, exist_ok=True)
    import yaml

    _atomic_write(parent / "config.yaml", yaml.safe_dump(settings.model_dump(mode="json"), sort_keys=False))
    _atomic_write(parent / SLOTS_FILE, json.dumps({"run_id": run_id, "parallel_tasks": len(shares), "slots": slot_ids,
                                                   "tasks": shares}, indent=2))
    return run_id, slot_ids, shares


def _drive(run_id: str, runs: list[Run]) -> ParallelOutcome:
    results: dict[str, Outcome] = {}
    errors: dict[str, str] = {}

    def work(run: Run) -> None:
        try:
            results[run.run_id] = run.resume() if run.started() else run.start()
        except BaseException as exc:  # noqa: BLE001 - one slot's failure is reported, the others go on
            errors[run.run_id] = f"{type(exc).__name__}: {exc}"[:800]

    threads = [threading.Thread(target=work, args=(r,), name=f"slot-{r.run_id}", daemon=True) for r in runs]
    signum = None
    with stop_signals():
        try:
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads):
                time.sleep(0.2)
        except KeyboardInterrupt as exc:  # the handler already killed every worker
            signum = getattr(exc, "signum", 2)
    if signum is not None:
        for run in runs:
            run.frozen = False
            run.write_status("interrupted")
            run.frozen = True  # a slot thread still finishing its node must not overwrite it
        status = "interrupted"
    else:
        status = "failed" if errors else "finished"
    return ParallelOutcome(run_id, status, [(r.run_id, results.get(r.run_id)) for r in runs], errors, signum)


__all__ = ["InFlight", "ParallelOutcome", "SLOTS_FILE", "SlotLibrary", "run_parallel", "slot_settings", "slot_shares"]
