"""Record models: the fields of a văn bản, named with the official Vietnamese terms.

Pydantic checks shape and types here (unknown fields are refused, so a typo is never
silently ignored); the NĐ30 rules that need a rule profile live in ``rules.py``.
Every field carries a Vietnamese description: ``docs/ho-so.md`` and ``congvan mau``
are generated from them.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from congvan.vi.ngay import parse_ngay

LOAI_NUT = ("phan", "chuong", "muc", "dieu", "khoan", "diem", "gach", "cong", "doan")
_CAP_KEYS = (*LOAI_NUT, "bang")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, defer_build=True)


def _ngay(value: Any) -> Any:
    if value is None or isinstance(value, date):
        return value
    return parse_ngay(str(value))


def _khong_dung_sai(value: Any) -> Any:
    """Refuse YAML's true/false where a number or a cell is wanted: pydantic's lax mode reads them as 1/0."""
    if isinstance(value, bool):
        raise ValueError(
            "giá trị đúng/sai (true/false) không dùng được ở đây: ghi một số, hoặc đặt chữ trong dấu nháy \"...\""
        )
    return value


#: A whole number that YAML's ``true`` cannot pass for.
SoNguyen = Annotated[int, BeforeValidator(_khong_dung_sai)]
#: A table cell: text or a number, never YAML's ``true``/``false``.
OChu = Annotated[str | int | float | None, BeforeValidator(_khong_dung_sai)]


class CoQuan(_Model):
    """Cơ quan ban hành (ô 2): tên, cơ quan chủ quản, chữ viết tắt dùng trong ký hiệu."""

    ten: str = Field(
        min_length=1,
        description="Tên cơ quan, tổ chức ban hành, in hoa; xuống dòng bằng '\\n' hoặc để tự ngắt dòng cân đối",
        examples=["LIÊN ĐOÀN LAO ĐỘNG TỈNH BẾN TRE"],
    )
    viet_tat: str = Field(
        min_length=1, description="Chữ viết tắt tên cơ quan dùng trong ký hiệu (ví dụ LĐLĐ, UBND)", examples=["LĐLĐ"]
    )
    co_quan_chu_quan: str | None = Field(
        None,
        description="Tên cơ quan, tổ chức chủ quản trực tiếp (nếu có)",
        examples=["TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM"],
    )
    ten_trong_cau: str | None = Field(
        None,
        description=(
            "Tên cơ quan như viết trong câu (chữ thường, viết hoa theo quy định), dùng ở dòng"
            " '(Kèm theo … của …)' dưới tên phụ lục và dưới tên văn bản ban hành kèm theo quyết định"
            " dưới tên văn bản ban hành kèm theo quyết định; bỏ trống thì các dòng đó không ghi 'của …'"
        ),
        examples=["Liên đoàn Lao động tỉnh Bến Tre"],
    )


class ChuKy(_Model):
    """A signature block (ô 7): ``<quyen_han> <thay>`` / co_quan / chuc_vu / ho_ten.

    ``thay`` is what follows the authority prefix: the collective body for TM.
    ("BAN THƯỜNG VỤ"), the head's title for KT./TL./TUQ. ("CHỦ TỊCH"), the acted
    title for Q. ("GIÁM ĐỐC"). Without a prefix it is the first line as written.
    ``thay_mat`` adds a "TM. <tập thể>" line above, for the NĐ30 form
    "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH".
    """

    thay_mat: str | None = Field(
        None,
        description="Tập thể mà người ký thay mặt, in thành dòng 'TM. <tập thể>' phía trên dòng KT. "
        "(ví dụ ỦY BAN NHÂN DÂN cho 'TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH')",
        examples=["ỦY BAN NHÂN DÂN"],
    )
    quyen_han: Literal["TM", "KT", "TL", "TUQ", "Q"] | None = Field(
        None,
        description="Quyền hạn ký: TM (thay mặt), KT (ký thay), TL (thừa lệnh), TUQ (thừa ủy quyền), Q (quyền)",
        examples=["KT"],
    )
    thay: str | None = Field(
        None,
        description="Phần sau tiền tố quyền hạn: tập thể (TM. BAN THƯỜNG VỤ) hoặc chức danh người đứng đầu "
        "(KT. CHỦ TỊCH); không có quyền hạn thì là dòng chức danh đầu tiên",
        examples=["CHỦ TỊCH"],
    )
    co_quan: str | None = Field(None, description="Dòng tên cơ quan dưới dòng quyền hạn (nếu cần)")
    chuc_vu: str | None = Field(
        None, description="Chức vụ của người ký (bắt buộc với TM., KT., TL., TUQ.)", examples=["PHÓ CHỦ TỊCH"]
    )
    ho_ten: str = Field(
        min_length=1, description="Họ và tên người ký, không ghi học hàm, học vị", examples=["Nguyễn Văn An"]
    )
    anh_chu_ky: Path | None = Field(
        None,
        description="Ảnh chữ ký (PNG nền trong suốt), đường dẫn tính từ tệp hồ sơ",
        examples=["chu-ky/nguyen-van-an.png"],
    )
    anh_dau: Path | None = Field(None, description="Ảnh dấu (PNG nền trong suốt), đè lên 1/3 bên trái chữ ký")

    quyen_han_viet: str | None = Field(
        None,
        exclude=True,
        description="Tự điền: quyền hạn đúng như đã viết khi có dấu '/' (T/M, K/T), để kiểm tra theo bộ quy tắc",
    )

    @model_validator(mode="before")
    @classmethod
    def _nho_cach_viet(cls, data: Any) -> Any:
        """Remember a slash form ("T/M") so the rule set can accept (Party) or refuse (NĐ30) it."""
        if isinstance(data, dict) and isinstance(data.get("quyen_han"), str) and "/" in data["quyen_han"]:
            return {**data, "quyen_han_viet": data["quyen_han"].strip()}
        return data

    @field_validator("quyen_han", mode="before")
    @classmethod
    def _bo_dau_cham(cls, value: Any) -> Any:
        """Accept "TM." / "kt." as written on paper, and the Party forms "T/M", "K/T", "T/L"."""
        if isinstance(value, str):
            return value.strip().rstrip(".").replace("/", "").upper() or None
        return value


class Nut(_Model):
    """One node of the body tree. Exactly one of the level keys carries its text.

    Plans: phan (I.) > khoan (1.) > diem (a)) > gach (-) > cong (+).
    Decisions: chuong (Chương I) > muc (Mục 1) > dieu (Điều 1.) > khoan > diem.
    ``so`` overrides the automatic label (e.g. "1.1."); ``tieu_de`` says whether a
    khoan's text is a title (bold, children below) or content.
    """

    phan: str | None = Field(None, description="Phần, đánh số I., II. (tiêu đề in hoa, đậm)")
    chuong: str | None = Field(None, description="Chương (Chương I), tên chương in hoa, căn giữa")
    muc: str | None = Field(None, description="Mục (Mục 1) trong chương, tên mục in hoa, căn giữa")
    dieu: str | None = Field(None, description="Điều, đánh số liên tục Điều 1., Điều 2.")
    khoan: str | None = Field(
        None, description="Khoản, đánh số 1., 2.; có nội dung con thì in đậm như tiêu đề", examples=["Mục đích"]
    )
    diem: str | None = Field(None, description="Điểm, đánh số a), b), c), d), đ)...")
    gach: str | None = Field(None, description="Ý gạch đầu dòng (-)")
    cong: str | None = Field(None, description="Ý dấu cộng (+)")
    doan: str | None = Field(None, description="Đoạn văn không đánh số")
    bang: Bang | None = Field(None, description="Bảng trong nội dung (xem các trường của bảng)")
    so: str | None = Field(None, description="Nhãn tự ghi thay cho số tự động (ví dụ '1.1.')")
    tieu_de: bool | None = Field(
        None, description="Khoản là tiêu đề (in đậm) hay nội dung; mặc định theo có nội dung con"
    )
    noi_dung: list[Nut | str] = Field(default_factory=list, description="Các mục con")

    @model_validator(mode="after")
    def _mot_cap(self) -> Nut:
        given = [k for k in (*LOAI_NUT, "bang") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "mỗi mục của nội dung cần đúng một trong các khóa: "
                + ", ".join((*LOAI_NUT, "bang"))
                + (f" (đang có: {', '.join(given)})" if given else "")
            )
        return self

    @property
    def cap(self) -> str:
        """The node's level: the one key it has (the validator checked there is exactly one)."""
        fields = self.__dict__  # read on every render of every node: no getattr per key
        for key in _CAP_KEYS:
            if fields[key] is not None:
                return key
        raise AssertionError("a validated node has one level key")

    @property
    def van_ban(self) -> str:
        cap = self.cap
        return "" if cap == "bang" else self.__dict__[cap]


