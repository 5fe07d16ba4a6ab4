"""Ingest pipeline against real Chroma (embedded and server), real PDFs, real embeddings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.pipeline import Ingestor, doc_id_for
from rag.index import Index
from tests.conftest import CORPORA, make_settings

PDFS = sorted(CORPORA.glob("*.pdf"))


def _consistent(index: Index) -> None:
    """Chroma, the keyword index and the registry agree; no orphan chunks."""
    live = {d.chunk_prefix: d.chunks for d in index.documents()}
    ids = set(index.store.chunk_ids())
    assert ids == index.keyword.ids()
    assert ids == {f"{p}:{i}" for p, n in live.items() for i in range(n)}


@pytest.fixture
def two_pdfs(tmp_path: Path) -> list[Path]:
    assert len(PDFS) >= 2, "corpora/ must hold the demo PDFs"
    docs = tmp_path / "docs"
    docs.mkdir()
    return [Path(shutil.copy(p, docs / p.name)) for p in PDFS[:2]]


def test_incremental_ingest(tmp_path: Path, store_mode: str, embedder, two_pdfs) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path, store_mode)
    index = Index(settings, embedder)
    ing = Ingestor(settings, index)

    first = ing.run(two_pdfs)
    assert [r.status for r in first.results] == ["ingested", "ingested"]
    assert all(r.pages >= 2 and r.chunks >= 2 for r in first.results)
    docs = {d.source: d for d in index.documents()}
    assert set(docs) == {p.name for p in two_pdfs}
    assert docs[two_pdfs[0].name].embedding_model == embedder.model_id
    _consistent(index)

    again = ing.run(two_pdfs)
    assert [r.status for r in again.results] == ["unchanged", "unchanged"]

    # Same name, new content: replaced, old chunks gone everywhere.
    old_prefix = docs[two_pdfs[0].name].chunk_prefix
    shutil.copy(PDFS[-1], two_pdfs[0])
    changed = ing.run([two_pdfs[0]])
    assert changed.results[0].status == "replaced"
    assert not [i for i in index.store.chunk_ids() if i.startswith(old_prefix)]
    _consistent(index)

    # Prune removes documents whose files are gone.
    two_pdfs[1].unlink()
    pruned = ing.run([], prune=True)
    assert [r.source for r in pruned.by_status("pruned")] == [two_pdfs[1].name]
    assert pruned.to_json()["pruned"] == [two_pdfs[1].name]
    assert [d.source for d in index.documents()] == [two_pdfs[0].name]
    _consistent(index)


def test_bad_files_do_not_block_batch(tmp_path: Path, embedder, two_pdfs) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path)
    folder = two_pdfs[0].parent
    (folder / "leer.pdf").write_bytes(b"")
    (folder / "bild.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 200)
    (folder / "notiz.txt").write_bytes("Die Größe der Übergabe beträgt 5 Meter.".encode("latin-1"))
    report = Ingestor(settings, Index(settings, embedder)).run([folder])
    out = report.to_json()
    failed = {Path(f["path"]).name: f["error"] for f in out["failed"]}
    assert set(failed) == {"leer.pdf", "bild.pdf"}
    assert all(name in err for name, err in failed.items())
    assert {Path(p).name for p in out["ingested"]} == {p.name for p in two_pdfs} | {"notiz.txt"}
    assert not report.ok


def test_interrupted_ingest_is_never_visible(tmp_path: Path, embedder, two_pdfs) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path)
    index = Index(settings, embedder)
    ing = Ingestor(settings, index)
    ing.run(two_pdfs[:1])
    source = two_pdfs[0].name
    live_before = {h.chunk.chunk_id for h in index.search("Kosten", 50, mode="dense")}

    # A new version's chunks are written, then the process "dies" before the switch.
    from ingest.chunking import chunk_text
    from ingest.cleanup import clean_pages
    from ingest.loaders import load_file

    doc = load_file(PDFS[-1])
    chunks = chunk_text(clean_pages(doc.pages), doc_id=doc_id_for(source), source=source,
                        id_prefix=f"{doc_id_for(source)}:deadbeef",
                        count_tokens=embedder.count_tokens,
                        chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
    index.add_chunks(chunks, embedder.embed_documents([c.text for c in chunks]))

    for mode in ("dense", "bm25"):
        seen = {h.chunk.chunk_id for h in index.search(chunks[0].text, 50, mode=mode)}
        assert not any(i.startswith(f"{doc_id_for(source)}:deadbeef") for i in seen)
    assert {h.chunk.chunk_id for h in index.search("Kosten", 50, mode="dense")} == live_before

    # The next ingest cleans up what the dead one left behind.
    ing.run(two_pdfs[:1])
    _consistent(index)


def test_embedding_model_mismatch_is_refused(tmp_path: Path, embedder, two_pdfs) -> None:  # noqa: ANN001
    from rag.components.store import EmbeddingMismatchError, make_store

    settings = make_settings(tmp_path)
    Ingestor(settings, Index(settings, embedder)).run(two_pdfs[:1])
    with pytest.raises(EmbeddingMismatchError, match="reindex"):
        make_store(settings, "intfloat/multilingual-e5-large", 1024)
