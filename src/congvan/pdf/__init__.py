"""DOCX to PDF through LibreOffice: a kept-warm pool of unoserver workers, the cold soffice call as fallback.

Public entry points (the only names other modules should use):

- :func:`docx_bytes_to_pdf` — one DOCX in memory to PDF bytes (web previews).
- :func:`docx_to_pdf_many` / :func:`convert_to_pdf` — many DOCX files to PDFs next to them.
- :func:`docx_to_one_pdf` — bulk: chunks of one long document converted in parallel and joined.
- :func:`page_count`, :func:`split_pdf`, :func:`join_pdfs` — poppler helpers.
- :func:`warm_up`, :func:`shutdown` — start the workers early / stop them.

The names are resolved lazily (PEP 562): ``congvan render`` imports
:mod:`congvan.pdf.procs` for its staging folder on every run, and must not pay
for the pool, XML-RPC and HTTP modules unless it converts.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Public name -> the module that defines it.
_HOME = {
    "soffice_binary": "congvan.pdf.cold",
    "CHUNK_PAGES": "congvan.pdf.convert",
    "convert_to_pdf": "congvan.pdf.convert",
    "docx_bytes_to_pdf": "congvan.pdf.convert",
    "docx_to_one_pdf": "congvan.pdf.convert",
    "docx_to_pdf_many": "congvan.pdf.convert",
    "warm_up": "congvan.pdf.convert",
    "join_pdfs": "congvan.pdf.poppler",
    "page_count": "congvan.pdf.poppler",
    "split_pdf": "congvan.pdf.poppler",
    "shutdown": "congvan.pdf.warm",
}

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


def __getattr__(name: str) -> Any:
    """Import the defining module on first use of a public name."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
