"""``POST /v1/search``: the passages for a query, as `rag search --json` prints them."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from rag.components.store import make_filter
from rag.server.auth import Caller, allow

router = APIRouter(prefix="/v1", tags=["Suche und Antwort"])


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=2000, description="Frage oder Suchbegriffe")
    collection: str | None = Field(None, description="Sammlung (Standard: RAG_COLLECTION)")
    k: int | None = Field(None, ge=1, le=100, description="Anzahl Treffer (Standard: RAG_TOP_K)")
    mode: Literal["dense", "bm25", "hybrid"] | None = None
    sources: list[str] | None = Field(None, description="nur in diesen Dateien suchen")
    pages: tuple[int, int] | None = Field(None, description="Seitenbereich [von, bis]")


class Hit(BaseModel):
    rank: int
    score: float
    source: str
    page: int
    text: str
    chunk_id: str


@router.post("/search", summary="Passagen finden (wie `rag search --json`)")
def search(body: SearchRequest, request: Request, who: Caller) -> list[Hit]:
    res = request.app.state.resources
    name = res.collection(body.collection)
    allow(who, name)
    hits = res.searching(name, lambda index: index.search(
        body.query, body.k or res.settings.retrieval.top_k,
        filters=make_filter(body.sources, body.pages), mode=body.mode))
    return [Hit(**h.to_json(i)) for i, h in enumerate(hits, start=1)]
