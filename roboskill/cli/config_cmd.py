"""`roboskill config`: the effective settings and where each one came from.

Priority, lowest first: defaults < roboskill.yaml (or --config) < ROBOSKILL_* environment variables < flags.
The same flags as `roboskill run` are accepted, so `roboskill config --llm-timeout 300` previews a run's settings.
"""

from __future__ import annotations

import json
from typing import Any, Optional

import typer

from roboskill.cli.settings_flags import LLM_HELP, LLM_TIMEOUT_HELP, flag_overrides

PRIORITY = "defaults < file < env (ROBOSKILL_*) < flags"


def _shown(value: Any) -> Any:
    """A JSON-safe value with anything that looks like a secret redacted (a key pasted into a base_url...)."""
    from roboskill.tracing.redact import redact_text

    if isinstance(value, str):
        return redact_text(value)
    return json.loads(redact_text(json.dumps(value, default=str)))


def register(app: typer.Typer) -> None:
    """Attach `config` to the main app."""

    @app.command("config")
    def config_cmd(
        config: Optional[str] = typer.Option(None, "--config", help="Settings file (default: ./roboskill.yaml if present)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON: {config_file, priority, settings: {name: {value, source, name}}}."),
        llm: Optional[str] = typer.Option(None, "--llm", help=LLM_HELP),
        model: Optional[str] = typer.Option(None, "--model"),
        base_url: Optional[str] = typer.Option(None, "--base-url"),
        llm_timeout: Optional[float] = typer.Option(None, "--llm-timeout", metavar="SECONDS", help=LLM_TIMEOUT_HELP),
        executor: Optional[str] = typer.Option(None, "--executor"),
        workers: Optional[int] = typer.Option(None, "--workers"),
        max_tasks: Optional[int] = typer.Option(None, "--max-tasks"),
        max_iterations: Optional[int] = typer.Option(None, "--max-iterations"),
        candidates: Optional[int] = typer.Option(None, "--candidates"),
        train_budget: Optional[float] = typer.Option(None, "--train-budget"),
        wall_clock: Optional[float] = typer.Option(None, "--wall-clock"),
        max_tokens: Optional[int] = typer.Option(None, "--max-tokens"),
        seed: Optional[int] = typer.Option(None, "--seed"),
    ) -> None:
        """Print the effective settings and where each came from (default, file, env var or flag)."""
        from roboskill.cli.settings_flags import FLAG_NAMES
        from roboskill.config import ConfigError, explain_settings, read_layers

        flags = flag_overrides(llm=llm, model=model, base_url=base_url, llm_timeout=llm_timeout, executor=executor,
                               workers=workers, max_tasks=max_tasks, max_iterations=max_iterations,
                               candidates=candidates, train_budget=train_budget, wall_clock=wall_clock,
                               max_tokens=max_tokens, seed=seed)
        try:
            layers = read_layers(config, flag_names=FLAG_NAMES, **flags)
            _, rows = explain_settings(layers)
        except ConfigError as exc:
            typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from None
        config_file = str(layers.file_path.resolve()) if layers.file_path else None
        if as_json:
            typer.echo(json.dumps({
                "config_file": config_file, "priority": PRIORITY,
                "settings": {key: {"value": _shown(value), "source": origin.kind, "name": origin.name}
                             for key, value, origin in rows},
            }, indent=2))
            return
        typer.echo(f"config file: {config_file or '(none: no ./roboskill.yaml and no --config)'}")
        typer.echo(f"priority:    {PRIORITY}")
        width = max(len(key) for key, _, _ in rows)
        for key, value, origin in rows:
            shown = _shown(value)
            text = shown if isinstance(shown, str) else json.dumps(shown)
            typer.echo(f"{key.ljust(width)}  {text}  ({origin})")
