"""Keyword candidates: German BM25 over the keyword index (rag/components/keyword)."""

from __future__ import annotations

from rag.components.keyword.index import KeywordScores
from rag.retrieval.base import Ranked, live_top


def keyword_candidates(scores: KeywordScores, want: int, *, allowed: set[str] | None = None,
                       live: set[str] | None = None, window: int | None = None) -> Ranked:
    """The ``want`` best live chunks as ``(chunk_id, bm25)`` with a positive score; the first
    look asks for ``window`` (default ``want``) and widens while dead chunks fill it.
    ``allowed`` restricts to the chunk ids a filter lets through."""
    return live_top(lambda n: scores.top(n, allowed), window or want, want, live)
