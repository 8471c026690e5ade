"""The whole job in a real Chromium: draft with live preview, review, issue, register, batch, a11y.

One server and one browser for the run (conftest session fixtures); screenshots of
the main pages go to output/web-screenshots/.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from web_helpers import ROOT, browser, certificate_rows, login, server, shot, web_on_postgres

from register_fixtures import pg_server

__all__ = ["browser", "pg_server", "server", "web_on_postgres"]  # session fixtures

from congvan.web import drafts

pytestmark = pytest.mark.xdist_group("web")

KE_HOACH = ROOT / "records" / "102-ke-hoach-trao-hoc-bong.yaml"


def _fill_plan(page) -> None:  # type: ignore[no-untyped-def]
    page.fill("#i-f-co_quan_ban_hanh-0-ten", "LIÊN ĐOÀN LAO ĐỘNG TỈNH BẾN TRE")
    page.fill("#i-f-co_quan_ban_hanh-0-viet_tat", "LĐLĐ")
    page.fill("#i-f-dia_danh", "Bến Tre")
    page.fill("#i-f-trich_yeu", "Tổ chức Tháng Công nhân năm 2026")
    page.fill("#i-f-noi_dung-0-__text", "Ban Thường vụ xây dựng kế hoạch tổ chức Tháng Công nhân như sau.")
    page.fill("#i-f-chu_ky-0-chuc_vu", "CHỦ TỊCH")
    page.fill("#i-f-chu_ky-0-ho_ten", "Nguyễn Văn An")
    page.fill("#i-f-noi_nhan-0", "Các công đoàn cơ sở")


def _preview_key(page) -> str:  # type: ignore[no-untyped-def]
    page.wait_for_selector("#xem-truoc .pages img", timeout=60_000)
    return page.get_attribute("#xem-truoc .pages", "data-key") or ""


def test_clerk_drafts_leader_reviews_clerk_issues(browser, server) -> None:
    ctx, page = login(browser, server, "chuyenvien")
    page.goto(server.url + "/ho-so/moi")
    page.select_option("#loai", "ke_hoach")
    page.click("text=Tạo hồ sơ")
    page.wait_for_selector("#hs-form")
    shot(page, "01-bieu-mau-trong")
    _fill_plan(page)
    # The last recipient must be "Lưu: VT, ...": the same message as the CLI, at the field and in the summary.
    page.wait_for_function("() => (document.querySelector('#e-f-noi_nhan-0') || {}).innerText.includes('Lưu')")
    message = page.inner_text("#e-f-noi_nhan-0 .msg")
    assert "Lưu" in message
    assert message in page.inner_text("#tom-tat-loi")
    shot(page, "02-loi-noi-nhan")
    page.click("button[value='add:f.noi_nhan']")
    page.wait_for_selector("#i-f-noi_nhan-1")
    page.fill("#i-f-noi_nhan-1", "Lưu: VT, TG.")
    first = _preview_key(page)
    assert "Hồ sơ hợp lệ" in page.inner_text("#tom-tat-loi")
    assert "THÁNG CÔNG NHÂN" in page.inner_text(".doc-text").upper()
    page.fill("#i-f-trich_yeu", "Tổ chức Tháng Công nhân và Tháng hành động năm 2026")
    page.wait_for_function(
        "k => (document.querySelector('#xem-truoc .pages') || {dataset: {}}).dataset.key !== k",
        arg=first,
        timeout=60_000,
    )
    assert "THÁNG HÀNH ĐỘNG" in page.inner_text(".doc-text").upper()
    shot(page, "03-xem-truoc")
    hid = _save_and_submit(page)
    ctx.close()
    _leader_approves(browser, server, hid, "04-duyet")
    symbol, data = _clerk_issues(browser, server, hid, "KH-LĐLĐ", "05-ban-hanh", "06-da-ban-hanh")
    _passes_format_rules(server, hid, symbol, data)


def _save_and_submit(page) -> int:  # type: ignore[no-untyped-def]
    """Save a version, submit for review; the draft's id."""
    page.click("#nut-luu")
    page.wait_for_selector("#da-luu")
    hid = int(page.get_attribute("#hs-form", "action").split("/")[2])
    page.click("#nut-trinh")
    page.wait_for_selector("text=Chờ duyệt")
    return hid


