"""DOCX (Word) via python-docx: headings, paragraphs and tables in reading order.

Headers, footers, footnotes and comments are left out: they are page furniture or asides,
not the running text a question is about.
"""

from __future__ import annotations

import io
from pathlib import Path

from ingest.errors import CorruptFileError, EmptyFileError
from ingest.formats import require
from ingest.formats.safety import open_zip
from ingest.formats.structure import Outline
from rag.types import PageText

_HEADING_STYLES = ("heading", "überschrift", "title", "titel")


def docx_blocks(data: bytes, *, path: Path, name: str, max_unpacked_mb: int) -> list[PageText]:
    open_zip(data, path=path, name=name, kind="DOCX", max_unpacked_mb=max_unpacked_mb)
    docx = require("docx", "python-docx", path=path, name=name)
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        outline = Outline()
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                text = item.text
                if _is_heading(item):
                    outline.heading(text)
                else:
                    outline.paragraph(text)
            elif isinstance(item, Table):
                heads = _header_rows(item)
                outline.table(_table_rows(item, heads), header_rows=heads)
    except Exception as exc:  # python-docx raises KeyError/ValueError on broken parts
        raise CorruptFileError(path, "DOCX-Datei ist beschädigt oder keine Word-Datei",
                               "DOCX file is broken or not a Word file", name=name) from exc
    if not outline.blocks:
        raise EmptyFileError(path, "Dokument enthält keinen Text", "document contains no text",
                             name=name)
    return outline.blocks


def _is_heading(paragraph: object) -> bool:
    style = getattr(paragraph, "style", None)
    style_name = (getattr(style, "name", "") or "").lower()
    return style_name.startswith(_HEADING_STYLES)


def _table_rows(table: object, header_rows: int) -> list[list[str]]:
    """Cell texts on the table's grid. A merged cell appears once per grid column it spans:
    header rows repeat its text (each column keeps its header), body rows keep it once."""
    rows: list[list[str]] = []
    for r, row in enumerate(table.rows):  # type: ignore[attr-defined]
        cells: list[str] = []
        previous: object = None
        for cell in row.cells:
            same = cell._tc is previous
            previous = cell._tc
            cells.append("" if same and r >= header_rows else cell.text)
        rows.append(cells)
    return rows


def _header_rows(table: object) -> int:
    """Rows marked "repeat as header row" in Word; otherwise the first row."""
    marked = 0
    for row in table.rows:  # type: ignore[attr-defined]
        tr_pr = row._tr.trPr
        if tr_pr is None or tr_pr.find(
                "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is None:
            break
        marked += 1
    return max(marked, 1)
