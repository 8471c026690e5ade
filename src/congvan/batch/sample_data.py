"""Deterministic sample spreadsheets (python -m congvan.batch.sample_data [folder]).

Writes records/batch/: 2,000 families with real-looking Vietnamese names (and the
awkward rows real sheets have: ``&``, ``<``, quotes, apostrophes in Ê Đê names,
very long names, empty optional cells, repeated names, a slash and ``..`` in a
name), a small file of intentionally bad rows, and a list of units for the
registration forms. The same generator feeds the tests and the benchmark.
"""

from __future__ import annotations

import csv
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from congvan.fileio import atomic_writer

RECORDS_DIR = Path(__file__).resolve().parents[3] / "records" / "batch"

HEADERS = [
    "STT",
    "Họ và tên chủ hộ",
    "Giới tính",
    "Năm sinh",
    "Địa chỉ",
    "Số thành viên",
    "Số điện thoại",
    "Đóng góp quỹ khuyến học",
    "Ghi chú",
]

_HO = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Huỳnh", 4),
    ("Phan", 4),
    ("Vũ", 4),
    ("Võ", 3),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 1),
    ("Lý", 1),
    ("Đinh", 1),
    ("Trịnh", 1),
    ("Mai", 1),
]
_DEM_NAM = ["Văn", "Đức", "Hữu", "Minh", "Quang", "Xuân", "Công", "Thanh", "Ngọc", "Đình"]
_DEM_NU = ["Thị", "Thị", "Thị", "Ngọc", "Thanh", "Thu", "Kim", "Hồng", "Minh", "Diệu"]
_TEN_NAM = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hùng",
    "Khánh",
    "Long",
    "Mạnh",
    "Nam",
    "Phong",
    "Quân",
    "Sơn",
    "Thắng",
    "Toàn",
    "Trung",
    "Tuấn",
    "Việt",
    "Vinh",
]
_TEN_NU = [
    "Anh",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hoa",
    "Hương",
    "Lan",
    "Liên",
    "Linh",
    "Mai",
    "Nga",
    "Ngọc",
    "Nhung",
    "Phương",
    "Thảo",
    "Trang",
    "Tuyết",
    "Yến",
]
_THON = [
    "Thôn Đông",
    "Thôn Tây",
    "Thôn Trung",
    "Thôn Bắc Sơn",
    "Thôn Nam Hà",
    "Xóm Mới",
    "Xóm Chùa",
    "Thôn Phú Lộc",
    "Thôn Yên Thành",
    "Tổ dân phố số 3",
]
_XA = "xã An Bình, tỉnh Ninh Bình"
_GHI_CHU = [
    "",
    "",
    "",
    "",
    "Gia đình 3 thế hệ",
    "Có con đỗ đại học năm 2026",
    "Hộ cận nghèo",
    "Tham gia lớp tin học cộng đồng",
]

# Rows every realistic sheet eventually contains; placed at fixed positions.
_AWKWARD = [
    [
        "Nguyễn Văn Tâm & Con",
        "Nam",
        1970,
        "Thôn Đông & Xóm Chùa, " + _XA,
        4,
        "",
        "",
        "Kinh doanh & dịch vụ",
    ],
    [
        'Trần Thị "Bé" Hoa',
        "Nữ",
        1982,
        "Thôn Tây, " + _XA,
        3,
        "0912 345 678",
        "500000",
        'Tên gọi "Bé"',
    ],
    ["H'Hen Niê", "Nữ", 1990, "Buôn Ko Sier, " + _XA, 5, "", "", "Thu nhập < 2 triệu/tháng"],
    [
        "Y'Mlô Ê Ban",
        "Nam",
        1965,
        "Buôn Ea Bông, " + _XA,
        6,
        "",
        "1.000.000",
        "Hộ có <3> con đi học",
    ],
    [
        "Công Tằng Tôn Nữ Thị Diệu Huyền Phương Thảo Ngọc Bích Lan Anh Minh Châu Khánh Linh",
        "Nữ",
        1978,
        "Thôn Phú Lộc, " + _XA,
        2,
        "",
        "",
        "",
    ],
    [
        "Nguyễn Phước Vĩnh Bảo Long Hoàng Thái Tử Đệ Nhất Thừa Kế Dòng Họ Nguyễn Phước Tộc",
        "Nam",
        1955,
        "Tổ dân phố số 3, " + _XA + ", gần chợ An Bình và trạm y tế xã, cạnh trường Tiểu học An Bình số 1",
        7,
        "",
        "",
        "Tên rất dài",
    ],
    ["Lê Thị Hoa (Hoa/Huệ)", "Nữ", 1988, "Xóm Mới, " + _XA, 4, "", "", ""],
    ["Phạm Văn Tư..", "", "", "Thôn Trung, " + _XA, "", "", "", ""],
    ["Nguyễn Văn An", "Nam", 1975, "Thôn Đông, " + _XA, 4, "", "200000", ""],
    ["Nguyễn Văn An", "Nam", 1975, "Thôn Đông, " + _XA, 4, "", "200000", "Trùng dòng trên"],
    ["Nguyễn Văn An", "Nam", 1992, "Thôn Bắc Sơn, " + _XA, 3, "", "", "Cùng tên, khác hộ"],
    ["  Đỗ   Thị   Lan  ", "nữ", "", "Thôn Nam Hà, " + _XA, "", "", "", "Khoảng trắng thừa"],
]

