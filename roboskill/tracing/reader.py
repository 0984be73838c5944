"""Reading a run's trace store: flat spans, the parent/child tree, and the task-grouped view.

The agents record spans with real parents (run → node → llm/tool/decision) and tag nodes with
`task_id` / `iteration` attributes instead of opening task and iteration spans, so the view people want
(run → task → iteration → node → calls) is built here by grouping, not stored. Readers open the database
read-only, so the dashboard can never damage a run that is still writing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roboskill.tracing.redact import redact
from roboskill.tracing.tracer import connect

CONTAINER_KINDS = ("run", "task", "iteration")
NO_TASK = "(no task)"


class TraceStoreError(RuntimeError):
    """The trace store is missing or unreadable; the message names the file."""


@dataclass
class SpanNode:
    """One span with its children (and, for grouped views, virtual task/iteration nodes)."""

    span_id: str
    run_id: str
    parent_id: str | None
    kind: str
    name: str
    start_ts: float
    end_ts: float | None
    duration_s: float | None
    status: str
    error: str | None
    attributes: dict[str, Any]
    children: list["SpanNode"] = field(default_factory=list)
    virtual: bool = False

    def to_dict(self, *, children: bool = True) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in ("span_id", "run_id", "parent_id", "kind", "name", "start_ts", "end_ts",
                                             "duration_s", "status", "error", "attributes")}
        if self.virtual:
            out["virtual"] = True
        if children:
            out["children"] = [c.to_dict() for c in self.children]
        return out

    def walk(self) -> Iterator["SpanNode"]:
        yield self
        for child in self.children:
            yield from child.walk()

    def totals(self) -> dict[str, Any]:
        """Tokens, cost and LLM calls of this subtree."""
        t = {"llm_calls": 0, "input_tokens": 0, "output_tokens": 0, "total_tokens": 0, "cost_usd": 0.0, "errors": 0}
        for node in self.walk():
            if node.status == "error" and not node.virtual:
                t["errors"] += 1
            if node.kind == "llm":
                t["llm_calls"] += 1
                for key in ("input_tokens", "output_tokens", "total_tokens"):
                    t[key] += int(node.attributes.get(key) or 0)
                t["cost_usd"] += float(node.attributes.get("cost_usd") or 0.0)
        t["cost_usd"] = round(t["cost_usd"], 6)
        return t


def _row_to_node(row: sqlite3.Row) -> SpanNode:
    try:
        attrs = json.loads(row["attributes"] or "{}")
    except json.JSONDecodeError:
        attrs = {"unparsed": row["attributes"]}
    if not isinstance(attrs, dict):
        attrs = {"value": attrs}
    return SpanNode(
        span_id=row["span_id"], run_id=row["run_id"], parent_id=row["parent_id"], kind=row["kind"], name=row["name"],
        start_ts=row["start_ts"], end_ts=row["end_ts"], duration_s=row["duration_s"], status=row["status"],
        error=row["error"], attributes=redact(attrs),
    )


class TraceReader:
    """Read-only access to one `traces.sqlite`."""

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = Path(db_path)
        if not self.db_path.is_file():
            raise TraceStoreError(f"no trace store at {self.db_path} (a run writes traces.sqlite in its run directory)")

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        try:
            conn = connect(self.db_path, readonly=True)
        except sqlite3.Error as exc:
            raise TraceStoreError(f"cannot open trace store {self.db_path}: {exc}") from None
        try:
            conn.row_factory = sqlite3.Row
            return conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise TraceStoreError(f"cannot read trace store {self.db_path}: {exc}") from None
        finally:
            conn.close()

    def run_ids(self) -> list[str]:
        return [r[0] for r in self._query("SELECT run_id, MIN(start_ts) AS s FROM spans GROUP BY run_id ORDER BY s")]

    def spans(self, run_id: str | None = None) -> list[SpanNode]:
        """All spans (of one run, when given) in start order, without children."""
        if run_id is None:
            rows = self._query("SELECT * FROM spans ORDER BY start_ts, rowid")
        else:
            rows = self._query("SELECT * FROM spans WHERE run_id=? ORDER BY start_ts, rowid", (run_id,))
        return [_row_to_node(r) for r in rows]

    def span(self, span_id: str) -> SpanNode | None:
        """One span with its whole subtree, or None."""
        for root in self.tree():
            for node in root.walk():
                if node.span_id == span_id:
                    return node
        return None

    def tree(self, run_id: str | None = None) -> list[SpanNode]:
        """Spans linked to their parents; roots are spans whose parent is absent."""
        nodes = self.spans(run_id)
        by_id = {n.span_id: n for n in nodes}
        roots: list[SpanNode] = []
        for node in nodes:
            parent = by_id.get(node.parent_id) if node.parent_id else None
            (parent.children if parent is not None else roots).append(node)
        return roots

    def grouped(self, run_id: str | None = None, task: str | None = None) -> SpanNode:
        """The person's view: run → task → iteration → node → calls (virtual run/task/iteration nodes).

        Nodes carry `task_id` (or set it in their `output`, like the proposer); nodes before the first
        tagged one of a task (start_task, propose) belong to the task that follows. `task` filters by
        task id, or by a substring of it (e.g. the slug).
        """
        roots = self.tree(run_id)
        items: list[SpanNode] = []
        for root in roots:
            items.extend(_unwrap_containers(root))
        items.sort(key=lambda n: n.start_ts)
        rid = run_id or (roots[0].run_id if roots else "")
        run_node = _virtual("run", rid, rid)
        tasks: dict[str, SpanNode] = {}
        pending: list[SpanNode] = []

        def task_node(tid: str) -> SpanNode:
            if tid not in tasks:
                tasks[tid] = _virtual("task", tid, rid)
                run_node.children.append(tasks[tid])
            return tasks[tid]

        def place(tid: str, node: SpanNode) -> None:
            tnode = task_node(tid)
            it = _iteration_of(node)
            label = "setup" if it is None else f"iteration {it}"
            for child in tnode.children:
                if child.name == label:
                    child.children.append(node)
                    break
            else:
                tnode.children.append(_virtual("iteration", label, rid, [node], iteration=it))

        for item in items:
            tid = _task_of(item)
            if tid is None:
                pending.append(item)
                continue
            for waiting in pending:
                place(tid, waiting)
            pending = []
            place(tid, item)
        for waiting in pending:
            place(NO_TASK, waiting)
        if task:
            run_node.children = [t for t in run_node.children if t.name == task or task in t.name]
        for vnode in run_node.walk():
            if vnode.virtual:
                _fill_times(vnode)
        return run_node


def _virtual(kind: str, name: str, run_id: str, children: list[SpanNode] | None = None, **attrs: Any) -> SpanNode:
    return SpanNode(span_id=f"{kind}:{name}", run_id=run_id, parent_id=None, kind=kind, name=name, start_ts=0.0,
                    end_ts=None, duration_s=None, status="ok", error=None, attributes=attrs,
                    children=list(children or []), virtual=True)


def _fill_times(node: SpanNode) -> None:
    leaves = [c for c in node.children if not c.virtual] or [c for c in node.walk() if not c.virtual]
    starts = [c.start_ts for c in leaves]
    ends = [c.end_ts for c in leaves if c.end_ts is not None]
    node.start_ts = min(starts) if starts else 0.0
    node.end_ts = max(ends) if ends else None
    node.duration_s = (node.end_ts - node.start_ts) if node.end_ts is not None and starts else None
    if any(c.status == "error" for c in node.walk() if c is not node and not c.virtual):
        node.status = "error"
    elif any(c.status == "running" for c in node.walk() if c is not node and not c.virtual):
        node.status = "running"


def _unwrap_containers(node: SpanNode) -> list[SpanNode]:
    """Children of run/task/iteration spans, recursively (their grouping is rebuilt from attributes)."""
    if node.kind not in CONTAINER_KINDS or (not node.children and node.kind != "run"):
        return [node]  # a leaf task/iteration span is an event ("task start"), kept as an item
    out: list[SpanNode] = []
    for child in node.children:
        if child.kind in ("task", "iteration") and not child.attributes.get("task_id"):
            inherited = node.attributes.get("task_id") or (node.name if node.kind == "task" else None)
            if child.kind == "task":
                inherited = child.name
            for grandchild in _unwrap_containers(child):
                grandchild.attributes.setdefault("task_id", inherited)
                if child.kind == "iteration":
                    grandchild.attributes.setdefault("iteration", child.attributes.get("iteration", child.name))
                out.append(grandchild)
        else:
            out.extend(_unwrap_containers(child))
    if node.kind != "run" and node.attributes.get("task_id"):
        for item in out:
            item.attributes.setdefault("task_id", node.attributes["task_id"])
    return out


def _task_of(node: SpanNode) -> str | None:
    tid = node.attributes.get("task_id")
    if not tid:
        output = node.attributes.get("output")
        if isinstance(output, dict):
            tid = output.get("task_id")
    return str(tid) if tid else None


def _iteration_of(node: SpanNode) -> int | str | None:
    it = node.attributes.get("iteration")
    return it if isinstance(it, (int, str)) and it != "" else None
