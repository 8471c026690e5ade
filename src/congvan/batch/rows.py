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
from congvan.vi.ky_tu import KY_TU_CAM, loi_ky_tu

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


# Limits checked before (or while) reading, so a small hostile file cannot hang the
# batch or eat the memory: a 5 KB XLSX can claim a cell at XFD1048576, a 1 MB ZIP
# can unpack to gigabytes, a CSV cell can be arbitrarily long.
MAX_ROWS = 500_000
MAX_COLUMNS = 256
MAX_CELLS = 20_000_000
MAX_UNCOMPRESSED = 400 * 1024 * 1024
MAX_CSV_CELL = 131_072


def _so(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@dataclass
class Sheet:
    """An open spreadsheet: its header row and a stream of its data rows."""

    source: str
    headers: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[Any]]]
    total: int | None = None
    no_value: set[tuple[int, int]] = field(default_factory=set)  # (row, column) formulas without a value


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

    _check_package(path, source)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise CongvanError(Problem("tệp .xlsx hỏng hoặc không phải bảng tính Excel", file=source)) from None
    try:
        if sheet_name is not None and sheet_name not in book.sheetnames:
            names = ", ".join(book.sheetnames)
            raise CongvanError(Problem(f"không có trang tính '{sheet_name}' (có: {names})", file=source))
        ws = book[sheet_name] if sheet_name else book.worksheets[0]
        _check_dimensions(ws, source)
        total = ws.max_row
        no_value = _formulas_without_value(path, ws._worksheet_path)
        ws.reset_dimensions()  # rows as stored: a wrong <dimension> neither pads nor cuts them
        numbered = _xlsx_rows(ws, source)
        headers, header_row, rest = _header_and_rows(source, numbered)
        yield Sheet(source, headers, header_row, rest, (total - header_row) if total else None, no_value)
    finally:
        book.close()


def _check_package(path: Path, source: str) -> None:
    """Refuse a ZIP that unpacks to more than MAX_UNCOMPRESSED bytes, before anything is unpacked."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            size = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise CongvanError(Problem("tệp .xlsx hỏng hoặc không phải bảng tính Excel", file=source)) from None
    if size > MAX_UNCOMPRESSED:
        raise CongvanError(
            Problem(
                f"tệp .xlsx khi giải nén lớn {_so(size // 2**20)} MB, "
                f"vượt giới hạn {_so(MAX_UNCOMPRESSED // 2**20)} MB",
                file=source,
            )
        )


def _check_dimensions(ws: Any, source: str) -> None:
    """The sheet's declared size (its <dimension>), refused when past the limits."""
    from openpyxl.utils import get_column_letter

    rows, cols = ws.max_row or 0, ws.max_column or 0
    if cols > MAX_COLUMNS:
        raise CongvanError(
            Problem(
                f"trang tính có dữ liệu đến cột {get_column_letter(cols)} ({_so(cols)} cột), "
                f"vượt giới hạn {MAX_COLUMNS} cột; hãy xóa các cột thừa",
                file=source,
            )
        )
    if rows > MAX_ROWS or rows * cols > MAX_CELLS:
        raise CongvanError(
            Problem(
                f"trang tính có {_so(rows)} dòng × {_so(cols)} cột, vượt giới hạn {_so(MAX_ROWS)} dòng "
                f"và {_so(MAX_CELLS)} ô; hãy xóa các dòng thừa hoặc chia bảng tính",
                file=source,
            )
        )


