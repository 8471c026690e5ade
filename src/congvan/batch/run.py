"""One batch from a spreadsheet: validate every row, then render what was asked.

Two passes over the sheet: the first only validates (so by default a batch with
any bad row is refused before a single file is written, with every bad row
reported), the second renders. Rows are streamed in both, so memory does not
grow with the sheet.
"""

from __future__ import annotations

import itertools
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from congvan.batch.dot import DotConfig
from congvan.batch.fast import DOCUMENT, specialise
from congvan.batch.models import ROW_MODELS, RowModel, generic_model
from congvan.batch.output import (
    FileNamer,
    Journal,
    UnitNamer,
    fingerprint,
    merged_from_bodies,
    pin_pdf_file,
    pin_zip_bytes,
    pin_zip_time,
    remove_stale_parts,
    with_background,
    write_merged,
    write_merged_package,
    write_quick,
)
from congvan.batch.rows import (
    BadRow,
    ColumnMap,
    RowChecker,
    RowStats,
    Tally,
    data_rows,
    duplicate_key,
    header_key,
    map_headers,
    open_sheet,
    write_error_sheet,
)
from congvan.batch.templates import check_template, load_parts, template_path
from congvan.errors import CongvanError, Problem, display_path
from congvan.fileio import write_bytes_atomic
from congvan.render.engine import CompiledTemplate
from congvan.render.lint import LintFinding

if TYPE_CHECKING:
    from congvan.batch.dot import CotDanhSach
    from congvan.records.models import QuyetDinh

MODES = {
    "gop": "gop",
    "merged": "gop",
    "tung-dong": "tung-dong",
    "per-row": "tung-dong",
    "ca-hai": "ca-hai",
    "both": "ca-hai",
}
MAX_PRINTED_ERRORS = 30
ROW_NAMES = frozenset({"ten", "stt", "so_vao_so", "ong_ba", "loi_cong_nhan"})  # per-row beyond the model's fields
CHUNK_PREFIX = ".congvan-pdf-chunks-"
ERROR_SHEET = "dong_loi.xlsx"
DECISION_FILE = "quyet_dinh_cong_nhan.docx"


@dataclass
class BatchOptions:
    data: Path
    outdir: Path
    documents: Sequence[str] = ("quyet-dinh", "giay-cong-nhan")
    kind: str = "gia-dinh"
    user_template: Path | None = None
    dot: DotConfig | None = None
    dot_path: Path | None = None
    column_map: dict[str, str] = field(default_factory=dict)
    mode: str = "ca-hai"
    pdf: bool = False
    background: Path | None = None
    skip_bad: bool = False
    sheet_name: str | None = None
    progress: bool = True
    dask: str | None = None  # tcp://HOST:8786 or local:N: validate, render and convert on a Dask cluster
    theo_cot: str | None = None  # a column header: one folder (merged file, decision) per value


@dataclass
class BatchReport:
    source: str
    stats: RowStats
    outputs: list[Path] = field(default_factory=list)
    error_sheet: Path | None = None
    skipped_existing: int = 0
    removed_stale: int = 0
    decision: QuyetDinh | None = None  # the decision (None with --theo-cot: one per unit, see units)
    units: list[tuple[str, Path]] = field(default_factory=list)  # --theo-cot: (unit, its folder), sheet order
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def _default_dot(kind_word: str) -> DotConfig:
    return DotConfig(
        co_quan="Ủy ban nhân dân",
        dia_danh="……",
        nam=2026,
        danh_hieu=f"{kind_word.capitalize()} học tập",
    )


@dataclass(frozen=True, slots=True)
class Checked:
    """An accepted row as the later stages need it: plain values, so it pickles from a Dask worker."""

    number: int  # row number in the sheet
    name: str  # display name (file names)
    context: dict[str, Any]  # the row's own template variables, before its list number
    listing: tuple[str, ...] | None  # its entry in the decision's list, when a decision is made
    unit: str  # its --theo-cot value ("" without the option)
    key: tuple[str, str]  # duplicate detection (name, address)


