"""Ingest pipeline against real Chroma (embedded and server), real PDFs, real embeddings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.pipeline import Ingestor, _Stages
from rag.index import Index
from rag.text.ids import doc_id_for
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
                        chunk_size=settings.ingest.chunk_size,
                        chunk_overlap=settings.ingest.chunk_overlap)
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
    with _Stages(embedder) as stages:  # the plan no longer matches the file
        result = ing._ingest(target, None, None, stale, stages).result()
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
    with _Stages(embedder) as stages:
        later = ing._ingest(two_pdfs[1], None, None, failed, stages).result()
    assert later.status == "ingested" and later.error is None


def _fail_write(monkeypatch: pytest.MonkeyPatch, index: Index, call: int) -> set[str]:
    """The ``call``-th batch write raises a full-disk error; returns the writing threads."""
    import threading

    real_add = index.add_chunks
    threads: set[str] = set()
    calls = [0]

    def flaky(chunks, embeddings):  # noqa: ANN001, ANN202
        threads.add(threading.current_thread().name)
        calls[0] += 1
        if calls[0] == call:
            raise OSError("Datenträger voll")
        return real_add(chunks, embeddings)

    monkeypatch.setattr(index, "add_chunks", flaky)
    return threads


def test_failed_write_in_the_writer_thread_fails_only_that_file(
    tmp_path: Path, embedder, two_pdfs, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    settings = make_settings(tmp_path, ingest_batch_size=8)  # several batches per file
    index = Index(settings, embedder)
    real_add = index.add_chunks
    writers = _fail_write(monkeypatch, index, 2)  # the first file's second batch
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


def test_next_file_embeds_while_the_last_one_is_switched_live(
    tmp_path: Path, embedder, two_pdfs, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    import threading

    settings = make_settings(tmp_path)
    index = Index(settings, embedder)
    real_activate, real_embed = index.activate, embedder.embed_documents
    second_embeds = threading.Event()
    seen: dict[str, object] = {"calls": 0}

    def embed(texts):  # noqa: ANN001, ANN202
        seen["calls"] = int(seen["calls"]) + 1  # type: ignore[call-overload]
        if seen["calls"] == 2:  # each demo PDF is one batch: this is the second file
            second_embeds.set()
        return real_embed(texts)

    def activate(record):  # noqa: ANN001, ANN202
        if record.source == two_pdfs[0].name:
            seen["first"] = threading.current_thread().name
            # A batch that waits for this switch before embedding the next file would stall
            # here for the whole timeout.
            seen["overlap"] = second_embeds.wait(timeout=60)
        return real_activate(record)

    monkeypatch.setattr(index, "activate", activate)
    monkeypatch.setattr(embedder, "embed_documents", embed)
    report = Ingestor(settings, index).run(two_pdfs)
    assert [r.status for r in report.results] == ["ingested", "ingested"]
    assert str(seen["first"]).startswith("ingest-write") and seen["overlap"] is True
    _consistent(index)


def test_failed_last_write_fails_its_file_after_the_next_one_started(
    tmp_path: Path, embedder, two_pdfs, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    settings = make_settings(tmp_path)
    index = Index(settings, embedder)
    _fail_write(monkeypatch, index, 1)  # the first file's only batch: only its switch notices
    report = Ingestor(settings, index).run(two_pdfs)
    assert [r.status for r in report.results] == ["failed", "ingested"]
    assert "Datenträger voll" in (report.results[0].error or "")
    assert [d.source for d in index.documents()] == [two_pdfs[1].name]
    _consistent(index)


def test_same_name_twice_in_one_batch_keeps_the_later_file(tmp_path: Path, embedder,  # noqa: ANN001
                                                           two_pdfs) -> None:
    # Two folders, one file name: the second file replaces the first one, which must be
    # live before the second is checked against the store.
    other = tmp_path / "andere"
    other.mkdir()
    twin = other / two_pdfs[0].name
    shutil.copyfile(two_pdfs[1], twin)
    settings = make_settings(tmp_path / "store")
    index = Index(settings, embedder)
    report = Ingestor(settings, index).run([two_pdfs[0], twin])
    assert [r.status for r in report.results] == ["ingested", "replaced"]
    (doc,) = index.documents()
    assert doc.path == str(twin.resolve())
    fresh = Index(make_settings(tmp_path / "fresh"), embedder)
    expected = Ingestor(fresh.settings, fresh).ingest_file(twin, source=two_pdfs[0].name)
    assert (doc.pages, doc.chunks) == (expected.pages, expected.chunks)
    _consistent(index)


def test_at_most_two_batches_are_in_flight(tmp_path: Path, embedder, two_pdfs,  # noqa: ANN001
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    settings = make_settings(tmp_path, ingest_batch_size=4)  # many batches per file
    index = Index(settings, embedder)
    real_embed, real_add = embedder.embed_documents, index.add_chunks
    lock = threading.Lock()
    state = {"embedded": 0, "written": 0, "most": 0}
    embed_threads: set[str] = set()

    def embed(texts):  # noqa: ANN001, ANN202
        with lock:
            state["embedded"] += 1
            state["most"] = max(state["most"], state["embedded"] - state["written"])
            embed_threads.add(threading.current_thread().name)
        return real_embed(texts)

    def add(chunks, vectors):  # noqa: ANN001, ANN202
        real_add(chunks, vectors)
        with lock:
            state["written"] += 1

    monkeypatch.setattr(embedder, "embed_documents", embed)
    monkeypatch.setattr(index, "add_chunks", add)
    report = Ingestor(settings, index).run(two_pdfs)
    assert [r.status for r in report.results] == ["ingested", "ingested"]
    # The vectors of at most two batches exist at a time (a large file is never held at
    # once), and two are: the next batch is embedded while one finishes.
    assert state["most"] == 2 and state["written"] == state["embedded"] > 8
    assert len(embed_threads) == 2 and all(t.startswith("ingest-embed") for t in embed_threads)
    _consistent(index)
