"""The no-LLM backend: quoted sentences from the passages (extractive.py beside it).

It takes retrieved hits rather than chat messages, so it is not an :class:`LLM`; the
orchestration (rag/answering.py) asks for ``answer(question, hits)`` and gets the same
:class:`Answer` shape as the generating backends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rag.components.llm.extractive import answer_extractively
from rag.types import Answer, SearchHit

if TYPE_CHECKING:
    from rag.components.embeddings.base import Embedder
    from rag.settings import Settings


class ExtractiveBackend:
    name = "extractive"

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder

    def embedder(self) -> Embedder:
        if self._embedder is None:
            from rag.components.embeddings import make_embedder

            self._embedder = make_embedder(self.settings)
        return self._embedder

    def use_embedder(self, embedder: Embedder) -> None:
        """Reuse the index's embedder instead of loading a second copy."""
        if self._embedder is None:
            self._embedder = embedder

    def answer(self, question: str, hits: list[SearchHit],
               doc_heads: Mapping[str, str] | None = None) -> Answer:
        result = answer_extractively(
            question, hits, self.embedder(),
            threshold=self.settings.answering.threshold,
            max_sentences=self.settings.answering.max_sentences,
            doc_heads=doc_heads,
        )
        result.backend = self.name
        result.retrieved = list(hits)
        return result
