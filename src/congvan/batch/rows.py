"""Spreadsheet rows in: XLSX or CSV, header mapping, validation, error sheet.

Rows are streamed (openpyxl read-only mode, csv.reader), validated one at a
time and handed on, so 100,000 rows never sit in memory. Every bad row is
reported with its sheet row number, the column header and a Vietnamese
message; nothing is ever dropped silently (fully empty rows are counted).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from congvan.batch.models import RowModel
from congvan.errors import CongvanError, Problem, display_path
from congvan.fileio import atomic_writer
from congvan.records.yaml_source import load_yaml_file
from congvan.vi.chu import bo_dau, nfc

_MESSAGES = {
    "missing": "không được để trống",
    "int_parsing": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "float_parsing": "phải là số",
    "decimal_parsing": "phải là số",
    "decimal_type": "phải là số",
    "string_type": "phải là chữ",
    "date_from_datetime_parsing": "ngày không hợp lệ (dd/mm/yyyy)",
    "date_parsing": "ngày không hợp lệ (dd/mm/yyyy)",
    "date_type": "ngày không hợp lệ (dd/mm/yyyy)",
    "extra_forbidden": "khóa này không có trong mẫu thông tin đợt",
    "list_type": "phải là một danh sách",
    "bool_parsing": "phải là có/không",
}


def vietnamese_message(err: Mapping[str, Any]) -> str:
    """A pydantic error as a short Vietnamese sentence."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "string_too_long":
        return f"quá dài ({len(str(err.get('input', '')))} ký tự, tối đa {ctx.get('max_length')})"
    if kind == "string_too_short":
        return "không được để trống"
    if kind in ("greater_than_equal", "greater_than"):
        return f"phải từ {ctx.get('ge', ctx.get('gt'))} trở lên"
    if kind in ("less_than_equal", "less_than"):
        return f"phải không quá {ctx.get('le', ctx.get('lt'))}"
    return _MESSAGES.get(kind, f"giá trị không hợp lệ ({err['msg']})")


def header_key(text: Any) -> str:
    """Header names compared without accents, case, spacing and trailing ``:``/``*``."""
    key = bo_dau(nfc(str(text or ""))).lower().replace("đ", "d")
    return re.sub(r"\s+", " ", key).strip(" :*")


@dataclass
class Sheet:
    """An open spreadsheet: its header row and a stream of its data rows."""

    source: str
    headers: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[Any]]]
    total: int | None = None


def _strip_row(values: Sequence[Any]) -> list[Any]:
    return [None if (v is None or (isinstance(v, str) and not v.strip())) else v for v in values]


def _header_and_rows(
    source: str, numbered: Iterator[tuple[int, list[Any]]]
) -> tuple[list[str], int, Iterator[tuple[int, list[Any]]]]:
    for number, values in numbered:
        values = _strip_row(values)
        if any(v is not None for v in values):
            headers = [nfc(str(v)).strip() if v is not None else "" for v in values]
            while headers and not headers[-1]:
                headers.pop()
            return headers, number, numbered
    raise CongvanError(Problem("bảng tính không có dòng tiêu đề (trống)", file=source))


@contextmanager
def open_sheet(path: str | Path, sheet_name: str | None = None) -> Iterator[Sheet]:
    """Open an XLSX or CSV file for streaming; closes the workbook afterwards."""
    path = Path(path)
    source = display_path(path)
    if not path.exists():
        raise CongvanError(Problem("không tìm thấy tệp bảng tính", file=source))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        with _open_xlsx(path, source, sheet_name) as sheet:
            yield sheet
    elif suffix in (".csv", ".txt"):
        with _open_csv(path, source) as sheet:
            yield sheet
    else:
        raise CongvanError(Problem("chỉ đọc được bảng tính .xlsx hoặc .csv", file=source))


