"""All-or-nothing file output.

Every file congvan writes goes to a temporary file in the same folder and is then
renamed over the target, so an error or a kill never leaves a half-written DOCX.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_writer(target: str | Path, *, fsync: bool = True) -> Iterator[IO[bytes]]:
    """Open a temporary file beside *target*; rename it into place only on success.

    ``fsync=False`` for files that something else vouches for (a batch journal, a cache
    entry that is checked on read): the rename still never shows a half-written file.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(target: str | Path, data: bytes, *, fsync: bool = True) -> None:
    """Write *data* to *target* atomically."""
    with atomic_writer(target, fsync=fsync) as fh:
        fh.write(data)
