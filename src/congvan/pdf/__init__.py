"""DOCX to PDF through LibreOffice: a kept-warm pool of unoserver workers, the cold soffice call as fallback.

Public entry points (the only names other modules should use):

- :func:`docx_bytes_to_pdf` — one DOCX in memory to PDF bytes (web previews).
- :func:`docx_to_pdf_many` / :func:`convert_to_pdf` — many DOCX files to PDFs next to them.
- :func:`docx_to_one_pdf` — bulk: chunks of one long document converted in parallel and joined.
- :func:`page_count`, :func:`split_pdf`, :func:`join_pdfs` — poppler helpers.
- :func:`warm_up`, :func:`shutdown` — start the workers early / stop them.
"""

from __future__ import annotations

from congvan.pdf.cold import soffice_binary
from congvan.pdf.convert import (
    CHUNK_PAGES,
    convert_to_pdf,
    docx_bytes_to_pdf,
    docx_to_one_pdf,
    docx_to_pdf_many,
    warm_up,
)
from congvan.pdf.poppler import join_pdfs, page_count, split_pdf
from congvan.pdf.warm import shutdown

__all__ = [
    "CHUNK_PAGES",
    "convert_to_pdf",
    "docx_bytes_to_pdf",
    "docx_to_one_pdf",
    "docx_to_pdf_many",
    "join_pdfs",
    "page_count",
    "shutdown",
    "soffice_binary",
    "split_pdf",
    "warm_up",
]
