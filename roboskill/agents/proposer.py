"""Proposer: the next task to learn, from the library, failures, directives and the catalog."""

from __future__ import annotations

from typing import Any

from roboskill.agents._call import call_role
from roboskill.agents.deps import Deps
from roboskill.agents.llm import StructuredResult
from roboskill.agents.schemas import TaskProposal

#: Skills the proposer sees: the library's nearest to the directives and recent tasks, plus the newest.
MAX_NEAREST = 12
MAX_RECENT = 4
#: Failed tasks it sees: the nearest to the same query, plus the newest.
MAX_FAILURES = 5
MAX_RECENT_FAILURES = 2


def _describes_a_task(failure: Any) -> bool:
    """A failure with a real task: older runs stored a failed proposer step as "unnamed_task" with its name for
    a description, which only told later proposals that something nameless had failed."""
    name = str(getattr(failure, "name", ""))
    return name != "unnamed_task" and str(getattr(failure, "description", "")).strip() not in ("", name)


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _catalog_names(catalog: Any) -> Any:
    """What there is, not how big (the scene designer gets the sizes): the names, grouped by kind.

    Names only (a mug, a hammer, a microwave say what they are): with ~100 composite and articulated presets,
    name + kind + tags per entry would take the proposer's whole token budget."""
    if not isinstance(catalog, list):
        return catalog
    groups: dict[str, list[Any]] = {}
    for e in catalog:
        if isinstance(e, dict):
            groups.setdefault(str(e.get("kind") or "rigid"), []).append(e.get("name"))
        else:
            groups.setdefault("rigid", []).append(e)
    return [{"kind": kind, "names": names} for kind, names in groups.items()]


def _query(state: dict[str, Any], recent: list[Any]) -> str:
    """What the next task should be near: the person's directives, this run's rejected proposals and
    feedback, and the newest tasks of the library (the frontier of the curriculum)."""
    parts = [str(d.get("text") or d.get("subject") or "") for d in state.get("directives") or [] if isinstance(d, dict)]
    parts += [str(r.get("description") or r.get("name") or "") for r in (state.get("rejected") or [])[-3:]
              if isinstance(r, dict)]
    parts.append(str(state.get("novelty_feedback") or ""))
    parts += [str(getattr(r, "description", "") or "") for r in recent]
    return " ".join(p for p in parts if p.strip())


def _retrieve(all_records: list[Any], search: Any, query: str, k: int, n_recent: int) -> list[Any]:
    """The k records nearest to `query` (via `search(query, k)`, best first), then the n newest not yet
    included; without a search (or a query) simply the newest k + n."""
    recent = all_records[-n_recent:] if n_recent else []
    nearest: list[Any] = []
    if callable(search) and query and len(all_records) > k + n_recent:
        try:
            nearest = [getattr(m, "record", m) for m in search(query, k)]
        except Exception:  # noqa: BLE001 - retrieval is a hint; fall back to the newest
            nearest = []
    if not nearest:
        return all_records[-(k + n_recent):]
    keys = {getattr(r, "key", id(r)) for r in nearest}
    return nearest + [r for r in recent if getattr(r, "key", id(r)) not in keys]


def proposer_context(deps: Deps, state: dict[str, Any]) -> dict[str, Any]:
    """The proposer's context keys (docs/contracts.md, Agents).

    A library of hundreds of skills does not fit a prompt, and listing the newest 60 hides the ones that
    matter: the proposer sees the skills and failures nearest in meaning to the directives and the recent
    tasks (the library's embedding search), plus the newest few, and how many there are in all. The
    novelty check still compares every proposal against the whole library.
    """
    library = deps.library
    skills = library.list()
    failures = [f for f in library.list_failures() if _describes_a_task(f)]
    query = _query(state, skills[-MAX_RECENT:] + failures[-MAX_RECENT_FAILURES:])
    shown_skills = _retrieve(skills, getattr(library, "search", None), query, MAX_NEAREST, MAX_RECENT)
    shown_failures = [f for f in _retrieve(failures, getattr(library, "nearest_failures", None), query, MAX_FAILURES,
                                           MAX_RECENT_FAILURES) if _describes_a_task(f)]
    return {
        "learned_skills": [{"name": s.name, "description": s.description} for s in shown_skills],
        "failed_tasks": [{"name": f.name, "description": f.description, "reason": _short(f.reason)} for f in shown_failures],
        "library_size": {"skills": len(skills), "failed_tasks": len(failures)},
        "directives": list(state.get("directives") or []),
        "catalog": _catalog_names(deps.catalog()),
        "articulated_kinds": list(deps.articulated_kinds),
        "rejected": list(state.get("rejected") or []),
        "novelty_feedback": state.get("novelty_feedback"),
        "attempt": int(state.get("proposal_attempt") or 0),
    }


def propose(deps: Deps, state: dict[str, Any]) -> StructuredResult[TaskProposal]:
    return call_role(deps, "proposer", proposer_context(deps, state), run_id=state.get("run_id"))


def proposal_from_instruction(text: str) -> TaskProposal:
    """`roboskill learn "TASK"`: the person's instruction stands in for a proposal (no proposer call)."""
    from roboskill.memory import slugify_name

    name = slugify_name(text, max_len=60)
    if not name[0].isalpha():
        name = f"task_{name}"
    sentence = text.strip()
    if sentence and sentence[-1] not in ".!?":
        sentence += "."
    return TaskProposal(name=name, description=sentence[:1].upper() + sentence[1:], rationale="requested by the user")
