"""DOCX packages as ZIP files, written fast.

A template's unchanged parts (styles, fonts table, theme, media...) are deflated
once when the template is loaded; each output then writes those ready-made bytes
and compresses only the parts that changed (usually ``word/document.xml``). This is
the main reason our renders are far cheaper than docxtpl's, which re-serialises and
re-compresses every part on every save.
"""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")


def _dos_time(ts: float) -> tuple[int, int]:
    t = time.localtime(ts)
    year = max(t.tm_year, 1980)
    return (
        (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2),
        ((year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday,
    )


@dataclass(frozen=True)
class _Entry:
    """One deflated member, ready to be written anywhere in an archive."""

    name: bytes
    crc: int
    size: int
    data: bytes  # raw deflate stream

    @classmethod
    def deflate(cls, name: str, payload: bytes, level: int = 6) -> _Entry:
        comp = zlib.compressobj(level, zlib.DEFLATED, -15)
        data = comp.compress(payload) + comp.flush()
        return cls(name.encode("utf-8"), zlib.crc32(payload), len(payload), data)


class PackageWriter:
    """Writes DOCX packages that share most parts with one template.

    ``order`` keeps the template's member order ([Content_Types].xml first, as Word
    expects); names added per document go last.
    """

    def __init__(self, parts: Mapping[str, bytes], level: int = 6) -> None:
        self._level = level
        self._order = list(parts)
        self._ready = {name: _Entry.deflate(name, data, level) for name, data in parts.items()}
        self._time, self._date = _dos_time(time.time())

    def write(self, out: IO[bytes], changed: Mapping[str, bytes]) -> None:
        """Write the template's parts, with *changed* ones replaced or added."""
        names = self._order + [n for n in changed if n not in self._ready]
        central = bytearray()
        offset = 0
        for name in names:
            entry = (
                _Entry.deflate(name, changed[name], self._level)
                if name in changed
                else self._ready[name]
            )
            header = _LOCAL.pack(
                0x04034B50, 20, 0x0800, 8, self._time, self._date,
                entry.crc, len(entry.data), entry.size, len(entry.name), 0,
            )
            out.write(header)
            out.write(entry.name)
            out.write(entry.data)
            central += _CENTRAL.pack(
                0x02014B50, 20, 20, 0x0800, 8, self._time, self._date,
                entry.crc, len(entry.data), entry.size, len(entry.name), 0, 0, 0, 0, 0, offset,
            ) + entry.name
            offset += len(header) + len(entry.name) + len(entry.data)
        out.write(central)
        out.write(_END.pack(0x06054B50, 0, 0, len(names), len(names), len(central), offset, 0))

    def to_bytes(self, changed: Mapping[str, bytes]) -> bytes:
        buf = io.BytesIO()
        self.write(buf, changed)
        return buf.getvalue()


def read_parts(source: str | IO[bytes] | bytes) -> dict[str, bytes]:
    """All members of a ZIP package, in archive order."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    with zipfile.ZipFile(source) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist() if not info.is_dir()}


def iter_xml_parts(parts: Iterable[str]) -> list[str]:
    """The parts a template may put Jinja tags in: body, headers, footers."""
    return [
        n
        for n in parts
        if n == "word/document.xml"
        or (n.startswith("word/header") and n.endswith(".xml"))
        or (n.startswith("word/footer") and n.endswith(".xml"))
    ]
