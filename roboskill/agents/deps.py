"""Everything the graph nodes need from the outside world, injected in one object.

Why injection: the graph's logic (which branch after which answer) must be testable in seconds with
scripted chat models and a fake trainer, while a real run wires in the PyBullet tools, the Chroma
library and the SQLite tracer. Nodes only see `Deps`; `default_deps` builds the real ones lazily, with
clear errors when a layer is missing.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from roboskill.agents.llm import ChatModels, RetryPolicy

ARTICULATED_KINDS: list[str] = [
    "drawer_cabinet", "door_cabinet", "lid_box", "button", "lever", "sliding_door", "knob",
]


@dataclass
class TrainRequest:
    """One candidate to train: the graph's view of a tools-layer TrainJob."""

    index: int
    scene: dict[str, Any]
    plan: dict[str, Any]
    out_dir: Path
    budget_s: float
    seed: int
    n_eval_episodes: int
    env_id: str | None = None
    stop_below: float | None = None    # the acceptance threshold: evaluation may stop once it is out of reach
    goal: dict[str, Any] | None = None  # the task's fixed Goal (dump): the judge of every evaluation episode


Trainer = Callable[[list[TrainRequest], Callable[[dict[str, Any]], None] | None], list[dict[str, Any]]]
"""(requests, progress callback) -> one EvalReport dump or {"error": ...} per request, same order."""


class LibraryLike(Protocol):
    def is_novel(self, description: str, k: int = 5) -> Any: ...
    def similar_successful(self, description: str, k: int = 3) -> list[Any]: ...
    def add_skill(self, record: Any) -> Any: ...
    def add_failure(self, record: Any) -> Any: ...
    def list(self) -> list[Any]: ...  # noqa: A003
    def list_failures(self) -> list[Any]: ...


class _NullSpan:
    def set(self, key: str, value: Any) -> None:  # noqa: D401 - tracer API
        pass


class NullTracer:
    """Stand-in with the Tracer API, used when tracing is unavailable (and in unit tests)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []
        self.spans: list[tuple[str, str, dict[str, Any]]] = []

    @contextlib.contextmanager
    def span(self, kind: str, name: str, **attrs: Any) -> Iterator[_NullSpan]:
        self.spans.append((kind, name, attrs))
        yield _NullSpan()

    def event(self, kind: str, name: str, **attrs: Any) -> None:
        self.events.append((kind, name, attrs))

    def callbacks(self) -> list[Any]:
        return []


@dataclass
class Deps:
    settings: Any                                   # roboskill.config.Settings
    models: ChatModels
    library: LibraryLike
    trainer: Trainer
    run_dir: Path
    tracer: Any = field(default_factory=NullTracer)
    callbacks: list[Any] = field(default_factory=list)   # LangChain callbacks (tracing) for every LLM call
    validate_scene: Callable[..., list[dict[str, Any]]] = lambda scene, goal=None: []
    check_plan_code: Callable[[dict[str, Any], dict[str, Any]], list[dict[str, Any]]] = lambda plan, scene: []
    scene_picture: Callable[[dict[str, Any], Path], str | None] = lambda scene, path: None
    # the names a validated scene gives generated code (`roboskill.sim.names.SceneNames` dump); None: unknown
    scene_names: Callable[[dict[str, Any]], dict[str, Any] | None] = lambda scene: None
    catalog: Callable[[], list[dict[str, Any]]] = lambda: []
    # `learn --env`: {"describe": ExternalState.describe() (+ max_episode_steps, state_kind), "state_doc": str}
    describe_env: Callable[[str], dict[str, Any]] = lambda env_id: {"describe": {"env_id": env_id}, "state_doc": ""}
    # `learn --env`: like check_plan_code, but the dry run steps the external env
    check_external_code: Callable[[dict[str, Any], str], list[dict[str, Any]]] = lambda plan, env_id: []
    articulated_kinds: list[str] = field(default_factory=lambda: list(ARTICULATED_KINDS))
    deadline: float | None = None                   # time.monotonic() bound of this process's session
    retry_sleep: Callable[[float], None] = time.sleep
    on_progress: Callable[[dict[str, Any]], None] | None = None   # live view hook
    accept_override: float | None = None            # tests: a bar other than settings.budgets.accept_success
    max_novelty_attempts: int = 3
    max_rejections: int = 5

    @property
    def budgets(self) -> Any:
        return self.settings.budgets

    @property
    def accept_min_success(self) -> float:
        """The goal success rate a candidate needs: fixed for the whole run (the loop never lowers it)."""
        if self.accept_override is not None:
            return float(self.accept_override)
        return float(getattr(self.budgets, "accept_success", 0.8))

    def policy(self) -> RetryPolicy:
        return self.models.policy(self.retry_sleep)

    def progress(self, **info: Any) -> None:
        if self.on_progress is not None:
            try:
                self.on_progress(info)
            except Exception:  # noqa: BLE001 - a display bug must never stop a run
                pass
