"""`roboskill skills …`: list, show, search, export, import and remove learned skills.

Every command takes `--library PATH` (default: the configured library_dir) and `--json` for scripts.
Heavy imports (chromadb, sentence-transformers) stay inside commands; `list`/`show`/`remove` read the
SQLite record store and never load the embedding model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

app = typer.Typer(no_args_is_help=True)

LibraryOpt = typer.Option(None, "--library", "-l", help="Library directory (default: settings library_dir).")
JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON.")


def _open(library: Optional[Path]) -> Any:
    from roboskill.config import ConfigError, load_settings
    from roboskill.memory.library import LibraryError, SkillLibrary

    try:
        settings = load_settings()
        return SkillLibrary(library or settings.library_dir, novelty_threshold=settings.novelty_threshold)
    except (ConfigError, LibraryError) as exc:
        _fail(str(exc))


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def _console() -> Any:
    from rich.console import Console

    return Console(soft_wrap=True)


@app.command("list")
def list_cmd(library: Optional[Path] = LibraryOpt, as_json: bool = JsonOpt,
             failures: bool = typer.Option(False, "--failures", help="Also list failed tasks.")) -> None:
    """List learned skills (and, with --failures, failed tasks)."""
    from roboskill.memory.library import LibraryError

    lib = _open(library)
    try:
        skills = lib.list()
        fails = lib.list_failures() if failures else []
    except LibraryError as exc:
        _fail(str(exc))
    if as_json:
        out: dict[str, Any] = {"library": str(lib.path), "skills": [
            {"name": s.name, "description": s.description, "success_rate": s.success_rate, "learners": s.learners,
             "run_id": s.run_id, "task_id": s.task_id, "created_at": s.created_at.isoformat(), "parent": s.parent}
            for s in skills]}
        if failures:
            out["failures"] = [f.model_dump(mode="json") for f in fails]
        _print_json(out)
        return
    from rich.table import Table

    console = _console()
    if not skills:
        console.print(f"No skills in {lib.path} yet. Run `roboskill run` to learn some.")
    else:
        table = Table(title=f"Skills in {lib.path} ({len(skills)})")
        for col in ("name", "success", "learners", "description", "run"):
            table.add_column(col)
        for s in skills:
            table.add_row(s.name, f"{s.success_rate:.0%}", ",".join(s.learners), s.description, s.run_id)
        console.print(table)
    if failures and fails:
        table = Table(title=f"Failed tasks ({len(fails)})")
        for col in ("name", "description", "reason", "run"):
            table.add_column(col)
        for f in fails:
            table.add_row(f.name, f.description, f.reason, f.run_id)
        console.print(table)


@app.command("show")
def show_cmd(name: str = typer.Argument(..., help="Skill name (see `skills list`)."),
             library: Optional[Path] = LibraryOpt, as_json: bool = JsonOpt,
             code: bool = typer.Option(False, "--code", help="Also print reward/success code.")) -> None:
    """Show one skill: description, metrics, and the paths to its video and policy."""
    from roboskill.memory.library import LibraryError

    lib = _open(library)
    try:
        rec = lib.get(name)
    except LibraryError as exc:
        _fail(str(exc))
    if as_json:
        _print_json(rec.model_dump(mode="json"))
        return
    from rich.panel import Panel
    from rich.table import Table

    console = _console()
    console.print(Panel(f"[bold]{rec.name}[/bold]\n{rec.description}"
                        + (f"\n[dim]instruction:[/dim] {rec.instruction}" if rec.instruction else ""), expand=False))
    info = Table(show_header=False, box=None)
    info.add_row("success rate", f"{rec.success_rate:.0%}")
    info.add_row("learners", ", ".join(rec.learners) or "-")
    info.add_row("sub-tasks", ", ".join(rec.subtasks) or ", ".join(s.name for s in rec.plan.subtasks))
    info.add_row("scene", rec.scene.name)
    info.add_row("run / task", f"{rec.run_id} / {rec.task_id}")
    info.add_row("created", rec.created_at.isoformat(timespec="seconds"))
    if rec.parent:
        info.add_row("parent", rec.parent)
    for key in ("video", "policy", "trajectory", "curves", "metrics"):
        if key in rec.artefacts:
            info.add_row(key, rec.artefacts[key])
    for key, value in rec.artefacts.items():
        if key not in ("video", "policy", "trajectory", "curves", "metrics"):
            info.add_row(key, value)
    if "video" not in rec.artefacts:
        info.add_row("video", "(none recorded)")
    if "policy" not in rec.artefacts and "trajectory" not in rec.artefacts:
        info.add_row("policy", "(none recorded)")
    console.print(info)
    scalar = {k: v for k, v in rec.metrics.items() if isinstance(v, (int, float, str, bool)) or v is None}
    if scalar:
        mt = Table(title="metrics")
        mt.add_column("metric")
        mt.add_column("value")
        for k, v in scalar.items():
            mt.add_row(k, f"{v:.4g}" if isinstance(v, float) else str(v))
        console.print(mt)
    if code:
        for label, src in rec.reward_code().items():
            console.rule(label)
            console.print(src, markup=False, highlight=False)


@app.command("search")
def search_cmd(query: str = typer.Argument(..., help="What the skill does, in any words."),
               k: int = typer.Option(5, "--k", "-k", min=1, max=100, help="How many results."),
               library: Optional[Path] = LibraryOpt, as_json: bool = JsonOpt) -> None:
    """Find skills by meaning (MiniLM embeddings), not keywords; also prints the novelty verdict."""
    from roboskill.memory.library import LibraryError

    lib = _open(library)
    try:
        matches = lib.search(query, k=k)
        verdict = lib.is_novel(query, k=k)
    except LibraryError as exc:
        _fail(str(exc))
    if as_json:
        _print_json({"query": query,
                     "results": [{"name": m.record.name, "similarity": round(m.similarity, 4),
                                  "description": m.record.description, "success_rate": m.record.success_rate}
                                 for m in matches],
                     "novelty": verdict.model_dump(mode="json")})
        return
    from rich.table import Table

    console = _console()
    if not matches:
        console.print(f"No skills in {lib.path} yet.")
        return
    table = Table(title=f"Skills like {query!r}")
    for col in ("name", "similarity", "success", "description"):
        table.add_column(col)
    for m in matches:
        table.add_row(m.record.name, f"{m.similarity:.3f}", f"{m.record.success_rate:.0%}", m.record.description)
    console.print(table)
    status = "novel" if verdict.novel else f"already learned (as {verdict.nearest[0][0]})"
    console.print(f"novelty: {status} — best task similarity {verdict.max_similarity:.3f}, "
                  f"threshold {verdict.threshold:.3f}")


@app.command("export")
def export_cmd(file: Path = typer.Argument(..., help="JSON file to write."),
               library: Optional[Path] = LibraryOpt, as_json: bool = JsonOpt) -> None:
    """Write every skill and failed task to a JSON file (for backup or sharing)."""
    from roboskill.memory.library import LibraryError

    lib = _open(library)
    try:
        payload = lib.export(file)
    except (LibraryError, OSError) as exc:
        _fail(str(exc))
    result = {"file": str(file), "skills": len(payload.skills), "failures": len(payload.failures)}
    if as_json:
        _print_json(result)
    else:
        typer.echo(f"exported {result['skills']} skills and {result['failures']} failed tasks to {file}")


@app.command("import")
def import_cmd(file: Path = typer.Argument(..., help="JSON file written by `skills export`."),
               library: Optional[Path] = LibraryOpt, as_json: bool = JsonOpt) -> None:
    """Merge an export file into the library (idempotent: importing twice adds nothing)."""
    from roboskill.memory.library import LibraryError

    lib = _open(library)
    try:
        result = lib.import_(file)
    except LibraryError as exc:
        _fail(str(exc))
    if as_json:
        _print_json(result.model_dump())
    else:
        typer.echo(f"imported {result.skills_added} new skills ({result.skills_updated} already present) and "
                   f"{result.failures_added} failed tasks ({result.failures_updated} already present)")
        for old, new in result.renamed.items():
            typer.echo(f"  renamed {old} -> {new} (name already used by another skill)")


@app.command("remove")
def remove_cmd(name: str = typer.Argument(..., help="Skill name to remove."),
               library: Optional[Path] = LibraryOpt, as_json: bool = JsonOpt) -> None:
    """Remove a skill from the library (its artefact files are left untouched)."""
    from roboskill.memory.library import LibraryError

    lib = _open(library)
    try:
        rec = lib.remove(name)
    except LibraryError as exc:
        _fail(str(exc))
    if as_json:
        _print_json({"removed": rec.name, "run_id": rec.run_id, "task_id": rec.task_id})
    else:
        typer.echo(f"removed {rec.name}")


@app.command("calibrate")
def calibrate_cmd(pairs: Optional[Path] = typer.Option(None, "--pairs", help="Labelled JSONL pair file."),
                  seed: int = typer.Option(0, help="Split seed."),
                  write: bool = typer.Option(False, "--write", help="Store the threshold in calibration.json."),
                  as_json: bool = JsonOpt) -> None:
    """Re-fit the novelty threshold on labelled task pairs; report held-out precision/recall vs baselines."""
    from roboskill.memory.novelty import DEFAULT_PAIRS_FILE, calibrate, write_calibration

    try:
        report = calibrate(pairs or DEFAULT_PAIRS_FILE, seed=seed)
    except ValueError as exc:
        _fail(str(exc))
    if write:
        write_calibration(report)
    if as_json:
        _print_json(report.model_dump(mode="json"))
        return
    from rich.table import Table

    table = Table(title=f"Novelty on {report.n_heldout} held-out pairs (fit on {report.n_calibration})")
    for col in ("method", "threshold", "precision", "recall", "f1", "CV precision", "CV recall"):
        table.add_column(col)
    for method, m in report.heldout.items():
        cv = report.cross_validated[method]
        table.add_row(method, f"{m.threshold:.3f}", f"{m.precision:.3f}", f"{m.recall:.3f}", f"{m.f1:.3f}",
                      f"{cv.precision:.3f}", f"{cv.recall:.3f}")
    console = _console()
    console.print(table)
    console.print(f"threshold {report.threshold:.4f}" + (" written to calibration.json" if write else
                                                         " (not written; pass --write)"))
