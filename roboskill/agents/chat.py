"""`roboskill chat`: a line-oriented conversation with the curriculum (scriptable from stdin).

Why line-oriented: the same loop serves a person at a terminal and a test piping a script in; every
proposal is shown, then the graph waits (LangGraph interrupt, checkpointed) for one line. EOF or
/quit leaves the run paused where it is; `roboskill chat --resume RUN_ID` picks it up again.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from rich.console import Console

from roboskill.agents.runner import Outcome, Run, describe_command, open_run, parse_chat_input, settings_for_run
from roboskill.agents.view import print_summary


def show_pending(console: Console, pending: dict[str, Any]) -> None:
    p = pending.get("proposal") or {}
    console.rule(f"proposal {pending.get('task_id') or ''}")
    console.print(f"[bold]{p.get('name')}[/bold]: {p.get('description')}", highlight=False)
    if p.get("rationale"):
        console.print(f"why: {p['rationale']}", highlight=False)
    if p.get("subtasks"):
        console.print("subtasks: " + "; ".join(p["subtasks"]), highlight=False)
    console.print(f"scene picture: {pending.get('scene_picture') or '(not rendered)'}", highlight=False)
    plan = pending.get("plan") or {}
    for sub in plan.get("subtasks") or []:
        detail = sub.get("primitive") or {}
        console.print(f"  plan: {sub.get('name')} [{sub.get('learner')}] {json.dumps(detail) if detail else ''}", highlight=False)
    if pending.get("n_candidates", 0) > 1:
        console.print(f"  (+{pending['n_candidates'] - 1} more candidate plan(s))")
    if pending.get("chat_reply"):
        console.print(f"[cyan]curator:[/cyan] {pending['chat_reply']}", highlight=False)
    console.print("approve | edit <text> | reject <reason> | free text | /status /skills /directives /quit")


def only_failures(values: dict[str, Any]) -> bool:
    """No skill learned and at least one task failed: the run must not end like a success (exit code 1)."""
    return not values.get("learned") and bool(values.get("failed"))


def _print_outcome(console: Console, run: Run, outcome: Outcome) -> None:
    if outcome.pending:
        show_pending(console, outcome.pending)
    elif outcome.status == "finished":
        learned = outcome.values.get("learned") or []
        if outcome.values.get("failed"):  # the table names each failed task and why (a failing model, say)
            print_summary(console, {**outcome.values, "run_id": run.run_id}, run.run_dir, outcome.status)
        if only_failures(outcome.values):
            console.print(f"run {run.run_id} finished: no skill learned; every task failed (reasons above)", highlight=False)
            return
        console.print(f"run {run.run_id} finished: {len(learned)} skill(s) learned: "
                      + ", ".join(f"{e['name']} ({e.get('success_rate', 0):.0%}, video: {e.get('video') or '-'})" for e in learned),
                      highlight=False)


def chat_loop(overrides: dict[str, Any], *, config: str | None, resume: str | None, run_id: str | None,
              stdin: TextIO, console: Console | None = None) -> int:
    """Drive a chat run from `stdin` lines; returns an exit code."""
    from roboskill.agents.llm import LLMConfigError
    from roboskill.agents.runner import RunError
    from roboskill.agents.view import RunView
    from roboskill.config import ConfigError

    console = console or Console()
    try:
        settings = settings_for_run(overrides, config_file=config, resume_run=resume)
        view = RunView(console, live=False)
        run = open_run(settings, mode="chat", run_id=resume or run_id, resume=bool(resume),
                       on_progress=view.on_progress, on_update=view.on_update)
    except (ConfigError, RunError, LLMConfigError) as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        return 2
    with run:
        view.run_id = run.run_id
        console.print(f"chat run [bold]{run.run_id}[/bold] in {run.run_dir} (llm: {settings.llm.resolved_provider()})", highlight=False)
        if resume and run.started():
            view.load(run.values())
            pending = run.pending()
            outcome = Outcome("waiting_for_user", run.values(), pending) if pending else run.resume()
        else:
            outcome = run.start()
        _print_outcome(console, run, outcome)
        while outcome.status == "waiting_for_user":
            if console.is_terminal:
                console.print("> ", end="")
            line = stdin.readline()
            if not line:
                break
            parsed = parse_chat_input(line)
            if not console.is_terminal:  # echo scripted input so transcripts read like a conversation
                console.print(f"> {line.strip()}", highlight=False)
            if "command" in parsed:
                if parsed["command"] == "/quit":
                    break
                console.print(describe_command(parsed["command"], run.values(), run.deps.library), highlight=False)
                continue
            if parsed["action"] == "noop":
                continue
            from langgraph.types import Command

            outcome = run.advance(Command(resume={"action": parsed["action"], "text": parsed.get("text", "")}))
            _print_outcome(console, run, outcome)
        if outcome.status == "waiting_for_user":
            run.write_status("waiting_for_user")
            console.print(f"paused — continue with: roboskill chat --resume {run.run_id}", highlight=False)
    return 1 if outcome.status == "finished" and only_failures(outcome.values) else 0
