"""Path checks for everything the dashboard reads from disk.

The dashboard serves files named in URLs; without these checks `../../.ssh/id_rsa`, `%2e%2e/`, an
absolute path or a symlink planted in a run directory would read files outside the run. Every file
access goes through `safe_join`, which resolves symlinks and refuses anything that leaves the base.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,199}$")


class UnsafePathError(ValueError):
    """A requested path that would leave its base directory (or is malformed)."""


def check_name(name: str, what: str = "name") -> str:
    """A single path component such as a run id or task slug (no separators, no `..`)."""
    if not NAME_RE.match(name or "") or name in (".", ".."):
        raise UnsafePathError(f"invalid {what} {name!r}: use letters, digits, '_', '-' or '.'")
    return name


def safe_join(base: Path, relative: str) -> Path:
    """`base / relative`, resolved, guaranteed to stay inside `base` (symlinks included)."""
    if not relative or "\x00" in relative or "\\" in relative:
        raise UnsafePathError(f"invalid path {relative!r}")
    rel = PurePosixPath(relative)
    if rel.is_absolute() or any(part in ("..", "") for part in rel.parts) or relative.startswith("~"):
        raise UnsafePathError(f"path {relative!r} must be relative and must not contain '..'")
    root = base.resolve()
    target = (root / rel).resolve()
    if target != root and root not in target.parents:
        raise UnsafePathError(f"path {relative!r} leaves {base.name}")
    return target