NoiDung = list[Nut | str]


class NhomNoiNhan(_Model):
    """Recipients that share a note such as "(để b/c)" or "(thực hiện)"."""

    nhom: list[str] = Field(min_length=1, description="Các nơi nhận trong nhóm", examples=[["Các Công đoàn cơ sở"]])
    ghi_chu: str | None = Field(
        None, description="Ghi chú in cạnh nhóm, ví dụ 'để b/c', 'thực hiện'", examples=["thực hiện"]
    )


class OBang(_Model):
    """A table cell written as a mapping: text plus spans."""

    chu: OChu = Field(None, description="Nội dung ô")
    gop_cot: SoNguyen = Field(1, ge=1, description="Số cột ô này chiếm (gộp ngang)")
    gop_hang: SoNguyen = Field(1, ge=1, description="Số hàng ô này chiếm (gộp dọc, chỉ dùng ở hàng tiêu đề)")


class HangBang(_Model):
    """A row written as a mapping: a total/sub-total row (no STT) or a plain row."""

    o: list[OChu] = Field(description="Các ô của hàng, theo thứ tự cột (không kể cột STT)")
    tong: bool = Field(False, description="Hàng tổng cộng / cộng nhóm: in đậm, không đánh STT")
    nhan: str | None = Field(None, description="Chữ ở cột STT của hàng tổng (ví dụ 'Tổng cộng'), gộp với cột đầu")


class Bang(_Model):
    """A table in the body or in an appendix."""

    cot: list[str] = Field(
        min_length=1,
        description="Tên các cột (hàng tiêu đề, lặp lại ở đầu mỗi trang)",
        examples=[["Đơn vị", "Số tiền (đồng)"]],
    )
    tieu_de_nhom: list[list[str | OBang]] | None = Field(
        None,
        description="Các hàng tiêu đề phía trên 'cot' có ô gộp: mỗi ô là chữ hoặc {chu, gop_cot, gop_hang}",
    )
    hang: list[list[OChu] | HangBang] = Field(
        default_factory=list,
        description="Các hàng dữ liệu; hàng tổng viết {o: [...], tong: true}",
        examples=[[["Công đoàn cơ sở A", 1250000], {"o": ["Tổng cộng", 1250000], "tong": True}]],
    )
    do_rong: list[float] | None = Field(
        None, description="Độ rộng tương đối của các cột (kể cả cột STT); bỏ trống thì tính theo nội dung"
    )
    can_le: list[Literal["trai", "giua", "phai", "deu"]] | None = Field(
        None, description="Căn lề từng cột (không kể cột STT): trai, giua, phai, deu; mặc định số căn phải"
    )
    so_thu_tu: bool = Field(True, description="Thêm cột STT tự đánh số (căn giữa)")
    dinh_dang_so: bool = Field(True, description="Viết số có dấu chấm phân cách hàng nghìn (1.250.000)")

    @model_validator(mode="after")
    def _du_cot(self) -> Bang:
        for i, row in enumerate(self.hang, start=1):
            cells = row.o if isinstance(row, HangBang) else row
            if len(cells) != len(self.cot):
                raise ValueError(f"hàng {i} có {len(cells)} ô, bảng có {len(self.cot)} cột")
        if self.do_rong is not None and len(self.do_rong) != len(self.cot) + int(self.so_thu_tu):
            raise ValueError("do_rong cần một số cho mỗi cột (kể cả cột STT)")
        if self.can_le is not None and len(self.can_le) != len(self.cot):
            raise ValueError("can_le cần một giá trị cho mỗi cột (không kể cột STT)")
        return self


