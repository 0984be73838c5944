"""`roboskill scene …`: validate, build and render scene specs; browse the asset catalog.

Heavy imports (pybullet) happen inside the commands so `roboskill --help` stays instant.
Exit codes: 0 ok, 1 invalid scene (every problem listed), 2 unreadable spec / bad arguments.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)


@app.command("build")
def build(
    spec_path: Path = typer.Argument(..., help="Scene spec (.yaml/.yml/.json)."),
    render: Optional[Path] = typer.Option(None, "--render", "-r", help="Write a PNG of the built scene here."),
    camera: str = typer.Option("default", help="Camera: default, front, side, top, close, back."),
    width: int = typer.Option(640, min=64, max=4096),
    height: int = typer.Option(480, min=64, max=4096),
    seed: Optional[int] = typer.Option(None, help="Seed for pose / joint randomisation."),
    open_joints: float = typer.Option(-1.0, "--open", help="Set every joint to this open fraction before rendering (demo)."),
) -> None:
    """Validate a spec, build it in PyBullet and optionally render it. Lists ALL problems if invalid."""
    from roboskill.sim.builder import SceneBuildError
    from roboskill.sim.spec import SceneSpec, SpecError
    from roboskill.sim.validation import validate_scene

    try:
        spec = SceneSpec.from_file(spec_path)
    except SpecError as exc:
        err_console.print(f"[bold red]invalid spec[/]\n{exc}", highlight=False)
        raise typer.Exit(2) from None
    t0 = time.perf_counter()
    report = validate_scene(spec)
    if not report.ok:
        _print_problems(report)
        raise typer.Exit(1)
    from roboskill.sim.builder import build_scene

    t1 = time.perf_counter()
    try:
        world = build_scene(spec, seed=seed, validate=False)
    except SceneBuildError as exc:
        err_console.print(f"[bold red]build failed:[/] {exc}")
        raise typer.Exit(1) from None
    build_s = time.perf_counter() - t1
    try:
        table = Table(title=f"scene {spec.name!r} (robot {spec.robot})", show_lines=False)
        for col in ("object", "kind", "position (m)", "joints"):
            table.add_column(col)
        for obj in spec.objects:
            pos, _ = world.initial_poses[obj.name]
            joints = ", ".join(f"{j} [{r.lower:.2f},{r.upper:.2f}]" for j, r in world.joints.items() if r.object == obj.name)
            kind = obj.kind if obj.kind != "articulated" else obj.category  # type: ignore[union-attr]
            table.add_row(obj.name, kind, "({:.2f}, {:.2f}, {:.2f})".format(*pos), joints)
        console.print(table)
        console.print(f"[green]valid[/] · validated in {t1 - t0:.2f} s · built in {build_s:.3f} s")
        if render is not None:
            from roboskill.sim.render import render_png

            if open_joints >= 0:
                for j in world.joints:
                    world.set_joint_fraction(j, open_joints)
            try:
                render_png(world, render, width, height, camera)
            except ValueError as exc:
                err_console.print(f"[red]{exc}[/]")
                raise typer.Exit(2) from None
            console.print(f"rendered {render}")
    finally:
        world.close()


@app.command("validate")
def validate(spec_path: Path = typer.Argument(..., help="Scene spec (.yaml/.json)."),
             as_json: bool = typer.Option(False, "--json", help="Print the report as JSON.")) -> None:
    """Validate without rendering; exit 1 with every problem listed when invalid."""
    from roboskill.sim.spec import SceneSpec, SpecError
    from roboskill.sim.validation import validate_scene

    try:
        spec = SceneSpec.from_file(spec_path)
    except SpecError as exc:
        err_console.print(f"[bold red]invalid spec[/]\n{exc}", highlight=False)
        raise typer.Exit(2) from None
    report = validate_scene(spec)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    elif report.ok:
        console.print(f"[green]scene {spec.name!r} is valid[/]")
    else:
        _print_problems(report)
    raise typer.Exit(0 if report.ok else 1)


@app.command("catalog")
def catalog(
    query: Optional[str] = typer.Option(None, "--query", "-q", help="Words to match (name, description, tags)."),
    tag: list[str] = typer.Option([], "--tag", "-t", help="Required tag (repeatable)."),
    include_random: bool = typer.Option(False, "--random", help="Include the 1000 random_urdfs objects."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (name, kind, description, tags, size)."),
    assets: Optional[Path] = typer.Option(None, "--assets", help="Extra directory of user URDF/OBJ assets."),
) -> None:
    """List assets and articulated generators with measured sizes."""
    from roboskill.sim.catalog import get_catalog

    try:
        cat = get_catalog(assets) if assets else get_catalog()
    except FileNotFoundError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    entries = cat.find(query, tag, include_random=include_random) if (query or tag) else \
        [cat.entries[n] for n in cat.names(include_random)]
    cat.measure([e.name for e in entries if e.name in cat.entries])
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json") for e in entries], indent=2))
        return
    table = Table(title=f"{len(entries)} asset(s)")
    for col in ("name", "kind", "size x*y*z (m)", "description", "tags"):
        table.add_column(col)
    for e in entries:
        size = "?" if e.size is None else "{:.3f}*{:.3f}*{:.3f}".format(*e.size)
        table.add_row(e.name, e.kind, size, e.description, ", ".join(e.tags))
    console.print(table)


def _print_problems(report) -> None:  # noqa: ANN001 - ValidationReport, imported lazily
    table = Table(title=f"scene {report.scene!r}: {len(report.problems)} problem(s)", show_lines=True)
    for col in ("object", "problem", "message", "suggested fix"):
        table.add_column(col, overflow="fold")
    for q in report.problems:
        table.add_row(q.object, q.code, q.message, q.fix)
    err_console.print(table)
    # plain lines too, so logs and LLM feedback loops get the same text
    err_console.print(report.format(), highlight=False, markup=False)