def _xlsx_rows(ws: Any, source: str) -> Iterator[tuple[int, list[Any]]]:
    """Rows as the sheet numbers them; the limits hold even when <dimension> lied."""
    from openpyxl.utils import get_column_letter

    cells = 0
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS:
            raise CongvanError(Problem(f"trang tính có hơn {_so(MAX_ROWS)} dòng (giới hạn)", file=source))
        cells += len(values)
        if cells > MAX_CELLS:
            raise CongvanError(Problem(f"trang tính có hơn {_so(MAX_CELLS)} ô (giới hạn)", file=source, line=number))
        row = list(values)
        if len(row) > MAX_COLUMNS:
            extra = next((i for i in range(len(row) - 1, MAX_COLUMNS - 1, -1) if row[i] is not None), None)
            if extra is not None:
                raise CongvanError(
                    Problem(
                        f"ô {get_column_letter(extra + 1)}{number} nằm ngoài giới hạn {MAX_COLUMNS} cột",
                        file=source,
                        line=number,
                    )
                )
            del row[MAX_COLUMNS:]
        yield number, row


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _formulas_without_value(path: Path, part: str) -> set[tuple[int, int]]:
    """Cells holding a formula but no cached value (data_only reads them as empty).

    A file written by a program that does not compute formulas has them; Excel
    computes and stores the value when it saves. Scanned only if the sheet has any
    formula at all.
    """
    import zipfile

    from lxml import etree
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    part = part.lstrip("/")
    with zipfile.ZipFile(path) as zf:
        with zf.open(part) as fh:
            if not any(b"<f" in chunk or b":f" in chunk for chunk in iter(lambda: fh.read(1 << 20), b"")):
                return set()
        missing = set()
        with zf.open(part) as fh:
            for _, cell in etree.iterparse(fh, tag=f"{_SHEET_NS}c"):
                formula = cell.find(f"{_SHEET_NS}f")
                value = cell.find(f"{_SHEET_NS}v")
                if formula is not None and (value is None or value.text in (None, "")) and cell.get("r"):
                    letters, row = coordinate_from_string(cell.get("r"))
                    missing.add((row, column_index_from_string(letters) - 1))
                cell.clear()
        return missing


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


@contextmanager
def _open_csv(path: Path, source: str) -> Iterator[Sheet]:
    fh = path.open(encoding="utf-8-sig", newline="")
    try:
        first = fh.read(1 << 16).partition("\n")[0]  # a bounded look, even at a huge first line
        fh.seek(0)
    except UnicodeDecodeError:
        fh.close()
        raise CongvanError(
            Problem("tệp CSV không phải mã UTF-8; hãy lưu lại với 'CSV UTF-8' trong Excel", file=source)
        ) from None
    with fh:
        csv.field_size_limit(MAX_CSV_CELL)
        reader = csv.reader(fh, delimiter=_sniff_delimiter(first))
        numbered = _csv_rows(reader, source)
        headers, header_row, rest = _header_and_rows(source, numbered)
        yield Sheet(source, headers, header_row, rest, _count_lines(path) - header_row)


def _csv_rows(reader: Any, source: str) -> Iterator[tuple[int, list[Any]]]:
    """Records numbered as a spreadsheet shows them (a cell with line breaks is still one row)."""
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            if number > MAX_ROWS:
                raise CongvanError(Problem(f"tệp CSV có hơn {_so(MAX_ROWS)} dòng (giới hạn)", file=source))
            if len(values) > MAX_COLUMNS:
                raise CongvanError(
                    Problem(f"dòng có {len(values)} cột, vượt giới hạn {MAX_COLUMNS} cột", file=source, line=number)
                )
            yield number, values
    except UnicodeDecodeError:
        raise CongvanError(Problem("không phải mã UTF-8", file=source, line=number + 1)) from None
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            message = f"có ô dài hơn {_so(MAX_CSV_CELL)} ký tự (giới hạn); thường do thiếu dấu nháy kép đóng"
        else:
            message = f"tệp CSV sai định dạng ({exc})"
        raise CongvanError(Problem(message, file=source, line=number + 1)) from None


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
    by_key: dict[str, int] = {}
    twins: dict[str, list[int]] = {}
    for i, h in enumerate(sheet.headers):
        if h:
            by_key.setdefault(header_key(h), i)
            twins.setdefault(header_key(h), []).append(i)
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
    problems.extend(_ambiguous(sheet, columns, twins))
    if problems:
        raise CongvanError(problems)
    ignored = [h for i, h in enumerate(sheet.headers) if h and i not in columns]
    return ColumnMap(columns, ignored)


