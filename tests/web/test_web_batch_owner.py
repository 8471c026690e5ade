"""Several `congvan web` servers on one database: a running batch belongs to the server that runs it.

A batch is marked interrupted only when its owner has stopped heart-beating for longer
than the limit (here a fraction of a second, so nothing sleeps long): at a server's start
and when a page shows it. On SQLite and on a real PostgreSQL (the `db` fixture).
"""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient
from web_helpers import certificate_rows

from congvan.errors import CongvanError
from congvan.register.db import database
from congvan.web import auth, routes_batch, store
from congvan.web.app import Settings, create_app
from congvan.web.routes_batch import INTERRUPTED
from register_fixtures import db, pg_server

__all__ = ["db", "pg_server"]  # fixtures

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "mat-khau-thu-nghiem"
LIMIT = 1.0  # seconds without a heartbeat before a batch counts as interrupted (beats every 1/4 s)
DEAD_OWNER = "may-da-tat/4242/20260101T000000/abcdef"


def _app(db: str, data_dir: Path, limit: float = LIMIT):  # type: ignore[no-untyped-def]
    return create_app(Settings(db=db, data_dir=data_dir, secret="s" * 48, han_nhip_s=limit))


def _client(app) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, follow_redirects=False)
    token = re.search(r'name="_csrf" value="([^"]+)"', client.get("/dang-nhap").text).group(1)
    r = client.post("/dang-nhap", data={"_csrf": token, "ten_dang_nhap": "vt", "mat_khau": PASSWORD})
    assert r.status_code == 303, r.text
    client.headers["x-csrf-token"] = re.search(r'name="_csrf" value="([^"]+)"', client.get("/in-loat").text).group(1)
    return client


def _upload(client: TestClient, sheet: Path) -> str:
    """Upload and check a sheet (with the batch's dot file); the batch id."""
    dot = ROOT / "records" / "batch" / "dot_2026.yaml"
    with sheet.open("rb") as data, dot.open("rb") as d:
        files = {"tep": (sheet.name, data, "text/csv"), "dot": (dot.name, d, "x")}
        r = client.post("/in-loat", data={"loai": "gia-dinh"}, files=files)
    assert r.status_code == 303, r.text
    batch_id = r.headers["location"].rsplit("/", 1)[1]
    page = client.get(f"/in-loat/{batch_id}").text
    mapping = {}  # the proposed mapping, as the page's selects hold it
    for m in re.finditer(r'<select id="cot-(\d+)" name="cot\.\d+">(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]+)" selected', m.group(2))
        if chosen:
            mapping[f"cot.{m.group(1)}"] = chosen.group(1)
    assert "ho_ten" in mapping.values(), page
    r = client.post(f"/in-loat/{batch_id}/kiem-tra", data=mapping)
    assert r.status_code == 200 and "0 dòng lỗi" in r.text, r.text
    return batch_id


def _row(db: str, batch_id: str) -> dict:
    with store.reading(db) as tx:
        return store.one(tx, "SELECT * FROM web_dot_in WHERE id = :i", {"i": batch_id})


def _left_running_by(db: str, batch_id: str, owner: str, beat_age_s: float) -> None:
    """As a server that started the batch and then went away (its last beat ``beat_age_s`` ago)."""
    with store.writing(db) as tx:
        store.update(
            tx,
            "web_dot_in",
            {"id": batch_id},
            {
                "trang_thai": "dang_chay",
                "chu": owner,
                "nhip_luc": store.now_precise() - timedelta(seconds=beat_age_s),
            },
        )


def _users(db: str) -> None:
    auth.tao_nguoi_dung(db, "vt", "Văn thư Thử", "van_thu", PASSWORD, boi="kiểm thử")


