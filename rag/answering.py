"""Answer a question from the index: rewrite follow-ups, retrieve, prompt, generate, cite.

Used by ``rag ask`` and the UI. Every backend returns the same :class:`Answer`; with the
extractive backend there is no prompt and no generation, the best sentences are quoted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rag.citations import to_answer
from rag.components.llm.base import LLM
from rag.components.llm.extractive import support
from rag.components.llm.extractive_backend import ExtractiveBackend
from rag.components.llm.factory import Backend, make_llm
from rag.conversation import HistoryItem, condense_question
from rag.prompt import Prompt, build_prompt
from rag.retrieval.base import Searchable
from rag.settings import REFUSAL, Settings
from rag.types import Answer, SearchHit


@dataclass
class Prepared:
    """Everything decided before generation; ``prompt`` is None for the extractive backend."""

    question: str  # as asked
    standalone: str  # after follow-up rewriting; what was searched and answered
    hits: list[SearchHit]
    backend: Backend
    prompt: Prompt | None


def _backend(settings: Settings, llm: Backend | None, index: Searchable) -> Backend:
    if llm is None:
        llm = make_llm(settings, embedder=getattr(index, "embedder", None))
    if isinstance(llm, ExtractiveBackend) and getattr(index, "embedder", None) is not None:
        llm.use_embedder(index.embedder)  # type: ignore[attr-defined]
    return llm


def prepare(
    question: str,
    *,
    index: Searchable,
    settings: Settings,
    history: Sequence[HistoryItem] | None = None,
    llm: Backend | None = None,
    k: int | None = None,
    filters: Any = None,
) -> Prepared:
    backend = _backend(settings, llm, index)
    generator = backend if isinstance(backend, LLM) else None
    standalone = condense_question(
        question, history, llm=generator, max_history_tokens=settings.llm.history_max_tokens
    )
    default_k = settings.retrieval.top_k if generator else settings.answering.passages
    hits = index.search(standalone, k or default_k, filters=filters)
    prompt = build_prompt(standalone, hits, generator) if generator and hits else None
    return Prepared(question, standalone, hits, backend, prompt)


def _no_hits(p: Prepared) -> Answer:
    return Answer(REFUSAL, False, [], retrieved=[], backend=p.backend.name, confidence=0.0)


def document_heads(index: Searchable, hits: Sequence[SearchHit]) -> dict[str, str]:
    """The first chunk (title, parties, scope) of every document among ``hits``: it names
    what a question may name ("bei Brandauer") when the passage itself does not."""
    store = getattr(index, "store", None)
    if store is None:
        return {}
    first = {h.chunk.doc_id: f"{h.chunk.version_prefix}:0" for h in hits}
    try:
        chunks = store.get_chunks(list(first.values()))
    except Exception:  # noqa: BLE001 - a missing head only weakens one feature
        return {}
    return {c.doc_id: c.text for c in chunks}


def _extractive(p: Prepared, index: Searchable) -> Answer:
    assert isinstance(p.backend, ExtractiveBackend)
    return p.backend.answer(p.standalone, p.hits, doc_heads=document_heads(index, p.hits))


def evidence_confidence(p: Prepared, index: Searchable) -> float | None:
    """How well the passages support any answer (the answerability model), for the
    generating backends, whose model still decides what to answer."""
    embedder = getattr(index, "embedder", None)
    if embedder is None or not p.hits:
        return None
    return support(p.standalone, p.hits, embedder, document_heads(index, p.hits))


def answer_question(
    question: str,
    *,
    index: Searchable,
    settings: Settings,
    history: Sequence[HistoryItem] | None = None,
    llm: Backend | None = None,
    k: int | None = None,
    filters: Any = None,
) -> Answer:
    """The cited answer to ``question`` (``history``: earlier turns, oldest first)."""
    p = prepare(question, index=index, settings=settings, history=history, llm=llm, k=k,
                filters=filters)
    if not p.hits:
        return _no_hits(p)
    if isinstance(p.backend, ExtractiveBackend):
        return _extractive(p, index)
    assert p.prompt is not None
    text = p.backend.generate(p.prompt.messages)
    answer = to_answer(text, p.prompt.sources, retrieved=p.hits, backend=p.backend.name)
    answer.confidence = evidence_confidence(p, index)
    return answer


def stream_prepared(p: Prepared, index: Searchable | None = None) -> Iterator[str | Answer]:
    """Text pieces as generated, then the final :class:`Answer` (always last)."""
    if not p.hits:
        answer = _no_hits(p)
        yield answer.answer
        yield answer
        return
    if isinstance(p.backend, ExtractiveBackend):
        answer = _extractive(p, index) if index is not None else p.backend.answer(
            p.standalone, p.hits)
        yield answer.answer
        yield answer
        return
    assert p.prompt is not None
    pieces: list[str] = []
    for piece in p.backend.stream(p.prompt.messages):
        pieces.append(piece)
        yield piece
    # The final answer may differ from the streamed text: unknown markers are removed
    # and a refusal is normalised to the exact sentence. Show answer.answer at the end.
    answer = to_answer("".join(pieces), p.prompt.sources, retrieved=p.hits,
                       backend=p.backend.name)
    if index is not None:
        answer.confidence = evidence_confidence(p, index)
    yield answer


def stream_answer(
    question: str,
    *,
    index: Searchable,
    settings: Settings,
    history: Sequence[HistoryItem] | None = None,
    llm: Backend | None = None,
    k: int | None = None,
    filters: Any = None,
) -> Iterator[str | Answer]:
    """Like :func:`answer_question`, but yields ``str`` pieces first and the ``Answer`` last."""
    p = prepare(question, index=index, settings=settings, history=history, llm=llm, k=k,
                filters=filters)
    yield from stream_prepared(p, index)
