"""Checks for the German demo corpus in corpora/ (PDFs, qa.jsonl, generator).

Uses plain pypdf and a small normaliser of its own (NFC, ligature expansion,
joining "-\\n", lowercase, collapsed whitespace), so it does not depend on the
pipeline's cleanup code.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from tests.support.paths import REPO

pypdf = pytest.importorskip("pypdf")

ROOT = REPO
CORPORA = ROOT / "corpora"
QA_PATH = CORPORA / "qa.jsonl"
GENERATOR = CORPORA / "make_corpora.py"
DOCX_GENERATOR = CORPORA / "make_docx.py"
SCAN_GENERATOR = CORPORA / "make_scans.py"

EXPECTED_PAGES = {
    "reisekostenrichtlinie.pdf": 5,
    "arbeitsvertrag.pdf": 5,
    "bedienungsanleitung_waermepumpe.pdf": 5,
    "gebuehrenordnung_stadtbibliothek.pdf": 4,
    "hausordnung_nebenkosten.pdf": 4,
    "satzung_kanuverein.pdf": 4,
    "reisekostenrichtlinie_brandauer.pdf": 4,
}
HEADERS = {
    "reisekostenrichtlinie.pdf": "Hallberg Feinwerktechnik GmbH – Reisekostenrichtlinie 2026",
    "arbeitsvertrag.pdf": "Sonnenfeld Logistik GmbH – Arbeitsvertrag",
    "bedienungsanleitung_waermepumpe.pdf": "Kühnlein Haustechnik – Bedienungsanleitung Aerovia",
    "gebuehrenordnung_stadtbibliothek.pdf": "Stadt Falkenried – Satzung über die Benutzung",
    "hausordnung_nebenkosten.pdf": "Wohnanlage Lindenhof Kesselbach – Hausordnung",
    "satzung_kanuverein.pdf": "Kanu- und Wassersportverein Talbrück e. V. – Satzung",
    "reisekostenrichtlinie_brandauer.pdf":
        "Brandauer Messtechnik GmbH – Reisekostenrichtlinie 2026",
}
# plain-text documents count as a single page (page 1)
TEXT_DOCS = {"it_kurzinfo.md": 1}
# image-only PDFs (corpora/make_scans.py from sources/scans/*.toml): no text layer; their
# text is checked against the source file
SCANNED = {"grundbesitzabgaben_scan.pdf": 2}
DOC_PAGES = {**EXPECTED_PAGES, **TEXT_DOCS, **SCANNED}
# documents without pages: gold rows name a section ("page": null, "section": ...)
SECTION_DOCS = ("protokoll_betriebsrat.docx",)
KINDS = {"direct", "paraphrase", "unanswerable"}

LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    for lig, plain in LIGATURES.items():
        text = text.replace(lig, plain)
    text = re.sub(r"-[ \t]*\n[ \t]*", "", text)  # join words hyphenated at line ends
    text = text.lower()
    return re.sub(r"\s+", " ", text).strip()


def extract(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages]


@pytest.fixture(scope="module")
def raw_pages() -> dict[str, list[str]]:
    return {name: extract(CORPORA / name) for name in EXPECTED_PAGES}


def source_pages(name: str) -> list[str]:
    """The text of a scanned document's pages as written in its source file."""
    gen = _load_generator()
    doc = gen.load_doc(CORPORA / "sources" / "scans" / (Path(name).stem + ".toml"))
    pages = []
    for blocks in doc.pages:
        parts = []
        for b in blocks:
            if b[0] == "table":
                parts += [*b[2], *(c for row in b[3] for c in row)]
            elif isinstance(b[1], list):
                parts += b[1]
            elif isinstance(b[1], str):
                parts.append(b[1])
        pages.append(gen.clean(" ".join(parts)))
    return pages