BAD_ROWS = [
    ["", "Nam", 1970, "Thôn Đông, " + _XA, 4, "", "", "Thiếu họ tên"],
    ["Trần Văn Bảo", "Nam", "19x5", "Thôn Tây, " + _XA, 3, "", "", "Năm sinh sai"],
    ["Lê Thị Cúc", "Nữ", 1850, "Thôn Trung, " + _XA, 3, "", "", "Năm sinh quá xa"],
    ["Phạm Văn Dũng", "Nam", 1980, "", 3, "", "", "Thiếu địa chỉ"],
    ["Hoàng Thị Én", "Nữ", 1985, "Xóm Mới, " + _XA, -2, "", "", "Số thành viên âm"],
    ["Vũ Văn Giang", "Nam", 1979, "Xóm Chùa, " + _XA, 4, "abc-xyz", "", "SĐT sai"],
    ["Đặng Thị Hằng", "Nữ", 1983, "Thôn Đông, " + _XA, 4, "", "năm trăm nghìn", "Số tiền bằng chữ"],
    ["Bùi Văn Khoa", "X", 1981, "Thôn Tây, " + _XA, 4, "", "", "Giới tính sai"],
    ["Ngô " + "Văn " * 60 + "Lâm", "Nam", 1970, "Thôn Tây, " + _XA, 4, "", "", "Tên quá dài"],
    ["Đinh Văn Minh", "Nam", 1977, "Thôn Bắc Sơn, " + _XA, 5, "0987654321", "300.000", "Dòng đúng"],
]

UNIT_HEADERS = ["STT", "Tên đơn vị", "Địa chỉ", "Người đứng đầu", "Số cán bộ", "Điện thoại"]
_UNITS = [
    ("Trường Mầm non An Bình", "Thôn Đông"),
    ("Trường Tiểu học An Bình số 1", "Thôn Tây"),
    ("Trường Tiểu học An Bình số 2", "Thôn Bắc Sơn"),
    ("Trường THCS An Bình", "Thôn Trung"),
    ("Trạm Y tế xã An Bình", "Thôn Trung"),
    ("Công an xã An Bình", "Thôn Trung"),
    ("Hợp tác xã Nông nghiệp An Bình", "Thôn Phú Lộc"),
    ("Công ty TNHH May Bình An", "Khu công nghiệp"),
    ("Chi bộ & Ban công tác Mặt trận thôn Đông", "Thôn Đông"),
    ("Thôn Yên Thành", "Thôn Yên Thành"),
    ("Đoàn Thanh niên xã An Bình", "Thôn Trung"),
    ("Hội Liên hiệp Phụ nữ xã An Bình", "Thôn Trung"),
]


def person(rng: random.Random) -> tuple[str, str]:
    """A (name, gender) with realistic family-name frequencies."""
    ho = rng.choices([h for h, _ in _HO], weights=[w for _, w in _HO])[0]
    if rng.random() < 0.55:
        return f"{ho} {rng.choice(_DEM_NAM)} {rng.choice(_TEN_NAM)}", "Nam"
    return f"{ho} {rng.choice(_DEM_NU)} {rng.choice(_TEN_NU)}", "Nữ"


