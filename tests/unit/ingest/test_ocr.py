"""OCR of scans and images with the real Tesseract, on files the tests generate.

Skipped only where Tesseract is missing outside CI; in CI (CI=true) scripts/setup.sh installs
it and these tests must run.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from ingest.cleanup import clean_pages
from ingest.errors import LimitExceededError, OcrUnavailableError
from ingest.loaders import load_file
from ingest.ocr import OcrOptions, ocr_available
from ingest.pipeline import Ingestor
from rag.index import Index
from tests.conftest import make_settings
from tests.support.scans import (
    COVER,
    KEY_FACT,
    LETTER,
    cer,
    image_pdf,
    rasterise,
    scanned_pdf,
    text_pdf,
)
from tests.unit.apps.test_cli import rag

pytestmark = pytest.mark.skipif(
    not ocr_available() and os.environ.get("CI") != "true",
    reason="Tesseract missing (apt-get install tesseract-ocr tesseract-ocr-deu; CI installs it)",
)

SHORT = ["Übergabeprotokoll Wohnung 3", "Schlüssel: zwei Stück übergeben.",
         "Zählerstand Gas: 48.211 Kubikmeter."]


@pytest.mark.parametrize(("dpi", "max_cer"), [(300, 0.02), (150, 0.05)])
def test_scanned_letter_character_accuracy(tmp_path: Path, dpi: int, max_cer: float) -> None:
    pdf = scanned_pdf(tmp_path / f"brief{dpi}.pdf", [LETTER], dpi=dpi, angle=1.4)
    assert not PdfReader(pdf).pages[0].extract_text().strip()  # no text layer at all
    doc = load_file(pdf)
    page = doc.pages[0]
    assert page.ocr_confidence is not None and page.ocr_confidence > 80
    text = clean_pages(doc.pages).text  # the same German cleanup as text PDFs
    error = cer("\n".join(LETTER), text)
    assert error <= max_cer, (dpi, error, text)
    for word in ("Weißgerber", "Schloßstraße", "Grüßen", "Zählerstände", KEY_FACT):
        assert word in text, word


def test_scan_searchable_and_cited_on_its_page(tmp_path: Path) -> None:
    """rag ingest / search / ask on a two-page scan: the fact is on page 2, cited as OCR."""
    docs = tmp_path / "docs"
    docs.mkdir()
    scanned_pdf(docs / "abrechnung.pdf", [COVER, LETTER], dpi=300)
    store = tmp_path / "store"
    proc = rag(["ingest", str(docs)], store)
    assert "neu: abrechnung.pdf (2 S." in proc.stdout
    assert "Texterkennung abrechnung.pdf: Seite 2 von 2" in proc.stderr  # per-page progress

    hits = json.loads(rag(["search", "Wie hoch ist die Nachzahlung für 2025?", "-k", "3",
                           "--json"], store).stdout)
    top = hits[0]
    # A chunk may start on the short cover page and run on; "page" is where it starts.
    assert top["source"] == "abrechnung.pdf" and top["page"] in (1, 2)
    assert "317,45 Euro" in top["text"]
    assert top["ocr"]["engine"] == "tesseract" and 80 < top["ocr"]["confidence"] <= 100

    ans = json.loads(rag(["ask", "Wie hoch ist die Nachzahlung?", "--json"], store).stdout)
    assert ans["answerable"], ans
    assert "317,45" in ans["answer"]
    cited = ans["citations"][0]
    # The quoted sentence is cited with its own page.
    assert (cited["source"], cited["page"]) == ("abrechnung.pdf", 2)
    assert cited["ocr"]["confidence"] > 80


def _mixed_pdf(path: Path) -> Path:
    """Text pages 1 and 3 with a scanned page 2 between them."""
    text = PdfReader(io.BytesIO(text_pdf([["Seite eins: Mietvertrag Kesselbach, Text."], [],
                                          ["Seite drei: Anlagen und Unterschriften."]])))
    scan = PdfReader(io.BytesIO(image_pdf(rasterise(text_pdf([SHORT]), 300), 300)))
    out = PdfWriter()
    out.add_page(text.pages[0])
    out.add_page(scan.pages[0])
    out.add_page(text.pages[2])
    with path.open("wb") as fh:
        out.write(fh)
    return path


def test_mixed_pdf_keeps_text_pages_and_page_numbers(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    pdf = _mixed_pdf(tmp_path / "gemischt.pdf")
    doc = load_file(pdf)
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert doc.pages[0].ocr_confidence is None and doc.pages[2].ocr_confidence is None
    assert "Mietvertrag Kesselbach" in doc.pages[0].text  # the text layer, as it was
    assert doc.pages[1].ocr_confidence is not None
    assert "48.211 Kubikmeter" in doc.pages[1].text

    settings = make_settings(tmp_path)
    index = Index(settings, embedder)
    assert Ingestor(settings, index).run([pdf]).ok
    hit = index.search("Wie hoch war der Zählerstand Gas?", 1)[0]
    assert hit.chunk.page_start <= 2 <= hit.chunk.page_end and hit.chunk.ocr
    chunks = [c for batch in index.store.iter_chunks() for c in batch]
    assert chunks
    for c in chunks:  # OCR-marked exactly where the chunk holds page 2's text
        assert c.ocr == (c.page_start <= 2 <= c.page_end), c


def test_confidence_floor_reports_page_instead_of_indexing(tmp_path: Path) -> None:
    pdf = _mixed_pdf(tmp_path / "gemischt.pdf")
    doc = load_file(pdf, ocr=OcrOptions(min_confidence=99.9))
    assert doc.pages[1].text == "" and doc.pages[1].ocr_confidence is None
    assert "Mietvertrag" in doc.pages[0].text
    assert len(doc.warnings) == 1
    assert doc.warnings[0].startswith("Seiten 2 (")
    assert "Texterkennung unsicher (unter 99.9 % Konfidenz), nicht indexiert" in doc.warnings[0]


def test_png_named_pdf_is_sniffed_and_ingested(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    (img,) = rasterise(text_pdf([SHORT]), 300)
    fake = tmp_path / "foto.pdf"
    img.save(fake, "PNG", dpi=(300, 300))
    settings = make_settings(tmp_path)
    index = Index(settings, embedder)
    report = Ingestor(settings, index).run([fake])
    assert report.ok, report.to_json()
    assert report.results[0].pages == 1
    hit = index.search("Wie viele Schlüssel wurden übergeben?", 1)[0]
    assert hit.chunk.source == "foto.pdf" and hit.chunk.page_start == 1 and hit.chunk.ocr


def test_multipage_tiff_is_read_frame_by_frame(tmp_path: Path) -> None:
    frames = rasterise(text_pdf([COVER, SHORT]), 200, angle=-1.0)
    tif = tmp_path / "akte.tif"
    frames[0].save(tif, "TIFF", save_all=True, append_images=frames[1:], dpi=(200, 200),
                   compression="tiff_deflate")
    doc = load_file(tif)
    assert [p.number for p in doc.pages] == [1, 2]
    assert "Jahresabrechnung" in doc.pages[0].text
    assert "zwei Stück" in doc.pages[1].text
    assert all(p.ocr_confidence and p.ocr_confidence > 70 for p in doc.pages)


def test_upside_down_scan_is_turned(tmp_path: Path) -> None:
    (img,) = rasterise(text_pdf([LETTER[10:21]]), 300, angle=0.5)
    upside = tmp_path / "kopfueber.png"
    img.rotate(180).save(upside, dpi=(300, 300))
    text = load_file(upside).pages[0].text
    assert KEY_FACT in " ".join(text.split())


def test_image_bomb_refused_while_other_files_land(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    # 12000 x 12000 pixels (144 MP) compress to a few KB: over the 100 MP default limit.
    Image.new("1", (12000, 12000), 1).save(docs / "bombe.png")
    assert (docs / "bombe.png").stat().st_size < 100_000
    (img,) = rasterise(text_pdf([SHORT]), 300)
    img.save(docs / "protokoll.png", dpi=(300, 300))
    settings = make_settings(tmp_path)
    index = Index(settings, embedder)
    report = Ingestor(settings, index).run([docs])
    failed = {Path(f["path"]).name: f["error"] for f in report.to_json()["failed"]}
    assert set(failed) == {"bombe.png"}
    assert failed["bombe.png"].startswith(
        "bombe.png: Bild hat 12000 × 12000 = 144 Mio. Pixel; erlaubt sind höchstens 100 Mio. "
        "(RAG_MAX_IMAGE_PIXELS; Schutz vor Dekompressionsbomben)")
    assert [r.source for r in report.by_status("ingested")] == ["protokoll.png"]
    assert {d.source for d in index.documents()} == {"protokoll.png"}


def test_ocr_off_and_missing_languages_are_refused_clearly(tmp_path: Path) -> None:
    (img,) = rasterise(text_pdf([SHORT]), 150)
    png = tmp_path / "scan.png"
    img.save(png)
    with pytest.raises(OcrUnavailableError) as off:
        load_file(png, ocr=OcrOptions(mode="off"))
    assert str(off.value).startswith("scan.png: PNG-Bild, Text nur per Texterkennung lesbar; "
                                     "Texterkennung (OCR) ist ausgeschaltet (RAG_OCR=off)")
    # Missing language data reads like a missing engine: what is missing and how to install.
    with pytest.raises(OcrUnavailableError) as missing:
        load_file(png, ocr=OcrOptions(languages="deu+xyz"))
    msg = str(missing.value)
    assert "Tesseract-Sprachdaten fehlen: xyz" in msg
    assert "apt-get install tesseract-ocr tesseract-ocr-deu" in msg


def test_time_budget_stops_ocr_with_clear_error(tmp_path: Path) -> None:
    pdf = scanned_pdf(tmp_path / "lang.pdf", [LETTER, LETTER], dpi=300)
    with pytest.raises(LimitExceededError,
                       match=r"lang.pdf: Texterkennung \(OCR\) dauerte länger als 0.2 s "
                             r"\(RAG_OCR_TIME_BUDGET_S\)"):
        load_file(pdf, ocr=OcrOptions(time_budget_s=0.2))


def test_without_tesseract_scans_are_refused_and_the_rest_ingests(tmp_path: Path) -> None:
    """`rag ingest` where no tesseract binary can be found (PATH without it): the scan is
    refused saying how to install OCR, the text file next to it still lands."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (img,) = rasterise(text_pdf([SHORT]), 150)
    img.save(docs / "scan.png")
    (docs / "notiz.txt").write_text("Die Kantine öffnet um 11:30 Uhr.", encoding="utf-8")
    proc = rag(["ingest", str(docs), "--json"], tmp_path / "store", check_rc=2,
               env={"PATH": str(tmp_path / "leer")})
    out = json.loads(proc.stdout)
    assert [Path(p).name for p in out["ingested"]] == ["notiz.txt"]
    (failed,) = out["failed"]
    assert failed["error"].startswith(
        "scan.png: PNG-Bild, Text nur per Texterkennung lesbar; Texterkennung (OCR) nicht "
        "verfügbar: Tesseract ist nicht installiert. Texterkennung installieren: sudo apt-get "
        "install tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng"), failed


def test_force_reads_text_pages_too_and_huge_pages_are_read_smaller(tmp_path: Path) -> None:
    pdf = _mixed_pdf(tmp_path / "gemischt.pdf")
    forced = load_file(pdf, ocr=OcrOptions(mode="force"))
    assert all(p.ocr_confidence is not None for p in forced.pages)  # RAG_OCR=force
    assert "Mietvertrag Kesselbach" in forced.pages[0].text
    # A page over the pixel limit at 300 dpi is rendered smaller instead of refused.
    small = load_file(pdf, ocr=OcrOptions(max_pixels=3_000_000))
    assert small.warnings == ["Seiten 2 sehr groß; mit geringerer Auflösung erkannt "
                              "(pages 2 very large; OCR'd at a lower resolution)"]
    assert "Kubikmeter" in small.pages[1].text
