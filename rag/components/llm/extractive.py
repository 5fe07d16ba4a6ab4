"""Extractive answers: quote the sentence that answers, or refuse.

No LLM needed. The sentences of the retrieved passages are ranked by a small logistic model
(sentence_ranker.py: similarity, rare-term overlap, expected answer type, headings, passage
rank, which document the question names); a second model decides from the question-level
evidence whether the passages answer the question at all. Below its fitted threshold Quelle
refuses with the exact refusal sentence. The answer span (amount, date, name) is set in bold
inside the quote.
"""

from __future__ import annotations

from collections.abc import Mapping

from rag.components.embeddings.base import Embedder
from rag.components.keyword.analyzer import fold
from rag.components.llm.answer_types import answer_spans
from rag.components.llm.sentence_ranker import (
    AnswerModel,
    Candidate,
    Ranked,
    answerability,
    content_terms,
    load_model,
    rank,
)
from rag.settings import REFUSAL
from rag.types import Answer, Citation, SearchHit


def answer_extractively(
    question: str,
    hits: list[SearchHit],
    embedder: Embedder,
    *,
    max_sentences: int = 3,
    threshold: float | None = None,
    model: AnswerModel | None = None,
    doc_heads: Mapping[str, str] | None = None,
) -> Answer:
    """The quoted answer (answering sentence first) or the refusal; ``threshold`` overrides
    the model's fitted refusal threshold (a probability, 0..1)."""
    model = model or load_model()
    ranked = rank(question, hits, embedder, model, doc_heads)
    confidence = answerability(ranked, model)
    limit = model.threshold if threshold is None else threshold
    if not ranked.candidates or confidence < limit:
        return Answer(REFUSAL, False, [], retrieved=list(hits), backend="extractive",
                      confidence=confidence)
    chosen = _chosen(ranked, model, max_sentences)
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    for c in chosen:
        hit = c.hit
        if c.hit_rank not in numbers:
            numbers[c.hit_rank] = len(numbers) + 1
            citations.append(Citation(
                n=numbers[c.hit_rank], source=hit.chunk.source,
                page=hit.chunk.page_of(c.start), text=hit.chunk.text,
                chunk_id=hit.chunk.chunk_id, quote=c.text,
                section=hit.chunk.section_of(c.start),
                ocr_confidence=hit.chunk.ocr_confidence if hit.chunk.ocr else None,
            ))
        # Quoted and attributed: document text is shown as a source, never as our own words.
        parts.append(f"„{emphasise(c.text, ranked)}“ [{numbers[c.hit_rank]}]")
    answer = "Laut den Dokumenten: " + " ".join(parts)
    return Answer(answer, True, citations, retrieved=list(hits), backend="extractive",
                  confidence=confidence)


def support(question: str, hits: list[SearchHit], embedder: Embedder,
            doc_heads: Mapping[str, str] | None = None,
            model: AnswerModel | None = None) -> float:
    """P(the passages answer the question): the confidence of any backend's answer."""
    model = model or load_model()
    return answerability(rank(question, hits, embedder, model, doc_heads), model)


def _chosen(ranked: Ranked, model: AnswerModel, max_sentences: int) -> list[Candidate]:
    """The best sentence, then the few that are nearly as likely (best first)."""
    best = float(ranked.probs[0])
    out = [ranked.candidates[0]]
    for c, p in zip(ranked.candidates[1:], ranked.probs[1:], strict=True):
        if len(out) >= max_sentences or p < model.second_sentence * best:
            break
        out.append(c)
    return out


def emphasise(sentence: str, ranked: Ranked) -> str:
    """``sentence`` with its answer span in bold (``**28 Euro**``): a span of the expected
    type that the question does not already contain, nearest to the question's terms."""
    asked = fold(ranked.question)
    spans = [(a, b) for a, b in answer_spans(sentence, ranked.qtype)
             if fold(sentence[a:b]) not in asked]
    if not spans:
        return sentence
    low = sentence.casefold()
    anchors = [i for t in content_terms(ranked.question) if (i := low.find(t)) >= 0]

    def distance(span: tuple[int, int]) -> int:
        return min((abs(span[0] - a) for a in anchors), default=span[0])

    a, b = min(spans, key=distance)
    return f"{sentence[:a]}**{sentence[a:b]}**{sentence[b:]}"
