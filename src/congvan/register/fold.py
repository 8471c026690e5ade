"""Accent-insensitive search key for trích yếu.

Stored in a column at insert time so that search is a plain ``LIKE`` that works
the same on SQLite and PostgreSQL (neither folds Vietnamese diacritics by itself).
Uses the shared :func:`congvan.vi.chu.khoa_tim_kiem` when available; the local
fallback has the same semantics so keys written by either match.
"""

from __future__ import annotations

import unicodedata


def _khoa_tim_kiem_local(s: str) -> str:
    decomposed = unicodedata.normalize("NFD", s)
    base = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    base = unicodedata.normalize("NFC", base.replace("đ", "d").replace("Đ", "D"))
    return " ".join(base.split()).casefold()


try:
    from congvan.vi.chu import khoa_tim_kiem as _shared
except ImportError:  # pragma: no cover - depends on the other module being present
    _shared = None


def khoa_tim_kiem(s: str) -> str:
    """``"Hội  Khuyến học"`` → ``"hoi khuyen hoc"``."""
    return _shared(s) if _shared is not None else _khoa_tim_kiem_local(s)
