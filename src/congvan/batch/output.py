"""Batch outputs: one merged DOCX, or one DOCX per row, written safely and fast.

Merging concatenates each row's rendered body into one ``document.xml`` (never
docxcompose, which grows faster than linearly): a copy of the template's final
``w:sectPr`` closes each row's section, so every certificate starts a new page
with the template's own page set-up, and drawing ids are renumbered so each
``wp:docPr id`` stays unique. The merged part is streamed into the ZIP, so the
row count does not change memory use.

Per-row files are written to a temporary name and renamed into place, and a
journal (``.congvan-batch.tsv``) records each finished file with a digest of its
data: an interrupted run leaves no half-written file and a re-run only renders
what is missing or changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import queue
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from congvan.errors import CongvanError, Problem, display_path
from congvan.fileio import atomic_writer, write_bytes_atomic
from congvan.render.engine import CompiledTemplate
from congvan.render.package import PackageWriter

DOCUMENT = "word/document.xml"
JOURNAL = ".congvan-batch.tsv"
_DOCPR_ID = re.compile(r'(<wp:docPr\b[^>]*?\bid=")(\d+)(")')
_SECTION_GAP = (
    '<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
    '<w:rPr><w:sz w:val="2"/></w:rPr>{sect}</w:pPr></w:p>'
)


# --- merged document -------------------------------------------------------------


class _Body:
    """A rendered ``document.xml`` cut into prefix, body content and final sectPr."""

    def __init__(self, xml: str) -> None:
        start = xml.find("<w:body>")
        if start < 0:
            raise CongvanError("mẫu không có phần thân <w:body>")
        start += len("<w:body>")
        end = xml.rfind("</w:body>")
        sect = xml.rfind("<w:sectPr", start, end)
        if sect < 0:
            sect = end
        self.prefix = xml[:start]
        self.content = xml[start:sect]
        self.sect = xml[sect:end]
        self.suffix = xml[end:]


class DocPrCounter:
    """Hands out fresh drawing ids, above every id already used outside the body."""

    def __init__(self, parts: Mapping[str, bytes]) -> None:
        used = [
            int(m.group(2))
            for name, data in parts.items()
            if name != DOCUMENT and name.endswith(".xml")
            for m in _DOCPR_ID.finditer(data.decode("utf-8", "ignore"))
        ]
        self.next = max(used, default=0) + 1

    def renumber(self, xml: str) -> str:
        if "docPr" not in xml:
            return xml

        def fresh(m: re.Match[str]) -> str:
            self.next += 1
            return f"{m.group(1)}{self.next}{m.group(3)}"

        return _DOCPR_ID.sub(fresh, xml)


RenderPart = Callable[[Mapping[str, Any]], str]


def merged_chunks(template: CompiledTemplate, rows: Iterable[Mapping[str, Any]], render: RenderPart) -> Iterator[bytes]:
    """``document.xml`` of all rows, one section per row, as a stream of UTF-8 chunks."""
    return merged_from_bodies(template, (_Body(render(context)) for context in rows))


def render_bodies(rows: Iterable[Mapping[str, Any]], render: RenderPart) -> list[_Body]:
    """Each row's rendered document part, cut up: what a Dask worker hands back for a chunk."""
    return [_Body(render(context)) for context in rows]


def merged_from_bodies(template: CompiledTemplate, bodies: Iterable[_Body]) -> Iterator[bytes]:
    """Join rendered bodies in order; drawing ids are numbered here, so they follow the list order."""
    ids = DocPrCounter(template.parts)
    last: _Body | None = None
    for body in bodies:
        if last is None:
            yield body.prefix.encode("utf-8")
        else:
            yield _close_section(last).encode("utf-8")
        yield ids.renumber(body.content).encode("utf-8")
        last = body
    if last is None:
        raise CongvanError("không có dòng dữ liệu nào để in")
    yield (last.sect + last.suffix).encode("utf-8")


def _close_section(body: _Body) -> str:
    """A near-invisible paragraph carrying a copy of the section properties (a page break)."""
    sect = body.sect
    if not sect:
        return '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
    return _SECTION_GAP.format(sect=sect)


