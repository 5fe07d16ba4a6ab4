"""The post-processing every search mode goes through: filters, near-duplicate merge, MMR,
reranking, cut to k."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from rag.components.store import DocumentStore, Filter, hits_for, matches_filter
from rag.retrieval.base import Ranked, pool_size
from rag.retrieval.rerank import rerank_if_enabled
from rag.settings import Settings
from rag.types import SearchHit


def postprocess(ranked: Ranked, k: int, *, query: str, store: DocumentStore,
                settings: Settings, filters: Filter | None = None) -> list[SearchHit]:
    """The top ``k`` hits of a ranking, after the same steps for every mode.

    Candidate generators already apply ``filters`` in the store and keyword index; checking
    them again on the hits' metadata keeps every mode honest whatever a generator did.
    """
    r = settings.retrieval
    hits = hits_for(store, ranked[: pool_size(k)])  # chunk texts only for the head
    if filters:
        hits = [h for h in hits if matches_filter(filters, h.chunk.metadata())]
    hits = collapse_duplicates(hits, r.duplicate_overlap)
    if r.mmr_lambda < 1.0:
        hits = mmr(hits, k, r.mmr_lambda,
                   store.get_embeddings([h.chunk.chunk_id for h in hits]))
    return rerank_if_enabled(settings, query, hits)[:k]


_WORD = re.compile(r"\w+")


def _words(text: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in _WORD.findall(text))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def collapse_duplicates(hits: Sequence[SearchHit], overlap: float = 0.9) -> list[SearchHit]:
    """Keep the best of chunks with the same ``content_hash`` or near-identical words.

    ``hits`` must be sorted best first; the survivors keep that order.
    """
    kept: list[SearchHit] = []
    hashes: set[str] = set()
    word_sets: list[frozenset[str]] = []
    for h in hits:
        if h.chunk.content_hash and h.chunk.content_hash in hashes:
            continue
        words = _words(h.chunk.text)
        if overlap < 1.0 and any(jaccard(words, w) >= overlap for w in word_sets):
            continue
        kept.append(h)
        hashes.add(h.chunk.content_hash)
        word_sets.append(words)
    return kept


def mmr(
    hits: Sequence[SearchHit],
    k: int,
    lam: float,
    vectors: Mapping[str, np.ndarray] | None = None,
) -> list[SearchHit]:
    """Maximal marginal relevance: greedily pick ``k`` hits, penalising similarity to the
    ones already picked. Similarity is the cosine of the vectors when given, else word
    overlap. ``lam`` = 1 returns the input order."""
    if lam >= 1.0 or len(hits) <= 1:
        return list(hits[:k])
    rel = np.array([h.score for h in hits], dtype=np.float64)
    span = rel.max() - rel.min()
    rel = (rel - rel.min()) / span if span > 1e-12 else np.ones_like(rel)
    n = len(hits)
    if vectors is not None and all(h.chunk.chunk_id in vectors for h in hits):
        m = np.stack([vectors[h.chunk.chunk_id] for h in hits])
        m = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
        sim = m @ m.T
    else:
        ws = [_words(h.chunk.text) for h in hits]
        sim = np.array([[jaccard(ws[i], ws[j]) for j in range(n)] for i in range(n)])
    chosen: list[int] = []
    rest = list(range(n))
    while rest and len(chosen) < k:
        penalty = sim[np.ix_(rest, chosen)].max(axis=1) if chosen else np.zeros(len(rest))
        vals = lam * rel[rest] - (1.0 - lam) * penalty
        pick = rest[int(np.argmax(vals))]
        chosen.append(pick)
        rest.remove(pick)
    return [hits[i] for i in chosen]
