"""`roboskill skills …`: list, show, search, export, import, remove, verify and run learned skills.

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
             "run_id": s.run_id, "task_id": s.task_id, "created_at": s.created_at.isoformat(), "parent": s.parent,
             "goal": s.goal.describe() if s.goal is not None else None, "verified": s.metrics.get("verified")}
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
        for col in ("name", "success", "verified", "learners", "description", "run"):
            table.add_column(col)
        for s in skills:
            table.add_row(s.name, f"{s.success_rate:.0%}", _verified_cell(s.metrics.get("verified")), ",".join(s.learners),
                          s.description, s.run_id)
        console.print(table)
    if failures and fails:
        table = Table(title=f"Failed tasks ({len(fails)})")
        for col in ("name", "description", "reason", "run"):
            table.add_column(col)
        for f in fails:
            table.add_row(f.name, f.description, f.reason, f.run_id)
        console.print(table)


def _verified_cell(v: Any) -> str:
    """'85% of 20 (64-95%) FLAGGED' from a record's metrics['verified'] ('-' when never verified)."""
    if not isinstance(v, dict) or v.get("rate") is None:
        return "-"
    ci = v.get("ci95") or [0.0, 1.0]
    flag = " FLAGGED" if v.get("flagged") else ""
    return f"{v['rate']:.0%} of {v.get('n', '?')} ({ci[0]:.0%}-{ci[1]:.0%}){flag}"


def _uses_text(tree: list[dict[str, Any]], depth: int = 0) -> str:
    """The reuse tree as indented lines: `step: skill (a->b)` and below it what that skill reuses."""
    lines = []
    for node in tree:
        binds = ", ".join(f"{a}->{b}" for a, b in node["bind"].items())
        lines.append("  " * depth + f"{node['step']}: {node['name']}" + (f" ({binds})" if binds else ""))
        if node["uses"]:
            lines.append(_uses_text(node["uses"], depth + 1))
    return "\n".join(lines)


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
        _print_json({**rec.model_dump(mode="json"), "uses": rec.uses_tree()})
        return
    from rich.panel import Panel
    from rich.table import Table

    console = _console()
    console.print(Panel(f"[bold]{rec.name}[/bold]\n{rec.description}"
                        + (f"\n[dim]instruction:[/dim] {rec.instruction}" if rec.instruction else ""), expand=False))
    info = Table(show_header=False, box=None)
    info.add_row("success rate", f"{rec.success_rate:.0%}")
    if rec.goal is not None:
        info.add_row("goal", rec.goal.describe())
    if rec.metrics.get("verified"):
        info.add_row("verified", _verified_cell(rec.metrics["verified"]))
    info.add_row("learners", ", ".join(rec.learners) or "-")
    info.add_row("sub-tasks", ", ".join(rec.subtasks) or ", ".join(s.name for s in rec.plan.subtasks))
    info.add_row("scene", rec.scene.name)
    info.add_row("run / task", f"{rec.run_id} / {rec.task_id}")
    info.add_row("created", rec.created_at.isoformat(timespec="seconds"))
    if rec.parent:
        info.add_row("parent", rec.parent)
    tree = rec.uses_tree()
    if tree:
        info.add_row("uses", _uses_text(tree))
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
def export_cmd(file: Path = typer.Argument(..., help="JSON file to write (with --format lerobot: a new directory)."),
               fmt: str = typer.Option("json", "--format", help="json (the library, for backup or sharing) or lerobot "
                                       "(demonstrations as a LeRobot dataset, to train policies in LeRobot)."),
               skills: str = typer.Option("all", "--skills", help="With --format lerobot: 'all' or comma-separated names."),
               episodes: int = typer.Option(10, "--episodes", min=1, help="With --format lerobot: demonstrations per skill."),
               image_size: int = typer.Option(84, "--image-size", min=64, max=512, help="With --format lerobot: camera pixels."),
               library: Optional[Path] = LibraryOpt, as_json: bool = JsonOpt) -> None:
    """Write every skill and failed task to a JSON file, or (--format lerobot) skill demonstrations as a LeRobot dataset."""
    from roboskill.memory.library import LibraryError

    if fmt not in ("json", "lerobot"):
        _fail(f"--format must be json or lerobot, got {fmt!r}", 2)
    lib = _open(library)
    if fmt == "lerobot":
        _export_lerobot(lib, file, skills, episodes, image_size, as_json)
        return
    try:
        payload = lib.export(file)
    except (LibraryError, OSError) as exc:
        _fail(str(exc))
    result = {"file": str(file), "skills": len(payload.skills), "failures": len(payload.failures)}
    if as_json:
        _print_json(result)
    else:
        typer.echo(f"exported {result['skills']} skills and {result['failures']} failed tasks to {file}")


