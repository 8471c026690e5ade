"""The background process: imports and warms congvan once, then forks a child per command.

    python -m congvan.nen.server SOCKET      # started by the client, detached

One process per socket (an ``flock`` on the lock file beside it). It warms up
before it listens (the socket appears, by rename, only once it is ready): every
kind's starter record is loaded and rendered in memory, which imports the render
path, builds every validator and fills the profile and template caches. Then
``gc.freeze()`` (so children do not copy the warm heap page by page) and one
thread only, as ``fork()`` requires.

A child takes the caller's streams, folder, environment, umask and arguments and
runs :func:`congvan.cli.main` exactly as a ``congvan`` process would; the parent
reports its exit status, and stops it (SIGTERM, which the CLI unwinds like
Ctrl-C) when the caller goes away. The parent refuses commands and steps down
(socket removed, lock released; running children finish) when a file of the
congvan package or a folder on ``sys.path`` changed since it started, on
``congvan nen tat``, and after the idle time.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import gc
import io
import json
import os
import selectors
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from congvan.errors import CongvanError
from congvan.nen import protocol

#: Commands whose modules are imported before forking (the others import in the child).
WARM_COMMANDS = ("render", "validate", "mau", "so")
#: More commands at once than this and the caller runs its command itself.
MAX_CHILDREN = 4 * (os.cpu_count() or 1) + 4
REQUEST_TIMEOUT = 5.0
#: How often an idle process checks that its socket is still there.
CHECK_EVERY = 2.0
LOG_LIMIT = 1 << 20


def log(message: str) -> None:
    sys.stderr.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} [{os.getpid()}] {message}\n")
    sys.stderr.flush()


def code_signature() -> tuple[tuple[str, int, int], ...]:
    """Every file of the congvan package and every ``sys.path`` folder: any edit or install changes it."""
    entries: list[tuple[str, int, int]] = []
    pending = [protocol.package_dir()]
    while pending:
        with os.scandir(pending.pop()) as scan:
            for entry in scan:
                if entry.name == "__pycache__" or entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    info = entry.stat()
                    entries.append((entry.path, info.st_mtime_ns, info.st_size))
    for folder in sys.path[1:]:
        with contextlib.suppress(OSError):
            info = os.stat(folder)
            entries.append((folder, info.st_mtime_ns, info.st_size))
    return tuple(sorted(entries))


def warm_up() -> int:
    """Load and render every kind's starter record in memory; the number that rendered."""
    import click

    from congvan import cli
    from congvan.records.loader import load_record
    from congvan.records.tham_chieu import kinds_by_slug, starter
    from congvan.render.document import DocumentRenderer

    with click.Context(cli.cli) as ctx:
        for name in WARM_COMMANDS:
            cli.cli.get_command(ctx, name)
    renderer, done = DocumentRenderer(), 0
    with tempfile.TemporaryDirectory(prefix="congvan-nen-") as tmp:
        for slug in kinds_by_slug():
            path = Path(tmp) / f"{slug}.yaml"
            try:
                path.write_text(starter(slug), encoding="utf-8")
                renderer.render_bytes(load_record(path), base_dir=path.parent)
                done += 1
            except Exception as exc:  # a kind that does not warm still runs, only slower
                log(f"warm-up of {slug}: {type(exc).__name__}: {exc}")
    return done


@dataclass
class Request:
    """What a child needs to run the caller's command."""

    payload: dict[str, Any]
    fds: list[int]
    conn: socket.socket | None = None


@dataclass
class Job:
    conn: socket.socket
    pid: int
    pidfd: int
    stopped: bool = False


