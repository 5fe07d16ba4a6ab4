"""Bad input at pipeline level: every bad file gets its own clear error naming it, the other
files of the same batch are ingested, and the store stays consistent.

All files are generated here (reportlab, pypdf); real Chroma (embedded and server), the real
offline embedding model.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pytest
from pydantic import SecretStr
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from ingest.pipeline import Ingestor
from rag.index import Index
from rag.settings import Settings
from tests.conftest import make_settings
from tests.unit.ingest.test_loaders import PNG_BYTES, encrypt, make_pdf, page_lines

TOPICS = ("Reisekosten", "Urlaubsanträge", "Datenschutz", "Arbeitszeit", "Fortbildungen",
          "Dienstwagen", "Homeoffice", "Kündigungsfristen", "Betriebsrat", "Arbeitsschutz")


def long_pdf(path: Path, pages: int, *, lines: int = 2, special: dict[int, str] | None = None,
             word: str = "Vorgang") -> Path:
    """A ``pages``-page German PDF; every line is a sentence unique to its page.

    ``special`` puts an extra sentence on some pages (a fact to search for); ``word`` lets
    two versions of a document differ in every chunk.
    """
    special = special or {}
    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(1, pages + 1):
        c.setFont("Helvetica", 11)
        y = 800
        for j in range(lines):
            topic = TOPICS[(n + j) % len(TOPICS)]
            c.drawString(60, y, f"Abschnitt {n}.{j + 1} regelt {topic} für den {word} "
                                f"{n * 7 + j} der Abteilung {n % 13}.")
            y -= 15
        if n in special:
            c.drawString(60, y, special[n])
        c.showPage()
    c.save()
    return path


def broken_xref_pdf(path: Path, pages: int = 5, bad_page: int = 3) -> Path:
    """A PDF whose xref offsets are all wrong and one page's content stream is garbage."""
    good = make_pdf(path.with_suffix(".tmp"), [page_lines(n) for n in range(1, pages + 1)])
    data = good.read_bytes()
    good.unlink()
    contents = PdfReader(io.BytesIO(data)).pages[bad_page - 1].raw_get("/Contents").idnum
    table = re.search(rb"xref\s+0 (\d+)\s+", data)
    assert table is not None
    start, n = table.end(), int(table.group(1))
    shifted = re.sub(rb"(\d{10}) (\d{5}) n",
                     lambda m: b"%010d %s n" % (int(m.group(1)) + 7, m.group(2)),
                     data[start : start + 20 * n])
    data = data[:start] + shifted + data[start + 20 * n :]
    obj = re.search(rb"\n%d 0 obj" % contents, data)
    assert obj is not None
    body = data.index(b"stream", obj.end()) + 7
    data = data[:body] + b"\x00kaputt\xff" * 4 + data[body + 32 :]
    path.write_bytes(data)
    return path


def image_only_pdf(path: Path) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(2):
        c.rect(100, 100, 300, 400, fill=1)
        c.showPage()
    c.save()
    return path


def zero_page_pdf(path: Path) -> Path:
    buf = io.BytesIO()
    PdfWriter().write(buf)
    path.write_bytes(buf.getvalue())
    return path


def assert_consistent(index: Index) -> None:
    """Chroma, the keyword index and the registry agree; no orphan chunks."""
    live = {d.chunk_prefix: d.chunks for d in index.documents()}
    ids = set(index.store.chunk_ids())
    assert ids == {f"{p}:{i}" for p, n in live.items() for i in range(n)}
    assert ids == index.keyword.ids()
    assert len(index.store.chunk_ids()) == len(ids)  # no duplicate ids


def files_outside(root: Path, store: Path) -> set[Path]:
    return {p for p in root.rglob("*") if store not in p.parents and p != store}


GERMAN = "Die Größe der Übergabe an der Straße beträgt fünf Maß; Ärger über Öl ist häufig."