def _ambiguous(sheet: Sheet, columns: Mapping[int, str], twins: Mapping[str, list[int]]) -> list[Problem]:
    """Two columns with the same heading, one of them used: which one is meant is a guess."""
    from openpyxl.utils import get_column_letter

    out = []
    for indexes in twins.values():
        if len(indexes) > 1 and any(i in columns for i in indexes):
            letters = ", ".join(get_column_letter(i + 1) for i in indexes)
            out.append(
                Problem(
                    f"tiêu đề '{sheet.headers[indexes[0]]}' xuất hiện ở {len(indexes)} cột ({letters}): "
                    "không biết dùng cột nào; hãy đổi tên hoặc xóa cột thừa",
                    file=sheet.source,
                    line=sheet.header_row,
                )
            )
    return out


# --- validation ----------------------------------------------------------------


@dataclass
class GoodRow:
    number: int  # row number in the sheet
    stt: int
    record: RowModel
    unit: str = ""  # the row's value in the --theo-cot column (one output folder per unit)


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


def data_rows(sheet: Sheet, stats: RowStats) -> Iterator[tuple[int, list[Any], int]]:
    """(sheet row number, cleaned cells, position among non-empty rows); empty rows only counted."""
    index = 0
    for number, raw in sheet.rows:
        values = _strip_row(raw)
        if not any(v is not None for v in values):
            stats.empty += 1
            continue
        index += 1
        yield number, values, index


@dataclass
class RowChecker:
    """The rule for one row, apart from the sheet it came from.

    Holds no open file, so it can be pickled to a Dask worker; a row model made
    from the headers (``--loai tu-do``) travels as the headers and is rebuilt there.
    """

    headers: list[str]
    mapping: ColumnMap
    model: type[RowModel]
    no_value: set[tuple[int, int]] = field(default_factory=set)
    unit_column: int | None = None  # --theo-cot: this column must hold the row's unit

    @classmethod
    def for_sheet(
        cls, sheet: Sheet, mapping: ColumnMap, model: type[RowModel], unit_column: int | None = None
    ) -> RowChecker:
        return cls(sheet.headers, mapping, model, sheet.no_value, unit_column)

    def __getstate__(self) -> dict[str, Any]:
        from congvan.batch.models import ROW_MODELS

        state = dict(self.__dict__)
        if self.model not in ROW_MODELS.values():
            state["model"] = ("generic", self.model.NAME_FIELD)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if isinstance(state["model"], tuple):
            from congvan.batch.models import generic_model

            state["model"] = generic_model(state["headers"], state["model"][1])
        self.__dict__.update(state)

    def check(self, number: int, values: list[Any], index: int) -> GoodRow | BadRow:
        """One data row as a validated record or a located list of errors."""
        width = len(values)
        data = {
            name: values[col] for col, name in self.mapping.columns.items() if col < width and values[col] is not None
        }
        texts = [v for v in data.values() if isinstance(v, str)]
        # one regex over the row's text; located per column only when it finds something
        if (texts and KY_TU_CAM.search("".join(texts))) or (
            self.no_value and any((number, col) in self.no_value for col in self.mapping.columns)
        ):
            return BadRow(number, values, _cell_errors(self, number, values))
        unit, unit_error = self._unit(values)
        try:
            record = self.model.model_validate(data)
        except ValidationError as exc:
            errors = [
                (
                    self.mapping.header_of(str(err["loc"][0]) if err["loc"] else "", self.headers),
                    vietnamese_message(err),
                )
                for err in exc.errors()
            ]
            return BadRow(number, values, errors + unit_error)
        if unit_error:
            return BadRow(number, values, unit_error)
        return GoodRow(number, record.stt or index, record, unit)

    def _unit(self, values: list[Any]) -> tuple[str, list[tuple[str, str]]]:
        """The row's unit (cleaned like any text cell), or the error that it has none."""
        if self.unit_column is None:
            return "", []
        header = self.headers[self.unit_column]
        value = values[self.unit_column] if self.unit_column < len(values) else None
        text = " ".join(nfc(visible_cell(value)).split())
        if not text:
            return "", [(header, "không được để trống (cột chia tệp theo --theo-cot)")]
        why = loi_ky_tu(text)
        if why:
            return "", [(header, why)]
        return text, []


