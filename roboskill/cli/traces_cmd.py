"""`roboskill traces …`: list runs, show a run's trace tree, export spans (JSONL or OTLP).

The tree is the person's view of a run — run → task → iteration → node → calls — with timings, tokens,
and the prompts and outputs of every agent step (truncated unless `--full`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer

app = typer.Typer(no_args_is_help=True)

RunsDirOption = typer.Option(None, "--runs-dir", help="Runs root (default: settings runs_root, $ROBOSKILL_HOME/runs).")


def _runs_root(runs_dir: Optional[Path]) -> Path:
    if runs_dir is not None:
        return runs_dir.expanduser()
    from roboskill.config import ConfigError, load_settings

    try:
        return load_settings().runs_root
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _open_run(run: str, runs_dir: Optional[Path]) -> Any:
    from roboskill.tracing import RunNotFoundError, find_run

    try:
        info = find_run(_runs_root(runs_dir), run)
    except RunNotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if not info.has_traces:
        typer.echo(f"error: run {info.run_id} has no trace store ({info.traces_path} is missing)", err=True)
        raise typer.Exit(1)
    return info


@app.command("list")
def list_cmd(runs_dir: Optional[Path] = RunsDirOption,
             as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List runs under the runs root (newest first)."""
    from rich.console import Console
    from rich.table import Table

    from roboskill.tracing import list_runs

    root = _runs_root(runs_dir)
    runs = list_runs(root)
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in runs], indent=2))
        return
    console = Console()
    if not runs:
        console.print(f"no runs under {root} (start one with `roboskill run`)")
        return
    table = Table(title=f"runs in {root}")
    table.add_column("run", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for col in ("mode", "started", "current", "skills", "failed", "tokens", "cost $", "traces"):
        table.add_column(col, overflow="fold")
    for r in runs:
        cur = r.current or {}
        current = " / ".join(str(cur[k]) for k in ("task", "node") if cur.get(k))
        table.add_row(r.run_id, r.status, r.mode or "", (r.started_at or "")[:19], current, str(len(r.skills)),
                      str(len(r.failed)), str(r.tokens.get("total", 0)), f"{r.cost_usd:.4f}",
                      "yes" if r.has_traces else "no")
    console.print(table)


def _short(value: Any, limit: int | None) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    if limit is not None and len(text) > limit:
        return text[:limit] + f" … [+{len(text) - limit} chars, --full shows all]"
    return text


def _label(node: Any) -> str:
    from rich.markup import escape

    colours = {"run": "bold", "task": "bold cyan", "iteration": "cyan", "node": "green", "llm": "magenta",
               "tool": "yellow", "decision": "blue", "event": "white"}
    colour = colours.get(node.kind, "white")
    if node.virtual and node.kind == "iteration":
        parts = [f"[{colour}]{escape(node.name)}[/]"]
    else:
        parts = [f"[{colour}]{escape(node.kind)}[/] {escape(node.name)}"]
    is_event = node.kind in ("decision", "event") or (node.kind == "task" and not node.virtual)
    if node.duration_s is not None and not (is_event and node.duration_s < 0.01):
        parts.append(f"[dim]{node.duration_s:.2f}s[/]")
    if node.status == "error":
        parts.append("[red]ERROR[/]")
    elif node.status == "running":
        parts.append("[yellow]running[/]")
    totals = node.totals()
    if totals["total_tokens"] and node.kind != "llm":
        calls = totals["llm_calls"]
        parts.append(f"[dim]{calls} LLM call{'s' if calls != 1 else ''}, {totals['total_tokens']} tok[/]")
    a = node.attributes
    if node.kind == "llm":
        parts.append(f"[dim]{a.get('role') or ''} in {a.get('input_tokens', 0)} / out {a.get('output_tokens', 0)} tok"
                     + (f", ${a['cost_usd']:.4f}" if a.get("cost_usd") else "") + "[/]")
    if node.kind == "decision" and a.get("action"):
        parts.append(f"→ {escape(str(a['action']))}")
    return " ".join(parts)


def _details(node: Any, limit: int | None) -> list[str]:
    """Lines shown under a span: prompts/response for llm, output for nodes, other attributes."""
    from rich.markup import escape

    a = dict(node.attributes)
    lines: list[str] = []
    if node.error:
        lines.append(f"[red]error:[/] {escape(_short(node.error, limit))}")
    if node.virtual:
        return lines
    if node.kind == "llm":
        for m in a.pop("messages", []) or []:
            role = m.get("role", "?") if isinstance(m, dict) else "?"
            content = m.get("content", "") if isinstance(m, dict) else m
            lines.append(f"[dim]{escape(str(role))}:[/] {escape(_short(content, limit))}")
        if "response" in a:
            lines.append(f"[dim]response:[/] {escape(_short(a.pop('response'), limit))}")
        return lines
    skip = {"run_id", "task_id", "iteration", "action"}
    for key, value in a.items():
        if key in skip or value is None:
            continue
        lines.append(f"[dim]{escape(key)}:[/] {escape(_short(value, limit))}")
    return lines


def _build_tree(node: Any, tree: Any, limit: int | None, details: bool) -> None:
    for child in node.children:
        branch = tree.add(_label(child))
        if details:
            for line in _details(child, limit):
                branch.add(line)
        _build_tree(child, branch, limit, details)


@app.command("show")
def show_cmd(
    run: str = typer.Argument(..., help="Run id (or unique prefix, or run directory)."),
    task: Optional[str] = typer.Option(None, "--task", "-t", help="Only this task (id or part of it)."),
    as_json: bool = typer.Option(False, "--json", help="Print the grouped tree as JSON."),
    full: bool = typer.Option(False, "--full", help="Show prompts and outputs in full (default: truncated)."),
    width: int = typer.Option(300, "--width", help="Truncate prompts/outputs to this many characters."),
    no_details: bool = typer.Option(False, "--no-details", help="Only span names, timings and tokens."),
    runs_dir: Optional[Path] = RunsDirOption,
) -> None:
    """Show a run's trace: run → task → iteration → node → LLM/tool calls and decisions."""
    from rich.console import Console
    from rich.markup import escape
    from rich.tree import Tree

    from roboskill.tracing import TraceReader, TraceStoreError

    info = _open_run(run, runs_dir)
    try:
        root = TraceReader(info.traces_path).grouped(task=task)
    except TraceStoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if task and not root.children:
        typer.echo(f"error: no task matching {task!r} in run {info.run_id}; tasks: "
                   f"{', '.join(t.name for t in TraceReader(info.traces_path).grouped().children) or 'none'}", err=True)
        raise typer.Exit(1)
    if as_json:
        data = root.to_dict()
        data["name"] = info.run_id
        data["totals"] = root.totals()
        data["status"] = info.status
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    totals = root.totals()
    head = (f"[bold]run {escape(info.run_id)}[/] [dim]{escape(info.status)}"
            + (f", {root.duration_s:.1f}s" if root.duration_s else "")
            + f", {totals['llm_calls']} LLM calls, {totals['total_tokens']} tokens"
            + (f", ${totals['cost_usd']:.4f}" if totals["cost_usd"] else "")
            + (f", {totals['errors']} errors" if totals["errors"] else "") + "[/]")
    tree = Tree(head)
    _build_tree(root, tree, None if full else width, not no_details)
    Console(soft_wrap=False).print(tree)


@app.command("export")
def export_cmd(
    run: str = typer.Argument(..., help="Run id (or unique prefix, or run directory)."),
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl (one span per line) or otlp (send to a collector)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="JSONL file (default: stdout)."),
    endpoint: Optional[str] = typer.Option(None, "--endpoint", help="OTLP/HTTP endpoint, e.g. http://127.0.0.1:4318 "
                                           "(default: $ROBOSKILL_OTLP_ENDPOINT or $OTEL_EXPORTER_OTLP_ENDPOINT)."),
    runs_dir: Optional[Path] = RunsDirOption,
) -> None:
    """Export a run's spans as JSONL, or send them to an OpenTelemetry collector (OTLP/HTTP)."""
    from roboskill.tracing import TraceReader, TraceStoreError

    info = _open_run(run, runs_dir)
    try:
        spans = TraceReader(info.traces_path).spans()
    except TraceStoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if fmt == "jsonl":
        lines = [json.dumps(s.to_dict(children=False), ensure_ascii=False, default=str) for s in spans]
        text = "\n".join(lines) + ("\n" if lines else "")
        if output is None:
            sys.stdout.write(text)
        else:
            output.parent.mkdir(parents=True, exist_ok=True)
            tmp = output.with_name(f".{output.name}.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(output)
            typer.echo(f"wrote {len(lines)} spans to {output}", err=True)
        return
    if fmt == "otlp":
        from roboskill.tracing.otel import OtlpError, export_spans, resolve_endpoint

        url = endpoint or resolve_endpoint()
        if not url:
            typer.echo("error: no OTLP endpoint: pass --endpoint http://HOST:4318 or set ROBOSKILL_OTLP_ENDPOINT", err=True)
            raise typer.Exit(2)
        try:
            n = export_spans(spans, url, run_id=info.run_id)
        except OtlpError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"sent {n} spans of run {info.run_id} to {url}")
        return
    typer.echo(f"error: unknown --format {fmt!r}: use jsonl or otlp", err=True)
    raise typer.Exit(2)
