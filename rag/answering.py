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
    hits = index.search(standalone, k or settings.retrieval.top_k, filters=filters)
    prompt = build_prompt(standalone, hits, generator) if generator and hits else None
    return Prepared(question, standalone, hits, backend, prompt)


def _no_hits(p: Prepared) -> Answer:
    return Answer(REFUSAL, False, [], retrieved=[], backend=p.backend.name)


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
        return p.backend.answer(p.standalone, p.hits)
    assert p.prompt is not None
    text = p.backend.generate(p.prompt.messages)
    return to_answer(text, p.prompt.sources, retrieved=p.hits, backend=p.backend.name)


def stream_prepared(p: Prepared) -> Iterator[str | Answer]:
    """Text pieces as generated, then the final :class:`Answer` (always last)."""
    if not p.hits:
        answer = _no_hits(p)
        yield answer.answer
        yield answer
        return
    if isinstance(p.backend, ExtractiveBackend):
        answer = p.backend.answer(p.standalone, p.hits)
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
    yield to_answer("".join(pieces), p.prompt.sources, retrieved=p.hits, backend=p.backend.name)


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
    yield from stream_prepared(p)