def _export_lerobot(lib: Any, out: Path, skills: str, episodes: int, image_size: int, as_json: bool) -> None:
    from roboskill.tools.distill import DistillError
    from roboskill.tools.distill.skills import skills_from_library

    names = None if skills.strip().lower() == "all" else [s.strip() for s in skills.split(",") if s.strip()]
    try:
        from roboskill.bridges.lerobot import export_skills_lerobot

        chosen = skills_from_library(lib, names)
        info = export_skills_lerobot(chosen, out, episodes=episodes, image_size=image_size)
    except ImportError as exc:
        _fail(str(exc), 2)
    except (DistillError, FileExistsError, ValueError) as exc:
        _fail(str(exc))
    if as_json:
        _print_json(info.model_dump(mode="json"))
    else:
        typer.echo(f"wrote LeRobot dataset {info.repo_id} to {info.root}: {info.episodes} episodes, {info.frames} frames "
                   f"at {info.fps} fps, tasks: {'; '.join(info.tasks)}")


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


@app.command("verify")
def verify_cmd(name: Optional[str] = typer.Argument(None, help="Skill name (or --all)."),
               all_skills: bool = typer.Option(False, "--all", help="Verify every skill in the library."),
               episodes: int = typer.Option(20, "--episodes", "-n", min=1, max=1000,
                                            help="Fresh starts per skill (never a training or evaluation seed)."),
               threshold: float = typer.Option(0.8, "--threshold", min=0.0, max=1.0,
                                               help="Goal success below this flags the skill (never deletes it)."),
               seed: int = typer.Option(0, "--seed", min=0, help="Base of the fresh verification seeds."),
               isolate: bool = typer.Option(True, "--isolate/--in-process",
                                            help="Replay in a resource-limited worker process (stored code is untrusted)."),
               library: Optional[Path] = LibraryOpt, as_json: bool = JsonOpt) -> None:
    """Replay stored skills from fresh varied starts, judged by their task's goal; flag those below threshold.

    The verdict is written into each record's metrics as `verified` {rate, ci95, n, at, flagged}.
    Skills stored without a goal are reported as "no goal: cannot verify".
    """
    from roboskill.memory.library import LibraryError
    from roboskill.tools.verify import VerifyResult, verify_isolated, verify_skill, with_verification

    if bool(name) == bool(all_skills):
        _fail("give a skill NAME or --all (not both)")
    lib = _open(library)
    try:
        records = lib.list() if all_skills else [lib.get(str(name))]
    except LibraryError as exc:
        _fail(str(exc))
    results: list[VerifyResult] = []
    console = None if as_json else _console()
    for rec in records:
        if console is not None:
            console.print(f"verifying {rec.name} ({episodes} fresh starts)…", highlight=False)
        if rec.goal is None:
            res = verify_skill(rec, episodes=episodes, threshold=threshold, seed=seed)
        elif isolate:
            res = verify_isolated(rec, episodes=episodes, threshold=threshold, seed=seed)
        else:
            res = verify_skill(rec, episodes=episodes, threshold=threshold, seed=seed)
        results.append(res)
        if res.verified:
            try:
                lib.add_skill(with_verification(rec, res))
            except LibraryError as exc:
                _fail(f"could not record the verification of {rec.name}: {exc}")
    if as_json:
        _print_json({"library": str(lib.path), "threshold": threshold, "episodes": episodes,
                     "skills": [r.model_dump(mode="json") for r in results]})
        return
    from rich.table import Table

    assert console is not None
    if not results:
        console.print(f"No skills in {lib.path} yet.")
        return
    table = Table(title=f"Goal success over {episodes} fresh starts (threshold {threshold:.0%})")
    for col in ("name", "goal success", "95% interval", "stored", "verdict"):
        table.add_column(col)
    for r in results:
        stored = f"{r.stored_success_rate:.0%}" if r.stored_success_rate is not None else "-"
        if not r.verified:
            table.add_row(r.name, "-", "-", stored, r.reason)
            continue
        lo, hi = r.ci95 or (0.0, 1.0)
        verdict = "[red]FLAGGED: below threshold[/red]" if r.flagged else "[green]ok[/green]"
        table.add_row(r.name, f"{r.successes}/{r.n} ({r.rate:.0%})", f"{lo:.0%}-{hi:.0%}", stored, verdict)
    console.print(table)
    flagged = [r.name for r in results if r.flagged]
    if flagged:
        console.print(f"flagged (kept in the library, marked in metrics.verified): {', '.join(flagged)}")


