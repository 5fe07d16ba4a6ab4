"""Heavy objects, created once per server process and shared by all browser sessions.

``st.cache_resource`` keeps the embedding model, the open stores and the answering backend
across reruns and tabs; a second tab reuses them instead of loading the model again. Keys
are plain strings built from the settings that matter, because Settings objects are not
hashable for Streamlit's cache.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import streamlit as st

from rag.settings import Settings

if TYPE_CHECKING:
    from rag.components.embeddings.base import Embedder
    from rag.components.llm.factory import Backend
    from rag.index import Index, Mode
    from rag.types import SearchHit

log = logging.getLogger("quelle.ui")

SPINNER_MODEL = (
    "Quelle startet: das Embedding-Modell wird vorbereitet (beim ersten Start bis zu einer "
    "Minute) …"
)


def _embedder_key(s: Settings) -> str:
    return "|".join([s.embedding.model, s.embedding.source, s.embedding.device, str(s.cache_dir)])


def _store_key(s: Settings) -> str:
    st_ = s.store
    where = f"{st_.chroma_host}:{st_.chroma_port}" if st_.chroma_host else str(st_.dir)
    return f"{where}|{s.store.collection}|{_embedder_key(s)}"


def _backend_key(s: Settings) -> str:
    return "|".join([s.llm.model_dump_json(), s.answering.model_dump_json(), _embedder_key(s)])


@st.cache_resource(show_spinner=SPINNER_MODEL)
def _embedder(key: str, _settings: Settings) -> Embedder:
    from rag.components.embeddings import make_embedder

    emb = make_embedder(_settings)
    # The browser test counts this line to prove a second tab does not load the model again.
    log.warning("Quelle: Embedding-Modell geladen: %s", emb.name)
    return emb


@st.cache_resource(show_spinner="Der Dokumentenspeicher wird geöffnet …")
def _index(key: str, _settings: Settings) -> Index:
    from rag.index import Index

    return Index(_settings, embedder=embedder(_settings))


@st.cache_resource(show_spinner="Das Antwort-Backend wird geladen …")
def _backend(key: str, _settings: Settings) -> Backend:
    from rag.components.llm.factory import make_llm

    return make_llm(_settings, embedder=embedder(_settings))


def embedder(settings: Settings) -> Embedder:
    return _embedder(_embedder_key(settings), settings)


def index(settings: Settings) -> Index:
    """The open index for the session's collection (raises EmbeddingMismatchError etc.)."""
    return _index(_store_key(settings), settings)


def backend(settings: Settings) -> Backend:
    return _backend(_backend_key(settings), settings)


def writer_index(settings: Settings) -> Index:
    """A private Index for one write (ingest, delete, re-index), sharing the model.

    Index.write_lock switches an Index into writer mode (it owns the keyword file then);
    doing that on the shared Index would change it under other sessions' searches. Readers
    pick up the new keyword file on their next search.
    """
    from rag.index import Index

    return Index(settings, embedder=embedder(settings))


def forget_indexes() -> None:
    """Drop all open indexes (after a re-index dropped their collections)."""
    _index.clear()


@dataclass
class SessionIndex:
    """The shared index seen with one session's retrieval mode.

    rag/answering.py calls ``index.search(query, k, filters=...)`` without a mode, and the
    shared Index would then use the server's default; this view passes the session's.
    """

    index: Index
    mode: Mode

    @property
    def embedder(self) -> Embedder:
        return self.index.embedder

    @property
    def store(self) -> Any:
        """For the document heads the extractive answer reads (rag.answering)."""
        return self.index.store

    def search(self, query: str, k: int | None = None, *, filters: Any = None
               ) -> list[SearchHit]:
        return self.index.search(query, k, filters=filters, mode=self.mode)