def write_merged(
    template: CompiledTemplate,
    rows: Iterable[Mapping[str, Any]],
    target: Path,
    render: RenderPart | None = None,
    shared: Mapping[str, Any] | None = None,
) -> int:
    """Write every row into one DOCX; headers and footers are rendered once, from row 1.

    *rows* hold each row's own fields; *shared* what is the same on every row.
    *render* turns a row into the document part (the engine's path by default).
    Rows are rendered one step ahead in a thread while the main thread compresses
    (zlib releases the GIL), so the two overlap on a machine with two cores.
    """
    shared = shared or {}
    if render is None:

        def render(row: Mapping[str, Any]) -> str:
            return template.render_part(DOCUMENT, {**shared, **row})

    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        raise CongvanError("không có dòng dữ liệu nào để in")
    count = 0

    def counted() -> Iterator[Mapping[str, Any]]:
        nonlocal count
        for context in itertools.chain([first], iterator):
            count += 1
            yield context

    write_merged_package(template, first, merged_chunks(template, counted(), render), target, shared)
    return count


def write_merged_package(
    template: CompiledTemplate,
    first: Mapping[str, Any],
    chunks: Iterator[bytes],
    target: Path,
    shared: Mapping[str, Any] | None = None,
) -> None:
    """The merged DOCX around a stream of ``document.xml`` chunks; other parts from row 1."""
    full_first = {**(shared or {}), **first}
    others = {
        part: template.render_part(part, full_first).encode("utf-8") for part in template.compiled if part != DOCUMENT
    }
    writer = PackageWriter(template.parts, level=1, fixed_time=True)
    with atomic_writer(target) as fh:
        writer.write(fh, others, {DOCUMENT: render_ahead(chunks)})


def pin_zip_time(template: CompiledTemplate) -> CompiledTemplate:
    """Give *template* a writer with fixed member times: a row's file bytes depend only on the row.

    Adapter: the engine has no public option for it, so the batch sets the writer it
    would create lazily (``CompiledTemplate.to_bytes``).
    """
    template._writer = PackageWriter(dict(template.parts), fixed_time=True)
    return template


def pin_zip_bytes(data: bytes) -> bytes:
    """A DOCX re-packed with fixed member times (the decision, from the record renderer)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    return PackageWriter(parts, fixed_time=True).to_bytes({})


_AHEAD_ROWS = 32
_AHEAD_DEPTH = 16


def render_ahead(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Run *chunks* in a worker thread, handing on joined groups; errors are re-raised here."""
    out: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=_AHEAD_DEPTH)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            group: list[bytes] = []
            for chunk in chunks:
                group.append(chunk)
                if len(group) >= _AHEAD_ROWS:
                    if not put(("data", b"".join(group))):
                        return
                    group = []
            if (not group or put(("data", b"".join(group)))) and put(("end", None)):
                return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(("error", exc))

    thread = threading.Thread(target=work, name="congvan-render", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = out.get()
            if kind == "data":
                yield value
            elif kind == "end":
                return
            else:
                raise value
    finally:
        stop.set()
        thread.join()


# --- per-row files ------------------------------------------------------------------

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.I)
MAX_NAME_CHARS = 60


def safe_name(text: str) -> str:
    """A readable file-name fragment: diacritics kept, no separators, no ``..``."""
    text = unicodedata.normalize("NFC", text or "")
    text = _UNSAFE.sub(" ", text)
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    if len(text) > MAX_NAME_CHARS:
        text = text[:MAX_NAME_CHARS].rstrip(" .") + "…"
    if not text or _RESERVED.match(text):
        text = f"_{text}" if text else "khong-ten"
    return text


NAME_WIDTH = 6  # fixed: the same row keeps its file name whatever the row count


class FileNamer:
    """``000001 - Nguyễn Văn An.docx``; a repeated name gets `` (2)``, never a clash.

    The width is fixed so that a re-run with 9,999 rows instead of 10,000 names
    every file as before (and removes the one row that went away).
    """

    def __init__(self, width: int = NAME_WIDTH) -> None:
        self.width = width
        self._used: set[str] = set()

    def name(self, stt: int, text: str, suffix: str = ".docx") -> str:
        stem = f"{stt:0{self.width}d} - {safe_name(text)}"
        candidate, n = stem, 1
        while candidate.casefold() in self._used:
            n += 1
            candidate = f"{stem} ({n})"
        self._used.add(candidate.casefold())
        return candidate + suffix