def _leader_approves(browser, server, hid: int, screenshot: str) -> None:  # type: ignore[no-untyped-def]
    ctx, page = login(browser, server, "lanhdao")
    page.goto(f"{server.url}/ho-so/{hid}/duyet")
    page.wait_for_selector(".pages img")
    shot(page, screenshot)
    page.fill("#y_kien", "Đồng ý.")
    page.click("#nut-dong-y")
    page.wait_for_selector("text=Đã duyệt")
    ctx.close()


def _clerk_issues(browser, server, hid: int, suffix: str, *screenshots: str) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    """A văn thư issues the approved draft; its number and the downloaded DOCX."""
    ctx, page = login(browser, server, "vanthu1")
    page.goto(f"{server.url}/ho-so/{hid}")
    page.click("#nut-ban-hanh")
    page.wait_for_selector("#so-tam")
    shot(page, screenshots[0])
    page.click("#nut-xac-nhan")
    page.wait_for_selector("#so-ky-hieu")
    symbol = page.inner_text("#so-ky-hieu strong")
    assert symbol.endswith("/" + suffix), symbol
    shot(page, screenshots[1])
    with page.expect_download() as got:
        page.click("#tai-docx")
    data = Path(got.value.path()).read_bytes()
    with page.expect_download() as got_pdf:
        page.click("#tai-pdf")
    assert Path(got_pdf.value.path()).read_bytes().startswith(b"%PDF")
    ctx.close()
    return symbol, data


