"""Chroma-backed DocumentStore: embedded PersistentClient or a ``chroma run`` server."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from rag.components.store.base import (
    DocumentRecord,
    EmbeddingMismatchError,
    Filter,
    StoreError,
    hits_for,
    validate_filter,
)
from rag.settings import Settings
from rag.types import Chunk, SearchHit

log = logging.getLogger(__name__)

_REGISTRY_SUFFIX = "-docs"


def make_client(settings: Settings) -> Any:
    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
    except ImportError as exc:  # pragma: no cover
        raise StoreError("chromadb is not installed: pip install 'chromadb>=1.5'") from exc
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.store.chroma_host:
        try:
            return chromadb.HttpClient(
                host=settings.store.chroma_host, port=settings.store.chroma_port,
                settings=chroma_settings,
            )
        except Exception as exc:
            raise StoreError(
                f"Chroma-Server {settings.store.chroma_host}:{settings.store.chroma_port} "
                "nicht erreichbar "
                f"(Chroma server not reachable): {exc}"
            ) from exc
    settings.store.dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=embedded_path(settings), settings=chroma_settings)


def embedded_path(settings: Settings) -> str:
    """The embedded client's folder; Chroma also keys its per-process system by it."""
    return str(settings.store.dir / "chroma")


class ChromaStore:
    """Chunks live in collection ``<name>``, the document registry in ``<name>-docs``.

    The chunk collection records the embedding model and dimension in its metadata; opening
    it with another model raises EmbeddingMismatchError (rebuild with ``--reindex``).
    """

    def __init__(
        self,
        client: Any,
        name: str,
        embedding_model: str,
        dimension: int,
        settings: Settings | None = None,
    ) -> None:
        if not 3 <= len(name) <= 60:
            raise StoreError(f"Ungültiger Sammlungsname {name!r} (3–60 Zeichen)")
        self.client = client
        self.name = name
        self.embedding_model = embedding_model
        self.dimension = dimension
        self._settings = settings  # set when the store may re-open its own client
        self._open_collections()
        try:
            self._max_batch = int(client.get_max_batch_size())
        except Exception:  # older servers
            self._max_batch = 5000

    # --- collections ---------------------------------------------------------------------
    def _open_collections(self) -> None:
        self._chunks = self._open_chunks()
        self._registry = self.client.get_or_create_collection(
            self.name + _REGISTRY_SUFFIX, embedding_function=None
        )

    def _open_chunks(self) -> Any:
        col = self.client.get_or_create_collection(
            self.name,
            metadata={"embedding_model": self.embedding_model, "embedding_dim": self.dimension},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        meta = col.metadata or {}
        stored = meta.get("embedding_model")
        dim = meta.get("embedding_dim")
        if stored != self.embedding_model or dim != self.dimension:
            raise EmbeddingMismatchError(
                f"Die Sammlung '{self.name}' wurde mit dem Embedding-Modell {stored} "
                f"({dim} Dim.) erstellt, jetzt ist {self.embedding_model} ({self.dimension} Dim.) "
                "eingestellt. Mit `rag ingest --reindex PFAD...` neu aufbauen oder das alte "
                f"Modell wählen (RAG_EMBEDDING_MODEL={stored}). "
                f"(Collection built with {stored}; refusing to mix models.)"
            )
        return col

    def reset(self) -> None:
        for name in (self.name, self.name + _REGISTRY_SUFFIX):
            try:
                self.client.delete_collection(name)
            except Exception:  # missing already
                log.debug("collection %s did not exist", name)
        self._open_collections()

    def refresh(self) -> None:
        """Re-open an embedded store so that other processes' writes become visible.

        Embedded Chroma keeps one system per path and process, and its in-memory vector
        index never sees vectors another process (``rag ingest`` next to the web app) wrote.
        Dropping this path's cached system makes the next client load the files anew;
        clients that still hold the old system keep working on their old view. A server
        needs nothing of this.
        """
        if not self._reopenable:
            return
        from chromadb.api.shared_system_client import SharedSystemClient

        # Private map, but the only per-path handle: clear_system_cache() would stop the
        # systems of every other store this process has open.
        SharedSystemClient._identifier_to_system.pop(embedded_path(self._settings), None)
        self.client = make_client(self._settings)
        self._open_collections()

    # --- chunks --------------------------------------------------------------------------
    def add_chunks(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        if len(chunks) != len(embeddings):
            raise ValueError("chunks and embeddings differ in length")
        if len(chunks) and embeddings.shape[1] != self.dimension:
            raise EmbeddingMismatchError(
                f"embedding dimension {embeddings.shape[1]} != collection's {self.dimension}"
            )
        for i in range(0, len(chunks), self._max_batch):
            part = chunks[i : i + self._max_batch]
            self._chunks.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=np.asarray(embeddings[i : i + self._max_batch], dtype=np.float32),
                documents=[c.text for c in part],
                metadatas=[c.metadata() for c in part],
            )

    def delete_chunks(self, chunk_ids: Sequence[str]) -> None:
        ids = list(chunk_ids)
        for i in range(0, len(ids), self._max_batch):
            self._chunks.delete(ids=ids[i : i + self._max_batch])

    def query(self, embedding: np.ndarray, n: int, where: Filter | None = None) -> list[SearchHit]:
        # A chunk deleted by another process while we query can come back from the vector
        # index without its record: hits_for leaves it out.
        return hits_for(self, self.query_ids(embedding, n, where))

    def query_ids(
        self, embedding: np.ndarray, n: int, where: Filter | None = None
    ) -> list[tuple[str, float]]:
        if n <= 0:
            return []
        # Only ids and distances: reading texts and metadata of every candidate, and a
        # count() before the query, cost more than the vector search itself at 100k chunks.
        def run() -> Any:
            return self._chunks.query(
                query_embeddings=[np.asarray(embedding, dtype=np.float32)],
                n_results=n,
                where=validate_filter(where) if where else None,
                include=["distances"],
            )

        try:
            res = run()
        except Exception as exc:
            if not self._torn_view(exc):
                raise
            # An embedded view re-opened while another process was writing can hold vector
            # ids its record segment lacks ("Error finding id"); the files on disk are fine,
            # so one fresh view answers. Seen in 1 of ~420 searches during seven 400-page ingests.
            log.warning("vector index view inconsistent (%s): re-opening the store", exc)
            self.refresh()
            try:
                res = run()
            except Exception as again:
                raise StoreError(
                    f"Die Vektorsuche im Speicher {self._settings.store.dir} schlug "
                    f"zweimal fehl, zuletzt mit: {again}. Bitte erneut versuchen; läuft "
                    "gerade ein Einlesen, danach. (Vector search failed twice.)"
                ) from again
        return [(cid, 1.0 - float(d))
                for cid, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    @property
    def _reopenable(self) -> bool:
        """An embedded store that knows its settings can re-open its own client."""
        return self._settings is not None and not self._settings.store.chroma_host

    def _torn_view(self, exc: Exception) -> bool:
        """True for Chroma's internal errors in an embedded store that can re-open itself."""
        if not self._reopenable:
            return False
        from chromadb.errors import InternalError

        return isinstance(exc, InternalError)

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        if not chunk_ids:
            return []
        res = self._chunks.get(ids=list(chunk_ids), include=["documents", "metadatas"])
        by_id = {
            i: Chunk.from_record(t, m)
            for i, t, m in zip(res["ids"], res["documents"], res["metadatas"], strict=True)
        }
        return [by_id[i] for i in chunk_ids if i in by_id]

    def get_embeddings(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not chunk_ids:
            return {}
        res = self._chunks.get(ids=list(chunk_ids), include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32)
                for i, v in zip(res["ids"], res["embeddings"], strict=True)}

    def chunk_ids(self) -> list[str]:
        return list(self._chunks.get(include=[])["ids"])

    def filtered_ids(self, where: Filter) -> list[str]:
        return list(self._chunks.get(where=validate_filter(where), include=[])["ids"])

    def iter_chunks(self, batch_size: int = 1000) -> Iterator[list[Chunk]]:
        offset = 0
        while True:
            res = self._chunks.get(
                include=["documents", "metadatas"], limit=batch_size, offset=offset
            )
            if not res["ids"]:
                return
            yield [
                Chunk.from_record(t, m)
                for t, m in zip(res["documents"], res["metadatas"], strict=True)
            ]
            offset += len(res["ids"])

    def count(self) -> int:
        return int(self._chunks.count())

    # --- registry ------------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        res = self._registry.get(include=["metadatas"])
        docs = [DocumentRecord.from_metadata(m) for m in res["metadatas"]]
        return sorted(docs, key=lambda d: d.source.lower())

    def get_document(self, doc_id: str) -> DocumentRecord | None:
        res = self._registry.get(ids=[doc_id], include=["metadatas"])
        return DocumentRecord.from_metadata(res["metadatas"][0]) if res["ids"] else None

    def put_document(self, record: DocumentRecord) -> None:
        # One upsert of one record: the atomic switch that makes a new version visible.
        self._registry.upsert(
            ids=[record.doc_id],
            embeddings=[[0.0]],
            documents=[record.source],
            metadatas=[record.to_metadata()],
        )

    def delete_document(self, doc_id: str) -> None:
        self._registry.delete(ids=[doc_id])


def read_registry(settings: Settings) -> list[DocumentRecord]:
    """The document registry without opening the chunk collection (no model check)."""
    client = make_client(settings)
    try:
        col = client.get_collection(settings.store.collection + _REGISTRY_SUFFIX)
    except Exception:  # no such collection yet
        return []
    return [DocumentRecord.from_metadata(m) for m in col.get(include=["metadatas"])["metadatas"]]


def drop_collections(settings: Settings) -> None:
    """Delete the chunk collection and the registry (``--reindex``)."""
    client = make_client(settings)
    for name in (settings.store.collection, settings.store.collection + _REGISTRY_SUFFIX):
        try:
            client.delete_collection(name)
        except Exception:
            log.debug("collection %s did not exist", name)


def list_collections(settings: Settings) -> list[str]:
    """The chunk collections in the store (registries, ending in '-docs', left out)."""
    client = make_client(settings)
    names = [str(getattr(c, "name", c)) for c in client.list_collections()]
    return sorted(n for n in names if not n.endswith(_REGISTRY_SUFFIX))


def collection_model(settings: Settings, name: str) -> str | None:
    """The embedding model a collection was built with (pinned in its metadata)."""
    try:
        col = make_client(settings).get_collection(name)
    except Exception:  # not created yet
        return None
    return (col.metadata or {}).get("embedding_model")
