"""render --cap-so: a number from the register, the same one on every re-render."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
from click.testing import CliRunner

from congvan.cli import cli
from congvan.errors import CongvanError

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


def _render(path: Path, db: str, out: Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["render", str(path), "--cap-so", "--db", db, "-o", str(out)])


def _message(result) -> str:  # type: ignore[no-untyped-def]
    """What the CLI main prints for a refused command (a CongvanError), else the output."""
    assert result.exception is None or isinstance(result.exception, CongvanError), result.exception
    return str(result.exception) if result.exception else result.output


def _numbered_record(tmp_path: Path) -> tuple[Path, str, str]:
    record = tmp_path / "kh.yaml"
    text = FIXTURE.read_text(encoding="utf-8").replace("so: 5\n", "")
    record.write_text(text, encoding="utf-8")
    db = str(tmp_path / "so.sqlite3")
    first = _render(record, db, tmp_path / "out")
    assert first.exit_code == 0, first.output
    assert _number(tmp_path / "out" / "kh.docx") == "Số: 01/KH-LĐLĐ"
    return record, text, db


def test_redated_record_is_refused_not_renumbered(tmp_path):
    """A number of 2019 never goes out with a 2020 date, and 2020's 01 stays free."""
    record, text, db = _numbered_record(tmp_path)
    record.write_text(text.replace("ngay_ban_hanh: 2019-11-05", "ngay_ban_hanh: 2020-01-06"), encoding="utf-8")
    result = _render(record, db, tmp_path / "out2")
    assert result.exit_code != 0
    message = _message(result)
    assert "đã được cấp số 01/KH-LĐLĐ năm 2019" in message
    assert "năm 2019 → 2020" in message and "congvan so huy 01/KH-LĐLĐ --nam 2019" in message
    assert "kh.yaml" in message
    assert not (tmp_path / "out2" / "kh.docx").exists()
    listing = CliRunner().invoke(cli, ["so", "ds", "--nam", "2020", "--db", db, "--json"])
    assert listing.output.strip() == "[]"  # nothing taken for the refused render
    # Voiding the old number lets the re-dated record take 2020's first number.
    voided = CliRunner().invoke(cli, ["so", "huy", "01/KH-LĐLĐ", "--nam", "2019", "--ly-do", "Đổi năm", "--db", db])
    assert voided.exit_code == 0, voided.output
    again = _render(record, db, tmp_path / "out2")
    assert again.exit_code == 0, again.output
    assert _number(tmp_path / "out2" / "kh.docx") == "Số: 01/KH-LĐLĐ"


def test_changed_type_is_refused(tmp_path):
    record, text, db = _numbered_record(tmp_path)
    record.write_text(text.replace("loai: ke_hoach\n", "loai: ke_hoach\nma_loai: CTr\n"), encoding="utf-8")
    result = _render(record, db, tmp_path / "out2")
    assert result.exit_code != 0
    assert "ký hiệu KH-LĐLĐ → CTr-LĐLĐ" in _message(result)
    assert not (tmp_path / "out2" / "kh.docx").exists()


def test_record_own_symbol_is_what_the_register_holds(tmp_path):
    record = tmp_path / "kh.yaml"
    text = FIXTURE.read_text(encoding="utf-8").replace("so: 5\n", "ky_hieu: KH-LĐLĐ-BTG\n")
    record.write_text(text, encoding="utf-8")
    db = str(tmp_path / "so.sqlite3")
    result = _render(record, db, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert _number(tmp_path / "out" / "kh.docx") == "Số: 01/KH-LĐLĐ-BTG"
    listing = CliRunner().invoke(cli, ["so", "ds", "--nam", "2019", "--db", db])
    assert "01/KH-LĐLĐ-BTG" in listing.output
