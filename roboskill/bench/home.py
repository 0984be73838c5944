"""Point ROBOSKILL_HOME at a benchmark's own directory for a block, and put the old value back afterwards.

Why: a benchmark learns into a throw-away home (its library, URDF cache and runs live there) inside the
process that runs it; replays and loaders read the same variable, so it must be set around them and
restored even when the block raises.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def roboskill_home(home: str | Path) -> Iterator[None]:
    """ROBOSKILL_HOME = `home` inside the block; the previous value (or its absence) afterwards."""
    old = os.environ.get("ROBOSKILL_HOME")
    os.environ["ROBOSKILL_HOME"] = str(home)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("ROBOSKILL_HOME", None)
        else:
            os.environ["ROBOSKILL_HOME"] = old
