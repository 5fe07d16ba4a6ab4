"""Every search mode goes through the same post-processing: filters, near-duplicate merge,
reranking; dead chunks never cost hits; a registry that never settles is an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.components.reranker import Reranker
from rag.components.store import make_filter
from rag.index import InconsistentReadError, Index
from rag.retrieval import Retriever
from rag.retrieval.base import MODES
from rag.types import Chunk
from tests.conftest import load_qa, make_settings
from tests.unit.rag.test_keyword import _write_doc
from tests.unit.rag.test_reranker import TEXTS as RERANK_TEXTS
from tests.unit.rag.test_reranker import build_tiny_cross_encoder

LEIHFRIST = [
    "Die Leihfrist für Bücher beträgt vier Wochen ab dem Tag der Ausleihe.",
    "Die Leihfrist kann zweimal online verlängert werden, wenn keine Vormerkung vorliegt.",
    "Für Zeitschriften gilt eine kürzere Leihfrist von einer Woche.",
    "Nach Ablauf der Leihfrist wird eine Säumnisgebühr von 0,50 Euro je Tag erhoben.",
]


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_applies_filters(corpus_index: Index, mode: str) -> None:
    row = next(r for r in load_qa() if r.get("doc") == "arbeitsvertrag.pdf")
    other = "reisekostenrichtlinie.pdf"
    hits = corpus_index.search(row["question"], 4, filters=make_filter([other]), mode=mode)
    assert hits and len(hits) <= 4
    assert {h.chunk.source for h in hits} == {other}
    pages = corpus_index.search(row["question"], 5, filters=make_filter(None, (2, 3)),
                                mode=mode)
    assert pages and all(h.chunk.page_end >= 2 and h.chunk.page_start <= 3 for h in pages)


@pytest.fixture
def twin_docs(tmp_path: Path, embedder: object) -> Index:
    """Two documents that share one passage word for word (different chunk ids/hashes)."""
    idx = Index(make_settings(tmp_path), embedder)  # type: ignore[arg-type]
    _write_doc(idx, "bib", "v1", LEIHFRIST)
    _write_doc(idx, "kopie", "v1", [LEIHFRIST[0], "Die Wärmepumpe schaltet nachts leiser."])
    return idx


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_merges_near_duplicates(twin_docs: Index, mode: str) -> None:
    hits = twin_docs.search("Wie lange ist die Leihfrist für Bücher?", 5, mode=mode)
    texts = [h.chunk.text for h in hits]
    assert LEIHFRIST[0] in texts
    assert len(texts) == len(set(texts))  # the copy in "kopie" was merged away


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_cross_encoder(tmp_path_factory.mktemp("ce") / "tiny-ce")


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_reranks(tmp_path: Path, embedder: object, tiny_cross_encoder: Path,
                            mode: str) -> None:
    idx = Index(make_settings(tmp_path), embedder)  # type: ignore[arg-type]
    _write_doc(idx, "mix", "v1", RERANK_TEXTS)
    settings = idx.settings.override(reranker_model=str(tiny_cross_encoder))
    retriever = Retriever(idx.store, idx.embedder, lambda: idx.keyword, settings)
    query = "urlaub frist bibliothek reise"
    hits = retriever.run(query, 4, mode=mode)
    assert len(hits) >= 2
    expected = Reranker(str(tiny_cross_encoder)).scores(query, [h.chunk.text for h in hits])
    assert [h.score for h in hits] == pytest.approx([float(s) for s in expected], abs=1e-5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].chunk.text == RERANK_TEXTS[3]  # the employment-law text wins


@pytest.mark.parametrize("mode", MODES)
def test_dead_chunks_do_not_cost_hits(tmp_path: Path, embedder: object, mode: str) -> None:
    """An interrupted ingest leaves chunks of a version that never went live; they may fill
    the first candidate window of every mode, which then widens."""
    idx = Index(make_settings(tmp_path), embedder)  # type: ignore[arg-type]
    live = _write_doc(idx, "bib", "v1", LEIHFRIST)
    dead = [f"Leihfrist Leihfrist Bücher Leihfrist Ausleihe Nummer {i}." for i in range(60)]
    with idx.write_lock():
        idx.add_chunks(
            [Chunk(f"bib:v2:{i}", "bib", "bib.txt", t, 1, 1, 0, len(t), i, f"dead{i}")
             for i, t in enumerate(dead)],
            idx.embedder.embed_documents(dead))
    hits = idx.search("Leihfrist Bücher Ausleihe", 3, mode=mode)
    assert len(hits) == 3
    assert {h.chunk.version_prefix for h in hits} == {live.chunk_prefix}


def test_a_registry_that_never_settles_raises(twin_docs: Index,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    real = twin_docs.live_prefixes()
    reads = iter(range(100))

    def changing() -> dict[str, str]:
        return {**real, "other": f"other:v{next(reads)}"}  # a writer switches every time

    monkeypatch.setattr(twin_docs, "live_prefixes", changing)
    with pytest.raises(InconsistentReadError, match="laufend geändert"):
        twin_docs.search("Leihfrist", 3)
    assert next(reads) == 6  # one read before, one after each of the five tries
