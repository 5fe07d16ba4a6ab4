"""One search over the components: a mode's candidates, then the shared post-processing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rag.components.embeddings.base import Embedder
from rag.components.keyword.index import KeywordIndex
from rag.components.store import DocumentStore, Filter
from rag.retrieval.base import MODES, Mode, Ranked, pool_size
from rag.retrieval.dense import dense_candidates
from rag.retrieval.hybrid import hybrid_ranking
from rag.retrieval.keyword import keyword_candidates
from rag.retrieval.postprocess import postprocess
from rag.settings import Settings
from rag.types import SearchHit


@dataclass
class Retriever:
    """Dense, keyword or hybrid search over a store, its embedder and its keyword index.

    ``keyword`` is called only by the modes that need it (the index may have to be loaded or
    rebuilt first). ``live`` restricts every mode to the visible document versions.
    """

    store: DocumentStore
    embedder: Embedder
    keyword: Callable[[], KeywordIndex]
    settings: Settings

    def run(self, query: str, k: int, *, mode: Mode, filters: Filter | None = None,
            live: set[str] | None = None) -> list[SearchHit]:
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}")
        if live is not None and not live:
            return []
        match mode:
            case "dense":
                ranked = self._dense(query, k, filters, live)
            case "bm25":
                ranked = self._bm25(query, k, filters, live)
            case _:
                ranked = self._hybrid(query, filters, live)
        return postprocess(ranked, k, query=query, store=self.store, settings=self.settings,
                           filters=filters)

    def _dense(self, query: str, k: int, filters: Filter | None, live: set[str] | None) -> Ranked:
        vec = self.embedder.embed_queries([query])[0]
        return dense_candidates(self.store, vec, pool_size(k), filters=filters, live=live,
                                window=max(4 * k, 20))

    def _bm25(self, query: str, k: int, filters: Filter | None, live: set[str] | None) -> Ranked:
        return keyword_candidates(self.keyword().query(query), pool_size(k),
                                  allowed=self._allowed(filters), live=live, window=4 * k + 20)

    def _hybrid(self, query: str, filters: Filter | None, live: set[str] | None) -> Ranked:
        p = self.settings.retrieval.fusion
        qvec = np.asarray(self.embedder.embed_queries([query])[0], dtype=np.float32)
        dense = dense_candidates(self.store, qvec, p.dense_candidates, filters=filters,
                                 live=live)
        scores = self.keyword().query(query)  # scored once: top-k and look-ups
        keyword = keyword_candidates(scores, p.keyword_candidates,
                                     allowed=self._allowed(filters), live=live)

        def cosines(ids: list[str]) -> dict[str, float]:
            return {c: float(np.dot(qvec, v)) for c, v in self.store.get_embeddings(ids).items()}

        return hybrid_ranking(dense, keyword, keyword_scores=scores.get, cosines=cosines,
                              params=p)

    def _allowed(self, filters: Filter | None) -> set[str] | None:
        return set(self.store.filtered_ids(filters)) if filters else None