def visible_cell(value: Any) -> str:
    """A cell as text: whole numbers without ``.0`` (a unit code typed as a number)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Tally:
    """What the driver counts over the rows in order: good, bad, duplicates of name and address."""

    def __init__(self, stats: RowStats) -> None:
        self.stats = stats
        self._seen: dict[int, int] = {}

    def bad(self) -> None:
        self.stats.bad += 1

    def good(self, number: int, key: tuple[str, str]) -> None:
        self.stats.good += 1
        digest = hash(key)
        if digest in self._seen:
            self.stats.duplicates.append((number, self._seen[digest]))
        else:
            self._seen[digest] = number


def duplicate_key(record: RowModel) -> tuple[str, str]:
    """Two rows with this key are likely the same family or unit typed twice."""
    return record.ten.casefold(), str(getattr(record, "dia_chi", "")).casefold()


def validate_rows(
    sheet: Sheet, mapping: ColumnMap, model: type[RowModel], stats: RowStats, unit_column: int | None = None
) -> Iterator[GoodRow | BadRow]:
    """Yield each data row as a validated record or a located list of errors."""
    checker = RowChecker.for_sheet(sheet, mapping, model, unit_column)
    tally = Tally(stats)
    for number, values, index in data_rows(sheet, stats):
        row = checker.check(number, values, index)
        if isinstance(row, BadRow):
            tally.bad()
        else:
            tally.good(number, duplicate_key(row.record))
        yield row


def _cell_errors(checker: RowChecker, number: int, values: list[Any]) -> list[tuple[str, str]]:
    """What the row model cannot see: characters XML refuses, formulas with no computed value."""
    errors = []
    for col in checker.mapping.columns:
        value = values[col] if col < len(values) else None
        why = loi_ky_tu(value) if isinstance(value, str) else None
        if why:
            errors.append((checker.headers[col], why))
        elif value is None and (number, col) in checker.no_value:
            errors.append(
                (
                    checker.headers[col],
                    "ô có công thức nhưng chưa có giá trị đã tính; hãy mở tệp bằng Excel rồi lưu lại",
                )
            )
    return errors


def write_error_sheet(target: str | Path, headers: list[str], bad: Sequence[BadRow]) -> Path:
    """The bad rows, as typed, with the row number and the reasons, as an XLSX file.

    Inert: every cell is written as text (``=HYPERLINK(...)`` typed by a user stays
    text, never a formula), and characters a spreadsheet cannot hold are shown as
    ``[U+0007]``.
    """
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("Dòng lỗi")
    bold = Font(bold=True)
    title = ["Dòng", *headers, "Lỗi"]
    ws.append([_text_cell(ws, WriteOnlyCell, v, bold) for v in title])
    for row in bad:
        reasons = "; ".join(f"{col}: {msg}" for col, msg in row.errors)
        cells = list(row.values[: len(headers)]) + [None] * (len(headers) - len(row.values))
        ws.append([_text_cell(ws, WriteOnlyCell, v) for v in (row.number, *cells, reasons)])
    target = Path(target)
    buf = io.BytesIO()
    book.save(buf)
    with atomic_writer(target) as fh:
        fh.write(buf.getvalue())
    return target


def visible_text(value: Any) -> str:
    """Any value as text a spreadsheet can hold: illegal characters become ``[U+XXXX]``."""
    text = "" if value is None else str(value)
    return KY_TU_CAM.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def _text_cell(ws: Any, cell_type: Any, value: Any, font: Any = None) -> Any:
    cell = cell_type(ws, value=None)
    cell.value = visible_text(value)
    cell.data_type = "s"  # never "f": text stays text, whatever it starts with
    if font is not None:
        cell.font = font
    return cell
