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
        # Window and hash sized to the part: zlib's full 32 KB window costs ~50 µs to set
        # up, ten times what a 500-byte header takes to compress, and finds nothing more in
        # a part shorter than the window. Any inflater reads the stream (it is still deflate).
        bits = max(9, min(15, len(payload).bit_length()))
        comp = zlib.compressobj(level, zlib.DEFLATED, -bits, max(1, min(8, bits - 7)))
        data = comp.compress(payload) + comp.flush()
        return cls(name.encode("utf-8"), zlib.crc32(payload), len(payload), data)


class PackageWriter:
    """Writes DOCX packages that share most parts with one template.

    ``order`` keeps the template's member order ([Content_Types].xml first, as Word
    expects); names added per document go last.
    """

    def __init__(self, parts: Mapping[str, bytes], level: int = 6, fixed_time: bool = False) -> None:
        self._level = level
        self._order = list(parts)
        self._ready = {name: _Entry.deflate(name, data, level) for name, data in parts.items()}
        # fixed_time: 1980-01-01 00:00 on every member, so the same input gives the same bytes
        self._time, self._date = (0, 0x21) if fixed_time else _dos_time(time.time())

    def write(
        self,
        out: IO[bytes],
        changed: Mapping[str, bytes],
        streamed: Mapping[str, Iterable[bytes]] | None = None,
    ) -> None:
        """Write the template's parts, with *changed* ones replaced or added.

        *streamed* parts are deflated chunk by chunk as their iterables yield, so a
        merged ``document.xml`` of any length never sits in memory whole; *out* must
        then be seekable (the local header is patched once the sizes are known).
        """
        streamed = streamed or {}
        extra = [n for n in (*changed, *streamed) if n not in self._ready]
        names = self._order + list(dict.fromkeys(extra))
        central = bytearray()
        offset = 0
        for name in names:
            if name in streamed:
                crc, csize, size, raw_name = self._write_streamed(out, name, streamed[name])
            else:
                entry = _Entry.deflate(name, changed[name], self._level) if name in changed else self._ready[name]
                crc, csize, size, raw_name = entry.crc, len(entry.data), entry.size, entry.name
                out.write(self._local(crc, csize, size, raw_name))
                out.write(entry.data)
            central += (
                _CENTRAL.pack(
                    0x02014B50,
                    20,
                    20,
                    0x0800,
                    8,
                    self._time,
                    self._date,
                    crc,
                    csize,
                    size,
                    len(raw_name),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + raw_name
            )
            offset += _LOCAL.size + len(raw_name) + csize
        out.write(central)
        out.write(_END.pack(0x06054B50, 0, 0, len(names), len(names), len(central), offset, 0))

    def _local(self, crc: int, csize: int, size: int, raw_name: bytes) -> bytes:
        return (
            _LOCAL.pack(
                0x04034B50,
                20,
                0x0800,
                8,
                self._time,
                self._date,
                crc,
                csize,
                size,
                len(raw_name),
                0,
            )
            + raw_name
        )

    def _write_streamed(self, out: IO[bytes], name: str, chunks: Iterable[bytes]) -> tuple[int, int, int, bytes]:
        raw_name = name.encode("utf-8")
        start = out.tell()
        out.write(self._local(0, 0, 0, raw_name))
        comp = zlib.compressobj(self._level, zlib.DEFLATED, -15)
        crc = size = csize = 0
        for chunk in chunks:
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            data = comp.compress(chunk)
            csize += len(data)
            out.write(data)
        data = comp.flush()
        csize += len(data)
        out.write(data)
        if size >= 0xFFFFFFFF or csize >= 0xFFFFFFFF:
            raise OverflowError("part larger than 4 GiB needs ZIP64")
        end = out.tell()
        out.seek(start)
        out.write(self._local(crc, csize, size, raw_name))
        out.seek(end)
        return crc, csize, size, raw_name

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
