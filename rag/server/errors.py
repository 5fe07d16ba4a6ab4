"""Every error leaves the server as JSON with a German message, in OpenAI's error shape
(``{"error": {"message", "type", "code"}}``) so OpenAI clients show it too."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.components.llm.base import LLMError
from rag.components.store import EmbeddingMismatchError, InvalidFilterError, StoreError
from rag.index import StoreBusyError

log = logging.getLogger("quelle.server")

_STATUS_TEXT = {
    401: "Nicht angemeldet: ein gültiger API-Schlüssel fehlt (Authorization: Bearer …).",
    403: "Dieser API-Schlüssel darf das nicht.",
    404: "Nicht gefunden.",
    405: "Diese Methode ist hier nicht erlaubt.",
    413: "Die Anfrage ist zu groß.",
}


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str = "invalid_request", *,
                 www_authenticate: str = "Bearer") -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code
        self.www_authenticate = www_authenticate


class GermanHTTPException(StarletteHTTPException):
    """An HTTP error raised where only HTTPExceptions get through (e.g. while FastAPI
    parses a body); its detail is the German message shown to the client."""


def body(message: str, code: str) -> dict:
    return {"error": {"message": message, "type": code, "code": code}}


def _json(status: int, message: str, code: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(body(message, code), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": exc.www_authenticate} if exc.status == 401 else None
        return _json(exc.status, exc.message, exc.code, headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Our own German details pass through; Starlette's English ones are replaced.
        message = exc.detail if isinstance(exc, GermanHTTPException) else \
            _STATUS_TEXT.get(exc.status_code, f"Fehler {exc.status_code}.")
        return _json(exc.status_code, message, "http_error")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors()[:5]:
            where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
            parts.append(f"{where or 'Anfrage'}: {e.get('msg', '')}")
        return _json(422, "Ungültige Anfrage: " + "; ".join(parts), "invalid_request")

    @app.exception_handler(EmbeddingMismatchError)
    async def _mismatch(_: Request, exc: EmbeddingMismatchError) -> JSONResponse:
        return _json(409, str(exc), "embedding_mismatch")

    @app.exception_handler(StoreBusyError)
    async def _busy(_: Request, exc: StoreBusyError) -> JSONResponse:
        return _json(409, str(exc), "store_busy")

    @app.exception_handler(InvalidFilterError)
    async def _filter(_: Request, exc: InvalidFilterError) -> JSONResponse:
        return _json(400, str(exc), "invalid_request")

    @app.exception_handler(StoreError)
    async def _store(_: Request, exc: StoreError) -> JSONResponse:
        return _json(503, f"Der Dokumentenspeicher ist nicht verfügbar: {exc}", "store_error")

    @app.exception_handler(LLMError)
    async def _llm(_: Request, exc: LLMError) -> JSONResponse:
        return _json(502, f"Das Sprachmodell antwortet nicht: {exc}", "llm_error")

    @app.exception_handler(ValueError)
    async def _value(_: Request, exc: ValueError) -> JSONResponse:
        return _json(400, str(exc), "invalid_request")

    @app.exception_handler(Exception)
    async def _other(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return _json(500, f"Interner Fehler: {type(exc).__name__}", "internal_error")
