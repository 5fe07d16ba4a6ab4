"""The storage contract: a DocumentStore Protocol and the filter grammar.

Filter grammar (a subset of Chroma's ``where``, validated by :func:`validate_filter`):

* a field comparison ``{"source": "a.pdf"}`` (equality) or ``{"page_start": {"$gte": 3}}``
  with the operators ``$eq $ne $gt $gte $lt $lte $in $nin``;
* ``{"$and": [f1, f2, ...]}`` and ``{"$or": [f1, f2, ...]}`` of such filters;
* fields: ``source``, ``doc_id``, ``page_start``, ``page_end``, ``chunk_index``.

:func:`make_filter` builds the common cases (source files, page range).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np

from rag.types import Chunk, SearchHit

FILTER_FIELDS = {"source", "doc_id", "page_start", "page_end", "chunk_index"}
_OPS = {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"}

Filter = dict[str, Any]


class StoreError(RuntimeError):
    pass


class EmbeddingMismatchError(StoreError):
    pass


class InvalidFilterError(ValueError):
    pass


@dataclass
class DocumentRecord:
    """One ingested document in the registry; its ``chunk_prefix`` marks the live chunks."""

    doc_id: str
    source: str
    path: str
    version: str  # sha256 of the file bytes
    chunk_prefix: str
    pages: int
    chunks: int
    ingested_at: str
    embedding_model: str

    def to_metadata(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> DocumentRecord:
        return cls(**{k: meta[k] for k in cls.__dataclass_fields__})


def validate_filter(flt: Filter) -> Filter:
    """Raise InvalidFilterError unless ``flt`` follows the grammar above."""
    if not isinstance(flt, dict) or len(flt) != 1:
        raise InvalidFilterError(f"Ein Filter braucht genau einen Schlüssel: {flt!r}")
    (key, value), = flt.items()
    if key in ("$and", "$or"):
        if not isinstance(value, list) or len(value) < 2:
            raise InvalidFilterError(f"{key} braucht eine Liste mit mindestens zwei Filtern")
        for sub in value:
            validate_filter(sub)
        return flt
    if key not in FILTER_FIELDS:
        raise InvalidFilterError(
            f"Unbekanntes Filterfeld {key!r}; erlaubt: {', '.join(sorted(FILTER_FIELDS))}"
        )
    if isinstance(value, dict) and (len(value) != 1 or next(iter(value)) not in _OPS):
        raise InvalidFilterError(f"Ungültiger Operator in {flt!r}; erlaubt: {sorted(_OPS)}")
    return flt


_COMPARE = {
    "$eq": lambda a, b: a == b,
    "$ne": lambda a, b: a != b,
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
    "$in": lambda a, b: a in b,
    "$nin": lambda a, b: a not in b,
}


def matches_filter(flt: Filter, meta: Mapping[str, Any]) -> bool:
    """Whether a chunk's metadata passes ``flt`` (the same grammar as the stores)."""
    (key, value), = flt.items()
    if key == "$and":
        return all(matches_filter(f, meta) for f in value)
    if key == "$or":
        return any(matches_filter(f, meta) for f in value)
    if key not in meta:
        return False
    op, operand = next(iter(value.items())) if isinstance(value, dict) else ("$eq", value)
    return bool(_COMPARE[op](meta[key], operand))


def make_filter(
    sources: Sequence[str] | None = None, pages: tuple[int, int] | None = None
) -> Filter | None:
    """Filter for some source files and/or chunks overlapping an inclusive page range."""
    parts: list[Filter] = []
    if sources:
        parts.append({"source": {"$in": list(sources)}})
    if pages:
        first, last = pages
        parts.append({"page_end": {"$gte": first}})
        parts.append({"page_start": {"$lte": last}})
    if not parts:
        return None
    return validate_filter(parts[0] if len(parts) == 1 else {"$and": parts})


def hits_for(store: DocumentStore, pairs: Sequence[tuple[str, float]]) -> list[SearchHit]:
    """``(chunk_id, score)`` pairs as hits with their chunks, in the given order.

    A chunk deleted by another process meanwhile has no record any more: it is left out.
    """
    chunks = {c.chunk_id: c for c in store.get_chunks([cid for cid, _ in pairs])}
    return [SearchHit(chunks[cid], score) for cid, score in pairs if cid in chunks]


class DocumentStore(Protocol):
    """Chunks with embeddings plus a registry of documents."""

    embedding_model: str
    dimension: int

    def add_chunks(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None: ...

    def delete_chunks(self, chunk_ids: Sequence[str]) -> None: ...

    def query(self, embedding: np.ndarray, n: int, where: Filter | None = None) -> list[SearchHit]:
        """Nearest chunks; ``score`` is cosine similarity."""
        ...

    def query_ids(
        self, embedding: np.ndarray, n: int, where: Filter | None = None
    ) -> list[tuple[str, float]]:
        """Like :meth:`query`, but only ``(chunk_id, cosine)``: no texts are read."""
        ...

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]: ...

    def get_embeddings(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of the given chunks (unknown ids are left out)."""
        ...

    def chunk_ids(self) -> list[str]: ...

    def filtered_ids(self, where: Filter) -> list[str]: ...

    def iter_chunks(self, batch_size: int = 1000) -> Iterator[list[Chunk]]: ...

    def count(self) -> int: ...

    def documents(self) -> list[DocumentRecord]: ...

    def get_document(self, doc_id: str) -> DocumentRecord | None: ...

    def put_document(self, record: DocumentRecord) -> None:
        """Atomically make ``record`` (and thus its chunk prefix) the live version."""
        ...

    def delete_document(self, doc_id: str) -> None: ...

    def reset(self) -> None:
        """Drop all chunks and documents (used by ``--reindex``)."""
        ...

    def refresh(self) -> None:
        """Make writes of other processes visible (re-open caches; may be a no-op)."""
        ...
