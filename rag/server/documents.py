"""Documents of a collection: upload (multipart, several files) as an ingest job, list,
delete; and the collections themselves."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import JSONResponse

from ingest.errors import IngestError
from ingest.loaders import sanitize_source_name
from rag.components.store.chroma import collection_model, list_collections, read_registry
from rag.index import StoreBusyError, delete_collection
from rag.paths import uploads_dir
from rag.server.auth import Caller, allow
from rag.server.errors import ApiError
from rag.text.ids import doc_id_for

router = APIRouter(prefix="/v1", tags=["Dokumente"])

_CHUNK = 1 << 20
DELETE_WAIT_S = 30.0  # a delete waits this long for a running ingest of the collection


def _res(request: Request):  # noqa: ANN202
    return request.app.state.resources


@router.get("/collections", summary="Sammlungen, die dieser Schlüssel sehen darf")
def collections(request: Request, who: Caller) -> list[dict]:
    res = _res(request)
    names = set(list_collections(res.settings)) | {res.settings.store.collection}
    rows = []
    for name in sorted(n for n in names if who.may_use(n)):
        docs = read_registry(res.scoped(name))
        rows.append({"name": name, "documents": len(docs), "chunks": sum(d.chunks for d in docs),
                     "embedding_model": collection_model(res.settings, name)})
    return rows


@router.delete("/collections/{collection}", summary="Sammlung mit allen Dokumenten löschen")
def drop(collection: str, request: Request, who: Caller) -> dict:
    res = _res(request)
    name = res.collection(collection)
    allow(who, name, write=True)
    existed = _retry_busy(lambda: delete_collection(res.scoped(name)))
    res.forget(name)
    if not existed:
        raise ApiError(404, f"Die Sammlung „{name}“ gibt es nicht.", "not_found")
    return {"deleted": name}


@router.get("/collections/{collection}/documents", summary="Dokumente einer Sammlung")
def list_documents(collection: str, request: Request, who: Caller) -> list[dict]:
    """Dieselben Felder wie `rag docs list --json`."""
    res = _res(request)
    name = res.collection(collection)
    allow(who, name)
    docs = sorted(read_registry(res.scoped(name)), key=lambda d: d.source.lower())
    return [{"source": d.source, "pages": d.pages, "chunks": d.chunks,
             "ingested_at": d.ingested_at, "embedding_model": d.embedding_model} for d in docs]


@router.post("/collections/{collection}/documents", status_code=202,
             summary="Dateien hochladen und im Hintergrund einlesen")
async def upload(
    collection: str,
    request: Request,
    who: Caller,
    files: Annotated[list[UploadFile], File(description="PDF-, TXT- oder Markdown-Dateien")],
) -> JSONResponse:
    """Antwortet mit einem Auftrag (`GET /v1/jobs/{id}`); Dateien, die schon beim Hochladen
    scheitern (zu groß, unzulässiger Name), stehen mit Grund in `files`, die übrigen werden
    trotzdem eingelesen."""
    res = _res(request)
    name = res.collection(collection)
    allow(who, name, write=True)
    limits = res.settings
    if len(files) > limits.server.max_upload_files:
        raise ApiError(413, f"Zu viele Dateien auf einmal ({len(files)}); erlaubt sind "
                            f"höchstens {limits.server.max_upload_files} pro Anfrage.",
                       "too_many_files")
    runner = res.jobs
    job = runner.new(name)
    staged: list[tuple[int, Path]] = []  # (row in job["files"], staged file)
    for i, f in enumerate(files):
        row, path = await _stage(f, runner.staging(job["id"]) / str(i), limits.limits.max_file_mb)
        job["files"].append(row)
        if path is not None:
            staged.append((i, path))
    if not staged:
        shutil.rmtree(runner.staging(job["id"]), ignore_errors=True)
        return JSONResponse(
            {"error": {"message": "Keine der Dateien kann eingelesen werden: " + "; ".join(
                r["error"] for r in job["files"]), "type": "bad_upload", "code": "bad_upload"},
             "files": job["files"]}, status_code=400)
    runner.submit(job, staged)
    return JSONResponse({"job_id": job["id"], "status": job["status"],
                         "status_url": f"/v1/jobs/{job['id']}", "files": job["files"]},
                        status_code=202)


async def _stage(f: UploadFile, folder: Path, max_mb: int) -> tuple[dict, Path | None]:
    """Save one upload under a staging folder; a row with its reason if it is refused.

    The client's file name only becomes the sanitised last path component, inside a folder
    of our own (numbered per upload), never a path of its choice."""
    raw = f.filename or ""
    try:
        name = sanitize_source_name(raw)
    except IngestError as exc:
        shown = "".join(ch if ch.isprintable() else "?" for ch in raw)[:80] or "(leer)"
        return _failed(shown, f"{shown}: {exc.reason_de}"), None
    limit = max_mb * 1024 * 1024
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    size = 0
    with path.open("wb") as out:
        while chunk := await f.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    if size > limit:
        path.unlink(missing_ok=True)
        return _failed(name, f"{name}: Datei ist zu groß (mehr als {max_mb} MB); erlaubt sind "
                             f"höchstens {max_mb} MB pro Datei."), None
    return {"name": name, "status": "queued", "error": None, "pages": 0, "chunks": 0,
            "warnings": []}, path


def _failed(name: str, error: str) -> dict:
    return {"name": name, "status": "failed", "error": error, "pages": 0, "chunks": 0,
            "warnings": []}


@router.delete("/collections/{collection}/documents/{source}",
               summary="ein Dokument löschen (Name wie in der Liste)")
def delete_document(collection: str, source: str, request: Request, who: Caller) -> dict:
    res = _res(request)
    name = res.collection(collection)
    allow(who, name, write=True)
    settings = res.scoped(name)

    def run():  # noqa: ANN202
        index = res.writer(name)
        with index.write_lock():
            return index.delete_document(doc_id_for(source))

    removed = _retry_busy(run)
    if removed is None:
        raise ApiError(404, f"„{source}“ ist nicht in der Sammlung „{name}“.", "not_found")
    path = Path(removed.path).resolve()
    if path.parent == uploads_dir(settings).resolve():  # only our own copy of an upload
        path.unlink(missing_ok=True)
    return {"deleted": removed.source, "collection": name}


def _retry_busy(fn):  # noqa: ANN001, ANN202
    """Run a write, waiting a while for a running ingest of the collection to finish."""
    deadline = time.monotonic() + DELETE_WAIT_S
    while True:
        try:
            return fn()
        except StoreBusyError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)
