"""Hand-made search hits for tests that do not need a real index."""

from __future__ import annotations

import hashlib

from rag.types import Chunk, SearchHit


def make_hit(source: str, page: int, text: str, score: float = 0.9, *,
             page_end: int | None = None, index: int = 0) -> SearchHit:
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    chunk = Chunk(
        chunk_id=f"{source}:v1:{index}", doc_id=source, source=source, text=text,
        page_start=page, page_end=page_end or page, char_start=0, char_end=len(text),
        chunk_index=index, content_hash=digest,
    )
    return SearchHit(chunk, score)
