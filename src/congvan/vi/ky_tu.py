"""Characters that cannot go into a document: the one rule for every input.

XML 1.0 (and so DOCX, XLSX) cannot hold C0 control characters other than tab,
line feed and carriage return, lone surrogates, nor U+FFFE / U+FFFF. congvan
applies ONE rule everywhere text enters (records, batch rows, forms, register
entries, template output): such text is **refused** with its location, never
cleaned silently and never written. Callers turn :func:`loi_ky_tu` into a
located :class:`congvan.errors.Problem` (file/line/field or row/column).
"""

from __future__ import annotations

import re
import unicodedata

#: Everything XML 1.0 forbids in character data (tab, LF and CR are allowed).
KY_TU_CAM = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def ky_tu_cam_dau_tien(text: str) -> tuple[int, str] | None:
    """Index and character of the first XML-illegal character in ``text``, or None."""
    match = KY_TU_CAM.search(text)
    return (match.start(), match.group()) if match else None


def ten_ky_tu(char: str) -> str:
    """A reader-friendly name: ``U+0007`` plus the Unicode name when it has one."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def loi_ky_tu(text: str) -> str | None:
    """The Vietnamese message for the first illegal character of ``text``, or None when clean."""
    found = ky_tu_cam_dau_tien(text)
    if found is None:
        return None
    index, char = found
    return (
        f"có ký tự điều khiển {ten_ky_tu(char)} ở vị trí {index + 1}, không thể đưa vào văn bản; "
        "hãy xóa ký tự này (thường do dán từ phần mềm khác)"
    )
