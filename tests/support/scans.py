"""Scanned documents for the OCR tests: text drawn with reportlab, rasterised with pypdfium2,
turned slightly and sprinkled with noise like a scanner does, saved as image-only PDFs or
images (deterministic for a seed)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# A German letter; the key fact (amount, date, account) sits in the third paragraph.
LETTER = [
    "Stadtwerke Kesselbach GmbH · Mühlenweg 14 · 74613 Kesselbach",
    "",
    "Frau Jördis Weißgerber",
    "Schloßstraße 27",
    "74613 Kesselbach",
    "",
    "Kesselbach, den 12. Februar 2026",
    "",
    "Jahresabrechnung Strom und Wasser 2025, Kundennummer 4471-0932",
    "",
    "Sehr geehrte Frau Weißgerber,",
    "",
    "für den Abrechnungszeitraum vom 1. Januar bis 31. Dezember 2025 übersenden",
    "wir Ihnen die Jahresabrechnung. Ihr Verbrauch betrug 2.918 Kilowattstunden",
    "Strom und 84 Kubikmeter Wasser. Die Zählerstände wurden am 3. Januar 2026",
    "von unserem Außendienst abgelesen.",
    "",
    "Aus der Abrechnung ergibt sich eine Nachzahlung von 317,45 Euro. Bitte",
    "überweisen Sie den Betrag bis zum 16. März 2026 auf unser Konto bei der",
    "Sparkasse Hohenlohe. Ihr monatlicher Abschlag erhöht sich ab April 2026",
    "auf 96 Euro; die neue Übersicht der Fälligkeiten liegt diesem Schreiben bei.",
    "",
    "Für Rückfragen erreichen Sie unser Kundenbüro montags bis freitags von",
    "8 bis 17 Uhr. Größere Änderungen Ihres Verbrauchs teilen Sie uns bitte",
    "frühzeitig mit, damit wir den Abschlag anpassen können.",
    "",
    "Mit freundlichen Grüßen",
    "",
    "Björn Käßmann",
    "Abteilung Kundenservice",
]
KEY_FACT = "Nachzahlung von 317,45 Euro"
# A short first page, so that the letter (and its key fact) is page 2 of a scan.
COVER = ["Anlage zur Jahresabrechnung 2025", "", "Bitte bewahren Sie dieses Schreiben auf."]


def _font() -> str:
    if "ScanBody" not in pdfmetrics.getRegisteredFontNames() and _DEJAVU.is_file():
        pdfmetrics.registerFont(TTFont("ScanBody", str(_DEJAVU)))
    return "ScanBody" if _DEJAVU.is_file() else "Helvetica"


def text_pdf(pages: list[list[str]], size: float = 11.5) -> bytes:
    """A text PDF (A4) with one line per string, as the original of a scan."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    font = _font()
    for lines in pages:
        c.setFont(font, size)
        y = 780
        for line in lines:
            c.drawString(70, y, line)
            y -= size * 1.45
        c.showPage()
    c.save()
    return buf.getvalue()


def rasterise(pdf: bytes, dpi: int, *, angle: float = 1.3, noise: float = 12.0,
              seed: int = 7) -> list[Image.Image]:
    """Every page as a grey "scan": rendered at ``dpi``, turned by ``angle`` degrees, with
    Gaussian noise and a few specks."""
    import pypdfium2 as pdfium

    rng = np.random.default_rng(seed)
    out = []
    doc = pdfium.PdfDocument(pdf)
    try:
        for page in doc:
            img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
            a = np.asarray(img, dtype=np.float32)
            a = a + rng.normal(0, noise, a.shape)
            specks = rng.random(a.shape) < 0.0005
            a[specks] = 0
            out.append(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L"))
    finally:
        doc.close()
    return out


def image_pdf(images: list[Image.Image], dpi: int) -> bytes:
    """An image-only PDF (no text layer), one page per image, A4 at ``dpi``."""
    buf = io.BytesIO()
    images[0].save(buf, "PDF", resolution=float(dpi), save_all=True,
                   append_images=images[1:])
    return buf.getvalue()


def scanned_pdf(path: Path, pages: list[list[str]], dpi: int = 300, **kw: float) -> Path:
    path.write_bytes(image_pdf(rasterise(text_pdf(pages), dpi, **kw), dpi))
    return path


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: Levenshtein distance over the reference length, whitespace
    runs counted as one space (umlauts and ß count like any character)."""
    from rapidfuzz.distance import Levenshtein

    ref = " ".join(reference.split())
    hyp = " ".join(hypothesis.split())
    return Levenshtein.distance(ref, hyp) / max(len(ref), 1)
