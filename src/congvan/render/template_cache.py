"""Compiled templates cached across processes.

Compiling a DOCX template (lint, docxtpl's patch, Jinja parse, checks, codegen)
costs ~100 ms; a ``congvan render one.yaml`` should not pay it every time. The
cache entry of a template is keyed by the content of its templated parts, by
congvan's version and by the engine's own code (so an edited engine never runs
stale code), and holds the compiled code of each part as :mod:`marshal` data
(the format Jinja's own bytecode cache uses; the key carries Python's and Jinja's
versions, so a format change is a different key) plus what the checks found (lint
warnings, names used), as JSON. No pickle: reading an entry imports nothing.

An entry that is unreadable, truncated, from another version or for another key
is ignored and rebuilt, never trusted; a cache folder that cannot be written
just means no cache. ``CONGVAN_CACHE_DIR`` chooses the folder (``0``/``off``: no cache).
"""

from __future__ import annotations

import hashlib
import json
import marshal
import struct
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2

import congvan
from congvan.disk_cache import cache_dir, prune, store_atomically
from congvan.render.lint import LintFinding

MAGIC = b"congvan-mau-2\n"
_LEN = struct.Struct("<Q")
#: Entries kept; older ones (least recently written) go when a new one is stored.
MAX_ENTRIES = 200
_ENGINE_FILES = ("engine.py", "jinja_env.py", "lint.py", "template_cache.py")


@dataclass
class Entry:
    """What loading a template needs besides its parts."""

    sources: dict[str, str]
    codes: dict[str, CodeType]
    warnings: list[LintFinding] = field(default_factory=list)
    used_names: list[str] = field(default_factory=list)
    used_attrs: list[tuple[str, str]] = field(default_factory=list)


def _engine_stamp() -> bytes:
    """A digest of the engine's own source: an edited engine (same mtime or not) never runs stale code."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in _ENGINE_FILES:
        try:
            data = (here / name).read_bytes()
        except OSError:
            data = b"?"
        h.update(_LEN.pack(len(name)) + name.encode() + _LEN.pack(len(data)) + data)
    return h.digest()


def key_for(parts: Mapping[str, bytes], templated: Iterable[str], env: Any, strict_lint: bool) -> str | None:
    """The cache key of a template, or None when caching is off."""
    if cache_dir() is None:
        return None
    h = hashlib.sha256()
    for piece in (
        MAGIC,
        congvan.__version__.encode(),
        jinja2.__version__.encode(),
        sys.version.encode(),
        _engine_stamp(),
        repr(sorted(env.filters)).encode(),
        repr(sorted(env.tests)).encode(),
        b"strict" if strict_lint else b"lenient",
    ):
        h.update(_LEN.pack(len(piece)) + piece)
    for name in templated:
        data = parts[name]
        h.update(_LEN.pack(len(name)) + name.encode() + _LEN.pack(len(data)))
        h.update(data)
    return h.hexdigest()


def _path(key: str) -> Path | None:
    folder = cache_dir()
    return folder / f"{key}.bin" if folder else None


def load(key: str, env: Any = None) -> Entry | None:
    """The cached entry for *key*, or None if missing, stale or corrupt."""
    path = _path(key)
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        return _decode(data, key, env)
    except Exception:  # corrupt in any way: rebuild, never trust
        return None


def _decode(data: bytes, key: str, env: Any = None) -> Entry | None:
    if not data.startswith(MAGIC):
        return None
    pos = len(MAGIC)
    (size,) = _LEN.unpack_from(data, pos)
    pos += _LEN.size
    meta = json.loads(data[pos : pos + size].decode("utf-8"))
    pos += size
    if meta.get("key") != key:
        return None
    codes: dict[str, CodeType] = {}
    for part in meta["parts"]:
        (size,) = _LEN.unpack_from(data, pos)
        pos += _LEN.size
        chunk = data[pos : pos + size]
        if len(chunk) != size:
            return None
        pos += size
        code = marshal.loads(chunk)
        if not isinstance(code, CodeType):
            return None
        codes[part] = code
    if pos != len(data):
        return None
    return Entry(
        sources={str(k): str(v) for k, v in meta["sources"].items()},
        codes=codes,
        warnings=[LintFinding(str(w), str(m), bool(e)) for w, m, e in meta["warnings"]],
        used_names=[str(n) for n in meta["used_names"]],
        used_attrs=[(str(a), str(b)) for a, b in meta["used_attrs"]],
    )


def store(key: str, entry: Entry) -> None:
    """Write *entry* atomically; a cache that cannot be written is silently skipped."""
    path = _path(key)
    if path is None:
        return
    meta = {
        "key": key,
        "parts": list(entry.codes),
        "sources": entry.sources,
        "warnings": [[w.where, w.message, w.error] for w in entry.warnings],
        "used_names": entry.used_names,
        "used_attrs": [list(p) for p in entry.used_attrs],
    }
    blob = bytearray(MAGIC)
    encoded = json.dumps(meta, ensure_ascii=False).encode("utf-8")
    blob += _LEN.pack(len(encoded)) + encoded
    for code in entry.codes.values():
        chunk = marshal.dumps(code)
        blob += _LEN.pack(len(chunk)) + chunk
    store_atomically(path, bytes(blob))
    prune(path.parent, "*.bin", MAX_ENTRIES)
