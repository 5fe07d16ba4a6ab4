"""Blocks with section labels for formats without pages, and tables as self-describing rows.

A citation in a DOCX names "Abschnitt 3.2, Absatz 4": the nearest heading (its number when
it has one, else its text) and the paragraph's number below that heading. Table rows are
"Tabelle 1, Zeile 3" there, and each row's text carries its column headers, so a chunk
holding one row still says what every cell means.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.types import PageText

# "3.2 Reisekosten", "3.2. Reisekosten", "§ 4 Urlaub", "IV. Schluss"
_NUMBERED = re.compile(r"^(§\s*\d+[a-z]?|\d+(?:\.\d+)*\.?|[IVX]+\.)\s+\S")
_MAX_HEADING_CHARS = 60


def heading_label(text: str) -> str:
    """"3.2 Reisekosten" -> "Abschnitt 3.2"; "§ 4 Urlaub" -> "§ 4"; else the quoted text."""
    text = " ".join(text.split())
    m = _NUMBERED.match(text)
    if m:
        number = m.group(1).rstrip(".")
        if number.startswith("§"):
            return "§ " + number[1:].strip()
        return f"Abschnitt {number}"
    if len(text) > _MAX_HEADING_CHARS:
        text = text[:_MAX_HEADING_CHARS].rsplit(" ", 1)[0] + " …"
    return f"Abschnitt „{text}“"


def row_text(header: Sequence[str], row: Sequence[str]) -> str:
    """One table row with its column headers: "Tagegeld | Inland: 28 Euro | Ausland: …".

    A cell under an empty header (often the row-label column) stands alone; empty cells
    are left out.
    """
    parts: list[str] = []
    for i, cell in enumerate(row):
        cell = " ".join(cell.split())
        if not cell:
            continue
        head = " ".join(header[i].split()) if i < len(header) else ""
        parts.append(f"{head}: {cell}" if head and head != cell else cell)
    return " | ".join(parts)


class Outline:
    """Collects a document's blocks in reading order and labels each one."""

    def __init__(self) -> None:
        self.blocks: list[PageText] = []
        self._section = ""  # label of the current heading; "" before the first one
        self._paragraph = 0
        self._tables = 0

    def _where(self, tail: str) -> str:
        return f"{self._section}, {tail}" if self._section else tail

    def _add(self, text: str, label: str) -> None:
        if text.strip():
            self.blocks.append(PageText(1, text.strip(), label))

    def block(self, text: str, label: str) -> None:
        """A block with a label of its own (e.g. an e-mail's header lines)."""
        self._add(text, label)

    def heading(self, text: str) -> None:
        text = " ".join(text.split())
        if not text:
            return
        self._section = heading_label(text)
        self._paragraph = 0
        self._tables = 0
        self._add(text, self._section)

    def paragraph(self, text: str) -> None:
        if not text.strip():
            return
        self._paragraph += 1
        self._add(text, self._where(f"Absatz {self._paragraph}"))

    def table(self, rows: Sequence[Sequence[str]], header_rows: int = 1) -> None:
        """Rows of cell texts; the first ``header_rows`` rows are the column headers."""
        rows = [list(r) for r in rows if any(c.strip() for c in r)]
        if not rows:
            return
        self._tables += 1
        where = f"Tabelle {self._tables}"
        if len(rows) == 1 or header_rows == 0:
            for i, r in enumerate(rows, start=1):
                self._add(" | ".join(c.strip() for c in r if c.strip()),
                          self._where(f"{where}, Zeile {i}"))
            return
        header = [" ".join(" ".join(r[i] for r in rows[:header_rows] if i < len(r)).split())
                  for i in range(max(len(r) for r in rows))]
        for i, r in enumerate(rows[header_rows:], start=1):
            self._add(row_text(header, r), self._where(f"{where}, Zeile {i}"))
