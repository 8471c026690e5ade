"""Kept-warm LibreOffice: a pool of unoserver workers started once per process and reused.

Each worker is ``uno_worker.py`` run by the system python that has
``python3-uno``, with its own LibreOffice, its own user profile (a slot under
the cache folder, locked, so it stays warm across runs but is never shared)
and two free ports on 127.0.0.1. congvan talks to it with the standard
library's XML-RPC client, unoserver's API 3 ``convert`` call.

A conversion that exceeds its timeout kills the worker's whole process group
(the next conversion starts a fresh one); a worker that crashed is restarted
and the document retried once. When no worker can be started (no python3-uno,
no unoserver) :class:`WarmUnavailable` tells the caller to use the cold
``soffice --convert-to`` path.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import http.client
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from congvan.pdf.procs import kill_group, popen_long_lived

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "congvan" / "lo-warm"
WORKER_SCRIPT = Path(__file__).with_name("uno_worker.py")
START_TIMEOUT = 60.0
RECYCLE_AFTER = 1000  # conversions per LibreOffice before a fresh one (its memory only grows)
MAX_SLOTS = 64
_RETRYABLE_EXITS = {4, 5}  # XML-RPC port or UNO port taken by someone else: pick new ports


class WarmUnavailable(Exception):
    """No kept-warm LibreOffice can be had; use the cold soffice call."""


class ConversionTimeout(Exception):
    """One document took longer than its timeout; its worker was killed."""


class ConversionFailed(Exception):
    """LibreOffice answered but could not convert the document."""


def uno_python() -> str | None:
    """The interpreter that can run unoserver: $CONGVAN_UNO_PYTHON, else the venv's ``uno`` sub-venv."""
    configured = os.environ.get("CONGVAN_UNO_PYTHON")
    if configured:
        return configured if Path(configured).exists() else None
    candidate = Path(sys.prefix) / "uno" / "bin" / "python"
    return str(candidate) if candidate.exists() else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _TimeoutTransport(xmlrpc.client.Transport):
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host: object) -> http.client.HTTPConnection:
        connection = super().make_connection(host)  # type: ignore[arg-type]
        connection.timeout = self._timeout
        return connection


class _Slot:
    """A private, persistent LibreOffice profile folder held under an exclusive lock."""

    def __init__(self) -> None:
        CACHE.mkdir(parents=True, exist_ok=True)
        for index in range(MAX_SLOTS):
            lock = (CACHE / f"slot-{index}.lock").open("a")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                continue
            self.lock: IO[str] = lock
            self.path = CACHE / f"slot-{index}"
            self.path.mkdir(exist_ok=True)
            return
        raise WarmUnavailable("no free LibreOffice profile slot")

    def wipe(self) -> None:
        """Forget a profile LibreOffice could not start with (a killed run may have damaged it)."""
        import shutil

        shutil.rmtree(self.path / "lo", ignore_errors=True)

    def release(self) -> None:
        self.lock.close()


