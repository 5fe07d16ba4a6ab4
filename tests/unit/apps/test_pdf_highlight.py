"""Quoted sentences found and marked on real PDF pages (ui.pdf_highlight).

The quotes are taken from the cleaned text the way the answer gets them (ingest.cleanup:
hyphenation undone, ligatures expanded, running headers dropped); the PDFs are the committed
demo documents in corpora/ and PDFs made here with reportlab.
"""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from ingest.cleanup import clean_pages
from ingest.loaders import load_file
from rag.text.sentences import split_sentences
from rag.types import CleanText
from tests.support.paths import CORPORA
from tests.support.pdfs import make_pdf
from ui.page_preview import highlight_caption
from ui.pdf_highlight import (
    HIGHLIGHT_RGB,
    RENDER_SCALE,
    Box,
    HighlightedPage,
    QuoteHit,
    find_on_textpage,
    find_quotes,
    normalise,
    render_highlighted,
    to_pixels,
)

RICHTLINIE = CORPORA / "reisekostenrichtlinie.pdf"


def cleaned(path: Path) -> CleanText:
    return clean_pages(load_file(path).pages)


def sentences(clean: CleanText) -> list[tuple[int, str]]:
    """(page, sentence with folded whitespace) as the extractive answer quotes them."""
    return [(clean.page_at(s), " ".join(clean.text[s:e].split()))
            for s, e in split_sentences(clean.text)]


def sentence_starting(clean: CleanText, start: str) -> tuple[int, str]:
    return next((p, s) for p, s in sentences(clean) if s.startswith(start))


