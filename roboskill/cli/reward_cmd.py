"""`roboskill reward …`: check generated reward / success code against a scene, in the sandbox.

`roboskill reward check FILE.py --scene SPEC.yaml` runs the static AST check, then a dry run in a
sandbox worker process (build the scene, random actions, call both functions) and prints a
component summary. Exit codes: 0 ok, 1 the code was rejected or failed (line-numbered messages),
2 bad input (missing file, invalid scene spec). Heavy imports stay inside the command.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True)

_REQUIRE = {"both": ("compute_reward", "is_success"), "reward": ("compute_reward",), "success": ("is_success",)}


@app.command("api")
def api() -> None:
    """Print the State API that reward / success code can use (generated from the code's docstrings)."""
    from roboskill.sim.state import state_api_doc

    typer.echo(state_api_doc())


@app.command("check")
def check(
    file: Path = typer.Argument(..., help="Python file defining compute_reward(state) and/or is_success(state)."),
    scene: Path | None = typer.Option(None, "--scene", "-s", help="Scene spec (YAML/JSON) to dry-run on; "
                                      "without it only the static check runs."),
    steps: int = typer.Option(20, "--steps", "-n", min=0, max=10_000, help="Random-action steps in the dry run."),
    seed: int = typer.Option(0, "--seed", help="Seed for the scene randomisation and the random actions."),
    require: str = typer.Option("both", "--require", help="Functions the file must define: both | reward | success."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON instead of a table."),
) -> None:
    """Validate FILE.py statically and dry-run it on the scene (exit 0 ok, 1 rejected/failed, 2 bad input)."""
    from rich.console import Console
    from rich.table import Table

    from roboskill.tools.sandbox import check_code

    console = Console(stderr=False)
    if require not in _REQUIRE:
        typer.echo(f"error: --require must be one of {', '.join(_REQUIRE)}, got {require!r}", err=True)
        raise typer.Exit(2)
    if not file.is_file():
        typer.echo(f"error: reward file not found: {file}", err=True)
        raise typer.Exit(2)
    try:
        source = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"error: cannot read {file}: {exc}", err=True)
        raise typer.Exit(2) from None
    needed = _REQUIRE[require]

    if scene is None:
        issues = check_code(source, require=needed)
        if as_json:
            typer.echo(json.dumps({"ok": not issues, "stage": "check" if issues else "ok",
                                   "issues": [i.model_dump() for i in issues]}, indent=2))
        elif issues:
            for issue in issues:
                typer.echo(f"{file}:{issue.line}:{issue.col}: {issue.message}", err=True)
        else:
            console.print(f"[green]ok[/green] {file}: static check passed (pass --scene to dry-run it)")
        raise typer.Exit(1 if issues else 0)

    from roboskill.sim.spec import SceneSpec, SpecError
    from roboskill.tools.sandbox import dry_run

    try:
        spec = SceneSpec.from_file(scene)
    except SpecError as exc:
        typer.echo(f"error: invalid scene spec: {exc}", err=True)
        raise typer.Exit(2) from None
    report = dry_run(source, spec, steps=steps, seed=seed, require=needed)

    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        raise typer.Exit(0 if report.ok else 1)
    if not report.ok:
        if report.stage == "check":
            for issue in report.issues:
                typer.echo(f"{file}:{issue.line}:{issue.col}: {issue.message}", err=True)
        else:
            where = f"{file}:{report.error_line}: " if report.error_line else f"{file}: "
            step = f" (dry-run step {report.failed_at_step})" if report.failed_at_step is not None else ""
            typer.echo(f"{where}{report.stage} failed{step}: {report.error}", err=True)
        raise typer.Exit(1)

    table = Table(title=f"{file.name} on {spec.name}: {report.steps} random steps")
    for col in ("term", "mean", "min", "max"):
        table.add_column(col, justify="left" if col == "term" else "right")
    if report.reward is not None:
        table.add_row("[bold]total[/bold]", f"{report.reward.mean:.4g}", f"{report.reward.min:.4g}", f"{report.reward.max:.4g}")
    for name, comp in report.components.items():
        table.add_row(name, f"{comp.mean:.4g}", f"{comp.min:.4g}", f"{comp.max:.4g}")
    console.print(table)
    if "is_success" in needed:
        console.print(f"is_success: True on {report.success_steps} of {report.steps + 1} evaluations")
    if report.median_call_us is not None:
        console.print(f"median evaluation time (compute_reward + is_success): {report.median_call_us:.1f} µs")
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print("[green]ok[/green]")
