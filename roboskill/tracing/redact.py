"""Secret redaction applied to everything the trace store writes.

Traces are exported, shown in a dashboard and shared in bug reports, so keys must never reach them.
Redaction happens on write (not on display) so no copy of a secret ever exists on disk.
"""

from __future__ import annotations

import os
import re
from typing import Any

REDACTED = "[REDACTED]"
_SECRET_NAME = re.compile(r"(api[_-]?key|token|secret|password|passwd|authorization|credential)", re.I)
_SECRET_PATTERNS = [
    re.compile(r"sk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-~+/=]{8,}"),
    re.compile(r"(?i)(authorization\s*[:=]\s*)\S+"),
    re.compile(r"(?i)(api[_-]?key\s*[:=]\s*)['\"]?[A-Za-z0-9._\-]{6,}"),
]


def _secret_env_values() -> list[str]:
    """Values of environment variables whose names look secret (long enough to be worth matching)."""
    return [v for k, v in os.environ.items() if _SECRET_NAME.search(k) and len(v) >= 6]


def redact_text(text: str, extra_secrets: list[str] | None = None) -> str:
    """Replace secret-looking substrings and known secret values in `text`."""
    for value in _secret_env_values() + list(extra_secrets or []):
        if value and value in text:
            text = text.replace(value, REDACTED)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return text


def redact(value: Any, extra_secrets: list[str] | None = None) -> Any:
    """Redact a JSON-like structure: secret-named keys lose their values, strings are scrubbed."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if isinstance(k, str) and _SECRET_NAME.search(k) and v not in (None, "") else redact(v, extra_secrets))
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact(v, extra_secrets) for v in value]
    if isinstance(value, str):
        return redact_text(value, extra_secrets)
    return value
