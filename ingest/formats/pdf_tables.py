"""Ruled tables in PDFs (pdfplumber's table finder) as rows that carry their headers.

Only pages whose content stream draws lines or rectangles are looked at, and only tables
pdfplumber finds from ruling lines (at least 2 rows and 2 columns) count; everywhere else
the page text stays as pypdf extracts it. On a page with such a table the text outside it
comes from pdfplumber, in reading order around the table, and the table becomes one line
per row: "Tagegeld | Inland: 28 Euro | Ausland: laut BMF-Tabelle". A table continued on
the next page without a repeated header row gets the previous page's header.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Any

from ingest.formats.structure import row_text

log = logging.getLogger(__name__)

_DRAWING_OPS = re.compile(rb"\s(?:re|l)\s")
_MIN_DRAWING_OPS = 6
_EDGE = 0.25  # a continued table ends in the last / starts in the first quarter of a page


def has_rulings(content: bytes) -> bool:
    """Cheap test on a page's content stream: enough line/rectangle operators for a grid."""
    return len(_DRAWING_OPS.findall(content)) >= _MIN_DRAWING_OPS


@dataclass
class _LastTable:
    columns: int
    header: list[str]
    near_bottom: bool


class TableFinder:
    """Finds ruled tables page by page in one PDF; opens it with pdfplumber on first use."""

    def __init__(self, data: bytes, password: str | None = None) -> None:
        self._data = data
        self._password = password
        self._pdf: Any = None
        self._last: _LastTable | None = None
        self._last_page = 0

    def page_text(self, number: int) -> str | None:
        """The page's text with its tables as header-carrying rows; None without a table."""
        try:
            if self._pdf is None:
                import pdfplumber

                self._pdf = pdfplumber.open(io.BytesIO(self._data),
                                            password=self._password or "")
            page = self._pdf.pages[number - 1]
            tables = [t for t in page.find_tables() if _is_table(t)]
        except Exception as exc:  # noqa: BLE001 - tables are a bonus; pypdf's text stays
            log.debug("table search on page %d failed: %s", number, exc)
            return None
        if self._last_page != number - 1:
            self._last = None
        self._last_page = number
        if not tables:
            self._last = None
            return None
        return self._compose(page, sorted(tables, key=lambda t: t.bbox[1]))

    def _compose(self, page: Any, tables: list[Any]) -> str:
        boxes = [t.bbox for t in tables]

        def outside(obj: dict[str, Any]) -> bool:
            cx = (obj.get("x0", 0) + obj.get("x1", 0)) / 2
            cy = (obj.get("top", 0) + obj.get("bottom", 0)) / 2
            return not any(x0 <= cx <= x1 and top <= cy <= bottom
                           for x0, top, x1, bottom in boxes)

        rest = page.filter(outside)
        parts: list[str] = []
        y = 0.0
        for i, table in enumerate(tables):
            x0, top, x1, bottom = table.bbox
            if top > y:
                parts.append(_band(rest, y, top))
            parts.append(self._rows(table, page.height, first=i == 0,
                                    last=i == len(tables) - 1))
            y = max(y, bottom)
        if y < page.height:
            parts.append(_band(rest, y, page.height))
        return "\n\n".join(p.strip() for p in parts if p.strip())

    def _rows(self, table: Any, height: float, *, first: bool, last: bool) -> str:
        rows = [[" ".join((c or "").split()) for c in r] for r in table.extract()]
        rows = [r for r in rows if any(r)]
        columns = max(len(r) for r in rows)
        prev = self._last
        continued = (first and prev is not None and prev.near_bottom
                     and prev.columns == columns and table.bbox[1] < _EDGE * height
                     and rows[0] != prev.header)
        if continued:
            header, body = prev.header, rows  # type: ignore[union-attr]
        else:
            header, body = rows[0], rows[1:]
        if last:
            self._last = _LastTable(columns, header, table.bbox[3] > (1 - _EDGE) * height)
        lines = [row_text(header, r) for r in body]
        if not continued:
            lines.insert(0, " | ".join(c for c in header if c))
        return "\n\n".join(line for line in lines if line)


def _is_table(table: Any) -> bool:
    try:
        rows = table.extract()
    except Exception:  # noqa: BLE001
        return False
    filled = [r for r in rows if any((c or "").strip() for c in r)]
    return len(filled) >= 2 and max(len(r) for r in filled) >= 2


def _band(page: Any, top: float, bottom: float) -> str:
    try:
        return page.crop((0, top, page.width, bottom), strict=False).extract_text() or ""
    except Exception:  # noqa: BLE001 - a band outside the media box
        return ""
