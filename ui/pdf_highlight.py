"""Find quoted sentences on a PDF page and mark them on the rendered page image.

The quotes come from the *cleaned* document text (ingest.cleanup): ligatures expanded,
line-end hyphenation undone, running headers dropped, whitespace folded. So the page's
characters (read with pypdfium2) and each quote are compared in a matching form that
ignores all of that: every character is NFKD-decomposed and casefolded, and only letters
and digits are kept ("Auslands-⏎dienstreisen" and "Auslandsdienstreisen" both read
"auslandsdienstreisen", "ﬁ" reads "fi", "ä" reads "a"). A map from the matching form back
to the page's character indices turns a match into character boxes, which pdfium merges
into one rectangle per text line.

A quote that runs on onto the next (or began on the previous) page is found in part: the
longest beginning or end of it, at least ``MIN_PART_WORDS`` words long, that stands on this
page.

Pure functions, no Streamlit; ui.page_preview caches and shows the result.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageChops, ImageDraw

RENDER_SCALE = 1.5  # 108 dpi: readable on screen, small enough to send quickly
# A highlighter: multiplied onto the page, white turns this yellow and the text stays dark.
HIGHLIGHT_RGB = (255, 229, 138)  # the passage's <mark> colour (ui.safe_text.MARK_STYLE)
PAD_PT = 1.0  # the boxes reach a little beyond the glyphs
MIN_PART_WORDS = 4  # shortest beginning/end of a quote that counts as found on a page

Part = Literal["all", "start", "end"]


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF page coordinates (points, origin bottom left)."""

    left: float
    bottom: float
    right: float
    top: float

    @property
    def height(self) -> float:
        return self.top - self.bottom


@dataclass(frozen=True)
class QuoteHit:
    """Where (part of) one quote stands on the page."""

    quote: str
    part: Part  # "all", or the "start"/"end" of a quote that crosses a page break
    first_char: int  # page character indices, inclusive
    last_char: int
    boxes: tuple[Box, ...]


@dataclass(frozen=True)
class HighlightedPage:
    png: bytes
    hits: tuple[QuoteHit, ...]

    @property
    def found(self) -> bool:
        return any(h.boxes for h in self.hits)


# ---------------------------------------------------------------------------------------
# matching form
# ---------------------------------------------------------------------------------------


@cache
def _fold_char(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", ch).casefold() if c.isalnum())


def normalise(text: str) -> str:
    """The matching form: letters and digits only, decomposed, accents dropped, casefolded."""
    return "".join(_fold_char(ch) for ch in text)


@dataclass(frozen=True)
class PageText:
    """A page's characters in matching form, with the char index behind each position."""

    key: str
    owner: tuple[int, ...]  # owner[j] = page char index that produced key[j]


def page_chars(textpage: pdfium.PdfTextPage) -> list[str]:
    """The page's characters, one per pdfium char index (generated spaces included)."""
    out = []
    for i in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage, i)
        out.append(chr(code) if 0 < code < 0x110000 else "")
    return out


def page_text(chars: Sequence[str]) -> PageText:
    """The matching form of the page's characters (see :func:`page_chars`)."""
    key: list[str] = []
    owner: list[int] = []
    for i, ch in enumerate(chars):
        folded = _fold_char(ch)
        key.append(folded)
        owner.extend([i] * len(folded))
    return PageText("".join(key), tuple(owner))


def _word_prefix_len(words: Sequence[str], n: int) -> int:
    return sum(len(normalise(w)) for w in words[:n])


def _longest_part(page: str, qkey: str, min_len: int, *, start: bool) -> tuple[int, int] | None:
    """Key span of the longest beginning (``start``) or end of ``qkey`` found in ``page``.

    Presence is monotone in the length (a shorter beginning is inside a longer one), so a
    binary search finds the longest. A beginning is taken at its last occurrence (the
    quote runs on past the page end), an end at its first.
    """
    def find(n: int) -> int:
        return page.rfind(qkey[:n]) if start else page.find(qkey[len(qkey) - n:])

    lo, hi = min_len, len(qkey) - 1
    if lo < 1 or lo > hi or find(lo) < 0:
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if find(mid) >= 0:
            lo = mid
        else:
            hi = mid - 1
    pos = find(lo)
    return pos, pos + lo


def locate(page: PageText, quote: str) -> tuple[Part, int, int] | None:
    """(part, first char, last char) of ``quote`` on the page, or None.

    The whole quote if it is there; otherwise the longer of its longest beginning and its
    longest end of at least ``MIN_PART_WORDS`` words (a quote crossing a page break).
    """
    qkey = normalise(quote)
    if not qkey or not page.key:
        return None
    pos = page.key.find(qkey)
    if pos >= 0:
        return "all", page.owner[pos], page.owner[pos + len(qkey) - 1]
    words = quote.split()
    if len(words) <= MIN_PART_WORDS:
        return None
    head = _longest_part(page.key, qkey, _word_prefix_len(words, MIN_PART_WORDS), start=True)
    tail_min = _word_prefix_len(words[::-1], MIN_PART_WORDS)
    tail = _longest_part(page.key, qkey, tail_min, start=False)
    found: list[tuple[Part, tuple[int, int]]] = [
        (name, span) for name, span in (("start", head), ("end", tail)) if span is not None
    ]
    if not found:
        return None
    part, (a, b) = max(found, key=lambda x: x[1][1] - x[1][0])
    return part, page.owner[a], page.owner[b - 1]


def _edge_marks(text: str, *, start: bool) -> int:
    """How many non-alphanumeric, non-space characters ``text`` begins (ends) with."""
    n = 0
    for ch in text if start else reversed(text):
        if ch.isspace() or normalise(ch):
            break
        n += 1
    return n


