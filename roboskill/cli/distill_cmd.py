"""`roboskill distill`: distil learned skills into one language-conditioned, vision-based policy.

Collects expert demonstrations of the chosen skills (library or reference tasks), trains the
generalist by behaviour cloning (+ optional DAgger rounds), evaluates it per skill against the
experts (original and held-out reworded instructions), and writes the dataset, the checkpoint, an
evaluation table (terminal + eval.json) and a video grid. Heavy imports stay inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Attach `roboskill distill` to the main app."""

    @app.command("distill")
    def distill(
        skills: str = typer.Option("all", "--skills", help="'all' or comma-separated skill names."),
        episodes: int = typer.Option(20, "--episodes", min=1, help="Successful expert demonstrations per skill."),
        epochs: int = typer.Option(30, "--epochs", min=0, help="Behaviour-cloning epochs."),
        dagger: int = typer.Option(0, "--dagger", min=0, help="DAgger rounds after behaviour cloning."),
        dagger_episodes: int = typer.Option(4, "--dagger-episodes", min=1,
                                            help="Student rollouts per skill in each DAgger round."),
        library: Optional[Path] = typer.Option(None, "--library", "-l", help="Skill library (default: settings)."),
        source: str = typer.Option("library", "--source", help="'library' or 'reference' (the reference tasks)."),
        out: Optional[Path] = typer.Option(None, "--out", help="Output directory (default: <home>/distill/<time>)."),
        eval_episodes: int = typer.Option(10, "--eval-episodes", min=1, help="Evaluation episodes per skill."),
        image_size: int = typer.Option(84, "--image-size", min=16, max=256, help="Square camera image size."),
        frame_stride: int = typer.Option(2, "--frame-stride", min=1,
                                         help="Record / observe every N-th step; the policy runs N actions per look."),
        chunk: int = typer.Option(8, "--chunk", min=1, help="Actions predicted per observation (action chunking)."),
        threads: int = typer.Option(1, "--threads", min=1, max=2, help="Torch threads (at most 2)."),
        seed: int = typer.Option(0, "--seed"),
        reuse_dataset: bool = typer.Option(False, "--reuse-dataset", help="Skip collection if out/dataset matches."),
        json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
        export_lerobot: Optional[Path] = typer.Option(None, "--export-lerobot", metavar="DIR",
                                                      help="Also write the expert demonstrations as a LeRobot dataset "
                                                           "in DIR (needs lerobot, see README)."),
    ) -> None:
        """Distil skills into one generalist policy and evaluate it against the experts."""
        import json
        from datetime import datetime

        from rich.console import Console

        from roboskill.tools.distill import DistillError
        from roboskill.tools.distill.evaluate import render_table
        from roboskill.tools.distill.pipeline import DistillConfig, run_distill
        from roboskill.tools.distill.skills import skills_from_library, skills_from_reference

        console = Console(stderr=json_out)
        names = None if skills.strip().lower() == "all" else [s.strip() for s in skills.split(",") if s.strip()]
        try:
            if source == "reference":
                chosen = skills_from_reference(names)
            elif source == "library":
                from roboskill.config import load_settings
                from roboskill.memory import LibraryError, SkillLibrary

                settings = load_settings()
                try:
                    lib = SkillLibrary(library or settings.library_dir)
                except LibraryError as exc:
                    _fail(str(exc))
                chosen = skills_from_library(lib, names)
            else:
                _fail(f"--source must be 'library' or 'reference', got {source!r}")
            if out is None:
                from roboskill.config import load_settings

                out_dir = Path(load_settings().home) / "distill" / datetime.now().strftime("%Y%m%d-%H%M%S")
            else:
                out_dir = out
            cfg = DistillConfig(out=out_dir, episodes=episodes, epochs=epochs, dagger=dagger,
                                dagger_episodes=dagger_episodes, eval_episodes=eval_episodes, image_size=image_size, threads=threads, seed=seed,
                                reuse_dataset=reuse_dataset, frame_stride=frame_stride, chunk=chunk)

            def progress(e: dict) -> None:
                ev = e.get("event")
                if ev == "skill_done":
                    console.print(f"collected {e['skill']}: {e['episodes']} demos / {e['attempts']} attempts, "
                                  f"{e['steps']} steps ({e['time_s']:.1f} s)")
                elif ev == "skill_skipped":
                    console.print(f"[yellow]skipped {e['skill']}[/yellow]: {e['reason']}")
                elif ev == "epoch" and (e["epoch"] % 5 == 0):
                    console.print(f"epoch {e['epoch']}: eval loss {e['eval_loss']:.4f} ({e['time_s']:.0f} s)")
                elif ev == "dagger_episode":
                    console.print(f"dagger round {e['round']} {e['skill']}: student success {e['student_success']}, "
                                  f"kept {e['kept']}")
                elif ev == "eval_skill":
                    console.print(f"evaluated {e['name']}")

            if export_lerobot is not None:
                from roboskill.bridges.lerobot import require_lerobot

                try:
                    require_lerobot()  # fail before hours of collection and training, not after
                except ImportError as exc:
                    _fail(str(exc), 2)
                if export_lerobot.exists():
                    _fail(f"--export-lerobot {export_lerobot} exists; choose a new directory", 2)
            summary = run_distill(chosen, cfg, progress=progress)
        except DistillError as exc:
            _fail(str(exc))
        lerobot_info = None
        if export_lerobot is not None:
            from roboskill.bridges.lerobot import export_lerobot as write_lerobot

            lerobot_info = write_lerobot(summary.dataset, export_lerobot, repo_id="roboskill/distill")
            console.print(f"LeRobot dataset: {lerobot_info.root} ({lerobot_info.episodes} episodes, "
                          f"{lerobot_info.frames} frames at {lerobot_info.fps} fps)")
        console.print(render_table(summary.eval))
        console.print(f"dataset: {summary.dataset} ({summary.n_steps} steps, {summary.n_episodes} episodes)\n"
                      f"checkpoint: {summary.checkpoint}\neval: {summary.eval_json}\nvideo: {summary.video}\n"
                      f"times: collect {summary.collect_time_s:.0f} s, train {summary.train_time_s:.0f} s, "
                      f"dagger {summary.dagger_time_s:.0f} s, eval {summary.eval_time_s:.0f} s")
        if json_out:
            data = json.loads(summary.model_dump_json())
            if lerobot_info is not None:
                data["lerobot"] = lerobot_info.model_dump(mode="json")
            typer.echo(json.dumps(data, indent=2))