class PhuLuc(_Model):
    """An appendix: its own section, page numbers restarting at 1."""

    nhan: str | None = Field(
        None,
        description="Dòng nhãn như hồ sơ ghi ('Phụ lục I', 'Phụ lục số 02'); bỏ trống thì tự đánh "
        "'Phụ lục' / 'Phụ lục I, II...'; ghi '' để không in nhãn",
        examples=["Phụ lục I"],
    )
    tieu_de: str = Field(
        min_length=1,
        description="Tên phụ lục (giữ nguyên chữ hoa/thường như hồ sơ ghi)",
        examples=["Danh sách đơn vị được khen thưởng"],
    )
    viet_hoa_tieu_de: bool = Field(False, description="In hoa toàn bộ tên phụ lục")
    kem_theo: str | None = Field(
        None,
        description="Dòng '(Kèm theo ...)' tự ghi; bỏ trống thì tự tạo",
        examples=["(Kèm theo Kế hoạch số 05/KH-LĐLĐ ngày 20/3/2026 của Liên đoàn Lao động tỉnh)"],
    )
    noi_dung: NoiDung = Field(
        default_factory=list,
        description="Nội dung phụ lục (cây nội dung như thân văn bản)",
        examples=[[{"doan": "Nội dung phụ lục."}]],
    )
    bang: Bang | None = Field(None, description="Bảng của phụ lục (sau nội dung)")


class VanBanKemTheo(_Model):
    """The document a Quyết định (quy định gián tiếp) issues: Quy chế, Quy định..."""

    ten_loai: str = Field(
        min_length=1, description="Tên loại văn bản được ban hành (QUY CHẾ, QUY ĐỊNH...)", examples=["QUY CHẾ"]
    )
    trich_yeu: str = Field(
        min_length=1, description="Trích yếu của văn bản được ban hành", examples=["Làm việc của Ban Chấp hành"]
    )
    kem_theo: str | None = Field(
        None,
        description="Dòng '(Kèm theo Quyết định số ...)' dưới tên văn bản, tự ghi; bỏ trống thì tự tạo",
        examples=["(Kèm theo Quyết định số 12/QĐ-LĐLĐ ngày 20/3/2026)"],
    )
    noi_dung: NoiDung = Field(
        min_length=1,
        description="Nội dung (chương, điều...)",
        examples=[[{"dieu": "Phạm vi điều chỉnh", "noi_dung": ["Quy chế này quy định ..."]}]],
    )


class NguoiHop(_Model):
    """Chair or secretary of a meeting (Biên bản): named in the body, signs at the end."""

    ho_ten: str = Field(min_length=1, description="Họ và tên", examples=["Nguyễn Văn An"])
    chuc_vu: str | None = Field(None, description="Chức vụ, ghi sau tên trong thân biên bản", examples=["Chủ tịch"])
    anh_chu_ky: Path | None = Field(None, description="Ảnh chữ ký (PNG nền trong suốt)")


class BanSao(_Model):
    """A copy (Phụ lục I Phần II): the copy block of a paper copy, or ô 14 of an electronic one."""

    hinh_thuc: Literal["sao_y", "sao_luc", "trich_sao"] = Field(
        description="Hình thức sao: sao_y (SAO Y), sao_luc (SAO LỤC), trich_sao (TRÍCH SAO)", examples=["sao_y"]
    )
    dien_tu: bool = Field(
        False, description="Bản sao sang định dạng điện tử: in thông tin chữ ký số ở góc trên bên phải (ô 14)"
    )
    co_quan: CoQuan = Field(
        description="Cơ quan, tổ chức sao văn bản", examples=[{"ten": "VĂN PHÒNG UBND TỈNH", "viet_tat": "VP"}]
    )
    so: SoNguyen | None = Field(
        None, ge=1, description="Số của bản sao (sổ bản sao, bắt đầu từ 01 mỗi năm)", examples=[1]
    )
    dia_danh: str | None = Field(None, description="Địa danh nơi sao (bản sao giấy)", examples=["Bến Tre"])
    ngay_sao: date | None = Field(None, description="Ngày sao (bản sao giấy)", examples=["2026-03-25"])
    thoi_gian_ky: datetime | None = Field(
        None, description="Thời gian ký số của bản sao điện tử (ô 14)", examples=["2026-03-25T10:15:00+07:00"]
    )
    chu_ky: ChuKy | None = Field(None, description="Khối chữ ký của người sao (bản sao giấy)")
    noi_nhan: list[str] = Field(
        default_factory=list,
        description="Nơi nhận bản sao; mục cuối 'Lưu: VT'",
        examples=[["Các sở, ngành tỉnh", "Lưu: VT"]],
    )

    @field_validator("ngay_sao", mode="before")
    @classmethod
    def _doc_ngay(cls, value: Any) -> Any:
        return _ngay(value)


class LienHe(_Model):
    """ô 13: address and contacts printed under a full-width line at the foot of page 1."""

    dia_chi: str | None = Field(
        None, description="Địa chỉ cơ quan, tổ chức", examples=["Số 5 đường Đồng Khởi, phường An Hội, tỉnh Bến Tre"]
    )
    dien_thoai: str | None = Field(None, description="Số điện thoại", examples=["0275 3822 111"])
    fax: str | None = Field(None, description="Số fax", examples=["0275 3822 112"])
    email: str | None = Field(None, description="Thư điện tử", examples=["vanphong@example.vn"])
    website: str | None = Field(None, description="Trang thông tin điện tử", examples=["example.vn"])