@contextmanager
def _open_xlsx(path: Path, source: str, sheet_name: str | None) -> Iterator[Sheet]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise CongvanError(Problem("tệp .xlsx hỏng hoặc không phải bảng tính Excel", file=source)) from None
    try:
        if sheet_name is not None and sheet_name not in book.sheetnames:
            names = ", ".join(book.sheetnames)
            raise CongvanError(Problem(f"không có trang tính '{sheet_name}' (có: {names})", file=source))
        ws = book[sheet_name] if sheet_name else book.worksheets[0]
        numbered = ((i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1))
        headers, header_row, rest = _header_and_rows(source, numbered)
        total = (ws.max_row - header_row) if ws.max_row else None
        yield Sheet(source, headers, header_row, rest, total)
    finally:
        book.close()


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


@contextmanager
def _open_csv(path: Path, source: str) -> Iterator[Sheet]:
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
        first = fh.readline()
        fh.seek(0)
    except UnicodeDecodeError:
        raise CongvanError(
            Problem("tệp CSV không phải mã UTF-8; hãy lưu lại với 'CSV UTF-8' trong Excel", file=source)
        ) from None
    with fh:
        reader = csv.reader(fh, delimiter=_sniff_delimiter(first))
        numbered = _csv_rows(reader, source)
        headers, header_row, rest = _header_and_rows(source, numbered)
        yield Sheet(source, headers, header_row, rest, _count_lines(path) - header_row)


def _csv_rows(reader: Any, source: str) -> Iterator[tuple[int, list[Any]]]:
    try:
        for values in reader:
            yield reader.line_num, values
    except UnicodeDecodeError:
        raise CongvanError(Problem(f"dòng {reader.line_num + 1}: không phải mã UTF-8", file=source)) from None


def _count_lines(path: Path) -> int:
    """Line count for the progress bar only (a quoted cell may hold line breaks)."""
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


# --- header mapping -----------------------------------------------------------


def parse_mapping_options(items: Sequence[str], mapping_file: str | Path | None) -> dict[str, str]:
    """``--cot "Họ và tên=ho_ten"`` options and/or a YAML file ``Họ và tên: ho_ten``."""
    mapping: dict[str, str] = {}
    if mapping_file:
        name = display_path(mapping_file)
        data, _lines = load_yaml_file(mapping_file)  # duplicate headers refused with their line
        if not isinstance(data, dict):
            raise CongvanError(Problem("tệp ánh xạ cột phải có dạng 'Tên cột: tên_trường'", file=name))
        mapping.update({str(k): str(v) for k, v in data.items()})
    for item in items:
        header, sep, field_name = item.rpartition("=")
        if not sep or not header.strip() or not field_name.strip():
            raise CongvanError(f"--cot '{item}': cần dạng \"Tên cột=tên_trường\"")
        mapping[header.strip()] = field_name.strip()
    return mapping


@dataclass
class ColumnMap:
    """Which sheet column feeds which model field."""

    columns: dict[int, str]  # column index -> field
    ignored: list[str] = field(default_factory=list)

    def header_of(self, field_name: str, headers: list[str]) -> str:
        for index, name in self.columns.items():
            if name == field_name:
                return headers[index]
        return field_name


