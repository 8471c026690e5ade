"""The CLI shell: lazy command loading and the command table."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from congvan.cli import COMMANDS, cli, load_command

HEAVY = ("sqlalchemy", "openpyxl", "docxtpl", "docx", "lxml", "jinja2", "pydantic", "yaml", "congvan.render")


def test_help_imports_no_command_module() -> None:
    """``congvan --help`` lists every command without importing any of them."""
    code = (
        "import sys\n"
        "from congvan.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules or "
        "any(k.startswith(m + '.') for k in sys.modules)])\n"
        f"print('CMDS', [m for m in {sorted({t.split(':')[0] for t, _ in COMMANDS.values()})!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "LOADED []" in out
    assert "CMDS []" in out
    for name in COMMANDS:
        assert f"\n  {name} " in out


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_table_short_help_matches_command(name: str) -> None:
    """The short help kept in the table is the command's own first sentence."""
    target, short = COMMANDS[name]
    command = load_command(target)
    assert command.name == name
    assert command.get_short_help_str(limit=10_000) == short


def test_running_a_command_loads_only_it() -> None:
    result = CliRunner().invoke(cli, ["validate", "--help"])
    assert result.exit_code == 0
    assert "Kiểm tra hồ sơ YAML" in result.output


def test_unknown_command_is_a_click_error() -> None:
    result = CliRunner().invoke(cli, ["khong-co"])
    assert result.exit_code == 2
    assert "khong-co" in result.output