def _passes_format_rules(server, hid: int, symbol: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    """The issued document is frozen, and its DOCX passes every format-rule check of the project."""
    import test_format_rules as rules
    from congvan.reading.docx import read_docx

    h = drafts.lay(server.db, hid)
    assert h.trang_thai == "da_ban_hanh" and h.so_ky_hieu == symbol
    with pytest.raises(Exception, match="không sửa được"):
        drafts.ghi_tam(server.db, hid, {"loai": h.loai}, "chuyenvien", phien_ban_moi=True)
    record, problems = drafts.validate(h.du_lieu)
    assert record is not None and not problems and record.so is not None
    doc = read_docx(data)
    assert any(symbol in text for text in doc.texts())
    checks = [
        f
        for n, f in vars(rules).items()
        if n.startswith("test_") and list(inspect.signature(f).parameters) == ["sample"]
    ]
    assert len(checks) >= 15
    for check in checks:
        check((record, doc))


GIAY_MOI = {
    "#i-f-co_quan_ban_hanh-0-ten": "LIÊN ĐOÀN LAO ĐỘNG TỈNH BẾN TRE",
    "#i-f-co_quan_ban_hanh-0-viet_tat": "LĐLĐ",
    "#i-f-dia_danh": "Bến Tre",
    "#i-f-trich_yeu": "Dự Hội nghị sơ kết công tác khuyến học năm 2026",
    "#i-f-ben_moi": "Ban Thường vụ Liên đoàn Lao động tỉnh Bến Tre",
    "#i-f-nguoi_duoc_moi": "Đồng chí Chủ tịch Công đoàn cơ sở Công ty An Phú",
    "#i-f-toi_du": "Hội nghị sơ kết công tác khuyến học sáu tháng đầu năm 2026",
    "#i-f-thoi_gian": "14 giờ 00 phút, thứ Sáu, ngày 17/7/2026",
    "#i-f-dia_diem": "Hội trường Liên đoàn Lao động tỉnh, số 5 đường Đồng Khởi",
    "#i-f-chu_ky-0-quyen_han": "TM",
    "#i-f-chu_ky-0-thay": "BAN THƯỜNG VỤ",
    "#i-f-chu_ky-0-chuc_vu": "PHÓ CHỦ TỊCH",
    "#i-f-chu_ky-0-ho_ten": "Nguyễn Thị Mai",
    "#i-f-noi_nhan-0": "Như trên",
}
GIAY_MOI_MORE = {  # optional fields: under "Các trường khác"
    "#i-f-chu_tri": "Đồng chí Chủ tịch Liên đoàn Lao động tỉnh",
    "#i-f-mang_theo": "báo cáo kết quả khuyến học của đơn vị",
}


def test_clerk_drafts_an_invitation_with_its_own_fields_and_issues_it(browser, server) -> None:
    """Giấy mời from the empty form: invitee, event, chair, time, place, what to bring; live preview; issued."""
    ctx, page = login(browser, server, "chuyenvien")
    page.goto(server.url + "/ho-so/moi")
    page.select_option("#loai", "giay_moi")
    page.click("text=Tạo hồ sơ")
    page.wait_for_selector("#i-f-ben_moi")
    for selector, value in GIAY_MOI.items():
        if selector.endswith("quyen_han"):
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.click("details.more-fields > summary")
    for selector, value in GIAY_MOI_MORE.items():
        page.fill(selector, value)
    page.click("button[value='add:f.noi_nhan']")
    page.wait_for_selector("#i-f-noi_nhan-1")
    page.fill("#i-f-noi_nhan-1", "Lưu: VT, TG.")
    _preview_key(page)
    page.wait_for_function("() => document.querySelector('.doc-text').innerText.includes('mang theo')")
    text = page.inner_text(".doc-text")
    for value in (
        "Công đoàn cơ sở Công ty An Phú",
        "sáu tháng đầu năm 2026",
        "Chủ tịch Liên đoàn",
        "17/7/2026",
        "số 5 đường Đồng Khởi",
        "báo cáo kết quả khuyến học",
    ):
        assert value in text, value
    assert "GIẤY MỜI" in text.upper()
    shot(page, "10-giay-moi-xem-truoc")
    hid = _save_and_submit(page)
    ctx.close()
    _leader_approves(browser, server, hid, "11-giay-moi-duyet")
    symbol, data = _clerk_issues(browser, server, hid, "GM-LĐLĐ", "12-giay-moi-ban-hanh", "13-giay-moi-da-ban-hanh")
    _passes_format_rules(server, hid, symbol, data)


def _approved(db: str, title: str) -> int:
    hid = drafts.nhap_yaml(db, KE_HOACH.read_text(encoding="utf-8").replace("trao học bổng", title), "chuyenvien")
    drafts.doi_trang_thai(db, hid, "cho_duyet", "chuyenvien", tu={"nhap"})
    drafts.doi_trang_thai(db, hid, "da_duyet", "lanhdao", tu={"cho_duyet"})
    return hid


def test_two_clerks_issue_at_the_same_moment_get_different_numbers(browser, server) -> None:
    first, second = _approved(server.db, "đợt một"), _approved(server.db, "đợt hai")
    c1, p1 = login(browser, server, "vanthu1")
    c2, p2 = login(browser, server, "vanthu2")
    p1.goto(f"{server.url}/ho-so/{first}/ban-hanh")
    p2.goto(f"{server.url}/ho-so/{second}/ban-hanh")
    assert p1.inner_text("#so-tam").split()[0] == p2.inner_text("#so-tam").split()[0]
    # Both submit before either response comes back.
    p1.evaluate("document.querySelector('#nut-xac-nhan').click()")
    p2.evaluate("document.querySelector('#nut-xac-nhan').click()")
    for page in (p1, p2):
        page.wait_for_selector("#so-ky-hieu, #bao-doi-so", timeout=60_000)
    noticed = [p for p in (p1, p2) if p.query_selector("#bao-doi-so")]
    assert len(noticed) == 1, "exactly one of the two must be told that the shown number was taken"
    shot(noticed[0], "07-so-da-bi-lay")
    assert "đã được người khác lấy" in noticed[0].inner_text("#bao-doi-so")
    noticed[0].click("#nut-xac-nhan")
    noticed[0].wait_for_selector("#so-ky-hieu")
    numbers = {drafts.lay(server.db, hid).so_ky_hieu for hid in (first, second)}
    assert len(numbers) == 2 and None not in numbers
    c1.close()
    c2.close()


def test_two_clerks_issue_at_the_same_moment_on_postgresql(browser, web_on_postgres) -> None:
    """`congvan web --db postgresql://…` (a real server process): the same race, the same outcome."""
    srv = web_on_postgres
    first, second = _approved(srv.db, "PG một"), _approved(srv.db, "PG hai")
    c1, p1 = login(browser, srv, "vanthu1")
    c2, p2 = login(browser, srv, "vanthu2")
    p1.goto(f"{srv.url}/ho-so/{first}/ban-hanh")
    p2.goto(f"{srv.url}/ho-so/{second}/ban-hanh")
    assert p1.inner_text("#so-tam").split()[0] == p2.inner_text("#so-tam").split()[0] == "01"
    p1.evaluate("document.querySelector('#nut-xac-nhan').click()")
    p2.evaluate("document.querySelector('#nut-xac-nhan').click()")
    for page in (p1, p2):
        page.wait_for_selector("#so-ky-hieu, #bao-doi-so", timeout=60_000)
    noticed = [p for p in (p1, p2) if p.query_selector("#bao-doi-so")]
    assert len(noticed) == 1, "exactly one of the two must be told that the shown number was taken"
    noticed[0].click("#nut-xac-nhan")
    noticed[0].wait_for_selector("#so-ky-hieu")
    numbers = sorted(drafts.lay(srv.db, hid).so_ky_hieu for hid in (first, second))
    assert [n.split("/", 1)[0] for n in numbers] == ["01", "02"] and len(set(numbers)) == 2, numbers
    from congvan.register import service

    rows = service.danh_sach(srv.db, drafts.lay(srv.db, first).nam)
    assert sorted(r.so for r in rows) == [1, 2] and {r.trang_thai for r in rows} == {"da_cap"}
    c1.close()
    c2.close()


def test_batch_upload_shows_bad_rows_before_anything_is_made(browser, server, tmp_path) -> None:
    ctx, page = login(browser, server, "vanthu1")
    page.goto(server.url + "/in-loat")
    page.set_input_files("#b-tep", str(ROOT / "records" / "batch" / "gia_dinh_loi.csv"))
    page.click("text=Tải lên")
    page.wait_for_selector("#nut-kiem-tra")
    bad_batch = page.url.rsplit("/", 1)[1]
    page.click("#nut-kiem-tra")
    page.wait_for_selector("#dong-loi")
    rows = page.query_selector_all("#dong-loi tbody tr")
    assert rows and all(r.query_selector_all("td")[0].inner_text().strip().isdigit() for r in rows)
    assert page.query_selector("#nut-chay") is None
    assert not (server.data_dir / "dot-in" / bad_batch / "ket-qua").exists()
    shot(page, "08-dong-loi")

    ctx.close()


def _upload_and_check(page, server, sheet: Path, expected: int) -> str:  # type: ignore[no-untyped-def]
    """Upload a sheet with the batch's dot file, keep the proposed column mapping, check it; the batch id."""
    page.goto(server.url + "/in-loat")
    page.set_input_files("#b-tep", str(sheet))
    page.set_input_files("#b-dot", str(ROOT / "records" / "batch" / "dot_2026.yaml"))
    page.click("text=Tải lên")
    page.wait_for_selector("#nut-kiem-tra")
    batch_id = page.url.rsplit("/", 1)[1]
    assert page.input_value("#cot-1") == "ho_ten"  # the mapping rules, shown as selects
    page.click("#nut-kiem-tra")
    assert f"{expected} dòng đúng, 0 dòng lỗi" in page.inner_text("#thong-ke")
    return batch_id


def _download(page, link: str) -> Path:  # type: ignore[no-untyped-def]
    with page.expect_download(timeout=60_000) as got:
        page.click(f"#tien-do a[href$='{link}']")
    return Path(got.value.path())


def test_a_2000_row_batch_and_a_second_batch_at_once_do_not_mix(browser, server, tmp_path) -> None:
    """2,000 certificates with a progress bar that survives reloads, while another person runs a batch too."""
    import zipfile

    from congvan.reading.docx import read_docx

    big = certificate_rows(tmp_path / "hai-nghin.csv", 2000, "Hộ Một")
    small = certificate_rows(tmp_path / "ba-muoi.csv", 30, "Nhà Hai")
    c1, p1 = login(browser, server, "vanthu1")
    c2, p2 = login(browser, server, "chuyenvien")
    first = _upload_and_check(p1, server, big, 2000)
    second = _upload_and_check(p2, server, small, 30)
    assert first != second
    with p1.expect_navigation():
        p1.click("#nut-chay")
    with p2.expect_navigation():
        p2.click("#nut-chay")
    seen = []
    for _ in range(600):  # reload while it runs: the bar is read back from what has been written
        p1.reload()
        bar = p1.wait_for_selector("#thanh-tien-do")
        assert bar.get_attribute("max") == "2000"
        seen.append(int(bar.get_attribute("value") or 0))
        if p1.query_selector("#tien-do a[href$='giay_cong_nhan.zip']"):
            break
        p1.wait_for_timeout(150)
    assert seen[-1] == 2000 and seen == sorted(seen), seen
    assert any(0 < v < 2000 for v in seen), seen  # it moved while we watched
    shot(p1, "09-in-loat-xong")
    p2.wait_for_selector("#tien-do a[href$='giay_cong_nhan.zip']", timeout=120_000)

    names = zipfile.ZipFile(_download(p1, "giay_cong_nhan.zip")).namelist()
    assert len(names) == 2000 and all("Hộ Một" in n for n in names)
    decision = " ".join(read_docx(_download(p1, "quyet_dinh_cong_nhan.docx").read_bytes()).texts())
    assert "Hộ Một 1" in decision and "Hộ Một 2000" in decision and "nhà hai" not in decision.lower()
    merged = " ".join(read_docx(_download(p1, "giay_cong_nhan_tat_ca.docx").read_bytes()).texts())
    assert merged.count("HỘ MỘT ") == 2000 and "NHÀ HAI" not in merged.upper()  # printed in capitals
    other = zipfile.ZipFile(_download(p2, "giay_cong_nhan.zip")).namelist()
    assert len(other) == 30 and all("Nhà Hai" in n for n in other)
    other_decision = " ".join(read_docx(_download(p2, "quyet_dinh_cong_nhan.docx").read_bytes()).texts())
    assert "Nhà Hai 30" in other_decision and "hộ một" not in other_decision.lower()
    assert p2.goto(f"{server.url}/in-loat/{first}").status == 403  # one person's batch is not another's
    c1.close()
    c2.close()


def _issued(server, hid: int) -> int:  # type: ignore[no-untyped-def]
    """Issue an approved draft without the browser (as the văn thư's action does)."""
    from datetime import date

    from congvan.web import images, issue

    h, today = drafts.lay(server.db, hid), date.today()
    shown = issue.so_tam(server.db, issue.record_for_issue(h, today), today)
    args = {"ngay": today, "nguoi": "Văn thư (kiểm thử)", "base_dir": images.folder(server.data_dir, hid)}
    result = issue.ban_hanh(server.db, h, so_da_thay=shown, **args)
    if not result.xong:
        issue.ban_hanh(server.db, h, so_da_thay=result.so, **args)
    assert drafts.lay(server.db, hid).trang_thai == "da_ban_hanh"
    return hid


def test_every_page_has_no_serious_accessibility_violation(browser, server, tmp_path) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    only = {
        "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
        "resultTypes": ["violations"],
    }
    hid = _approved(server.db, "kiểm tra truy cập")
    draft = drafts.nhap_yaml(server.db, KE_HOACH.read_text(encoding="utf-8"), "chuyenvien")
    invitation = drafts.nhap_yaml(
        server.db, (ROOT / "records" / "108-giay-moi-hoi-nghi.yaml").read_text("utf-8"), "chuyenvien"
    )
    issued = _issued(server, _approved(server.db, "đã ban hành"))
    with_pictures = {f"/ho-so/{draft}", f"/ho-so/{invitation}", f"/ho-so/{hid}", f"/ho-so/{issued}"}
    pages = {
        "chuyenvien": [
            "/",
            "/ho-so/moi",
            f"/ho-so/{draft}",
            f"/ho-so/{invitation}",
            "/so",
            "/so/nhiem-ky",
            "/in-loat",
            f"/ho-so/{hid}/ban-hanh",
        ],  # the last one: the refusal page
        "lanhdao": [f"/ho-so/{hid}/duyet", f"/ho-so/{hid}"],
        "vanthu1": [f"/ho-so/{hid}/ban-hanh", f"/ho-so/{issued}", "/so", "/so/nhiem-ky", "/in-loat"],
        "quantri": ["/tai-khoan", "/nhat-ky"],
    }
    found = {}
    ctx = browser.new_context()
    anon = ctx.new_page()
    anon.goto(server.url + "/dang-nhap")
    found["/dang-nhap"] = _serious(axe.run(anon, options=only))
    shot(anon, "trang-dang-nhap")
    ctx.close()
    for user, paths in pages.items():
        ctx, page = login(browser, server, user)
        for path in paths:
            page.goto(server.url + path)
            if path in with_pictures:
                page.wait_for_selector("#xem-truoc .pages img", timeout=60_000)
            found[f"{user} {path}"] = _serious(axe.run(page, options=only))
            shot(page, "trang-" + f"{user}{path}".replace("/", "-").rstrip("-"))
        if user == "vanthu1":  # a batch: its bad rows, then a finished run with its downloads
            page.goto(server.url + "/in-loat")
            page.set_input_files("#b-tep", str(ROOT / "records" / "batch" / "gia_dinh_loi.csv"))
            page.click("text=Tải lên")
            page.click("#nut-kiem-tra")
            page.wait_for_selector("#dong-loi")
            found["vanthu1 đợt in có dòng lỗi"] = _serious(axe.run(page, options=only))
            _upload_and_check(page, server, certificate_rows(tmp_path / "nam.csv", 5, "Hộ Kiểm"), 5)
            with page.expect_navigation():
                page.click("#nut-chay")
            page.wait_for_selector("#tien-do a[href$='giay_cong_nhan.zip']", timeout=60_000)
            found["vanthu1 đợt in xong"] = _serious(axe.run(page, options=only))
        ctx.close()
    bad = {k: v for k, v in found.items() if v}
    assert not bad, bad


def _serious(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in result.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def test_clerk_lists_and_enters_the_terms_of_a_party_register(browser, server) -> None:
    """The terms of a term register's body, and a văn thư entering them with the CLI's checks and words."""
    from congvan.register import service

    service.tao_so_dang_ky(server.db, "ĐU-XA", co_quan="ĐUX", chu_ky="nhiem_ky", nguoi="kiểm thử")
    ctx, page = login(browser, server, "vanthu1")
    page.goto(server.url + "/so")
    page.click("#lien-ket-nhiem-ky")
    page.select_option("#nk-so", "ĐU-XA")
    page.click("form[role=search] button[type=submit]")
    assert page.input_value("#nk-co_quan") == "ĐUX"  # the chosen register's body
    assert "Chưa có nhiệm kỳ nào" in page.inner_text("#ds-nhiem-ky")

    def enter(ma: str, tu: str, den: str = "") -> None:  # type: ignore[no-untyped-def]
        page.fill("#nk-ma", ma)
        page.fill("#nk-tu", tu)
        page.fill("#nk-den", den)
        with page.expect_navigation():
            page.click("#nut-nhap-nhiem-ky")

    enter("2020-2025", "2020-10-20")
    assert page.inner_text("#bao-nhiem-ky") == "Cơ quan ĐUX: nhiệm kỳ 2020-2025 (20/10/2020 – nay)."
    enter("2025-2030", "2025-10-15")  # the open term ends the day before the new one starts
    rows = [r.inner_text().split("\t") for r in page.query_selector_all("#ds-nhiem-ky tbody tr")]
    assert [r[:4] for r in rows] == [
        ["ĐUX", "2020-2025", "20/10/2020", "14/10/2025"],
        ["ĐUX", "2025-2030", "15/10/2025", "nay (đóng khi nhập nhiệm kỳ sau)"],
    ], rows
    assert rows[0][4] == "ĐU-XA"
    enter("2030-2035", "2030-10-20", "2030-01-01")  # the service's own checks and Vietnamese words
    assert "nhiệm kỳ 2030-2035: ngày kết thúc 01/01/2030 trước ngày bắt đầu 20/10/2030" in page.inner_text(
        ".error-box"
    )
    enter("2025-2030", "2025-11-01")
    assert "cơ quan ĐUX đã có nhiệm kỳ 2025-2030 (15/10/2025 – nay)" in page.inner_text(".error-box")
    shot(page, "16-nhiem-ky-loi")
    assert (page.input_value("#nk-ma"), page.input_value("#nk-tu")) == ("2025-2030", "2025-11-01")  # kept
    assert [t.ma for t in service.danh_sach_nhiem_ky(server.db, "ĐUX")] == ["2020-2025", "2025-2030"]
    page.goto(server.url + "/so/nhiem-ky?so=ĐU-XA")
    shot(page, "15-nhiem-ky")
    ctx.close()
    ctx, page = login(browser, server, "chuyenvien")  # everyone sees the terms; only the văn thư enters them
    page.goto(server.url + "/so/nhiem-ky?so=ĐU-XA")
    assert "2025-2030" in page.inner_text("#ds-nhiem-ky") and page.query_selector("#nut-nhap-nhiem-ky") is None
    ctx.close()


def test_unsigned_and_wrong_role_in_the_browser(browser, server) -> None:
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(server.url + "/so")
    assert "/dang-nhap" in page.url
    ctx.close()
    hid = _approved(server.db, "quyền")
    ctx, page = login(browser, server, "chuyenvien")
    response = page.goto(f"{server.url}/ho-so/{hid}/ban-hanh")
    assert response.status == 403 and "không có quyền" in page.inner_text("main")
    ctx.close()


#: The preview's first page image has been loaded and decoded (complete alone is true for a failed load too).
_IMAGE_DECODED = (
    "() => { const i = document.querySelector('#xem-truoc .pages img');"
    " return !!i && i.complete && i.naturalWidth > 0; }"
)
_RED_PIXELS = """img => {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] > 170 && d[i + 1] < 90 && d[i + 2] < 90) n++;
  return n;
}"""


def test_seal_image_uploaded_in_the_form_shows_in_the_preview(browser, server) -> None:
    """A seal chosen in the form is stored in the draft's folder and drawn on the preview page."""
    from test_web_api import _png

    from congvan.web import images

    invitation = (ROOT / "records" / "108-giay-moi-hoi-nghi.yaml").read_text("utf-8")
    hid = drafts.nhap_yaml(server.db, invitation, "chuyenvien")
    ctx, page = login(browser, server, "chuyenvien")
    page.goto(f"{server.url}/ho-so/{hid}")
    before = _preview_key(page)
    page.wait_for_function(_IMAGE_DECODED)  # the <img> exists before its pixels do
    red = page.eval_on_selector("#xem-truoc .pages img", _RED_PIXELS)
    assert red < 50, red  # a black-and-white page: no seal yet
    seal = {"name": "con-dau.png", "mimeType": "image/png", "buffer": _png(160, 160, (220, 0, 0, 255))}
    page.set_input_files("#i-f-chu_ky-0-anh_dau-tep", seal)
    page.wait_for_selector("#i-f-chu_ky-0-anh_dau-tep ~ button[value='clear:f.chu_ky.0.anh_dau']")
    page.wait_for_function(
        "k => (document.querySelector('#xem-truoc .pages') || {dataset: {}}).dataset.key !== k",
        arg=before,
        timeout=60_000,
    )
    page.wait_for_function(_IMAGE_DECODED)
    red = page.eval_on_selector("#xem-truoc .pages img", _RED_PIXELS)
    assert red > 1000, red  # ~35 mm of red at 80 dpi
    stored = drafts.lay(server.db, hid).du_lieu["chu_ky"][0]["anh_dau"]
    assert (images.folder(server.data_dir, hid) / stored).is_file()
    shot(page, "14-anh-dau")
    page.click("button[value='clear:f.chu_ky.0.anh_dau']")
    page.wait_for_function("() => !document.querySelector('img.thumb')")
    assert "anh_dau" not in drafts.lay(server.db, hid).du_lieu["chu_ky"][0]
    ctx.close()
