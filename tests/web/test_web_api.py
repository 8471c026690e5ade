"""Rights, CSRF, rate limit, uploads, drafts and YAML round trips, through the HTTP API (no browser)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from congvan.web import auth, drafts
from congvan.web.app import Settings, create_app

ROOT = Path(__file__).resolve().parents[2]
RECORDS = sorted((ROOT / "records").glob("*.yaml"))
PASSWORD = "mat-khau-thu-nghiem"
pytestmark = pytest.mark.xdist_group("web-api")


@pytest.fixture(scope="module")
def app_db(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("api")
    db = str(folder / "so.sqlite3")
    for name, role in [("cv", "chuyen_vien"), ("ld", "lanh_dao"), ("vt", "van_thu"), ("qt", "quan_tri")]:
        auth.tao_nguoi_dung(db, name, f"Người {name}", role, PASSWORD, boi="kiểm thử")
    return create_app(Settings(db=db, data_dir=folder / "du-lieu", secret="s" * 48)), db


def _csrf(html: str) -> str:
    return re.search(r'name="_csrf" value="([^"]+)"', html).group(1)


def _client(app_db, name: str | None) -> tuple[TestClient, str]:
    client = TestClient(app_db[0], follow_redirects=False)
    token = _csrf(client.get("/dang-nhap").text)
    if name:
        r = client.post("/dang-nhap", data={"_csrf": token, "ten_dang_nhap": name, "mat_khau": PASSWORD})
        assert r.status_code == 303, r.text
        token = _csrf(client.get("/ho-so/moi" if name != "qt" else "/tai-khoan").text)
    return client, token


def test_not_signed_in_is_sent_to_login(app_db) -> None:
    client = TestClient(app_db[0], follow_redirects=False)
    for path in ("/", "/so", "/in-loat", "/tai-khoan", "/ho-so/1", "/ho-so/1/docx"):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/dang-nhap"), path
    r = client.post("/ho-so/moi", data={"loai": "ke_hoach"})
    assert r.status_code in (303, 403)


def test_forged_post_without_csrf_is_refused(app_db) -> None:
    client, token = _client(app_db, "cv")
    r = client.post("/ho-so/moi", data={"loai": "ke_hoach"})
    assert r.status_code == 403 and "giả mạo" in r.text
    r = client.post("/ho-so/moi", data={"loai": "ke_hoach", "_csrf": "sai" + token})
    assert r.status_code == 403
    r = client.post("/ho-so/moi", data={"loai": "ke_hoach", "_csrf": token})
    assert r.status_code == 303


def test_roles_are_enforced(app_db) -> None:
    _, db = app_db
    hid = drafts.nhap_yaml(db, RECORDS[-1].read_text(encoding="utf-8"), "cv")
    drafts.doi_trang_thai(db, hid, "cho_duyet", "cv", tu={"nhap"})
    drafts.doi_trang_thai(db, hid, "da_duyet", "ld", tu={"cho_duyet"})
    cv, token = _client(app_db, "cv")
    r = cv.post(f"/ho-so/{hid}/ban-hanh", data={"_csrf": token, "so_tam": "1"})
    assert r.status_code == 403 and "không có quyền" in r.text
    assert cv.get("/tai-khoan").status_code == 403
    assert cv.post("/so/giu", data={"_csrf": token, "co_quan": "X"}).status_code == 403
    vt, vt_token = _client(app_db, "vt")
    assert vt.post(f"/ho-so/{hid}/duyet", data={"_csrf": vt_token, "hanh_dong": "duyet"}).status_code == 403
    assert drafts.lay(db, hid).trang_thai == "da_duyet"


def test_login_is_rate_limited(app_db) -> None:
    client = TestClient(app_db[0], follow_redirects=False)
    token = _csrf(client.get("/dang-nhap").text)
    codes = [
        client.post("/dang-nhap", data={"_csrf": token, "ten_dang_nhap": "ld", "mat_khau": "sai-mat-khau"}).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    r = client.post("/dang-nhap", data={"_csrf": token, "ten_dang_nhap": "ld", "mat_khau": PASSWORD})
    assert r.status_code == 429 and "thử lại sau" in r.text


def test_upload_limits(app_db) -> None:
    client, token = _client(app_db, "cv")
    r = client.post(
        "/ho-so/nhap-yaml", data={"_csrf": token}, files={"tep": ("x.exe", b"MZ", "application/octet-stream")}
    )
    assert r.status_code == 400 and ".yaml" in r.text
    big = b"a: " + b"x" * (21 * 1024 * 1024)
    r = client.post("/ho-so/nhap-yaml", data={"_csrf": token}, files={"tep": ("x.yaml", big, "application/x-yaml")})
    assert r.status_code == 413
    r = client.post(
        "/in-loat",
        data={"_csrf": token, "loai": "gia-dinh"},
        files={"tep": ("../../thoat.csv", b"Ho ten\nA\n", "text/csv")},
    )
    assert r.status_code == 303
    folder = app_db[0].state.settings.data_dir / "dot-in"
    assert not (folder.parent.parent / "thoat.csv").exists()
    assert all(p.name.startswith("du-lieu.") for d in folder.iterdir() for p in d.iterdir())


@pytest.mark.parametrize("path", RECORDS, ids=[p.stem for p in RECORDS])
def test_yaml_import_export_round_trips_exactly(app_db, path: Path) -> None:
    client, token = _client(app_db, "cv")
    text = path.read_text(encoding="utf-8")
    r = client.post("/ho-so/nhap-yaml", data={"_csrf": token}, files={"tep": (path.name, text.encode(), "x")})
    assert r.status_code == 303
    hid = int(r.headers["location"].rsplit("/", 1)[1])
    assert client.get(f"/ho-so/{hid}/yaml").text == text


def test_form_yaml_round_trip_and_versions(app_db) -> None:
    """A draft made in the form exports YAML that imports back to the same record and bytes."""
    _, db = app_db
    data = yaml.safe_load((ROOT / "records" / "102-ke-hoach-trao-hoc-bong.yaml").read_text(encoding="utf-8"))
    data = drafts._jsonable(data)
    hid = drafts.tao(db, "ke_hoach", "cv")
    h, problems = drafts.ghi_tam(db, hid, data, "cv", phien_ban_moi=True)
    assert not problems and h.phien_ban == 1
    exported = drafts.xuat_yaml(h)
    again = drafts.lay(db, drafts.nhap_yaml(db, exported, "cv"))
    assert drafts.xuat_yaml(again) == exported
    assert drafts.validate(again.du_lieu)[0] == drafts.validate(data)[0]
    broken = dict(data, noi_nhan=["UBND tỉnh"])
    h, problems = drafts.ghi_tam(db, hid, broken, "cv", phien_ban_moi=True)
    assert problems and h.phien_ban == 2 and h.so_loi == len(problems)  # saved even with errors
    assert drafts.lay(db, hid).du_lieu["noi_nhan"] == ["UBND tỉnh"]


def test_list_search_is_accent_insensitive_and_clone(app_db) -> None:
    client, token = _client(app_db, "cv")
    _, db = app_db
    hid = drafts.nhap_yaml(db, (ROOT / "records" / "102-ke-hoach-trao-hoc-bong.yaml").read_text(encoding="utf-8"), "cv")
    title = drafts.lay(db, hid).tieu_de
    word = title.split()[-1]
    from congvan.register.fold import khoa_tim_kiem

    r = client.get("/", params={"q": khoa_tim_kiem(word).upper(), "loai": "ke_hoach", "tac_gia": "cv"})
    assert f'href="/ho-so/{hid}"' in r.text
    r = client.get("/", params={"q": "khongcochu"})
    assert f'href="/ho-so/{hid}"' not in r.text
    r = client.post(f"/ho-so/{hid}/nhan-ban", data={"_csrf": token})
    clone = drafts.lay(db, int(r.headers["location"].rsplit("/", 1)[1]))
    assert clone.id != hid and clone.tieu_de == title and "ngay_ban_hanh" not in clone.du_lieu


def test_typed_text_is_escaped(app_db) -> None:
    client, _token = _client(app_db, "cv")
    _, db = app_db
    hid = drafts.tao(db, "cong_van", "cv", {"loai": "cong_van", "trich_yeu": "<script>alert(1)</script>"})
    page = client.get(f"/ho-so/{hid}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_issue_takes_the_number_and_freezes(app_db) -> None:
    _, db = app_db
    hid = drafts.nhap_yaml(db, (ROOT / "records" / "102-ke-hoach-trao-hoc-bong.yaml").read_text(encoding="utf-8"), "cv")
    drafts.doi_trang_thai(db, hid, "cho_duyet", "cv", tu={"nhap"})
    drafts.doi_trang_thai(db, hid, "da_duyet", "ld", tu={"cho_duyet"})
    vt, token = _client(app_db, "vt")
    shown = re.search(r'name="so_tam" value="(\d+)"', vt.get(f"/ho-so/{hid}/ban-hanh").text).group(1)
    r = vt.post(f"/ho-so/{hid}/ban-hanh", data={"_csrf": token, "so_tam": str(int(shown) + 5)})
    assert r.status_code == 200 and "đã được người khác lấy" in r.text  # the shown number differs: say so first
    assert drafts.lay(db, hid).trang_thai == "da_duyet"
    got = re.search(r'name="so_tam" value="(\d+)"', r.text).group(1)
    assert vt.post(f"/ho-so/{hid}/ban-hanh", data={"_csrf": token, "so_tam": got}).status_code == 303
    h = drafts.lay(db, hid)
    assert h.trang_thai == "da_ban_hanh" and h.so_ky_hieu.startswith(f"{int(got):02d}/")
    from congvan.register import service

    rows = [d for d in service.danh_sach(db, h.nam) if d.so_ky_hieu == h.so_ky_hieu]
    assert len(rows) == 1 and rows[0].trang_thai == "da_cap"
    assert any(e["nguoi"] == "Người vt (vt)" for e in service.nhat_ky(db))  # the signed-in person is audited
    assert vt.get(f"/ho-so/{hid}/docx").content[:2] == b"PK"
    cv, cv_token = _client(app_db, "cv")
    r = cv.post(f"/ho-so/{hid}/luu", data={"_csrf": cv_token, "f.trich_yeu": "đổi"})
    assert r.status_code == 400 and "không sửa được" in r.text


def _png(width: int, height: int, rgba: tuple[int, int, int, int]) -> bytes:
    """A solid-colour RGBA PNG written by hand (no imaging library needed)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(rgba) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_image_upload_is_checked_and_kept_in_the_drafts_folder(app_db) -> None:
    """Signature/seal uploads: type by content, size limit, stored under a hash name in the draft's folder only."""
    from congvan.web import images

    client, token = _client(app_db, "cv")
    _, db = app_db
    data_dir = app_db[0].state.settings.data_dir
    hid = drafts.nhap_yaml(db, (ROOT / "records" / "108-giay-moi-hoi-nghi.yaml").read_text(encoding="utf-8"), "cv")
    from congvan.web import forms

    h = drafts.lay(db, hid)
    fields = [*forms.posted_fields(h.loai, h.du_lieu), ("_csrf", token)]

    def send(name: str, blob: bytes, field: str = "f.chu_ky.0.anh_dau"):  # type: ignore[no-untyped-def]
        files = {f"{field}.__tep": (name, blob, "image/png")}
        return client.post(f"/ho-so/{hid}/anh", data=dict(fields), files=files)

    r = send("dau.png", b"MZ\x90\x00 not an image")
    assert r.status_code == 200 and "chỉ nhận ảnh PNG hoặc JPEG" in r.text and "dau.png" in r.text
    r = send("to.png", b"\x89PNG\r\n\x1a\n" + b"0" * (images.MAX_IMAGE + 10))
    assert "ảnh quá lớn" in r.text
    r = send("../../../thoat.png", _png(40, 40, (220, 0, 0, 255)))
    assert r.status_code == 200, r.text
    stored = drafts.lay(db, hid).du_lieu["chu_ky"][0]["anh_dau"]
    assert images.SAFE_NAME.fullmatch(stored)
    written = [p for p in data_dir.rglob("*") if p.is_file() and p.suffix == ".png"]
    assert written == [images.folder(data_dir, hid) / stored]  # nothing under the uploaded name, nowhere else
    assert not (data_dir.parent / "thoat.png").exists()
    assert client.get(f"/ho-so/{hid}/anh/{stored}").content == _png(40, 40, (220, 0, 0, 255))
    assert client.get(f"/ho-so/{hid}/anh/..%2F..%2Fso.sqlite3").status_code == 404
    r = send("x.png", _png(4, 4, (0, 0, 0, 255)), field="f.trich_yeu")
    assert r.status_code == 400
    docx = client.get(f"/ho-so/{hid}/docx").content
    import zipfile
    from io import BytesIO

    assert any(n.startswith("word/media/") for n in zipfile.ZipFile(BytesIO(docx)).namelist())


