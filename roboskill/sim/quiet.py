"""Silence C-level stdout around a call that prints from C (PyBullet's connection options, V-HACD's log).

Why at the file-descriptor level: those libraries write to fd 1 directly, past Python's `sys.stdout`, and their
lines would land in a CLI's JSON output or an MCP server's protocol stream.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_c_stdout() -> Iterator[None]:
    """fd 1 goes to /dev/null inside the block; nothing happens when there is no real fd 1 (e.g. captured)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no real fd 1: nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
