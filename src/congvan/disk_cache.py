"""Objects cached across processes, keyed by what they were built from; never trusted blindly.

A ``congvan render`` process should not redo work whose inputs did not change since the
last run: parsing and validating the bundled rule profiles costs more than rendering a
record. An entry is stored under a key the caller derives from *every* input (file
contents, the code that builds the object, congvan's, Python's and pydantic's versions);
the key is also stored inside the entry and checked on load. A missing, unreadable,
corrupt or foreign entry is ignored and rebuilt; a cache folder that cannot be written
just means no cache. The folder is the one compiled templates use
(``CONGVAN_CACHE_DIR``, ``0``/``off``: no cache; default ``~/.cache/congvan/mau``),
created private to the user (mode 0700) because entries are pickles.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import congvan
from congvan.fileio import write_bytes_atomic

T = TypeVar("T")


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off (shared with the template cache)."""
    chosen = os.environ.get("CONGVAN_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "0", "off", "no") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "congvan" / "mau"


def key_of(kind: str, pieces: Iterable[bytes]) -> str:
    """A key over *pieces* plus congvan's and Python's versions (length-prefixed, so pieces cannot run together)."""
    h = hashlib.sha256()
    for piece in (kind.encode(), congvan.__version__.encode(), sys.version.encode(), *pieces):
        h.update(len(piece).to_bytes(8, "little") + piece)
    return h.hexdigest()


def cached(kind: str, key: str, build: Callable[[], T], accept: type) -> T:
    """The object stored under *key*, or ``build()`` (then stored); *accept*: the type it must have."""
    folder = cache_dir()
    path = folder / f"{kind}-{key[:40]}.pickle" if folder else None
    if path is not None:
        with contextlib.suppress(Exception):  # missing, unreadable, corrupt: rebuild
            stored_key, value = pickle.loads(path.read_bytes())
            if stored_key == key and isinstance(value, accept):
                return value  # type: ignore[no-any-return]
    value = build()
    if path is not None:
        store_atomically(path, pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL))
        _prune(path.parent, kind)
    return value


#: Entries kept per kind (several checkouts may share one cache folder); older ones go.
KEEP_PER_KIND = 8


def _prune(folder: Path, kind: str) -> None:
    """Keep the cache bounded: every edit of a profile makes a new key, the old entry is dead."""
    prune(folder, f"{kind}-*.pickle", KEEP_PER_KIND)


def prune(folder: Path, pattern: str, keep: int) -> None:
    """Delete all but the *keep* most recently written files matching *pattern* in *folder*."""

    def written(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0

    entries = sorted(folder.glob(pattern), key=written)
    for old in entries[: max(len(entries) - keep, 0)]:
        with contextlib.suppress(OSError):
            old.unlink()


def store_atomically(path: Path, blob: bytes) -> None:
    """Write atomically; any failure leaves no entry (and no error: the cache is optional)."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_bytes_atomic(path, blob, fsync=False)
