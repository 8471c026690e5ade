"""Child processes that cannot outlive congvan, and staging folders a killed run cannot leave.

LibreOffice is started through ``PR_SET_PDEATHSIG``: the kernel sends SIGKILL
to the child the moment its parent dies, even when the parent was SIGKILLed
and no Python cleanup ran. The signal is tied to the *thread* that forked the
child, so long-lived children are forked from one daemon thread that lives as
long as the process. Each child also gets its own session, so a hung one is
killed with its whole group.

Staging folders hold an exclusive ``flock`` for as long as their owner lives;
the next run removes any ``.pdf-*`` folder whose lock is free (owner gone).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where a child is started: `congvan render` without --pdf starts none
    import queue
    import subprocess

PR_SET_PDEATHSIG = 1
STAGING_PREFIX = ".pdf-"
_LOCK_NAME = ".owner.lock"
_UNLOCKED_GRACE = 60.0  # seconds a lock-less staging folder is presumed just created

_PRCTL: list[Callable[..., int]] = []


def _prctl() -> Callable[..., int]:
    """libc's ``prctl``, looked up on first use (ctypes is not imported by runs that start no child)."""
    if not _PRCTL:
        import ctypes

        _PRCTL.append(ctypes.CDLL(None, use_errno=True).prctl)
    return _PRCTL[0]


def die_with_parent() -> None:
    """``preexec_fn``: SIGKILL this child when the forking thread's process dies.

    :func:`popen` resolves ``prctl`` in the parent first: the child must not import after fork.
    """
    _prctl()(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def popen(command: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
    """Popen in a new session that dies with us (call from a thread that outlives the child)."""
    parent = os.getpid()
    _prctl()  # resolved before the fork

    def preexec() -> None:
        die_with_parent()
        if os.getppid() != parent:  # parent died before prctl took effect
            os._exit(1)

    import subprocess

    return subprocess.Popen(command, start_new_session=True, preexec_fn=preexec, **kwargs)  # type: ignore[call-overload]


def kill_group(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


class _Spawner:
    """One daemon thread that forks every long-lived child (PDEATHSIG follows the forking thread)."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], object], queue.Queue[tuple[bool, object]]]] | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, job: Callable[[], object]) -> object:
        import queue

        with self._lock:
            if self._jobs is None:
                self._jobs = queue.Queue()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="congvan-pdf-spawner", daemon=True)
                self._thread.start()
        answer: queue.Queue[tuple[bool, object]] = queue.Queue(1)
        self._jobs.put((job, answer))
        ok, value = answer.get()
        if not ok:
            raise value  # type: ignore[misc]
        return value

    def _loop(self) -> None:
        jobs = self._jobs
        assert jobs is not None  # made before the thread is started
        while True:
            job, answer = jobs.get()
            try:
                answer.put((True, job()))
            except BaseException as exc:
                answer.put((False, exc))


SPAWNER = _Spawner()


def popen_long_lived(command: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
    """Like :func:`popen`, forked from the spawner thread so the child survives short-lived callers."""
    return SPAWNER.run(lambda: popen(command, **kwargs))  # type: ignore[return-value]


def remove_leftovers(folder: Path) -> None:
    """Remove staging folders of runs that died (their lock is free)."""
    if not folder.is_dir():
        return
    for candidate in folder.glob(f"{STAGING_PREFIX}*"):
        if not candidate.is_dir():
            continue
        try:
            with (candidate / _LOCK_NAME).open("r") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(candidate, ignore_errors=True)
        except BlockingIOError:
            continue  # a live run owns it
        except FileNotFoundError:  # lock not made yet (just created) or the owner died at once
            with contextlib.suppress(OSError):
                if time.time() - candidate.stat().st_mtime > _UNLOCKED_GRACE:
                    shutil.rmtree(candidate, ignore_errors=True)
        except OSError:
            continue


@contextlib.contextmanager
def staging_dir(parent: Path) -> Iterator[Path]:
    """A private folder inside *parent* (same file system: publishing is a rename), locked while in use."""
    parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(parent)
    path = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=parent))
    lock = (path / _LOCK_NAME).open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        lock.close()
