"""render --cap-so: a number from the register, the same one on every re-render."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
from click.testing import CliRunner

from congvan.cli import cli

FIXTURE = Path(__file__).parent / "fixtures" / "ke-hoach-phu-luc.yaml"


def _number(path: Path) -> str:
    return docx.Document(str(path)).tables[0].rows[1].cells[0].text


def test_cap_so_takes_once_and_reuses(tmp_path):
    first = tmp_path / "a.yaml"
    second = tmp_path / "b.yaml"
    text = FIXTURE.read_text(encoding="utf-8").replace("so: 5\n", "")
    first.write_text(text, encoding="utf-8")
    second.write_text(text, encoding="utf-8")
    db = str(tmp_path / "so.sqlite3")
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(cli, ["render", str(first), "--cap-so", "--db", db, "-o", str(tmp_path / "out")])
        assert result.exit_code == 0, result.output
        assert _number(tmp_path / "out" / "a.docx") == "Số: 01/KH-LĐLĐ"
    result = runner.invoke(cli, ["render", str(second), "--cap-so", "--db", db, "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert _number(tmp_path / "out" / "b.docx") == "Số: 02/KH-LĐLĐ"
    listing = runner.invoke(cli, ["so", "ds", "--nam", "2019", "--db", db])
    assert "01/KH-LĐLĐ" in listing.output and "02/KH-LĐLĐ" in listing.output
    shutil.rmtree(tmp_path / "out")
