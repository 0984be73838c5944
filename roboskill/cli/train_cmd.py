"""`roboskill train`: learn a skill for a scene + reward file with one learner and write the artefacts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

METHODS = ("primitive", "trajopt", "rl")


def register(app: typer.Typer) -> None:
    """Attach this area's commands to the main app."""

    @app.command("train")
    def train(
        scene: Path = typer.Option(..., "--scene", help="Scene spec (YAML/JSON)."),
        reward: Optional[Path] = typer.Option(None, "--reward", help="Python file with compute_reward(state) and is_success(state)."),
        method: str = typer.Option("trajopt", "--method", help="Learner: primitive, trajopt or rl."),
        primitive: Optional[str] = typer.Option(None, "--primitive", help='Primitive call as JSON, e.g. \'{"name": "grasp", "args": {"object": "cube"}}\'.'),
        budget_s: float = typer.Option(60.0, "--budget-s", help="Wall-clock training budget in seconds."),
        out: Optional[Path] = typer.Option(None, "--out", help="Output directory (default: $ROBOSKILL_HOME/runs/train/<scene>)."),
        executor: str = typer.Option("local", "--executor", help="local or ray."),
        ray_address: Optional[str] = typer.Option(None, "--ray-address", help="Address of an existing Ray cluster."),
        episodes: int = typer.Option(10, "--episodes", help="Evaluation episodes."),
        horizon: int = typer.Option(100, "--horizon", help="Env steps of the sub-task (trajopt / rl)."),
        rl_algo: str = typer.Option("ppo", "--rl-algo", help="ppo or sac (with --method rl)."),
        seed: int = typer.Option(0, "--seed"),
        video: bool = typer.Option(True, "--video/--no-video", help="Render rollout.mp4 and keyframes."),
        tensorboard: bool = typer.Option(False, "--tensorboard", help="Also write TensorBoard event files to OUT/tb/."),
    ) -> None:
        """Learn a skill and write policy/trajectory, metrics.json, curves.png, rollout.mp4 and keyframes."""
        from pydantic import ValidationError
        from rich.console import Console
        from rich.table import Table

        from roboskill.sim.spec import SceneSpec
        from roboskill.tools.executor import Executor, JobFailure, TrainJob
        from roboskill.tools.plan import SkillPlan

        console = Console()
        if method not in METHODS:
            raise typer.BadParameter(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
        if executor not in ("local", "ray"):
            raise typer.BadParameter(f"--executor must be 'local' or 'ray', got {executor!r}")
        if not scene.exists():
            raise typer.BadParameter(f"scene file not found: {scene}")
        try:
            spec = SceneSpec.from_file(scene)
        except Exception as exc:  # noqa: BLE001
            console.print(f"[red]error:[/red] {scene}: {exc}")
            raise typer.Exit(2) from None
        code = None
        if reward is not None:
            if not reward.exists():
                raise typer.BadParameter(f"reward file not found: {reward}")
            code = reward.read_text(encoding="utf-8")
        sub: dict = {"name": "skill", "description": spec.description or spec.name, "learner": method, "horizon": horizon}
        if method == "primitive":
            if not primitive:
                raise typer.BadParameter('--method primitive needs --primitive \'{"name": ..., "args": {...}}\'')
            try:
                sub["primitive"] = json.loads(primitive)
            except json.JSONDecodeError as exc:
                raise typer.BadParameter(f"--primitive is not valid JSON: {exc}") from None
        elif code is None:
            raise typer.BadParameter(f"--method {method} needs --reward FILE.py")
        if code is not None:
            sub["reward_code"] = code
            sub["success_code"] = code
        try:
            plan = SkillPlan.model_validate({"task_name": spec.name, "subtasks": [sub]})
        except ValidationError as exc:
            console.print(f"[red]invalid plan:[/red] {exc.errors()[0]['msg']}")
            raise typer.Exit(2) from None
        if out is None:
            from roboskill.config import load_settings

            out = Path(load_settings().home) / "runs" / "train" / spec.name
        job = TrainJob(spec=spec, plan=plan, out_dir=str(out), budget_s=budget_s, seed=seed, n_eval_episodes=episodes,
                       options={"video": video, "rl_algo": rl_algo, **({"tensorboard": True} if tensorboard else {})})
        ex = Executor(executor, workers=1, ray_address=ray_address, progress=True)
        try:
            result = ex.map([job])[0]
        finally:
            ex.close()
        if isinstance(result, JobFailure):
            console.print(f"[red]training failed ({result.kind}):[/red] {result.error}")
            raise typer.Exit(1)
        table = Table(title=f"roboskill train: {spec.name} ({method})")
        for col in ("metric", "value"):
            table.add_column(col)
        rows = [("success rate", f"{result.success_rate:.2f}"), ("mean return", f"{result.mean_return:.3f}"),
                ("mean length (steps)", f"{result.mean_length:.1f}"),
                ("time to success (sim s)", "-" if result.time_to_success is None else f"{result.time_to_success:.2f}"),
                ("episodes", str(result.n_episodes)), ("train time (s)", f"{result.train_time_s:.1f}"),
                ("wall time (s)", f"{result.wall_time_s:.1f}")]
        for k, v in rows:
            table.add_row(k, v)
        for k, v in sorted(result.artefacts.items()):
            if not k.startswith("keyframe_"):
                table.add_row(k, v)
        console.print(table)
        if result.error:
            console.print(f"[red]error:[/red] {result.error}")
            raise typer.Exit(1)
