"""`roboskill mcp`: the operations of `mcp_tools` as Model Context Protocol tools, over stdio.

Why: so another agent (Claude Desktop, an IDE agent, a LangGraph agent with an MCP adapter) can learn
skills, search and run them, build scenes and read traces without glue code. Each tool's arguments are
the fields of its pydantic input model — flat, typed and described in the JSON schema the client sees —
and the work runs in a worker thread so progress notifications and other requests keep flowing.
Stdout is the protocol wire: the `mcp` SDK points fd 1 at stderr while it serves, and every heavy import
(pybullet prints its build line) happens inside a tool, after that.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, Field

from roboskill.bridges import mcp_tools as t

INSTRUCTIONS = (
    "roboskill learns robot manipulation skills in simulation. learn starts a learning run for a task in words "
    "and returns its run id (learn_status follows it; wait=true blocks with progress); skills_search finds "
    "learned skills by meaning; skills_run executes one (in another scene with bindings) and says in how many "
    "episodes its goal held; scene_build validates and builds a scene spec; traces_show returns a run's agent trace."
)


def _flat(model: type[BaseModel], fn: Callable[..., Any], *, progress: bool) -> Callable[..., Any]:
    """An async tool whose parameters are the fields of `model` (so clients see flat, typed arguments)."""
    from mcp.server.mcpserver import Context
    from mcp.server.mcpserver.exceptions import ToolError

    async def tool(**kwargs: Any) -> Any:
        import anyio
        import anyio.from_thread

        ctx = kwargs.pop("ctx", None)
        req = model(**kwargs)

        def report(done: float, total: float | None, message: str) -> None:
            if ctx is not None:
                anyio.from_thread.run(functools.partial(ctx.report_progress, done, total, message))

        call = functools.partial(fn, req, report) if progress else functools.partial(fn, req)
        try:
            out = await anyio.to_thread.run_sync(call)
        except t.BridgeError as exc:  # a request we cannot serve: the caller must see why (a crash stays generic)
            raise ToolError(str(exc)) from None
        return out.model_dump(mode="json") if isinstance(out, BaseModel) else out

    params = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                                default=inspect.Parameter.empty if f.is_required() else f.get_default(call_default_factory=True),
                                annotation=Annotated[(f.annotation, *f.metadata, Field(description=f.description))])
              for name, f in model.model_fields.items()]
    params.append(inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Context))
    tool.__signature__ = inspect.Signature(params, return_annotation=dict[str, Any])  # type: ignore[attr-defined]
    tool.__annotations__ = {p.name: p.annotation for p in params} | {"return": dict[str, Any]}
    tool.__name__ = fn.__name__
    tool.__doc__ = fn.__doc__
    return tool


TOOLS: list[tuple[str, type[BaseModel], Callable[..., Any], bool]] = [
    ("learn", t.LearnInput, t.learn, True),
    ("learn_status", t.LearnStatusInput, t.learn_status, False),
    ("skills_search", t.SkillsSearchInput, t.skills_search, False),
    ("skills_run", t.SkillsRunInput, t.skills_run, True),
    ("scene_build", t.SceneBuildInput, t.scene_build, False),
    ("traces_show", t.TracesShowInput, t.traces_show, False),
]


def make_server() -> Any:
    """The MCP server with every roboskill tool registered (not yet serving)."""
    from mcp.server.mcpserver import MCPServer

    from roboskill import __version__

    server = MCPServer("roboskill", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")
    for name, model, fn, progress in TOOLS:
        server.add_tool(_flat(model, fn, progress=progress), name=name, description=(fn.__doc__ or "").strip(),
                        structured_output=True)
    return server


def serve_stdio() -> None:
    """Serve until the client closes stdin."""
    make_server().run("stdio")