# file name -> what its error must say (each names the file).
EXPECTED_ERRORS = {
    "geheim.pdf": "geheim.pdf: PDF ist verschlüsselt; Passwort nötig",
    "abgeschnitten.pdf": "abgeschnitten.pdf: PDF ist beschädigt oder abgeschnitten",
    "leer.pdf": "leer.pdf: Datei ist leer",
    # With OCR off (RAG_OCR=off) scans and images are refused, saying how to turn it on.
    "foto.pdf": "foto.pdf: PNG-Bild mit der Endung .pdf, Text nur per Texterkennung lesbar; "
                "Texterkennung (OCR) ist ausgeschaltet (RAG_OCR=off)",
    "scan.pdf": "scan.pdf: gescanntes PDF ohne Textebene; Texterkennung (OCR) ist ausgeschaltet",
    "nullseiten.pdf": "nullseiten.pdf: PDF hat keine Seiten",
}


@pytest.fixture
def bad_batch(tmp_path: Path) -> Path:
    docs = tmp_path / "eingang"
    docs.mkdir()
    good = make_pdf(docs / "gut.pdf", [page_lines(n) for n in (1, 2, 3)])
    encrypt(good, docs / "geheim.pdf", user="geheim")
    (docs / "abgeschnitten.pdf").write_bytes(good.read_bytes()[:300])
    (docs / "leer.pdf").write_bytes(b"")
    (docs / "foto.pdf").write_bytes(PNG_BYTES)
    image_only_pdf(docs / "scan.pdf")
    zero_page_pdf(docs / "nullseiten.pdf")
    broken_xref_pdf(docs / "querverweis.pdf")
    (docs / "latin1.txt").write_bytes(f"Latin-1: {GERMAN}\n".encode("latin-1"))
    (docs / "utf16.txt").write_bytes(f"UTF-16: {GERMAN}\n".encode("utf-16"))
    # Separators smuggled into names: URL-encoded slashes, backslashes, "..".
    (docs / "..%2F..%2Fausbruch.txt").write_text(f"Ausbruch: {GERMAN}", encoding="utf-8")
    (docs / "..\\..\\fenster.txt").write_text(f"Fenster: {GERMAN}", encoding="utf-8")
    (docs / "%252e%252e%252Fdoppelt.md").write_text(f"# Doppelt\n\n{GERMAN}", encoding="utf-8")
    return docs


def test_bad_batch(tmp_path: Path, store_mode: str, embedder, bad_batch: Path) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path, store_mode, ocr="off")
    index = Index(settings, embedder)
    before = files_outside(tmp_path, settings.store.dir)
    report = Ingestor(settings, index).run([bad_batch])

    failed = {Path(f["path"]).name: f["error"] for f in report.to_json()["failed"]}
    assert set(failed) == set(EXPECTED_ERRORS)
    for name, message in EXPECTED_ERRORS.items():
        assert failed[name].startswith(message), failed[name]
        assert "\n" not in failed[name]
    assert not report.ok

    ok = {r.source: r for r in report.by_status("ingested")}
    assert set(ok) == {"gut.pdf", "querverweis.pdf", "latin1.txt", "utf16.txt",
                       "ausbruch.txt", "fenster.txt", "doppelt.md"}
    # Broken xref: the readable pages are ingested, the unreadable one is reported.
    xref = ok["querverweis.pdf"]
    assert xref.pages == 4
    assert xref.warnings == ["Seiten 3 nicht lesbar und übersprungen "
                             "(pages 3 unreadable, skipped)"]
    data = (bad_batch / "querverweis.pdf").read_bytes()
    offsets = [int(m.group(1)) for m in re.finditer(rb"(\d{10}) \d{5} n", data)]
    assert offsets and not any(re.match(rb"\d+ 0 obj", data[o:o + 12]) for o in offsets)

    # Only the store was written: no file escaped via "../" or encoded separators.
    assert files_outside(tmp_path, settings.store.dir) == before
    for escaped in ("ausbruch.txt", "fenster.txt", "doppelt.md"):
        assert not (tmp_path / escaped).exists() and not (tmp_path.parent / escaped).exists()
    assert {d.source for d in index.documents()} == set(ok)
    assert all("/" not in d.source and "\\" not in d.source and ".." not in d.source
               for d in index.documents())
    assert_consistent(index)

    # Umlauts of Latin-1 and UTF-16 files arrive intact and are searchable.
    texts = {c.source: c.text for batch in index.store.iter_chunks() for c in batch}
    for source in ("latin1.txt", "utf16.txt", "ausbruch.txt"):
        assert GERMAN in texts[source]
    hits = index.search("Übergabe Größe Straße", 10, mode="bm25")
    assert {"latin1.txt", "utf16.txt"} <= {h.chunk.source for h in hits}
    xref_text = "\n".join(c.text for batch in index.store.iter_chunks() for c in batch
                          if c.source == "querverweis.pdf")
    assert all(f"Kapitel {n}:" in xref_text for n in (1, 2, 4, 5))
    assert "Kapitel 3:" not in xref_text
    hit = next(h for h in index.search("Kapitel 4: Die Größe der Übergabe", 20, mode="bm25")
               if h.chunk.source == "querverweis.pdf")
    assert hit.chunk.page_of(hit.chunk.text.index("Kapitel 4:")) == 4

    # A second run changes nothing: bad files fail the same way, good ones are unchanged.
    again = Ingestor(settings, index).run([bad_batch])
    assert {Path(f["path"]).name for f in again.to_json()["failed"]} == set(EXPECTED_ERRORS)
    assert {r.source for r in again.by_status("unchanged")} == set(ok)
    assert_consistent(index)


