"""The background process (congvan.nen): a command run there behaves as in its own process.

Each test drives real ``congvan`` processes (the console script's code, ``python -m
congvan``) against a background process started for this module in a private
folder, and compares with the same command run with ``CONGVAN_NEN=0``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from congvan.cli.nen_cmd import ask, status
from congvan.nen import protocol
from congvan.register.service import HOOK_PAUSE_AFTER_COUNTER

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "records" / "003-chuong-trinh-phoi-hop-yen-bai.yaml"
BAD = "loai: ke_hoach\nso: abc\n"

pytestmark = pytest.mark.xdist_group("nen")


def _env(folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != protocol.ENV_OFF}
    return {**env, protocol.ENV_DIR: str(folder), **extra}


def run(env: dict[str, str], *args: str, cwd: Path | None = None, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "congvan", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120, **kw
    )


def sock_of(env: dict[str, str]) -> str:
    """The socket of the congvan copy *env* imports (its PYTHONPATH may name another)."""
    package = env.get("PYTHONPATH", "").split(os.pathsep)[0]
    return protocol.socket_path(env, os.path.join(package, "congvan") if package else None)


def served(env: dict[str, str]) -> int:
    info = status(sock_of(env))
    assert info is not None, "the background process does not answer"
    return int(info["da_chay"])  # type: ignore[call-overload]


def start(env: dict[str, str]) -> dict[str, object]:
    result = run(env, "nen", "bat")
    assert result.returncode == 0, result.stderr
    info = status(sock_of(env))
    assert info is not None
    return info


def _gone(pid: int, within_s: float = 30) -> bool:
    """Whether *pid* ends within the time (a command may report its exit code just before it exits)."""
    deadline = time.monotonic() + within_s
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not _alive(pid)


def stop(env: dict[str, str]) -> None:
    info = status(sock_of(env))
    run(env, "nen", "tat")
    if info is not None:
        _gone(int(info["pid"]), 10)  # type: ignore[call-overload]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except FileNotFoundError:  # it went between the two looks
        return False


def stop_all(folder: Path) -> None:
    """Stop every background process of *folder* (a test may have started several)."""
    for sock in folder.glob("*.sock"):
        info = ask(str(sock), "tat")
        if info:
            _gone(int(info["pid"]), 10)  # type: ignore[call-overload]
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def folder() -> Iterator[Path]:
    """A short private folder (a Unix socket path must fit in 108 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="cvn-", dir="/tmp"))
    yield path
    stop_all(path)


@pytest.fixture(scope="module")
def warm() -> Iterator[dict[str, str]]:
    """The environment of a running background process, started once for the module."""
    path = Path(tempfile.mkdtemp(prefix="cvn-", dir="/tmp"))
    env = _env(path)
    start(env)
    yield env
    stop_all(path)


def cold(env: dict[str, str]) -> dict[str, str]:
    return {**env, protocol.ENV_OFF: "0"}


