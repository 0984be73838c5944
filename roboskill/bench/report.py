"""BENCHMARKS.md, generated from the bench JSON files — never typed by hand.

Why generated: a hand-edited figure drifts from the code that produced it. Every section here is
rendered from a `BenchResult` and carries its own provenance (machine, date, commit, the command
that reproduces it), and the anchors' published numbers sit beside ours with their sources, so a
reader can judge the comparison without trusting us.

Benchmarks that judge success also state the rules they were measured under (who judged, when, how
many starts); where a result replaced one measured under older rules, its `previous` figures are
shown beside the new ones, so a reader sees how each figure moved when the rules changed.
"""

from __future__ import annotations

import os
from pathlib import Path

from roboskill.bench.results import BenchResult, MachineInfo, Metric, Scalar, Table, now_iso, read_results, rules_of

#: Order of sections; names not listed here follow alphabetically.
SECTION_ORDER = ["sim", "learn", "external", "loop", "diversity", "memory", "distill", "fidelity", "compose"]

SECTION_TITLES = {
    "sim": "Simulation speed of generated scenes (vs. panda-gym)",
    "learn": "Skill learning: toolbox vs. plain SB3 SAC on the reference tasks",
    "external": "Bring-your-own-env: panda-gym, Fetch and Meta-World MT10 tasks judged by their own success check",
    "loop": "The offline agent loop: time per accepted skill and framework overhead",
    "diversity": "Diversity of proposed tasks (Self-BLEU, embedding similarity)",
    "memory": "Skill memory: novelty query latency and verdict quality",
    "distill": "Generalist policy distilled from the learned skills",
    "fidelity": "Fidelity: do accepted skills do what the instruction says? (independent physical checks, refusals)",
    "compose": "Skills that compose: long-horizon tasks with reuse vs from scratch, and a long curriculum",
}

#: Published numbers of the systems we compare against, with where they were published.
PUBLISHED_ANCHORS: list[dict[str, str]] = [
    {"system": "RoboGen", "figure": "Self-BLEU of task descriptions (106 tasks)", "value": "0.284",
     "source": "Wang et al. 2023, RoboGen, arXiv:2311.01455, Table 1"},
    {"system": "RoboGen", "figure": "mean pairwise embedding similarity (106 tasks)", "value": "0.165",
     "source": "Wang et al. 2023, RoboGen, arXiv:2311.01455, Table 1"},
    {"system": "GenSim", "figure": "Self-BLEU of task descriptions", "value": "0.378",
     "source": "as reported in RoboGen, arXiv:2311.01455, Table 1"},
    {"system": "GenSim", "figure": "mean pairwise embedding similarity", "value": "0.288",
     "source": "as reported in RoboGen, arXiv:2311.01455, Table 1"},
    {"system": "Eureka", "figure": "tasks where generated rewards beat human rewards", "value": "83 %",
     "source": "Ma et al. 2023, Eureka, arXiv:2310.12931"},
]


def _fmt(value: Scalar) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:.1f}"
        if abs(value) >= 0.01:
            return f"{value:.3g}" if abs(value) < 10 else f"{value:.2f}"
        return f"{value:.2e}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _met(metric: Metric) -> str:
    if metric.passed is None:
        return ""
    return "✅" if metric.passed else "❌"


