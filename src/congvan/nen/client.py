"""The ``congvan`` entry point: hand the command to the background process, or run it here.

Runs on every call, so it imports the standard library only (the CLI's click,
pydantic... are imported only when the command runs in this process).
"""

from __future__ import annotations

import _signal  # not ``signal``: its enum wrappers cost an import of enum
import os
import sys

from congvan.nen import protocol

TYPE_CHECKING = False
if TYPE_CHECKING:
    import _socket

#: Signals a caller sends to stop a command; passed on to the process running it.
FORWARDED = (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP, _signal.SIGQUIT)
EXIT_LOST = 2


def main() -> None:
    """Run ``congvan`` with ``sys.argv``: in the background process when one answers."""
    argv = sys.argv[1:]
    if protocol.enabled() and _command(argv) not in protocol.LOCAL_COMMANDS:
        sock = protocol.socket_path()
        code = run_remote(sock, argv)
        if code is not None:
            sys.exit(code)
        start_background(sock)
    from congvan.cli import main as run_here

    run_here(argv)


def _command(argv: list[str]) -> str | None:
    """The sub-command's name: the first argument that is not an option."""
    return next((a for a in argv if not a.startswith("-")), None)


def run_remote(sock: str, argv: list[str]) -> int | None:
    """The command's exit code, run by the background process; None when it did not run it."""
    conn = protocol.connect(sock)
    if conn is None:
        return None
    try:
        try:
            protocol.send_request(conn, _request(argv), [0, 1, 2])
        except (OSError, ValueError):  # a closed standard stream, a deleted working folder...
            return None
        return _wait(conn)
    finally:
        conn.close()


def _request(argv: list[str]) -> dict[str, object]:
    mask = os.umask(0o022)
    os.umask(mask)
    return {
        "argv": ["congvan", *argv],
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "umask": mask,
        "streams": [[s.encoding, s.errors] if s else None for s in (sys.stdin, sys.stdout, sys.stderr)],
    }


def _wait(conn: _socket.socket) -> int | None:
    """Follow the answer: the pid (signals go there from now on), then the exit code."""
    pid = None
    try:
        for kind, text in protocol.read_lines(conn):
            if kind == "R":
                return None
            if kind == "P":
                pid = int(text)
                _forward_signals(pid)
            elif kind == "X":
                code = int(text)
                return 128 - code if code < 0 else code
    except (OSError, ValueError):
        pass
    if pid is None:
        return None  # it never started the command: run it here
    sys.stderr.write(
        f"Lỗi: tiến trình nền của congvan dừng trước khi lệnh (tiến trình {pid}) chạy xong; "
        "hãy kiểm tra kết quả và chạy lại (đặt CONGVAN_NEN=0 để không dùng tiến trình nền).\n"
    )
    return EXIT_LOST


def _forward_signals(pid: int) -> None:
    def forward(signum: int, _frame: object) -> None:
        try:  # noqa: SIM105 (contextlib is one more import on every call)
            os.kill(pid, signum)
        except OSError:
            pass

    def suspend(_signum: int, _frame: object) -> None:
        """Ctrl-Z: stop the command with this caller, and resume it with the caller (``fg``/``bg``).

        SIGSTOP, not SIGTSTP: the command's process group has no terminal of its
        own (orphaned), where the kernel drops a SIGTSTP.
        """
        forward(_signal.SIGSTOP, None)
        _signal.signal(_signal.SIGTSTP, _signal.SIG_DFL)
        os.kill(os.getpid(), _signal.SIGTSTP)  # this caller stops here until SIGCONT
        _signal.signal(_signal.SIGTSTP, suspend)
        forward(_signal.SIGCONT, None)

    for sig in FORWARDED:
        _signal.signal(sig, forward)
    _signal.signal(_signal.SIGTSTP, suspend)


def start_background(sock: str) -> None:
    """Start the background process for the next calls; this one goes on by itself meanwhile."""
    too_long = len(os.fsencode(sock)) > protocol.MAX_SOCKET_PATH
    if too_long or not protocol.private_dir(os.path.dirname(sock), create=True):
        return
    try:
        log = os.open(protocol.log_path(sock), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError:
        return
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        actions = [(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, log, 1), (os.POSIX_SPAWN_DUP2, log, 2)]
        os.posix_spawn(
            sys.executable,
            [sys.executable, "-m", "congvan.nen.server", sock],
            os.environ,
            file_actions=actions,
            setsid=True,
        )
        os.close(null)
    except OSError:
        pass
    finally:
        os.close(log)
