"""ODT (OpenDocument text) via odfpy: headings, paragraphs, lists and tables in order."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ingest.errors import CorruptFileError, EmptyFileError
from ingest.formats import require
from ingest.formats.safety import open_zip
from ingest.formats.structure import Outline
from rag.types import PageText

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
# Repeated empty columns/rows fill a sheet to its edge; more than this is never content.
_MAX_REPEAT = 100


def odt_blocks(data: bytes, *, path: Path, name: str, max_unpacked_mb: int) -> list[PageText]:
    open_zip(data, path=path, name=name, kind="ODT", max_unpacked_mb=max_unpacked_mb)
    opendocument = require("odf.opendocument", "odfpy", path=path, name=name)
    try:
        document = opendocument.load(io.BytesIO(data))
        outline = Outline()
        _walk(document.text, outline)
    except Exception as exc:  # odfpy raises many kinds on broken files
        raise CorruptFileError(path, "ODT-Datei ist beschädigt oder kein OpenDocument-Text",
                               "ODT file is broken or not an OpenDocument text",
                               name=name) from exc
    if not outline.blocks:
        raise EmptyFileError(path, "Dokument enthält keinen Text", "document contains no text",
                             name=name)
    return outline.blocks


def _text(element: Any) -> str:
    from odf import teletype

    return teletype.extractText(element)


def _walk(element: Any, outline: Outline) -> None:
    for child in element.childNodes:
        qname = getattr(child, "qname", None)
        if qname == (_TEXT, "h"):
            outline.heading(_text(child))
        elif qname == (_TEXT, "p"):
            outline.paragraph(_text(child))
        elif qname == (_TABLE, "table"):
            rows, heads = _table_rows(child)
            outline.table(rows, header_rows=heads or 1)
        elif qname is not None and qname[0] in (_TEXT, _TABLE) and qname[1] in (
                "list", "list-item", "list-header", "section", "table-of-content",
                "index-body"):
            _walk(child, outline)


def _table_rows(table: Any) -> tuple[list[list[str]], int]:
    """Cell texts on the table's grid and the number of declared header rows."""
    rows: list[list[str]] = []
    heads = 0

    def add_rows(parent: Any, header: bool) -> None:
        nonlocal heads
        for child in parent.childNodes:
            qname = getattr(child, "qname", None)
            if qname == (_TABLE, "table-header-rows"):
                add_rows(child, True)
            elif qname in ((_TABLE, "table-rows"), (_TABLE, "table-row-group")):
                add_rows(child, header)
            elif qname == (_TABLE, "table-row"):
                cells: list[str] = []
                for cell in child.childNodes:
                    if getattr(cell, "qname", None) == (_TABLE, "table-cell"):
                        text = "\n".join(_text(p) for p in cell.childNodes
                                         if getattr(p, "qname", None) == (_TEXT, "p"))
                        repeat = int(cell.getAttrNS(_TABLE, "number-columns-repeated") or 1)
                        cells.extend([text] * min(repeat, _MAX_REPEAT))
                    elif getattr(cell, "qname", None) == (_TABLE, "covered-table-cell"):
                        cells.append("")  # under a merged cell: keeps the grid aligned
                rows.append(cells)
                heads += header

    add_rows(table, False)
    return rows, heads
