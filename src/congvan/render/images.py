"""Pictures added at render time: signature scans and seals.

An :class:`ImageSet` hands out drawing XML (inline for the signature, floating
behind the text for the seal, which NĐ30 places over the left third of the
signature) and, once the body is rendered, the media parts and relationships that
the drawing XML points to.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from congvan.errors import CongvanError, Problem, display_path

if TYPE_CHECKING:  # python-docx is imported only when a document has a picture
    from docx.image.image import Image

EMU_PER_MM = 36000
_RELS = "word/_rels/document.xml.rels"
_IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"

_GRAPHIC = (
    '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
    '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
    '<pic:nvPicPr><pic:cNvPr id="0" name="{name}"/><pic:cNvPicPr/></pic:nvPicPr>'
    '<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
    '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
)


class ImageSet:
    """Images for one rendered document."""

    def __init__(self) -> None:
        self._media: dict[str, tuple[str, bytes]] = {}  # rId -> (part name, bytes)
        self._by_digest: dict[str, str] = {}
        self._next_id = 9000

    def __bool__(self) -> bool:
        return bool(self._media)

    def _add(self, path: str | Path) -> tuple[str, Image]:
        try:
            blob = Path(path).read_bytes()
            from docx.image.image import Image

            image = Image.from_blob(blob)
        except FileNotFoundError:
            raise CongvanError(Problem("không tìm thấy tệp ảnh", file=display_path(path))) from None
        except Exception:
            raise CongvanError(Problem("tệp ảnh không đọc được (cần PNG hoặc JPEG)", file=display_path(path))) from None
        digest = hashlib.sha1(blob).hexdigest()
        if digest not in self._by_digest:
            rid = f"rIdCv{len(self._media) + 1}"
            self._media[rid] = (f"word/media/congvan_{digest[:12]}.{image.ext}", blob)
            self._by_digest[digest] = rid
        return self._by_digest[digest], image

    def _size(self, image: Image, width_mm: float) -> tuple[int, int]:
        cx = int(width_mm * EMU_PER_MM)
        cy = int(cx * image.px_height / max(image.px_width, 1))
        return cx, cy

    def _doc_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def inline(self, path: str | Path, width_mm: float) -> Markup:
        """A run holding the picture in line with the text (centred by its paragraph)."""
        rid, image = self._add(path)
        cx, cy = self._size(image, width_mm)
        n = self._doc_id()
        return Markup(
            f'<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
            f'<wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{n}" name="Hinh {n}"/>'
            + _GRAPHIC.format(name=f"hinh{n}", rid=rid, cx=cx, cy=cy)
            + "</wp:inline></w:drawing></w:r>"
        )

    def floating(self, path: str | Path, width_mm: float, left_mm: float, top_mm: float) -> Markup:
        """A run holding a picture behind the text, placed from the column and paragraph."""
        rid, image = self._add(path)
        cx, cy = self._size(image, width_mm)
        n = self._doc_id()
        x, y = int(left_mm * EMU_PER_MM), int(top_mm * EMU_PER_MM)
        return Markup(
            '<w:r><w:drawing><wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" '
            f'relativeHeight="{n}" behindDoc="1" locked="0" layoutInCell="1" allowOverlap="1">'
            '<wp:simplePos x="0" y="0"/>'
            f'<wp:positionH relativeFrom="column"><wp:posOffset>{x}</wp:posOffset></wp:positionH>'
            f'<wp:positionV relativeFrom="paragraph"><wp:posOffset>{y}</wp:posOffset></wp:positionV>'
            f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
            f'<wp:docPr id="{n}" name="Dau {n}"/>'
            + _GRAPHIC.format(name=f"dau{n}", rid=rid, cx=cx, cy=cy)
            + "</wp:anchor></w:drawing></w:r>"
        )

    def height_mm(self, path: str | Path, width_mm: float) -> float:
        _, image = self._add(path)
        return width_mm * image.px_height / max(image.px_width, 1)

    def package_parts(self, template_parts: dict[str, bytes]) -> dict[str, bytes]:
        """Media parts plus the relationship and content-type parts that name them."""
        out: dict[str, bytes] = {name: blob for name, blob in self._media.values()}
        rels = template_parts[_RELS].decode("utf-8")
        extra = "".join(
            f'<Relationship Id="{rid}" Type="{_IMAGE_REL}" Target="{name[len("word/") :]}"/>'
            for rid, (name, _) in self._media.items()
        )
        out[_RELS] = rels.replace("</Relationships>", extra + "</Relationships>").encode("utf-8")
        types = template_parts["[Content_Types].xml"].decode("utf-8")
        for ext, ctype in (("png", "image/png"), ("jpeg", "image/jpeg"), ("jpg", "image/jpeg")):
            if not re.search(rf'Extension="{ext}"', types, re.I):
                types = types.replace("<Default ", f'<Default Extension="{ext}" ContentType="{ctype}"/><Default ', 1)
        out["[Content_Types].xml"] = types.encode("utf-8")
        return out