def test_an_image_path_from_yaml_is_a_problem_not_a_file_read(app_db) -> None:
    """An imported record naming a file on the server's disk is refused at that field; nothing is read."""
    client, _token = _client(app_db, "cv")
    _, db = app_db
    text = (ROOT / "records" / "108-giay-moi-hoi-nghi.yaml").read_text(encoding="utf-8")
    text = text.replace("    ho_ten: Nguyễn Thị Mai", "    ho_ten: Nguyễn Thị Mai\n    anh_chu_ky: ../../so.sqlite3")
    hid = drafts.nhap_yaml(db, text, "cv")
    record, problems = drafts.validate(drafts.lay(db, hid).du_lieu)
    assert record is None and any(p.field == "chu_ky[0].anh_chu_ky" for p in problems)
    r = client.get(f"/ho-so/{hid}/docx")
    assert r.status_code == 400 and "tải lên trong biểu mẫu" in r.text


def test_audit_page_names_the_person_and_the_action_in_words(app_db) -> None:
    _, db = app_db
    drafts.tao(db, "ke_hoach", "cv")
    qt, _ = _client(app_db, "qt")
    page = qt.get("/nhat-ky").text
    assert "<td>Đăng nhập</td>" in page and "<td>Tạo hồ sơ</td>" in page and "loại: ke_hoach" in page
    assert "<td>dang_nhap</td>" not in page and "tao_ho_so" not in page