@app.command("run")
def run_cmd(name: str = typer.Argument(..., help="Skill name (see `roboskill skills list`)."),
            scene: Optional[Path] = typer.Option(None, "--scene", help="Scene spec (YAML/JSON) to run it in; "
                                                 "default: the scene it was learned in."),
            bind: Optional[list[str]] = typer.Option(None, "--bind", help="SKILL_NAME=SCENE_NAME, e.g. cube=red_block "
                                                     "or cabinet.drawer_0=desk.drawer_1 (repeatable)."),
            episodes: int = typer.Option(5, "--episodes", "-n", min=1, max=1000, help="Episodes from varied starts."),
            seed: int = typer.Option(0, "--seed", min=0, help="Base of the episode seeds (3 mod 4)."),
            video: Optional[Path] = typer.Option(None, "--video", help="Write the first episode to this MP4."),
            isolate: bool = typer.Option(True, "--isolate/--in-process",
                                         help="Run in a resource-limited worker process (stored code is untrusted)."),
            library: Optional[Path] = LibraryOpt, as_json: bool = JsonOpt) -> None:
    """Execute a stored skill (primitive, trajectory or RL policy), each episode judged by its task's goal.

    In another scene, `--bind` renames what the skill acts on (its objects, their joints and links, its goal,
    the names in its generated code and the observation of an RL policy). Exits 1 when the skill cannot
    run there, 2 when it ran but its goal held in under half of the episodes. Nothing is written to the library.
    """
    from roboskill.memory.library import LibraryError
    from roboskill.sim.spec import SceneSpec
    from roboskill.tools.rebind import BindingError, parse_bindings
    from roboskill.tools.skill_runner import SkillRunError, run_skill, run_skill_isolated

    lib = _open(library)
    try:
        rec = lib.get(name)
    except LibraryError as exc:
        _fail(str(exc))
    try:
        spec = SceneSpec.from_file(scene) if scene is not None else None
    except Exception as exc:  # noqa: BLE001 - a broken file is the user's to fix: say which and why
        _fail(f"--scene {scene}: {exc}")
    try:
        bindings = parse_bindings(bind)
        runner = run_skill_isolated if isolate else run_skill
        result = runner(rec, scene=spec, bindings=bindings, episodes=episodes, seed=seed, video=video)
    except (BindingError, SkillRunError) as exc:
        _fail(str(exc))
    if as_json:
        _print_json(result.model_dump(mode="json"))
    else:
        console = _console()
        where = "its own scene" if result.own_scene else f"scene {result.scene!r}"
        binds = ", ".join(f"{k}->{v}" for k, v in result.bindings.items())
        console.print(f"{result.name} in {where}{' (' + binds + ')' if binds else ''}; goal: {result.goal}",
                      highlight=False)
        for ep in result.episodes:
            mark = "[green]success[/green]" if ep.success else "[red]failure[/red]"
            failed = [c.get("condition", "") for c in ep.conditions if not c.get("ok")]
            console.print(f"  seed {ep.seed}: {mark}" + (f"  (not met: {'; '.join(failed)})" if failed else ""))
        lo, hi = result.ci95
        console.print(f"goal success {result.successes}/{result.n} ({result.rate:.0%}, 95% interval {lo:.0%}-{hi:.0%})")
        if result.video:
            console.print(f"video: {result.video}")
    if result.rate < 0.5:
        raise typer.Exit(2)
