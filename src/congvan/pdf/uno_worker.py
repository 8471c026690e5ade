"""One kept-warm LibreOffice behind unoserver's XML-RPC server; run by the system python.

This file is executed as a script by the interpreter that has Debian's
``python3-uno`` (``/usr/bin/python3``, via the ``.venv/uno`` venv made with
``--system-site-packages``), never imported by congvan: it may use only the
standard library, ``uno`` and ``unoserver``.

Differences from ``unoserver``'s own ``main``: LibreOffice (``soffice.bin``
itself, no ``oosplash`` in between) is forked with PR_SET_PDEATHSIG so it dies
with this process, and this process dies with congvan; readiness is polled
instead of unoserver's fixed 7 s sleep; the UNO peer is checked to be OUR
LibreOffice (its user profile) before serving, so a port taken by someone else
is never used. Exit codes tell the client what went wrong.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import uno
from com.sun.star.connection import NoConnectException
from unoserver import server as uno_server

EXIT_OFFICE_DIED = 3
EXIT_XMLRPC_FAILED = 4
EXIT_WRONG_PEER = 5
EXIT_NOT_READY = 6
RESTART_CODE = 81  # soffice.bin asks to be restarted after creating a profile
SOFFICE_BIN = "/usr/lib/libreoffice/program/soffice.bin"
READY_TIMEOUT = 60.0


def _die_with_parent() -> None:
    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)


def _start_office(binary: str, profile_uri: str, uno_port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        binary,
        "--headless",
        "--invisible",
        "--nocrashreport",
        "--nodefault",
        "--nologo",
        "--nofirststartwizard",
        "--norestore",
        f"-env:UserInstallation={profile_uri}",
        f"--accept=socket,host=127.0.0.1,port={uno_port},tcpNoDelay=1;urp;StarOffice.ComponentContext",
    ]
    return subprocess.Popen(command, env=env, preexec_fn=_die_with_parent, stdout=subprocess.DEVNULL)


def _connect(office: subprocess.Popen[bytes], uno_port: int, deadline: float) -> object | None:
    """The UNO context of *office* once it answers; None when it exited (maybe asking for a restart)."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    url = f"uno:socket,host=127.0.0.1,port={uno_port};urp;StarOffice.ComponentContext"
    while office.poll() is None:
        try:
            return resolver.resolve(url)
        except NoConnectException:
            if time.monotonic() > deadline:
                office.kill()
                sys.exit(EXIT_NOT_READY)
            time.sleep(0.05)
    return None


def _start_and_wait(binary: str, profile_uri: str, uno_port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start OUR LibreOffice and wait until it serves UNO (restarting after a first-run profile creation)."""
    deadline = time.monotonic() + READY_TIMEOUT
    for _ in range(3):
        office = _start_office(binary, profile_uri, uno_port, env)
        context = _connect(office, uno_port, deadline)
        if context is None:
            if office.returncode == RESTART_CODE:
                continue
            sys.exit(EXIT_OFFICE_DIED)
        paths = context.ServiceManager.createInstanceWithContext("com.sun.star.util.PathSettings", context)
        if not str(paths.UserConfig).startswith(profile_uri):
            sys.exit(EXIT_WRONG_PEER)  # the port belongs to another LibreOffice; ours failed to bind
        return office
    sys.exit(EXIT_OFFICE_DIED)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--uno-port", type=int, required=True)
    parser.add_argument("--profile", type=Path, required=True)
    parser.add_argument("--soffice", default=SOFFICE_BIN)
    args = parser.parse_args()
    _die_with_parent()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    temp = args.profile / "tmp"  # unoserver's and LibreOffice's temp files: emptied on every start
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir(parents=True)
    profile_uri = (args.profile / "lo").resolve().as_uri()
    env = dict(os.environ, TMPDIR=str(temp))
    office = _start_and_wait(args.soffice, profile_uri, args.uno_port, env)

    def stop(signum: int, _frame: object) -> None:
        office.terminate()
        try:
            office.wait(3)
        except subprocess.TimeoutExpired:
            office.kill()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    server = uno_server.UnoServer(
        interface="127.0.0.1",
        port=str(args.port),
        uno_interface="127.0.0.1",
        uno_port=str(args.uno_port),
        user_installation=profile_uri,
        temp_dir=str(temp),
    )
    server.libreoffice_process = office
    serving = threading.Thread(target=server.serve, daemon=True)
    serving.start()
    while office.poll() is None:
        serving.join(0.5)
        if not serving.is_alive():
            office.kill()
            os._exit(EXIT_XMLRPC_FAILED)
    os._exit(EXIT_OFFICE_DIED)


if __name__ == "__main__":
    main()