def map_headers(sheet: Sheet, model: type[RowModel], user_map: Mapping[str, str] | None = None) -> ColumnMap:
    """Match headers to fields: the user's mapping first, then the model's known headers."""
    fields = set(model.model_fields)
    problems: list[Problem] = []
    by_key = {header_key(h): i for i, h in enumerate(sheet.headers) if h}
    columns: dict[int, str] = {}
    for header, field_name in (user_map or {}).items():
        if field_name not in fields:
            known = ", ".join(sorted(fields))
            problems.append(
                Problem(
                    f"ánh xạ '{header}={field_name}': không có trường '{field_name}' (các trường: {known})",
                    file=sheet.source,
                )
            )
        elif header_key(header) not in by_key:
            problems.append(
                Problem(
                    f"ánh xạ '{header}={field_name}': bảng tính không có cột '{header}'",
                    file=sheet.source,
                )
            )
        else:
            columns[by_key[header_key(header)]] = field_name
    taken = set(columns.values())
    for field_name, aliases in model.HEADERS.items():
        if field_name in taken:
            continue
        for alias in aliases:
            index = by_key.get(header_key(alias))
            if index is not None and index not in columns:
                columns[index] = field_name
                taken.add(field_name)
                break
    for name, info in model.model_fields.items():
        if info.is_required() and name not in taken:
            hints = ", ".join(f"'{a}'" for a in model.HEADERS.get(name, ())[:3])
            problems.append(
                Problem(
                    f"thiếu cột cho trường bắt buộc '{name}' (tên cột thường dùng: {hints}); "
                    f'nếu cột mang tên khác, dùng --cot "Tên cột={name}"',
                    file=sheet.source,
                )
            )
    if problems:
        raise CongvanError(problems)
    ignored = [h for i, h in enumerate(sheet.headers) if h and i not in columns]
    return ColumnMap(columns, ignored)


# --- validation ----------------------------------------------------------------


@dataclass
class GoodRow:
    number: int  # row number in the sheet
    stt: int
    record: RowModel


@dataclass
class BadRow:
    number: int
    values: list[Any]
    errors: list[tuple[str, str]]  # (column header, message)

    def problems(self, source: str) -> list[Problem]:
        return [Problem(f"cột '{col}': {msg}", file=source, line=self.number) for col, msg in self.errors]


@dataclass
class RowStats:
    good: int = 0
    bad: int = 0
    empty: int = 0
    duplicates: list[tuple[int, int]] = field(default_factory=list)  # (row, first row)


def validate_rows(
    sheet: Sheet, mapping: ColumnMap, model: type[RowModel], stats: RowStats
) -> Iterator[GoodRow | BadRow]:
    """Yield each data row as a validated record or a located list of errors."""
    index = 0
    seen: dict[int, int] = {}
    for number, raw in sheet.rows:
        values = _strip_row(raw)
        if not any(v is not None for v in values):
            stats.empty += 1
            continue
        index += 1
        data = {
            name: values[col] for col, name in mapping.columns.items() if col < len(values) and values[col] is not None
        }
        try:
            record = model.model_validate(data)
        except ValidationError as exc:
            stats.bad += 1
            errors = [
                (
                    mapping.header_of(str(err["loc"][0]) if err["loc"] else "", sheet.headers),
                    vietnamese_message(err),
                )
                for err in exc.errors()
            ]
            yield BadRow(number, values, errors)
            continue
        stats.good += 1
        key = hash((record.ten.casefold(), str(getattr(record, "dia_chi", "")).casefold()))
        if key in seen:
            stats.duplicates.append((number, seen[key]))
        else:
            seen[key] = number
        yield GoodRow(number, record.stt or index, record)


def write_error_sheet(target: str | Path, headers: list[str], bad: Sequence[BadRow]) -> Path:
    """The bad rows, as typed, with the row number and the reasons, as an XLSX file."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("Dòng lỗi")
    bold = Font(bold=True)
    title = ["Dòng", *headers, "Lỗi"]
    ws.append([_bold_cell(ws, WriteOnlyCell, v, bold) for v in title])
    for row in bad:
        reasons = "; ".join(f"{col}: {msg}" for col, msg in row.errors)
        cells = list(row.values[: len(headers)]) + [None] * (len(headers) - len(row.values))
        ws.append([row.number, *cells, reasons])
    target = Path(target)
    buf = io.BytesIO()
    book.save(buf)
    with atomic_writer(target) as fh:
        fh.write(buf.getvalue())
    return target


def _bold_cell(ws: Any, cell_type: Any, value: Any, font: Any) -> Any:
    cell = cell_type(ws, value=value)
    cell.font = font
    return cell