def test_encrypted_pdf_password_setting(tmp_path: Path, embedder, monkeypatch) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    plain = make_pdf(tmp_path / "klar.pdf", [page_lines(n) for n in (1, 2, 3)])
    enc = encrypt(plain, docs / "geheim.pdf", user="Sesam-öffne-dich")

    wrong = make_settings(tmp_path, pdf_password="Hintertür-42")
    result = Ingestor(wrong, Index(wrong, embedder)).ingest_file(enc)
    assert result.status == "failed"
    assert result.error.startswith("geheim.pdf: PDF ist verschlüsselt; Passwort ist falsch")
    assert "Hintertür" not in result.error and "Hintertür" not in repr(wrong)

    # The password comes from the environment like every other setting.
    monkeypatch.setenv("RAG_PDF_PASSWORD", "Sesam-öffne-dich")
    settings = Settings(_env_file=None, embedding_source="offline",  # type: ignore[call-arg]
                        store_dir=tmp_path / "store")
    assert settings.ingest.pdf_password == SecretStr("Sesam-öffne-dich")
    assert "Sesam" not in repr(settings)
    index = Index(settings, embedder)
    ok = Ingestor(settings, index).ingest_file(enc)
    assert (ok.status, ok.pages) == ("ingested", 3), ok.error
    hits = index.search("Kapitel 2 Größe der Übergabe", 3, mode="bm25")
    assert hits and hits[0].chunk.source == "geheim.pdf"
    assert_consistent(index)


def test_300_page_pdf(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path)
    index = Index(settings, embedder)
    big = long_pdf(tmp_path / "handbuch.pdf", 300,
                   special={287: "Sonderregel: Leuchtturmwärter erhalten eine Zulage."})
    fractions: list[float] = []
    result = Ingestor(settings, index).ingest_file(
        big, progress=lambda _src, frac: fractions.append(frac))
    assert (result.status, result.pages) == ("ingested", 300), result.error
    assert result.warnings == []
    # Progress is reported batch by batch while writing, ending at 100 %.
    assert len(fractions) == math.ceil(result.chunks / settings.ingest.batch_size)
    assert fractions == sorted(fractions) and fractions[-1] == 1.0

    chunks = [c for batch in index.store.iter_chunks() for c in batch]
    assert len(chunks) == result.chunks
    assert min(c.page_start for c in chunks) == 1 and max(c.page_end for c in chunks) == 300
    covered = {p for c in chunks for p in range(c.page_start, c.page_end + 1)}
    assert covered == set(range(1, 301))
    hit = index.search("Leuchtturmwärter Zulage", 1, mode="bm25")[0]
    assert hit.chunk.page_of(hit.chunk.text.index("Leuchtturmwärter")) == 287
    assert_consistent(index)
