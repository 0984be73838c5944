"""Secret redaction applied to everything the trace store writes.

Traces are exported, shown in a dashboard and shared in bug reports, so keys must never reach them.
Redaction happens on write (not on display) so no copy of a secret ever exists on disk; the dashboard
and the exporters run it again on read as a second line of defence.

Three rules:
- values of environment variables whose *name* looks secret (KEY, TOKEN, SECRET, PASSWORD, ...) are
  replaced wherever they appear in any string;
- secret-looking patterns (`sk-...`, `Bearer ...`, `Authorization: ...`, `api_key=...`) are replaced;
- string values of secret-named fields (`api_key`, `openai_api_key`, `token`, `password`,
  `Authorization`, ...) are replaced. Token *counts* (`input_tokens`, `max_tokens`) are numbers, and
  only string values are redacted, so usage statistics survive.
"""

from __future__ import annotations

import os
import re
from typing import Any

REDACTED = "[REDACTED]"

_SECRET_ENV_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)", re.I)
_SECRET_FIELD = re.compile(
    r"(^|[_\-.])(api[_\-]?key|apikey|secret|client[_\-]?secret|password|passwd|authorization|"
    r"credentials?|(access|refresh|auth|bearer|session|id)?[_\-]?token|private[_\-]?key|secret[_\-]?key)$",
    re.I,
)
_SECRET_PATTERNS = [
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?!\[REDACTED\])[^\s,;\"'}][^\r\n,;\"'}]*"),
    re.compile(r"(?<![A-Za-z0-9_\-])sk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)(bearer\s+)(?!\[REDACTED\])[A-Za-z0-9._\-~+/=]{6,}"),
    re.compile(r"(?i)(api[_\-]?key[\"']?\s*[:=]\s*[\"']?)(?!\[REDACTED\])[A-Za-z0-9._\-]{6,}"),
]
_NOT_SECRET_VALUES = {"true", "false", "none", "null", "yes", "no", "0", "1"}


def secret_env_values() -> list[str]:
    """Values of environment variables whose names look secret, longest first (so overlaps redact fully)."""
    values = {
        v for k, v in os.environ.items()
        if _SECRET_ENV_NAME.search(k) and len(v) >= 6 and v.lower() not in _NOT_SECRET_VALUES and not v.isdigit()
    }
    return sorted(values, key=len, reverse=True)


def is_secret_field(name: str) -> bool:
    """True for field names that hold credentials (api_key, token, Authorization), not token counts."""
    return bool(_SECRET_FIELD.search(name.strip()))


def redact_text(text: str, extra_secrets: list[str] | None = None, *, _env: list[str] | None = None) -> str:
    """Replace secret-looking substrings and known secret values in `text`."""
    secrets = (_env if _env is not None else secret_env_values()) + list(extra_secrets or [])
    for value in secrets:
        if value and value in text:
            text = text.replace(value, REDACTED)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() and m.group(1) else "") + REDACTED, text)
    return text


def redact(value: Any, extra_secrets: list[str] | None = None) -> Any:
    """Redact a JSON-like structure: secret-named fields lose string values, every string is scrubbed."""
    env = secret_env_values()
    return _redact(value, env + list(extra_secrets or []))


def _redact(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            if isinstance(k, str) and isinstance(v, str) and v and is_secret_field(k):
                out[k] = REDACTED
            else:
                out[k] = _redact(v, secrets)
        return out
    if isinstance(value, (list, tuple)):
        return [_redact(v, secrets) for v in value]
    if isinstance(value, str):
        return redact_text(value, _env=secrets)
    return value
