"""The `roboskill` command: one typer app that mounts each area's commands.

Each area owns its own CLI module (scene, reward, skills, traces, bench, train, agents, ui, distill);
this file only wires them together, so adding a command never means editing another area's code.
Heavy imports (torch, pybullet, chromadb) happen inside commands, keeping `roboskill --help` instant.
"""

from __future__ import annotations

import typer

from roboskill.cli import (agents_cmd, bench_cmd, config_cmd, distill_cmd, mcp_cmd, reward_cmd, scene_cmd, skills_cmd, traces_cmd,
                           train_cmd, ui_cmd)

app = typer.Typer(
    name="roboskill",
    help="Generative simulation: agents invent robot tasks, build scenes, write rewards and learn skills.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

app.add_typer(scene_cmd.app, name="scene", help="Build, validate and render scene specs.")
app.add_typer(reward_cmd.app, name="reward", help="Check generated reward / success code in the sandbox.")
app.add_typer(skills_cmd.app, name="skills", help="The skill library: list, show, search, export, import, remove.")
app.add_typer(traces_cmd.app, name="traces", help="Inspect agent traces of runs.")
app.add_typer(bench_cmd.app, name="bench", help="Benchmarks that write JSON and BENCHMARKS.md.")
train_cmd.register(app)
agents_cmd.register(app)
ui_cmd.register(app)
distill_cmd.register(app)
config_cmd.register(app)
mcp_cmd.register(app)


@app.command()
def version() -> None:
    """Print the installed roboskill version."""
    from roboskill import __version__

    typer.echo(__version__)


if __name__ == "__main__":  # pragma: no cover
    app()
