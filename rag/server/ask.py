"""``POST /v1/ask``: the cited answer, as `rag ask --json` prints it; with ``"stream":
true`` as server-sent events (``delta`` pieces, then one ``answer`` event)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from rag.answering import Prepared, prepare, stream_prepared
from rag.components.llm.extractive_backend import ExtractiveBackend
from rag.index import Index
from rag.server.auth import Caller, allow
from rag.server.errors import body as error_body
from rag.types import Answer

router = APIRouter(prefix="/v1", tags=["Suche und Antwort"])


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=4000)
    collection: str | None = Field(None, description="Sammlung (Standard: RAG_COLLECTION)")
    k: int | None = Field(None, ge=1, le=100, description="Anzahl Passagen")
    history: list[Turn] = Field(default_factory=list,
                                description="frühere Fragen und Antworten, älteste zuerst")
    stream: bool = Field(False, description="als Server-Sent Events senden")


class CitationOut(BaseModel):
    n: int
    source: str
    page: int
    text: str


class AnswerOut(BaseModel):
    answer: str
    answerable: bool
    confidence: float | None
    citations: list[CitationOut]


def answer_stream(request: Request, collection: str, question: str,
                  history: list[dict[str, str]], k: int | None) -> Iterator[str | Answer]:
    """Text pieces, then the Answer: the one answer pipeline (rag/answering.py)."""
    res = request.app.state.resources
    backend = res.backend

    def run(index: Index) -> tuple[Index, Prepared, list[str | Answer] | None]:
        p = prepare(question, index=index, settings=res.scoped(collection), history=history,
                    llm=backend, k=k)
        if isinstance(backend, ExtractiveBackend):  # CPU-bound to the end: all of it here
            return index, p, list(stream_prepared(p, index))
        return index, p, None

    index, p, done = res.searching(collection, run)
    # Never yield under the lock (a client that stops reading would keep it). A language
    # model (e.g. a vLLM server) generates outside it: this worker searches meanwhile.
    yield from done if done is not None else stream_prepared(p, index)


def final_answer(pieces: Iterator[str | Answer]) -> Answer:
    answer = None
    for item in pieces:
        if isinstance(item, Answer):
            answer = item
    assert answer is not None
    return answer


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post("/ask", summary="Frage beantworten, mit Quellen (wie `rag ask --json`)",
             response_model=AnswerOut,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "JSON oder, mit stream, Server-Sent Events"}})
def ask(body: AskRequest, request: Request, who: Caller) -> Any:
    res = request.app.state.resources
    name = res.collection(body.collection)
    allow(who, name)
    history = [t.model_dump() for t in body.history]
    if not body.stream:
        return final_answer(answer_stream(request, name, body.question, history,
                                          body.k)).to_json()
    # Errors before the first byte (unknown collection, model mismatch) stay HTTP errors.
    pieces = answer_stream(request, name, body.question, history, body.k)
    first = next(pieces)

    def events() -> Iterator[str]:
        try:
            for item in _chain(first, pieces):
                if isinstance(item, Answer):
                    yield sse("answer", item.to_json())
                else:
                    yield sse("delta", {"text": item})
        except Exception as exc:  # noqa: BLE001 - the status line is sent already
            yield sse("error", error_body(f"Die Antwort brach ab: {exc}", "answer_failed"))

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})


def _chain(first: str | Answer, rest: Iterator[str | Answer]) -> Iterator[str | Answer]:
    yield first
    yield from rest
