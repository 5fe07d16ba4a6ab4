"""Small text PDFs drawn line by line with reportlab, for the tests."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def make_pdf(path: Path, pages: list[list[str]], font: str = "Helvetica",
             header: str = "") -> Path:
    """One PDF page per entry; each string is drawn as one line (below ``header``, a
    running header on every page, when given)."""
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for lines in pages:
        c.setFont(font, 11)
        if header:
            c.drawString(60, 810, header)
        y = 770 if header else 800
        for line in lines:
            c.drawString(60, y, line)
            y -= 15
        c.showPage()
    c.save()
    return path
