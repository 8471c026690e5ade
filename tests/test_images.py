"""Signature and seal images: the seal floats behind, over the signature's left third."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from congvan.reading.docx import read_docx
from congvan.records.loader import load_record

FIXTURE = Path(__file__).parent / "fixtures" / "cong-van-mot-noi-nhan.yaml"


def _png(path: Path, width: int, height: int, rgba: tuple[int, int, int, int]) -> None:
    """A tiny solid-colour RGBA PNG, written by hand so the test needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(rgba) * width for _ in range(height))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_signature_and_seal(tmp_path, renderer):
    _png(tmp_path / "chu-ky.png", 200, 80, (0, 0, 200, 255))
    _png(tmp_path / "dau.png", 160, 160, (220, 0, 0, 160))
    text = FIXTURE.read_text(encoding="utf-8").replace(
        "ho_ten: Phạm Văn D}", "ho_ten: Phạm Văn D, anh_chu_ky: chu-ky.png, anh_dau: dau.png}"
    )
    record_path = tmp_path / "cv.yaml"
    record_path.write_text(text, encoding="utf-8")
    record = load_record(record_path)
    doc = read_docx(renderer.render_bytes(record, base_dir=tmp_path))
    media = [n for n in doc.zip.namelist() if n.startswith("word/media/")]
    assert len(media) == 2
    rels = doc.part("word/_rels/document.xml.rels").decode()
    xml = doc.part("word/document.xml").decode()
    for rid in ("rIdCv1", "rIdCv2"):
        assert f'Id="{rid}"' in rels and f'r:embed="{rid}"' in xml
    assert "<wp:inline" in xml and 'behindDoc="1"' in xml
    ids = [int(x) for x in __import__("re").findall(r'<wp:docPr id="(\d+)"', xml)]
    assert len(ids) == len(set(ids)) == 2


def test_missing_image_is_a_clear_error(tmp_path, renderer):
    import pytest

    from congvan.errors import CongvanError

    text = FIXTURE.read_text(encoding="utf-8").replace(
        "ho_ten: Phạm Văn D}", "ho_ten: Phạm Văn D, anh_chu_ky: khong-co.png}"
    )
    record_path = tmp_path / "cv.yaml"
    record_path.write_text(text, encoding="utf-8")
    with pytest.raises(CongvanError, match="không tìm thấy tệp ảnh"):
        renderer.render_bytes(load_record(record_path), base_dir=tmp_path)
