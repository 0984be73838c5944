"""Bridges: roboskill's operations and outputs in the tools people already use.

Each module has one job and imports its optional package lazily, so the core install never needs it:

- `mcp_tools`  — the operations an agent can call (learn, search/run skills, build scenes, read traces),
                 as plain functions over typed pydantic inputs; no `mcp` import, so they are testable alone.
- `mcp_server` — exposes `mcp_tools` over the Model Context Protocol (extra `roboskill[mcp]`).
- `studio`     — the graph factory `langgraph dev` (LangGraph Studio) serves, named in `langgraph.json`.
- `tensorboard`— event files of training attempts (`--tensorboard`; extra `roboskill[tensorboard]`).
- `lerobot`    — demonstrations written with LeRobot's own dataset writer (extra `roboskill[lerobot]`).
"""
