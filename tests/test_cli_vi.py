"""Click's own messages reach the user in Vietnamese: usage errors, help headings, the version line."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import click
import pytest

from congvan.cli import main
from congvan.cli.click_vi import CATALOGUE

#: English that Click would print; none of it may reach a user.
ENGLISH = (
    "Usage:",
    "Error:",
    "Missing",
    "No such",
    "Try '",
    "for help",
    "Options:",
    "Commands:",
    "Invalid value",
    "requires",
    "Show this message",
    "Show the version",
    "is not a valid",
    "[required]",
    ", version",
    "TEXT",
    "INTEGER",
    "[OPTIONS]",
    "COMMAND",
)

#: Click msgids raised only when a programmer declares a command wrongly: never seen by a user.
DEVELOPER_ONLY = {
    "Could not determine name for option with declarations {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
    "Did you mean to pass '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.",
    "Name '{name}' defined twice",
    "Boolean option {decl!r} cannot use the same flag for true/false.",
    "Unknown color {colour!r}",
    "Unknown standard stream '{name}'",
    "Couldn't detect Bash version, shell completion is not supported.",
    "Shell completion is not supported for Bash versions older than 4.4.",
    "{editor}: Editing failed",
    "{editor}: Editing failed: {e}",
    "d",  # termui's edit() default suffix, not a message
}


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (["render"], 2, ["Cách dùng: congvan render [TÙY CHỌN]", "Lỗi: Thiếu tham số", "Xem 'congvan render --help'"]),
        (["render", "--khong-co"], 2, ["Không có tùy chọn '--khong-co'", "Cách dùng:"]),
        (["render", "--outpt", "x"], 2, ["Không có tùy chọn '--outpt'", "Có phải là '--output'?"]),
        (["render", "x.yaml", "--db"], 2, ["Tùy chọn '--db' cần một giá trị"]),
        (["khong-co"], 2, ["Không có lệnh 'khong-co'", "Cách dùng: congvan [TÙY CHỌN] LỆNH [THAM SỐ]..."]),
        (["so", "cap", "--ngay", "05/03/2026", "--so-ban", "abc"], 2, ["'abc' không phải số nguyên hợp lệ"]),
        (["so", "cap"], 2, ["Thiếu tùy chọn '--ngay'"]),
        (["--help"], 0, ["Cách dùng: congvan", "Tùy chọn:", "Lệnh:", "Hiện hướng dẫn này rồi thoát."]),
        (["so", "cap", "--help"], 0, ["--so-ban SỐ NGUYÊN", "[bắt buộc]", "--so CHỮ"]),
        (["--version"], 0, ["congvan, phiên bản"]),
    ],
)
def test_usage_errors_and_help_are_vietnamese(
    argv: list[str],
    code: int,
    words: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    got, out = _run(argv, capsys)
    assert got == code, out
    for word in words:
        assert word in out, out
    leaked = [e for e in ENGLISH if e in out]
    assert leaked == [], out


def _click_msgids() -> set[str]:
    """Every string the installed Click passes to gettext (``_`` / ``ngettext``)."""
    found: set[str] = set()
    for source in Path(click.__file__).parent.glob("*.py"):
        if source.name == "_winconsole.py":
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                found |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


def test_every_click_message_a_user_can_see_has_a_translation() -> None:
    missing = sorted(_click_msgids() - set(CATALOGUE) - DEVELOPER_ONLY)
    assert missing == [], f"Click messages without Vietnamese (add them to click_vi.CATALOGUE): {missing}"


def _fields(text: str) -> set[str]:
    named = {f"{name}!{conv}" for _, name, _, conv in string.Formatter().parse(text) if name is not None}
    percent = {part.split(")")[0] for part in text.split("%(")[1:]}
    return named | percent


@pytest.mark.parametrize("msgid", sorted(CATALOGUE))
def test_translations_keep_clicks_placeholders(msgid: str) -> None:
    assert _fields(CATALOGUE[msgid]) == _fields(msgid)
