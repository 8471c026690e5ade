"""Signature and seal images uploaded in the form: checked, stored by content, used by the renderer.

An image is kept as ``<data>/anh/<draft id>/<sha256[:32]>.png|jpg``: the name
comes from the bytes, never from the uploaded file name, so nothing is written
outside that folder. The record holds only that bare name, and the draft is
rendered with the folder as ``base_dir``; any other value in an image field (a
path typed by hand or brought by an imported YAML) is a problem at that field,
so the renderer never reads a file outside the draft's folder.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from congvan.errors import CongvanError, Problem
from congvan.fileio import write_bytes_atomic

MAX_IMAGE = 2 * 1024 * 1024
MAX_SIDE_PX = 6000
SAFE_NAME = re.compile(r"[0-9a-f]{32}\.(png|jpg)")
_MAGIC = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}
#: image fields of the models: a name starting with this holds a picture (ChuKy.anh_chu_ky, anh_dau…)
FIELD_PREFIX = "anh_"


def folder(data_dir: Path, ho_so_id: int) -> Path:
    """The one folder a draft's images live in (also the renderer's ``base_dir``)."""
    return data_dir / "anh" / str(int(ho_so_id))


def kind_of(blob: bytes) -> str | None:
    """``png`` / ``jpg`` from the file's first bytes, whatever its name says."""
    for magic, ext in _MAGIC.items():
        if blob.startswith(magic):
            return ext
    return None


def save(data_dir: Path, ho_so_id: int, blob: bytes, filename: str, field: str) -> str:
    """Check one uploaded image and store it under its content hash; the stored name."""
    shown = filename.replace("\\", "/").rsplit("/", 1)[-1] or "ảnh"
    if len(blob) > MAX_IMAGE:
        raise CongvanError(Problem(f"ảnh quá lớn (tối đa {MAX_IMAGE // (1024 * 1024)} MB)", file=shown, field=field))
    ext = kind_of(blob)
    if ext is None:
        raise CongvanError(Problem("chỉ nhận ảnh PNG hoặc JPEG", file=shown, field=field))
    try:
        from docx.image.image import Image

        image = Image.from_blob(blob)
        width, height = image.px_width, image.px_height
    except Exception:
        raise CongvanError(Problem("tệp ảnh hỏng, không đọc được", file=shown, field=field)) from None
    if not (0 < width <= MAX_SIDE_PX and 0 < height <= MAX_SIDE_PX):
        raise CongvanError(Problem(f"ảnh quá khổ (tối đa {MAX_SIDE_PX} điểm ảnh mỗi chiều)", file=shown, field=field))
    name = f"{hashlib.sha256(blob).hexdigest()[:32]}.{ext}"
    target_dir = folder(data_dir, ho_so_id)
    target = target_dir / name
    if not target.exists():
        write_bytes_atomic(target, blob)
    return name


def path(data_dir: Path, ho_so_id: int, name: str) -> Path | None:
    """The stored image called *name* for this draft, or None (bad name or absent)."""
    if not SAFE_NAME.fullmatch(name):
        return None
    found = folder(data_dir, ho_so_id) / name
    return found if found.is_file() else None


def copy_all(data_dir: Path, source_id: int, target_id: int) -> None:
    """``Nhân bản``: the new draft gets its own copy of the images its fields name."""
    src = folder(data_dir, source_id)
    if not src.is_dir():
        return
    dst = folder(data_dir, target_id)
    dst.mkdir(parents=True, exist_ok=True)
    for item in src.iterdir():
        if SAFE_NAME.fullmatch(item.name):
            shutil.copyfile(item, dst / item.name)


def image_values(data: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """Every image field in a record's data, as (field path in the CLI's spelling, value)."""
    if isinstance(data, dict):
        for key, value in data.items():
            here = f"{where}.{key}" if where else str(key)
            if str(key).startswith(FIELD_PREFIX) and not isinstance(value, dict | list):
                yield here, value
            else:
                yield from image_values(value, here)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from image_values(value, f"{where}[{i}]")


def problems(data: Any) -> list[Problem]:
    """An image field must name an image uploaded in the form (no paths into the server's disk)."""
    out = []
    for where, value in image_values(data):
        if value in (None, ""):
            continue
        if not isinstance(value, str) or not SAFE_NAME.fullmatch(value):
            message = f"ảnh phải được tải lên trong biểu mẫu (không dùng đường dẫn tệp '{value}')"
            out.append(Problem(message, field=where))
    return out
