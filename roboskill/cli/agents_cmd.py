"""`roboskill run`, `roboskill learn "TASK"` and `roboskill chat`: the agent loop from the terminal.

Heavy imports (langgraph, chromadb, torch) happen inside the commands so `roboskill --help` is instant.
"""

from __future__ import annotations

import sys
from typing import Any, Optional

import typer

from roboskill.cli.settings_flags import LLM_HELP as _LLM_HELP
from roboskill.cli.settings_flags import LLM_TIMEOUT_HELP as _LLM_TIMEOUT_HELP
from roboskill.cli.settings_flags import flag_overrides as _overrides  # CLI flags → nested settings overrides

_TB_HELP = "Also log training scalars (SB3, trajopt scores, curves) to TensorBoard under runs/<id>/.../tb/."


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _drive(mode: str, overrides: dict[str, Any], *, config: str | None, resume: str | None, run_id: str | None,
           live: bool, given_task: str | None = None, env_id: str | None = None) -> None:
    from rich.console import Console

    from roboskill.agents.chat import only_failures
    from roboskill.agents.llm import LLMConfigError, StepFailed
    from roboskill.agents.runner import RunError, open_run, settings_for_run
    from roboskill.agents.view import RunView, print_summary
    from roboskill.config import ConfigError

    console = Console()
    try:
        settings = settings_for_run(overrides, config_file=config, resume_run=resume)
        view = RunView(console, live=live, run_id=resume or run_id or "")
        run = open_run(settings, mode=mode, run_id=resume or run_id, resume=bool(resume),  # type: ignore[arg-type]
                       on_progress=view.on_progress, on_update=view.on_update)
    except (ConfigError, RunError, LLMConfigError) as exc:
        _fail(str(exc))
        return
    except KeyboardInterrupt:
        _fail("interrupted before the run started", 130)
        return
    except Exception as exc:  # noqa: BLE001 - e.g. a corrupted library: the message names the file
        _fail(f"{type(exc).__name__}: {exc}")
        return
    view.run_id = run.run_id
    again = f"roboskill {run.mode} --resume {run.run_id}"  # no task argument needed: the run remembers it
    provider = settings.llm.resolved_provider()
    console.print(f"run [bold]{run.run_id}[/bold] ({mode}, llm: {provider}"
                  + (" — procedural offline model, not an LLM" if provider == "offline" else f" {settings.llm.model}")
                  + f") in {run.run_dir}", highlight=False, soft_wrap=True)
    try:
        with run:
            if resume:
                view.load(run.values())
            with view:
                try:
                    outcome = run.resume() if resume else run.start(given_task=given_task, env_id=env_id)
                except (LLMConfigError, StepFailed) as exc:
                    _fail(f"{exc} (resume with: {again})")
                    return
            print_summary(console, {**outcome.values, "run_id": run.run_id}, run.run_dir, outcome.status)
            if outcome.status == "interrupted":
                console.print(f"interrupted — continue with: {again}", highlight=False, soft_wrap=True)
                raise typer.Exit(128 + (outcome.signum or 2))  # 130 after Ctrl-C, 143 after SIGTERM
            if (mode == "learn" and not outcome.values.get("learned")) or only_failures(outcome.values):
                raise typer.Exit(1)  # nothing learned and tasks failed: a failing model must not look like success
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001
        _fail(f"run {run.run_id} stopped: {type(exc).__name__}: {exc} (resume with: {again})", 1)


def _is_parallel(run_id: str, overrides: dict[str, Any], config: str | None) -> bool:
    from roboskill.agents.runner import RunError, run_dir_for
    from roboskill.agents.slots import SLOTS_FILE
    from roboskill.config import ConfigError, load_settings

    try:
        return (run_dir_for(load_settings(config, **overrides), run_id) / SLOTS_FILE).exists()
    except (ConfigError, RunError, TypeError):
        return False


