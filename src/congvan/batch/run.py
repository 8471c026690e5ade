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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from congvan.batch.dot import DotConfig
from congvan.batch.fast import DOCUMENT, specialise
from congvan.batch.models import ROW_MODELS, RowModel, generic_model
from congvan.batch.output import (
    FileNamer,
    Journal,
    fingerprint,
    merged_from_bodies,
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
    GoodRow,
    RowStats,
    map_headers,
    open_sheet,
    validate_rows,
    write_error_sheet,
)
from congvan.batch.templates import check_template, load_parts, template_path
from congvan.errors import CongvanError, Problem, display_path
from congvan.fileio import write_bytes_atomic
from congvan.render.engine import CompiledTemplate
from congvan.render.lint import LintFinding

if TYPE_CHECKING:
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
    dask: str | None = None  # tcp://HOST:8786 or local:N: render on a Dask cluster


@dataclass
class BatchReport:
    source: str
    stats: RowStats
    outputs: list[Path] = field(default_factory=list)
    error_sheet: Path | None = None
    skipped_existing: int = 0
    removed_stale: int = 0
    decision: QuyetDinh | None = None
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def _default_dot(kind_word: str) -> DotConfig:
    return DotConfig(
        co_quan="Ủy ban nhân dân",
        dia_danh="……",
        nam=2026,
        danh_hieu=f"{kind_word.capitalize()} học tập",
    )


def _row_context(row: GoodRow, number: int) -> dict[str, Any]:
    """Row variables; ``so_vao_so`` is the row's number in the decision's list."""
    context = row.record.context()
    context["stt"] = number
    context["so_vao_so"] = str(number)
    return context


class _Spool:
    """Validated rows, pickled to an unlinked temp file: pass 2 never validates again.

    Memory stays flat at any row count and a kill leaves nothing behind (the file
    has no name once created). Rows go in groups, each group one pickle (a memo
    shared across groups would keep every row alive).
    """

    GROUP = 256

    def __init__(self) -> None:
        self._fh = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close(), after pass 2
        self._group: list[tuple[str, dict[str, Any]]] = []
        self.count = 0

    def add(self, item: tuple[str, dict[str, Any]]) -> None:
        self._group.append(item)
        self.count += 1
        if len(self._group) >= self.GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._group:
            self._fh.write(pickle.dumps(self._group, protocol=pickle.HIGHEST_PROTOCOL))
            self._group = []

    def __iter__(self) -> Iterator[tuple[str, dict[str, Any]]]:
        self._flush()
        self._fh.flush()
        end = self._fh.tell()
        self._fh.seek(0)
        load, fh = pickle.load, self._fh
        while fh.tell() < end:
            yield from load(fh)
        fh.seek(end)

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
        self.shared = self.dot.context(self.model.KIND_WORD, self.model.NAME_HEADER)
        self.spool = _Spool()
        self.pdf_jobs: list[Path] = []  # single files (the decision)
        self.row_pdfs: list[tuple[CompiledTemplate, str]] = []  # row documents: template, stem
        self.fanout: Any = None  # congvan.batch.distributed.Fanout when --dask is given

    def _model(self, headers: list[str]) -> type[RowModel]:
        if self.o.kind in ROW_MODELS:
            return ROW_MODELS[self.o.kind]
        if self.o.kind == "tu-do":
            return generic_model(headers)
        raise CongvanError(f"--loai phải là một trong: {', '.join([*ROW_MODELS, 'tu-do'])}")

    def rows(self, desc: str) -> Iterator[GoodRow | BadRow]:
        """One streamed pass over the sheet, with a progress bar for long batches."""
        stats = RowStats()
        with open_sheet(self.o.data, self.o.sheet_name) as sheet:
            bar = tqdm(
                total=self.total,
                desc=desc,
                unit=" dòng",
                delay=1.0,
                leave=False,
                disable=not self.o.progress,
            )
            try:
                for row in validate_rows(sheet, self.columns, self.model, stats):
                    bar.update(1)
                    yield row
            finally:
                bar.close()
        self.report.stats = stats

    def validate(self) -> list[tuple[str, ...]]:
        """The only pass over the sheet: every bad row reported, good rows spooled in list order."""
        bad: list[BadRow] = []
        listing: list[tuple[str, ...]] = []  # compact: 100,000 rows stay small
        keep = "quyet-dinh" in self.o.documents
        columns = self.dot.cot_danh_sach
        if keep:
            from congvan.batch.decision import list_values
        for row in self.rows("Kiểm tra dữ liệu"):
            if isinstance(row, BadRow):
                bad.append(row)
                continue
            number = self.spool.count + 1
            self.spool.add((row.record.ten, _row_context(row, number)))
            if keep:
                listing.append(list_values(row.record, columns))
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
        return listing

    def good_rows(self) -> Iterator[tuple[int, str, dict[str, Any]]]:
        """(list number, display name, the row's own fields) of every accepted row, from the spool."""
        for number, (name, row_context) in enumerate(self.spool, start=1):
            yield number, name, row_context


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
    listing = runner.validate()
    decision = _decision_record(runner, listing) if "quyet-dinh" in options.documents else None
    report = runner.report
    report.decision = decision
    report.timings["kiểm tra"] = time.perf_counter() - t0
    options.outdir.mkdir(parents=True, exist_ok=True)
    if report.error_sheet is None:  # an earlier run's list of bad rows no longer applies
        (options.outdir / ERROR_SHEET).unlink(missing_ok=True)
    remove_stale_parts(options.outdir)
    remove_chunk_leftovers(options.outdir)
    for document in options.documents:
        t1 = time.perf_counter()
        if decision is not None and document == "quyet-dinh":
            target = options.outdir / "quyet_dinh_cong_nhan.docx"
            base = options.dot_path.parent if options.dot_path else Path()
            from congvan.batch.decision import render_decision

            write_bytes_atomic(target, render_decision(decision, base))
            report.outputs.append(target)
            runner.pdf_jobs.append(target)
        else:
            _write_rows(runner, document)
        report.timings[document] = time.perf_counter() - t1
    if options.pdf:
        t1 = time.perf_counter()
        _write_pdfs(runner)
        report.timings["pdf"] = time.perf_counter() - t1
    return report


