"""The batch's stages fanned out over Dask distributed (``congvan batch --dask``).

Validation, DOCX rendering and PDF conversion run as Dask tasks; the driver
reads the sheet, counts, numbers and writes. Validation tasks get chunks of raw
cells and hand back checked rows; the driver then fixes every list number and
"số vào sổ" before any rendering is fanned out, so a task gets already-numbered
rows and returns their bytes: its result depends only on its rows (zip member
times and PDF ids are pinned), and running it twice or on another worker
changes nothing. The driver writes every file (temp file + rename, journal) in
list order, exactly as a one-process run: a lost worker's tasks are rerun by the
scheduler and nothing reaches the output folder twice. Imported only when
``--dask`` is given.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import tempfile
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster

from congvan.batch.fast import specialise
from congvan.batch.output import _Body, pin_zip_time, render_bodies, write_merged
from congvan.errors import CongvanError
from congvan.render.engine import CompiledTemplate

CHUNK_ROWS = 200
IN_FLIGHT = 32  # chunks submitted ahead of the one being collected: memory stays flat at any row count
CONNECT_TIMEOUT = 3  # seconds: an unreachable scheduler is an error, not a hang
WORKER_TIMEOUT = 10  # seconds: nor is a scheduler without workers
RETRIES = 1  # a task that raised; a worker that died is handled by the scheduler (its tasks rerun)


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
        if len(_PREPARED) > 64:  # one entry per unit and document: keep a long round's worker small
            _PREPARED.clear()
        template = pin_zip_time(CompiledTemplate(dict(spec.parts), name=spec.name))
        fast = specialise(template, spec.shared, set(spec.row_names))
        _PREPARED[spec.key] = (template, fast.render if fast is not None else None)
    return _PREPARED[spec.key]


def check_task(job: Any, items: Sequence[tuple[int, list[Any], int]]) -> list[Any]:
    """The validation stage of one chunk of sheet rows (runs on a worker): checked rows or bad rows."""
    return [job.run(item) for item in items]


def decision_task(base: str, records: Sequence[Any]) -> list[bytes]:
    """Decisions (one per unit) through the record renderer (runs on a worker).

    *base* is the folder of the round's file, for what a decision may refer to
    (a logo); a worker on another machine needs it at the same path.
    """
    from congvan.batch.decision import render_decision

    return [render_decision(record, Path(base)) for record in records]


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
    bodies = render_bodies(rows, render)
    # the merged file takes the opening of its first body and the closing of its last only:
    # the others' are not sent back (a chunk's first and last keep theirs, as they may be either)
    for body in bodies[1:]:
        body.prefix = ""
    for body in bodies[:-1]:
        body.suffix = ""
    return bodies


def pdf_chunk_task(spec: TemplateSpec, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """One chunk of the merged document as PDF (runs on a worker, on its own warm LibreOffice).

    The chunk's DOCX is the one a one-process run converts (same rows, same
    writer), so the pages are the same.
    """
    from congvan import pdf

    _one_office_per_thread()
    template, fast = _prepared(spec)
    with tempfile.TemporaryDirectory(prefix="congvan-dask-pdf-") as tmp:
        chunk = Path(tmp) / "chunk.docx"
        write_merged(template, rows, chunk, fast, spec.shared)
        return pdf.docx_bytes_to_pdf(chunk.read_bytes())


def pdf_file_task(data: bytes, timeout: float) -> bytes:
    """One whole DOCX (the decision) as PDF (runs on a worker)."""
    from congvan import pdf

    _one_office_per_thread()
    return pdf.docx_bytes_to_pdf(data, timeout=timeout)


def _one_office_per_thread() -> None:
    """A worker runs one task per thread: as many LibreOffices, not one per core of the machine."""
    if "CONGVAN_PDF_WORKERS" not in os.environ:
        from distributed import get_worker

        os.environ["CONGVAN_PDF_WORKERS"] = str(max(1, get_worker().state.nthreads))


def submit_pdf(fanout: Fanout, docx: Path, timeout: float) -> Callable[[], Path]:
    """*docx* sent to the cluster for PDF now; the returned call writes the PDF next to it.

    The decision converts while the certificates' chunks do, instead of before them.
    """
    from congvan.batch.output import write_quick

    future = fanout.client.submit(
        pdf_file_task, docx.read_bytes(), timeout, key=f"congvan-pdf-{uuid.uuid4().hex}", retries=RETRIES, pure=False
    )

    def finish() -> Path:
        target = docx.with_suffix(".pdf")
        write_quick(target, future.result())
        return target

    return finish


def make_spec(template: CompiledTemplate, shared: Mapping[str, Any], row_names: set[str]) -> TemplateSpec:
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(template.parts):
        h.update(name.encode())
        h.update(template.parts[name])
    h.update(repr(sorted(shared.items())).encode("utf-8"))
    h.update(repr(sorted(row_names)).encode("utf-8"))
    return TemplateSpec(h.hexdigest(), dict(template.parts), template.name, dict(shared), frozenset(row_names))


def _same(value: Any) -> Any:
    """The task that hands a stage's shared input to the tasks of its chunks."""
    return value


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Fanout:
    """A connection to a Dask cluster (or a local one it started) that maps chunks in order."""

    def __init__(self, address: str) -> None:
        self.address = address
        # the scheduler's and workers' own logs are English and for the cluster's operator; what the
        # user needs (a failed task, an unreachable scheduler) reaches them as a Vietnamese error
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        self.cluster: LocalCluster | None = None
        self.client = _connect(address, self)
        self._scattered: dict[str, Any] = {}  # template spec key -> its future on the cluster (one unit's)

    def map_chunks(
        self, func: Callable[..., Any], spec: Any, rows: Iterable[Any], size: int | None = None
    ) -> Iterator[Any]:
        """Each chunk's result of ``func(spec, chunk)``, in list order."""
        jobs = self.map_jobs([(func, spec, rows, size)])  # held here: closing it cancels what is left
        yield from next(jobs)
        jobs.close()

    def map_jobs(
        self, jobs: Iterable[tuple[Callable[..., Any], Any, Iterable[Any], int | None]]
    ) -> Iterator[Iterator[Any]]:
        """Per job (one unit's stage), an iterator of its chunks' results in list order.

        The jobs are consumed in order, each to its end before the next one; while
        one is collected, the chunks of the next units are already on the cluster,
        so the workers never wait for the driver between units. At most
        :data:`IN_FLIGHT` chunks are out at once, and a chunk's result is released
        as soon as it has been handed on.
        """
        token = uuid.uuid4().hex
        queue: deque[Any] = deque()  # futures in submission order; None closes a job
        out = 0
        counter = itertools.count()

        def flat() -> Iterator[tuple[Callable[..., Any], Any, list[Any]] | None]:
            for func, spec, rows, size in jobs:
                spec_future = self._scatter(spec)
                for chunk in _chunks(rows, size or CHUNK_ROWS):
                    yield func, spec_future, chunk
                yield None

        stream = flat()

        def fill() -> bool:
            """Top the window up; False once every job's chunks are submitted."""
            nonlocal out
            while out < IN_FLIGHT:
                item = next(stream, StopIteration)
                if item is StopIteration:
                    return False
                if item is None:
                    queue.append(None)
                    continue
                func, spec_future, chunk = item
                key = f"congvan-{func.__name__}-{token}-{next(counter):07d}"
                future = self.client.submit(func, spec_future, chunk, key=key, retries=RETRIES, pure=False)
                queue.append((future, spec_future))  # the spec stays wanted until its last chunk is in
                out += 1
            return True

        def results() -> Iterator[Any]:
            nonlocal out
            while True:
                more = fill()
                if not queue:
                    if more:
                        continue
                    return
                entry = queue.popleft()
                if entry is None:
                    return
                out -= 1
                future, _spec = entry
                result = future.result()
                future.release()
                yield result

        try:
            while fill() or queue:
                yield results()
        finally:
            for entry in queue:
                if entry is not None:
                    entry[0].cancel()

    def map_rows(self, func: Callable[..., Any], spec: Any, rows: Iterable[Any]) -> Iterator[Any]:
        """``map_chunks`` with each chunk's list of per-row results flattened back into rows."""
        for chunk in self.map_chunks(func, spec, rows):
            yield from chunk

    def _scatter(self, spec: Any) -> Any:
        """*spec* as the result of a task of its own: the chunks' tasks depend on it.

        Not ``client.scatter``: scattered data a killed worker held cannot be
        recovered, while a task's result is simply computed again. A unit's
        template spec serves its next stage too.
        """
        key = getattr(spec, "key", None)
        if key is not None and key in self._scattered:
            return self._scattered[key]
        future = self.client.submit(_same, spec, key=f"congvan-spec-{uuid.uuid4().hex}", pure=False)
        if key is not None:
            if len(self._scattered) >= 8:  # tasks already submitted keep theirs wanted
                self._scattered.pop(next(iter(self._scattered)))
            self._scattered[key] = future
        return future

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def local_cluster(workers: int) -> LocalCluster:
    """N worker processes on this machine, one thread each, over loopback."""
    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # any free port: no English warning when 8787 is taken
        silence_logs=logging.CRITICAL,  # a lost worker is retried, not narrated in English on the terminal
    )


def _connect(address: str, fanout: Fanout) -> Client:
    if address.startswith("local:"):
        count = address.removeprefix("local:")
        if not count.isdigit() or not 0 < int(count) <= 256:
            raise CongvanError(f"--dask local:N cần N là số tiến trình từ 1 đến 256, không phải '{count}'")
        fanout.cluster = local_cluster(int(count))
        return Client(fanout.cluster, timeout=CONNECT_TIMEOUT)
    if not address.startswith(("tcp://", "tls://")):
        raise CongvanError(f"--dask cần địa chỉ tcp://MÁY:8786 hoặc local:N, không phải '{address}'")
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise CongvanError(
            f"không kết nối được bộ lập lịch Dask tại {address} sau {CONNECT_TIMEOUT} giây; "
            "kiểm tra địa chỉ, cổng và rằng dask scheduler đang chạy"
        ) from exc
    try:  # a scheduler with no worker would take the tasks and never run them
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise CongvanError(
            f"bộ lập lịch Dask tại {address} chưa có worker nào sau {WORKER_TIMEOUT} giây; "
            "hãy chạy dask worker trỏ tới nó rồi thử lại"
        ) from exc
    return client
