"""One batch from a spreadsheet: validate every row, then render what was asked.

Two passes over the sheet: the first only validates (so by default a batch with
any bad row is refused before a single file is written, with every bad row
reported), the second renders. Rows are streamed in both, so memory does not
grow with the sheet.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from congvan.batch.dot import DotConfig
from congvan.batch.models import ROW_MODELS, RowModel, generic_model
from congvan.batch.output import (
    FileNamer,
    Journal,
    fingerprint,
    remove_stale_parts,
    with_background,
    write_merged,
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

MODES = {
    "gop": "gop",
    "merged": "gop",
    "tung-dong": "tung-dong",
    "per-row": "tung-dong",
    "ca-hai": "ca-hai",
    "both": "ca-hai",
}
MAX_PRINTED_ERRORS = 30


@dataclass
class BatchOptions:
    data: Path
    outdir: Path
    documents: Sequence[str] = ("quyet-dinh", "giay-cong-nhan")
    kind: str = "gia-dinh"
    user_template: Path | None = None
    dot: DotConfig | None = None
    column_map: dict[str, str] = field(default_factory=dict)
    mode: str = "ca-hai"
    pdf: bool = False
    background: Path | None = None
    skip_bad: bool = False
    sheet_name: str | None = None
    progress: bool = True


@dataclass
class BatchReport:
    source: str
    stats: RowStats
    outputs: list[Path] = field(default_factory=list)
    error_sheet: Path | None = None
    skipped_existing: int = 0
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def _default_dot(kind_word: str) -> DotConfig:
    return DotConfig(
        co_quan="Ủy ban nhân dân",
        dia_danh="……",
        nam=2026,
        danh_hieu=f"{kind_word.capitalize()} học tập",
    )


def _shared_context(options: BatchOptions, model: type[RowModel]) -> dict[str, Any]:
    dot = options.dot or _default_dot(model.KIND_WORD)
    return dot.context(model.KIND_WORD, model.NAME_HEADER)


def _row_context(shared: dict[str, Any], row: GoodRow, width: int) -> dict[str, Any]:
    context = dict(shared)
    context.update(row.record.context())
    context["stt"] = row.stt
    context["so_vao_so"] = f"{row.stt:0{width}d}"
    return context


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
        self.shared = _shared_context(options, self.model)
        self.pdf_jobs: list[Path] = []
        self.splits: list[tuple[Path, Path]] = []
        self.per_row_pdf: list[Path] = []

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

    def validate(self) -> list[tuple[str, str, str]]:
        """Pass 1: every bad row, plus the compact list the decision needs."""
        bad: list[BadRow] = []
        listing: list[tuple[str, str, str]] = []  # compact: 100,000 rows stay small
        keep = "quyet-dinh" in self.o.documents
        for row in self.rows("Kiểm tra dữ liệu"):
            if isinstance(row, BadRow):
                bad.append(row)
            elif keep:
                record = row.record
                listing.append((record.ten, getattr(record, "dia_chi", "") or "", getattr(record, "ghi_chu", "") or ""))
        stats = self.report.stats
        for number, first in stats.duplicates[:MAX_PRINTED_ERRORS]:
            self.report.warnings.append(f"dòng {number} trùng tên và địa chỉ với dòng {first}")
        if bad:
            self.o.outdir.mkdir(parents=True, exist_ok=True)
            self.report.error_sheet = write_error_sheet(self.o.outdir / "dong_loi.xlsx", self.headers, bad)
            if not self.o.skip_bad:
                raise _refusal(self.source, bad, stats, self.report.error_sheet)
        if stats.good == 0:
            raise CongvanError(Problem("không có dòng dữ liệu hợp lệ nào", file=self.source))
        return listing

    def good_contexts(self, desc: str) -> Iterator[tuple[GoodRow, dict[str, Any]]]:
        width = max(4, len(str(self.report.stats.good + self.report.stats.bad)))
        for row in self.rows(desc):
            if isinstance(row, GoodRow):
                yield row, _row_context(self.shared, row, width)


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
    template = CompiledTemplate(parts, name=display_path(path))
    return template, list(template.warnings)


def run_batch(options: BatchOptions) -> BatchReport:
    """Validate the sheet, then write the requested documents into ``options.outdir``."""
    import time

    runner = _Runner(options)
    t0 = time.perf_counter()
    listing = runner.validate()
    report = runner.report
    report.timings["kiểm tra"] = time.perf_counter() - t0
    options.outdir.mkdir(parents=True, exist_ok=True)
    for document in options.documents:
        t1 = time.perf_counter()
        if document == "quyet-dinh":
            decision = _write_decision(runner, listing)
            report.outputs.append(decision)
            runner.pdf_jobs.append(decision)
        else:
            _write_rows(runner, document)
        report.timings[document] = time.perf_counter() - t1
    if options.pdf:
        t1 = time.perf_counter()
        _write_pdfs(runner)
        report.timings["pdf"] = time.perf_counter() - t1
    return report


def _write_pdfs(runner: _Runner) -> None:
    """All single files in ONE LibreOffice call; per-row PDFs cut from the merged ones."""
    from congvan.pdf import convert_to_pdf, split_pdf

    pdfs = convert_to_pdf(runner.pdf_jobs, runner.o.outdir)
    runner.report.outputs.extend(pdfs)
    by_docx = dict(zip(runner.pdf_jobs, pdfs, strict=True))
    for merged, folder in runner.splits:
        names = [name.removesuffix(".docx") + ".pdf" for name in _per_row_names(runner)]
        split_pdf(by_docx[merged], folder, names)
    for folder in runner.per_row_pdf:
        docs = sorted(folder.glob("*.docx"))
        convert_to_pdf(docs, folder)


def _write_decision(runner: _Runner, listing: list[tuple[str, str, str]]) -> Path:
    path = template_path("quyet-dinh", runner.o.kind)
    template, _ = _load_template(path, None)
    context = dict(runner.shared)
    context["danh_sach"] = [
        {"stt": i, "ten": ten, "dia_chi": dia_chi, "ghi_chu": ghi_chu}
        for i, (ten, dia_chi, ghi_chu) in enumerate(listing, start=1)
    ]
    context["so_luong"] = f"{len(listing):,}".replace(",", ".")
    target = runner.o.outdir / "quyet_dinh_cong_nhan.docx"
    write_bytes_atomic(target, template.render_bytes(context))
    return target


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
        contexts = (ctx for _, ctx in runner.good_contexts(f"Gộp {stem}"))
        write_merged(template, contexts, target)
        runner.report.outputs.append(target)
        runner.pdf_jobs.append(target)
        if o.mode == "ca-hai":
            runner.splits.append((target, o.outdir / stem))
    if o.mode in ("tung-dong", "ca-hai"):
        folder = o.outdir / stem
        _write_per_row(runner, template, folder, stem)
        runner.report.outputs.append(folder)
        if o.mode == "tung-dong":
            runner.per_row_pdf.append(folder)


def _write_per_row(runner: _Runner, template: CompiledTemplate, folder: Path, stem: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(folder)
    journal = Journal(folder, fingerprint(template.parts, repr(sorted(runner.shared.items()))))
    namer = FileNamer(max(4, len(str(runner.report.stats.good + runner.report.stats.bad))))
    try:
        for row, context in runner.good_contexts(f"Tạo {stem}"):
            name = namer.name(row.stt, row.record.ten)
            digest = journal.digest(context)
            if journal.is_done(folder, name, digest):
                runner.report.skipped_existing += 1
                continue
            write_quick(folder / name, template.render_bytes(context))
            journal.record(name, digest)
    finally:
        journal.close()


def _per_row_names(runner: _Runner) -> list[str]:
    namer = FileNamer(max(4, len(str(runner.report.stats.good + runner.report.stats.bad))))
    return [namer.name(row.stt, row.record.ten) for row, _ in runner.good_contexts("…")]


def lint_only(options: BatchOptions) -> list[str]:
    """``--kiem-tra``: check the templates and every row, write nothing but the error sheet."""
    runner = _Runner(options)
    messages: list[str] = []
    for document in options.documents:
        path = _document_template(runner, document)
        template, warnings = _load_template(path, None)
        messages.extend(str(w) for w in warnings)
        messages.extend(check_template(template, runner.model.model_fields, runner.shared))
    runner.validate()
    return messages + runner.report.warnings