def _decision_record(runner: _Runner, listing: list[tuple[str, ...]]) -> QuyetDinh:
    from congvan.batch.decision import decision_record

    return decision_record(runner.dot, runner.model, listing, runner.dot_source)


def _write_pdfs(runner: _Runner) -> None:
    """PDF through the kept-warm LibreOffice: the decision as one file; row documents in chunks.

    A long merged document is re-rendered as chunks of ``CHUNK_PAGES`` rows,
    converted in parallel and joined (LibreOffice slows down super-linearly on one
    long file); per-row PDFs are cut from the joined file. Chunks live in a hidden
    folder removed on every exit (and by the next run after a kill).
    """
    from congvan import pdf

    o = runner.o
    # one file: allow for its length (about 20 list rows a page)
    timeout = 60 + 0.05 * runner.report.stats.good
    runner.report.outputs.extend(pdf.docx_to_pdf_many(runner.pdf_jobs, o.outdir, timeout=timeout))
    for template, stem in runner.row_pdfs:
        merged = o.mode in ("gop", "ca-hai")
        with tempfile.TemporaryDirectory(prefix=CHUNK_PREFIX, dir=o.outdir) as tmp:
            staging = Path(tmp)
            chunks = _write_chunks(runner, template, staging, pdf.CHUNK_PAGES)
            target = (o.outdir if merged else staging) / f"{stem}_tat_ca.pdf"
            pdf.docx_to_one_pdf(chunks, target)
            if merged:
                runner.report.outputs.append(target)
            if o.mode in ("tung-dong", "ca-hai"):
                pdf.split_pdf(
                    target, o.outdir / stem, [n.removesuffix(".docx") + ".pdf" for n in _per_row_names(runner)]
                )


def _write_chunks(runner: _Runner, template: CompiledTemplate, folder: Path, size: int) -> list[Path]:
    """The accepted rows as merged DOCX files of *size* rows each (streamed, one chunk in memory)."""
    rows = (row for _, _, row in runner.good_rows())
    fast = _fast_document(runner, template)
    chunks = []
    while True:
        batch = list(itertools.islice(rows, size))
        if not batch:
            return chunks
        chunk = folder / f"{len(chunks):06d}.docx"
        write_merged(template, batch, chunk, fast, runner.shared)
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


