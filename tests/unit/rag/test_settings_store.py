"""Settings and the Chroma store contract (embedded and server mode)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from rag.components.store import (
    DocumentRecord,
    EmbeddingMismatchError,
    InvalidFilterError,
    make_filter,
    make_store,
    validate_filter,
)
from rag.settings import Settings
from rag.types import Chunk
from tests.conftest import make_settings


def test_env_prefix_and_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("RAG_TOP_K=7\nRAG_COLLECTION=aus-env\n", encoding="utf-8")
    monkeypatch.setenv("RAG_STORE_DIR", str(tmp_path / "s"))
    monkeypatch.setenv("RAG_TOP_K", "9")  # env beats .env
    s = Settings()
    assert s.retrieval.top_k == 9
    assert s.store.collection == "aus-env"
    assert s.store.dir == tmp_path / "s"


def test_settings_validation() -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, chunk_size=100, chunk_overlap=100)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(_env_file=None, top_k=0)  # type: ignore[call-arg]


def test_filter_grammar() -> None:
    assert make_filter(["a.pdf"], (2, 3)) == {"$and": [
        {"source": {"$in": ["a.pdf"]}}, {"page_end": {"$gte": 2}}, {"page_start": {"$lte": 3}}]}
    assert make_filter() is None
    for bad in ({"titel": "x"}, {"source": {"$like": "x"}}, {"$and": [{"source": "a"}]}, {}):
        with pytest.raises(InvalidFilterError):
            validate_filter(bad)


def _chunk(i: int, source: str = "a.pdf", page: int = 1) -> Chunk:
    return Chunk(chunk_id=f"d1:v1:{i}", doc_id="d1", source=source, text=f"Text {i}",
                 page_start=page, page_end=page, char_start=0, char_end=6, chunk_index=i,
                 content_hash=str(i))


def test_store_roundtrip(tmp_path: Path, store_mode: str) -> None:
    settings = make_settings(tmp_path, store_mode)
    store = make_store(settings, "test-model", 3)
    vecs = np.eye(3, dtype=np.float32)
    store.add_chunks([_chunk(0, page=1), _chunk(1, page=2), _chunk(2, "b.pdf", 5)], vecs)
    assert store.count() == 3
    hits = store.query(np.array([1.0, 0.1, 0.0]), 3)
    assert hits[0].chunk.chunk_id == "d1:v1:0"
    assert hits[0].score == pytest.approx(1 / np.sqrt(1.01), abs=1e-4)  # cosine space
    only_b = store.query(np.array([1.0, 0, 0]), 3, make_filter(["b.pdf"]))
    assert [h.chunk.source for h in only_b] == ["b.pdf"]
    page2 = store.query(np.array([1.0, 0, 0]), 3, make_filter(pages=(2, 2)))
    assert [h.chunk.page_start for h in page2] == [2]
    rec = DocumentRecord("d1", "a.pdf", "/x/a.pdf", "v", "d1:v1", 2, 3, "2026-01-01", "test-model")
    store.put_document(rec)
    assert store.get_document("d1") == rec
    assert [d.source for d in store.documents()] == ["a.pdf"]
    store.delete_chunks(["d1:v1:0"])
    assert sorted(store.chunk_ids()) == ["d1:v1:1", "d1:v1:2"]
    assert [c.text for c in store.get_chunks(["d1:v1:2", "nope"])] == ["Text 2"]

    # Another embedding model on the same collection is refused with a clear message.
    with pytest.raises(EmbeddingMismatchError, match="--reindex"):
        make_store(settings, "other-model", 3)
    store.reset()
    assert store.count() == 0 and store.documents() == []