def _drive_parallel(overrides: dict[str, Any], k: int, *, config: str | None, resume: str | None,
                    run_id: str | None) -> None:
    """`run --parallel-tasks K`: one line per finished node of each slot, then a table per slot."""
    from rich.console import Console

    from roboskill.agents.runner import RunError, settings_for_run
    from roboskill.agents.slots import run_parallel
    from roboskill.agents.view import print_summary
    from roboskill.config import ConfigError

    console = Console()
    try:
        settings = settings_for_run(overrides, config_file=config, resume_run=resume)
    except (ConfigError, RunError) as exc:
        _fail(str(exc))
        return

    def line(slot: str, node: str, update: dict[str, Any]) -> None:
        task = (update.get("proposal") or {}).get("name") or update.get("task_id") or ""
        console.print(f"[dim]{slot}[/dim] {node}" + (f" {task}" if task else ""), highlight=False)

    try:
        outcome = run_parallel(settings, k, run_id=resume or run_id, resume=bool(resume), on_update=line)
    except RunError as exc:
        _fail(str(exc))
        return
    for sid, slot_outcome in outcome.slots:
        if slot_outcome is not None:
            print_summary(console, {**slot_outcome.values, "run_id": sid}, settings.runs_root / sid, slot_outcome.status)
    for sid, err in outcome.errors.items():
        console.print(f"[red]slot {sid} stopped: {err}[/red]", highlight=False)
    console.print(f"parallel run {outcome.run_id}: {len(outcome.learned)} skill(s) learned, {len(outcome.failed)} task(s) "
                  f"failed over {len(outcome.slots)} slots", highlight=False)
    if outcome.status == "interrupted":
        console.print(f"interrupted — continue with: roboskill run --resume {outcome.run_id}", highlight=False)
        raise typer.Exit(128 + (outcome.signum or 2))
    if outcome.errors or (outcome.failed and not outcome.learned):
        raise typer.Exit(1)


def _env_id(env: str, kwargs: list[str]) -> str:
    """--env plus its --env-kwarg pairs as one id ("module:EnvId?k=v"), checked before a run starts: a
    malformed id or keyword fails here in one line instead of inside a worker."""
    from roboskill.sim.external import ExternalEnvError, check_env_id, with_env_kwargs

    try:
        env_id = with_env_kwargs(env, kwargs)
        check_env_id(env_id)  # imports the env's package (no simulator starts): a wrong name fails here
        return env_id
    except ExternalEnvError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits


def register(app: typer.Typer) -> None:
    """Attach `run`, `learn` and `chat` to the main app."""

    @app.command("run")
    def run_cmd(
        max_tasks: Optional[int] = typer.Option(None, "--max-tasks", min=1, help="Tasks to attempt in this run."),
        resume: Optional[str] = typer.Option(None, "--resume", metavar="RUN_ID", help="Continue a stopped or crashed run."),
        config: Optional[str] = typer.Option(None, "--config", help="Settings file (default: ./roboskill.yaml if present)."),
        llm: Optional[str] = typer.Option(None, "--llm", help=_LLM_HELP),
        model: Optional[str] = typer.Option(None, "--model", help="Model name for the openai provider."),
        base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible endpoint (vLLM, Ollama, LM Studio...)."),
        llm_timeout: Optional[float] = typer.Option(None, "--llm-timeout", metavar="SECONDS", help=_LLM_TIMEOUT_HELP),
        executor: Optional[str] = typer.Option(None, "--executor", help="Where training runs: local or ray."),
        workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Parallel training workers."),
        max_iterations: Optional[int] = typer.Option(None, "--max-iterations", min=1, help="Critic iterations per task."),
        candidates: Optional[int] = typer.Option(None, "--candidates", min=1, help="Reward candidates per iteration (K)."),
        train_budget: Optional[float] = typer.Option(None, "--train-budget", help="Seconds of training per candidate."),
        wall_clock: Optional[float] = typer.Option(None, "--wall-clock", help="Stop starting new work after this many seconds."),
        max_tokens: Optional[int] = typer.Option(None, "--max-tokens", help="Token budget of the run."),
        seed: Optional[int] = typer.Option(None, "--seed"),
        run_id: Optional[str] = typer.Option(None, "--run-id", help="Name the new run (default: timestamp)."),
        live: bool = typer.Option(True, "--live/--no-live", help="Live terminal view (off: one line per step)."),
        parallel_tasks: int = typer.Option(1, "--parallel-tasks", min=1, max=64,
                                           help="Task slots run at once, sharing the library (runs <id>-s<k>)."),
        tensorboard: bool = typer.Option(False, "--tensorboard", help=_TB_HELP),
    ) -> None:
        """Run the open-ended curriculum: propose, build, reward, train, critique, remember."""
        o = _overrides(llm=llm, model=model, base_url=base_url, llm_timeout=llm_timeout, executor=executor, workers=workers, max_tasks=max_tasks,
                       max_iterations=max_iterations, candidates=candidates, train_budget=train_budget,
                       wall_clock=wall_clock, max_tokens=max_tokens, seed=seed, tensorboard=tensorboard or None)
        if parallel_tasks > 1 or (resume and _is_parallel(resume, o, config)):
            _drive_parallel(o, parallel_tasks, config=config, resume=resume, run_id=run_id)
            return
        _drive("run", o, config=config, resume=resume, run_id=run_id, live=live)

    @app.command("learn")
    def learn_cmd(
        task: Optional[str] = typer.Argument(None, help='The instruction, e.g. "open the top drawer" (not needed with --resume).'),
        env: Optional[str] = typer.Option(None, "--env", help="External gymnasium env \"module:EnvId[?key=value&...]\" (e.g. panda_gym:PandaPush-v3, gymnasium_robotics:FetchPush-v4, \"metaworld:Meta-World/MT1?env_name=drawer-open-v3\") instead of a designed scene; judged by the env's own success flag."),
        env_kwarg: Optional[list[str]] = typer.Option(None, "--env-kwarg", metavar="KEY=VALUE", help="Keyword for gymnasium.make of --env (repeatable), e.g. --env-kwarg env_name=drawer-open-v3."),
        resume: Optional[str] = typer.Option(None, "--resume", metavar="RUN_ID", help="Continue a stopped or crashed learn run (its task is remembered)."),
        config: Optional[str] = typer.Option(None, "--config"),
        llm: Optional[str] = typer.Option(None, "--llm", help=_LLM_HELP),
        model: Optional[str] = typer.Option(None, "--model"),
        base_url: Optional[str] = typer.Option(None, "--base-url"),
        llm_timeout: Optional[float] = typer.Option(None, "--llm-timeout", metavar="SECONDS", help=_LLM_TIMEOUT_HELP),
        executor: Optional[str] = typer.Option(None, "--executor"),
        workers: Optional[int] = typer.Option(None, "--workers", min=1),
        max_iterations: Optional[int] = typer.Option(None, "--max-iterations", min=1),
        candidates: Optional[int] = typer.Option(None, "--candidates", min=1),
        train_budget: Optional[float] = typer.Option(None, "--train-budget"),
        wall_clock: Optional[float] = typer.Option(None, "--wall-clock"),
        max_tokens: Optional[int] = typer.Option(None, "--max-tokens"),
        seed: Optional[int] = typer.Option(None, "--seed"),
        run_id: Optional[str] = typer.Option(None, "--run-id"),
        live: bool = typer.Option(True, "--live/--no-live"),
        tensorboard: bool = typer.Option(False, "--tensorboard", help=_TB_HELP),
    ) -> None:
        """Learn ONE given task with the same loop (the proposer is skipped); exit 1 if not learned."""
        if not resume and not (task or "").strip():
            _fail('give the task, e.g. roboskill learn "open the top drawer" (or continue a run: roboskill learn --resume RUN_ID)')
        if env_kwarg and not env:
            _fail("--env-kwarg needs --env")
        if env:
            env = _env_id(env, env_kwarg or [])
        o = _overrides(llm=llm, model=model, base_url=base_url, llm_timeout=llm_timeout, executor=executor, workers=workers, max_tasks=None,
                       max_iterations=max_iterations, candidates=candidates, train_budget=train_budget,
                       wall_clock=wall_clock, max_tokens=max_tokens, seed=seed, tensorboard=tensorboard or None)
        _drive("learn", o, config=config, resume=resume, run_id=run_id, live=live, given_task=task, env_id=env)

    @app.command("chat")
    def chat_cmd(
        resume: Optional[str] = typer.Option(None, "--resume", metavar="RUN_ID", help="Continue a chat session."),
        config: Optional[str] = typer.Option(None, "--config"),
        llm: Optional[str] = typer.Option(None, "--llm", help=_LLM_HELP),
        model: Optional[str] = typer.Option(None, "--model"),
        base_url: Optional[str] = typer.Option(None, "--base-url"),
        llm_timeout: Optional[float] = typer.Option(None, "--llm-timeout", metavar="SECONDS", help=_LLM_TIMEOUT_HELP),
        max_tasks: Optional[int] = typer.Option(None, "--max-tasks", min=1),
        max_iterations: Optional[int] = typer.Option(None, "--max-iterations", min=1),
        candidates: Optional[int] = typer.Option(None, "--candidates", min=1),
        train_budget: Optional[float] = typer.Option(None, "--train-budget"),
        seed: Optional[int] = typer.Option(None, "--seed"),
        run_id: Optional[str] = typer.Option(None, "--run-id"),
    ) -> None:
        """Steer the curriculum in conversation; approve / edit / reject each proposal (reads stdin)."""
        from roboskill.agents.chat import chat_loop

        o = _overrides(llm=llm, model=model, base_url=base_url, llm_timeout=llm_timeout, executor=None, workers=None, max_tasks=max_tasks,
                       max_iterations=max_iterations, candidates=candidates, train_budget=train_budget,
                       wall_clock=None, max_tokens=None, seed=seed)
        code = chat_loop(o, config=config, resume=resume, run_id=run_id, stdin=sys.stdin)
        if code:
            raise typer.Exit(code)
