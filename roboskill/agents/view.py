"""What a person sees while a run works: a rich Live panel (or plain lines), and the final summary.

Why fed by callbacks rather than polling run.json: the graph already reports every node and every
training start/end, so the view is always exactly where the graph is, at no extra cost.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

_AGENT_OF_NODE = {
    "propose": "proposer", "check_novelty": "memory", "design_scene": "scene designer",
    "validate_scene": "scene validator", "write_rewards": "reward writer", "check_code": "sandbox",
    "prepare_review": "review", "review": "you", "train": "trainer", "critique": "critic",
    "accept": "memory", "give_up": "memory", "start_task": "-", "next_task": "-",
}


class RunView:
    """Tracks the run from progress/update callbacks and renders it."""

    def __init__(self, console: Console | None = None, *, live: bool = True, run_id: str = "") -> None:
        self.console = console or Console()
        self.live_enabled = live and self.console.is_terminal
        self.run_id = run_id
        self.task = "-"
        self.task_id: str | None = None
        self.node = "-"
        self.iteration = 0
        self.train_started: float | None = None
        self.train_budget = 0.0
        self.train_n = 0
        self.learned: list[dict[str, Any]] = []
        self.failed: list[dict[str, Any]] = []
        self.tokens = 0
        self._live: Live | None = None

    # -- callbacks
    def on_progress(self, info: dict[str, Any]) -> None:
        event = info.get("event")
        if event == "node":
            self.node = str(info.get("node"))
            self.iteration = int(info.get("iteration") or 0)
            self.task_id = info.get("task_id") or self.task_id
            if info.get("proposal"):
                self.task = str(info["proposal"])
            if not self.live_enabled:
                self.console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {self.task_id or '-'} iter {self.iteration}: "
                                   f"{self.node} ({_AGENT_OF_NODE.get(self.node, self.node)})", highlight=False)
        elif event == "train_start":
            self.train_started = time.monotonic()
            self.train_budget = float(info.get("budget_s") or 0)
            self.train_n = int(info.get("n") or 0)
        elif event == "train_end":
            self.train_started = None
        self.refresh()

    def on_update(self, node: str, update: dict[str, Any]) -> None:
        if "learned" in update:
            new = [e for e in update["learned"] if e not in self.learned]
            self.learned = list(update["learned"])
            for e in new:
                self.console.print(f"[green]learned[/green] {e['name']} ({verdict_text(e)})", highlight=False)
        if "failed" in update:
            new = [e for e in update["failed"] if e not in self.failed]
            self.failed = list(update["failed"])
            for e in new:
                label = "[yellow]refused[/yellow]" if e.get("refused") else "[red]gave up[/red]"
                self.console.print(f"{label} {e['name']}: {str(e.get('reason'))[:200]}", highlight=False)
        if "tokens" in update:
            self.tokens = int(update["tokens"].get("total", 0))
        self.refresh()

    def load(self, values: dict[str, Any]) -> None:
        """Start from a resumed run's state."""
        self.learned = list(values.get("learned") or [])
        self.failed = list(values.get("failed") or [])
        self.tokens = int((values.get("tokens") or {}).get("total", 0))
        self.task = (values.get("proposal") or {}).get("description") or "-"
        self.task_id = values.get("task_id")

    # -- rendering
    def __rich__(self) -> Panel:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column()
        grid.add_row("task", f"{self.task}  [dim]{self.task_id or ''}[/dim]")
        grid.add_row("agent", f"{_AGENT_OF_NODE.get(self.node, self.node)}  [dim]({self.node})[/dim]")
        grid.add_row("iteration", str(self.iteration + 1))
        if self.train_started is not None:
            elapsed = time.monotonic() - self.train_started
            frac = min(elapsed / self.train_budget, 0.99) if self.train_budget else 0.0
            grid.add_row("training", Group(ProgressBar(total=1.0, completed=frac, width=40),
                                           Text(f"{self.train_n} candidate(s), {elapsed:.0f}s / ~{self.train_budget:.0f}s")))
        grid.add_row("skills", f"[green]{len(self.learned)} learned[/green], [red]{len(self.failed)} failed[/red]")
        grid.add_row("tokens", str(self.tokens))
        return Panel(grid, title=f"roboskill run {self.run_id}", border_style="cyan")

    def refresh(self) -> None:
        if self._live is not None:
            self._live.update(self)

    def __enter__(self) -> "RunView":
        if self.live_enabled:
            self._live = Live(self, console=self.console, refresh_per_second=4, transient=True)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._live is not None:
            self._live.__exit__(*exc)
            self._live = None


def verdict_text(entry: dict[str, Any]) -> str:
    """'goal success 90% (18/20 starts, 95% CI 70-97%)' for a learned-skill entry."""
    rate = float(entry.get("success_rate") or 0.0)
    n, ci = entry.get("n_episodes"), entry.get("ci95")
    text = f"goal success {rate:.0%}"
    if n:
        text += f" ({round(rate * n)}/{n} starts"
        text += f", 95% CI {ci[0]:.0%}-{ci[1]:.0%})" if ci else ")"
    return text


def print_summary(console: Console, values: dict[str, Any], run_dir: Any, status: str) -> None:
    """The end-of-run summary: a table of tasks, then one unwrapped line per path (copy-pasteable)."""
    table = Table(title=f"run {values.get('run_id', '')} — {status}", show_lines=False)
    table.add_column("task")
    table.add_column("result")
    table.add_column("success", justify="right")
    table.add_column("iterations / reason")
    for e in values.get("learned") or []:
        table.add_row(e["name"], "[green]learned[/green]", verdict_text(e),
                      f"{e.get('iterations', '')}; goal: {e.get('goal') or '-'}")
    for e in values.get("failed") or []:
        result = "[yellow]refused[/yellow]" if e.get("refused") else "[red]failed[/red]"
        table.add_row(e["name"], result, "-", str(e.get("reason"))[:300])
    console.print(table)
    for e in values.get("learned") or []:
        console.print(f"video of {e['name']} (a successful evaluation episode): {e.get('video') or '(none)'}",
                      soft_wrap=True, highlight=False)
        if e.get("video_failure"):
            console.print(f"video of {e['name']} (a failed evaluation episode): {e['video_failure']}",
                          soft_wrap=True, highlight=False)
    tokens = values.get("tokens") or {}
    console.print(f"run dir: {run_dir}", soft_wrap=True, highlight=False)
    console.print(f"traces:  {run_dir}/traces.sqlite  (roboskill traces show {values.get('run_id', '')})",
                  soft_wrap=True, highlight=False)
    console.print(f"tokens:  {tokens.get('total', 0)} (cost ${tokens.get('cost_usd', 0.0):.4f})", highlight=False)
    if values.get("stop_reason"):
        console.print(f"stopped: {values['stop_reason']}", soft_wrap=True, highlight=False)