@dataclass(frozen=True)
class CheckJob:
    """The validation stage for one row; the same object runs in this process or on a Dask worker."""

    checker: RowChecker
    columns: tuple[CotDanhSach, ...] | None  # the decision's list columns, when a decision is made

    def run(self, item: tuple[int, list[Any], int]) -> Checked | BadRow:
        row = self.checker.check(*item)
        if isinstance(row, BadRow):
            return row
        listing = None
        if self.columns is not None:
            from congvan.batch.decision import list_values

            listing = list_values(row.record, self.columns)
        return Checked(row.number, row.record.ten, row.record.context(), listing, row.unit, duplicate_key(row.record))


def numbered(context: Mapping[str, Any], number: int) -> dict[str, Any]:
    """Row variables with the row's number in its decision's list (also its "số vào sổ")."""
    return {**context, "stt": number, "so_vao_so": str(number)}


@dataclass
class Part:
    """One output folder: the whole batch, or one unit's rows with --theo-cot."""

    unit: str  # the spool's key (case-folded)
    name: str  # the unit as first typed in the sheet
    folder: Path
    count: int
    dot: DotConfig
    shared: dict[str, Any]


class _Spool:
    """Validated rows, pickled to an unlinked temp file: pass 2 never validates again.

    Memory stays flat at any row count and a kill leaves nothing behind (the file
    has no name once created). Rows go in groups, each group one pickle of one
    unit's rows (a memo shared across groups would keep every row alive); each
    unit's groups are read back in order, so a unit's rows come out in sheet order
    without reading the other units'.
    """

    GROUP = 256
    BUFFERED = 8192  # rows held over all units before every group is written out

    def __init__(self) -> None:
        self._fh = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close(), after pass 2
        self._groups: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self._offsets: dict[str, list[int]] = {}
        self._buffered = 0
        self.counts: dict[str, int] = {}  # rows per unit, units in order of first appearance

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    def add(self, unit: str, name: str, context: dict[str, Any]) -> int:
        """Keep one row of *unit*; its number in the unit's list (from 1)."""
        number = self.counts.get(unit, 0) + 1
        self.counts[unit] = number
        group = self._groups.setdefault(unit, [])
        group.append((name, numbered(context, number)))
        self._buffered += 1
        if len(group) >= self.GROUP:
            self._flush(unit)
        elif self._buffered >= self.BUFFERED:
            for held in list(self._groups):
                self._flush(held)
        return number

    def _flush(self, unit: str) -> None:
        group = self._groups.pop(unit, None)
        if group:
            self._fh.seek(0, 2)
            self._offsets.setdefault(unit, []).append(self._fh.tell())
            self._fh.write(pickle.dumps(group, protocol=pickle.HIGHEST_PROTOCOL))
            self._buffered -= len(group)

    def units(self) -> list[str]:
        return list(self.counts)

    def rows(self, unit: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(display name, numbered context) of *unit*'s rows, in sheet order."""
        self._flush(unit)
        for offset in self._offsets.get(unit, []):
            self._fh.seek(offset)
            group = pickle.load(self._fh)
            yield from group

    def close(self) -> None:
        self._fh.close()


class _Runner:
    def __init__(self, options: BatchOptions) -> None:
        self.o = options
        self.o.mode = MODES.get(options.mode, "")
        if not self.o.mode:
            raise CongvanError("--che-do phải là gop, tung-dong hoặc ca-hai")
        with open_sheet(options.data, options.sheet_name) as sheet:
            self.headers = sheet.headers
            self.total = sheet.total
            self.source = sheet.source
            self.model = self._model(sheet.headers)
            self.columns: ColumnMap = map_headers(sheet, self.model, options.column_map)
        self.report = BatchReport(self.source, RowStats())
        if self.columns.ignored:
            self.report.warnings.append("các cột không dùng đến: " + ", ".join(f"'{h}'" for h in self.columns.ignored))
        self.dot = options.dot or _default_dot(self.model.KIND_WORD)
        self.dot_source = display_path(options.dot_path) if options.dot_path else "thông tin đợt"
        if "quyet-dinh" in options.documents:
            from congvan.batch.decision import check_columns

            check_columns(self.dot.cot_danh_sach, self.model, self.dot_source)
        self.unit_column = self._unit_column(options.theo_cot)
        self.spool = _Spool()
        self.listings: dict[str, list[tuple[str, ...]]] = {}  # the decisions' lists, per unit
        self.unit_names: dict[str, str] = {}  # unit key (case-folded) -> the unit as first typed
        self.fanout: Any = None  # congvan.batch.distributed.Fanout when --dask is given
        self.all_parts: list[Part] = []
        self.streams: dict[tuple[str, int], Any] = {}  # --dask: one stream of chunks per stage over all units

    @property
    def partitioned(self) -> bool:
        return self.unit_column is not None

    def _unit_column(self, header: str | None) -> int | None:
        """--theo-cot: the column (matched like any header: no accents, case or spacing)."""
        if header is None:
            return None
        keys = [header_key(h) for h in self.headers]
        if header_key(header) not in keys:
            known = ", ".join(f"'{h}'" for h in self.headers if h)
            raise CongvanError(
                Problem(f"--theo-cot '{header}': bảng tính không có cột này (các cột: {known})", file=self.source)
            )
        index = keys.index(header_key(header))
        self.report.warnings = [w for w in self.report.warnings if not w.startswith("các cột không dùng đến")]
        ignored = [h for h in self.columns.ignored if header_key(h) != header_key(header)]
        if ignored:
            self.report.warnings.insert(0, "các cột không dùng đến: " + ", ".join(f"'{h}'" for h in ignored))
        return index

    def parts(self) -> Iterator[Part]:
        """The output folders in sheet order of their first row; numbers of decisions fixed here.

        With --theo-cot the k-th unit's decision takes number ``so_quyet_dinh + k - 1``
        (a blank number stays blank), so every decision and certificate carries its own.
        """
        namer = UnitNamer(reserved={ERROR_SHEET})
        for k, (unit, count) in enumerate(self.spool.counts.items()):
            dot = self.dot
            folder = self.o.outdir
            if self.partitioned:
                if dot.so_quyet_dinh is not None:
                    dot = dot.model_copy(update={"so_quyet_dinh": dot.so_quyet_dinh + k})
                folder = self.o.outdir / namer.name(self.unit_names[unit])
            yield Part(
                unit,
                self.unit_names.get(unit, unit),
                folder,
                count,
                dot,
                dot.context(self.model.KIND_WORD, self.model.NAME_HEADER),
            )

    def _model(self, headers: list[str]) -> type[RowModel]:
        if self.o.kind in ROW_MODELS:
            return ROW_MODELS[self.o.kind]
        if self.o.kind == "tu-do":
            return generic_model(headers)
        raise CongvanError(f"--loai phải là một trong: {', '.join([*ROW_MODELS, 'tu-do'])}")

    def checked_rows(self, desc: str) -> Iterator[Checked | BadRow]:
        """One streamed pass over the sheet, checked here or on the cluster, in sheet order."""
        stats = RowStats()
        columns = tuple(self.dot.cot_danh_sach) if "quyet-dinh" in self.o.documents else None
        with open_sheet(self.o.data, self.o.sheet_name) as sheet:
            job = CheckJob(RowChecker.for_sheet(sheet, self.columns, self.model, self.unit_column), columns)
            items = data_rows(sheet, stats)
            if self.fanout is not None:
                from congvan.batch.distributed import check_task

                results: Iterator[Checked | BadRow] = self.fanout.map_rows(check_task, job, items)
            else:
                results = map(job.run, items)
            tally = Tally(stats)
            bar = tqdm(
                total=self.total,
                desc=desc,
                unit=" dòng",
                delay=1.0,
                leave=False,
                disable=not self.o.progress,
            )
            try:
                for row in results:
                    if isinstance(row, BadRow):
                        tally.bad()
                    else:
                        tally.good(row.number, row.key)
                    bar.update(1)
                    yield row
            finally:
                bar.close()
        self.report.stats = stats

    def validate(self) -> dict[str, list[tuple[str, ...]]]:
        """The only pass over the sheet: every bad row reported, good rows spooled per unit in list order."""
        bad: list[BadRow] = []
        for row in self.checked_rows("Kiểm tra dữ liệu"):
            if isinstance(row, BadRow):
                bad.append(row)
                continue
            unit = row.unit.casefold()  # "Xã An Bình" and "xã an bình" are one unit, named as first typed
            self.unit_names.setdefault(unit, row.unit)
            self.spool.add(unit, row.name, row.context)
            if row.listing is not None:
                self.listings.setdefault(unit, []).append(row.listing)
        stats = self.report.stats
        for number, first in stats.duplicates[:MAX_PRINTED_ERRORS]:
            self.report.warnings.append(f"dòng {number} trùng tên và địa chỉ với dòng {first}")
        if bad:
            self.o.outdir.mkdir(parents=True, exist_ok=True)
            self.report.error_sheet = write_error_sheet(self.o.outdir / ERROR_SHEET, self.headers, bad)
            if not self.o.skip_bad:
                raise _refusal(self.source, bad, stats, self.report.error_sheet)
        if stats.good == 0:
            raise CongvanError(Problem("không có dòng dữ liệu hợp lệ nào", file=self.source))
        return self.listings

    def good_rows(self, part: Part) -> Iterator[tuple[int, str, dict[str, Any]]]:
        """(list number, display name, the row's own fields) of every accepted row of *part*, from the spool."""
        for number, (name, row_context) in enumerate(self.spool.rows(part.unit), start=1):
            yield number, name, row_context

    def contexts(self, part: Part) -> Iterator[dict[str, Any]]:
        return (row for _, _, row in self.good_rows(part))


def _refusal(source: str, bad: list[BadRow], stats: RowStats, sheet: Path) -> CongvanError:
    problems = [p for row in bad[:MAX_PRINTED_ERRORS] for p in row.problems(source)]
    more = len(bad) - MAX_PRINTED_ERRORS
    if more > 0:
        problems.append(Problem(f"... và {more} dòng lỗi khác", file=source))
    problems.append(
        Problem(
            f"{stats.bad} dòng lỗi trên {stats.bad + stats.good} dòng; chưa tạo văn bản nào. "
            f"Danh sách dòng lỗi: {sheet}. Sửa rồi chạy lại, "
            "hoặc dùng --bo-qua-loi để in các dòng đúng",
            file=source,
        )
    )
    return CongvanError(problems)


def _load_template(path: Path, background: Path | None) -> tuple[CompiledTemplate, list[LintFinding]]:
    parts = load_parts(path)
    if background is not None:
        parts = with_background(parts, background)
    template = pin_zip_time(CompiledTemplate(parts, name=display_path(path)))
    return template, list(template.warnings)


def run_batch(options: BatchOptions) -> BatchReport:
    """Validate the sheet, then write the requested documents into ``options.outdir``."""
    runner = _Runner(options)
    try:
        if options.dask:
            from congvan.batch.distributed import Fanout

            runner.fanout = Fanout(options.dask)
        return _run(runner)
    finally:
        runner.spool.close()
        if runner.fanout is not None:
            runner.fanout.close()


def _run(runner: _Runner) -> BatchReport:
    options = runner.o
    t0 = time.perf_counter()
    listings = runner.validate()
    parts = runner.all_parts = list(runner.parts())
    decisions: dict[str, QuyetDinh] = {}
    if "quyet-dinh" in options.documents:  # every decision validated before any file is written
        decisions = {part.unit: _decision_record(runner, part, listings[part.unit]) for part in parts}
    report = runner.report
    report.decision = None if runner.partitioned else decisions.get("")
    report.timings["kiểm tra"] = time.perf_counter() - t0
    options.outdir.mkdir(parents=True, exist_ok=True)
    if report.error_sheet is None:  # an earlier run's list of bad rows no longer applies
        (options.outdir / ERROR_SHEET).unlink(missing_ok=True)
    templates = _row_templates(runner)
    for part in parts:
        part.folder.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(part.folder)
        remove_chunk_leftovers(part.folder)
        if runner.partitioned:
            report.units.append((part.name, part.folder))
        decision_docx: Path | None = None
        for document in options.documents:
            t1 = time.perf_counter()
            if document == "quyet-dinh":
                decision_docx = _write_decision(runner, part, decisions)
            else:
                template, stem = templates[document]
                _write_rows(runner, part, template, stem)
            report.timings[document] = report.timings.get(document, 0.0) + time.perf_counter() - t1
        if options.pdf:
            t1 = time.perf_counter()
            _write_pdfs(runner, part, decision_docx, [templates[d] for d in options.documents if d in templates])
            report.timings["pdf"] = report.timings.get("pdf", 0.0) + time.perf_counter() - t1
    return report


def _decision_record(runner: _Runner, part: Part, listing: list[tuple[str, ...]]) -> QuyetDinh:
    from congvan.batch.decision import decision_record

    unit = part.name if runner.partitioned else None
    return decision_record(part.dot, runner.model, listing, runner.dot_source, don_vi=unit)


def _write_decision(runner: _Runner, part: Part, decisions: Mapping[str, QuyetDinh]) -> Path:
    """The unit's decision through the record renderer: here, or on the cluster (all units' queued)."""
    from congvan.batch.decision import render_decision

    target = part.folder / DECISION_FILE
    base = runner.o.dot_path.parent if runner.o.dot_path else Path()
    if runner.fanout is not None:
        from congvan.batch.distributed import decision_task

        stream = runner.streams.get(("decision", 0))
        if stream is None:
            jobs = ((decision_task, str(base), [decisions[p.unit]], 1) for p in runner.all_parts)
            stream = runner.streams[("decision", 0)] = runner.fanout.map_jobs(jobs)
        (data,) = [item for chunk in next(stream) for item in chunk]  # drained: the stream's next unit follows
    else:
        data = render_decision(decisions[part.unit], base)
    write_bytes_atomic(target, pin_zip_bytes(data))
    runner.report.outputs.append(target)
    return target


def _row_templates(runner: _Runner) -> dict[str, tuple[CompiledTemplate, str]]:
    """Each row document's template, loaded and checked once for all units: (template, file stem)."""
    out = {}
    for document in runner.o.documents:
        if document == "quyet-dinh":
            continue
        path = _document_template(runner, document)
        template, warnings = _load_template(path, runner.o.background if document != "dang-ky" else None)
        runner.report.warnings.extend(str(w) for w in warnings)
        shared = runner.dot.context(runner.model.KIND_WORD, runner.model.NAME_HEADER)
        unused = check_template(template, runner.model.model_fields, shared)
        if document == "mau":  # built-in templates show only what they need, by design
            runner.report.warnings.extend(unused)
        stem = {"giay-cong-nhan": "giay_cong_nhan", "dang-ky": "dang_ky"}.get(document, Path(path).stem)
        out[document] = (template, stem)
    return out


def _pdf_stamp(part: Part) -> str:
    """The creation time every PDF of *part* carries: the decision's date, else 1 January of the round."""
    day = part.dot.ngay_ky or date(part.dot.nam, 1, 1)
    return day.strftime("%Y%m%d") + "000000"


def _write_pdfs(
    runner: _Runner, part: Part, decision: Path | None, row_docs: Sequence[tuple[CompiledTemplate, str]]
) -> None:
    """PDF through the kept-warm LibreOffice: the decision as one file; row documents in chunks.

    A long merged document is re-rendered as chunks of ``CHUNK_PAGES`` rows,
    converted in parallel (here, or on the Dask workers) and joined (LibreOffice
    slows down super-linearly on one long file); per-row PDFs are cut from the
    joined file. Chunks live in a hidden folder removed on every exit (and by the
    next run after a kill). Creation times and document ids are pinned, so the
    PDFs depend only on the rows.
    """
    from congvan import pdf

    o = runner.o
    stamp = _pdf_stamp(part)
    # one file: allow for its length (about 20 list rows a page)
    timeout = 60 + 0.05 * part.count
    pending: Callable[[], Path] | None = None
    if decision is not None and runner.fanout is not None:
        from congvan.batch.distributed import submit_pdf

        pending = submit_pdf(runner.fanout, decision, timeout)
    elif decision is not None:
        for path in pdf.docx_to_pdf_many([decision], part.folder, timeout=timeout):
            pin_pdf_file(path, stamp)
            runner.report.outputs.append(path)
    for template, stem in row_docs:
        merged = o.mode in ("gop", "ca-hai")
        with tempfile.TemporaryDirectory(prefix=CHUNK_PREFIX, dir=part.folder) as tmp:
            staging = Path(tmp)
            target = (part.folder if merged else staging) / f"{stem}_tat_ca.pdf"
            if runner.fanout is not None:
                _pdf_chunks_dask(runner, part, template, staging, target)
            else:
                chunks = _write_chunks(runner, part, template, staging, pdf.CHUNK_PAGES)
                pdf.docx_to_one_pdf(chunks, target)
            pin_pdf_file(target, stamp)
            if merged:
                runner.report.outputs.append(target)
            if o.mode in ("tung-dong", "ca-hai"):
                names = [n.removesuffix(".docx") + ".pdf" for n in _per_row_names(runner, part)]
                for single in pdf.split_pdf(target, part.folder / stem, names):
                    pin_pdf_file(single, stamp)
    if pending is not None:
        path = pending()
        pin_pdf_file(path, stamp)
        runner.report.outputs.append(path)


def _pdf_chunks_dask(runner: _Runner, part: Part, template: CompiledTemplate, staging: Path, target: Path) -> None:
    """The same chunks as :func:`_write_chunks`, rendered and converted on the workers; joined here."""
    from congvan import pdf
    from congvan.batch.distributed import pdf_chunk_task

    pages = []
    for index, data in enumerate(_unit_stream(runner, "pdf", pdf_chunk_task, template, pdf.CHUNK_PAGES)):
        page = staging / f"{index:06d}.pdf"
        page.write_bytes(data)
        pages.append(page)
    pdf.join_pdfs(pages, target)


def _write_chunks(runner: _Runner, part: Part, template: CompiledTemplate, folder: Path, size: int) -> list[Path]:
    """The accepted rows as merged DOCX files of *size* rows each (streamed, one chunk in memory)."""
    rows = runner.contexts(part)
    fast = _fast_document(runner, part, template)
    chunks = []
    while True:
        batch = list(itertools.islice(rows, size))
        if not batch:
            return chunks
        chunk = folder / f"{len(chunks):06d}.docx"
        write_merged(template, batch, chunk, fast, part.shared)
        chunks.append(chunk)


def remove_chunk_leftovers(folder: Path) -> None:
    """Chunk folders of a killed ``--pdf`` run."""
    for leftover in folder.glob(f"{CHUNK_PREFIX}*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)


def _document_template(runner: _Runner, document: str) -> Path:
    if document == "mau":
        assert runner.o.user_template is not None
        return runner.o.user_template
    return template_path(document, runner.o.kind)


def _write_rows(runner: _Runner, part: Part, template: CompiledTemplate, stem: str) -> None:
    o = runner.o
    if o.mode in ("gop", "ca-hai"):
        target = part.folder / f"{stem}_tat_ca.docx"
        if runner.fanout is not None:
            _write_merged_dask(runner, part, template, target)
        else:
            write_merged(template, runner.contexts(part), target, _fast_document(runner, part, template), part.shared)
        runner.report.outputs.append(target)
    if o.mode in ("tung-dong", "ca-hai"):
        folder = part.folder / stem
        _write_per_row(runner, part, template, folder)
        runner.report.outputs.append(folder)


def _dask_spec(runner: _Runner, part: Part, template: CompiledTemplate) -> Any:
    from congvan.batch.distributed import make_spec

    return make_spec(template, part.shared, set(runner.model.model_fields) | ROW_NAMES)


def _unit_stream(runner: _Runner, stage: str, func: Any, template: CompiledTemplate, size: int | None) -> Any:
    """This stage's chunks for the current unit, from one stream over all units (see Fanout.map_jobs)."""
    stream = runner.streams.get((stage, id(template)))
    if stream is None:
        jobs = ((func, _dask_spec(runner, p, template), runner.contexts(p), size) for p in runner.all_parts)
        stream = runner.streams[(stage, id(template))] = runner.fanout.map_jobs(jobs)
    return next(stream)


def _write_merged_dask(runner: _Runner, part: Part, template: CompiledTemplate, target: Path) -> None:
    """Bodies rendered on the cluster in chunks; joined here in list order (ids numbered here)."""
    from congvan.batch.distributed import bodies_task

    first = next(runner.contexts(part))
    chunks = _unit_stream(runner, "bodies", bodies_task, template, None)
    bodies = (body for chunk in chunks for body in chunk)
    write_merged_package(template, first, merged_from_bodies(template, bodies), target, part.shared)


def _fast_document(
    runner: _Runner, part: Part, template: CompiledTemplate
) -> Callable[[Mapping[str, Any]], str] | None:
    """The document part with the round's values folded in (rendered once, not per row)."""
    row_names = set(runner.model.model_fields) | ROW_NAMES
    fast = specialise(template, part.shared, row_names)
    return fast.render if fast is not None else None


def _row_bytes(
    template: CompiledTemplate, fast: Callable[[Mapping[str, Any]], str] | None, shared: Mapping[str, Any]
) -> Callable[[Mapping[str, Any]], bytes]:
    """One row's DOCX from its own fields: the specialised document part, the engine for other parts."""

    def render(row: Mapping[str, Any]) -> bytes:
        if fast is None:
            return template.render_bytes({**shared, **row})
        changed = {
            part: (fast(row) if part == DOCUMENT else template.render_part(part, {**shared, **row})).encode("utf-8")
            for part in template.compiled
        }
        return template.to_bytes(changed)

    return render


def _write_per_row(runner: _Runner, part: Part, template: CompiledTemplate, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(folder)
    journal = Journal(folder, fingerprint(template.parts, repr(sorted(part.shared.items()))))
    namer = FileNamer()
    if runner.fanout is not None:
        _write_per_row_dask(runner, part, template, folder, journal, namer)
        return
    render = _row_bytes(template, _fast_document(runner, part, template), part.shared)
    try:
        for name, digest, context in _rows_to_write(runner, part, folder, journal, namer):
            write_quick(folder / name, render(context))
            journal.record(name, digest)
        runner.report.removed_stale += journal.finish(folder)
    finally:
        journal.close()


def _rows_to_write(
    runner: _Runner, part: Part, folder: Path, journal: Journal, namer: FileNamer
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(file name, content digest, context) of each good row whose file is missing or changed.

    Rows whose file already holds the same content are kept in the journal and counted as skipped;
    the one rule shared by the one-process and the Dask paths, so a re-run converges the same way.
    """
    for number, name_text, context in runner.good_rows(part):
        name = namer.name(number, name_text)
        digest = journal.digest(context)
        if journal.is_done(folder, name, digest):
            runner.report.skipped_existing += 1
            journal.keep(name, digest)
            continue
        yield name, digest, context


def _write_per_row_dask(
    runner: _Runner, part: Part, template: CompiledTemplate, folder: Path, journal: Journal, namer: FileNamer
) -> None:
    """Names and digests fixed here; only missing or changed rows go to the cluster; written here."""
    from congvan.batch.distributed import row_files_task

    todo: list[tuple[str, str]] = []

    def pending() -> Iterator[dict[str, Any]]:
        for name, digest, context in _rows_to_write(runner, part, folder, journal, namer):
            todo.append((name, digest))
            yield context

    try:
        done = 0
        for chunk in runner.fanout.map_chunks(row_files_task, _dask_spec(runner, part, template), pending()):
            for data in chunk:
                name, digest = todo[done]
                write_quick(folder / name, data)
                journal.record(name, digest)
                done += 1
        runner.report.removed_stale += journal.finish(folder)
    finally:
        journal.close()


def _per_row_names(runner: _Runner, part: Part) -> list[str]:
    namer = FileNamer()
    return [namer.name(number, name) for number, name, _ in runner.good_rows(part)]


def lint_only(options: BatchOptions) -> list[str]:
    """``--kiem-tra``: check the templates, every row and the decision; write nothing but the error sheet."""
    runner = _Runner(options)
    try:
        messages: list[str] = []
        for document in options.documents:
            if document == "quyet-dinh":
                continue  # the record renderer's template; the decision itself is checked below
            path = _document_template(runner, document)
            template, warnings = _load_template(path, None)
            messages.extend(str(w) for w in warnings)
            shared = runner.dot.context(runner.model.KIND_WORD, runner.model.NAME_HEADER)
            unused = check_template(template, runner.model.model_fields, shared)
            if document == "mau":  # built-in templates show only what they need, by design
                messages.extend(unused)
        listings = runner.validate()
        if "quyet-dinh" in options.documents:
            for part in runner.parts():
                _decision_record(runner, part, listings[part.unit])
        return messages + runner.report.warnings
    finally:
        runner.spool.close()