@dataclass
class Server:
    sock: str
    listener: socket.socket | None
    lock_fd: int | None
    signature: tuple[tuple[str, int, int], ...]
    idle: float
    sock_ino: int = 0
    selector: selectors.BaseSelector = field(default_factory=selectors.DefaultSelector)
    jobs: dict[int, Job] = field(default_factory=dict)  # by pidfd
    served: int = 0
    started: float = field(default_factory=time.time)
    last_work: float = field(default_factory=time.monotonic)
    stepping_down: str = ""

    def serve(self) -> Request | None:
        """The parent's loop; returns only in a child (its request) or when the parent is done (None)."""
        assert self.listener is not None
        self.selector.register(self.listener, selectors.EVENT_READ, "listen")
        while True:
            if self.stepping_down and not self.jobs:
                log(f"leaving: {self.stepping_down}")
                return None
            if not self.stepping_down and not self._socket_is_ours():
                self.step_down("its socket was removed or replaced")
                continue
            idle_left = self.idle - (time.monotonic() - self.last_work)
            if idle_left <= 0 and not self.jobs and not self.stepping_down:
                self.step_down(f"idle for {self.idle:g} s")
                continue
            wait = None if self.stepping_down else max(0.0, min(idle_left, CHECK_EVERY))
            for key, _events in self.selector.select(wait):
                try:
                    request = self._dispatch(key)
                except Exception:  # one bad event must not take the others' commands down with it
                    log(f"event failed:\n{traceback.format_exc()}")
                    continue
                if request is not None:
                    return request

    def _socket_is_ours(self) -> bool:
        """A folder cleaned up (``rm -rf``, a tmp cleaner) or a newer process's socket: time to go."""
        try:
            return os.stat(self.sock).st_ino == self.sock_ino
        except OSError:
            return False

    def _dispatch(self, key: selectors.SelectorKey) -> Request | None:
        if key.data == "listen":
            return self._accept()
        job: Job = key.data
        if self.jobs.get(job.pidfd) is not job:
            return None  # reaped by an earlier event of the same batch (its pidfd number may be reused)
        if key.fileobj is job.conn:
            self._caller_event(job)
        else:
            self._reap(job)
        return None

    def _accept(self) -> Request | None:
        assert self.listener is not None
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return None
        self.last_work = time.monotonic()
        try:
            return self._handle(conn)
        except (OSError, ValueError) as exc:
            log(f"bad request: {type(exc).__name__}: {exc}")
            conn.close()
            return None

    def _handle(self, conn: socket.socket) -> Request | None:
        conn.settimeout(REQUEST_TIMEOUT)
        _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
        if uid != os.getuid():
            conn.close()
            return None
        payload, fds = protocol.recv_request(conn)
        if "lenh" in payload:
            self._command(conn, str(payload["lenh"]))
            for fd in fds:
                os.close(fd)
            return None
        refusal = self._refusal(fds)
        if refusal:
            for fd in fds:
                os.close(fd)
            protocol.send_line(conn, "R", refusal)
            conn.close()
            return None
        conn.settimeout(None)  # blocking from now on, in both processes (they share the descriptor's flags)
        return self._fork(conn, Request(payload, fds))

    def _refusal(self, fds: list[int]) -> str:
        if len(fds) != 3:
            return "three standard streams expected"
        if self.stepping_down:
            return self.stepping_down
        if len(self.jobs) >= MAX_CHILDREN:
            return "busy"
        if code_signature() != self.signature:
            self.step_down("congvan's code or libraries changed")
            return "stale"
        return ""

    def _command(self, conn: socket.socket, lenh: str) -> None:
        status = {
            "pid": os.getpid(),
            "socket": self.sock,
            "bat_dau": self.started,
            "da_chay": self.served,
            "dang_chay": len(self.jobs),
            "cho": self.idle,
        }
        if lenh == "tat":
            self.step_down("asked to stop")
            status["dang_tat"] = True
        conn.sendall(json.dumps(status).encode() + b"\n")
        conn.close()

    def _fork(self, conn: socket.socket, request: Request) -> Request | None:
        pid = os.fork()
        if pid == 0:
            self._become_child(conn)
            request.conn = conn
            return request
        for fd in request.fds:
            os.close(fd)
        self.served += 1
        job = Job(conn, pid, os.pidfd_open(pid))
        self.jobs[job.pidfd] = job
        self.selector.register(job.pidfd, selectors.EVENT_READ, job)
        self.selector.register(conn, selectors.EVENT_READ, job)
        with contextlib.suppress(OSError):
            protocol.send_line(conn, "P", str(pid))
        return None

    def _become_child(self, conn: socket.socket) -> None:
        """Drop every descriptor of the parent: the child keeps the caller's streams and its
        connection (to report its own exit code: the caller still learns it if the parent dies)."""
        for job in self.jobs.values():
            job.conn.close()
            os.close(job.pidfd)
        self.selector.close()
        if self.listener is not None:
            self.listener.close()
        if self.lock_fd is not None:
            os.close(self.lock_fd)

    def _caller_event(self, job: Job) -> None:
        """The caller sent nothing more than its request: data or EOF means it went away."""
        try:
            data = job.conn.recv(64)  # readable: does not block
        except OSError:
            data = b""
        if not data and not job.stopped:
            job.stopped = True
            self.selector.unregister(job.conn)
            with contextlib.suppress(OSError):
                os.kill(job.pid, signal.SIGTERM)
                os.kill(job.pid, signal.SIGCONT)  # a command stopped with its caller (Ctrl-Z) must see it

    def _reap(self, job: Job) -> None:
        _pid, status = os.waitpid(job.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        with contextlib.suppress(OSError):
            protocol.send_line(job.conn, "X", str(code))  # the child has sent it already unless it was killed
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(job.conn)
        self.selector.unregister(job.pidfd)
        os.close(job.pidfd)
        job.conn.close()
        del self.jobs[job.pidfd]
        self.last_work = time.monotonic()

    def step_down(self, why: str) -> None:
        """Stop taking commands and let a new process start; running children finish."""
        if self.stepping_down:
            return
        self.stepping_down = why
        if self.listener is not None:
            self.selector.unregister(self.listener)
            with contextlib.suppress(OSError):
                if os.stat(self.sock).st_ino == self.sock_ino:  # not a newer process's socket
                    os.unlink(self.sock)
            self.listener.close()
            self.listener = None
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None


def acquire_lock(sock: str) -> int | None:
    """The lock that makes this the only process for *sock*; None if another holds it."""
    fd = os.open(protocol.lock_path(sock), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def listen(sock: str) -> socket.socket:
    """Bind under a temporary name, then rename over *sock*: callers never see a half-ready socket."""
    temp = f"{sock}.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temp)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(temp)
    finally:
        os.umask(old)
    listener.listen(64)
    os.rename(temp, sock)
    return listener


# --- in the child ----------------------------------------------------------------------


def run_child(request: Request) -> None:
    """Become the caller's ``congvan`` process, run its command, exit with its code."""
    payload = request.payload
    for target, fd in enumerate(request.fds):
        os.dup2(fd, target)
        if fd > 2:
            os.close(fd)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in payload["env"].items()})
    time.tzset()
    os.chdir(payload["cwd"])
    os.umask(int(payload["umask"]))
    sys.argv = [str(a) for a in payload["argv"]]
    _reopen_streams(payload.get("streams") or [None, None, None])
    code = 0
    try:
        from congvan.cli import main

        main(sys.argv[1:])
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException:  # main() maps every error; this is a last resort, as the interpreter's own
        traceback.print_exc()
        code = 1
    _finish(code, request.conn)


