"""Retrieval: candidate generators (dense, keyword), hybrid fusion, and one post-processing
step (filters, near-duplicate merge, MMR, reranking) that every mode goes through.

Nothing here knows the :class:`rag.index.Index`; it works on components (a DocumentStore, an
Embedder, a KeywordIndex) and plain ``(chunk_id, score)`` lists.
"""

from rag.retrieval.base import Mode, Ranked
from rag.retrieval.search import Retriever

__all__ = ["Mode", "Ranked", "Retriever"]
