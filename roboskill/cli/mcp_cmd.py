"""`roboskill mcp`: serve roboskill's tools to other agents over the Model Context Protocol (stdio)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach `mcp` to the main app."""

    @app.command("mcp")
    def mcp_cmd() -> None:
        """Serve learn, learn_status, skills_search, skills_run, scene_build and traces_show as MCP tools on stdio.

        Add to an MCP client as the command `roboskill mcp` (needs `pip install "roboskill[mcp]"`).
        """
        try:
            from roboskill.bridges.mcp_server import serve_stdio
        except ImportError as exc:
            typer.secho(f"error: roboskill mcp needs the mcp package: pip install \"roboskill[mcp]\" ({exc})",
                        fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from None
        serve_stdio()
