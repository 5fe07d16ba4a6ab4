"""OpenAI-compatible ``GET /v1/models`` (one model per collection, ``quelle:<collection>``)
and ``POST /v1/chat/completions`` (streaming and not).

The last user message is the question, earlier user and assistant messages are the history
that makes follow-ups work (rag/conversation.py). The reply text carries the ``[n]`` markers
and a "Quellen:" list (file, page) for plain clients such as Open WebUI; the response object
has a top-level ``citations`` list, the same objects as `rag ask --json` (in a stream on the
last chunk), for clients that know the field.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from rag.citations import format_sources
from rag.components.store.chroma import list_collections
from rag.server.ask import answer_stream, final_answer
from rag.server.auth import Caller, allow
from rag.server.errors import ApiError
from rag.server.errors import body as error_body
from rag.types import Answer

router = APIRouter(prefix="/v1", tags=["OpenAI-kompatibel"])

PREFIX = "quelle:"
_FOOTERS = ("\n\nQuellen:\n", "\n\nVielleicht hilfreich:\n", "\n\nHinweis: Das Modell")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    # OpenAI's other fields (temperature, max_tokens, ...) are accepted and ignored: the
    # answer comes from Quelle's configured pipeline.
    model_config = ConfigDict(extra="allow")

    model: str = Field(description="quelle:<Sammlung>, z. B. quelle:quelle")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):  # content parts: keep the text ones
        return "".join(p.get("text", "") for p in content if p.get("type") == "text")
    return content or ""


def _without_footer(text: str) -> str:
    """An assistant turn as we sent it, minus the source list we appended."""
    cut = min((i for f in _FOOTERS if (i := text.find(f)) >= 0), default=len(text))
    return text[:cut]


@router.get("/models", summary="Modelle: eine Sammlung je Modell (quelle:<Sammlung>)")
def models(request: Request, who: Caller) -> dict[str, Any]:
    res = request.app.state.resources
    names = set(list_collections(res.settings)) | {res.settings.store.collection}
    data = [{"id": f"{PREFIX}{n}", "object": "model", "created": 0, "owned_by": "quelle"}
            for n in sorted(names) if who.may_use(n)]
    return {"object": "list", "data": data}


def _collection(request: Request, model: str) -> str:
    if not model.startswith(PREFIX):
        raise ApiError(404, f"Unbekanntes Modell „{model}“; die Modelle heißen "
                            f"„{PREFIX}<Sammlung>“ (siehe GET /v1/models).", "model_not_found")
    return request.app.state.resources.collection(model[len(PREFIX):])


def _split(messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    turns = [(m.role, _text(m.content)) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user" or not turns[-1][1].strip():
        raise ApiError(400, "Die letzte Nachricht muss eine Frage des Nutzers (role: user) "
                            "sein.", "invalid_request")
    history = [{"role": r, "content": _without_footer(c) if r == "assistant" else c}
               for r, c in turns[:-1]]
    return turns[-1][1], history


def reply_text(answer: Answer) -> str:
    sources = format_sources(answer)
    return f"{answer.answer}\n\n{sources}" if sources else answer.answer


def _extra(answer: Answer) -> dict[str, Any]:
    out = answer.to_json()
    return {"citations": out["citations"], "answerable": out["answerable"],
            "confidence": out["confidence"]}


@router.post("/chat/completions", summary="Chat (OpenAI-kompatibel), Antwort mit Quellen")
def chat(body: ChatRequest, request: Request, who: Caller) -> Any:
    name = _collection(request, body.model)
    allow(who, name)
    question, history = _split(body.messages)
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    pieces = answer_stream(request, name, question, history, None)
    if not body.stream:
        answer = final_answer(pieces)
        return {"id": cid, "object": "chat.completion", "created": created, "model": body.model,
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": reply_text(answer)}}],
                **_extra(answer)}
    first = next(pieces)  # errors before streaming starts stay HTTP errors

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        data = {"id": cid, "object": "chat.completion.chunk", "created": created,
                "model": body.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    def events() -> Iterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        try:
            item = first
            rest = iter(pieces)
            while not isinstance(item, Answer):
                yield chunk({"content": item})
                item = next(rest)
            sources = format_sources(item)
            if sources:
                yield chunk({"content": f"\n\n{sources}"})
            yield chunk({}, "stop", **_extra(item))
        except Exception as exc:  # noqa: BLE001 - the status line is sent already
            err = error_body(f"Die Antwort brach ab: {exc}", "answer_failed")
            yield f"data: {json.dumps(err, ensure_ascii=False)}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})