def _parts(docx: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(docx) as z:
        return {name: z.read(name) for name in z.namelist()}


# --- the same command, the same result ----------------------------------------------------


def test_render_there_writes_what_its_own_process_writes(warm: dict[str, str], tmp_path: Path) -> None:
    before = served(warm)
    there = run(warm, "render", str(RECORD), "-o", str(tmp_path / "a"))
    here = run(cold(warm), "render", str(RECORD), "-o", str(tmp_path / "b"))
    assert there.returncode == here.returncode == 0, there.stderr + here.stderr
    assert served(warm) == before + 1  # it did run there
    name = f"{RECORD.stem}.docx"
    assert _parts(tmp_path / "a" / name) == _parts(tmp_path / "b" / name)
    assert there.stdout.replace("/a/", "/b/") == here.stdout


def test_errors_exit_codes_and_messages_as_in_its_own_process(warm: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "hong.yaml"
    bad.write_text(BAD, encoding="utf-8")
    before = served(warm)
    for args in (("validate", str(bad)), ("khong-co-lenh",), ("render",), ("--help",), ("mau", "ke-hoach")):
        there, here = run(warm, *args), run(cold(warm), *args)
        assert (there.returncode, there.stdout, there.stderr) == (here.returncode, here.stdout, here.stderr), args
    assert served(warm) == before + 5
    there = run(warm, "validate", str(bad))
    assert there.returncode == 1
    assert "hong.yaml, dòng 2, trường 'so': phải là số nguyên" in there.stderr


def test_working_folder_and_umask_are_the_callers(warm: dict[str, str], tmp_path: Path) -> None:
    shutil.copy(RECORD, tmp_path / "kh.yaml")
    before = served(warm)
    there = run(warm, "render", "kh.yaml", "-o", "ra", cwd=tmp_path, preexec_fn=lambda: os.umask(0o077))
    assert there.returncode == 0, there.stderr
    assert served(warm) == before + 1
    assert there.stdout.strip() == "Đã xuất: ra/kh.docx"
    assert (tmp_path / "ra" / "kh.docx").stat().st_mode & 0o777 == 0o600


def test_many_callers_at_once(warm: dict[str, str], tmp_path: Path) -> None:
    info = status(sock_of(warm))
    assert info is not None
    with ThreadPoolExecutor(8) as pool:
        renders = pool.map(lambda i: run(warm, "render", str(RECORD), "-o", str(tmp_path / str(i))), range(6))
        helps = pool.map(lambda _: run(warm, "--help"), range(60))  # exits close together: events batch up
        results, helped = list(renders), list(helps)
    assert [r.returncode for r in results] == [0] * 6, [r.stderr for r in results]
    assert {(h.returncode, h.stderr) for h in helped} == {(0, "")}
    now = status(sock_of(warm))
    assert now is not None and now["pid"] == info["pid"]  # the same process served them all
    assert int(now["da_chay"]) == int(info["da_chay"]) + 66  # type: ignore[call-overload]
    assert "failed" not in Path(protocol.log_path(sock_of(warm))).read_text(encoding="utf-8")
    first = _parts(tmp_path / "0" / f"{RECORD.stem}.docx")
    assert all(_parts(tmp_path / str(i) / f"{RECORD.stem}.docx") == first for i in range(6))


# --- stopping a command ---------------------------------------------------------------------


def _paused_take(env: dict[str, str], folder: Path) -> tuple[subprocess.Popen[str], int, dict[str, str]]:
    """A ``congvan so cap`` run there and paused inside its transaction (after the counter)."""
    db = folder / "so.db"
    marker = folder / "paused"
    env = {**env, HOOK_PAUSE_AFTER_COUNTER: str(marker)}
    made = run(cold(env), "so", "tao", "LDLD", "--co-quan", "LĐLĐ", "--db", str(db))
    assert made.returncode == 0, made.stderr
    start(env)  # the pause hook is part of the environment a process is chosen by: one of its own
    caller = subprocess.Popen(
        [sys.executable, "-m", "congvan", "so", "cap", "--so", "LDLD", "--loai", "KH", "--ngay", "05/03/2026",
         "--trich-yeu", "Bị ngắt giữa chừng", "--db", str(db)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # its own process group, whose parent (this test) is in another one of the session: as a
        # shell's job is, so a SIGTSTP stops it (the kernel drops it in an orphaned group)
        process_group=0,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not marker.exists() or not marker.read_text():
        assert caller.poll() is None, caller.communicate()
        assert time.monotonic() < deadline, "the take never reached the pause"
        time.sleep(0.05)
    child = int(marker.read_text())
    assert child != caller.pid  # the take runs in the background process's child
    return caller, child, env


def _state(pid: int) -> str:
    """The process state letter of ``/proc/PID/stat`` (``T`` stopped, ``S`` sleeping...)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def _where(pid: int) -> str:
    """State, kernel wait channel and pending/blocked/caught signal masks of *pid*, for a failure message."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        status = dict(line.split(":\t", 1) for line in lines if ":\t" in line)
        wchan = Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return "gone"
    masks = " ".join(f"{k}={status.get(k, '?').strip()}" for k in ("SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"))
    return f"{status.get('State', '?').strip()} in {wchan or '-'} ({masks})"


def _wait_state(pid: int, wanted: set[str]) -> str:
    deadline = time.monotonic() + 30
    while (now := _state(pid)) not in wanted and time.monotonic() < deadline:
        time.sleep(0.02)
    return now


@pytest.mark.slow
@pytest.mark.parametrize("ctrl_z_first", [False, True], ids=["running", "after-ctrl-z-and-fg"])
def test_ctrl_c_on_the_caller_stops_the_command(folder: Path, ctrl_z_first: bool) -> None:
    caller, child, env = _paused_take(_env(folder), folder)
    try:
        if ctrl_z_first:
            caller.send_signal(signal.SIGTSTP)  # what the terminal sends on Ctrl-Z
            assert _wait_state(caller.pid, {"T"}) == "T"
            assert _wait_state(child, {"T"}) == "T", "the command went on while its caller was stopped"
            caller.send_signal(signal.SIGCONT)  # fg / bg
            assert _wait_state(child, {"S", "R"}) in {"S", "R"}
            assert _wait_state(caller.pid, {"S", "R"}) in {"S", "R"}
        caller.send_signal(signal.SIGINT)
        try:
            _out, err = caller.communicate(timeout=30)
        except subprocess.TimeoutExpired:  # seen once in ~60 runs, not reproduced: say where each one was
            where = f"caller {_where(caller.pid)}; command {_where(child)}"
            raise AssertionError(f"no exit after Ctrl-C: {where}") from None
    finally:
        caller.kill()
        stop(env)
    assert caller.returncode == 130, err
    assert "Đã dừng theo yêu cầu." in err
    assert _gone(child)


@pytest.mark.slow
@pytest.mark.parametrize("stopped_first", [False, True], ids=["running", "stopped-with-ctrl-z"])
def test_a_caller_killed_takes_its_command_with_it(folder: Path, stopped_first: bool) -> None:
    caller, child, env = _paused_take(_env(folder), folder)
    try:
        if stopped_first:  # a stopped command must still see the SIGTERM its caller's end sends
            caller.send_signal(signal.SIGTSTP)
            assert _wait_state(child, {"T"}) == "T"
        caller.kill()
        caller.wait(timeout=30)
        assert _gone(child), "the command went on after its caller was killed"
    finally:
        stop(env)


@pytest.mark.slow
def test_exit_status_of_a_command_killed_by_a_signal(folder: Path) -> None:
    caller, child, env = _paused_take(_env(folder), folder)
    try:
        os.kill(child, signal.SIGKILL)  # as the kernel's OOM killer would
        caller.communicate(timeout=30)
    finally:
        caller.kill()
        stop(env)
    assert caller.returncode == 128 + signal.SIGKILL  # what a shell reports for its own process


@pytest.mark.slow
def test_the_caller_learns_the_exit_code_even_if_the_background_process_dies(folder: Path) -> None:
    caller, child, env = _paused_take(_env(folder), folder)
    info = status(sock_of(env))
    assert info is not None
    try:
        os.kill(int(info["pid"]), signal.SIGKILL)  # type: ignore[call-overload]
        caller.send_signal(signal.SIGINT)  # still reaches the command, which reports its own status
        _out, err = caller.communicate(timeout=30)
    finally:
        caller.kill()
    assert caller.returncode == 130, err
    assert "Đã dừng theo yêu cầu." in err
    assert _gone(child)


# --- when it must not serve -------------------------------------------------------------------


def test_edited_code_is_never_served_by_a_process_started_before(folder: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "congvan", src / "congvan", ignore=shutil.ignore_patterns("__pycache__"))
    env = _env(folder, PYTHONPATH=str(src))
    info = start(env)
    assert Path(str(info["socket"])).parent == folder
    assert "soạn văn bản hành chính" in run(env, "--help").stdout
    assert served(env) == 1
    cli = src / "congvan" / "cli" / "__init__.py"
    cli.write_text(cli.read_text(encoding="utf-8").replace("soạn văn bản hành chính", "BẢN ĐÃ SỬA"), encoding="utf-8")
    edited = run(env, "--help")
    assert "BẢN ĐÃ SỬA" in edited.stdout, edited.stdout  # run by the new code, in its own process
    deadline = time.monotonic() + 30
    while (now := status(sock_of(env))) is None or now["pid"] == info["pid"]:
        assert time.monotonic() < deadline, "no new background process after the edit"
        time.sleep(0.05)
    assert "BẢN ĐÃ SỬA" in run(env, "--help").stdout
    assert served(env) == 1  # the new process ran that last one
    stop(env)
    assert not _alive(int(info["pid"]))  # type: ignore[call-overload]


def test_leaves_when_idle(folder: Path) -> None:
    env = _env(folder, **{protocol.ENV_IDLE: "0.5"})
    info = start(env)
    sock = Path(str(info["socket"]))
    assert sock.exists() and sock.stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700
    assert _gone(int(info["pid"]))  # type: ignore[call-overload]
    assert not sock.exists()


def test_leaves_when_its_folder_is_cleaned_up(folder: Path) -> None:
    env = _env(folder)
    info = start(env)
    os.unlink(str(info["socket"]))  # a tmp cleaner, or rm -rf of the folder
    assert _gone(int(info["pid"]))  # type: ignore[call-overload]
    assert run(env, "--help").returncode == 0  # and the next call runs (and starts a new one)


def test_off_switch_and_unsafe_folder_run_in_its_own_process(folder: Path, tmp_path: Path) -> None:
    off = run(cold(_env(folder)), "render", str(RECORD), "-o", str(tmp_path / "a"))
    assert off.returncode == 0, off.stderr
    assert not list(folder.iterdir())  # nothing started
    shared = tmp_path / "chung"
    shared.mkdir()
    shared.chmod(0o777)
    ran = run(_env(shared), "render", str(RECORD), "-o", str(tmp_path / "b"))
    assert ran.returncode == 0, ran.stderr
    time.sleep(0.5)
    assert not list(shared.iterdir())  # a folder others can enter is not used
    refused = run(_env(shared), "nen", "bat")
    assert refused.returncode == 1 and "Lỗi: " in refused.stderr


def test_the_entry_point_imports_no_library() -> None:
    """What every call pays before it knows where the command runs: the standard library's builtins."""
    probe = "import sys, congvan.nen.client; print(' '.join(sorted(sys.modules)))"
    listed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    modules = set(listed.stdout.split())
    heavy = {"click", "pydantic", "yaml", "jinja2", "lxml", "typing", "json", "socket", "pathlib", "re", "enum"}
    assert not modules & heavy


def test_a_malformed_idle_limit_is_reported_by_nen_bat(folder: Path) -> None:
    env = _env(folder, **{protocol.ENV_IDLE: "mười phút"})
    res = run(env, "nen", "bat")
    assert res.returncode == 1 and "CONGVAN_NEN_CHO='mười phút': cần số giây" in res.stderr, res.stderr
    assert not list(folder.glob("*.sock"))  # nothing started with a limit nobody asked for
    assert run(env, "--help").returncode == 0  # an ordinary command still runs (the process logs the problem)
