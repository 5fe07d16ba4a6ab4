"""Extractive answers: quote the sentences of the top passages that best answer the question.

No LLM needed. Sentences are scored with the same embedding model as retrieval (query vs.
passage prompt); below a calibrated threshold Quelle refuses instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.components.embeddings.base import Embedder, at_query_time
from rag.settings import REFUSAL
from rag.text.sentences import split_sentences
from rag.types import Answer, Citation, SearchHit

MAX_PASSAGES = 4
_MIN_WORDS = 4
# Numbers and codes in a question ("LW 12", "E17", "2027") must occur in the passages:
# e5 scores a question about model LW 12 as close to a passage about LW 9 as a real match.
_KEY_NUMBER = re.compile(r"\b[A-Za-zÄÖÜäöü]{0,3}\d+[A-Za-z]?\b")
_NO_LETTERS = re.compile(r"^[\W\d_]+$")


@dataclass(frozen=True)
class ScoredSentence:
    hit_rank: int
    start: int
    text: str
    score: float


def candidate_sentences(hits: list[SearchHit]) -> list[tuple[int, int, str]]:
    """(hit rank, offset in chunk, sentence) for the sentences worth quoting."""
    out = []
    for rank, hit in enumerate(hits[:MAX_PASSAGES]):
        text = hit.chunk.text
        for start, end in split_sentences(text):
            sent = " ".join(text[start:end].split())
            if len(sent.split()) < _MIN_WORDS or _NO_LETTERS.match(sent):
                continue
            out.append((rank, start, sent))
    return out


def score_sentences(
    question: str, hits: list[SearchHit], embedder: Embedder
) -> list[ScoredSentence]:
    cands = candidate_sentences(hits)
    if not cands:
        return []
    embedder = at_query_time(embedder)
    q = embedder.embed_queries([question])[0]
    vecs = embedder.embed_documents([s for _, _, s in cands])
    scores = vecs @ q
    ranked = [ScoredSentence(r, st, s, float(sc))
              for (r, st, s), sc in zip(cands, scores, strict=True)]
    # Best first; among equals the better-ranked passage wins.
    return sorted(ranked, key=lambda x: (-x.score, x.hit_rank))


def missing_key_numbers(question: str, hits: list[SearchHit]) -> list[str]:
    """Numbers/codes of the question that none of the top passages contains."""
    text = " ".join(h.chunk.text for h in hits[:MAX_PASSAGES]).casefold()
    words = set(re.findall(r"\w+", text))
    return [n for n in _KEY_NUMBER.findall(question) if n.casefold() not in words]


def answer_extractively(
    question: str,
    hits: list[SearchHit],
    embedder: Embedder,
    *,
    threshold: float,
    max_sentences: int = 3,
    margin: float = 0.04,
) -> Answer:
    scored = score_sentences(question, hits, embedder)
    if not scored or scored[0].score < threshold or missing_key_numbers(question, hits):
        return Answer(REFUSAL, False, [], retrieved=list(hits), backend="extractive")
    best = scored[0].score
    chosen = [s for s in scored if s.score >= max(threshold, best - margin)][:max_sentences]
    # Quote in reading order: by passage rank, then position in the passage.
    chosen.sort(key=lambda s: (s.hit_rank, s.start))
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    for s in chosen:
        hit = hits[s.hit_rank]
        if s.hit_rank not in numbers:
            numbers[s.hit_rank] = len(numbers) + 1
            citations.append(Citation(
                n=numbers[s.hit_rank], source=hit.chunk.source,
                page=hit.chunk.page_of(s.start), text=hit.chunk.text,
                chunk_id=hit.chunk.chunk_id, quote=s.text,
            ))
        # Quoted and attributed: document text is shown as a source, never as our own words.
        parts.append(f"„{s.text}“ [{numbers[s.hit_rank]}]")
    answer = "Laut den Dokumenten: " + " ".join(parts)
    return Answer(answer, True, citations, retrieved=list(hits), backend="extractive")


def best_sentence_score(question: str, hits: list[SearchHit], embedder: Embedder) -> float:
    """For threshold calibration (benchmarks/calibrate_refusal.py)."""
    scored = score_sentences(question, hits, embedder)
    return scored[0].score if scored else float(np.nan)
