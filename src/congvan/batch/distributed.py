"""The batch's rendering fanned out over Dask distributed (``congvan batch --dask``).

The driver validates the sheet and fixes every list number and "số vào sổ"
before fan-out; a task gets a chunk of already-numbered rows and returns their
rendered bytes, so its result depends only on its rows (zip member times are
fixed) and running it twice or on another worker changes nothing. The driver
writes every file (temp file + rename, journal) in the list order, exactly as a
one-process run: a lost worker's tasks are rerun by the scheduler and nothing
reaches the output folder twice. Imported only when ``--dask`` is given.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from distributed import Client, LocalCluster

from congvan.batch.fast import specialise
from congvan.batch.output import _Body, pin_zip_time, render_bodies
from congvan.errors import CongvanError
from congvan.render.engine import CompiledTemplate

CHUNK_ROWS = 200
CONNECT_TIMEOUT = 5  # seconds: an unreachable scheduler is an error, not a hang
RETRIES = 3


@dataclass(frozen=True)
class TemplateSpec:
    """What a worker needs to rebuild the template: its parts (no shared disk assumed)."""

    key: str
    parts: Mapping[str, bytes]
    name: str
    shared: Mapping[str, Any]
    row_names: frozenset[str]


_PREPARED: dict[str, tuple[CompiledTemplate, Any]] = {}


def _prepared(spec: TemplateSpec) -> tuple[CompiledTemplate, Any]:
    """The compiled template and its specialised document part, once per worker process."""
    if spec.key not in _PREPARED:
        template = pin_zip_time(CompiledTemplate(dict(spec.parts), name=spec.name))
        fast = specialise(template, spec.shared, set(spec.row_names))
        _PREPARED[spec.key] = (template, fast.render if fast is not None else None)
    return _PREPARED[spec.key]


def row_files_task(spec: TemplateSpec, rows: Sequence[Mapping[str, Any]]) -> list[bytes]:
    """Per-row DOCX bytes of one chunk (runs on a worker)."""
    from congvan.batch.run import _row_bytes

    template, fast = _prepared(spec)
    render = _row_bytes(template, fast, spec.shared)
    return [render(row) for row in rows]


def bodies_task(spec: TemplateSpec, rows: Sequence[Mapping[str, Any]]) -> list[_Body]:
    """Rendered document parts of one chunk, for the driver's merged file (runs on a worker)."""
    from congvan.batch.output import DOCUMENT

    template, fast = _prepared(spec)
    shared = spec.shared
    render = fast or (lambda row: template.render_part(DOCUMENT, {**shared, **row}))
    return render_bodies(rows, render)


def make_spec(template: CompiledTemplate, shared: Mapping[str, Any], row_names: set[str]) -> TemplateSpec:
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(template.parts):
        h.update(name.encode())
        h.update(template.parts[name])
    h.update(repr(sorted(shared.items())).encode("utf-8"))
    h.update(repr(sorted(row_names)).encode("utf-8"))
    return TemplateSpec(h.hexdigest(), dict(template.parts), template.name, dict(shared), frozenset(row_names))


class Fanout:
    """A connection to a Dask cluster (or a local one it started) that maps chunks in order."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.cluster: LocalCluster | None = None
        self.client = _connect(address, self)
        self._round = 0

    def map_chunks(self, func: Any, spec: TemplateSpec, rows: Iterator[Mapping[str, Any]]) -> Iterator[Any]:
        """Submit every chunk, then yield each chunk's result in the list order."""
        self._round += 1
        futures = []
        chunk: list[Mapping[str, Any]] = []
        spec_future = self.client.scatter(spec, broadcast=True, hash=False)

        def submit(part: list[Mapping[str, Any]]) -> None:
            key = f"congvan-{func.__name__}-{spec.key}-{self._round}-{len(futures):07d}"
            futures.append(self.client.submit(func, spec_future, part, key=key, retries=RETRIES, pure=False))

        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                submit(chunk)
                chunk = []
        if chunk:
            submit(chunk)
        try:
            for i, future in enumerate(futures):
                yield future.result()
                futures[i] = None  # type: ignore[call-overload]  # release the chunk on the cluster
                future.release()
        finally:
            for future in futures:
                if future is not None:
                    future.cancel()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _connect(address: str, fanout: Fanout) -> Client:
    if address.startswith("local:"):
        count = address.removeprefix("local:")
        if not count.isdigit() or not 0 < int(count) <= 256:
            raise CongvanError(f"--dask local:N cần N là số tiến trình từ 1 đến 256, không phải '{count}'")
        fanout.cluster = LocalCluster(
            n_workers=int(count),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        return Client(fanout.cluster, timeout=CONNECT_TIMEOUT)
    if not address.startswith(("tcp://", "tls://")):
        raise CongvanError(f"--dask cần địa chỉ tcp://MÁY:8786 hoặc local:N, không phải '{address}'")
    try:
        return Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise CongvanError(
            f"không kết nối được bộ lập lịch Dask tại {address} sau {CONNECT_TIMEOUT} giây; "
            "kiểm tra địa chỉ, cổng và rằng dask scheduler đang chạy"
        ) from exc