def test_times_are_stored_in_utc_and_shown_in_the_offices_zone(app_db, monkeypatch) -> None:
    """19:05 UTC on 1/12 is 02:05 on 2/12 in Hà Nội: the audit page and the versions list show that."""
    from datetime import datetime

    from congvan.errors import CongvanError
    from congvan.web import store

    app, db = app_db
    utc = datetime(2026, 12, 1, 19, 5, 0)
    with store.writing(db) as tx:
        store.insert(tx, "web_nhat_ky", {"luc": utc, "nguoi": "qt", "hanh_dong": "dang_nhap", "noi_dung": "{}"})
    hid = drafts.tao(db, "ke_hoach", "cv")
    drafts.ghi_tam(db, hid, {"loai": "ke_hoach"}, "cv", phien_ban_moi=True)
    with store.writing(db) as tx:
        store.update(tx, "web_phien_ban", {"ho_so_id": hid}, {"luc": utc})
    with store.reading(db) as tx:  # stored as UTC, untouched
        assert store.one(tx, "SELECT luc FROM web_phien_ban WHERE ho_so_id = :i", {"i": hid})["luc"] == utc

    assert app.state.settings.mui_gio == "Asia/Ho_Chi_Minh"
    qt, _ = _client(app_db, "qt")
    audit = qt.get("/nhat-ky").text
    assert "<td>02:05 02/12/2026</td>" in audit and "2026-12-01" not in audit
    cv, _ = _client(app_db, "cv")
    assert "· 02:05 02/12/2026" in cv.get(f"/ho-so/{hid}").text

    monkeypatch.setenv("CONGVAN_MUI_GIO", "Europe/London")  # another office: the setting, not code
    london = (create_app(Settings(db=db, data_dir=app.state.settings.data_dir, secret="s" * 48)), db)
    assert "<td>19:05 01/12/2026</td>" in _client(london, "qt")[0].get("/nhat-ky").text
    monkeypatch.setenv("CONGVAN_MUI_GIO", "Sao/Hoa")
    with pytest.raises(CongvanError, match="CONGVAN_MUI_GIO='Sao/Hoa': không có múi giờ này"):
        create_app(Settings(db=db, data_dir=app.state.settings.data_dir, secret="s" * 48))


