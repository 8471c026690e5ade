"""Register API: allocation, states, search, years; each test on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from congvan.errors import CongvanError
from congvan.register import service
from congvan.register.db import database
from register_fixtures import *  # noqa: F403 - fixtures db, pg_server
from register_fixtures import reserve, take


def test_numbers_run_in_order_with_full_symbol(db: str) -> None:
    first = take(db)
    second = take(db, ma_loai=None, don_vi="VP", trich_yeu="V/v họp")
    assert (first.so, first.nam, first.so_ky_hieu, first.moi) == (1, 2026, "01/KH-LĐLĐ", True)
    assert second.so_ky_hieu == "02/LĐLĐ-VP"
    assert first.so_dang_ky == second.so_dang_ky == "LĐLĐ-chung"  # auto-created shared series


def test_joint_document_numbered_from_lead_body(db: str) -> None:
    take(db)
    joint = take(db, ma_loai="KHPH", co_quan_phoi_hop=["HKH"], trich_yeu="Phối hợp khuyến học")
    assert joint.so_ky_hieu == "02/KHPH-LĐLĐ-HKH"
    assert service.danh_sach_so_dang_ky(db)[0].co_quan_viet_tat == "LĐLĐ"
    assert len(service.danh_sach_so_dang_ky(db)) == 1  # the partner's register is untouched


def test_same_key_gives_same_number(db: str) -> None:
    a = take(db, khoa="records/kh-05.yaml")
    take(db)
    again = take(db, khoa="records/kh-05.yaml")
    assert (again.so, again.so_ky_hieu, again.moi) == (a.so, a.so_ky_hieu, False)
    assert [r.so for r in service.danh_sach(db, 2026)] == [1, 2]


def test_reserve_confirm_and_void(db: str) -> None:
    held = reserve(db, nguoi="vt")
    assert held.trang_thai == "giu"
    with pytest.raises(CongvanError, match="chưa có trích yếu"):
        service.xac_nhan(db, held.so_ky_hieu, nam=2026)
    done = service.xac_nhan(db, held.so_ky_hieu, nam=2026, trich_yeu="Khen thưởng", nguoi="vt")
    assert done.trang_thai == "da_cap"
    with pytest.raises(CongvanError, match="đã được cấp"):
        service.xac_nhan(db, held.so_ky_hieu, nam=2026)

    voided = service.huy_so(db, "1", nam=2026, ly_do="Ký nhầm", nguoi="vt")
    assert (voided.trang_thai, voided.ly_do_huy) == ("huy", "Ký nhầm")
    nxt = take(db)
    assert nxt.so == 2  # the voided number is never handed out again
    rows = service.danh_sach(db, 2026)
    assert [(r.so, r.trang_thai) for r in rows] == [(1, "huy"), (2, "da_cap")]
    with pytest.raises(CongvanError, match="lý do"):
        service.huy_so(db, "2", nam=2026, ly_do="  ")
    actions = [e["hanh_dong"] for e in service.nhat_ky(db)]
    assert actions == ["tao_so", "giu_so", "xac_nhan", "huy_so", "cap_so"]
    assert service.nhat_ky(db)[1]["nguoi"] == "vt"


def test_voided_key_can_take_a_fresh_number(db: str) -> None:
    a = take(db, khoa="k1")
    service.huy_so(db, a.so_ky_hieu, nam=2026, ly_do="Sai thể thức")
    b = take(db, khoa="k1")
    assert (b.so, b.moi) == (2, True)


def test_cap_with_reserved_key_confirms_it(db: str) -> None:
    held = reserve(db, ma_loai="KH", trich_yeu="Dự thảo", khoa="k2")
    issued = take(db, khoa="k2")
    assert (issued.so, issued.moi, issued.trang_thai) == (held.so, False, "da_cap")


def test_search_ignores_accents_and_case(db: str) -> None:
    take(db, trich_yeu="Tổ chức Tháng Công nhân năm 2026")
    take(db, trich_yeu="Đại hội Công đoàn cơ sở")
    take(db, trich_yeu="Hội nghị 50% cán bộ_chủ chốt")
    assert [r.so for r in service.tim(db, "thang cong nhan")] == [1]
    assert [r.so for r in service.tim(db, "DAI HOI")] == [2]
    assert [r.so for r in service.tim(db, "công")] == [1, 2]
    assert [r.so for r in service.tim(db, "50%")] == [3]
    assert [r.so for r in service.tim(db, "%")] == [3]  # LIKE wildcards are literal
    assert service.tim(db, "n_m") == []
    assert service.tim(db, "khong co") == []


def test_year_boundary_uses_document_date(db: str) -> None:
    a = take(db, ngay=date(2025, 12, 31))
    b = take(db, ngay=date(2026, 1, 1))
    c = take(db, ngay=date(2025, 12, 31))
    assert [(r.nam, r.so) for r in (a, b, c)] == [(2025, 1), (2026, 1), (2025, 2)]
    assert [r.so for r in service.danh_sach(db, 2025)] == [1, 2]


def test_closed_year_refuses_takes(db: str) -> None:
    take(db, ngay=date(2025, 12, 30))
    summary = service.khoa_nam(db, 2025, so_dang_ky="LĐLĐ-chung")
    assert (summary.so_dong, summary.so_cuoi) == (1, 1)
    with pytest.raises(CongvanError, match=r"năm 2025 .* đã khóa sổ"):
        take(db, ngay=date(2025, 12, 31))
    with pytest.raises(CongvanError, match="đã khóa sổ"):
        service.huy_so(db, "1", nam=2025, ly_do="x")
    assert take(db, ngay=date(2026, 1, 2)).so == 1
    assert [r.so for r in service.danh_sach(db, 2025)] == [1]


def test_cannot_close_year_with_reservations(db: str) -> None:
    reserve(db, ma_loai="KH", ngay=date(2025, 5, 1))
    with pytest.raises(CongvanError, match="đang giữ"):
        service.khoa_nam(db, 2025)


def test_secret_series_is_separate(db: str) -> None:
    take(db)
    take(db)
    secret = take(db, mat=True, trich_yeu="Văn bản mật")
    assert (secret.so, secret.so_dang_ky) == (1, "LĐLĐ-mat")
    assert take(db).so == 3
    with pytest.raises(CongvanError, match="sổ mật"):
        take(db, so_dang_ky="LĐLĐ-chung", mat=True)


def test_per_type_series_and_register_checks(db: str) -> None:
    service.tao_so_dang_ky(db, "HKH-QD", co_quan="HKH", loai_series="QĐ")
    service.tao_so_dang_ky(db, "HKH-CV", co_quan="HKH", loai_series="CV")
    q = take(db, co_quan="HKH", ma_loai="QĐ")
    cv = take(db, co_quan="HKH", ma_loai=None, don_vi="VP")
    assert (q.so_ky_hieu, q.so_dang_ky) == ("01/QĐ-HKH", "HKH-QD")
    assert (cv.so_ky_hieu, cv.so_dang_ky) == ("01/HKH-VP", "HKH-CV")
    with pytest.raises(CongvanError, match="chưa có sổ cho loại 'KH'"):
        take(db, co_quan="HKH", ma_loai="KH")
    with pytest.raises(CongvanError, match="chỉ dành cho loại 'QĐ'"):
        take(db, so_dang_ky="HKH-QD", co_quan="HKH", ma_loai="KH")
    with pytest.raises(CongvanError, match="thuộc cơ quan HKH"):
        take(db, so_dang_ky="HKH-QD", co_quan="LĐLĐ", ma_loai="QĐ")
    with pytest.raises(CongvanError, match="không có sổ đăng ký 'KHONG'"):
        take(db, so_dang_ky="KHONG")
    with pytest.raises(CongvanError, match="đã có"):
        service.tao_so_dang_ky(db, "HKH-QD", co_quan="HKH", loai_series="KH")


def test_bad_input_is_a_vietnamese_error(db: str) -> None:
    with pytest.raises(CongvanError, match="viết hoa"):
        take(db, co_quan="lđlđ")
    with pytest.raises(CongvanError, match="trích yếu"):
        take(db, trich_yeu=" ")
    with pytest.raises(CongvanError, match="không tìm thấy số"):
        service.huy_so(db, "07/KH-LĐLĐ", nam=2026, ly_do="x")


def test_audit_log_is_append_only(db: str) -> None:
    take(db)
    with pytest.raises(Exception, match="chi duoc ghi them"), database(db).write() as tx:
        tx.execute("DELETE FROM nhat_ky")
    with pytest.raises(Exception, match="chi duoc ghi them"), database(db).write() as tx:
        tx.execute("UPDATE nhat_ky SET nguoi = 'x'")
    assert len(service.nhat_ky(db)) == 2


def test_duplicate_number_rejected_by_database(db: str) -> None:
    """The UNIQUE(register, year, number) backstop, independent of the counter."""
    r = take(db)
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), database(db).write() as tx:
        tx.execute(
            "INSERT INTO so_van_ban (so_dang_ky_id, nam, so, ky_hieu, so_ky_hieu, ngay, "
            "trang_thai, tao_luc, sua_luc) VALUES (:r, 2026, 1, 'KH-LĐLĐ', '01/KH-LĐLĐ', "
            "'2026-03-05', 'da_cap', '2026-03-05', '2026-03-05')",
            {"r": r.so_dang_ky_id},
        )


def test_printed_number_and_audit_agree_with_the_symbol_rules(db: str) -> None:
    """PostgreSQL writes the number as printed inside its one-statement take: it must be vi's."""
    from congvan.vi.so_ky_hieu import so_va_ky_hieu

    taken = [take(db) for _ in range(11)]
    party = [take(db, co_quan="ĐU", noi_so="-", hai_chu_so=False, noi_loai="/") for _ in range(10)]
    for got in taken + party:
        style = {"noi_so": "-", "hai_chu_so": False} if got in party else {}
        assert got.so_ky_hieu == so_va_ky_hieu(got.so, got.ky_hieu, **style)
    assert [t.so_ky_hieu for t in (taken[8], taken[9], party[0], party[9])] == [
        "09/KH-LĐLĐ", "10/KH-LĐLĐ", "1-KH/ĐU", "10-KH/ĐU",
    ]
    rows = {(r.so_dang_ky, r.so): r.so_ky_hieu for r in service.danh_sach(db, 2026)}
    assert rows == {(t.so_dang_ky, t.so): t.so_ky_hieu for t in taken + party}
    lines = [e for e in service.nhat_ky(db) if e["hanh_dong"] == "cap_so"]
    assert sorted((e["so_dang_ky_id"], e["noi_dung"]["so"], e["noi_dung"]["so_ky_hieu"]) for e in lines) == sorted(
        (t.so_dang_ky_id, t.so, t.so_ky_hieu) for t in taken + party
    )
    assert all(e["noi_dung"]["nam"] == 2026 and e["noi_dung"]["ngay"] == "2026-03-05" for e in lines)


def test_a_refused_take_writes_nothing(db: str) -> None:
    take(db, ngay=date(2025, 12, 30))
    service.khoa_nam(db, 2025, so_dang_ky="LĐLĐ-chung")
    before = service.nhat_ky(db)
    with pytest.raises(CongvanError, match="đã khóa sổ"):
        take(db, ngay=date(2025, 12, 31))
    assert service.nhat_ky(db) == before
    assert [r.so for r in service.danh_sach(db, 2025)] == [1]
    assert take(db, ngay=date(2026, 1, 2)).so == 1  # the refusal left no transaction open
