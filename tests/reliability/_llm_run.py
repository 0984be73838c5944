"""Helpers: a whole graph run with the real `openai` provider against the loopback chat server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from roboskill.agents.deps import Deps
from roboskill.agents.llm import ChatModels
from roboskill.config import load_settings
from tests.agents import fakes as F

ANSWERS = {"proposer": F.proposal(), "scene_designer": F.scene(), "reward_writer": F.candidates(),
           "critic": F.critique("accept"), "goal_writer": F.goal()}
ROLES = tuple(ANSWERS)


def role_of(body: dict[str, Any]) -> str:
    return body["messages"][0]["content"].splitlines()[0].removeprefix("ROLE: ")


def good(body: dict[str, Any]) -> dict[str, Any]:
    return {"content": F.fenced(ANSWERS[role_of(body)])}


class FaultScript:
    """A ChatServer behaviour: the first `times` requests of `role` get `fault`, everything else a good answer."""

    def __init__(self, role: str, fault: dict[str, Any], times: int) -> None:
        self.role, self.fault, self.times, self.hits = role, fault, times, 0

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        if role_of(body) == self.role and self.hits < self.times:
            self.hits += 1
            return dict(self.fault)
        return good(body)


def settings_for(base_url: str, **llm: Any) -> Any:
    return load_settings(llm={"provider": "openai", "base_url": base_url, "model": "m", "timeout_s": llm.pop("timeout_s", 5.0),
                              "max_retries": llm.pop("max_retries", 2), **llm},
                         budgets={"max_tasks": 1, "max_repairs_per_step": 2})


def deps_factory(library: Any, trainer: Any, sleeps: list[float]):
    def make(settings, run_dir, run_id, tracer, callbacks) -> Deps:
        return Deps(settings=settings, models=ChatModels(settings.llm), library=library, trainer=trainer,
                    run_dir=run_dir, tracer=tracer, callbacks=callbacks, retry_sleep=sleeps.append)
    return make


def decisions(run_dir: Path, name: str) -> list[dict[str, Any]]:
    con = sqlite3.connect(run_dir / "traces.sqlite")
    try:
        rows = con.execute("SELECT attributes FROM spans WHERE kind='decision' AND name=?", (name,)).fetchall()
    finally:
        con.close()
    return [json.loads(r[0]) for r in rows]


def llm_spans(run_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    con = sqlite3.connect(run_dir / "traces.sqlite")
    try:
        rows = con.execute("SELECT status, attributes FROM spans WHERE kind='llm'").fetchall()
    finally:
        con.close()
    return [(s, json.loads(a)) for s, a in rows]
