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


def test_next_file_is_parsed_ahead_in_a_thread(tmp_path: Path, embedder, two_pdfs,  # noqa: ANN001
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import ingest.pipeline as pipeline

    parsed_in: dict[str, str] = {}
    real_load = pipeline.load_file

    def spy(path: Path, **kw: object):  # noqa: ANN202
        parsed_in[path.name] = threading.current_thread().name
        return real_load(path, **kw)

    monkeypatch.setattr(pipeline, "load_file", spy)
    settings = make_settings(tmp_path)
    index = Index(settings, embedder)
    report = Ingestor(settings, index).run(two_pdfs)
    assert [r.status for r in report.results] == ["ingested", "ingested"]
    # The first file is read by the batch itself, the second ahead, while the first embeds.
    assert parsed_in[two_pdfs[0].name] == threading.current_thread().name
    assert parsed_in[two_pdfs[1].name].startswith("ingest-parse")
    _consistent(index)
    # The result is the same as ingesting the files one by one.
    alone = Index(make_settings(tmp_path / "alone"), embedder)
    for p in two_pdfs:
        assert Ingestor(alone.settings, alone).ingest_file(p).status == "ingested"
    assert set(alone.store.chunk_ids()) == set(index.store.chunk_ids())
    assert ({d.source: (d.pages, d.chunks) for d in alone.documents()}
            == {d.source: (d.pages, d.chunks) for d in index.documents()})
    # Unchanged files are not even read ahead.
    parsed_in.clear()
    again = Ingestor(settings, index).run(two_pdfs)
    assert [r.status for r in again.results] == ["unchanged", "unchanged"] and not parsed_in


def test_bad_file_parsed_ahead_fails_in_its_place(tmp_path: Path, embedder, two_pdfs) -> None:  # noqa: ANN001
    bad = two_pdfs[0].parent / "kaputt.pdf"
    bad.write_bytes(b"%PDF-1.7\nnur der Anfang")
    settings = make_settings(tmp_path)
    index = Index(settings, embedder)
    report = Ingestor(settings, index).run([two_pdfs[0], bad, two_pdfs[1]])
    assert [r.status for r in report.results] == ["ingested", "failed", "ingested"]
    assert "kaputt.pdf" in (report.results[1].error or "")
    _consistent(index)


def test_file_changed_after_parsing_ahead_is_parsed_again(tmp_path: Path, embedder,  # noqa: ANN001
                                                          two_pdfs) -> None:
    from concurrent.futures import Future

    settings = make_settings(tmp_path)
    index = Index(settings, embedder)
    ing = Ingestor(settings, index)
    target = two_pdfs[0]
    stale: Future = Future()
    stale.set_result(ing._parse(two_pdfs[1], ing._plan(two_pdfs[1], target.name)))
    result = ing._ingest(target, None, None, stale)  # the plan no longer matches the file
    assert result.status == "ingested"
    fresh = Index(make_settings(tmp_path / "fresh"), embedder)
    expected = Ingestor(fresh.settings, fresh).ingest_file(target)
    assert (result.pages, result.chunks) == (expected.pages, expected.chunks)
    assert set(index.store.chunk_ids()) == set(fresh.store.chunk_ids())
    # An error from parsing ahead is not reported if parsing the file now succeeds (it was
    # replaced in between): the file is parsed again and only a lasting error counts.
    from ingest.errors import IngestError

    failed: Future = Future()
    failed.set_exception(IngestError(two_pdfs[1], "veraltet"))
    later = ing._ingest(two_pdfs[1], None, None, failed)
    assert later.status == "ingested" and later.error is None


def test_failed_write_in_the_writer_thread_fails_only_that_file(
    tmp_path: Path, embedder, two_pdfs, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    import threading

    import ingest.pipeline as pipeline

    monkeypatch.setattr(pipeline, "EMBED_BATCH", 8)  # several batches per file
    settings = make_settings(tmp_path)
    index = Index(settings, embedder)
    real_add = index.add_chunks
    writers: set[str] = set()
    calls = {"n": 0}

    def flaky(chunks, embeddings):  # noqa: ANN001, ANN202
        writers.add(threading.current_thread().name)
        calls["n"] += 1
        if calls["n"] == 2:  # the first file's second batch
            raise OSError("Datenträger voll")
        return real_add(chunks, embeddings)

    monkeypatch.setattr(index, "add_chunks", flaky)
    report = Ingestor(settings, index).run(two_pdfs)
    assert [r.status for r in report.results] == ["failed", "ingested"]
    assert "Datenträger voll" in (report.results[0].error or "")
    assert two_pdfs[0].name in (report.results[0].error or "")
    assert writers and all(w.startswith("ingest-write") for w in writers)
    assert [d.source for d in index.documents()] == [two_pdfs[1].name]
    # The failed file's written batches never went live and are collected next time.
    monkeypatch.setattr(index, "add_chunks", real_add)
    again = Ingestor(settings, index).run(two_pdfs)
    assert [r.status for r in again.results] == ["ingested", "unchanged"]
    _consistent(index)