class Worker:
    """One unoserver + LibreOffice, started on first use, restarted after a crash or a hang."""

    def __init__(self, python: str) -> None:
        self._python = python
        self._slot: _Slot | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.conversions = 0

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def office_pids(self) -> list[int]:
        """PIDs of this worker's LibreOffice (its process group, minus the worker itself)."""
        if not self.alive:
            return []
        assert self.proc is not None
        out = subprocess.run(["pgrep", "-g", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split() if int(p) != self.proc.pid]

    def ensure_started(self) -> None:
        if self.alive:
            return
        self.stop()
        if self._slot is None:
            self._slot = _Slot()
        wiped = False
        code: int | None = None
        for _ in range(4):
            code = self._start_once()
            if code is None:
                self.conversions = 0
                return
            if code in _RETRYABLE_EXITS:
                continue
            if wiped:
                break
            self._slot.wipe()  # a killed run may have left a profile LibreOffice cannot start with
            wiped = True
        raise WarmUnavailable(f"LibreOffice worker did not start (exit {code})")

    def _start_once(self) -> int | None:
        """Start and wait until the XML-RPC server answers; the exit code when it died instead."""
        assert self._slot is not None
        self.port = _free_port()
        log = (self._slot.path / "worker.log").open("wb")
        command = [
            self._python,
            str(WORKER_SCRIPT),
            "--port",
            str(self.port),
            "--uno-port",
            str(_free_port()),
            "--profile",
            str(self._slot.path),
        ]
        try:
            self.proc = popen_long_lived(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                self.proc = None
                return code
            try:
                self._proxy(1.0).system.listMethods()
                return None
            except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError):
                time.sleep(0.02)
        self.stop()
        return -1

    def _proxy(self, timeout: float) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(
            f"http://127.0.0.1:{self.port}", allow_none=True, transport=_TimeoutTransport(timeout)
        )

    def convert(self, *, inpath: Path | None = None, data: bytes | None = None,
                outpath: Path | None = None, timeout: float) -> bytes | None:  # fmt: skip
        """DOCX (file or bytes) to PDF (file, or bytes returned); one retry on a fresh worker after a crash."""
        for attempt in range(2):
            self.ensure_started()
            try:
                result = self._proxy(timeout).convert(
                    str(inpath) if inpath else None,
                    xmlrpc.client.Binary(data) if data is not None else None,
                    str(outpath) if outpath else None,
                    "pdf",
                    None,
                    [],
                    False,  # update_index: our documents have no tables of contents to refresh
                    None,
                    None,
                )
            except TimeoutError:
                self.stop()
                raise ConversionTimeout() from None
            except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError) as exc:
                self.stop()  # crashed: a fresh LibreOffice gets one more try
                if attempt:
                    raise WarmUnavailable(str(exc)) from exc
                continue
            except xmlrpc.client.Fault as fault:
                if self._office_died():
                    self.stop()
                    if attempt:
                        raise WarmUnavailable(fault.faultString) from None
                    continue
                raise ConversionFailed(fault.faultString) from None
            self._count_one()
            return result.data if result is not None else None
        raise AssertionError("unreachable")

    def _count_one(self) -> None:
        self.conversions += 1
        if self.conversions >= RECYCLE_AFTER:
            self.stop(graceful=True)  # the next conversion starts a fresh LibreOffice

    def _office_died(self) -> bool:
        """After a Fault: did LibreOffice itself go away (the worker exits when it does)?"""
        if self.proc is None:
            return True
        try:
            self.proc.wait(0.5)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stop(self, graceful: bool = False) -> None:
        """Kill the worker and its LibreOffice (the whole process group); *graceful* lets LibreOffice quit."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if graceful and proc.poll() is None:
            kill_group(proc, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(3)
        kill_group(proc, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(3)

    def close(self) -> None:
        self.stop(graceful=True)
        if self._slot is not None:
            self._slot.release()
            self._slot = None


class Pool:
    """``size`` workers handed out one caller at a time; the most recently used first (it is warm)."""

    def __init__(self, size: int, python: str) -> None:
        self.size = size
        self.workers = [Worker(python) for _ in range(size)]
        self._idle: queue.LifoQueue[Worker] = queue.LifoQueue()
        for worker in reversed(self.workers):
            self._idle.put(worker)
        self.broken_until = 0.0

    @contextlib.contextmanager
    def worker(self) -> Iterator[Worker]:
        worker = self._idle.get()
        try:
            yield worker
        finally:
            self._idle.put(worker)

    def warm_up(self) -> bool:
        """Start every worker now, in parallel (a server start-up, a batch, a test session); any alive?"""
        threads = [threading.Thread(target=self._start, args=(w,)) for w in self.workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return any(worker.alive for worker in self.workers)

    def _start(self, worker: Worker) -> None:
        with contextlib.suppress(WarmUnavailable):
            worker.ensure_started()

    def close(self) -> None:
        for worker in self.workers:
            worker.close()


_pool: Pool | None = None
_pool_lock = threading.Lock()


def default_size() -> int:
    configured = os.environ.get("CONGVAN_PDF_WORKERS")
    if configured and configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(os.cpu_count() or 1, 4))


def get_pool() -> Pool:
    """The process's pool (made on first use); raises WarmUnavailable when warm conversion is off."""
    global _pool
    with _pool_lock:
        if _pool is None:
            python = uno_python()
            if python is None or os.environ.get("CONGVAN_PDF_COLD") == "1":
                raise WarmUnavailable("no python with uno and unoserver")
            _pool = Pool(default_size(), python)
            atexit.register(shutdown)
        if time.monotonic() < _pool.broken_until:
            raise WarmUnavailable("warm LibreOffice failed to start earlier in this process")
        return _pool


def mark_broken(seconds: float = 60.0) -> None:
    """After a start failure: the cold path for a while instead of retrying on every document."""
    if _pool is not None:
        _pool.broken_until = time.monotonic() + seconds


def _forget_in_child() -> None:
    """A forked child does not own its parent's workers: it makes its own pool on first use."""
    global _pool, _pool_lock
    _pool = None
    _pool_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_in_child)


def shutdown() -> None:
    """Stop every worker (atexit; tests)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.close()
