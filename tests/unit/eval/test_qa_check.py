"""rag/eval/qa_check.py: gold-file parsing and the R@k / MRR@10 arithmetic."""

from __future__ import annotations

import json
import math

import pytest

from rag.eval.qa_check import (
    GoldFormatError,
    GoldItem,
    first_correct_rank,
    load_gold,
    mrr_at,
    recall_at,
    run_check,
)
from rag.types import Chunk, SearchHit


def _hit(source: str, first: int, last: int | None = None) -> SearchHit:
    chunk = Chunk(chunk_id=f"{source}:{first}", doc_id="d", source=source, text="t",
                  page_start=first, page_end=last or first, char_start=0, char_end=1,
                  chunk_index=0, content_hash="h")
    return SearchHit(chunk, 1.0)


def test_load_gold_skips_unanswerable_and_reports_bad_lines() -> None:
    lines = [
        json.dumps({"question": "A?", "doc": "a.pdf", "page": 2, "kind": "direct"}),
        "",
        json.dumps({"question": "B?", "doc": None, "page": None, "kind": "unanswerable"}),
        json.dumps({"question": "C?", "doc": "c.pdf", "page": "3"}),
    ]
    items, skipped = load_gold(lines)
    assert [(i.question, i.doc, i.page) for i in items] == [("A?", "a.pdf", 2), ("C?", "c.pdf", 3)]
    assert skipped == 1
    with pytest.raises(GoldFormatError, match="Zeile 1"):
        load_gold(["{kaputt"])
    with pytest.raises(GoldFormatError, match="page"):
        load_gold([json.dumps({"question": "X?", "doc": "x.pdf"})])


def test_ranks_and_metrics() -> None:
    item = GoldItem("Q?", "a.pdf", 3)
    hits = [_hit("b.pdf", 3), _hit("a.pdf", 1), _hit("a.pdf", 2, 4)]
    assert first_correct_rank(hits, item) == 3  # a multi-page chunk covering page 3 counts
    ranks = [1, 3, None, 12]
    assert recall_at(ranks, 1) == 0.25 and recall_at(ranks, 3) == 0.5
    assert recall_at(ranks, 10) == 0.5
    assert mrr_at(ranks) == pytest.approx((1 + 1 / 3) / 4)
    assert math.isnan(recall_at([], 5))


def test_run_check_uses_the_index_search() -> None:
    class Fake:
        def search(self, query: str, k: int | None = None, *, filters: object = None):
            return [_hit("x.pdf", 1), _hit("a.pdf", 5)][: k or 10]

    seen: list[tuple[int, int]] = []
    result = run_check(Fake(), [GoldItem("Q?", "a.pdf", 5), GoldItem("R?", "z.pdf", 1)],
                       skipped=2, progress=lambda d, t: seen.append((d, t)))
    assert [q.rank for q in result.questions] == [2, None]
    assert result.recall == {1: 0.0, 3: 0.5, 5: 0.5, 10: 0.5}
    assert result.mrr == pytest.approx(0.25)
    assert result.skipped == 2 and result.n == 2 and seen == [(1, 2), (2, 2)]
