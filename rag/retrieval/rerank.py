"""Optional cross-encoder reranking step (``RAG_RERANKER_MODEL``), the last of post-processing."""

from __future__ import annotations

from rag.components.reranker import get_reranker
from rag.settings import Settings
from rag.types import SearchHit


def rerank_if_enabled(settings: Settings, query: str, hits: list[SearchHit]) -> list[SearchHit]:
    """``hits`` re-ordered by the configured cross-encoder; unchanged when none is set."""
    if not settings.retrieval.reranker_model or len(hits) < 2:
        return hits
    return get_reranker(settings).rerank(query, hits)