def _widen(chars: Sequence[str], first: int, last: int, quote: str, part: Part) -> tuple[int, int]:
    """Take in the quote's own punctuation at its edges ("…einzubinden." with the dot)."""
    def mark(i: int) -> bool:
        return 0 <= i < len(chars) and bool(chars[i].strip()) and not normalise(chars[i])

    if part != "end":  # the quote begins on this page
        for _ in range(_edge_marks(quote.strip(), start=True)):
            if not mark(first - 1):
                break
            first -= 1
    if part != "start":  # the quote ends on this page
        for _ in range(_edge_marks(quote.strip(), start=False)):
            if not mark(last + 1):
                break
            last += 1
    return first, last


# ---------------------------------------------------------------------------------------
# boxes
# ---------------------------------------------------------------------------------------


def _same_line(a: Box, b: Box) -> bool:
    overlap = min(a.top, b.top) - max(a.bottom, b.bottom)
    gap = max(a.left, b.left) - min(a.right, b.right)
    return overlap >= 0.5 * min(a.height, b.height) and gap <= 1.5 * max(a.height, b.height)


def merge_lines(boxes: Iterable[Box]) -> list[Box]:
    """Neighbouring boxes on one text line (e.g. a font change mid-line) become one."""
    merged: list[Box] = []
    for box in boxes:
        if box.right <= box.left or box.top <= box.bottom:
            continue
        if merged and _same_line(merged[-1], box):
            last = merged[-1]
            merged[-1] = Box(min(last.left, box.left), min(last.bottom, box.bottom),
                             max(last.right, box.right), max(last.top, box.top))
        else:
            merged.append(box)
    return merged


def line_boxes(textpage: pdfium.PdfTextPage, first: int, last: int) -> list[Box]:
    """One rectangle per text line covering page chars ``first``..``last``."""
    n = textpage.count_rects(first, last - first + 1)
    return merge_lines(Box(*textpage.get_rect(i)) for i in range(n))


def find_on_textpage(textpage: pdfium.PdfTextPage, quotes: Iterable[str]) -> list[QuoteHit]:
    """Every quote (blank and repeated ones skipped) that stands, wholly or in part, here."""
    chars = page_chars(textpage)
    page = page_text(chars)
    hits = []
    for quote in dict.fromkeys(q for q in quotes if q and q.strip()):
        where = locate(page, quote)
        if where is None:
            continue
        part, first, last = where
        first, last = _widen(chars, first, last, quote, part)
        hits.append(QuoteHit(quote, part, first, last,
                             tuple(line_boxes(textpage, first, last))))
    return hits


def _open_page(pdf: pdfium.PdfDocument, page: int) -> pdfium.PdfPage:
    if not 1 <= page <= len(pdf):
        raise ValueError(f"Seite {page} gibt es nicht (das PDF hat {len(pdf)} Seiten).")
    return pdf[page - 1]


def find_quotes(path: str | Path, page: int, quotes: Iterable[str]) -> list[QuoteHit]:
    """Where the quotes stand on 1-based ``page`` of the PDF at ``path``."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        return find_on_textpage(_open_page(pdf, page).get_textpage(), quotes)
    finally:
        pdf.close()


# ---------------------------------------------------------------------------------------
# drawing
# ---------------------------------------------------------------------------------------


def to_pixels(box: Box, page_box: tuple[float, float, float, float],
              scale: float = RENDER_SCALE, pad: float = PAD_PT) -> tuple[int, int, int, int]:
    """``box`` as (x0, y0, x1, y1) pixels of the page rendered at ``scale``.

    ``page_box`` is the rendered area (the crop box: left, bottom, right, top); PDF y grows
    upwards, image y downwards. Pages with a /Rotate are handled by render_highlighted.
    """
    left, _, _, top = page_box
    return (int((box.left - pad - left) * scale), int((top - box.top - pad) * scale),
            int(round((box.right + pad - left) * scale)),
            int(round((top - box.bottom + pad) * scale)))


def draw_highlights(image: Image.Image, rects: Iterable[tuple[int, int, int, int]],
                    color: tuple[int, int, int] = HIGHLIGHT_RGB) -> Image.Image:
    """The image with every pixel rectangle marked like a highlighter pen (multiply)."""
    base = image.convert("RGB")
    layer = Image.new("RGB", base.size, (255, 255, 255))
    draw = ImageDraw.Draw(layer)
    for x0, y0, x1, y1 in rects:
        draw.rectangle((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), fill=color)
    return ImageChops.multiply(base, layer)


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def render_highlighted(path: str | Path, page: int, quotes: Iterable[str] = (),
                       scale: float = RENDER_SCALE) -> HighlightedPage:
    """PNG of 1-based ``page`` at ``scale`` with the quotes found on it highlighted."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        pg = _open_page(pdf, page)
        hits = find_on_textpage(pg.get_textpage(), quotes)
        bitmap = pg.render(scale=scale)
        image = bitmap.to_pil()
        boxes = [b for h in hits for b in h.boxes]
        if boxes:
            if pg.get_rotation() % 360 == 0:
                rects = [to_pixels(b, pg.get_cropbox(), scale) for b in boxes]
            else:  # let pdfium map page to device coordinates, rotation included
                conv = bitmap.get_posconv(pg)
                rects = []
                for b in boxes:
                    x0, y0 = conv.to_bitmap(b.left - PAD_PT, b.top + PAD_PT)
                    x1, y1 = conv.to_bitmap(b.right + PAD_PT, b.bottom - PAD_PT)
                    rects.append((x0, y0, x1, y1))
            image = draw_highlights(image, rects)
        return HighlightedPage(png_bytes(image), tuple(hits))
    finally:
        pdf.close()