class VanBanChung(_Model):
    """What every document shares (ô 1-14 of NĐ30 Phụ lục I)."""

    #: Kinds whose Nơi nhận may say "Như trên" (they name an addressee).
    CO_NOI_GUI: ClassVar[bool] = False
    #: Whether the trích yếu is printed under the type name.
    IN_TRICH_YEU: ClassVar[bool] = True
    #: Vietnamese name of the kind, for ``docs/ho-so.md`` and ``congvan mau``.
    TEN: ClassVar[str] = "Văn bản"

    loai: str = Field(description="Loại hồ sơ (kế hoạch, quyết định, công văn, giấy mời...)")
    quy_tac: str = Field(
        "nd30",
        description=(
            "Bộ quy tắc thể thức: nd30 (Nhà nước, Công đoàn, Hội), dang (văn bản của Đảng), doan (Đoàn TNCS "
            "Hồ Chí Minh); bỏ trống thì theo tên cơ quan ban hành (Đảng ủy, Chi bộ… là dang; Tỉnh đoàn… là doan), "
            "còn lại là nd30"
        ),
    )
    co_quan_ban_hanh: list[CoQuan] = Field(
        min_length=1,
        max_length=7,
        description="Cơ quan ban hành; nhiều cơ quan là văn bản liên tịch (chủ trì trước)",
        examples=[[{"ten": "LIÊN ĐOÀN LAO ĐỘNG TỈNH BẾN TRE", "viet_tat": "LĐLĐ"}]],
    )
    tieu_de_co_quan: list[str] | None = Field(
        None,
        description="Tự viết các dòng tiêu đề cơ quan (ô 2), dòng nào in dòng ấy",
        examples=[["TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM", "LIÊN ĐOÀN LAO ĐỘNG TỈNH BẾN TRE"]],
    )
    so: SoNguyen | None = Field(
        None, ge=1, description="Số văn bản; bỏ trống nếu chưa có số (hoặc lấy số từ sổ)", examples=[5]
    )
    ky_hieu: str | None = Field(
        None, description="Ký hiệu tự ghi (ví dụ KH-LĐLĐ); bỏ trống thì tự tạo", examples=["KH-LĐLĐ"]
    )
    ma_loai: str | None = Field(
        None, description="Chữ viết tắt tên loại theo Phụ lục III (BC, TB, TTr...)", examples=["BC"]
    )
    so_dang_ky: str | None = Field(None, description="Sổ đăng ký văn bản đi dùng để lấy số", examples=["LDLD-chung"])
    mat: bool = Field(False, description="Văn bản mật: lấy số trong sổ văn bản mật (tự bật khi có do_mat)")
    do_mat: str | None = Field(
        None, description="Dấu chỉ độ mật (ô 10a): MẬT, TỐI MẬT hoặc TUYỆT MẬT", examples=["MẬT"]
    )
    do_khan: str | None = Field(
        None, description="Dấu chỉ mức độ khẩn (ô 10b): KHẨN, THƯỢNG KHẨN hoặc HỎA TỐC", examples=["KHẨN"]
    )
    pham_vi_luu_hanh: str | None = Field(
        None,
        description="Chỉ dẫn phạm vi lưu hành (ô 11): XEM XONG TRẢ LẠI hoặc LƯU HÀNH NỘI BỘ",
        examples=["LƯU HÀNH NỘI BỘ"],
    )
    du_thao: bool = Field(False, description="In dấu 'DỰ THẢO' ở đầu trang 1 (văn bản chưa ký)")
    ky_hieu_nguoi_soan: str | None = Field(
        None, description="Ký hiệu người soạn thảo (ô 12), chữ in hoa, ví dụ PL", examples=["PL"]
    )
    so_ban_phat_hanh: SoNguyen | None = Field(
        None, ge=1, description="Số lượng bản phát hành (ô 12), ví dụ 300", examples=[300]
    )
    lien_he: LienHe | None = Field(None, description="Địa chỉ, điện thoại, fax, thư điện tử, website (ô 13)")
    dia_danh: str = Field(min_length=1, description="Địa danh nơi cơ quan đóng trụ sở (ô 4)", examples=["Bến Tre"])
    ngay_ban_hanh: date | None = Field(
        None, description="Ngày ban hành (2026-03-20 hoặc 20/3/2026); bỏ trống để điền tay", examples=["2026-03-20"]
    )
    ten_loai: str | None = Field(
        None, description="Tên loại văn bản (ô 5a), chỉ cần với loai: van_ban", examples=["BÁO CÁO"]
    )
    trich_yeu: str = Field(
        min_length=1,
        description="Trích yếu nội dung (ô 5a/5b); xuống dòng bằng '\\n' hoặc để tự ngắt",
        examples=["Tổ chức Tháng Công nhân năm 2026"],
    )
    kinh_gui: list[str] = Field(
        default_factory=list,
        description="Nơi gửi 'Kính gửi:' (ô 9a): một nơi in trên một dòng, nhiều nơi in thành danh sách",
        examples=[["Ban Thường vụ Tỉnh ủy"]],
    )
    can_cu: list[str] = Field(
        default_factory=list,
        description="Các căn cứ, in nghiêng; tự thêm ';' và '.' cuối dòng",
        examples=[["Căn cứ Luật Công đoàn năm 2024"]],
    )
    noi_dung: NoiDung = Field(
        min_length=1,
        description="Nội dung (cây: phan, khoan, diem, gach, cong, dieu, bang...)",
        examples=[[{"phan": "Mục đích, yêu cầu", "noi_dung": [{"khoan": "Nội dung thứ nhất."}]}]],
    )
    ket_thuc: bool = Field(True, description="Tự thêm './.' cuối nội dung")
    chu_ky: list[ChuKy] = Field(
        min_length=1,
        max_length=7,
        description="Các khối chữ ký (ô 7); liên tịch: mỗi cơ quan một khối",
        examples=[[{"quyen_han": "TM", "thay": "BAN THƯỜNG VỤ", "chuc_vu": "CHỦ TỊCH", "ho_ten": "Nguyễn Văn An"}]],
    )
    noi_nhan: list[str | NhomNoiNhan] = Field(
        min_length=1,
        description="Nơi nhận (ô 9b); tự thêm '- ' và ';'; mục cuối 'Lưu: VT, <đơn vị>'",
        examples=[["Tổng Liên đoàn Lao động Việt Nam (để b/c)", "Lưu: VT"]],
    )
    phu_luc: list[PhuLuc] = Field(default_factory=list, description="Các phụ lục kèm theo, mỗi phụ lục một phần riêng")
    ban_sao: BanSao | None = Field(None, description="Thông tin bản sao (sao y, sao lục, trích sao; giấy hoặc điện tử)")
    chua_xep: list[str] = Field(
        default_factory=list,
        description="Đoạn nhập từ tệp Word (congvan nhap) chưa xếp được vào phần nào; không được in, cần xếp lại",
    )

    @model_validator(mode="before")
    @classmethod
    def _mat_theo_do_mat(cls, data: Any) -> Any:
        """A secret mark puts the document in the secret series of the register."""
        if isinstance(data, dict) and data.get("do_mat") and "mat" not in data:
            return {**data, "mat": True}
        return data

    @field_validator("co_quan_ban_hanh", mode="before")
    @classmethod
    def _mot_hay_nhieu(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @field_validator("kinh_gui", mode="before")
    @classmethod
    def _mot_noi_gui(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("do_mat", "do_khan", "pham_vi_luu_hanh", mode="before")
    @classmethod
    def _in_hoa(cls, value: Any) -> Any:
        return " ".join(value.split()).upper() if isinstance(value, str) else value

    @field_validator("so", mode="before")
    @classmethod
    def _so_thap_phan(cls, value: Any) -> Any:
        """``so: true`` is not number 1: a number is a decimal integer (or its digits as text)."""
        if isinstance(value, bool):
            raise ValueError("số văn bản phải là số nguyên (ví dụ 7), không phải true/false")
        return value

    @field_validator("ngay_ban_hanh", mode="before")
    @classmethod
    def _doc_ngay(cls, value: Any) -> Any:
        return _ngay(value)

    @field_validator("ky_hieu", mode="before")
    @classmethod
    def _ky_hieu_khong_so(cls, value: Any) -> Any:
        """Accept "05/KH-LĐLĐ" pasted whole: keep the symbol, the number is ``so``."""
        if isinstance(value, str) and "/" in value and value.split("/", 1)[0].strip().isdigit():
            return value.split("/", 1)[1]
        return value

    @property
    def lien_tich(self) -> bool:
        """A joint document: several issuing bodies."""
        return len(self.co_quan_ban_hanh) > 1

    @property
    def noi_nhan_phang(self) -> list[str]:
        out: list[str] = []
        for item in self.noi_nhan:
            out.extend(item.nhom if isinstance(item, NhomNoiNhan) else [item])
        return out

    @property
    def cac_chu_ky(self) -> list[ChuKy]:
        """The signature blocks as printed (a Biên bản builds them from its chair and secretary)."""
        return list(self.chu_ky)


class KeHoach(VanBanChung):
    """Kế hoạch (one body) or Kế hoạch liên tịch/phối hợp (several)."""

    TEN: ClassVar[str] = "Kế hoạch (mẫu 1.4; một hoặc nhiều cơ quan)"

    loai: Literal["ke_hoach"] = Field(description="Loại hồ sơ: ke_hoach (kế hoạch)")


class ChuongTrinhPhoiHop(VanBanChung):
    """Chương trình phối hợp, signed by 2 to 7 bodies."""

    TEN: ClassVar[str] = "Chương trình phối hợp (mẫu 1.4, văn bản liên tịch)"

    loai: Literal["chuong_trinh_phoi_hop"] = Field(
        description="Loại hồ sơ: chuong_trinh_phoi_hop (chương trình phối hợp)"
    )
    co_quan_ban_hanh: list[CoQuan] = Field(
        min_length=2,
        max_length=7,
        description="Các cơ quan phối hợp (2 đến 7), cơ quan chủ trì trước",
        examples=[
            [
                {"ten": "LIÊN ĐOÀN LAO ĐỘNG TỈNH BẾN TRE", "viet_tat": "LĐLĐ"},
                {"ten": "HỘI KHUYẾN HỌC TỈNH BẾN TRE", "viet_tat": "HKH"},
            ]
        ],
    )


class QuyetDinh(VanBanChung):
    """Quyết định: authority line, căn cứ, "Theo đề nghị của ...", Điều 1..n."""

    TEN: ClassVar[str] = "Quyết định (mẫu 1.2 quy định trực tiếp, 1.3 quy định gián tiếp)"

    loai: Literal["quyet_dinh"] = Field(description="Loại hồ sơ: quyet_dinh (quyết định)")
    tham_quyen: str | None = Field(
        None,
        min_length=1,
        description=(
            "Thẩm quyền ban hành (dòng in hoa, đậm dưới trích yếu); bắt buộc khi bộ quy tắc đòi "
            "(quyết định, nghị quyết NĐ30; nghị quyết của Đảng không có dòng này)"
        ),
        examples=["BAN THƯỜNG VỤ LIÊN ĐOÀN LAO ĐỘNG TỈNH BẾN TRE"],
    )
    theo_de_nghi: str | None = Field(
        None, description="Dòng 'Theo đề nghị của ...' sau căn cứ", examples=["Theo đề nghị của Trưởng Ban Tổ chức"]
    )
    van_ban_kem_theo: VanBanKemTheo | None = Field(
        None, description="Văn bản được ban hành kèm theo (quyết định quy định gián tiếp: Quy chế, Quy định...)"
    )


class NghiQuyet(QuyetDinh):
    """Nghị quyết (cá biệt), mẫu 1.1: like a Quyết định, with "QUYẾT NGHỊ:"."""

    TEN: ClassVar[str] = "Nghị quyết cá biệt (mẫu 1.1)"

    loai: Literal["nghi_quyet"] = Field(description="Loại hồ sơ: nghi_quyet (nghị quyết cá biệt)")  # type: ignore[assignment]


class CongVan(VanBanChung):
    """Công văn: "V/v ..." under the number, "Kính gửi:", no type name."""

    CO_NOI_GUI: ClassVar[bool] = True

    TEN: ClassVar[str] = "Công văn (mẫu 1.5)"

    loai: Literal["cong_van"] = Field(description="Loại hồ sơ: cong_van (công văn)")
    kinh_gui: list[str] = Field(
        min_length=1,
        description="Nơi gửi 'Kính gửi:' (bắt buộc với công văn)",
        examples=[["Các Công đoàn cơ sở trực thuộc"]],
    )
    don_vi_soan_thao: str | None = Field(
        None, description="Đơn vị soạn thảo, ghi sau tên cơ quan trong ký hiệu (12/UBND-VX)", examples=["VP"]
    )

    @field_validator("trich_yeu", mode="before")
    @classmethod
    def _bo_vv(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower().startswith("v/v"):
            return value.strip()[3:].strip()
        return value


class VanBanKhac(VanBanChung):
    """Văn bản có tên loại (mẫu 1.4): Báo cáo, Tờ trình, Thông báo, Hướng dẫn, Đề án, Quy chế..."""

    TEN: ClassVar[str] = "Văn bản có tên loại: báo cáo, tờ trình, thông báo, hướng dẫn, đề án… (mẫu 1.4)"

    loai: Literal["van_ban"] = Field(description="Loại hồ sơ: van_ban (văn bản có tên loại)")
    ten_loai: str = Field(
        min_length=1, description="Tên loại văn bản theo Phụ lục III (BÁO CÁO, TỜ TRÌNH...)", examples=["BÁO CÁO"]
    )


class CongDien(VanBanChung):
    """Công điện (mẫu 1.6): "<người đứng đầu> điện:" and the bodies it is sent to."""

    CO_NOI_GUI: ClassVar[bool] = True

    TEN: ClassVar[str] = "Công điện (mẫu 1.6)"

    loai: Literal["cong_dien"] = Field(description="Loại hồ sơ: cong_dien (công điện)")
    nguoi_dien: str = Field(
        min_length=1,
        description="Cơ quan hoặc chức danh người đứng đầu điện (in trước chữ 'điện:')",
        examples=["CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH"],
    )
    kinh_gui: list[str] = Field(
        min_length=1,
        description="Các cơ quan nhận điện, mỗi nơi một dòng",
        examples=[["Ủy ban nhân dân các huyện, thành phố", "Các sở, ban, ngành tỉnh"]],
    )


class GiayMoi(VanBanChung):
    """Giấy mời (mẫu 1.7): who invites whom, to what, chair, time, place."""

    CO_NOI_GUI: ClassVar[bool] = True

    TEN: ClassVar[str] = "Giấy mời (mẫu 1.7)"

    loai: Literal["giay_moi"] = Field(description="Loại hồ sơ: giay_moi (giấy mời)")
    ben_moi: str = Field(
        min_length=1,
        description="Bên mời, như viết trong câu ('Ban Thường vụ Liên đoàn Lao động tỉnh')",
        examples=["Ban Thường vụ Liên đoàn Lao động tỉnh Bến Tre"],
    )
    nguoi_duoc_moi: str = Field(
        min_length=1,
        description="Người hoặc cơ quan được mời ('trân trọng kính mời: ...')",
        examples=["Đồng chí Chủ tịch Công đoàn cơ sở"],
    )
    toi_du: str = Field(
        min_length=1, description="Tới dự: tên cuộc họp, hội nghị", examples=["Hội nghị tổng kết năm 2025"]
    )
    chu_tri: str | None = Field(
        None, description="Người chủ trì", examples=["Đồng chí Chủ tịch Liên đoàn Lao động tỉnh"]
    )
    thoi_gian: str = Field(
        min_length=1,
        description="Thời gian (ví dụ '08 giờ 00 phút, thứ Năm, ngày 12/3/2026')",
        examples=["08 giờ 00 phút, thứ Năm, ngày 12/3/2026"],
    )
    dia_diem: str = Field(min_length=1, description="Địa điểm", examples=["Hội trường Liên đoàn Lao động tỉnh"])
    mang_theo: str | None = Field(
        None, description="Tài liệu, vật dụng đề nghị mang theo", examples=["báo cáo kết quả năm 2025 của đơn vị"]
    )
    noi_dung: NoiDung = Field(default_factory=list, description="Các đoạn thêm sau địa điểm (nếu cần)")


class GiayGioiThieu(VanBanChung):
    """Giấy giới thiệu (mẫu 1.8): who, position, sent to, purpose, valid until."""

    CO_NOI_GUI: ClassVar[bool] = True
    IN_TRICH_YEU: ClassVar[bool] = False

    TEN: ClassVar[str] = "Giấy giới thiệu (mẫu 1.8)"

    loai: Literal["giay_gioi_thieu"] = Field(description="Loại hồ sơ: giay_gioi_thieu (giấy giới thiệu)")
    ben_gioi_thieu: str = Field(
        min_length=1,
        description="Bên giới thiệu, như viết trong câu ('Liên đoàn Lao động tỉnh')",
        examples=["Liên đoàn Lao động tỉnh Bến Tre"],
    )
    nguoi_duoc_gioi_thieu: str = Field(
        min_length=1, description="Họ và tên người được giới thiệu", examples=["Trần Thị Bình"]
    )
    danh_xung: Literal["Ông", "Bà"] | None = Field(
        None, description="Ông hoặc Bà; bỏ trống thì in 'Ông (bà)'", examples=["Bà"]
    )
    chuc_vu: str = Field(
        min_length=1, description="Chức vụ của người được giới thiệu", examples=["Chuyên viên Ban Tổ chức"]
    )
    duoc_cu_den: str = Field(
        min_length=1, description="Cơ quan, tổ chức được cử đến", examples=["Công đoàn cơ sở Công ty TNHH An Phú"]
    )
    ve_viec: str = Field(min_length=1, description="Về việc", examples=["Khảo sát tình hình đoàn viên"])
    co_gia_tri_den: date = Field(description="Giấy có giá trị đến hết ngày", examples=["2026-04-30"])
    trich_yeu: str = Field("", description="Không in; dùng làm trích yếu trong sổ đăng ký (tự tạo nếu bỏ trống)")
    noi_dung: NoiDung = Field(default_factory=list, description="Các đoạn thêm (nếu cần)")

    @field_validator("co_gia_tri_den", mode="before")
    @classmethod
    def _doc_han(cls, value: Any) -> Any:
        return _ngay(value)

    @model_validator(mode="after")
    def _trich_yeu_so(self) -> GiayGioiThieu:
        if not self.trich_yeu:
            object.__setattr__(self, "trich_yeu", f"Giới thiệu {self.nguoi_duoc_gioi_thieu} đến {self.duoc_cu_den}")
        return self


class BienBan(VanBanChung):
    """Biên bản (mẫu 1.9): time, place, attendees, chair, secretary; both sign; no date line."""

    TEN: ClassVar[str] = "Biên bản (mẫu 1.9)"

    loai: Literal["bien_ban"] = Field(description="Loại hồ sơ: bien_ban (biên bản)")
    thoi_gian_bat_dau: str = Field(
        min_length=1,
        description="Thời gian bắt đầu (ví dụ '08 giờ 00, ngày 12/3/2026')",
        examples=["08 giờ 00, ngày 12/3/2026"],
    )
    dia_diem: str = Field(min_length=1, description="Địa điểm", examples=["Phòng họp Liên đoàn Lao động tỉnh"])
    thanh_phan: list[str] = Field(
        min_length=1,
        description="Thành phần tham dự (một hoặc nhiều dòng)",
        examples=[["Các đồng chí Ủy viên Ban Thường vụ"]],
    )
    chu_tri: NguoiHop = Field(
        description="Chủ trì (chủ tọa): ký bên phải", examples=[{"ho_ten": "Nguyễn Văn An", "chuc_vu": "Chủ tịch"}]
    )
    thu_ky: NguoiHop = Field(
        description="Thư ký (người ghi biên bản): ký bên trái",
        examples=[{"ho_ten": "Trần Thị Bình", "chuc_vu": "Chánh Văn phòng"}],
    )
    cuoc_hop: str = Field("cuộc họp", description="Tên gọi: cuộc họp, hội nghị, hội thảo")
    ket_thuc_luc: str = Field(
        min_length=1,
        description="Kết thúc vào lúc (ví dụ '11 giờ 30 phút cùng ngày')",
        examples=["11 giờ 30 phút cùng ngày"],
    )
    chu_ky: list[ChuKy] = Field(default_factory=list, description="Không dùng: thư ký và chủ tọa ký")
    noi_nhan: list[str | NhomNoiNhan] = Field(default_factory=list, description="Nơi nhận (không bắt buộc)")

    @field_validator("thanh_phan", mode="before")
    @classmethod
    def _mot_dong(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def cac_chu_ky(self) -> list[ChuKy]:
        return [
            ChuKy(thay="THƯ KÝ", ho_ten=self.thu_ky.ho_ten, anh_chu_ky=self.thu_ky.anh_chu_ky),
            ChuKy(thay="CHỦ TỌA", ho_ten=self.chu_tri.ho_ten, anh_chu_ky=self.chu_tri.anh_chu_ky),
        ]


class GiayNghiPhep(VanBanChung):
    """Giấy nghỉ phép (mẫu 1.10)."""

    IN_TRICH_YEU: ClassVar[bool] = False

    TEN: ClassVar[str] = "Giấy nghỉ phép (mẫu 1.10)"

    loai: Literal["giay_nghi_phep"] = Field(description="Loại hồ sơ: giay_nghi_phep (giấy nghỉ phép)")
    ben_cap: str = Field(
        min_length=1,
        description="Người hoặc cơ quan cấp giấy, như viết trong câu ('Giám đốc Sở Nội vụ')",
        examples=["Chủ tịch Liên đoàn Lao động tỉnh Bến Tre"],
    )
    ngay_don: date = Field(description="Ngày của đơn đề nghị nghỉ phép", examples=["2026-03-10"])
    nguoi_nghi: str = Field(min_length=1, description="Họ và tên người nghỉ phép", examples=["Trần Thị Bình"])
    danh_xung: Literal["Ông", "Bà"] | None = Field(
        None, description="Ông hoặc Bà; bỏ trống thì in 'ông (bà)'", examples=["Bà"]
    )
    chuc_vu: str = Field(
        min_length=1, description="Chức vụ, đơn vị công tác của người nghỉ phép", examples=["Chuyên viên Văn phòng"]
    )
    so_ngay: SoNguyen = Field(ge=1, description="Số ngày nghỉ phép", examples=[5])
    tu_ngay: date = Field(description="Nghỉ từ ngày", examples=["2026-04-06"])
    den_ngay: date = Field(description="Nghỉ đến hết ngày", examples=["2026-04-10"])
    noi_nghi: str = Field(min_length=1, description="Nơi nghỉ phép", examples=["Phường An Hội, tỉnh Bến Tre"])
    tinh_vao: str = Field(
        min_length=1,
        description="Số ngày nghỉ tính vào thời gian nào (ví dụ 'nghỉ phép năm 2026')",
        examples=["nghỉ phép năm 2026"],
    )
    xac_nhan_noi_nghi: bool = Field(False, description="In ô xác nhận của cơ quan, chính quyền nơi nghỉ phép")
    ho_ten_xac_nhan: str = Field(
        "",
        description="Họ và tên người xác nhận nơi nghỉ phép, in đậm dưới chỗ ký; bỏ trống để người đó tự ghi",
        examples=["Lý Văn Tài"],
    )
    trich_yeu: str = Field("", description="Không in; dùng làm trích yếu trong sổ đăng ký (tự tạo nếu bỏ trống)")
    noi_dung: NoiDung = Field(default_factory=list, description="Các đoạn thêm (nếu cần)")

    @field_validator("ngay_don", "tu_ngay", "den_ngay", mode="before")
    @classmethod
    def _doc_ngay_nghi(cls, value: Any) -> Any:
        return _ngay(value)

    @model_validator(mode="after")
    def _trich_yeu_so(self) -> GiayNghiPhep:
        if self.den_ngay < self.tu_ngay:
            raise ValueError("den_ngay phải sau hoặc bằng tu_ngay")
        if not self.trich_yeu:
            object.__setattr__(self, "trich_yeu", f"Cho {self.nguoi_nghi} nghỉ phép {self.so_ngay} ngày")
        return self


class PhuLucRieng(VanBanChung):
    """Phụ lục issued as a file of its own (mẫu 2.1 / 2.2): no header, no signature."""

    IN_TRICH_YEU: ClassVar[bool] = False

    TEN: ClassVar[str] = "Phụ lục thành tệp riêng (mẫu 2.1, 2.2)"

    loai: Literal["phu_luc"] = Field(description="Loại hồ sơ: phu_luc (phụ lục thành tệp riêng)")
    kem_theo: str = Field(
        min_length=1,
        description="Văn bản mà phụ lục kèm theo, như in trong '(Kèm theo ...)'",
        examples=["Kế hoạch số 05/KH-LĐLĐ ngày 20/3/2026 của Liên đoàn Lao động tỉnh"],
    )
    thoi_gian_ky: datetime | None = Field(
        None, description="Phụ lục điện tử: thời gian ký số, in ở ô 14", examples=["2026-03-20T09:30:00+07:00"]
    )
    dia_danh: str = Field("", description="Không dùng")
    trich_yeu: str = Field("", description="Không in; trích yếu trong sổ (tự lấy tên phụ lục)")
    noi_dung: NoiDung = Field(default_factory=list, description="Không dùng: nội dung nằm trong phu_luc")
    chu_ky: list[ChuKy] = Field(default_factory=list, description="Không dùng")
    noi_nhan: list[str | NhomNoiNhan] = Field(default_factory=list, description="Không dùng")
    phu_luc: list[PhuLuc] = Field(
        min_length=1,
        description="Các phụ lục của tệp",
        examples=[[{"tieu_de": "Danh sách đơn vị được khen thưởng", "noi_dung": [{"doan": "Nội dung phụ lục."}]}]],
    )

    @model_validator(mode="after")
    def _trich_yeu_so(self) -> PhuLucRieng:
        if not self.trich_yeu:
            object.__setattr__(self, "trich_yeu", self.phu_luc[0].tieu_de)
        return self


class VanBanKemTheoRieng(VanBanChung):
    """mẫu 1.3 (điện tử): the document a Quyết định issues, as an electronic file of its own.

    The file carries the issuing body's names and the Quốc hiệu, the document's title,
    trích yếu and "(Kèm theo Quyết định số ...)", and, top right of page 1, the
    body's digital-signature text "Số: <QĐ's number>; <time>" (Phụ lục I §II.8.b).
    """

    IN_TRICH_YEU: ClassVar[bool] = False

    TEN: ClassVar[str] = "Văn bản ban hành kèm theo quyết định, tệp điện tử riêng (mẫu 1.3)"

    loai: Literal["van_ban_kem_theo"] = Field(
        description="Loại hồ sơ: van_ban_kem_theo (văn bản được ban hành kèm theo quyết định, thành tệp riêng)"
    )
    van_ban_kem_theo: VanBanKemTheo = Field(
        description="Văn bản được ban hành (Quy chế, Quy định...): tên loại, trích yếu, nội dung",
        examples=[
            {
                "ten_loai": "Quy chế",
                "trich_yeu": "Quản lý Quỹ khuyến học",
                "noi_dung": [{"dieu": "Phạm vi điều chỉnh", "noi_dung": ["Quy chế này quy định ..."]}],
            }
        ],
    )
    thoi_gian_ky: datetime | None = Field(
        None,
        description="Thời gian ký số của cơ quan trên tệp, in ở góc trên bên phải cùng số của quyết định",
        examples=["2026-02-03T15:20:00+07:00"],
    )
    dia_danh: str = Field("", description="Không dùng")
    trich_yeu: str = Field("", description="Không in; trích yếu trong sổ (tự lấy trích yếu văn bản được ban hành)")
    noi_dung: NoiDung = Field(default_factory=list, description="Không dùng: nội dung nằm trong van_ban_kem_theo")
    chu_ky: list[ChuKy] = Field(default_factory=list, description="Không dùng (văn thư ký số trên tệp)")
    noi_nhan: list[str | NhomNoiNhan] = Field(default_factory=list, description="Không dùng")

    @model_validator(mode="after")
    def _trich_yeu_so(self) -> VanBanKemTheoRieng:
        if not self.trich_yeu:
            object.__setattr__(self, "trich_yeu", self.van_ban_kem_theo.trich_yeu)
        return self


KINDS: tuple[type[VanBanChung], ...] = (
    KeHoach,
    ChuongTrinhPhoiHop,
    QuyetDinh,
    NghiQuyet,
    CongVan,
    VanBanKhac,
    CongDien,
    GiayMoi,
    GiayGioiThieu,
    BienBan,
    GiayNghiPhep,
    PhuLucRieng,
    VanBanKemTheoRieng,
)
VanBan = Annotated[
    KeHoach
    | ChuongTrinhPhoiHop
    | QuyetDinh
    | NghiQuyet
    | CongVan
    | VanBanKhac
    | CongDien
    | GiayMoi
    | GiayGioiThieu
    | BienBan
    | GiayNghiPhep
    | PhuLucRieng
    | VanBanKemTheoRieng,
    Field(discriminator="loai"),
]
LOAI_VAN_BAN: tuple[str, ...] = tuple(get_args(k.model_fields["loai"].annotation)[0] for k in KINDS)