def _md_table(columns: list[str], rows: list[list[Scalar]]) -> list[str]:
    lines = ["| " + " | ".join(_fmt(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = list(row) + [None] * (len(columns) - len(row))
        lines.append("| " + " | ".join(_fmt(c) for c in cells[: len(columns)]) + " |")
    return lines


def _machine_line(machine: MachineInfo | None) -> str:
    if machine is None:
        return "machine: unknown"
    v = machine.versions
    return (
        f"{machine.cpu_model}, {machine.cores_usable} usable cores ({machine.cores_logical} logical), "
        f"{machine.ram_gb:g} GB RAM, {machine.os}, Python {machine.python}, torch {v.get('torch', '?')}, "
        f"pybullet {v.get('pybullet', '?')}, panda-gym {v.get('panda-gym', '?')}, "
        f"stable-baselines3 {v.get('stable-baselines3', '?')}"
    )


def _headline(result: BenchResult) -> str:
    if result.status != "ok":
        return (result.error or result.status).splitlines()[0][:140] if (result.error or result.status) else ""
    if result.summary:
        return result.summary
    targeted = [m for m in result.metrics if m.target]
    if targeted:
        passed = sum(1 for m in targeted if m.passed)
        return f"{passed}/{len(targeted)} targets met"
    return f"{len(result.metrics)} figures"


def metrics_table(result: BenchResult) -> tuple[list[str], list[list[Scalar]]]:
    """Columns and rows for a result's metrics, with published anchors beside ours."""
    columns = ["figure", "roboskill", "unit", "target", "met", "published (source)", "note"]
    rows: list[list[Scalar]] = []
    for m in result.metrics:
        anchors = "; ".join(f"{a.system}: {_fmt(a.value)} ({a.source})" for a in m.anchors)
        rows.append([m.name, m.value, m.unit, m.target or "", _met(m), anchors, m.note])
    return columns, rows


def previous_table(result: BenchResult) -> tuple[list[str], list[list[Scalar]]]:
    """Columns and rows putting each figure of `result.previous` (older rules) beside today's value."""
    prev = result.previous or {}
    before = prev.get("metrics") or {}
    now = {m.name: m.value for m in result.metrics}
    names = [m.name for m in result.metrics if m.name in before] + [n for n in before if n not in now]
    names += [n for n in now if n not in before]
    rows: list[list[Scalar]] = [[n, before.get(n), now.get(n)] for n in names]
    return ["figure", f"before ({prev.get('setting', '?')} setting, older rules)", "now"], rows


def _previous_headline(result: BenchResult) -> str:
    """The older figure's headline with its setting, so a quick run is never read against a full one unawares."""
    prev = result.previous
    if not prev or not prev.get("summary"):
        return ""
    setting = prev.get("setting") or "?"
    now = "smoke" if result.smoke else ("quick" if result.quick else "full")
    caveat = "" if setting == now else f"; not comparable with today's {now} run"
    return f"{_fmt(prev['summary'])} ({setting} setting{caveat})"


def _previous_lines(result: BenchResult) -> list[str]:
    prev = result.previous
    if not prev:
        return []
    commit = str(prev.get("git_commit") or "unknown")[:12]
    lines = [f"**How the figures moved with the rules** — before: {_fmt(prev.get('rules') or 'not recorded')} "
             f"(measured {prev.get('started_at') or 'unknown date'}, commit `{commit}`, "
             f"`{prev.get('command') or ''}`); now: {_fmt(result.rules or 'not recorded')}.", ""]
    if prev.get("summary"):
        lines += [f"Before: {_fmt(prev['summary'])}", ""]
    columns, rows = previous_table(result)
    if rows:
        lines += _md_table(columns, rows) + [""]
    return lines


def render_section(result: BenchResult) -> list[str]:
    title = SECTION_TITLES.get(result.name, result.name)
    lines = [f"## `{result.name}` — {title}", ""]
    commit = result.git_commit[:12] + (" (with uncommitted changes)" if result.git_dirty else "")
    mode = "smoke" if result.smoke else ("quick" if result.quick else "full")
    lines += [
        f"- status: **{result.status}**" + (f" — {_fmt(result.error.splitlines()[0][:300])}" if result.error else ""),
        f"- reproduce: `{result.command or 'roboskill bench ' + result.name}` ({mode} setting)",
        f"- measured: {result.started_at or 'unknown date'}, commit `{commit}`, wall time {result.wall_time_s:.1f} s",
        f"- machine: {_machine_line(result.machine)}",
    ]
    rules = rules_of(result)
    if rules:
        lines.append(f"- rules: {_fmt(rules)}")
    lines.append("")
    if result.summary:
        lines += [result.summary, ""]
    if result.metrics:
        columns, rows = metrics_table(result)
        lines += _md_table(columns, rows) + [""]
    lines += _previous_lines(result)
    for table in result.tables:
        lines += [f"**{_fmt(table.title)}**", ""] + _md_table(table.columns, table.rows) + [""]
        if table.note:
            lines += [f"_{table.note}_", ""]
    notes = result.details.get("notes")
    if isinstance(notes, list) and notes:
        lines += ["Notes:", ""] + [f"- {_fmt(n)}" for n in notes] + [""]
    return lines


def _ordered(results: list[BenchResult]) -> list[BenchResult]:
    rank = {name: i for i, name in enumerate(SECTION_ORDER)}
    return sorted(results, key=lambda r: (rank.get(r.name, len(rank)), r.name))


def render_markdown(results: list[BenchResult], *, source_dir: str = "bench_out") -> str:
    """The whole BENCHMARKS.md text for these results."""
    results = _ordered(results)
    lines = [
        "# roboskill benchmarks",
        "",
        f"<!-- GENERATED FILE: written by roboskill/bench/report.py from {source_dir}/*.json; do not edit by hand. -->",
        "",
        f"Generated {now_iso()} from the JSON files in `{source_dir}/`. Every section below states the machine,",
        "date, commit and the command that reproduces it. Regenerate everything with `roboskill bench all`",
        "(or `roboskill bench all --quick` for the ~20-minute version); each sub-command refreshes its own section.",
        "",
    ]
    machines = {r.machine.model_dump_json() for r in results if r.machine}
    if len(machines) == 1:
        machine = next(r.machine for r in results if r.machine)
        lines += ["## Machine", "", f"All figures were measured on: {_machine_line(machine)}.", ""]
    lines += ["## Summary", ""]
    summary_rows: list[list[Scalar]] = [
        [f"`{r.name}`", r.status, _headline(r), "smoke" if r.smoke else ("quick" if r.quick else "full"),
         rules_of(r) or "", _previous_headline(r), f"`{r.command}`"]
        for r in results
    ]
    lines += _md_table(["benchmark", "status", "headline", "setting", "rules", "before (older rules)", "reproduce"],
                       summary_rows) + [""]
    lines += ["## Published numbers we compare against", ""]
    lines += _md_table(
        ["system", "figure", "published value", "source"],
        [[a["system"], a["figure"], a["value"], a["source"]] for a in PUBLISHED_ANCHORS],
    ) + [""]
    for result in results:
        lines += render_section(result)
    return "\n".join(lines).rstrip() + "\n"


def write_markdown(out_dir: str | Path, md_path: str | Path = "BENCHMARKS.md") -> Path:
    """Regenerate `md_path` from every `<out_dir>/*.json`; atomic write."""
    results = read_results(out_dir)
    text = render_markdown(results, source_dir=str(out_dir))
    path = Path(md_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def rich_tables(result: BenchResult) -> list[object]:
    """rich Table objects for the terminal (metrics first, then the bench's own tables)."""
    from rich.table import Table as RichTable

    out: list[object] = []
    header = f"bench {result.name} — {result.status}" + (f" ({result.wall_time_s:.1f} s)" if result.wall_time_s else "")
    if result.metrics or result.status != "ok":
        t = RichTable(title=header)
        columns, rows = metrics_table(result)
        keep = [i for i in range(len(columns)) if i == 0 or any(_fmt(r[i]) not in ("", "—") for r in rows)]
        for i in keep:
            t.add_column(columns[i], overflow="fold")
        for row in rows:
            t.add_row(*(_fmt(row[i]) for i in keep))
        if result.error:
            t.caption = result.error.splitlines()[0][:200]
        out.append(t)
    if result.previous:
        columns, rows = previous_table(result)
        t = RichTable(title=f"bench {result.name}: before ({(result.previous.get('rules') or 'older rules')}) → now")
        for c in columns:
            t.add_column(c, overflow="fold")
        for row in rows:
            t.add_row(*(_fmt(c) for c in row))
        t.caption = f"now: {result.rules or 'not recorded'}"
        out.append(t)
    for table in result.tables:
        t = RichTable(title=table.title)
        for c in table.columns:
            t.add_column(c, overflow="fold")
        for row in table.rows:
            cells = list(row) + [None] * (len(table.columns) - len(row))
            t.add_row(*(_fmt(c) for c in cells[: len(table.columns)]))
        if table.note:
            t.caption = table.note
        out.append(t)
    return out


__all__ = ["render_markdown", "write_markdown", "rich_tables", "render_section", "previous_table", "PUBLISHED_ANCHORS",
           "Table"]
