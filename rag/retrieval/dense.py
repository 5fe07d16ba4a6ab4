"""Dense candidates: nearest chunks by cosine of the e5 vectors (the store's HNSW index)."""

from __future__ import annotations

import numpy as np

from rag.components.store import DocumentStore, Filter
from rag.retrieval.base import Ranked, live_top


def dense_candidates(store: DocumentStore, query_vector: np.ndarray, want: int, *,
                     filters: Filter | None = None, live: set[str] | None = None,
                     window: int | None = None) -> Ranked:
    """The ``want`` nearest live chunks as ``(chunk_id, cosine)``; the first query asks for
    ``window`` (default ``want``) and widens while dead chunks fill it."""
    return live_top(lambda n: store.query_ids(query_vector, n, filters),
                    window or want, want, live)
