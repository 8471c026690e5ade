"""What the client and the background process agree on: where the socket is, and the messages.

The client imports this on every call, so it stands on the interpreter's built-in
modules only (``_socket``, ``marshal``, ``zlib``): ``socket``, ``json``,
``hashlib``, ``pathlib`` and ``signal`` would cost 20-25 ms of imports (enum,
selectors, re, OpenSSL), more than the command itself takes in the background
process.

One request per connection. The client sends an 8-byte header (``CVN1`` and the
payload's length) carrying its three standard streams as file descriptors
(``SCM_RIGHTS``), then the payload (``marshal`` of plain strings, numbers, lists
and dicts; the background process accepts it only from its own user,
``SO_PEERCRED``). The background process answers in lines: ``P <pid>`` when the
command runs in process *pid*, ``X <code>`` when it ended
(``os.waitstatus_to_exitcode``: negative for a signal), or ``R <reason>`` when it
will not run it (the client then runs it itself). A status request (no streams)
is answered by one JSON line.
"""

from __future__ import annotations

import _socket
import marshal
import os
import sys
import zlib

TYPE_CHECKING = False  # typing itself costs 13 ms of imports
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    Env = Mapping[str, str]

MAGIC = b"CVN1"
HEADER_SIZE = 8
MAX_PAYLOAD = 4 << 20

ENV_OFF = "CONGVAN_NEN"
ENV_DIR = "CONGVAN_NEN_DIR"
ENV_IDLE = "CONGVAN_NEN_CHO"
DEFAULT_IDLE = 900.0
MAX_IDLE = 7 * 24 * 3600.0

OFF_WORDS = frozenset({"0", "khong", "không", "tat", "tắt", "off", "false", "no"})

#: Environment read while modules are imported (or that picks the interpreter's own
#: state): a caller that differs here gets a background process of its own.
KEY_PREFIXES = ("CONGVAN_", "PYTHON", "PYDANTIC_", "XDG_", "LC_")
KEY_NAMES = ("HOME", "LANG", "LANGUAGE")

#: Commands never sent there: ``web`` is itself a long-lived server, ``nen`` manages it.
LOCAL_COMMANDS = frozenset({"web", "nen"})


def idle_seconds() -> float:
    """``$CONGVAN_NEN_CHO``: idle seconds before the background process leaves; Vietnamese error if malformed.

    Not on the client's path (it imports congvan.settings): read by the process and ``congvan nen bat``.
    """
    from congvan.settings import env_seconds

    return env_seconds(ENV_IDLE, DEFAULT_IDLE, MAX_IDLE, "900")


#: A Unix socket path longer than this does not fit ``sockaddr_un``.
MAX_SOCKET_PATH = 100


def enabled(env: Env = os.environ) -> bool:
    """Off when ``CONGVAN_NEN`` says so (0, khong, tat, off, false, no)."""
    return env.get(ENV_OFF, "").strip().lower() not in OFF_WORDS


def package_dir() -> str:
    """The congvan package this interpreter imports (its code is what the process runs)."""
    return os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def key_env(env: Env) -> list[tuple[str, str]]:
    """The part of *env* a background process is chosen by (not its own settings, ``CONGVAN_NEN*``)."""
    return sorted(
        (k, v)
        for k, v in env.items()
        if (k.startswith(KEY_PREFIXES) or k in KEY_NAMES) and not k.startswith(ENV_OFF)
    )


def process_key(env: Env = os.environ, package: str | None = None) -> str:
    """One background process per interpreter, congvan copy (*package*, default this one) and
    import-time environment."""
    chosen_by = [os.path.abspath(sys.executable), sys.prefix, package or package_dir(), key_env(env)]
    data = repr(chosen_by).encode("utf-8", "surrogateescape")
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(data) & 0xFFFF:04x}"


def runtime_dir(env: Env = os.environ) -> str:
    """``CONGVAN_NEN_DIR``, else ``$XDG_RUNTIME_DIR/congvan``, else ``/tmp/congvan-<uid>``."""
    chosen = env.get(ENV_DIR)
    if chosen:
        return chosen
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, "congvan")
    return f"/tmp/congvan-{os.getuid()}"


def private_dir(folder: str, *, create: bool) -> bool:
    """*folder* exists (made if *create*), is ours and nobody else can enter it."""
    try:
        if create:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return False
    return (info.st_mode & 0o170000) == 0o040000 and info.st_uid == os.getuid() and not info.st_mode & 0o077


def socket_path(env: Env = os.environ, package: str | None = None) -> str:
    """Where the background process for this caller listens."""
    return os.path.join(runtime_dir(env), f"{process_key(env, package)}.sock")


def lock_path(sock: str) -> str:
    return sock.removesuffix(".sock") + ".lock"


def log_path(sock: str) -> str:
    return sock.removesuffix(".sock") + ".log"


def connect(sock: str, timeout: float | None = None) -> _socket.socket | None:
    """A connection to the background process at *sock*, or None when none answers."""
    if len(os.fsencode(sock)) > MAX_SOCKET_PATH:
        return None
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    conn.settimeout(timeout)
    try:
        conn.connect(sock)
    except OSError:
        conn.close()
        return None
    return conn


def send_request(conn: _socket.socket, payload: dict[str, object], fds: list[int]) -> None:
    """The header with *fds* attached, then the payload."""
    data = marshal.dumps(payload)
    header = MAGIC + len(data).to_bytes(4, "big")
    rights = b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in fds)
    ancillary = [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)] if fds else []
    sent = conn.sendmsg([header], ancillary)
    conn.sendall(header[sent:] + data)


def recv_request(conn: _socket.socket) -> tuple[dict[str, object], list[int]]:
    """The payload and the file descriptors sent with it; ValueError on anything malformed."""
    import socket  # the background process's side: the import costs nothing there

    head, fds, _flags, _addr = socket.recv_fds(conn, HEADER_SIZE, 3)
    try:
        head += recv_exactly(conn, HEADER_SIZE - len(head))
        size = int.from_bytes(head[4:], "big")
        if head[:4] != MAGIC or size > MAX_PAYLOAD:
            raise ValueError("not a congvan request")
        payload = marshal.loads(recv_exactly(conn, size))
        if not isinstance(payload, dict):
            raise ValueError("payload is not a dict")
    except Exception:
        for fd in fds:
            os.close(fd)
        raise
    return payload, fds


def recv_exactly(conn: _socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = conn.recv(min(left, 65536))
        if not chunk:
            raise ValueError("connection closed mid-request")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def send_line(conn: _socket.socket, kind: str, text: str = "") -> None:
    conn.sendall(f"{kind} {text}\n".encode("utf-8", "surrogateescape"))


def read_lines(conn: _socket.socket) -> Iterator[tuple[str, str]]:
    """Yield ``(kind, text)`` for each line the background process sends, until it closes."""
    buffer = b""
    while True:
        chunk = conn.recv(4096)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            kind, _, text = line.decode("utf-8", "surrogateescape").partition(" ")
            yield kind, text
