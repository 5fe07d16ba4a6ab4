"""Fusion of dense and keyword candidates, duplicate collapse, MMR and hybrid search."""

from __future__ import annotations

import numpy as np
import pytest

from rag.components.store import make_filter
from rag.index import Index
from rag.retrieval.hybrid import Candidate, fuse
from rag.retrieval.postprocess import collapse_duplicates, mmr
from rag.settings import FusionSettings as FusionParams
from rag.types import Chunk, SearchHit
from tests.conftest import load_qa


def hit(cid: str, text: str, score: float, content_hash: str | None = None) -> SearchHit:
    return SearchHit(
        Chunk(
            chunk_id=cid,
            doc_id="d",
            source="d.pdf",
            text=text,
            page_start=1,
            page_end=1,
            char_start=0,
            char_end=len(text),
            chunk_index=0,
            content_hash=content_hash or cid,
        ),
        score,
    )


# --- scoring -----------------------------------------------------------------------------


def test_score_fusion_prefers_agreement() -> None:
    cands = [
        Candidate("kw-only", dense=0.80, keyword=10.0),
        Candidate("both", dense=0.86, keyword=9.0),
        Candidate("dense-only", dense=0.87, keyword=0.0),
    ]
    ranked = fuse(cands, FusionParams(dense_weight=0.3))
    assert [c for c, _ in ranked] == ["both", "kw-only", "dense-only"]
    # The weight moves the balance: all dense, then the best cosine wins.
    assert fuse(cands, FusionParams(dense_weight=1.0))[0][0] == "dense-only"
    assert fuse(cands, FusionParams(dense_weight=0.0))[0][0] == "kw-only"


def test_score_fusion_normalises_per_query() -> None:
    # Scaling all BM25 scores (a longer query) must not change the ranking.
    a = [Candidate("x", 0.82, 4.0), Candidate("y", 0.85, 2.0), Candidate("z", 0.80, 3.0)]
    b = [Candidate(c.chunk_id, c.dense, c.keyword * 7.5) for c in a]
    p = FusionParams(dense_weight=0.4)
    assert [c for c, _ in fuse(a, p)] == [c for c, _ in fuse(b, p)]


def test_missing_cosine_counts_as_the_weakest() -> None:
    cands = [Candidate("a", 0.9, 1.0), Candidate("b", 0.7, 1.0), Candidate("c", None, 1.0)]
    scores = dict(fuse(cands, FusionParams(dense_weight=0.5)))
    assert scores["c"] == pytest.approx(scores["b"])
    assert scores["a"] > scores["b"]


def test_rrf_uses_ranks_only() -> None:
    cands = [Candidate("a", 0.9, 1.0), Candidate("b", 0.8, 100.0), Candidate("c", 0.1, None)]
    ranked = fuse(cands, FusionParams(method="rrf", dense_weight=0.5, rrf_k=1))
    assert {c for c, _ in ranked[:2]} == {"a", "b"}
    assert ranked[-1][0] == "c"
    assert fuse([], FusionParams()) == []


# --- duplicates and MMR ------------------------------------------------------------------


def test_collapse_duplicates_keeps_the_best_of_each_group() -> None:
    text = "Die Kündigungsfrist beträgt vier Wochen zum Fünfzehnten oder zum Monatsende."
    hits = [
        hit("a", text, 0.9, "h1"),
        hit("b", text, 0.8, "h1"),  # same content hash (e.g. the same file twice)
        hit("c", text.replace("vier", "4"), 0.7, "h2"),  # one word differs
        hit("d", "Der Urlaub beträgt 30 Arbeitstage im Kalenderjahr.", 0.6, "h3"),
    ]
    assert [h.chunk.chunk_id for h in collapse_duplicates(hits, 0.8)] == ["a", "d"]
    assert [h.chunk.chunk_id for h in collapse_duplicates(hits, 1.0)] == ["a", "c", "d"]


def test_mmr_pushes_near_copies_down() -> None:
    base = "Wärmepumpe Fehlercode E01 Hochdruckstörung Kältekreis prüfen"
    hits = [
        hit("a", base, 1.0),
        hit("b", base + " sofort", 0.95),
        hit("c", "Wartungsintervall jährlich Filter reinigen Fachbetrieb", 0.9),
    ]
    assert [h.chunk.chunk_id for h in mmr(hits, 3, 1.0)] == ["a", "b", "c"]
    assert [h.chunk.chunk_id for h in mmr(hits, 2, 0.5)] == ["a", "c"]
    vecs = {"a": np.array([1.0, 0.0]), "b": np.array([0.99, 0.1]), "c": np.array([0.0, 1.0])}
    assert [h.chunk.chunk_id for h in mmr(hits, 2, 0.5, vecs)] == ["a", "c"]


# --- hybrid search over the demo corpus ---------------------------------------------------


def test_hybrid_is_the_default_and_finds_gold_pages(corpus_index: Index) -> None:
    assert corpus_index.settings.retrieval.mode == "hybrid"
    rows = [r for r in load_qa() if r.get("doc") and r.get("page")]  # paged documents
    found = 0
    for r in rows:
        hits = corpus_index.search(r["question"], 5)
        assert hits == sorted(hits, key=lambda h: -h.score)
        found += any(
            h.chunk.source == r["doc"] and h.chunk.page_start <= r["page"] <= h.chunk.page_end
            for h in hits
        )
    assert found / len(rows) >= 0.9


def test_hybrid_respects_filters_and_k(corpus_index: Index) -> None:
    row = next(r for r in load_qa() if r.get("doc") == "arbeitsvertrag.pdf")
    other = "reisekostenrichtlinie.pdf"
    hits = corpus_index.search(row["question"], 4, filters=make_filter([other]), mode="hybrid")
    assert hits and len(hits) <= 4
    assert {h.chunk.source for h in hits} == {other}
    pages = corpus_index.search(row["question"], 5, filters=make_filter(None, (2, 3)),
                                 mode="hybrid")
    assert pages
    assert all(h.chunk.page_end >= 2 and h.chunk.page_start <= 3 for h in pages)


def test_hybrid_returns_only_live_chunks(corpus_index: Index) -> None:
    row = next(r for r in load_qa() if r.get("doc"))
    assert corpus_index.retriever.run(row["question"], 5, mode="hybrid", live=set()) == []
    live = set(corpus_index.live_prefixes().values())
    hits = corpus_index.retriever.run(row["question"], 5, mode="hybrid", live=live)
    assert hits and all(h.chunk.version_prefix in live for h in hits)


def test_hybrid_has_no_duplicate_chunks(corpus_index: Index) -> None:
    for r in load_qa()[:10]:
        hits = corpus_index.search(r["question"], 8)
        hashes = [h.chunk.content_hash for h in hits]
        assert len(hashes) == len(set(hashes))