def test_only_the_register_keeper_enters_a_term_and_dates_are_checked(app_db) -> None:
    from congvan.register import service

    _, db = app_db
    cv, cv_token = _client(app_db, "cv")
    form = {"co_quan": "ĐUAPI", "ma": "2025-2030", "tu_ngay": "2025-10-15"}
    r = cv.post("/so/nhiem-ky", data={"_csrf": cv_token, **form})
    assert r.status_code == 403 and "không có quyền" in r.text
    assert cv.get("/so/nhiem-ky").status_code == 200
    vt, token = _client(app_db, "vt")
    for bad, words in (
        ({"tu_ngay": "31/02/2026"}, "ô &#39;Từ ngày&#39;: ngày không hợp lệ"),
        ({"tu_ngay": ""}, "ô &#39;Từ ngày&#39;: cần ngày bắt đầu nhiệm kỳ"),
        ({"co_quan": "đu x"}, "tên viết tắt cơ quan không hợp lệ"),
        ({"ma": " "}, "tên nhiệm kỳ không được để trống"),
    ):
        r = vt.post("/so/nhiem-ky", data={"_csrf": token, **form, **bad})
        assert r.status_code == 400 and words in r.text, (bad, r.text)
    assert service.danh_sach_nhiem_ky(db, "ĐUAPI") == []
    r = vt.post("/so/nhiem-ky", data={"_csrf": token, **form, "den_ngay": "14/10/2030"})
    assert r.status_code == 200 and "Cơ quan ĐUAPI: nhiệm kỳ 2025-2030 (15/10/2025 – 14/10/2030)." in r.text
    [term] = service.danh_sach_nhiem_ky(db, "ĐUAPI")
    assert (term.tu_ngay.isoformat(), term.den_ngay.isoformat()) == ("2025-10-15", "2030-10-14")


