"""Kept-warm LibreOffice: correct PDFs, recovery after a crash or a hang, the cold fallback, no orphans.

The pool is the session fixture ``warm_pdf`` (started once per test run); the
tests that break it (kill, timeout) run after the ones that only use it and
check the next conversion still works.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from congvan import pdf
from congvan.errors import CongvanError
from congvan.pdf import warm
from congvan.pdf.procs import STAGING_PREFIX

pytestmark = [pytest.mark.pdf, pytest.mark.xdist_group("libreoffice")]
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = "000-ke-hoach-lien-tich-ldld-hkh-ben-tre"
QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


def _text(pdf_bytes_or_path: bytes | Path) -> str:
    if isinstance(pdf_bytes_or_path, Path):
        return subprocess.run(["pdftotext", str(pdf_bytes_or_path), "-"], capture_output=True, text=True).stdout
    return subprocess.run(["pdftotext", "-", "-"], input=pdf_bytes_or_path, capture_output=True).stdout.decode()


def _pages(data: bytes, tmp_path: Path) -> int:
    path = tmp_path / "x.pdf"
    path.write_bytes(data)
    return pdf.page_count(path)


def _write_docs(rendered: dict, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, (_, data) in rendered.items():
        path = folder / f"{stem}.docx"
        path.write_bytes(data)
        paths.append(path)
    return paths


def test_preview_bytes_match_the_batch_conversion(warm_pdf, rendered, pdf_dir, tmp_path):
    _, data = rendered[SAMPLE]
    out = pdf.docx_bytes_to_pdf(data)
    assert out.startswith(b"%PDF")
    reference = pdf_dir / f"{SAMPLE}.pdf"
    assert _pages(out, tmp_path) == pdf.page_count(reference)
    assert _text(out) == _text(reference)
    assert QUOC_HIEU in _text(out)


def test_many_files_spread_over_workers_keep_order_and_names(warm_pdf, rendered, tmp_path):
    docs = _write_docs(rendered, tmp_path / "in")
    made = pdf.docx_to_pdf_many(docs, tmp_path / "out")
    assert [p.name for p in made] == [d.stem + ".pdf" for d in docs]
    for doc, made_pdf in zip(docs, made, strict=True):
        record, _ = rendered[doc.stem]
        own = 0 if record.loai == "phu_luc" else 1  # an appendix file of its own has no main section
        assert pdf.page_count(made_pdf) >= own + len(record.phu_luc)
        assert record.trich_yeu.split()[0].upper() in _text(made_pdf).upper()
    assert not list((tmp_path / "out").glob(f"{STAGING_PREFIX}*"))


def test_chunks_joined_into_one_pdf_in_order(warm_pdf, rendered, tmp_path):
    docs = _write_docs(rendered, tmp_path / "in")[:3]
    singles = pdf.docx_to_pdf_many(docs, tmp_path / "singles")
    joined = pdf.docx_to_one_pdf(docs, tmp_path / "all.pdf")
    assert pdf.page_count(joined) == sum(pdf.page_count(p) for p in singles)
    assert _text(joined).replace("\f", "") == "".join(_text(p) for p in singles).replace("\f", "")


def test_a_broken_docx_is_a_located_error_and_publishes_nothing(warm_pdf, rendered, tmp_path):
    docs = _write_docs(dict(list(rendered.items())[:2]), tmp_path / "in")
    bad = tmp_path / "in" / "hong.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CongvanError) as caught:
        pdf.docx_to_pdf_many([*docs, bad], tmp_path / "out")
    assert "hong.docx" in str(caught.value)
    assert not list((tmp_path / "out").iterdir())


def test_crash_recovery_after_libreoffice_is_killed(warm_pdf, rendered, tmp_path):
    _, data = rendered[SAMPLE]
    pdf.docx_bytes_to_pdf(data)
    victims = [pid for worker in warm_pdf.workers for pid in worker.office_pids()]
    assert victims, "no LibreOffice process to kill"
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    out = pdf.docx_bytes_to_pdf(data)
    assert QUOC_HIEU in _text(out)
    alive = [pid for worker in warm_pdf.workers for pid in worker.office_pids()]
    assert alive and not set(alive) & set(victims)


def test_timeout_kills_the_conversion_and_the_next_one_works(warm_pdf, rendered):
    _, data = rendered[SAMPLE]
    with pytest.raises(CongvanError, match="giây"):
        pdf.docx_bytes_to_pdf(data, timeout=0.001)
    assert QUOC_HIEU in _text(pdf.docx_bytes_to_pdf(data))


def test_cold_fallback_when_the_warm_worker_cannot_start(rendered, tmp_path, monkeypatch):
    """/usr/bin/python3 has uno but no unoserver: the worker dies at import, soffice --convert-to takes over."""
    monkeypatch.setenv("CONGVAN_UNO_PYTHON", "/usr/bin/python3")
    monkeypatch.setattr(warm, "_pool", None)
    monkeypatch.setattr(warm.atexit, "register", lambda _f: None)
    _, data = rendered[SAMPLE]
    try:
        out = pdf.docx_bytes_to_pdf(data)
        assert warm._pool is not None and not any(w.alive for w in warm._pool.workers)
    finally:
        if warm._pool is not None:
            warm._pool.close()
    assert QUOC_HIEU in _text(out)
    monkeypatch.setenv("CONGVAN_UNO_PYTHON", str(tmp_path / "no-such-python"))
    monkeypatch.setattr(warm, "_pool", None)
    made = pdf.docx_to_pdf_many(_write_docs(dict([(SAMPLE, rendered[SAMPLE])]), tmp_path / "in"), tmp_path / "out")
    assert _text(made[0]) == _text(out)


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text(errors="replace")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigkilled_render_pdf_leaves_no_libreoffice_and_no_staging(warm_pdf, tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "congvan", "render", str(ROOT / "records"), "-o", str(out), "--pdf"]
    cli = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    offices: set[int] = set()
    while time.monotonic() < deadline and cli.poll() is None:
        tree = _descendants(cli.pid)
        offices = {p for p in tree if "soffice" in _comm(p)}
        if offices:
            break
        time.sleep(0.05)
    assert offices, "LibreOffice never started under the CLI"
    tree = _descendants(cli.pid)
    cli.send_signal(signal.SIGKILL)
    cli.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in tree):
        time.sleep(0.05)
    assert not [p for p in tree if _alive(p)], "children outlived the killed CLI"
    assert list(out.glob(f"{STAGING_PREFIX}*")), "expected the killed run's staging folder"
    assert not list(out.glob("*.docx")), "a killed render publishes nothing (all or nothing)"
    source = tmp_path / "mot.docx"
    shutil.copy(next(out.glob("**/*.docx")), source)  # a DOCX the killed run had staged
    pdf.docx_to_pdf_many([source], out)
    assert not list(out.glob(f"{STAGING_PREFIX}*")), "the next run should remove the leftover"


def test_a_worker_started_from_a_short_lived_thread_survives_it(warm_pdf, rendered):
    """PR_SET_PDEATHSIG follows the forking thread: workers must be forked by the long-lived spawner."""
    import threading

    with warm_pdf.worker() as worker:
        worker.stop()
        thread = threading.Thread(target=worker.ensure_started)
        thread.start()
        thread.join()
        time.sleep(0.3)
        assert worker.alive and worker.office_pids()
        _, data = rendered[SAMPLE]
        assert QUOC_HIEU in _text(worker.convert(data=data, timeout=60))


def test_batch_merged_pdf_is_made_in_chunks_in_row_order(warm_pdf, tmp_path, monkeypatch):
    """Five certificates in chunks of two: three LibreOffice conversions joined, rows in order."""
    from congvan.batch.run import BatchOptions, run_batch
    from congvan.batch.sample_data import HEADERS, families, write_csv

    made: list[Path] = []
    real = pdf.docx_to_one_pdf
    monkeypatch.setattr(pdf, "CHUNK_PAGES", 2)

    def spy(chunks: list[Path], target: Path, **kw: object) -> Path:
        made.extend(chunks)
        return real(chunks, target, **kw)

    monkeypatch.setattr(pdf, "docx_to_one_pdf", spy)
    rows = list(families(5))
    write_csv(tmp_path / "rows.csv", HEADERS, rows)
    options = BatchOptions(data=tmp_path / "rows.csv", outdir=tmp_path / "out", documents=("giay-cong-nhan",),
                           mode="ca-hai", pdf=True, progress=False)  # fmt: skip
    run_batch(options)
    assert len(made) == 3
    merged = tmp_path / "out" / "giay_cong_nhan_tat_ca.pdf"
    assert pdf.page_count(merged) == 5
    pages = _text(merged).split("\f")
    for row, page in zip(rows, pages, strict=False):
        words = " ".join(page.split())  # long names wrap
        assert str(row[1]).upper() in words and "GIẤY CÔNG NHẬN" in words
    assert not list((tmp_path / "out").glob(f"{STAGING_PREFIX}*"))


def test_libreoffice_is_recycled_after_many_conversions(warm_pdf, rendered, monkeypatch):
    monkeypatch.setattr(warm, "RECYCLE_AFTER", 2)
    _, data = rendered[SAMPLE]
    with warm_pdf.worker() as worker:
        worker.ensure_started()
        worker.conversions = 0  # earlier tests used this worker
        worker.convert(data=data, timeout=60)
        first = worker.office_pids()
        worker.convert(data=data, timeout=60)  # the second one: LibreOffice quits after it
        assert not worker.alive
        assert QUOC_HIEU in _text(worker.convert(data=data, timeout=60))
        assert worker.office_pids() and not set(worker.office_pids()) & set(first)
