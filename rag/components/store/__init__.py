"""Document stores. ``make_store`` is the one place a backend is chosen."""

from __future__ import annotations

from rag.components.store.base import (
    DocumentRecord,
    DocumentStore,
    EmbeddingMismatchError,
    Filter,
    InvalidFilterError,
    StoreError,
    hits_for,
    make_filter,
    matches_filter,
    validate_filter,
)
from rag.settings import Settings

__all__ = [
    "DocumentRecord",
    "DocumentStore",
    "EmbeddingMismatchError",
    "Filter",
    "InvalidFilterError",
    "StoreError",
    "hits_for",
    "make_filter",
    "matches_filter",
    "make_store",
    "validate_filter",
]


def make_store(settings: Settings, embedding_model: str, dimension: int) -> DocumentStore:
    """Chroma, embedded (``RAG_STORE_DIR``) or as a server (``RAG_CHROMA_HOST``)."""
    from rag.components.store.chroma import ChromaStore, make_client

    # Only Chroma today; the client (embedded vs server) is chosen by make_client.
    return ChromaStore(
        make_client(settings), settings.store.collection, embedding_model, dimension, settings
    )
