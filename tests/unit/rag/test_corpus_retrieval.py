"""Retrieval quality on the demo corpus: gold page (or section, for documents without pages)
in the top 5 (embedded and server)."""

from __future__ import annotations

from pathlib import Path

from ingest.pipeline import Ingestor
from rag.eval.qa_check import in_section
from rag.index import Index
from rag.types import Chunk
from tests.conftest import corpus_files, load_qa, make_settings


def _gold_pages(row: dict) -> set[int]:
    return set(row.get("pages") or [row["page"]])


def _covers(chunk: Chunk, row: dict) -> bool:
    if chunk.source != row["doc"]:
        return False
    if row.get("section"):
        return any(in_section(label, row["section"]) for label in chunk.section_labels())
    return bool(_gold_pages(row) & set(range(chunk.page_start, chunk.page_end + 1)))


def top5_rate(index: Index, mode: str | None = None) -> tuple[float, list[str]]:
    rows = [r for r in load_qa() if r.get("doc")]
    misses = []
    for r in rows:
        hits = index.search(r["question"], 5, mode=mode)  # type: ignore[arg-type]
        ok = any(_covers(h.chunk, r) for h in hits)
        if not ok:
            misses.append(r["question"])
    return 1 - len(misses) / len(rows), misses


def test_gold_page_in_top5_embedded(corpus_index: Index) -> None:
    for mode in ("dense", None):  # None = the default (hybrid) search
        rate, misses = top5_rate(corpus_index, mode)
        assert rate >= 0.90, (mode, rate, misses)


def test_gold_page_in_top5_server(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path, "server")
    index = Index(settings, embedder)
    assert Ingestor(settings, index).run(corpus_files()).ok
    rate, misses = top5_rate(index)
    assert rate >= 0.90, (rate, misses)
