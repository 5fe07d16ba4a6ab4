"""The registry stamp: searches reuse the document registry until a writer changes it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.index import Index
from rag.locking import RegistryStamp
from rag.retrieval import Retriever
from rag.retrieval.hybrid import Candidate, fuse
from tests.conftest import make_settings
from tests.unit.rag.test_keyword import TEXTS, _write_doc


class CountingStore:
    """Wraps a store and counts registry reads."""

    def __init__(self, store: object) -> None:
        self._store = store
        self.registry_reads = 0

    def documents(self):  # noqa: ANN201
        self.registry_reads += 1
        return self._store.documents()  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


@pytest.fixture
def two_docs(tmp_path: Path, embedder: object) -> Index:
    idx = Index(make_settings(tmp_path), embedder)  # type: ignore[arg-type]
    _write_doc(idx, "vertrag", "v1", list(TEXTS.values())[:3])
    _write_doc(idx, "bib", "v1", list(TEXTS.values())[6:])
    return idx


def test_searches_reuse_the_registry_while_nothing_changes(two_docs: Index) -> None:
    reader = Index(two_docs.settings, two_docs.embedder)
    reader.store = counting = CountingStore(reader.store)  # type: ignore[assignment]
    for q in ("Frist der Kündigung", "Leihfrist Bücher", "Urlaub"):
        assert reader.search(q, 3)
    assert counting.registry_reads == 1


def test_a_writer_in_another_index_invalidates_the_reused_registry(two_docs: Index) -> None:
    reader = Index(two_docs.settings, two_docs.embedder)
    reader.store = counting = CountingStore(reader.store)  # type: ignore[assignment]
    assert {h.chunk.doc_id for h in reader.search("Leihfrist für Bücher", 5)} >= {"bib"}
    with two_docs.write_lock():
        two_docs.delete_document("bib")
    assert RegistryStamp(reader._stamp.path).read() % 2 == 0
    hits = reader.search("Leihfrist für Bücher", 5)
    assert {h.chunk.doc_id for h in hits} == {"vertrag"}
    assert [d.doc_id for d in reader.documents()] == ["vertrag"]
    assert counting.registry_reads == 2  # read again once after the change, then reused
    _write_doc(two_docs, "vertrag", "v2", ["Die Kündigungsfrist beträgt drei Monate."])
    assert reader.live_prefixes() == {"vertrag": "vertrag:v2"}


def test_an_unfinished_change_disables_reuse(two_docs: Index) -> None:
    # A writer killed between the two bumps leaves an odd stamp: readers always re-read.
    stamp = RegistryStamp(two_docs._stamp.path)
    stamp.path.write_text(str(stamp.read() + 1), encoding="ascii")
    reader = Index(two_docs.settings, two_docs.embedder)
    reader.store = counting = CountingStore(reader.store)  # type: ignore[assignment]
    reader.search("Frist", 3)  # loads the keyword index too
    counting.registry_reads = 0
    reader.search("Frist", 3)
    reader.search("Frist", 3)
    assert counting.registry_reads == 4  # before and after each search
    # The next writer finishes with an even stamp again, and reuse resumes.
    _write_doc(two_docs, "bib", "v2", ["Die Leihfrist beträgt zwei Wochen."])
    assert stamp.read() % 2 == 0
    reader.search("Frist", 3)
    counting.registry_reads = 0
    reader.search("Frist", 3)
    reader.search("Frist", 3)
    assert counting.registry_reads == 0


def test_server_mode_always_reads_the_registry(tmp_path: Path, embedder: object) -> None:
    # Writers to a server may keep their stamp in another folder: no reuse there.
    idx = Index(make_settings(tmp_path, "server"), embedder)  # type: ignore[arg-type]
    _write_doc(idx, "bib", "v1", list(TEXTS.values())[6:])
    idx.search("Leihfrist", 3)
    idx.store = counting = CountingStore(idx.store)  # type: ignore[assignment]
    idx.search("Leihfrist", 3)
    idx.search("Leihfrist", 3)
    assert counting.registry_reads == 4  # before and after each search


def test_keyword_candidates_get_their_real_cosine(corpus_index: Index) -> None:
    """Hybrid scores equal fusion with both scores known for every candidate."""
    # Few dense candidates, so that several keyword candidates lack a cosine of their own.
    idx = corpus_index
    settings = idx.settings.override(fusion_dense_candidates=5, fusion_keyword_candidates=20)
    p = settings.retrieval.fusion
    query = "Wie viele Tage Erholungsurlaub stehen mir zu?"
    qvec = np.asarray(idx.embedder.embed_queries([query])[0], dtype=np.float32)
    ids = idx.store.chunk_ids()
    vecs = idx.store.get_embeddings(ids)
    assert set(vecs) == set(ids)
    cos = {c: float(np.dot(qvec, v)) for c, v in vecs.items()}
    kw = idx.keyword.query(query)
    dense_top = sorted(cos, key=lambda c: -cos[c])[: p.dense_candidates]
    cands = list(dict.fromkeys(dense_top + [c for c, _ in kw.top(p.keyword_candidates)]))
    expected = dict(fuse([Candidate(c, cos[c], s) for c, s in zip(cands, kw.get(cands),
                                                                    strict=True)], p))
    assert set(cands) - set(dense_top)
    retriever = Retriever(idx.store, idx.embedder, lambda: idx.keyword, settings)
    hits = retriever.run(query, 5, mode="hybrid")
    assert hits
    for h in hits:
        assert h.score == pytest.approx(expected[h.chunk.chunk_id], abs=1e-5)