def _reopen_streams(streams: list[Any]) -> None:
    """Text streams on descriptors 0-2 with the caller's encodings, buffered as Python does
    (stdout by line on a terminal, stderr always by line)."""
    made = []
    for fd, spec in enumerate(streams):
        encoding, errors = spec if spec else ("utf-8", "strict")
        binary = open(fd, "rb" if fd == 0 else "wb", closefd=False)  # noqa: SIM115
        made.append(io.TextIOWrapper(binary, encoding, errors, line_buffering=fd == 2 or os.isatty(fd)))
    sys.stdin, sys.stdout, sys.stderr = made
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = made


def _exit_code(exc: SystemExit) -> int:
    """The status the interpreter would exit with for *exc*."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    with contextlib.suppress(Exception):
        print(exc.code, file=sys.stderr)
    return 1


def _finish(code: int, conn: socket.socket | None) -> None:
    """What interpreter exit does that matters (threads joined, atexit run, streams flushed), minus
    the slow part: tearing down the warm heap, which would copy every page of it."""
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    if conn is not None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # done: the caller leaving once it has the code stops nothing
        with contextlib.suppress(OSError):
            protocol.send_line(conn, "X", str(code))
    os._exit(code)


# --- start ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    sock = args[0]
    lock_fd = acquire_lock(sock)
    if lock_fd is None:
        return  # another process serves this socket, or is warming up to
    with contextlib.suppress(OSError):
        if os.fstat(2).st_size > LOG_LIMIT:  # the log of earlier processes, kept until it grows
            os.ftruncate(2, 0)
    signature = code_signature()
    begin = time.monotonic()
    warmed = warm_up()
    gc.collect()
    gc.freeze()
    if threading.active_count() != 1:
        log(f"not serving: {threading.active_count()} threads after warm-up (fork needs one)")
        return
    idle = _idle_seconds()
    listener = listen(sock)
    server = Server(sock, listener, lock_fd, signature, idle, sock_ino=os.stat(sock).st_ino)
    log(f"serving {sock} ({warmed} kinds warm in {time.monotonic() - begin:.2f} s, idle limit {idle:g} s)")
    request = server.serve()
    if request is not None:
        run_child(request)


def _idle_seconds() -> float:
    """The idle limit; a malformed one is logged and the default used (``congvan nen bat`` reports it)."""
    try:
        return protocol.idle_seconds()
    except CongvanError as err:
        log(f"{err}; using {protocol.DEFAULT_IDLE:g} s")
        return protocol.DEFAULT_IDLE


if __name__ == "__main__":
    main()
