"""The searchable index: a DocumentStore (Chroma) plus the German keyword index.

Visibility rule (crash safety): a chunk is live only if its ``doc_id:version`` prefix is the
one the document registry points to. Ingest writes all new chunks first, then switches the
registry record (one atomic upsert), then deletes the old version's chunks. A crash at any
point leaves either the old or the new version visible, never a mix; leftovers are removed
by :meth:`Index.collect_garbage` before the next write.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from rag.components.store import DocumentRecord, DocumentStore, Filter, StoreError, make_store
from rag.settings import Settings, get_settings
from rag.types import Chunk, SearchHit

if TYPE_CHECKING:
    from rag.components.embeddings.base import Embedder
    from rag.components.keyword.index import KeywordIndex

log = logging.getLogger(__name__)

Mode = Literal["dense", "bm25", "hybrid"]


class StoreBusyError(StoreError):
    pass


class Index:
    def __init__(
        self,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        store: DocumentStore | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        if embedder is None:
            from rag.components.embeddings import make_embedder

            embedder = make_embedder(self.settings)
        self.embedder = embedder
        self.store = store or make_store(self.settings, embedder.model_id, embedder.dimension)
        self._keyword: KeywordIndex | None = None

    # --- keyword index -------------------------------------------------------------------
    @property
    def keyword_dir(self) -> Path:
        return self.settings.store_dir / "keyword" / self.settings.collection

    @property
    def keyword(self) -> KeywordIndex:
        """The keyword index, rebuilt from the store's texts if it drifted from Chroma."""
        if self._keyword is None:
            from rag.components.keyword.index import KeywordIndex

            kw = KeywordIndex.open(self.keyword_dir)
            if kw.ids() != set(self.store.chunk_ids()):
                log.info("keyword index out of sync with Chroma: rebuilding")
                kw.rebuild((c.chunk_id, c.text) for batch in self.store.iter_chunks()
                           for c in batch)
                kw.save()
            self._keyword = kw
        return self._keyword

    # --- writing -------------------------------------------------------------------------
    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """One writer per store; a second one gets a clear 'busy' error instead of waiting."""
        self.settings.store_dir.mkdir(parents=True, exist_ok=True)
        path = self.settings.store_dir / f".{self.settings.collection}.write.lock"
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise StoreBusyError(
                    "Ein anderer Ingest schreibt gerade in diesen Speicher; bitte später erneut "
                    f"versuchen. (Store busy: {self.settings.store_dir})"
                ) from exc
            yield
        finally:
            os.close(fd)

    def add_chunks(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        """Write chunks of a not-yet-active version (invisible until :meth:`activate`)."""
        self.store.add_chunks(chunks, embeddings)
        self.keyword.add(chunks)

    def activate(self, record: DocumentRecord) -> None:
        """Switch the document to ``record``'s version, then drop the old chunks."""
        old = self.store.get_document(record.doc_id)
        self.keyword.save()  # new chunks are durable in both indexes before the switch
        self.store.put_document(record)
        if old is not None and old.chunk_prefix != record.chunk_prefix:
            self._drop_chunks(old)

    def delete_document(self, doc_id: str) -> DocumentRecord | None:
        old = self.store.get_document(doc_id)
        if old is None:
            return None
        self.store.delete_document(doc_id)  # invisible first, then cleaned up
        self._drop_chunks(old)
        return old

    def _drop_chunks(self, record: DocumentRecord) -> None:
        ids = [f"{record.chunk_prefix}:{i}" for i in range(record.chunks)]
        self.store.delete_chunks(ids)
        self.keyword.delete(ids)
        self.keyword.save()

    def collect_garbage(self) -> int:
        """Delete chunks of versions that never went live (an interrupted ingest)."""
        live = self.live_prefixes()
        dead = [i for i in self.store.chunk_ids() if i.rsplit(":", 1)[0] not in live.values()]
        if dead:
            self.store.delete_chunks(dead)
        kw_dead = [i for i in self.keyword.ids() if i.rsplit(":", 1)[0] not in live.values()]
        if kw_dead:
            self.keyword.delete(kw_dead)
            self.keyword.save()
        return len(dead)

    def reset(self) -> None:
        self.store.reset()
        self.keyword.clear()
        self.keyword.save()

    # --- reading -------------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        return self.store.documents()

    def live_prefixes(self) -> dict[str, str]:
        return {d.doc_id: d.chunk_prefix for d in self.store.documents()}

    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        filters: Filter | None = None,
        mode: Mode | None = None,
    ) -> list[SearchHit]:
        """Top-k live chunks for ``query``; hybrid (dense + German BM25) by default."""
        k = k or self.settings.top_k
        mode = mode or self.settings.retrieval_mode
        live = set(self.live_prefixes().values())
        if not live or not query.strip():
            return []
        match mode:
            case "dense":
                return self._dense(query, k, filters, live)
            case "bm25":
                return self._bm25(query, k, filters, live)
            case "hybrid":
                from rag.fusion import hybrid_search

                return hybrid_search(self, query, k, filters=filters, live=live)
        raise ValueError(f"unknown retrieval mode {mode!r}")

    def _dense(self, query: str, k: int, filters: Filter | None, live: set[str]) -> list[SearchHit]:
        vec = self.embedder.embed_queries([query])[0]
        n = max(4 * k, 20)
        while True:
            raw = self.store.query(vec, n, filters)
            hits = [h for h in raw if h.chunk.version_prefix in live]
            # Dead chunks of an interrupted ingest can crowd the top n: widen and retry.
            if len(hits) >= k or len(raw) < n:
                return hits[:k]
            n *= 4

    def _bm25(self, query: str, k: int, filters: Filter | None, live: set[str]) -> list[SearchHit]:
        allowed = None
        if filters:
            allowed = set(self.store.filtered_ids(filters))
        pairs = self.keyword.search(query, 4 * k + 20, allowed_ids=allowed)
        pairs = [(cid, s) for cid, s in pairs if cid.rsplit(":", 1)[0] in live][:k]
        chunks = {c.chunk_id: c for c in self.store.get_chunks([cid for cid, _ in pairs])}
        return [SearchHit(chunks[cid], float(s)) for cid, s in pairs if cid in chunks]
