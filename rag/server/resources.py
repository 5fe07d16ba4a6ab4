"""What one server process loads once and shares between requests: the embedding model,
an open reader Index per collection, the answering backend, the keys and the job runner."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from rag.apikeys import KeyChecker
from rag.components.llm.base import LLMError
from rag.components.store import EmbeddingMismatchError
from rag.index import Index, StoreBusyError
from rag.server.errors import ApiError
from rag.server.jobs import JobRunner
from rag.settings import Settings, check_collection_name

T = TypeVar("T")

if TYPE_CHECKING:
    from rag.components.embeddings.base import Embedder
    from rag.components.llm.factory import Backend


class Resources:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.keys = KeyChecker(settings)
        self._lock = threading.Lock()
        self._indexes: dict[str, Index] = {}
        self._made: dict[str, object] = {}
        # One search or extractive answer at a time per process: they are CPU-bound (more
        # threads only contend for the same cores and the GIL) and the shared Index and
        # answering backend are not made for concurrent threads. Parallelism comes from
        # workers (`rag serve --workers N`), one process each.
        self.reading = threading.Lock()

    def collection(self, name: str | None) -> str:
        """The collection a request names (or the default), checked: it becomes file names."""
        name = name or self.settings.store.collection
        try:
            return check_collection_name(name)
        except ValueError as exc:
            raise ApiError(400, str(exc), "invalid_collection") from exc

    def scoped(self, collection: str) -> Settings:
        if collection == self.settings.store.collection:
            return self.settings
        return self.settings.override(collection=collection)

    def _once(self, name: str, make):  # noqa: ANN001, ANN202
        # cached_property has no lock: two first requests would load the model twice.
        with self._lock:
            if name not in self._made:
                self._made[name] = make()
            return self._made[name]

    @property
    def embedder(self) -> Embedder:
        from rag.components.embeddings import make_embedder

        return self._once("embedder", lambda: make_embedder(self.settings))

    def index(self, collection: str) -> Index:
        """The shared reader Index of ``collection`` (writers make their own, see jobs)."""
        embedder = self.embedder  # outside the lock: _once takes it too
        with self._lock:
            index = self._indexes.get(collection)
            if index is None:
                # Raises EmbeddingMismatchError (409) for a collection of another model.
                index = Index(self.scoped(collection), embedder=embedder)
                self._indexes[collection] = index
            return index

    def searching(self, collection: str, fn: Callable[[Index], T]) -> T:
        """``fn(index)`` under the reading lock; once more with a freshly opened Index if
        it fails, since another worker may have deleted and re-created the collection."""
        with self.reading:
            try:
                return fn(self.index(collection))
            except (ApiError, ValueError, StoreBusyError, EmbeddingMismatchError, LLMError):
                raise
            except Exception:  # noqa: BLE001 - a stale handle; a real error repeats below
                self.forget(collection)
                return fn(self.index(collection))

    def forget(self, collection: str) -> None:
        with self._lock:
            self._indexes.pop(collection, None)

    def writer(self, collection: str) -> Index:
        """A private Index for one write (it owns the keyword file while writing)."""
        return Index(self.scoped(collection), embedder=self.embedder)

    @property
    def backend(self) -> Backend:
        from rag.components.llm.factory import make_llm

        embedder = self.embedder
        return self._once("backend", lambda: make_llm(self.settings, embedder=embedder))

    @property
    def jobs(self) -> JobRunner:
        return self._once("jobs", lambda: JobRunner(self))
