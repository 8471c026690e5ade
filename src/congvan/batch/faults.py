"""Fault injection for the distributed batch: a worker lost in the middle of a stage.

The batch's promise is that a lost Dask worker changes nothing in the output; its
tests and its benchmark (``bench/dask_bench.py``) prove it with this one helper.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


def _kill_first_busy(address: str, task: str, killed: list[str], stop: threading.Event) -> None:
    from distributed import Client

    with Client(address, timeout=10) as watcher:
        while not stop.is_set() and not killed:
            busy = [w for w, keys in watcher.processing().items() if any(task in str(k) for k in keys)]
            if busy:
                pid = watcher.run(os.getpid, workers=[busy[0]])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(busy[0])
            time.sleep(0.01)


@contextmanager
def worker_killed_during(address: str, task: str) -> Iterator[list[str]]:
    """While the block runs, SIGKILL the first worker of the cluster at *address* seen running a
    task whose key contains *task* (its nanny starts a fresh one). Yields the killed workers'
    addresses (empty if none was ever busy with it)."""
    killed: list[str] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_kill_first_busy, args=(address, task, killed, stop), daemon=True)
    watcher.start()
    try:
        yield killed
    finally:
        stop.set()
        watcher.join()