def _write_rows(runner: _Runner, document: str) -> None:
    o = runner.o
    path = _document_template(runner, document)
    template, warnings = _load_template(path, o.background if document != "dang-ky" else None)
    runner.report.warnings.extend(str(w) for w in warnings)
    unused = check_template(template, runner.model.model_fields, runner.shared)
    if document == "mau":  # built-in templates show only what they need, by design
        runner.report.warnings.extend(unused)
    stem = {"giay-cong-nhan": "giay_cong_nhan", "dang-ky": "dang_ky"}.get(document, Path(path).stem)
    if o.mode in ("gop", "ca-hai"):
        target = o.outdir / f"{stem}_tat_ca.docx"
        rows = (row for _, _, row in runner.good_rows())
        if runner.fanout is not None:
            _write_merged_dask(runner, template, target)
        else:
            write_merged(template, rows, target, _fast_document(runner, template), runner.shared)
        runner.report.outputs.append(target)
    if o.mode in ("tung-dong", "ca-hai"):
        folder = o.outdir / stem
        _write_per_row(runner, template, folder)
        runner.report.outputs.append(folder)
    if o.pdf:
        runner.row_pdfs.append((template, stem))


def _dask_spec(runner: _Runner, template: CompiledTemplate) -> Any:
    from congvan.batch.distributed import make_spec

    return make_spec(template, runner.shared, set(runner.model.model_fields) | ROW_NAMES)


def _write_merged_dask(runner: _Runner, template: CompiledTemplate, target: Path) -> None:
    """Bodies rendered on the cluster in chunks; joined here in list order (ids numbered here)."""
    from congvan.batch.distributed import bodies_task

    first = next(row for _, _, row in runner.good_rows())
    chunks = runner.fanout.map_chunks(bodies_task, _dask_spec(runner, template), (r for _, _, r in runner.good_rows()))
    bodies = (body for chunk in chunks for body in chunk)
    write_merged_package(template, first, merged_from_bodies(template, bodies), target, runner.shared)


def _fast_document(runner: _Runner, template: CompiledTemplate) -> Callable[[Mapping[str, Any]], str] | None:
    """The document part with the round's values folded in (rendered once, not per row)."""
    row_names = set(runner.model.model_fields) | ROW_NAMES
    fast = specialise(template, runner.shared, row_names)
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


def _write_per_row(runner: _Runner, template: CompiledTemplate, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    render = _row_bytes(template, _fast_document(runner, template), runner.shared)
    remove_stale_parts(folder)
    journal = Journal(folder, fingerprint(template.parts, repr(sorted(runner.shared.items()))))
    namer = FileNamer()
    if runner.fanout is not None:
        _write_per_row_dask(runner, template, folder, journal, namer)
        return
    try:
        for name, digest, context in _rows_to_write(runner, folder, journal, namer):
            write_quick(folder / name, render(context))
            journal.record(name, digest)
        runner.report.removed_stale += journal.finish(folder)
    finally:
        journal.close()


def _rows_to_write(
    runner: _Runner, folder: Path, journal: Journal, namer: FileNamer
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(file name, content digest, context) of each good row whose file is missing or changed.

    Rows whose file already holds the same content are kept in the journal and counted as skipped;
    the one rule shared by the one-process and the Dask paths, so a re-run converges the same way.
    """
    for number, name_text, context in runner.good_rows():
        name = namer.name(number, name_text)
        digest = journal.digest(context)
        if journal.is_done(folder, name, digest):
            runner.report.skipped_existing += 1
            journal.keep(name, digest)
            continue
        yield name, digest, context


def _write_per_row_dask(
    runner: _Runner, template: CompiledTemplate, folder: Path, journal: Journal, namer: FileNamer
) -> None:
    """Names and digests fixed here; only missing or changed rows go to the cluster; written here."""
    from congvan.batch.distributed import row_files_task

    todo: list[tuple[str, str]] = []

    def pending() -> Iterator[dict[str, Any]]:
        for name, digest, context in _rows_to_write(runner, folder, journal, namer):
            todo.append((name, digest))
            yield context

    try:
        done = 0
        for chunk in runner.fanout.map_chunks(row_files_task, _dask_spec(runner, template), pending()):
            for data in chunk:
                name, digest = todo[done]
                write_quick(folder / name, data)
                journal.record(name, digest)
                done += 1
        runner.report.removed_stale += journal.finish(folder)
    finally:
        journal.close()


def _per_row_names(runner: _Runner) -> list[str]:
    namer = FileNamer()
    return [namer.name(number, name) for number, name, _ in runner.good_rows()]


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
            unused = check_template(template, runner.model.model_fields, runner.shared)
            if document == "mau":  # built-in templates show only what they need, by design
                messages.extend(unused)
        listing = runner.validate()
        if "quyet-dinh" in options.documents:
            _decision_record(runner, listing)
        return messages + runner.report.warnings
    finally:
        runner.spool.close()