@pytest.fixture(scope="module")
def norm_pages(raw_pages) -> dict[str, list[str]]:
    pages = {name: [normalise(t) for t in texts] for name, texts in raw_pages.items()}
    for name in TEXT_DOCS:
        pages[name] = [normalise((CORPORA / name).read_text(encoding="utf-8"))]
    for name in SCANNED:
        pages[name] = [normalise(t) for t in source_pages(name)]
    return pages


@pytest.fixture(scope="module")
def sections() -> dict[str, list[tuple[str, str]]]:
    """(section label, normalised text) of every block of the documents without pages, as
    Quelle's reader labels them (the labels are what citations and gold rows name)."""
    from ingest.loaders import load_file

    return {name: [(p.section, normalise(p.text)) for p in load_file(CORPORA / name).pages]
            for name in SECTION_DOCS}


def _in_section(label: str, gold: str) -> bool:
    return label == gold or label.startswith(gold + ",")


@pytest.fixture(scope="module")
def qa() -> list[dict]:
    lines = QA_PATH.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# --------------------------------------------------------------------------- PDFs


def test_every_expected_pdf_exists_and_no_extra_pdfs():
    found = sorted(p.name for p in CORPORA.glob("*.pdf"))
    assert found == sorted([*EXPECTED_PAGES, *SCANNED])


@pytest.mark.parametrize("name", sorted(SCANNED))
def test_scanned_pdf_has_image_pages_only(name):
    reader = pypdf.PdfReader(str(CORPORA / name))
    assert len(reader.pages) == SCANNED[name]
    for page in reader.pages:
        assert not (page.extract_text() or "").strip()  # only OCR can read it
        assert len(page.images) == 1


@pytest.mark.parametrize("name", sorted(EXPECTED_PAGES))
def test_pdf_opens_with_expected_page_count(name):
    reader = pypdf.PdfReader(str(CORPORA / name))
    assert len(reader.pages) == EXPECTED_PAGES[name]
    assert 3 <= len(reader.pages) <= 8
    assert reader.metadata is not None and reader.metadata.title


def test_running_header_and_page_footer_on_every_page(raw_pages):
    for name, pages in raw_pages.items():
        total = len(pages)
        for no, text in enumerate(pages, start=1):
            assert HEADERS[name] in text, f"{name} p.{no}: header missing"
            assert f"Seite {no} von {total}" in text, f"{name} p.{no}: footer missing"


def test_pages_hold_dense_prose(norm_pages):
    for name in EXPECTED_PAGES:
        for no, text in enumerate(norm_pages[name], start=1):
            words = len(text.split())
            assert words >= 280, f"{name} p.{no}: only {words} words"


def test_ligature_glyphs_in_text_layer(raw_pages):
    text = "".join(t for pages in raw_pages.values() for t in pages)
    assert "\ufb01" in text, "no U+FB01 (fi ligature) in any text layer"
    assert "\ufb02" in text, "no U+FB02 (fl ligature) in any text layer"
    # and at least one document is ligature-free, as a contrast
    assert any(
        not any(ch in t for t in pages for ch in "\ufb01\ufb02") for pages in raw_pages.values()
    )


def test_hyphenated_line_breaks(raw_pages):
    text = "\n".join(t for pages in raw_pages.values() for t in pages)
    # soft hyphenation of a compound
    assert re.search(r"Reisekosten-[ \t]*\n[ \t]*abrechnung", text)
    # real hyphens that must survive de-hyphenation
    assert re.search(r"Baden-[ \t]*\n[ \t]*Württemberg", text)
    assert re.search(r"\bE-[ \t]*\n[ \t]*Mail", text)
    # plenty of ordinary hyphenated breaks besides those
    assert len(re.findall(r"[a-zäöüß]-[ \t]*\n[ \t]*[a-zäöüß]", text)) >= 15


def test_abbreviations_and_paragraph_signs_present(norm_pages):
    text = " ".join(t for pages in norm_pages.values() for t in pages)
    for token in ("z. b.", "d. h.", "abs. 2", "nr. 5", "ca.", "bzw.", "§ 4", "1. januar 2026"):
        assert token in text, token


