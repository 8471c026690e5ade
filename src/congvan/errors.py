"""User-facing errors.

Everything a secretary can cause (bad YAML, a wrong field, a closed register year)
is raised as a :class:`CongvanError` whose text is Vietnamese and names the file,
the field path and, for YAML, the line. The CLI prints ``str(error)`` on one line
and exits non-zero; it never shows a traceback for these.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One located problem: where (file, field, line) and what (Vietnamese text)."""

    message: str
    file: str | None = None
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"dòng {self.line}")
        if self.field:
            where.append(f"trường '{self.field}'")
        prefix = ", ".join(where)
        return _visible(f"{prefix}: {self.message}" if prefix else self.message)


#: Control characters (C0 but tab/line feed, DEL, C1) that user text may carry into a message.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(text: str) -> str:
    """Messages quote user text: show its control characters as ``\\x1b``, never send them to a terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class CongvanError(Exception):
    """An error caused by user input, with one or more located problems."""

    def __init__(self, problems: Problem | str | Iterable[Problem], **where: object) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems, **where)]  # type: ignore[arg-type]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def display_path(path: str | Path) -> str:
    """A path as the user typed it, relative to the working directory when possible."""
    p = Path(path)
    if not p.is_absolute() and ".." not in p.parts:
        return str(p)  # already relative to the working directory, as typed (no file-system calls)
    try:
        return str(p.resolve().relative_to(_resolved(os.getcwd())))
    except ValueError:
        return str(p)


@functools.lru_cache(maxsize=8)
def _resolved(cwd: str) -> Path:
    """The working directory with symlinks resolved, once per directory."""
    return Path(cwd).resolve()