def read_back(path: Path, page: int, boxes: tuple[Box, ...]) -> str:
    """The page's text inside the boxes, as pdfium reads it (get_text_bounded)."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        tp = pdf[page - 1].get_textpage()
        return "".join(tp.get_text_bounded(b.left, b.bottom, b.right, b.top) for b in boxes)
    finally:
        pdf.close()


def only_hit(hits: list[QuoteHit]) -> QuoteHit:
    assert len(hits) == 1, hits
    return hits[0]


def yellow(rgb: tuple[int, int, int]) -> bool:
    """A highlighted background pixel: HIGHLIGHT_RGB, give or take anti-aliasing."""
    r, g, b = rgb[:3]
    return r >= 235 and 205 <= g <= 245 and 110 <= b <= 170


# ---------------------------------------------------------------------------------------
# (a) a sentence wrapped across lines, with hyphenation and ligatures
# ---------------------------------------------------------------------------------------


def test_hyphenated_sentence_over_three_lines_found_and_read_back() -> None:
    clean = cleaned(RICHTLINIE)
    page, quote = sentence_starting(clean, "Auslandsdienstreisen bedürfen")
    assert page == 1
    # In the PDF the word is split "Auslands-" / "dienstreisen": a plain search fails.
    pdf = pdfium.PdfDocument(str(RICHTLINIE))
    try:
        assert pdf[0].get_textpage().search(quote).get_next() is None
    finally:
        pdf.close()

    hit = only_hit(find_quotes(RICHTLINIE, page, [quote]))
    assert hit.part == "all"
    assert len(hit.boxes) == 3  # one rectangle per text line
    tops = [b.top for b in hit.boxes]
    assert tops == sorted(tops, reverse=True) and len(set(tops)) == 3
    assert all(b.top > b.bottom and b.right > b.left for b in hit.boxes)
    back = read_back(RICHTLINIE, page, hit.boxes)
    assert back.startswith("Auslands") and back.rstrip().endswith("einzubinden.")
    assert normalise(back) == normalise(quote)


def test_sentence_with_ligature_found_and_read_back() -> None:
    raw = load_file(RICHTLINIE).pages[0].text
    assert "Ein\ufb02uss der" in raw  # the text layer has the "ﬂ" ligature glyph
    clean = cleaned(RICHTLINIE)
    page, quote = sentence_starting(clean, "Dieser Einfluss der Genehmigung")
    hit = only_hit(find_quotes(RICHTLINIE, page, [quote]))
    assert hit.part == "all" and len(hit.boxes) == 3
    assert normalise(read_back(RICHTLINIE, page, hit.boxes)) == normalise(quote)


# Scans (corpora/*_scan.pdf) have no text layer to mark quotes in.
@pytest.mark.parametrize("name", sorted(p.name for p in CORPORA.glob("*.pdf")
                                        if not p.stem.endswith("_scan")))
def test_every_sentence_of_the_demo_pdfs_is_found_on_its_page(name: str) -> None:
    path = CORPORA / name
    pdf = pdfium.PdfDocument(str(path))
    try:
        pages = [pdf[i].get_textpage() for i in range(len(pdf))]
        checked = 0
        for page, quote in sentences(cleaned(path)):
            if len(quote.split()) < 3:
                continue
            hit = only_hit(find_on_textpage(pages[page - 1], [quote]))
            if hit.part == "all":
                tp = pages[page - 1]
                back = "".join(tp.get_text_bounded(b.left, b.bottom, b.right, b.top)
                               for b in hit.boxes)
                assert normalise(back) == normalise(quote), (page, quote)
                checked += 1
        assert checked >= 100
    finally:
        pdf.close()


# ---------------------------------------------------------------------------------------
# (b) a sentence that crosses a page break
# ---------------------------------------------------------------------------------------


def test_sentence_across_page_break_marked_on_both_pages() -> None:
    clean = cleaned(RICHTLINIE)
    page, quote = sentence_starting(clean, "In den Städten München")
    assert page == 3 and quote.endswith("165 Euro pro Nacht einschließlich Frühstück.")
    start = only_hit(find_quotes(RICHTLINIE, 3, [quote]))
    end = only_hit(find_quotes(RICHTLINIE, 4, [quote]))
    assert (start.part, end.part) == ("start", "end")
    head = read_back(RICHTLINIE, 3, start.boxes)
    tail = read_back(RICHTLINIE, 4, end.boxes)
    assert normalise(head).endswith("hochstbetragvon")
    assert normalise(tail) == normalise("165 Euro pro Nacht einschließlich Frühstück.")
    # Footer and header in between are not part of the quote; the two parts make it whole.
    assert normalise(head) + normalise(tail) == normalise(quote)
    assert len(start.boxes) == 2 and len(end.boxes) == 1
    # The beginning stands at the bottom of page 3, the end at the top of page 4.
    assert max(b.top for b in start.boxes) < 200 and min(b.bottom for b in end.boxes) > 700


def test_word_hyphenated_across_page_break_in_a_generated_pdf(tmp_path: Path) -> None:
    header = "Muster GmbH - Interne Richtlinie zur Erstattung"
    filler = [f"Absatz {i}: Dieser Satz steht nur hier, damit die Seite Text hat." for i in
              range(1, 5)]
    path = make_pdf(tmp_path / "umbruch.pdf", [
        [*filler, "Die Erstattung der Reisekosten erfolgt erst nach Vorlage aller Be-"],
        ["lege innerhalb von vier Wochen nach der Rückkehr von der Reise.",
         "Danach folgt ein weiterer Satz ohne Bezug zum Zitat."],
        ["Eine dritte Seite, damit Kopfzeilen als solche erkannt werden."],
    ], header=header)
    clean = cleaned(path)
    # The running head is kept once (page 1), not where it interrupts the sentence.
    assert clean.text.count(header) == 1 and clean.text.startswith(header)
    page, quote = sentence_starting(clean, "Die Erstattung der Reisekosten")
    assert "aller Belege innerhalb" in quote  # joined across the page break
    start = only_hit(find_quotes(path, 1, [quote]))
    end = only_hit(find_quotes(path, 2, [quote]))
    assert (page, start.part, end.part) == (1, "start", "end")
    head, tail = read_back(path, 1, start.boxes), read_back(path, 2, end.boxes)
    assert head.startswith("Die Erstattung") and "Be" in head
    assert tail.startswith("lege innerhalb") and tail.rstrip().endswith("Reise.")
    assert normalise(head) + normalise(tail) == normalise(quote)
    assert find_quotes(path, 3, [quote]) == []


# ---------------------------------------------------------------------------------------
# (c) what is not on the page is not marked
# ---------------------------------------------------------------------------------------


def test_text_not_on_the_page_gets_no_boxes() -> None:
    clean = cleaned(RICHTLINIE)
    _, elsewhere = sentence_starting(clean, "Mietwagen sind über den Rahmenvertrag")  # page 2
    assert find_quotes(RICHTLINIE, 1, [elsewhere]) == []
    assert find_quotes(RICHTLINIE, 2, [elsewhere]) != []
    for missing in ["Die Kantine öffnet montags bereits um sechs Uhr früh.",
                    # words that are all on page 1, but never in this order
                    "Reise Genehmigung Führungskraft Dienstreise Antrag Erstattung",
                    "", "   ", "Reisewarnung fehlt"]:
        assert find_quotes(RICHTLINIE, 1, [missing]) == [], missing
    with pytest.raises(ValueError, match="Seite 9"):
        find_quotes(RICHTLINIE, 9, ["egal"])


def test_several_quotes_each_found_once(tmp_path: Path) -> None:
    clean = cleaned(RICHTLINIE)
    _, a = sentence_starting(clean, "Auslandsdienstreisen bedürfen")
    _, b = sentence_starting(clean, "Jede Dienstreise ist vor Reiseantritt")
    hits = find_quotes(RICHTLINIE, 1, [a, b, a, "nicht auf der Seite, gar nicht, nirgends"])
    assert [h.quote for h in hits] == [a, b]


# ---------------------------------------------------------------------------------------
# (d) the rendered page: yellow inside the boxes, nowhere else
# ---------------------------------------------------------------------------------------


def test_png_is_yellow_inside_the_boxes_and_not_outside() -> None:
    clean = cleaned(RICHTLINIE)
    _, quote = sentence_starting(clean, "Auslandsdienstreisen bedürfen")
    shown = render_highlighted(RICHTLINIE, 1, [quote])
    plain = render_highlighted(RICHTLINIE, 1, [])
    assert shown.found and not plain.found
    image = Image.open(io.BytesIO(shown.png)).convert("RGB")
    assert image.size == Image.open(io.BytesIO(plain.png)).size
    pdf = pdfium.PdfDocument(str(RICHTLINIE))
    try:
        width, height = pdf[0].get_size()
        page_box = pdf[0].get_cropbox()
    finally:
        pdf.close()
    assert abs(image.size[0] - width * RENDER_SCALE) <= 1
    assert abs(image.size[1] - height * RENDER_SCALE) <= 1

    rects = [to_pixels(b, page_box) for b in only_hit(list(shown.hits)).boxes]
    inside = outside = area = 0
    pixels = image.load()
    for y in range(image.size[1]):
        for x in range(image.size[0]):
            hit = any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in rects)
            near = any(x0 - 3 <= x <= x1 + 3 and y0 - 3 <= y <= y1 + 3
                       for x0, y0, x1, y1 in rects)
            area += hit
            if yellow(pixels[x, y]):
                inside += hit
                outside += not near
    assert inside > 0.5 * area  # the background inside the boxes is yellow (text stays dark)
    assert outside == 0
    # The boxes lie where the sentence stands: in the lower half of page 1 (PDF y ~ 206-243).
    assert all(height * RENDER_SCALE * 0.6 < y0 < y1 < height * RENDER_SCALE * 0.8
               for _, y0, _, y1 in rects)
    # Nothing yellow on the page without quotes.
    blank = Image.open(io.BytesIO(plain.png)).convert("RGB")
    assert not any(yellow(blank.getpixel((x, y)))
                   for y in range(0, blank.size[1], 2) for x in range(0, blank.size[0], 2))
    assert tuple(pixels[rects[0][0] + 2, rects[0][1] + 1]) == HIGHLIGHT_RGB


def test_text_stays_readable_under_the_highlight() -> None:
    clean = cleaned(RICHTLINIE)
    _, quote = sentence_starting(clean, "Auslandsdienstreisen bedürfen")
    shown = render_highlighted(RICHTLINIE, 1, [quote])
    plain = render_highlighted(RICHTLINIE, 1, [])
    pdf = pdfium.PdfDocument(str(RICHTLINIE))
    try:
        page_box = pdf[0].get_cropbox()
    finally:
        pdf.close()
    x0, y0, x1, y1 = to_pixels(shown.hits[0].boxes[1], page_box)
    marked = Image.open(io.BytesIO(shown.png)).convert("L").crop((x0, y0, x1, y1))
    before = Image.open(io.BytesIO(plain.png)).convert("L").crop((x0, y0, x1, y1))
    # The darkest glyph pixels are as dark as before: multiplied, not painted over.
    assert marked.getextrema()[0] <= before.getextrema()[0] + 5


def test_caption_says_whether_and_where_the_quote_was_marked() -> None:
    box = (Box(0, 0, 1, 1),)
    found = HighlightedPage(b"", (QuoteHit("q", "all", 0, 1, box),))
    start = HighlightedPage(b"", (QuoteHit("q", "start", 0, 1, box),))
    end = HighlightedPage(b"", (QuoteHit("q", "end", 0, 1, box),))
    assert highlight_caption(found, 3) == "Zitat auf der Seite markiert."
    assert highlight_caption(start, 3).endswith("Es geht auf Seite 4 weiter.")
    assert highlight_caption(end, 3).endswith("Es beginnt auf Seite 2.")
    assert highlight_caption(HighlightedPage(b"", ()), 3, scanned=True).startswith(
        "Die Seite ist ein Scan (Text per Texterkennung)")
    assert highlight_caption(HighlightedPage(b"", ()), 3) == (
        "Zitat auf dieser Seite nicht gefunden.")


def test_image_files_are_previewed_frame_by_frame(tmp_path: Path) -> None:
    from ui.page_preview import image_page_png

    white, black = Image.new("L", (2400, 1200), 255), Image.new("L", (2400, 1200), 0)
    tif = tmp_path / "akte.tif"
    white.save(tif, "TIFF", save_all=True, append_images=[black])
    mtime = tif.stat().st_mtime_ns
    first = Image.open(io.BytesIO(image_page_png(str(tif), 1, mtime)))
    second = Image.open(io.BytesIO(image_page_png(str(tif), 2, mtime)))
    assert first.size == second.size == (1600, 800)  # scaled down to the preview width
    assert first.getpixel((10, 10)) == 255 and second.getpixel((10, 10)) == 0
