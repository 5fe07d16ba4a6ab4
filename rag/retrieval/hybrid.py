"""Hybrid ranking: fuse dense (e5) and German BM25 candidate lists into one ranking.

Method (chosen by measurement on the DPR dev file, benchmarks/tune_fusion.py): both
candidate lists are merged and every candidate gets *both* scores — the BM25 score of the
dense candidates, the exact cosine of the keyword candidates ("complete" score fusion), from
two scoring callbacks. Scores are normalised over the candidate set (BM25 divided by the best
BM25, cosine min-max) and mixed with ``dense_weight``. Weighted RRF and fusion with missing
scores set to 0 were measured too and lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rag.retrieval.base import Ranked
from rag.settings import FusionSettings


@dataclass(frozen=True)
class Candidate:
    """One chunk id with whatever scores are known for it (None = not scored)."""

    chunk_id: str
    dense: float | None = None
    keyword: float | None = None


def hybrid_ranking(
    dense: Ranked,
    keyword: Ranked,
    *,
    keyword_scores: Callable[[list[str]], list[float]],
    cosines: Callable[[list[str]], dict[str, float]],
    params: FusionSettings,
) -> Ranked:
    """Fused ``(chunk_id, score)`` of both lists, best first.

    ``keyword_scores(ids)`` gives the BM25 of dense-only candidates, ``cosines(ids)`` the
    cosine of keyword-only candidates (ids it cannot score are left out of its dict).
    """
    dense_of = dict(dense)
    keyword_of = dict(keyword)
    dense_only = [c for c in dense_of if c not in keyword_of]
    keyword_of.update(zip(dense_only, keyword_scores(dense_only), strict=True))
    keyword_only = [c for c in keyword_of if c not in dense_of]
    dense_of.update(cosines(keyword_only))
    cands = [Candidate(c, dense_of.get(c), keyword_of.get(c)) for c in {**dense_of, **keyword_of}]
    return fuse(cands, params)


def fuse(candidates: Sequence[Candidate], params: FusionSettings) -> Ranked:
    """Fused ``(chunk_id, score)``, best first; higher is better."""
    if not candidates:
        return []
    if params.method == "rrf":
        return _rrf(candidates, params)
    return _score_fusion(candidates, params)


def _score_fusion(cands: Sequence[Candidate], p: FusionSettings) -> Ranked:
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


def _rrf(cands: Sequence[Candidate], p: FusionSettings) -> Ranked:
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
