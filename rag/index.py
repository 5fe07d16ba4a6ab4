"""The searchable index: a DocumentStore (Chroma) plus the German keyword index.

Visibility rule (crash safety): a chunk is live only if its ``doc_id:version`` prefix is the
one the document registry points to. Ingest writes all new chunks first, then switches the
registry record (one atomic upsert), then deletes the old version's chunks. A crash at any
point leaves either the old or the new version visible, never a mix; leftovers are removed
by :meth:`Index.collect_garbage` before the next write.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.components.embeddings import make_embedder
from rag.components.keyword.index import KeywordIndex
from rag.components.store import (
    DocumentRecord,
    DocumentStore,
    Filter,
    StoreError,
    make_store,
)
from rag.locking import RegistryStamp, StoreBusyError, store_write_lock
from rag.paths import keyword_dir, registry_stamp_path, uploads_dir
from rag.retrieval import Mode, Retriever
from rag.retrieval.base import MODES
from rag.settings import Settings, get_settings
from rag.types import Chunk, SearchHit, version_prefix

if TYPE_CHECKING:
    from rag.components.embeddings.base import Embedder

log = logging.getLogger(__name__)

__all__ = ["Index", "InconsistentReadError", "Mode", "StoreBusyError", "delete_collection",
           "store_write_lock"]

# Registry reads around one search before it gives up: a writer switches a document in a
# few ms, so five switches during one search mean the store is being rewritten right now.
CONSISTENT_READ_TRIES = 5


class InconsistentReadError(StoreError):
    """The registry changed during every try of a search (heavy concurrent writing)."""


class Index:
    def __init__(
        self,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        store: DocumentStore | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        if embedder is None:
            embedder = make_embedder(self.settings)
        self.embedder = embedder
        self.store = store or make_store(self.settings, embedder.model_id, embedder.dimension)
        self._keyword: KeywordIndex | None = None
        self._keyword_stat: tuple[int, int, int] | None = None  # file identity when loaded
        self._writing = False  # inside write_lock: this Index may persist the keyword index
        # The registry as this Index last saw it; a change made elsewhere means another
        # process wrote, and an embedded store must be re-opened to see its vectors.
        self._seen: dict[str, str] | None = None
        self._stamp = RegistryStamp(registry_stamp_path(self.settings))
        self._registry: tuple[int, list[DocumentRecord]] | None = None  # (stamp, records)

    # --- keyword index -------------------------------------------------------------------
    @property
    def keyword_dir(self) -> Path:
        return keyword_dir(self.settings)

    @property
    def keyword(self) -> KeywordIndex:
        """The keyword index, rebuilt from the store's texts if it drifted from Chroma.

        A reader (no write lock) reloads the file when another process saved a new one, and
        only needs the live chunks; it never writes the file (the writer owns it).
        """
        if self._keyword is not None and not self._writing \
                and self._keyword_stat != self._stat_keyword():
            self._keyword = None
        if self._keyword is None:
            stat = self._stat_keyword()
            kw = KeywordIndex.open(self.keyword_dir)
            have = kw.ids()
            if self._writing:
                drifted = have != set(self.store.chunk_ids())
            else:
                drifted = not self._live_ids() <= have
            if drifted:
                log.info("keyword index out of sync with Chroma: rebuilding")
                kw.rebuild((c.chunk_id, c.text) for batch in self.store.iter_chunks()
                           for c in batch)
                if self._writing:
                    kw.save()
                    stat = self._stat_keyword()
            self._keyword, self._keyword_stat = kw, stat
        return self._keyword

    def _stat_keyword(self) -> tuple[int, int, int] | None:
        try:
            st = (self.keyword_dir / "keyword.npz").stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _save_keyword(self) -> None:
        self.keyword.save()
        self._keyword_stat = self._stat_keyword()

    def _live_ids(self) -> set[str]:
        return {f"{d.chunk_prefix}:{i}" for d in self.documents() for i in range(d.chunks)}

    # --- writing -------------------------------------------------------------------------
    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """One writer per store; a second one gets a clear 'busy' error instead of waiting."""
        with store_write_lock(self.settings):
            if self._keyword is not None and self._keyword_stat != self._stat_keyword():
                self._keyword = None  # another writer saved it since we loaded it
            self._writing = True
            try:
                yield
            finally:
                self._writing = False

    def add_chunks(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        """Write chunks of a not-yet-active version (invisible until :meth:`activate`)."""
        self.store.add_chunks(chunks, embeddings)
        self.keyword.add(chunks)

    def activate(self, record: DocumentRecord) -> None:
        """Switch the document to ``record``'s version, then drop the old chunks."""
        old = self.store.get_document(record.doc_id)
        self._save_keyword()  # new chunks are durable in both indexes before the switch
        with self._stamp.changing():
            self.store.put_document(record)
            if old is not None and old.chunk_prefix != record.chunk_prefix:
                self._drop_chunks(old)
        self._seen = self.live_prefixes()

    def update_record(self, record: DocumentRecord) -> None:
        """Replace a document's record without switching its chunks (e.g. a new path)."""
        with self._stamp.changing():
            self.store.put_document(record)

    def delete_document(self, doc_id: str) -> DocumentRecord | None:
        old = self.store.get_document(doc_id)
        if old is None:
            return None
        with self._stamp.changing():
            self.store.delete_document(doc_id)  # invisible first, then cleaned up
            self._drop_chunks(old)
        self._seen = self.live_prefixes()
        return old

    def _drop_chunks(self, record: DocumentRecord) -> None:
        ids = [f"{record.chunk_prefix}:{i}" for i in range(record.chunks)]
        self.store.delete_chunks(ids)
        self.keyword.delete(ids)
        self._save_keyword()

    def collect_garbage(self) -> int:
        """Delete chunks of versions that never went live (an interrupted ingest)."""
        live = self.live_prefixes()
        dead = [i for i in self.store.chunk_ids() if version_prefix(i) not in live.values()]
        if dead:
            self.store.delete_chunks(dead)
        kw_dead = [i for i in self.keyword.ids() if version_prefix(i) not in live.values()]
        if kw_dead:
            self.keyword.delete(kw_dead)
            self._save_keyword()
        return len(dead)

    def reset(self) -> None:
        with self._stamp.changing():
            self.store.reset()
            self.keyword.clear()
            self._save_keyword()
        self._seen = {}

    def _sync_view(self, live: dict[str, str]) -> None:
        """Re-open the store when another process switched documents since we last looked."""
        if self._seen is not None and live != self._seen:
            log.info("store changed by another process: re-opening it")
            self.store.refresh()
        self._seen = live

    # --- reading -------------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        """The registry; re-read from the store only when a writer changed it since.

        Only an embedded store reuses it: its files are in ``store_dir``, so every writer
        bumps the same stamp. Writers to a Chroma server may use other folders.
        """
        if self.settings.store.chroma_host:
            return self.store.documents()
        stamp = self._stamp.read()
        if stamp % 2 == 0 and self._registry is not None and self._registry[0] == stamp:
            return list(self._registry[1])
        docs = self.store.documents()
        # Reusable only if no change began or ended while we read.
        self._registry = (stamp, docs) if stamp % 2 == 0 and self._stamp.read() == stamp \
            else None
        return list(docs)

    def live_prefixes(self) -> dict[str, str]:
        return {d.doc_id: d.chunk_prefix for d in self.documents()}

    @cached_property
    def retriever(self) -> Retriever:
        """The search over this index's components (the keyword index loads on first use)."""
        return Retriever(self.store, self.embedder, lambda: self.keyword, self.settings)

    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        filters: Filter | None = None,
        mode: Mode | None = None,
    ) -> list[SearchHit]:
        """Top-k live chunks for ``query``; hybrid (dense + German BM25) by default.

        A writer in another process may switch a document while we query (and then drop its
        old chunks): the search is repeated until the registry is the same before and
        after, so the hits are exactly one consistent state, old or new. A registry that
        never settles raises :class:`InconsistentReadError`.
        """
        k = k or self.settings.retrieval.top_k
        mode = mode or self.settings.retrieval.mode
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}")
        if not query.strip():
            return []
        before = self.live_prefixes()
        for _ in range(CONSISTENT_READ_TRIES):
            self._sync_view(before)
            hits = self.retriever.run(query, k, mode=mode, filters=filters,
                                      live=set(before.values()))
            after = self.live_prefixes()
            if after == before:
                return hits
            before = after
        log.warning("registry of %s changed during %d tries of one search",
                    self.settings.store.collection, CONSISTENT_READ_TRIES)
        raise InconsistentReadError(
            "Die Dokumente werden gerade laufend geändert; bitte die Suche wiederholen. "
            f"(The registry changed during {CONSISTENT_READ_TRIES} tries of one search.)"
        )


def delete_collection(settings: Settings) -> bool:
    """Delete ``settings.store.collection`` entirely: its chunks, registry, keyword index
    and uploaded files. False if it did not exist. Under the collection's write lock, so a
    running ingest is never cut off (it raises StoreBusyError instead)."""
    from rag.components.store.chroma import drop_collections, list_collections

    name = settings.store.collection
    with store_write_lock(settings):
        existed = name in list_collections(settings)
        stamp = RegistryStamp(registry_stamp_path(settings))
        with stamp.changing():  # readers holding the registry in memory must re-read it
            drop_collections(settings)
            for folder in (keyword_dir(settings), uploads_dir(settings)):
                if folder.exists():
                    shutil.rmtree(folder)
    return existed