def test_fact_across_page_break(raw_pages):
    rk = raw_pages["reisekostenrichtlinie.pdf"]
    assert re.search(r"Höchstbetrag von\s*\n", rk[2])
    assert "165 Euro pro Nacht" in rk[3]
    av = raw_pages["arbeitsvertrag.pdf"]
    assert re.search(r"Kündigungsfrist von\s*\n", av[3])
    assert "drei Monaten zum Ende eines" in av[4]


def test_text_documents_are_utf8():
    docs = sorted(CORPORA.glob("*.md")) + sorted(CORPORA.glob("*.txt"))
    docs = [p for p in docs if p.name != "README.md"]
    assert docs, "expected at least one plain-text demo document"
    for p in docs:
        text = p.read_bytes().decode("utf-8")
        assert len(text.split()) > 50
        assert any(ch in text for ch in "äöüß")


# --------------------------------------------------------------------------- qa.jsonl


def test_qa_schema_and_mix(qa):
    assert len(qa) >= 40
    ids = [q["id"] for q in qa]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"q\d{2,3}", i) for i in ids)
    kinds = Counter(q["kind"] for q in qa)
    assert set(kinds) <= KINDS
    assert kinds["direct"] >= 20
    assert kinds["paraphrase"] >= 10
    assert kinds["unanswerable"] >= 6
    for q in qa:
        assert q["question"].strip().endswith("?"), q["id"]
        if q["kind"] == "unanswerable":
            assert q["doc"] is None and q["page"] is None and q["answer"] is None, q["id"]
            continue
        if q["doc"] in SECTION_DOCS:
            assert q["page"] is None and isinstance(q["section"], str), q["id"]
            assert q["split"] == "test" and "pages" not in q, q["id"]
            continue
        assert q["doc"] in DOC_PAGES, q["id"]
        assert isinstance(q["page"], int) and 1 <= q["page"] <= DOC_PAGES[q["doc"]]
        assert isinstance(q["answer"], str) and q["answer"].strip(), q["id"]
        if "pages" in q:
            assert q["page"] in q["pages"], q["id"]
            assert all(1 <= p <= DOC_PAGES[q["doc"]] for p in q["pages"]), q["id"]


def test_qa_covers_every_document_and_page(qa):
    covered = {(q["doc"], p) for q in qa if q["doc"] for p in q.get("pages", [q["page"]])}
    for name, n in DOC_PAGES.items():
        for page in range(1, n + 1):
            assert (name, page) in covered, f"no question for {name} p.{page}"
    for name in SECTION_DOCS:
        rows = [q for q in qa if q["doc"] == name]
        assert len(rows) >= 8, name
        assert sum("Tabelle" in q["section"] for q in rows) >= 4, "table-cell questions"


def test_answers_occur_on_gold_page(qa, norm_pages):
    missing = []
    for q in qa:
        if q["kind"] == "unanswerable" or q["doc"] in SECTION_DOCS:
            continue
        if normalise(q["answer"]) not in norm_pages[q["doc"]][q["page"] - 1]:
            missing.append((q["id"], q["doc"], q["page"], q["answer"]))
    assert not missing, missing


def test_answers_are_distinctive_within_their_document(qa, norm_pages):
    """The answer span must not also sit on a page that is not listed as valid."""
    dupes = []
    for q in qa:
        if q["kind"] == "unanswerable" or q["doc"] in SECTION_DOCS:
            continue
        valid = set(q.get("pages", [q["page"]]))
        ans = normalise(q["answer"])
        for no, text in enumerate(norm_pages[q["doc"]], start=1):
            if no not in valid and ans in text:
                dupes.append((q["id"], q["doc"], no))
    assert not dupes, dupes


