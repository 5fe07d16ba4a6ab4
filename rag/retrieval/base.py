"""Shared shapes of the retrieval steps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol, runtime_checkable

from rag.types import SearchHit, version_prefix

Mode = Literal["dense", "bm25", "hybrid"]
MODES: tuple[Mode, ...] = ("dense", "bm25", "hybrid")
Ranked = list[tuple[str, float]]  # (chunk_id, score), best first; higher is better


@runtime_checkable
class Searchable(Protocol):
    """What answering and the LangChain retriever need: :meth:`rag.index.Index.search`."""

    def search(self, query: str, k: int | None = None, *, filters: Any = None,
               mode: Mode | None = None) -> list[SearchHit]: ...


def pool_size(k: int) -> int:
    """Ranked candidates turned into hits: enough to survive duplicate removal."""
    return max(3 * k, k + 10)


def live_top(fetch: Callable[[int], Sequence[tuple[str, float]]], n: int, want: int,
             live: set[str] | None) -> Ranked:
    """The best ``want`` live candidates of ``fetch(n)``.

    Dead chunks (an interrupted ingest, an old version being deleted) can crowd the top n:
    the window widens until ``want`` live ones are found or ``fetch`` has nothing more.
    ``live`` holds the visible ``doc_id:version`` prefixes; None means all are live.
    """
    while True:
        raw = list(fetch(n))
        pairs = [(c, s) for c, s in raw if live is None or version_prefix(c) in live]
        if len(pairs) >= want or len(raw) < n:
            return pairs[:want]
        n *= 4
