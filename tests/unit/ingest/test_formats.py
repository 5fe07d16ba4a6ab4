"""DOCX, ODT, HTML, e-mail and ruled PDF tables: read, cited by section, retrieved by cell.

Every file is written by the test (python-docx, odfpy, strings, reportlab); ingest runs
with real Chroma and the real e5 embeddings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.errors import CorruptFileError, LimitExceededError
from ingest.loaders import _extract_page_text, load_file
from ingest.pipeline import Ingestor
from rag.index import Index
from rag.prompt import format_source
from rag.types import Chunk, SearchHit
from tests.conftest import CORPORA, make_settings
from tests.support import documents as D

DOCX_MIME = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


def _texts(path: Path, **kw: object) -> list[tuple[str, str]]:
    return [(p.section, p.text) for p in load_file(path, **kw).pages]  # type: ignore[arg-type]


@pytest.fixture
def docs(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "docs"
    folder.mkdir()
    return {
        "docx": D.make_docx(folder / "betriebsvereinbarung_reisen.docx"),
        "odt": D.make_odt(folder / "nachtrag_mietvertrag.odt"),
        "html": D.make_html(folder / "buergeramt.html"),
        "eml": D.make_eml(folder / "sommerfest.eml",
                          ("programm.docx", D.programme_docx(), *DOCX_MIME)),
    }


# --------------------------------------------------------------------------- readers


def test_docx_headings_paragraphs_table_rows_without_header_footer(docs) -> None:  # noqa: ANN001
    blocks = dict((t, s) for s, t in _texts(docs["docx"]))
    assert blocks["Tagegeld | Inland: 28 Euro | Ausland: laut BMF-Tabelle"] == \
        "Abschnitt 2.1, Tabelle 1, Zeile 1"
    assert blocks["Über Ausnahmen entscheidet die Personalabteilung."] == \
        "Abschnitt 2.1, Absatz 4"
    assert blocks["Wer den eigenen Pkw nutzt, erhält 0,30 Euro je gefahrenem Kilometer."] == \
        "Abschnitt 2.2, Absatz 1"
    everything = " ".join(blocks)
    assert "KOPFZEILE" not in everything and "FUSSZEILE" not in everything
    assert "Gießerei in Lüdenscheid" in everything


def test_odt_sections_by_paragraph_sign_and_header_row(docs) -> None:  # noqa: ANN001
    blocks = dict((t, s) for s, t in _texts(docs["odt"]))
    assert blocks["Posten: Stellplatzmiete | Bisher: 0 Euro | Neu: 65 Euro"] == \
        "§ 2, Tabelle 1, Zeile 2"
    assert blocks["Der Mieter mietet zusätzlich den Tiefgaragenstellplatz Nr. 14."] == \
        "§ 1, Absatz 1"
    assert any("Jördis Haßler" in t for t in blocks)


def test_html_main_text_without_navigation_or_footer(docs) -> None:  # noqa: ANN001
    blocks = dict((t, s) for s, t in _texts(docs["html"]))
    row = "Wochentag: Donnerstag | Vormittag: 8 bis 12 Uhr | Nachmittag: 14 bis 18 Uhr"
    assert blocks[row] == "Abschnitt 1, Tabelle 1, Zeile 2"
    everything = " ".join(blocks)
    for furniture in ("Startseite", "Impressum", "Anmelden", "Barrierefreiheit"):
        assert furniture not in everything
    assert "Erdgeschoß" in everything


def test_eml_body_and_attachment_named_after_the_mail(docs) -> None:  # noqa: ANN001
    mail = load_file(docs["eml"])
    assert mail.attachments == ["programm.docx"]
    text = " ".join(p.text for p in mail.pages)
    assert "Betreff: Einladung zum Sommerfest am Mühlenteich" in text
    assert "Fleischerei Bößenecker" in text
    part = load_file(docs["eml"], attachment="programm.docx")
    assert part.source == "sommerfest.eml › programm.docx"
    assert ("Abschnitt „Programm Sommerfest“, Tabelle 1, Zeile 2",
            "Uhrzeit: 16 Uhr | Programmpunkt: Entenrennen auf dem Mühlenteich") in \
        [(p.section, p.text) for p in part.pages]


def test_pdf_ruled_table_keeps_its_header_on_the_next_page(tmp_path: Path) -> None:
    pdf = D.make_table_pdf(tmp_path / "gebuehren.pdf")
    pages = load_file(pdf).pages
    assert len(pages) == 2
    assert "Fach: Klavier | Einzelunterricht: 60 Euro im Monat | " \
           "Gruppenunterricht: 30 Euro im Monat" in pages[0].text
    # Page 2 continues the table without a header row: its rows still carry the header.
    assert "Fach: Tuba | Einzelunterricht: 80 Euro im Monat | " \
           "Gruppenunterricht: 50 Euro im Monat" in pages[1].text
    assert "Geschwister erhalten eine Ermäßigung" in pages[1].text
    assert pages[0].text.index("Die folgenden Entgelte") < pages[0].text.index("Klavier")


def test_pdf_without_ruled_table_keeps_its_text() -> None:
    import pypdf

    pdf = CORPORA / "reisekostenrichtlinie.pdf"  # column tables with rules, but no grid
    reader = pypdf.PdfReader(str(pdf))
    expected = [_extract_page_text(p) for p in reader.pages]
    assert [p.text for p in load_file(pdf).pages] == expected


def test_xml_bomb_and_zip_bomb_refused(tmp_path: Path) -> None:
    with pytest.raises(CorruptFileError, match="unsicheres XML in word/document.xml"):
        load_file(D.make_xml_bomb_docx(tmp_path / "lachen.docx", tmp_path))
    with pytest.raises(LimitExceededError, match="ZIP-Bombe"):
        load_file(D.make_zip_bomb_docx(tmp_path / "bombe.docx", tmp_path, 3), max_unpacked_mb=2)


def test_section_in_prompt_label() -> None:
    chunk = Chunk("d:v:0", "d", "a.docx", "Tagegeld | Inland: 28 Euro", 1, 1, 0, 26, 0, "h",
                  sections=json.dumps([[0, "Abschnitt 2.1, Tabelle 1, Zeile 1"]]))
    source = format_source(1, SearchHit(chunk, 1.0))
    assert 'abschnitt="Abschnitt 2.1, Tabelle 1, Zeile 1"' in source
    assert "seite=" not in source


# --------------------------------------------------------------------------- ingest + search


def test_ingest_then_a_cell_question_finds_its_row(tmp_path: Path, embedder, docs) -> None:  # noqa: ANN001
    D.make_xml_bomb_docx(docs["docx"].parent / "lachen.docx", tmp_path)
    D.make_zip_bomb_docx(docs["docx"].parent / "bombe.docx", tmp_path, 3)
    settings = make_settings(tmp_path, max_unpacked_mb=2)
    index = Index(settings, embedder)
    report = Ingestor(settings, index).run([docs["docx"].parent])
    by_source = {r.source: r for r in report.results}
    assert by_source["lachen.docx"].status == "failed"
    assert "lachen.docx: unsicheres XML" in by_source["lachen.docx"].error
    assert by_source["bombe.docx"].status == "failed"
    assert "ZIP-Bombe" in by_source["bombe.docx"].error
    landed = {r.source for r in report.by_status("ingested")}
    assert landed == {"betriebsvereinbarung_reisen.docx", "nachtrag_mietvertrag.odt",
                      "buergeramt.html", "sommerfest.eml", "sommerfest.eml › programm.docx"}
    assert {d.source for d in index.documents()} == landed

    cases = [
        ("Wie hoch ist das Tagegeld im Inland bei der Wendelin Gießerei?",
         "betriebsvereinbarung_reisen.docx", "Tagegeld | Inland: 28 Euro",
         "Abschnitt 2.1, Tabelle 1, Zeile 1"),
        ("Wie viel kostet der Stellplatz in der Bärenstraße künftig im Monat?",
         "nachtrag_mietvertrag.odt", "Stellplatzmiete | Bisher: 0 Euro | Neu: 65 Euro",
         "§ 2, Tabelle 1, Zeile 2"),
        ("Wann hat das Bürgeramt Grünwaldau am Donnerstag nachmittags geöffnet?",
         "buergeramt.html", "Donnerstag | Vormittag: 8 bis 12 Uhr | Nachmittag: 14 bis 18 Uhr",
         "Abschnitt 1, Tabelle 1, Zeile 2"),
        ("Um wie viel Uhr beginnt das Entenrennen beim Sommerfest?",
         "sommerfest.eml › programm.docx", "Uhrzeit: 16 Uhr | Programmpunkt: Entenrennen",
         "Abschnitt „Programm Sommerfest“, Tabelle 1, Zeile 2"),
    ]
    for question, source, row, section in cases:
        hits = index.search(question, 3)
        good = [h for h in hits if h.chunk.source == source and row in h.chunk.text]
        assert good, (question, [(h.chunk.source, h.chunk.text[:80]) for h in hits])
        chunk = good[0].chunk
        assert chunk.page_start == 1 and chunk.section
        assert chunk.section_of(chunk.text.index(row)) == section
    every = " ".join(h.chunk.text for h in index.search("Kopfzeile vertraulich Startseite", 20))
    assert "KOPFZEILE" not in every and "Startseite" not in every


def _rag(args: list[str], store: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAG_STORE_DIR": str(store), "RAG_EMBEDDING_SOURCE": "offline",
           "RAG_LLM_BACKEND": "extractive"}
    env.pop("RAG_CHROMA_HOST", None)
    proc = subprocess.run([sys.executable, "-m", "rag", *args], capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, (args, proc.stderr[-2000:])
    return proc


def test_cli_json_cites_section_instead_of_page(tmp_path: Path, docs) -> None:  # noqa: ANN001
    store = tmp_path / "store"
    _rag(["ingest", str(docs["docx"]), str(docs["odt"])], store)
    question = "Wie hoch ist das Tagegeld im Inland bei der Wendelin Gießerei?"
    hits = json.loads(_rag(["search", question, "-k", "3", "--json"], store).stdout)
    top = hits[0]
    assert top["source"] == "betriebsvereinbarung_reisen.docx"
    # The label of the chunk's start, as "page" is the chunk's first page for PDFs.
    assert top["page"] is None and top["section"].startswith("Abschnitt ")
    answer = json.loads(_rag(["ask", question, "--json"], store).stdout)
    assert answer["answerable"], answer
    cited = answer["citations"][0]
    assert cited["source"] == "betriebsvereinbarung_reisen.docx"
    assert cited["page"] is None
    assert cited["section"] == "Abschnitt 2.1, Tabelle 1, Zeile 1"
    assert "28 Euro" in answer["answer"]
    plain = _rag(["ask", question], store).stdout
    assert "[1] betriebsvereinbarung_reisen.docx, Abschnitt 2.1, Tabelle 1, Zeile 1" in plain


def test_html_only_mail_and_short_html(tmp_path: Path) -> None:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["Subject"] = "kasse@verein.example", "Beitrag 2026"
    msg.set_content("<html><body><p>Der Jahresbeitrag von 48 Euro wird am 15. Februar "
                    "abgebucht.</p></body></html>", subtype="html")
    (tmp_path / "beitrag.eml").write_bytes(msg.as_bytes())
    text = " ".join(p.text for p in load_file(tmp_path / "beitrag.eml").pages)
    assert "Betreff: Beitrag 2026" in text and "48 Euro wird am 15. Februar" in text
    (tmp_path / "kurz.htm").write_bytes("<p>Grüße aus Köln</p>".encode())
    assert [p.text for p in load_file(tmp_path / "kurz.htm").pages] == ["Grüße aus Köln"]


def test_mail_attachment_of_unsupported_type_is_skipped_with_a_warning(tmp_path: Path) -> None:
    mail = D.make_eml(tmp_path / "rechnung.eml",
                      ("tabelle.xlsx", b"PK\x03\x04 not really", "application", "octet-stream"))
    doc = load_file(mail)
    assert doc.attachments == []
    assert any("tabelle.xlsx" in w and "übersprungen" in w for w in doc.warnings)


def test_changed_mail_replaces_its_attachments(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path)
    index = Index(settings, embedder)
    ing = Ingestor(settings, index)
    mail = tmp_path / "brief.eml"
    D.make_eml(mail, ("programm.docx", D.programme_docx(), *DOCX_MIME))
    first = ing.ingest_file(mail)
    assert first.status == "ingested"
    assert [a.source for a in first.attachments] == ["brief.eml › programm.docx"]
    D.make_eml(mail, ("anfahrt.txt", "Parkplätze gibt es am Sportplatz.".encode(),
                      "text", "plain"))
    report = ing.run([mail])
    assert [(r.source, r.status) for r in report.results] == [
        ("brief.eml", "replaced"), ("brief.eml › anfahrt.txt", "ingested")]
    assert {d.source for d in index.documents()} == {"brief.eml", "brief.eml › anfahrt.txt"}