def test_the_issue_date_is_the_offices_today_not_the_servers(app_db) -> None:
    """UTC+14 and UTC-11 are never on the same day: each office's issue page shows its own today."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    app, db = app_db
    hid = drafts.nhap_yaml(db, (ROOT / "records" / "102-ke-hoach-trao-hoc-bong.yaml").read_text(encoding="utf-8"), "cv")
    drafts.doi_trang_thai(db, hid, "cho_duyet", "cv", tu={"nhap"})
    drafts.doi_trang_thai(db, hid, "da_duyet", "ld", tu={"cho_duyet"})
    shown = {}
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        office = create_app(Settings(db=db, data_dir=app.state.settings.data_dir, secret="s" * 48, mui_gio=zone))
        before = datetime.now(ZoneInfo(zone)).date()
        page = _client((office, db), "vt")[0].get(f"/ho-so/{hid}/ban-hanh").text
        after = datetime.now(ZoneInfo(zone)).date()
        shown[zone] = re.search(r"<dd>(\d\d/\d\d/\d{4}) \(hôm nay\)</dd>", page).group(1)
        assert shown[zone] in {f"{before:%d/%m/%Y}", f"{after:%d/%m/%Y}"}, (zone, shown[zone])
    assert len(set(shown.values())) == 2, shown
