"""Loaders on real files generated here: reportlab PDFs, pypdf-encrypted PDFs, text files."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from ingest.cleanup import clean_pages
from ingest.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedPdfError,
    IngestError,
    LimitExceededError,
    NoTextLayerError,
    OcrUnavailableError,
    UnsafeNameError,
    UnsupportedFileError,
)
from ingest.loaders import (
    decode_text,
    format_page_ranges,
    iter_pdf_pages,
    load_file,
    looks_multicolumn,
    sanitize_source_name,
)
from ingest.ocr import OcrOptions
from tests.support.pdfs import make_pdf  # noqa: F401 - other tests import it from here

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def page_lines(n: int) -> list[str]:
    return [
        f"Kapitel {n}: Die Größe der Übergabe ist im Abschnitt {n} geregelt.",
        "Die Straße und der Fußweg gehören zum Gelände.",
        f"Die Erstattung für Seite {n} erfolgt nach der Reiserichtlinie.",
    ]


def encrypt(src: Path, dst: Path, user: str, owner: str | None = None) -> Path:
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=user, owner_password=owner)  # RC4-128; no extra packages
    with dst.open("wb") as fh:
        writer.write(fh)
    return dst


@pytest.fixture
def three_pages(tmp_path: Path) -> Path:
    return make_pdf(tmp_path / "bericht.pdf", [page_lines(n) for n in (1, 2, 3)])


# --- errors --------------------------------------------------------------------------


def test_error_message_names_file_and_bilingual_reason() -> None:
    err = EncryptedPdfError("/tmp/upload/bericht.pdf")
    assert str(err) == (
        "bericht.pdf: PDF ist verschlüsselt; Passwort nötig (PDF is encrypted; password required)"
    )
    assert err.path == "/tmp/upload/bericht.pdf"
    assert isinstance(err, IngestError)
    assert str(NoTextLayerError("scan.pdf")).endswith("keine Textebene; OCR nötig (no text layer; "
                                                       "OCR needed)")
    assert str(CorruptFileError("/tmp/x1", name="Bericht.pdf")).startswith("Bericht.pdf: ")


# --- PDF -----------------------------------------------------------------------------


def test_multipage_pdf_with_umlauts(three_pages: Path) -> None:
    doc = load_file(three_pages)
    assert doc.source == "bericht.pdf"
    assert doc.sha256 == hashlib.sha256(three_pages.read_bytes()).hexdigest()
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert "Größe der Übergabe" in doc.pages[0].text
    assert "Straße und der Fußweg" in doc.pages[1].text
    assert "Seite 3" in doc.pages[2].text and "Seite 3" not in doc.pages[0].text
    assert doc.warnings == []


@pytest.mark.skipif(not DEJAVU.is_file(), reason="DejaVuSans.ttf (fonts-dejavu-core) not installed;"
                    " Helvetica has no ligature glyphs")
def test_pdf_ligatures_come_out_as_plain_letters(tmp_path: Path) -> None:
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(DEJAVU)))
    pdf = make_pdf(tmp_path / "lig.pdf", [["Die \ufb01nanzielle Au\ufb02age der E\ufb03zienz "
                                           "im Sto\ufb00 ist groß."]], font="DejaVuSans")
    raw = load_file(pdf).pages[0].text
    assert "nanzielle" in raw  # extraction keeps the text, possibly as ligature chars
    clean = clean_pages(load_file(pdf).pages).text
    assert "Die finanzielle Auflage der Effizienz im Stoff ist groß." in clean


def test_table_rows_stay_on_one_line(tmp_path: Path) -> None:
    c = canvas.Canvas(str(tmp_path / "tabelle.pdf"), pagesize=A4)
    c.setFont("Helvetica", 11)
    rows = ((800, ("Position", "Betrag", "Datum")), (785, ("Hotel", "120,00 EUR", "3. März")))
    for y, row in rows:
        for x, cell in zip((60, 220, 380), row, strict=True):
            c.drawString(x, y, cell)
    c.showPage()
    c.save()
    doc = load_file(tmp_path / "tabelle.pdf")
    assert "Position | Betrag | Datum\nHotel | 120,00 EUR | 3. März" in clean_pages(doc.pages).text


def test_two_column_page_is_read_column_by_column(tmp_path: Path) -> None:
    left = [f"Links Satz {i} über die Erstattung von Reisekosten." for i in range(12)]
    right = [f"Rechts Satz {i} über die Abrechnung von Hotels." for i in range(12)]
    c = canvas.Canvas(str(tmp_path / "spalten.pdf"), pagesize=A4)
    c.setFont("Helvetica", 10)
    for i in range(12):
        c.drawString(40, 800 - 14 * i, left[i])
    for i in range(12):
        c.drawString(310, 800 - 14 * i, right[i])
    c.showPage()
    c.save()
    text = load_file(tmp_path / "spalten.pdf").pages[0].text
    assert text.index("Links Satz 11") < text.index("Rechts Satz 0")
    assert "Links Satz 0 über die Erstattung von Reisekosten." in text


def test_looks_multicolumn() -> None:
    prose = "Satz über die Erstattung von Kosten"
    assert looks_multicolumn("\n".join(f"{prose}      {prose}" for _ in range(6)))
    table = "\n".join(f"Hotel      {i},00 EUR      3. März" for i in range(6))
    assert not looks_multicolumn(table)
    assert not looks_multicolumn("\n".join(prose for _ in range(6)))


def test_encrypted_pdf_needs_password(three_pages: Path, tmp_path: Path) -> None:
    enc = encrypt(three_pages, tmp_path / "geheim.pdf", user="geheim")
    with pytest.raises(EncryptedPdfError) as info:
        load_file(enc)
    assert str(info.value).startswith("geheim.pdf: PDF ist verschlüsselt; Passwort nötig")
    with pytest.raises(EncryptedPdfError, match="Passwort ist falsch"):
        load_file(enc, pdf_password="falsch")
    doc = load_file(enc, pdf_password="geheim")
    assert len(doc.pages) == 3 and "Größe der Übergabe" in doc.pages[0].text


def test_owner_password_only_pdf_opens_without_password(three_pages: Path,
                                                         tmp_path: Path) -> None:
    enc = encrypt(three_pages, tmp_path / "rechte.pdf", user="", owner="owner")
    assert PdfReader(enc).is_encrypted
    assert len(load_file(enc).pages) == 3


def test_truncated_pdf_keeps_readable_pages(tmp_path: Path) -> None:
    full = make_pdf(tmp_path / "voll.pdf", [page_lines(n) for n in range(1, 11)])
    data = full.read_bytes()
    cut = tmp_path / "abgeschnitten.pdf"
    cut.write_bytes(data[: int(len(data) * 0.7)])
    doc = load_file(cut)
    numbers = [p.number for p in doc.pages]
    assert 1 <= len(numbers) < 10
    assert numbers == list(range(1, len(numbers) + 1))
    assert "Größe der Übergabe" in doc.pages[0].text
    assert any("wiederhergestellt" in w for w in doc.warnings)
    missing = format_page_ranges(list(range(len(numbers) + 1, 11)))
    assert any(f"Seiten {missing} nicht lesbar" in w for w in doc.warnings)


def test_pdf_missing_only_eof_marker_loads_fully(tmp_path: Path) -> None:
    full = make_pdf(tmp_path / "voll.pdf", [page_lines(n) for n in range(1, 4)])
    cut = tmp_path / "ohne_eof.pdf"
    cut.write_bytes(full.read_bytes()[:-4])
    assert len(load_file(cut).pages) == 3


def test_pdf_cut_to_header_is_corrupt(three_pages: Path, tmp_path: Path) -> None:
    cut = tmp_path / "kaputt.pdf"
    cut.write_bytes(three_pages.read_bytes()[:200])
    with pytest.raises(CorruptFileError, match="kaputt.pdf: PDF ist beschädigt"):
        load_file(cut)


def test_zero_byte_files_are_empty(tmp_path: Path) -> None:
    for name in ("leer.pdf", "leer.txt"):
        (tmp_path / name).write_bytes(b"")
        with pytest.raises(EmptyFileError, match=f"{name}: Datei ist leer"):
            load_file(tmp_path / name)


def test_png_renamed_pdf_is_refused_without_ocr(tmp_path: Path) -> None:
    # The bytes decide: an image named .pdf is an image, which only OCR can read.
    fake = tmp_path / "foto.pdf"
    fake.write_bytes(PNG_BYTES)
    with pytest.raises(OcrUnavailableError) as info:
        load_file(fake, ocr=OcrOptions(mode="off"))
    assert str(info.value).startswith("foto.pdf: PNG-Bild mit der Endung .pdf")
    assert "RAG_OCR=off" in str(info.value)


def test_gif_renamed_pdf_is_rejected(tmp_path: Path) -> None:
    fake = tmp_path / "animation.pdf"
    fake.write_bytes(b"GIF89a" + b"\0" * 50)
    with pytest.raises(CorruptFileError, match="keine PDF-Datei, sondern GIF-Bild"):
        load_file(fake)


def test_image_only_pdf_needs_ocr(tmp_path: Path) -> None:
    c = canvas.Canvas(str(tmp_path / "scan.pdf"), pagesize=A4)
    c.rect(100, 100, 300, 400, fill=1)
    c.showPage()
    c.save()
    with pytest.raises(OcrUnavailableError,
                       match=r"scan.pdf: gescanntes PDF ohne Textebene; Texterkennung \(OCR\) "
                             r"ist ausgeschaltet \(RAG_OCR=off\); mit RAG_OCR=auto einschalten"):
        load_file(tmp_path / "scan.pdf", ocr=OcrOptions(mode="off"))


def test_pdf_with_some_image_pages_warns(tmp_path: Path) -> None:
    c = canvas.Canvas(str(tmp_path / "gemischt.pdf"), pagesize=A4)
    c.setFont("Helvetica", 11)
    c.drawString(60, 800, "Text auf Seite eins.")
    c.showPage()
    c.rect(100, 100, 300, 400, fill=1)
    c.showPage()
    c.setFont("Helvetica", 11)
    c.drawString(60, 800, "Text auf Seite drei.")
    c.showPage()
    c.save()
    doc = load_file(tmp_path / "gemischt.pdf", ocr=OcrOptions(mode="off"))
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert doc.warnings == [
        "Seiten 2 ohne Textebene, übersprungen: Texterkennung (OCR) ist ausgeschaltet "
        "(RAG_OCR=off); mit RAG_OCR=auto einschalten (pages 2 have no text layer; OCR off or "
        "not installed)"]


def test_zero_page_pdf_is_empty(tmp_path: Path) -> None:
    buf = io.BytesIO()
    PdfWriter().write(buf)
    (tmp_path / "nichts.pdf").write_bytes(buf.getvalue())
    with pytest.raises(EmptyFileError, match="PDF hat keine Seiten"):
        load_file(tmp_path / "nichts.pdf")


def test_limits(three_pages: Path) -> None:
    with pytest.raises(LimitExceededError, match="PDF hat 3 Seiten; erlaubt sind höchstens 2"):
        load_file(three_pages, max_pages=2)
    with pytest.raises(LimitExceededError, match="höchstens 0 MB"):
        load_file(three_pages, max_file_mb=0)


def test_unsupported_suffix(tmp_path: Path) -> None:
    (tmp_path / "tabelle.xlsx").write_bytes(b"PK\x03\x04 zip")
    with pytest.raises(UnsupportedFileError, match="Dateityp .xlsx wird nicht unterstützt"):
        load_file(tmp_path / "tabelle.xlsx")


def test_source_name_decides_type_and_is_sanitised(three_pages: Path, tmp_path: Path) -> None:
    temp = tmp_path / "upload-1234"
    temp.write_bytes(three_pages.read_bytes())
    doc = load_file(temp, source="..%2F..%2Fgeheim%2FQuartalsbericht.pdf")
    assert doc.source == "Quartalsbericht.pdf"
    assert len(doc.pages) == 3


def test_iter_pdf_pages_streams(three_pages: Path) -> None:
    warnings: list[str] = []
    pages = iter_pdf_pages(three_pages, warnings=warnings)
    first = next(pages)
    assert first.number == 1 and "Kapitel 1" in first.text
    assert [p.number for p in pages] == [2, 3]
    assert warnings == []


# --- text files ----------------------------------------------------------------------

GERMAN = "Die Größe der Übergabe: Straße, Maß und Fuß.\nÄrger über Öl.\n"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("latin-1", b""),
        ("cp1252", b""),
    ],
)
def test_text_encodings(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    path = tmp_path / "notiz.txt"
    path.write_bytes(prefix + GERMAN.encode(encoding))
    doc = load_file(path)
    assert [p.number for p in doc.pages] == [1]
    assert doc.pages[0].text == GERMAN
    assert doc.warnings == []


@pytest.mark.parametrize("word", ["Größe", "Übergabe", "ß", "Maß"])
def test_short_latin1_words(word: str) -> None:
    # charset-normalizer alone guesses cp037/johab for such short inputs
    assert decode_text(word.encode("latin-1"))[0] == word


def test_cp1252_quotes_and_euro(tmp_path: Path) -> None:
    text = "„Reisekosten“ bis 120 € – pro Nacht."
    (tmp_path / "a.md").write_bytes(text.encode("cp1252"))
    assert load_file(tmp_path / "a.md").pages[0].text == text


def test_crlf_and_markdown(tmp_path: Path) -> None:
    (tmp_path / "liesmich.md").write_bytes("# Titel\r\n\r\nÜbergabe am Montag.\r\n".encode())
    assert load_file(tmp_path / "liesmich.md").pages[0].text == "# Titel\n\nÜbergabe am Montag.\n"


def test_mostly_utf8_with_a_bad_byte_warns(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_bytes("Größe und Übergabe ".encode() * 5 + b"\xff")
    doc = load_file(tmp_path / "x.txt")
    assert doc.pages[0].text.startswith("Größe und Übergabe")
    assert "ungültige Zeichen" in doc.warnings[0]


def test_binary_txt_and_blank_txt(tmp_path: Path) -> None:
    (tmp_path / "bild.txt").write_bytes(PNG_BYTES)
    with pytest.raises(CorruptFileError, match="keine Textdatei"):
        load_file(tmp_path / "bild.txt")
    (tmp_path / "leer.txt").write_bytes(b" \n\t\n")
    with pytest.raises(EmptyFileError, match="keinen Text"):
        load_file(tmp_path / "leer.txt")


# --- names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Reiserichtlinie 2026.pdf", "Reiserichtlinie 2026.pdf"),
        ("../../etc/passwd", "passwd"),
        ("%2F..%2F..%2Fetc%2Fpasswd", "passwd"),
        ("..%2F..%2Fgeheim.pdf", "geheim.pdf"),
        ("%252e%252e%252fdoppelt.pdf", "doppelt.pdf"),
        ("C:\\Users\\max\\Übergabe.pdf", "Übergabe.pdf"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("Gro\u0308\u00dfe.txt", "Größe.txt"),
        ("bericht\x00\x1b[31m.pdf", "bericht[31m.pdf"),
        ("\u202egnp.pdf", "gnp.pdf"),
        (".versteckt.txt", "versteckt.txt"),
        ("a..b.pdf", "a.b.pdf"),
        ("Frage?: ja.txt", "Frage__ ja.txt"),
        ("CON.txt", "_CON.txt"),
        ("  viele   Leerzeichen .md ", "viele Leerzeichen .md"),
    ],
)
def test_sanitize_source_name(raw: str, expected: str) -> None:
    assert sanitize_source_name(raw) == expected


@pytest.mark.parametrize("raw", ["", "..", ".", "a/..", "%2e%2e", "%2e%2e%2f", "/", "\x00\x01",
                                 " . . "])
def test_sanitize_rejects_nothing_usable(raw: str) -> None:
    with pytest.raises(UnsafeNameError):
        sanitize_source_name(raw)


def test_sanitize_caps_length_and_keeps_suffix() -> None:
    name = sanitize_source_name("ä" * 500 + ".pdf")
    assert len(name) == 200 and name.endswith("ä.pdf")
    assert unicodedata.is_normalized("NFC", name)


@pytest.mark.parametrize("raw", ["../x", "..\\x", "%2F", "a%5Cb", "x/%2e%2e/y", "%C0%AF..",
                                 "....//....//x", "..%c0%af..%c0%afetc"])
def test_sanitize_never_returns_separators(raw: str) -> None:
    try:
        name = sanitize_source_name(raw)
    except UnsafeNameError:
        return
    assert "/" not in name and "\\" not in name and name not in {".", ".."}
    assert not name.startswith(".")


def test_report_pdf_end_to_end_cleanup(tmp_path: Path) -> None:
    """A platypus document with running header/footer, headings, bullets and a table."""
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table

    styles = getSampleStyleSheet()

    def furniture(c: canvas.Canvas, doc: SimpleDocTemplate) -> None:
        c.setFont("Helvetica", 9)
        c.drawString(72, A4[1] - 40, "Musterfirma GmbH · Reiserichtlinie 2026")
        c.drawString(A4[0] / 2, 30, f"Seite {doc.page} von 3")

    story = []
    for k in range(1, 4):
        story += [
            Paragraph(f"{k} Regeln für Reisen Typ {'ABC'[k - 1]}", styles["Heading2"]),
            Paragraph("Die Erstattung von Reisekosten erfolgt nach dieser Richtlinie, sofern die "
                      "Reise vorher genehmigt wurde und die Belege innerhalb von vier Wochen "
                      f"nach dem Ende der Reise eingereicht werden (Typ {'ABC'[k - 1]}).",
                      styles["Normal"]),
            Paragraph("• Hotel bis 120 Euro", styles["Normal"]),
            Paragraph("• Bahn in der 2. Klasse", styles["Normal"]),
            Table([["Stadt", "Betrag"], ["Berlin", f"{k}20,00 EUR"], ["München", f"{k}50,00 EUR"]],
                  colWidths=[150, 150]),
            PageBreak(),
        ]
    SimpleDocTemplate(str(tmp_path / "richtlinie.pdf"), pagesize=A4).build(
        story, onFirstPage=furniture, onLaterPages=furniture
    )
    doc = load_file(tmp_path / "richtlinie.pdf")
    assert len(doc.pages) == 3
    clean = clean_pages(doc.pages)
    assert clean.text.startswith("Musterfirma GmbH · Reiserichtlinie 2026\n\n1 Regeln")
    assert clean.text.count("Musterfirma GmbH") == 1 and "von 3" not in clean.text
    assert "2 Regeln für Reisen Typ B\n\nDie Erstattung von Reisekosten erfolgt" in clean.text
    bullets = "eingereicht werden (Typ B).\n• Hotel bis 120 Euro\n• Bahn in der 2. Klasse"
    assert bullets in clean.text
    assert "Stadt | Betrag\nBerlin | 220,00 EUR\nMünchen | 250,00 EUR" in clean.text
    assert clean.page_at(clean.text.index("Typ C).")) == 3
