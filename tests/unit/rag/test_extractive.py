"""Extractive answers on the demo corpus with the real embedding model."""

from __future__ import annotations

from rag.components.llm.extractive import answer_extractively, missing_key_numbers
from rag.index import Index
from rag.settings import REFUSAL
from tests.conftest import load_qa


def _ask(index: Index, question: str):  # noqa: ANN202
    hits = index.search(question, index.settings.retrieval.top_k)
    return answer_extractively(question, hits, index.embedder,
                               threshold=index.settings.answering.threshold)


def test_direct_questions_quote_the_gold_page(corpus_index: Index) -> None:
    rows = [r for r in load_qa() if r.get("doc") and r["kind"] == "direct"]
    good = 0
    for r in rows:
        ans = _ask(corpus_index, r["question"])
        gold = {(r["doc"], p) for p in r.get("pages") or [r["page"]]}
        if ans.answerable and gold & {(c.source, c.page) for c in ans.citations}:
            good += 1
            # Every [n] in the text has its citation, and quotes are attributed.
            assert ans.answer.startswith("Laut den Dokumenten: „")
            for c in ans.citations:
                assert f"[{c.n}]" in ans.answer and c.quote in ans.answer
    assert good / len(rows) >= 0.8, (good, len(rows))


def test_refusals(corpus_index: Index) -> None:
    for q in ("Wer gewann die Fußball-Weltmeisterschaft 1954?",
              "Welche Kältemittelmenge hat die größere Aerovia LW 12?"):
        ans = _ask(corpus_index, q)
        assert (ans.answer, ans.answerable, ans.citations) == (REFUSAL, False, [])


def test_missing_key_numbers() -> None:
    from rag.types import Chunk, SearchHit

    chunk = Chunk("d:v:0", "d", "a.pdf", "Die Aerovia LW 9 nutzt R290; Fehlercode E17.",
                  1, 1, 0, 44, 0, "h")
    hits = [SearchHit(chunk, 0.9)]
    assert missing_key_numbers("Was bedeutet E17 bei der LW 9?", hits) == []
    assert missing_key_numbers("Was kann die LW 12?", hits) == ["12"]
