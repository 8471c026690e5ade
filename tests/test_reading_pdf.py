"""kiem-tra --pdf: layout facts read from the rendering (one LibreOffice conversion per document)."""

from __future__ import annotations

import json
import shutil

import pytest
from tests.test_reading_check import MUTATIONS, _rewrite

from congvan.cli import main

pytestmark = pytest.mark.xdist_group("libreoffice")


def test_pdf_settles_page_one_number_and_quoc_hieu(rendered, tmp_path, capsys):
    if not shutil.which("pdftotext"):
        pytest.fail("thiếu poppler-utils: chạy scripts/setup.sh")
    files = {}
    for name in ("so-trang-trang-1", "quoc-hieu-xuong-dong"):
        stem, part, edit, _ = MUTATIONS[name]
        files[name] = tmp_path / f"{name}.docx"
        files[name].write_bytes(_rewrite(rendered[stem][1], part, edit))
    good = tmp_path / "dat.docx"
    good.write_bytes(rendered["102-ke-hoach-trao-hoc-bong"][1])
    with pytest.raises(SystemExit) as exit_info:
        main(["kiem-tra", "--pdf", "--json", str(good), *map(str, files.values())])
    assert exit_info.value.code == 1
    reports = {r["tep"].rsplit("/", 1)[-1]: r for r in json.loads(capsys.readouterr().out)}
    assert reports["dat.docx"]["so_loi"] == 0
    page = reports["so-trang-trang-1.docx"]["ket_qua"]
    assert [(f["quy_tac"], f["o_dau"]) for f in page] == [("so_trang.trang_1", "đầu trang 1 (bản PDF)")]
    wrap = reports["quoc-hieu-xuong-dong.docx"]["ket_qua"]
    assert [(f["quy_tac"], f["o_dau"]) for f in wrap] == [("mot_dong.quoc_hieu", "trang 1 (bản PDF)")]
