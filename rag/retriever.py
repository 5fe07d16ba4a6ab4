"""Quelle's search as a LangChain retriever, so it plugs into LangChain chains."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from rag.components.store import Filter
from rag.index import Index
from rag.types import SearchHit


def hit_to_document(hit: SearchHit) -> Document:
    meta: dict[str, Any] = hit.chunk.metadata()
    meta["score"] = hit.score
    meta["page"] = hit.chunk.page_start
    return Document(page_content=hit.chunk.text, metadata=meta, id=hit.chunk.chunk_id)


class QuelleRetriever(BaseRetriever):
    """Top-k chunks as ``Document``s; metadata: source, page, page_start/end, char offsets,
    chunk_index, content_hash, doc_id, chunk_id, score."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Index
    k: int = Field(default=5, ge=1)
    filters: Filter | None = None
    mode: str | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits = self.index.search(query, self.k, filters=self.filters, mode=self.mode)  # type: ignore[arg-type]
        return [hit_to_document(h) for h in hits]
