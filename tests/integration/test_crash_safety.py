"""Crash safety: SIGKILL a real `rag ingest` process in the middle of a large file.

While the killed ingest runs, this (separate) process keeps searching: no chunk of the new,
not yet activated version may ever be visible. After a rerun the store must equal a clean
ingest of the same files (chunk texts and pages per source), without orphans or duplicates.
Runs against embedded Chroma and a `chroma run` server.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from ingest.pipeline import Ingestor
from rag.index import Index
from rag.settings import Settings
from rag.text.ids import doc_id_for
from tests.conftest import REPO, make_settings
from tests.unit.ingest.test_bad_inputs import assert_consistent, long_pdf
from tests.unit.ingest.test_loaders import make_pdf, page_lines

MODES = ["dense", "bm25"] + (["hybrid"] if importlib.util.find_spec("rag.retrieval.hybrid") else [])
NEW_ONLY = "Geschäftsvorfall"  # a word only the new version of the big document contains
POLL_S = 0.2
DEADLINE_S = 900


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a `rag` child process that uses the same store as ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(
        RAG_STORE_DIR=str(settings.store.dir),
        RAG_COLLECTION=settings.store.collection,
        RAG_CHROMA_HOST=settings.store.chroma_host,
        RAG_CHROMA_PORT=str(settings.store.chroma_port),
        RAG_EMBEDDING_SOURCE="offline",
        RAG_CACHE_DIR=str(settings.cache_dir),
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


def rag_cli(settings: Settings, *args: str, cwd: Path, **extra: str) -> subprocess.Popen:
    """Start ``rag ARGS`` in its own process (cwd without a .env file)."""
    return subprocess.Popen(
        [sys.executable, "-m", "rag", *args], cwd=cwd, env=cli_env(settings, **extra),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def rag_json(settings: Settings, *args: str, cwd: Path, expect: int = 0,
             env: dict[str, str] | None = None) -> dict | list:
    proc = rag_cli(settings, *args, "--json", cwd=cwd, **(env or {}))
    out, err = proc.communicate(timeout=DEADLINE_S)
    assert proc.returncode == expect, f"rag {' '.join(args)} -> {proc.returncode}\n{err[-3000:]}"
    return json.loads(out)


def fresh_index(settings: Settings, embedder) -> Index:  # noqa: ANN001
    """An Index with a new Chroma client, as a newly started process would see the store.

    Embedded Chroma caches one client per path and process, and that client's vector index
    does not see other processes' writes; dropping this path's cached system gives a fresh
    view, the way ``ChromaStore.refresh`` does in the app. (Stopping every cached system with
    ``clear_system_cache()`` while another process wrote once left a query hanging.)
    """
    if not settings.store.chroma_host:
        from chromadb.api.shared_system_client import SharedSystemClient

        from rag.components.store.chroma import embedded_path

        SharedSystemClient._identifier_to_system.pop(embedded_path(settings), None)
    return Index(settings, embedder)


def chunk_rows(index: Index) -> dict[str, list[tuple]]:
    """Per source: (chunk index, pages, text) of every stored chunk, in order."""
    rows: dict[str, list[tuple]] = {}
    for batch in index.store.iter_chunks():
        for c in batch:
            rows.setdefault(c.source, []).append(
                (c.chunk_index, c.page_start, c.page_end, c.page_breaks, c.text))
    return {s: sorted(r) for s, r in rows.items()}


def prefix_of(index: Index, source: str) -> str | None:
    doc = index.store.get_document(doc_id_for(source))
    return doc.chunk_prefix if doc else None


@pytest.mark.slow  # three `rag` processes and two full ingests of a 300-page PDF
def test_sigkill_mid_file_then_rerun(tmp_path: Path, store_mode: str, embedder) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path, store_mode)
    docs = tmp_path / "docs"
    docs.mkdir()
    big = long_pdf(docs / "handbuch.pdf", 20, lines=4)
    rag_json(settings, "ingest", str(big), cwd=tmp_path)  # version 1, by another process

    reader = Index(settings, embedder)  # this process only reads, like a UI next to the CLI
    old_prefix = prefix_of(reader, "handbuch.pdf")
    old_rows = chunk_rows(reader)["handbuch.pdf"]
    assert old_prefix and old_rows

    # Version 2: 300 pages, several embedding batches; plus a small new file before it.
    long_pdf(big, 300, lines=4, word=NEW_ONLY,
             special={250: "Die Zebrastreifenverordnung gilt ab Seite 250."})
    small = make_pdf(docs / "begleit.pdf", [page_lines(n) for n in (1, 2)])
    doc_id = doc_id_for("handbuch.pdf")
    child = rag_cli(settings, "ingest", str(small), str(big), "--json", cwd=tmp_path)
    polls = new_chunks_seen = 0
    deadline = time.monotonic() + DEADLINE_S
    try:
        while True:
            assert child.poll() is None, "ingest ended before it could be killed: " + \
                child.stderr.read()[-2000:]
            assert time.monotonic() < deadline, "no chunks of the new version appeared"
            assert prefix_of(reader, "handbuch.pdf") == old_prefix
            for mode in MODES:
                for hit in reader.search(f"{NEW_ONLY} Zebrastreifenverordnung", 20, mode=mode):
                    assert NEW_ONLY not in hit.chunk.text and "Zebrastreifen" not in hit.chunk.text
                    if hit.chunk.source == "handbuch.pdf":
                        assert hit.chunk.version_prefix == old_prefix
            polls += 1
            ids = reader.store.chunk_ids()
            new_chunks_seen = sum(1 for i in ids
                                  if i.startswith(doc_id + ":") and not i.startswith(old_prefix))
            if new_chunks_seen:
                os.kill(child.pid, signal.SIGKILL)
                break
            time.sleep(POLL_S)
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
    assert child.returncode == -signal.SIGKILL
    assert polls >= 1

    # Killed between writing new chunks and the switch: the old version is still the live one.
    after_kill = fresh_index(settings, embedder)
    assert prefix_of(after_kill, "handbuch.pdf") == old_prefix
    assert prefix_of(after_kill, "begleit.pdf") is not None  # finished before the kill
    dead = [i for i in after_kill.store.chunk_ids()
            if i.startswith(doc_id + ":") and not i.startswith(old_prefix)]
    assert dead, "the kill should leave chunks of the unfinished version behind"
    for mode in MODES:
        hits = after_kill.search(f"{NEW_ONLY} Zebrastreifenverordnung", 50, mode=mode)
        assert not [h for h in hits if NEW_ONLY in h.chunk.text or h.chunk.chunk_id in dead]
        old_hits = after_kill.search("Abschnitt 7.2 regelt Vorgang", 5, mode=mode)
        assert old_hits and old_hits[0].chunk.version_prefix == old_prefix
    assert chunk_rows(after_kill)["handbuch.pdf"] != old_rows  # dead rows are stored ...
    assert {h.chunk.version_prefix for h in after_kill.search("Vorgang", 50, mode="bm25")
            if h.chunk.source == "handbuch.pdf"} == {old_prefix}  # ... but never found

    # The rerun finishes the job; the leftovers of the killed run are gone.
    out = rag_json(settings, "ingest", str(small), str(big), cwd=tmp_path)
    assert out == {"ingested": [str(big)], "unchanged": [str(small)], "failed": []}

    final = fresh_index(settings, embedder)
    assert_consistent(final)
    assert prefix_of(final, "handbuch.pdf") not in (None, old_prefix)
    # Same bytes, model and chunking give the same version prefix: the rerun rewrote the
    # killed run's chunk ids after removing its leftovers.
    assert prefix_of(final, "handbuch.pdf") == dead[0].rsplit(":", 1)[0]

    clean_settings = make_settings(tmp_path / "sauber", store_mode)
    clean = Index(clean_settings, embedder)
    report = Ingestor(clean_settings, clean).run([small, big])
    assert report.ok, report.to_json()
    got, want = chunk_rows(final), chunk_rows(clean)
    assert got == want
    texts = Counter(row[-1] for rows in got.values() for row in rows)
    assert texts == Counter(row[-1] for rows in want.values() for row in rows)  # no duplicates
    for mode in MODES:
        hit = final.search("Zebrastreifenverordnung", 1, mode=mode)[0]
        assert hit.chunk.source == "handbuch.pdf"
        assert hit.chunk.page_of(hit.chunk.text.index("Zebrastreifen")) == 250


@pytest.mark.parametrize("store_mode", ["embedded"])
def test_sigkill_during_first_ingest_leaves_nothing_visible(
    tmp_path: Path, store_mode: str, embedder  # noqa: ANN001
) -> None:
    """A brand-new document killed mid-file is invisible and the next run cleans up."""
    settings = make_settings(tmp_path, store_mode)
    # Several embedding batches (~300 chunks), so that the kill lands while batches remain:
    # with one batch the chunks and the registry switch follow each other within a poll.
    big = long_pdf(tmp_path / "neu.pdf", 400, lines=8)
    child = rag_cli(settings, "ingest", str(big), cwd=tmp_path)
    reader = None
    deadline = time.monotonic() + DEADLINE_S
    try:
        while child.poll() is None and time.monotonic() < deadline:
            # The lock file appears once the child has opened (created) the collections.
            if (settings.store.dir / f".{settings.store.collection}.write.lock").exists():
                reader = reader or Index(settings, embedder)
                if reader.store.chunk_ids():
                    os.kill(child.pid, signal.SIGKILL)
                    break
            time.sleep(POLL_S)
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
    assert child.returncode == -signal.SIGKILL, "ingest ended before it could be killed"
    view = fresh_index(settings, embedder)
    assert view.store.chunk_ids() and not view.documents()
    for mode in MODES:
        assert view.search("Abschnitt 7.2 regelt Vorgang", 10, mode=mode) == []

    result = Ingestor(settings, view).run([big])
    assert result.ok and result.results[0].status == "ingested"
    assert_consistent(view)
