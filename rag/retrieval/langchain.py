"""Quelle's search as a LangChain retriever, so it plugs into LangChain (LCEL) chains."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from rag.components.store import Filter
from rag.retrieval.base import Mode, Searchable
from rag.types import SearchHit


def hit_to_document(hit: SearchHit) -> Document:
    meta: dict[str, Any] = hit.chunk.metadata()
    meta["score"] = hit.score
    meta["page"] = hit.chunk.page_start
    if hit.chunk.section:
        meta["section"] = hit.chunk.section
    return Document(page_content=hit.chunk.text, metadata=meta, id=hit.chunk.chunk_id)


def format_documents(docs: Sequence[Document]) -> str:
    """Documents as numbered sources for a prompt: ``[n] Datei, S. Seite`` and the text."""
    return "\n\n".join(
        f"[{n}] {d.metadata.get('source', '?')}, "
        f"{d.metadata.get('section') or 'S. ' + str(d.metadata.get('page', '?'))}\n"
        f"{d.page_content}"
        for n, d in enumerate(docs, start=1)
    )


class QuelleRetriever(BaseRetriever):
    """Top-k chunks as ``Document``s; metadata: source, page, page_start/end, char offsets,
    chunk_index, content_hash, doc_id, chunk_id, score; ocr and ocr_confidence for text read
    by OCR."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Searchable
    k: int = Field(default=5, ge=1)
    filters: Filter | None = None
    mode: Mode | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits = self.index.search(query, self.k, filters=self.filters, mode=self.mode)
        return [hit_to_document(h) for h in hits]
