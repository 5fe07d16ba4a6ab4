"""``GET /v1/jobs/{id}``: status and per-file results of an upload's ingest job."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from rag.server.auth import Caller, allow
from rag.server.errors import ApiError

router = APIRouter(prefix="/v1", tags=["Dokumente"])


@router.get("/jobs/{job_id}", summary="Stand eines Einlese-Auftrags")
def job(job_id: str, request: Request, who: Caller) -> dict[str, Any]:
    """`status`: queued, waiting (ein anderes Einlesen läuft), running, done, failed;
    `progress` 0…1; `files` je Datei mit `status` (ingested, replaced, unchanged, failed)
    und `error` wie bei `rag ingest`."""
    found = request.app.state.resources.jobs.get(job_id)
    if found is None:
        raise ApiError(404, f"Den Auftrag „{job_id}“ gibt es nicht.", "not_found")
    allow(who, found["collection"])
    return found
