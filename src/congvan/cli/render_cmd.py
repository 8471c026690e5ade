"""CLI commands (filled in by the owning feature)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