def families(count: int, seed: int = 2026) -> Iterator[list[object]]:
    """*count* family rows (header excluded), awkward rows spread through the sheet."""
    rng = random.Random(seed)
    spots = {(i + 1) * max(count // (len(_AWKWARD) + 1), 1): row for i, row in enumerate(_AWKWARD)}
    for stt in range(1, count + 1):
        if stt in spots:
            yield [stt, *spots[stt]]
            continue
        name, gender = person(rng)
        phone = f"09{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.6 else ""
        money = rng.choice(["", "", "100000", "200.000", "500000", 300000, "1.000.000"])
        yield [
            stt,
            name,
            gender if rng.random() < 0.9 else "",
            rng.randint(1945, 2000),
            f"Số {rng.randint(1, 250)}, {rng.choice(_THON)}, {_XA}",
            rng.randint(1, 9),
            phone,
            money,
            rng.choice(_GHI_CHU),
        ]


UNIT_COLUMN = "Xã, phường"
_XA_TEN = [
    "An Bình",
    "Yên Thành",
    "Đông Sơn",
    "Phú Lộc",
    "Tân Hòa",
    "Quảng Ngãi",
    "Hải Châu",
    "Thạch Thất",
    "Ea Kao",
    "Đắk Mil",
    "Hòa Bình",
    "Nghĩa Đàn",
    "Cẩm Phả",
    "Lạc Dương",
    "Ô Môn",
    "Ý Yên",
]


def communes(count: int) -> list[str]:
    """*count* distinct commune names, with diacritics, some awkward for file names ("Phường 1/2")."""
    names = []
    for i in range(count):
        kind = "Phường" if i % 3 == 1 else "Xã"
        base = _XA_TEN[i % len(_XA_TEN)]
        names.append(f"{kind} {base}" + (f" {i // len(_XA_TEN) + 1}" if i >= len(_XA_TEN) else ""))
    if count > 5:
        names[5] = "Phường 1/2"  # a slash: not a folder separator in the output
    return names


def families_by_commune(count: int, units: list[str], seed: int = 2026) -> Iterator[list[object]]:
    """:func:`families` with a commune column; communes interleave down the sheet, as in a merged list."""
    rng = random.Random(seed + 1)
    for row in families(count, seed):
        yield [*row, rng.choice(units)]


def write_xlsx(target: Path, headers: list[str], rows: Iterator[list[object]]) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("Danh sách")
    ws.append(headers)
    for row in rows:
        ws.append(row)
    with atomic_writer(target) as fh:
        book.save(fh)


def write_csv(target: Path, headers: list[str], rows: Iterator[list[object]]) -> None:
    with atomic_writer(target) as fh:
        text = _csv_text(headers, rows)
        fh.write(text.encode("utf-8-sig"))


def _csv_text(headers: list[str], rows: Iterator[list[object]]) -> str:
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue()


def units() -> Iterator[list[object]]:
    rng = random.Random(7)
    for stt, (name, place) in enumerate(_UNITS, start=1):
        head, _ = person(rng)
        yield [
            stt,
            name,
            f"{place}, {_XA}",
            head,
            rng.randint(8, 120),
            f"0229 38{rng.randint(10000, 99999)}",
        ]


def write_samples(folder: Path = RECORDS_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "gia_dinh_2026.xlsx", folder / "gia_dinh_loi.csv", folder / "don_vi_2026.csv"]
    write_xlsx(paths[0], HEADERS, families(2000))
    bad = ([i, *row] for i, row in enumerate(BAD_ROWS, start=1))
    write_csv(paths[1], HEADERS, bad)
    write_csv(paths[2], UNIT_HEADERS, units())
    paths.append(folder / "phoi_mau.png")
    with atomic_writer(paths[-1]) as fh:
        fh.write(sample_background())
    return paths


def sample_background(width: int = 1403, height: int = 992) -> bytes:
    """A plain phôi PNG (cream paper, gold and red double frame) for trying ``--phoi``."""
    import struct
    import zlib

    cream, gold, red = b"\xfd\xf8\xe8", b"\xc9\xa2\x3c", b"\xa8\x1c\x1c"
    bands = [(28, 40, gold), (48, 52, red), (60, 64, gold)]  # (from, to) px from the edge

    def colour(distance: int) -> bytes:
        return next((c for lo, hi, c in bands if lo <= distance < hi), cream)

    rows = []
    for y in range(height):
        dy = min(y, height - 1 - y)
        line = bytearray()
        for x in range(width):
            d = min(dy, x, width - 1 - x)
            line += colour(d) if d < 64 else cream
        rows.append(b"\x00" + bytes(line))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    for written in write_samples(Path(sys.argv[1]) if len(sys.argv) > 1 else RECORDS_DIR):
        print(written)