def test_section_answers_occur_in_their_section_only(qa, sections):
    """Rows about documents without pages: the answer is in the gold section and nowhere
    else in the document; a section that exists is named."""
    wrong = []
    for q in qa:
        if q["doc"] not in SECTION_DOCS:
            continue
        ans = normalise(q["answer"])
        inside = [label for label, text in sections[q["doc"]] if ans in text]
        if not inside or not all(_in_section(label, q["section"]) for label in inside):
            wrong.append((q["id"], q["section"], inside))
    assert not wrong, wrong


def test_docx_generator_is_deterministic(tmp_path):
    pytest.importorskip("docx")
    for out in (tmp_path / "a", tmp_path / "b"):
        subprocess.run([sys.executable, str(DOCX_GENERATOR), "--out", str(out), "-q"],
                       check=True, cwd=str(ROOT), timeout=120)
    spec = importlib.util.spec_from_file_location("make_docx_under_test", DOCX_GENERATOR)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    from ingest.loaders import load_file

    for name in SECTION_DOCS:
        a, b = tmp_path / "a" / name, tmp_path / "b" / name
        assert a.read_bytes() == b.read_bytes(), f"{name} differs between runs"
        if gen.local_env() == gen.BUILD_ENV:
            assert a.read_bytes() == (CORPORA / name).read_bytes(), (
                f"{name}: committed file is out of date; run python corpora/make_docx.py")
        else:  # another python-docx: bytes may differ, the text must not
            assert load_file(a).pages == load_file(CORPORA / name).pages


def test_paraphrased_questions_do_not_quote_the_answer(qa):
    for q in qa:
        if q["kind"] == "paraphrase":
            assert normalise(q["answer"]) not in normalise(q["question"]), q["id"]


# --------------------------------------------------------------------------- generator


def _load_generator():
    pytest.importorskip("reportlab")
    spec = importlib.util.spec_from_file_location("make_corpora_under_test", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while it loads
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    return module


def _generate(out: Path, seed: str) -> None:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(out), "-q"],
        check=True,
        cwd=str(ROOT),
        env=env,
        timeout=300,
    )


def test_generator_is_deterministic(tmp_path):
    gen = _load_generator()
    missing = [f for f in gen.FONT_FILES.values() if gen.find_font(f) is None]
    if missing:
        pytest.skip(
            f"DejaVu fonts missing ({', '.join(missing)}); install fonts-dejavu-core "
            "to regenerate the corpus"
        )
    a, b = tmp_path / "a", tmp_path / "b"
    _generate(a, "1")
    _generate(b, "2")
    assert sorted(p.name for p in a.glob("*.pdf")) == sorted(EXPECTED_PAGES)
    for name in EXPECTED_PAGES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs between runs"

    if gen.local_env() == gen.BUILD_ENV:
        for name in EXPECTED_PAGES:
            assert (a / name).read_bytes() == (CORPORA / name).read_bytes(), (
                f"{name}: committed PDF is out of date; run python corpora/make_corpora.py"
            )
    else:
        # Other font or reportlab version: bytes may differ, the text must not.
        for name in EXPECTED_PAGES:
            assert extract(a / name) == extract(CORPORA / name), (
                f"{name}: regenerated text differs from the committed PDF"
            )


def test_scan_generator_is_deterministic(tmp_path):
    gen = _load_generator()
    spec = importlib.util.spec_from_file_location("make_scans_under_test", SCAN_GENERATOR)
    scans = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scans)
    if any(gen.find_font(f) is None for f in gen.FONT_FILES.values()):
        pytest.skip("DejaVu fonts missing; install fonts-dejavu-core to regenerate the corpus")
    for out in ("a", "b"):
        subprocess.run([sys.executable, str(SCAN_GENERATOR), "--out", str(tmp_path / out), "-q"],
                       check=True, cwd=str(ROOT), timeout=300)
    for name in SCANNED:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        if gen.local_env() == gen.BUILD_ENV and scans.local_env() == scans.SCAN_BUILD_ENV:
            assert (tmp_path / "a" / name).read_bytes() == (CORPORA / name).read_bytes(), (
                f"{name}: committed scan is out of date; run python corpora/make_scans.py")
