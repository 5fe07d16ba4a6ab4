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
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from rag.components.store import (
    DocumentRecord,
    DocumentStore,
    Filter,
    StoreError,
    hits_for,
    make_store,
)
from rag.settings import Settings, get_settings
from rag.types import Chunk, SearchHit, version_prefix

if TYPE_CHECKING:
    from rag.components.embeddings.base import Embedder
    from rag.components.keyword.index import KeywordIndex

log = logging.getLogger(__name__)

Mode = Literal["dense", "bm25", "hybrid"]


class StoreBusyError(StoreError):
    pass


_held = threading.local()  # lock files this thread holds (the lock is re-entrant per thread)


@contextmanager
def store_write_lock(settings: Settings) -> Iterator[None]:
    """One writer per store; a second one gets a clear 'busy' error instead of waiting.

    The lock file lives in ``store_dir``, so writers must share it (also in server mode).
    Re-entrant within one thread (a caller may take it before the model loads, then
    :meth:`Index.write_lock` again); other threads and processes get the busy error.
    """
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    path = str(settings.store_dir.resolve() / f".{settings.collection}.write.lock")
    held: set[str] = _held.__dict__.setdefault("paths", set())
    if path in held:
        yield
        return
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StoreBusyError(
                "Ein anderer Ingest schreibt gerade in diesen Speicher; bitte später erneut "
                f"versuchen. (Store busy: {settings.store_dir})"
            ) from exc
        held.add(path)
        try:
            yield
        finally:
            held.discard(path)
    finally:
        os.close(fd)


class RegistryStamp:
    """A generation counter of the document registry, kept in a file next to the store.

    Reading the registry from Chroma costs ~10 ms at 100 documents, and every search reads
    it twice (before and after, to detect a concurrent switch). Writers bump this counter
    around every registry change like a seqlock: odd while a change is in progress, even
    when done. A reader may reuse a registry it read while the counter stayed at the same
    even value; a counter that stays odd (a writer killed mid-change) only disables reuse.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> int:
        try:
            return int(self.path.read_text(encoding="ascii") or 0)
        except (OSError, ValueError):
            return 0

    def _write(self, value: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(str(value), encoding="ascii")
        os.replace(tmp, self.path)  # atomic: a reader sees the old or the new number

    @contextmanager
    def changing(self) -> Iterator[None]:
        n = self.read()
        n = n + 1 if n % 2 == 0 else n + 2
        self._write(n)
        try:
            yield
        finally:
            self._write(n + 1)


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
        self._keyword_stat: tuple[int, int, int] | None = None  # file identity when loaded
        self._writing = False  # inside write_lock: this Index may persist the keyword index
        # The registry as this Index last saw it; a change made elsewhere means another
        # process wrote, and an embedded store must be re-opened to see its vectors.
        self._seen: dict[str, str] | None = None
        self._stamp = RegistryStamp(
            self.settings.store_dir / f".{self.settings.collection}.registry.gen"
        )
        self._registry: tuple[int, list[DocumentRecord]] | None = None  # (stamp, records)

    # --- keyword index -------------------------------------------------------------------
    @property
    def keyword_dir(self) -> Path:
        return self.settings.store_dir / "keyword" / self.settings.collection

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
            from rag.components.keyword.index import KeywordIndex

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
        if self.settings.chroma_host:
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
        if mode not in ("dense", "bm25", "hybrid"):
            raise ValueError(f"unknown retrieval mode {mode!r}")
        if not query.strip():
            return []
        # A writer in another process may switch a document while we query (and then drop
        # its old chunks): retry until the registry is the same before and after, so the
        # hits are exactly one consistent state, old or new.
        before = self.live_prefixes()
        for _ in range(5):
            self._sync_view(before)
            hits = self._search_live(query, k, filters, mode, set(before.values()))
            after = self.live_prefixes()
            if after == before:
                break
            before = after
        return hits

    def _search_live(
        self, query: str, k: int, filters: Filter | None, mode: Mode, live: set[str]
    ) -> list[SearchHit]:
        if not live:
            return []
        match mode:
            case "dense":
                return self._dense(query, k, filters, live)
            case "bm25":
                return self._bm25(query, k, filters, live)
            case _:
                from rag.fusion import hybrid_search

                return hybrid_search(self, query, k, filters=filters, live=live)

    def _dense(self, query: str, k: int, filters: Filter | None, live: set[str]) -> list[SearchHit]:
        vec = self.embedder.embed_queries([query])[0]
        n = max(4 * k, 20)
        while True:
            raw = self.store.query_ids(vec, n, filters)
            pairs = [(c, s) for c, s in raw if version_prefix(c) in live]
            # Dead chunks (an interrupted ingest, an old version being deleted) can crowd
            # the top n: widen and retry until the store has nothing more to give.
            if len(pairs) >= k or len(raw) < n:
                break
            n *= 4
        return hits_for(self.store, pairs[:k])

    def _bm25(self, query: str, k: int, filters: Filter | None, live: set[str]) -> list[SearchHit]:
        allowed = None
        if filters:
            allowed = set(self.store.filtered_ids(filters))
        pairs = self.keyword.search(query, 4 * k + 20, allowed_ids=allowed)
        return hits_for(self.store, [(c, float(s)) for c, s in pairs
                                     if version_prefix(c) in live][:k])
