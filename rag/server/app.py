"""The FastAPI app of ``rag serve`` (``uvicorn --factory rag.server.app:create_app``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from rag.components.embeddings.base import limit_cores, usable_cores
from rag.server import ask, documents, errors, jobs_api, openai_compat, search
from rag.server.auth import docs_reader
from rag.server.limits import BodyLimit
from rag.server.resources import Resources
from rag.settings import Settings, get_settings

log = logging.getLogger("quelle.server")

DESCRIPTION = (
    "Quelle als Dienst: Dokumente je Sammlung hochladen, suchen und Fragen mit Quellenangabe "
    "(Datei, Seite) beantworten, auch über eine OpenAI-kompatible Chat-Schnittstelle "
    "(Modell `quelle:<Sammlung>`). Jeder Endpunkt außer `/healthz` verlangt "
    "`Authorization: Bearer SCHLÜSSEL` (diese Seite im Browser: Passwort = Schlüssel)."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if settings.server.workers > 1:  # the workers share the cores
        limit_cores(usable_cores() // settings.server.workers)
    resources = Resources(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Load the model and the answering backend before the first request, so that
        # /healthz answering means the server is ready.
        def warm_up() -> None:
            resources.backend  # noqa: B018 - loads it
            resources.embedder.embed_queries(["Aufwärmen"])  # the model loads lazily

        await run_in_threadpool(warm_up)
        yield

    # /docs and /openapi.json are served below behind the key, not by FastAPI's defaults.
    app = FastAPI(title="Quelle", version="1", description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.resources = resources
    errors.install(app)
    # One request: at most the largest allowed upload (every file at its limit) plus room
    # for the form's framing.
    max_body = settings.server.max_upload_files * settings.limits.max_file_mb * 2**20 + 2**20
    app.add_middleware(BodyLimit, max_bytes=max_body)

    @app.get("/healthz", tags=["Betrieb"], summary="Läuft der Server?")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(docs_reader)])
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(docs_reader)])
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Quelle – API")

    for module in (documents, jobs_api, search, ask, openai_compat):
        app.include_router(module.router)
    return app
