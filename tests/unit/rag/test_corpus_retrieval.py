"""Retrieval quality on the demo corpus: gold page in the top 5 (embedded and server)."""

from __future__ import annotations

from pathlib import Path

from ingest.pipeline import Ingestor
from rag.index import Index
from tests.conftest import corpus_files, load_qa, make_settings


def _gold_pages(row: dict) -> set[int]:
    return set(row.get("pages") or [row["page"]])


def top5_rate(index: Index, mode: str | None = None) -> tuple[float, list[str]]:
    rows = [r for r in load_qa() if r.get("doc")]
    misses = []
    for r in rows:
        hits = index.search(r["question"], 5, mode=mode)  # type: ignore[arg-type]
        pages = _gold_pages(r)
        ok = any(h.chunk.source == r["doc"]
                 and pages & set(range(h.chunk.page_start, h.chunk.page_end + 1)) for h in hits)
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
