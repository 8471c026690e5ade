"""Settings read from the environment: one reader per kind of value, a Vietnamese error when malformed."""

from __future__ import annotations

import os

from congvan.errors import CongvanError


def env_seconds(name: str, default: float, maximum: float, example: str) -> float:
    """Seconds from ``$name`` (*default* when unset), in (0, *maximum*], or a Vietnamese error."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise CongvanError(f"{name}={raw!r}: cần số giây, ví dụ {example}") from None
    if not 0 < value <= maximum:
        raise CongvanError(f"{name}={raw!r}: số giây phải lớn hơn 0 và không quá {maximum:g}")
    return value
