"""Hybrid retrieval: fuse dense (e5) and German BM25 candidates into one ranking.

Method (chosen by measurement on the DPR dev file, see README "Hybrid-Suche"): both
candidate lists are merged and every candidate gets *both* scores — the BM25 score of the
dense candidates from the keyword index, the exact cosine of the keyword candidates from
their stored vectors ("complete" score fusion). Scores are normalised over the candidate
set (BM25 divided by the best BM25, cosine min-max) and mixed with ``dense_weight``.
Weighted RRF and fusion of the two lists with missing scores set to 0 were measured too
and lost; see ``FusionParams``.

After fusion, near-duplicate chunks (same ``content_hash`` or almost the same words) are
collapsed to the best one, and an optional MMR pass trades relevance for diversity.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from rag.components.store import hits_for
from rag.types import SearchHit, version_prefix

if TYPE_CHECKING:
    from rag.components.store import Filter
    from rag.index import Index
    from rag.settings import Settings


@dataclass(frozen=True)
class FusionParams:
    method: Literal["score", "rrf"] = "score"
    dense_weight: float = 0.3  # share of the normalised cosine (benchmarks/tune_fusion.py)
    rrf_k: float = 60.0  # only for method="rrf"
    dense_candidates: int = 50
    keyword_candidates: int = 50
    # Chunks whose word sets overlap at least this much (Jaccard) count as duplicates.
    duplicate_overlap: float = 0.9
    mmr_lambda: float = 1.0  # 1.0 = MMR off; lower values favour diversity

    @classmethod
    def from_settings(cls, settings: Settings) -> FusionParams:
        names = cls.__dataclass_fields__
        values = {
            n: getattr(settings, f"fusion_{n}") for n in names if hasattr(settings, f"fusion_{n}")
        }
        if hasattr(settings, "mmr_lambda"):
            values["mmr_lambda"] = settings.mmr_lambda
        return cls(**values)


@dataclass(frozen=True)
class Candidate:
    """One chunk id with whatever scores are known for it (None = not scored)."""

    chunk_id: str
    dense: float | None = None
    keyword: float | None = None


# --- scoring -----------------------------------------------------------------------------


def fuse(candidates: Sequence[Candidate], params: FusionParams) -> list[tuple[str, float]]:
    """Fused ``(chunk_id, score)``, best first; higher is better."""
    if not candidates:
        return []
    if params.method == "rrf":
        return _rrf(candidates, params)
    return _score_fusion(candidates, params)


def _score_fusion(cands: Sequence[Candidate], p: FusionParams) -> list[tuple[str, float]]:
    kw = np.array([c.keyword if c.keyword is not None else 0.0 for c in cands], dtype=np.float64)
    dense_known = [c.dense for c in cands if c.dense is not None]
    # A candidate without a cosine is treated like the weakest dense candidate.
    floor = min(dense_known) if dense_known else 0.0
    de = np.array([c.dense if c.dense is not None else floor for c in cands], dtype=np.float64)
    kmax = kw.max()
    kn = kw / kmax if kmax > 0 else np.zeros_like(kw)
    span = de.max() - de.min()
    dn = (de - de.min()) / span if span > 1e-9 else np.ones_like(de)
    fused = (1.0 - p.dense_weight) * kn + p.dense_weight * dn
    order = np.argsort(-fused, kind="stable")
    return [(cands[i].chunk_id, float(fused[i])) for i in order]


def _rrf(cands: Sequence[Candidate], p: FusionParams) -> list[tuple[str, float]]:
    def ranks(values: list[float | None]) -> dict[int, int]:
        known = [(v, i) for i, v in enumerate(values) if v is not None]
        known.sort(key=lambda t: -t[0])
        return {i: r for r, (_, i) in enumerate(known, start=1)}

    rk = ranks([c.keyword if c.keyword else None for c in cands])
    rd = ranks([c.dense for c in cands])
    scores = []
    for i, c in enumerate(cands):
        s = 0.0
        if i in rk:
            s += (1.0 - p.dense_weight) / (p.rrf_k + rk[i])
        if i in rd:
            s += p.dense_weight / (p.rrf_k + rd[i])
        scores.append((c.chunk_id, s))
    scores.sort(key=lambda t: -t[1])
    return scores


# --- duplicates and diversity ------------------------------------------------------------

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


# --- the search used by Index.search(mode="hybrid") --------------------------------------


def hybrid_search(
    index: Index,
    query: str,
    k: int,
    *,
    filters: Filter | None = None,
    live: set[str] | None = None,
    params: FusionParams | None = None,
) -> list[SearchHit]:
    """Top ``k`` live chunks for ``query`` by fused dense + keyword scores.

    ``live`` holds the chunk-id prefixes (``doc_id:version``) that are visible; candidates of
    other versions are dropped before fusion.
    """
    p = params or FusionParams.from_settings(index.settings)
    qvec = np.asarray(index.embedder.embed_queries([query])[0], dtype=np.float32)

    def is_live(cid: str) -> bool:
        return live is None or version_prefix(cid) in live

    dense = {
        c: sc for c, sc in index.store.query_ids(qvec, p.dense_candidates, filters) if is_live(c)
    }
    allowed = set(index.store.filtered_ids(filters)) if filters else None
    kw = index.keyword.query(query)  # scored once, used for top-k and look-ups
    keyword = {c: s for c, s in kw.top(p.keyword_candidates, allowed) if is_live(c)}

    # Complete the scores: BM25 of dense-only candidates, cosine of keyword-only candidates.
    dense_only = [c for c in dense if c not in keyword]
    keyword.update(zip(dense_only, kw.get(dense_only), strict=True))
    kw_only = [c for c in keyword if c not in dense]
    for cid, vec in index.store.get_embeddings(kw_only).items():
        dense[cid] = float(np.dot(qvec, vec))

    cands = [Candidate(c, dense.get(c), keyword.get(c)) for c in {**dense, **keyword}]
    ranked = fuse(cands, p)
    # Enough fused hits to survive duplicate removal; chunk texts only for those.
    head = ranked[: max(3 * k, k + 10)]
    hits = hits_for(index.store, head)
    hits = collapse_duplicates(hits, p.duplicate_overlap)
    if p.mmr_lambda < 1.0:
        hits = mmr(hits, k, p.mmr_lambda,
                   index.store.get_embeddings([h.chunk.chunk_id for h in hits]))
    return rerank_if_enabled(index.settings, query, hits)[:k]


def rerank_if_enabled(settings: Settings, query: str, hits: list[SearchHit]) -> list[SearchHit]:
    model = getattr(settings, "reranker_model", "")
    if not model or len(hits) < 2:
        return hits
    from rag.components.reranker import get_reranker

    return get_reranker(settings).rerank(query, hits)