class UnitNamer:
    """Folder names for --theo-cot units: the unit's name made safe, stable, never two alike.

    ``Xã An Bình`` stays ``Xã An Bình``; ``Phường 1/2`` becomes ``Phường 1 2``; two units
    whose safe names differ only in case or punctuation get `` (2)``, `` (3)`` in sheet order
    (folder names compare without case, as on Windows and macOS disks).
    """

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._used: set[str] = {name.casefold() for name in reserved}

    def name(self, unit: str) -> str:
        stem = safe_name(unit)
        candidate, n = stem, 1
        while candidate.casefold() in self._used:
            n += 1
            candidate = f"{stem} ({n})"
        self._used.add(candidate.casefold())
        return candidate


def write_quick(target: Path, data: bytes) -> None:
    """Temp file + rename: a kill never leaves a half-written file.

    No fsync per file (it would cost more than rendering); the rename is atomic
    for a crash of this process, and the journal is what says a file is done.
    """
    write_bytes_atomic(target, data, fsync=False)


def is_complete_zip(path: Path) -> bool:
    """The ZIP end record is present: the file was written to the end."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(size - 22, 0))
            return fh.read(4) == b"PK\x05\x06"
    except OSError:
        return False


class Journal:
    """Record of the per-row files this folder holds: ``name<TAB>digest of its content``.

    A file is skipped on a re-run only when its name and the digest of its data
    are unchanged (and it is a complete ZIP). At the end the journal is rewritten
    with exactly this run's files, and files an earlier run wrote for rows that are
    no longer in the input are removed: the folder converges to the new set.
    Files the journal never listed (a secretary's own) are left alone.
    """

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.path = folder / JOURNAL
        self.fingerprint = fingerprint
        self.done: dict[str, str] = {}
        self.now: dict[str, str] = {}
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
                name, _, digest = line.partition("\t")
                if digest:
                    self.done[name] = digest
        self._fh: BinaryIO = self.path.open("ab")

    def digest(self, context: Mapping[str, Any]) -> str:
        h = hashlib.blake2b(self.fingerprint.encode(), digest_size=12)
        h.update(repr(sorted(context.items())).encode("utf-8"))
        return h.hexdigest()

    def is_done(self, folder: Path, name: str, digest: str) -> bool:
        return self.done.get(name) == digest and is_complete_zip(folder / name)

    def keep(self, name: str, digest: str) -> None:
        self.now[name] = digest

    def record(self, name: str, digest: str) -> None:
        """Append as soon as the file is in place, so a kill loses at most one row's work."""
        self._fh.write(f"{name}\t{digest}\n".encode())
        self._fh.flush()
        self.now[name] = digest

    def finish(self, folder: Path) -> int:
        """Remove files of rows no longer in the input; rewrite the journal as exactly this set."""
        removed = 0
        for name in self.done.keys() - self.now.keys():
            if "/" in name or "\\" in name or name.startswith("."):
                continue
            for stale in (folder / name, folder / (name.removesuffix(".docx") + ".pdf")):
                with contextlib.suppress(FileNotFoundError):
                    stale.unlink()
                    removed += stale.suffix == ".docx"
        self._fh.close()
        with atomic_writer(self.path) as fh:
            fh.write("".join(f"{n}\t{d}\n" for n, d in self.now.items()).encode("utf-8"))
        return removed

    def close(self) -> None:
        self._fh.close()


def remove_stale_parts(folder: Path) -> int:
    """Temp files left by a killed run (``.name.xxxx.part``)."""
    count = 0
    for stale in folder.glob(".*.part"):
        with contextlib.suppress(OSError):
            stale.unlink()
            count += 1
    return count


def fingerprint(parts: Mapping[str, bytes], extra: str) -> str:
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(parts):
        h.update(name.encode())
        h.update(parts[name])
    h.update(extra.encode("utf-8"))
    return h.hexdigest()


# --- PDF made reproducible --------------------------------------------------------

_PDF_DATE = re.compile(rb"(/CreationDate\(D:)(\d{14})")
_PDF_CHECKSUM = re.compile(rb"(/DocChecksum /)([0-9A-F]{32})")
_PDF_ID_HEX = re.compile(rb"/ID\s*\[\s*<[0-9A-Fa-f]+>\s*<[0-9A-Fa-f]+>\s*\]")
_PDF_ID_LITERAL = re.compile(rb"/ID\s*\[\s*\((?:\\.|[^\\)])*\)\s*\((?:\\.|[^\\)])*\)\s*\]", re.S)


def pin_pdf(data: bytes, stamp: str) -> bytes:
    """*data* with its creation time set to *stamp* (14 digits) and its ids made from its content.

    LibreOffice writes the conversion time, a checksum over it and a time-based
    ``/ID``; poppler (joining, splitting) writes a time-based ``/ID`` whose
    escaped length varies. The time is replaced by one of the same length (it
    sits in an object the cross-reference table points at); ids and checksum sit
    in the trailer, after the table, and are rewritten from a digest of the rest,
    so the file's bytes depend only on what it shows.
    """
    data = _PDF_DATE.sub(lambda m: m.group(1) + stamp.encode("ascii"), data)
    spans = sorted(m.span() for rx in (_PDF_ID_HEX, _PDF_ID_LITERAL, _PDF_CHECKSUM) for m in rx.finditer(data))
    if not spans:
        return data
    rest, last = bytearray(), 0
    for start, end in spans:
        rest += data[last:start]
        last = end
    rest += data[last:]
    digest = hashlib.blake2b(bytes(rest), digest_size=16).hexdigest().upper().encode("ascii")
    out, last = bytearray(), 0
    for start, end in spans:
        out += data[last:start]
        if data.startswith(b"/DocChecksum", start):
            out += b"/DocChecksum /" + digest
        else:
            out += b"/ID [<" + digest + b"><" + digest + b">]"
        last = end
    out += data[last:]
    return bytes(out)


def pin_pdf_file(path: Path, stamp: str) -> None:
    """:func:`pin_pdf` on a file, rewritten through a temp file and a rename."""
    data = path.read_bytes()
    pinned = pin_pdf(data, stamp)
    if pinned != data:
        write_quick(path, pinned)


# --- background image (phôi) -----------------------------------------------------

_REL_IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
_REL_HEADER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
_HEADER_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_BG_ID = 1
_BG_DRAWING = (
    '<w:r><w:drawing><wp:anchor xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/'
    'wordprocessingDrawing" distT="0" distB="0" distL="0" distR="0" simplePos="0" '
    'relativeHeight="0" behindDoc="1" locked="1" layoutInCell="0" allowOverlap="1">'
    '<wp:simplePos x="0" y="0"/>'
    '<wp:positionH relativeFrom="page"><wp:posOffset>0</wp:posOffset></wp:positionH>'
    '<wp:positionV relativeFrom="page"><wp:posOffset>0</wp:posOffset></wp:positionV>'
    '<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
    '<wp:docPr id="{id}" name="Phoi"/>'
    '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
    '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
    '<pic:nvPicPr><pic:cNvPr id="0" name="phoi"/><pic:cNvPicPr/></pic:nvPicPr>'
    '<pic:blipFill><a:blip xmlns:r="{r_ns}" r:embed="{rid}"/><a:stretch><a:fillRect/>'
    "</a:stretch></pic:blipFill>"
    '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData>'
    "</a:graphic></wp:anchor></w:drawing></w:r>"
)


def with_background(parts: Mapping[str, bytes], image: Path) -> dict[str, bytes]:
    """The template with *image* stretched over the whole page, behind the text.

    It goes into the default header, so it repeats on every page of a merged
    file while being stored once; the template's page border is dropped, since
    a phôi brings its own frame.
    """
    from docx.image.image import Image

    try:
        blob = image.read_bytes()
        ext = Image.from_blob(blob).ext
    except FileNotFoundError:
        raise CongvanError(Problem("không tìm thấy tệp ảnh phôi", file=display_path(image))) from None
    except Exception:
        raise CongvanError(Problem("ảnh phôi không đọc được (cần PNG hoặc JPEG)", file=display_path(image))) from None
    out = dict(parts)
    doc = out[DOCUMENT].decode("utf-8")
    doc = re.sub(r"<w:pgBorders\b.*?</w:pgBorders>", "", doc, flags=re.S)
    header, doc = _default_header(out, doc)
    width, height = _page_size(doc)
    media = f"word/media/congvan_phoi.{ext}"
    out[media] = blob
    rid = _add_rel(out, _rels_name(header), _REL_IMAGE, media.removeprefix("word/"))
    drawing = _BG_DRAWING.format(cx=width * 635, cy=height * 635, id=_BG_ID, rid=rid, r_ns=_R_NS)
    xml = out[header].decode("utf-8")
    opening = re.search(r"<w:hdr\b[^>]*>", xml)
    if opening is None:
        raise CongvanError("phần đầu trang của mẫu hỏng (thiếu <w:hdr>)")
    para = f'<w:p><w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr>{drawing}</w:p>'
    out[header] = (xml[: opening.end()] + para + xml[opening.end() :]).encode("utf-8")
    out[DOCUMENT] = doc.encode("utf-8")
    _ensure_default_type(out, ext)
    return out


def _page_size(doc: str) -> tuple[int, int]:
    m = re.search(r'<w:pgSz\b[^>]*w:w="(\d+)"[^>]*w:h="(\d+)"', doc)
    return (int(m.group(1)), int(m.group(2))) if m else (11906, 16838)


def _rels_name(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels"


def _add_rel(parts: dict[str, bytes], rels_part: str, rel_type: str, target: str) -> str:
    empty = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
    )
    xml = parts.get(rels_part, empty.encode()).decode("utf-8")
    n = 1
    while f'Id="rIdCvPhoi{n}"' in xml:
        n += 1
    rid = f"rIdCvPhoi{n}"
    rel = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/>'
    parts[rels_part] = xml.replace("</Relationships>", rel + "</Relationships>").encode("utf-8")
    return rid


def _default_header(parts: dict[str, bytes], doc: str) -> tuple[str, str]:
    """The default header part of the last section, created when the template has none."""
    rels = parts.get("word/_rels/document.xml.rels", b"").decode("utf-8")
    last = doc[doc.rfind("<w:sectPr") :]
    m = re.search(r'<w:headerReference\b[^>]*w:type="default"[^>]*r:id="([^"]+)"', last) or re.search(
        r'<w:headerReference\b[^>]*r:id="([^"]+)"[^>]*w:type="default"', last
    )
    if m:
        target = re.search(rf'<Relationship\b[^>]*Id="{re.escape(m.group(1))}"[^>]*Target="([^"]+)"', rels)
        if target is None:
            target = re.search(rf'<Relationship\b[^>]*Target="([^"]+)"[^>]*Id="{re.escape(m.group(1))}"', rels)
        if target:
            return "word/" + target.group(1).lstrip("/").removeprefix("word/"), doc
    name = "word/header_phoi.xml"
    parts[name] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:hdr xmlns:w="{_W_NS}" xmlns:r="{_R_NS}"><w:p/></w:hdr>'
    ).encode()
    rid = _add_rel(parts, "word/_rels/document.xml.rels", _REL_HEADER, "header_phoi.xml")
    types = parts["[Content_Types].xml"].decode("utf-8")
    override = f'<Override PartName="/{name}" ContentType="{_HEADER_TYPE}"/>'
    parts["[Content_Types].xml"] = types.replace("</Types>", override + "</Types>").encode()
    reference = f'<w:headerReference w:type="default" r:id="{rid}"/>'
    doc = re.sub(r"(<w:sectPr\b[^>]*>)(?!<w:headerReference w:type=\"default\")", rf"\1{reference}", doc)
    if 'xmlns:r="' not in doc[: doc.find(">", doc.find("<w:document"))]:
        doc = doc.replace("<w:document ", f'<w:document xmlns:r="{_R_NS}" ', 1)
    return name, doc


def _ensure_default_type(parts: dict[str, bytes], ext: str) -> None:
    types = parts["[Content_Types].xml"].decode("utf-8")
    if re.search(rf'Extension="{ext}"', types, re.I):
        return
    ctype = "image/png" if ext == "png" else f"image/{ext}"
    entry = f'<Default Extension="{ext}" ContentType="{ctype}"/>'
    parts["[Content_Types].xml"] = types.replace("</Types>", entry + "</Types>").encode()