def test_a_second_server_starting_leaves_a_live_batch_and_ends_a_dead_one(db: str, tmp_path: Path, monkeypatch) -> None:
    _users(db)
    release, real_run = threading.Event(), routes_batch.run_batch

    def held_run(options):  # type: ignore[no-untyped-def]
        """The real batch run, held open until the test has looked (its length no race against the load)."""
        assert release.wait(120), "the test never let the run go on"
        return real_run(options)

    monkeypatch.setattr(routes_batch, "run_batch", held_run)
    data = tmp_path / "du-lieu"  # two servers behind one proxy share the data folder too
    first = _app(db, data)
    a = _client(first)
    live = _upload(a, certificate_rows(tmp_path / "song.csv", 30))
    dead = _upload(a, certificate_rows(tmp_path / "chet.csv", 3))
    _left_running_by(db, dead, DEAD_OWNER, beat_age_s=10 * LIMIT)
    assert a.post(f"/in-loat/{live}/chay").status_code == 303
    started = _row(db, live)
    assert started["trang_thai"] == "dang_chay" and started["chu"] == first.state.dot_in_owner.id
    time.sleep(2.5 * LIMIT)  # longer than the limit: only the heartbeat keeps the batch alive

    second = _app(db, data)  # the start of another server on the same database
    assert second.state.dot_in_owner.id != first.state.dot_in_owner.id
    row = _row(db, live)
    assert row["trang_thai"] == "dang_chay", row["thong_bao"]
    assert row["chu"] == first.state.dot_in_owner.id and row["nhip_luc"] > started["nhip_luc"]
    gone = _row(db, dead)
    assert gone["trang_thai"] == "loi" and gone["thong_bao"] == INTERRUPTED
    b = _client(second)
    shown = b.get(f"/in-loat/{live}").text  # the other server's page shows it running, not interrupted
    assert "đang chạy" in shown and "gián đoạn" not in shown
    assert "Đợt in bị gián đoạn" in b.get(f"/in-loat/{dead}").text

    release.set()
    deadline = time.monotonic() + 180
    while _row(db, live)["trang_thai"] == "dang_chay":
        assert time.monotonic() < deadline, "the batch did not finish"
        time.sleep(0.2)
    done = _row(db, live)
    assert done["trang_thai"] == "xong" and "30 dòng đúng" in done["thong_bao"], done["thong_bao"]


def test_a_batch_whose_owner_stopped_beating_is_interrupted_when_a_page_shows_it(db: str, tmp_path: Path) -> None:
    _users(db)
    app = _app(db, tmp_path / "du-lieu")
    client = _client(app)
    shown_alone, in_list = (_upload(client, certificate_rows(tmp_path / f"{n}.csv", 2)) for n in ("mot", "hai"))
    for batch_id in (shown_alone, in_list):  # fresh beats from a server that then stops
        _left_running_by(db, batch_id, DEAD_OWNER, beat_age_s=0)
    page = client.get(f"/in-loat/{shown_alone}").text
    assert "đang chạy" in page and _row(db, shown_alone)["trang_thai"] == "dang_chay"  # within the limit: alive
    time.sleep(1.5 * LIMIT)
    fragment = client.get(f"/in-loat/{shown_alone}/tien-do").text
    assert "Đợt in bị gián đoạn" in fragment and "dừng vì lỗi" in fragment
    row = _row(db, shown_alone)
    assert row["trang_thai"] == "loi" and row["thong_bao"] == INTERRUPTED
    listing = client.get("/in-loat").text
    assert _row(db, in_list)["trang_thai"] == "loi" and listing.count(">Lỗi<") == 2


def _web_version(db: str) -> str:
    with store.reading(db) as tx:
        return tx.scalar("SELECT gia_tri FROM congvan_thong_tin WHERE khoa = 'web_schema_version'")


def _as_version_1(db: str) -> None:
    """Turn fresh web tables into what a version-1 server left: no owner, no heartbeat."""
    with store.writing(db) as tx:
        tx.execute("ALTER TABLE web_dot_in DROP COLUMN chu")
        tx.execute("ALTER TABLE web_dot_in DROP COLUMN nhip_luc")
        tx.execute("UPDATE congvan_thong_tin SET gia_tri = '1' WHERE khoa = 'web_schema_version'")
        store.insert(
            tx,
            "web_dot_in",
            {"id": "c" * 24, "nguoi": "vt", "trang_thai": "dang_chay", "loai": "gia-dinh", "ten_tep": "cu.csv",
             "anh_xa": "{}", "tong": 5, "da_xong": 0, "thong_bao": "", "tao_luc": store.now()},
            returning=None,
        )
    del database(db).web_tables_ready  # as a new process opening the old database


def test_web_tables_of_version_1_are_upgraded_in_place(db: str, tmp_path: Path) -> None:
    store.ensure(db)
    assert _web_version(db) == str(store.WEB_SCHEMA_VERSION) == "2"
    _as_version_1(db)
    _app(db, tmp_path / "du-lieu")
    assert _web_version(db) == "2"
    old = _row(db, "c" * 24)  # the upgrade kept the row; a version-1 batch has no heartbeat: interrupted
    assert old["ten_tep"] == "cu.csv" and old["chu"] is None
    assert old["trang_thai"] == "loi" and old["thong_bao"] == INTERRUPTED


def test_web_tables_of_a_newer_version_are_refused_in_vietnamese(db: str, tmp_path: Path) -> None:
    store.ensure(db)
    with store.writing(db) as tx:
        tx.execute("UPDATE congvan_thong_tin SET gia_tri = '9' WHERE khoa = 'web_schema_version'")
    del database(db).web_tables_ready
    with pytest.raises(CongvanError, match="phiên bản congvan mới hơn"):
        _app(db, tmp_path / "du-lieu")
