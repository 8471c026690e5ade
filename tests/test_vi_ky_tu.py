"""The one rule for XML-illegal characters."""

import pytest
from lxml import etree

from congvan.vi.ky_tu import ky_tu_cam_dau_tien, loi_ky_tu


@pytest.mark.parametrize("char", [chr(c) for c in range(0x20) if c not in (9, 10, 13)] + ["\ufffe", "\uffff"])
def test_every_xml_illegal_character_is_found(char: str) -> None:
    assert ky_tu_cam_dau_tien(f"ab{char}c") == (2, char)
    message = loi_ky_tu(f"ab{char}c")
    assert message is not None and "vị trí 3" in message
    with pytest.raises(ValueError):  # lxml agrees it cannot be XML text
        etree.Element("p").text = f"ab{char}c"


@pytest.mark.parametrize("text", ["A & B <c> \"d\" 'e'", "tab\tlf\ncr\r", "Tiếng Việt — “ngoặc” …", ""])
def test_legal_text_passes(text: str) -> None:
    assert ky_tu_cam_dau_tien(text) is None
    assert loi_ky_tu(text) is None
