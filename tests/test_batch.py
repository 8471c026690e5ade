"""Batch: spreadsheet rows, validation reports, merged and per-row outputs, safety."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from docxtpl import DocxTemplate
from lxml import etree

from congvan.batch.dot import DotConfig
from congvan.batch.models import GiaDinh, parse_amount
from congvan.batch.output import FileNamer, safe_name
from congvan.batch.rows import RowStats, map_headers, open_sheet, validate_rows
from congvan.batch.run import BatchOptions, run_batch
from congvan.batch.sample_data import BAD_ROWS, HEADERS, families, write_csv, write_xlsx
from congvan.batch.templates import template_path
from congvan.errors import CongvanError
from congvan.render.engine import CompiledTemplate
from congvan.render.jinja_env import make_environment

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DOT = DotConfig(
    co_quan="Ủy ban nhân dân xã An Bình",
    dia_danh="An Bình",
    nam=2026,
    so_quyet_dinh=215,
    nguoi_ky="Trần Văn Bình",
    can_cu=["Căn cứ Luật Tổ chức chính quyền địa phương;"],
    noi_nhan=["Như Điều 3;", "Lưu: VT."],
)
ROWS = 120


@pytest.fixture(scope="module")
def sheet_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "gia_dinh.csv"
    write_csv(path, HEADERS, families(ROWS))
    return path


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory: pytest.TempPathFactory, sheet_csv: Path) -> Path:
    out = tmp_path_factory.mktemp("out")
    run_batch(BatchOptions(data=sheet_csv, outdir=out, dot=DOT, mode="ca-hai", progress=False))
    return out


def document_xml(path_or_bytes: Path | bytes) -> bytes:
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else path_or_bytes.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        return zf.read("word/document.xml")


def paragraphs(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]


# --- rows -------------------------------------------------------------------------


def test_xlsx_and_csv_read_the_same_rows(tmp_path: Path) -> None:
    rows = list(families(40))
    write_xlsx(tmp_path / "a.xlsx", HEADERS, iter(rows))
    write_csv(tmp_path / "a.csv", HEADERS, iter(rows))
    got = []
    for name in ("a.xlsx", "a.csv"):
        with open_sheet(tmp_path / name) as sheet:
            mapping = map_headers(sheet, GiaDinh)
            good = list(validate_rows(sheet, mapping, GiaDinh, RowStats()))
        got.append([(r.stt, r.record.ho_ten, r.record.dong_gop) for r in good])
    assert got[0] == got[1]
    assert len(got[0]) == 40


def test_csv_without_bom_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("Họ tên;Địa chỉ\nLê Văn A;Thôn Đông\n", encoding="utf-8")
    with open_sheet(path) as sheet:
        rows = list(validate_rows(sheet, map_headers(sheet, GiaDinh), GiaDinh, RowStats()))
    assert rows[0].record.ho_ten == "Lê Văn A"


def test_every_bad_row_reported_with_row_column_and_vietnamese(tmp_path: Path) -> None:
    path = tmp_path / "loi.csv"
    write_csv(path, HEADERS, ([i, *r] for i, r in enumerate(BAD_ROWS, 1)))
    with pytest.raises(CongvanError) as exc:
        run_batch(BatchOptions(data=path, outdir=tmp_path / "o", dot=DOT, progress=False))
    text = str(exc.value)
    assert "dòng 2: cột 'Họ và tên chủ hộ': không được để trống" in text
    assert "dòng 3: cột 'Năm sinh': phải là số nguyên" in text
    assert "dòng 8: cột 'Đóng góp quỹ khuyến học': số tiền không hợp lệ" in text
    assert "9 dòng lỗi trên 10 dòng; chưa tạo văn bản nào" in text
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["dong_loi.xlsx"]
    ws = openpyxl.load_workbook(tmp_path / "o" / "dong_loi.xlsx").active
    table = list(ws.iter_rows(values_only=True))
    assert table[0][0] == "Dòng" and table[0][-1] == "Lỗi"
    assert [r[0] for r in table[1:]] == [str(n) for n in range(2, 11)]  # every cell text


def test_skip_bad_renders_good_rows_and_keeps_bad_ones_in_sheet(tmp_path: Path) -> None:
    path = tmp_path / "loi.csv"
    write_csv(path, HEADERS, ([i, *r] for i, r in enumerate(BAD_ROWS, 1)))
    report = run_batch(BatchOptions(data=path, outdir=tmp_path, dot=DOT, skip_bad=True, progress=False))
    assert (report.stats.good, report.stats.bad) == (1, 9)
    assert [p.name for p in (tmp_path / "giay_cong_nhan").glob("*.docx")] == ["000001 - Đinh Văn Minh.docx"]
    ws = openpyxl.load_workbook(report.error_sheet).active
    assert ws.max_row == 10  # header + 9 bad rows: none dropped


def test_user_mapping_and_missing_required_column(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("Tên chủ hộ gia đình,Nơi cư trú\nHồ Văn B,Thôn Tây\n", encoding="utf-8-sig")
    with pytest.raises(CongvanError, match="thiếu cột cho trường bắt buộc 'ho_ten'"):
        run_batch(BatchOptions(data=path, outdir=tmp_path, dot=DOT, progress=False))
    mapping = {"Tên chủ hộ gia đình": "ho_ten", "Nơi cư trú": "dia_chi"}
    report = run_batch(BatchOptions(data=path, outdir=tmp_path, dot=DOT, column_map=mapping, progress=False))
    assert report.stats.good == 1
    with pytest.raises(CongvanError, match="không có trường 'ho_va_ten'"):
        run_batch(BatchOptions(data=path, outdir=tmp_path, dot=DOT, progress=False,
                               column_map={"Nơi cư trú": "ho_va_ten"}))  # fmt: skip


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.500.000", "1500000"), ("1,500,000", "1500000"), ("1,5", "1.5"), ("300.000 đ", "300000")],
)
def test_amounts(text: str, value: str) -> None:
    assert str(parse_amount(text)) == value


# --- outputs ----------------------------------------------------------------------


def test_merged_has_every_row_one_section_each_and_unique_drawing_ids(batch_out: Path) -> None:
    xml = document_xml(batch_out / "giay_cong_nhan_tat_ca.docx")
    root = etree.fromstring(xml)  # well-formed despite &, <, quotes in the data
    sections = root.findall(f".//{W}sectPr")
    assert len(sections) == ROWS
    text = "\n".join(paragraphs(xml))
    assert text.count("GIẤY CÔNG NHẬN") == ROWS
    assert "NGUYỄN VĂN TÂM & CON" in text
    assert 'TRẦN THỊ "BÉ" HOA' in text
    assert "Thu nhập < 2 triệu/tháng" not in text  # ghi chú is not on the certificate
    assert "Địa chỉ: Buôn Ko Sier" in text


def test_merged_drawing_ids_unique_with_background(tmp_path: Path, sheet_csv: Path) -> None:
    image = tmp_path / "phoi.png"
    image.write_bytes(_png())
    user = tmp_path / "mau.docx"
    _template_with_picture(user)
    run_batch(BatchOptions(data=sheet_csv, outdir=tmp_path, dot=DOT, mode="gop", progress=False,
                           documents=["mau"], user_template=user, background=image))  # fmt: skip
    with zipfile.ZipFile(tmp_path / "mau_tat_ca.docx") as zf:
        ids = [
            m
            for name in zf.namelist()
            if name.endswith(".xml")
            for m in re.findall(rb'<wp:docPr[^>]*\bid="(\d+)"', zf.read(name))
        ]
        assert b"congvan_phoi" in b"".join(zf.namelist()[i].encode() for i in range(len(zf.namelist())))
    assert len(ids) == ROWS + 1  # one picture per row + the background in the header
    assert len(set(ids)) == len(ids)


def test_per_row_files_named_safely_and_uniquely(batch_out: Path) -> None:
    names = sorted(p.name for p in (batch_out / "giay_cong_nhan").glob("*.docx"))
    assert len(names) == ROWS
    assert all(re.match(r"^\d{6} - ", n) for n in names)
    assert not any("/" in n or ".." in n.removesuffix(".docx") for n in names)
    assert any("Nguyễn Văn Tâm & Con" in n for n in names)  # diacritics kept
    assert any(n.endswith("Lê Thị Hoa (Hoa Huệ).docx") for n in names)
    for path in list((batch_out / "giay_cong_nhan").glob("*.docx"))[:10]:
        document_xml(path)


def test_file_namer() -> None:
    namer = FileNamer()
    assert namer.name(3, "../../etc/passwd") == "000003 - etc passwd.docx"
    assert namer.name(4, "Nguyễn Văn An") == "000004 - Nguyễn Văn An.docx"
    assert namer.name(4, "nguyễn văn an") == "000004 - nguyễn văn an (2).docx"
    assert safe_name("") == "khong-ten"
    assert safe_name("CON") == "_CON"
    assert len(safe_name("x" * 500)) <= 61


def test_rerun_skips_finished_files_and_redoes_changed_or_broken(tmp_path: Path, sheet_csv: Path) -> None:
    options = BatchOptions(data=sheet_csv, outdir=tmp_path, dot=DOT, mode="tung-dong",
                           documents=["giay-cong-nhan"], progress=False)  # fmt: skip
    run_batch(options)
    folder = tmp_path / "giay_cong_nhan"
    victim = sorted(folder.glob("*.docx"))[5]
    victim.write_bytes(victim.read_bytes()[:100])  # as if cut off (not our writer, but still)
    (folder / ".0001 - x.docx.abc.part").write_bytes(b"half")
    report = run_batch(options)
    assert report.skipped_existing == ROWS - 1
    document_xml(victim)
    assert not list(folder.glob(".*.part"))
    options.dot = DOT.model_copy(update={"nguoi_ky": "Lê Thị Mai"})
    assert run_batch(options).skipped_existing == 0  # new signer: all redone


def test_decision_lists_every_row_with_repeating_header(batch_out: Path) -> None:
    xml = document_xml(batch_out / "quyet_dinh_cong_nhan.docx")
    root = etree.fromstring(xml)
    tables = root.findall(f".//{W}tbl")
    listing = tables[-1]
    rows = listing.findall(f"{W}tr")
    assert len(rows) == ROWS + 1
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
    first = ["".join(t.text or "" for t in c.iter(f"{W}t")) for c in rows[1].findall(f"{W}tc")]
    assert first[0] == "1"
    assert "Công nhận 120 (một trăm hai mươi) gia đình" in "".join(paragraphs(xml))
    assert "Số: 215/QĐ-UBND" in "".join(paragraphs(xml))


def test_registration_forms_prefilled_with_amount_in_words(tmp_path: Path) -> None:
    path = tmp_path / "dv.csv"
    path.write_text(
        "Tên đơn vị,Địa chỉ,Người đứng đầu,Đóng góp\n"
        "Trường THCS An Bình,Thôn Trung,Phạm Văn Hòa,1.500.000\n"
        "Trạm Y tế <xã>,Thôn Đông,,\n",
        encoding="utf-8-sig",
    )
    run_batch(BatchOptions(data=path, outdir=tmp_path, dot=DOT, kind="don-vi", mode="gop",
                           documents=["dang-ky"], progress=False))  # fmt: skip
    text = "\n".join(paragraphs(document_xml(tmp_path / "dang_ky_tat_ca.docx")))
    assert "Tên đơn vị: Trường THCS An Bình" in text
    assert "1.500.000 đồng" in text
    assert "(Bằng chữ: Một triệu năm trăm nghìn đồng)" in text
    assert "Tên đơn vị: Trạm Y tế <xã>" in text
    assert "Xây dựng danh hiệu “GIA ĐÌNH HỌC TẬP” năm 2026" in text


# --- user templates and the sandbox -----------------------------------------------


def _user_template(path: Path, body_text: str) -> Path:
    path.write_bytes(_package(_para(body_text)))
    return path


def _run_user(tmp_path: Path, sheet: Path, template: Path) -> None:
    run_batch(BatchOptions(data=sheet, outdir=tmp_path / "o", dot=DOT, mode="gop", progress=False,
                           documents=["mau"], user_template=template))  # fmt: skip


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("{{ ''.__class__.__mro__ }}", "mẫu làm thao tác không được phép"),
        ("{{ ho_ten.__class__ }}", "mẫu làm thao tác không được phép"),
        ("{% include '/etc/passwd' %}", "mẫu không được đọc tệp khác"),
        ("{% import 'x.html' as x %}", "mẫu không được đọc tệp khác"),
        ("{{ ho_ten|safe }}", "không có bộ lọc 'safe'|thẻ Jinja sai cú pháp"),
        ("{{ ho_tenn }}", "mẫu dùng biến 'ho_tenn' mà dữ liệu không có"),
    ],
)
def test_sandbox_refuses_with_vietnamese_error(tmp_path: Path, sheet_csv: Path, tag: str, message: str) -> None:
    template = _user_template(tmp_path / "mau.docx", tag)
    with pytest.raises(CongvanError, match=message):
        _run_user(tmp_path, sheet_csv, template)


def test_lint_reports_split_tags_curly_quotes_and_unused_fields(tmp_path: Path, sheet_csv: Path) -> None:
    from congvan.render.ooxml import para, run

    body = para(None, run("Họ tên: {{ ho_") + run("ten }}")) + _para("{{ nam_sinh|default(“?”) }}")
    path = tmp_path / "mau.docx"
    path.write_bytes(_package(body))
    from congvan.batch.run import lint_only

    messages = lint_only(BatchOptions(data=sheet_csv, outdir=tmp_path, documents=["mau"],
                                      user_template=path, dot=DOT))  # fmt: skip
    text = "\n".join(messages)
    assert "thân văn bản, đoạn 1: thẻ '{{ ho_ten }}' bị Word tách thành 2 đoạn" in text
    assert "thân văn bản, đoạn 2: thẻ '{{ nam_sinh|default(“?”) }}' có dấu nháy cong" in text
    assert "cột 'dia_chi' của bảng tính không được dùng trong mẫu" in text


def test_fast_path_gives_the_same_text_as_docxtpl(tmp_path: Path) -> None:
    path = template_path("giay-cong-nhan", "gia-dinh")
    rows = [GiaDinh.model_validate(dict(zip(
        ["stt", "ho_ten", "gioi_tinh", "nam_sinh", "dia_chi", "so_thanh_vien", "dien_thoai",
         "dong_gop", "ghi_chu"], row, strict=True))) for row in families(30)]  # fmt: skip
    compiled = CompiledTemplate.load(path)
    shared = DOT.context("gia đình", "Họ và tên chủ hộ")
    for index, record in enumerate(rows, start=1):
        context = {**shared, **record.context(), "stt": index, "so_vao_so": f"{index:04d}"}
        ours = paragraphs(document_xml(compiled.render_bytes(context)))
        tpl = DocxTemplate(str(path))
        tpl.render(context, jinja_env=make_environment())
        buf = io.BytesIO()
        tpl.save(buf)
        theirs = paragraphs(document_xml(buf.getvalue()))
        assert ours == theirs, record.ho_ten


# --- helpers ------------------------------------------------------------------------


def _para(text: str) -> str:
    from congvan.render.ooxml import para, run

    return para(None, run(text))


def _package(body: str) -> bytes:
    """A user's template: the record templates' package around *body*."""
    from congvan.profiles import load_profile
    from congvan.render.build_templates import package

    return package(load_profile(), body, "t")


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\xee\xcc" * 4 for _ in range(3))
    ihdr = struct.pack(">IIBBBBB", 4, 3, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _template_with_picture(path: Path) -> None:
    """A user template with a logo picture in the body (docPr id 1, as Word writes)."""
    from congvan.render.ooxml import para
    from congvan.render.package import PackageWriter, read_parts

    drawing = (
        '<w:r><w:drawing><wp:inline><wp:extent cx="360000" cy="270000"/>'
        '<wp:docPr id="1" name="Logo"/><a:graphic><a:graphicData '
        'uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>'
        '<pic:nvPicPr><pic:cNvPr id="0" name="logo"/><pic:cNvPicPr/></pic:nvPicPr>'
        '<pic:blipFill><a:blip r:embed="rIdLogo"/></pic:blipFill><pic:spPr/></pic:pic>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )
    body = para(None, drawing) + _para("{{ ho_ten }} - {{ dia_chi }}")
    parts = read_parts(_package(body))
    parts["word/media/logo.png"] = _png()
    rels = parts["word/_rels/document.xml.rels"].decode()
    parts["word/_rels/document.xml.rels"] = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdLogo" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/image" Target="media/logo.png"/></Relationships>',
    ).encode()
    path.write_bytes(PackageWriter(parts).to_bytes({}))


# --- interruption and CLI ---------------------------------------------------------


def test_interrupted_batch_leaves_no_partial_file_and_rerun_finishes(
    tmp_path: Path, sheet_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = CompiledTemplate.to_bytes
    calls = {"n": 0}

    def flaky(self: CompiledTemplate, changed: object) -> bytes:
        calls["n"] += 1
        if calls["n"] == 40:
            raise KeyboardInterrupt
        return real(self, changed)  # type: ignore[arg-type]

    monkeypatch.setattr(CompiledTemplate, "to_bytes", flaky)
    options = BatchOptions(data=sheet_csv, outdir=tmp_path, dot=DOT, mode="ca-hai",
                           documents=["giay-cong-nhan"], progress=False)  # fmt: skip
    with pytest.raises(KeyboardInterrupt):
        run_batch(options)
    folder = tmp_path / "giay_cong_nhan"
    assert len(list(folder.glob("*.docx"))) == 39
    assert not list(tmp_path.rglob("*.part"))
    monkeypatch.setattr(CompiledTemplate, "to_bytes", real)
    report = run_batch(options)
    assert report.skipped_existing == 39
    assert len(list(folder.glob("*.docx"))) == ROWS


def test_cli_batch_and_forms(tmp_path: Path, sheet_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from congvan.cli import main

    dot = tmp_path / "dot.yaml"
    dot.write_text("co_quan: Ủy ban nhân dân xã An Bình\ndia_danh: An Bình\nnam: 2026\n", encoding="utf-8")
    out = tmp_path / "kq"
    main(["batch", str(sheet_csv), "--thong-tin", str(dot), "-o", str(out), "--che-do", "gop"])
    printed = capsys.readouterr().out
    assert f"{ROWS} dòng đúng, 0 dòng lỗi" in printed
    assert (out / "quyet_dinh_cong_nhan.docx").exists() and (out / "giay_cong_nhan_tat_ca.docx").exists()
    main(["forms", str(sheet_csv), "--thong-tin", str(dot), "-o", str(out), "--che-do", "tung-dong"])
    assert len(list((out / "dang_ky").glob("*.docx"))) == ROWS
    dot.write_text("co_quan: x\ndia_danh: y\nnam: 1990\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["batch", str(sheet_csv), "--thong-tin", str(dot), "-o", str(out)])
    assert exit_info.value.code == 1
    assert "trường 'nam': phải từ 2000 trở lên" in capsys.readouterr().err


@pytest.mark.parametrize("document", ["giay-cong-nhan", "dang-ky", "mau"])
def test_specialised_template_renders_exactly_as_the_engine(tmp_path: Path, document: str) -> None:
    """Folding the round's values into the template changes nothing in the output."""
    from congvan.batch.fast import DOCUMENT, specialise

    if document == "mau":
        body = "".join(
            _para(t)
            for t in (
                "{% set x = co_quan|upper %}{{ x }} – {{ ten }}",
                "{%p if quyen_han %}",
                "{{ quyen_han }}",
                "{%p endif %}",
                "{% for c in can_cu %}{{ c|truncate(12) }};{% endfor %} {{ noi_nhan|join(', ') }}",
                "{{ nam + 1 }} {{ danh_hieu|viet_hoa }} {{ ho_ten|upper }}",
                "{{ dong_gop|so_tien if dong_gop else '' }}",
                "{{ range(3)|list }} {{ so_vao_so }}/{{ stt }}",
            )
        )
        path = tmp_path / "mau.docx"
        path.write_bytes(_package(body))
    else:
        path = template_path(document, "gia-dinh")
    template = CompiledTemplate.load(path)
    shared = DOT.model_copy(update={"quyen_han": "KT. CHỦ TỊCH"}).context("gia đình", "Họ và tên chủ hộ")
    fields = ["stt", "ho_ten", "gioi_tinh", "nam_sinh", "dia_chi", "so_thanh_vien", "dien_thoai", "dong_gop", "ghi_chu"]
    fast = specialise(template, shared, set(fields) | {"ten", "so_vao_so", "ong_ba", "loi_cong_nhan"})
    assert fast is not None and {"co_quan_dong_1", "nam", "danh_hieu"} & fast.folded
    for index, row in enumerate(families(60), start=1):
        record = GiaDinh.model_validate(dict(zip(fields, row, strict=True)))
        own = {**record.context(), "stt": index, "so_vao_so": str(index)}
        assert fast.render(own) == template.render_part(DOCUMENT, {**shared, **own}), record.ho_ten
