"""HTML (.html/.htm) via trafilatura: the main text without navigation, footer and scripts.

trafilatura works on the given bytes only (it never fetches a URL, stylesheet or image);
its XML output keeps headings, paragraphs, lists and tables, which become blocks here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import defusedxml.ElementTree as DET

from ingest.errors import CorruptFileError, EmptyFileError
from ingest.formats import require
from ingest.formats.structure import Outline
from rag.types import PageText


def html_blocks(data: bytes, *, path: Path, name: str) -> list[PageText]:
    trafilatura = require("trafilatura", "trafilatura", path=path, name=name)
    try:
        xml = trafilatura.extract(
            data, output_format="xml", include_tables=True, include_comments=False,
            include_links=False, include_images=False, favor_recall=True,
            with_metadata=False, deduplicate=False,
        )
    except Exception as exc:  # lxml/trafilatura errors on malformed markup
        raise CorruptFileError(path, "HTML-Datei nicht lesbar", "HTML file not readable",
                               name=name) from exc
    if not xml:
        return _baseline(trafilatura, data, path=path, name=name)
    root = DET.fromstring(xml, forbid_dtd=True)
    outline = Outline()
    main = root.find("main")
    _walk(main if main is not None else root, outline)
    if not outline.blocks:
        raise EmptyFileError(path, "HTML-Seite enthält keinen erkennbaren Haupttext",
                             "HTML page has no recognisable main text", name=name)
    return outline.blocks


def _baseline(trafilatura: Any, data: bytes, *, path: Path, name: str) -> list[PageText]:
    """Very short pages (a one-line HTML mail) have no "main text" to find: all their
    visible text then, by trafilatura's baseline extractor."""
    from trafilatura.utils import decode_file

    try:
        markup = decode_file(data)
        if "<body" not in markup.lower():  # a fragment: the parser wants a document
            markup = f"<html><body>{markup}</body></html>"
        _, text, _ = trafilatura.baseline(markup)
    except Exception:  # noqa: BLE001 - reported as empty below
        text = ""
    outline = Outline()
    for line in (text or "").split("\n"):
        outline.paragraph(line)
    if not outline.blocks:
        raise EmptyFileError(path, "HTML-Seite enthält keinen erkennbaren Haupttext",
                             "HTML page has no recognisable main text", name=name)
    return outline.blocks


def _text(element: Any) -> str:
    # <lb/> is a line break inside a paragraph.
    parts: list[str] = [element.text or ""]
    for child in element:
        parts.append("\n" if child.tag == "lb" else _text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _walk(element: Any, outline: Outline) -> None:
    for child in element:
        tag = child.tag
        if tag == "head":
            outline.heading(_text(child))
        elif tag in ("p", "quote", "code", "item"):
            outline.paragraph(_text(child))
        elif tag == "list":
            _walk(child, outline)
        elif tag == "table":
            rows = [[_text(c) for c in row if c.tag == "cell"] for row in child.iter("row")]
            heads = 0
            for row in child.iter("row"):
                cells = [c for c in row if c.tag == "cell"]
                if cells and all(c.get("role") == "head" for c in cells):
                    heads += 1
                else:
                    break
            outline.table(rows, header_rows=heads or 1)
        elif tag in ("div", "section"):
            _walk(child, outline)
