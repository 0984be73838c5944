"""`roboskill ui`: the local web dashboard (runs, tasks, reward diffs, videos, skills, traces, chat)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any, Callable, Optional

import typer


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _chat_backend(runs_root: Path) -> Optional[Callable[[Optional[str], str], dict[str, Any]]]:
    """The agents' chat session as `chat_backend(run_id, text)`, bound to this dashboard's runs root."""
    try:
        from roboskill.agents.runner import chat_backend  # type: ignore[attr-defined]
    except ImportError:
        return None
    from roboskill.config import load_settings

    def backend(run_id: Optional[str], text: str) -> dict[str, Any]:
        return chat_backend(run_id, text, settings=load_settings(runs_dir=runs_root))

    return backend


def register(app: typer.Typer) -> None:
    """Attach this area's commands to the main app."""

    @app.command("ui")
    def ui(
        host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (default: this machine only)."),
        port: int = typer.Option(8765, "--port", min=0, max=65535),
        runs_dir: Optional[Path] = typer.Option(None, "--runs-dir", help="Runs root (default: settings runs_root)."),
        library: Optional[Path] = typer.Option(None, "--library", help="Skill library (default: settings library_dir)."),
        no_chat: bool = typer.Option(False, "--no-chat", help="Disable the chat panel."),
    ) -> None:
        """Serve the dashboard on http://127.0.0.1:8765 (runs, tasks, reward diffs, videos, skills, traces, chat)."""
        import uvicorn

        from roboskill.config import ConfigError, load_settings
        from roboskill.ui.server import create_app

        try:
            settings = load_settings()
        except ConfigError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        root = (runs_dir or settings.runs_root).expanduser()
        lib = (library or settings.library_dir).expanduser()
        allowed = None
        if _is_loopback(host):
            allowed = ["127.0.0.1", "localhost", "[::1]", host]
        else:
            typer.echo(f"warning: binding to {host}: anyone who can reach this address sees your runs and can "
                       "drive the chat; the default 127.0.0.1 keeps it on this machine", err=True)
        backend = None if no_chat else _chat_backend(root)
        application = create_app(root, lib, backend, allowed_hosts=allowed)
        shown = f"[{host}]" if ":" in host else host
        typer.echo(f"roboskill dashboard on http://{shown}:{port}  (runs: {root}, library: {lib}; Ctrl+C stops)")
        uvicorn.run(application, host=host, port=port, log_level="warning")
