"""Ingest jobs: uploads are staged, then ingested in the background, one job at a time per
process; status and progress at ``GET /v1/jobs/{id}``.

A job's state is a JSON file under ``store_dir/jobs`` (written atomically), so every worker
of a multi-worker server answers for every job. Writers of one collection take turns on
its write lock: a job waits for it (status ``waiting``) instead of failing as busy.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.pipeline import FileResult, Ingestor
from rag.index import StoreBusyError
from rag.locking import store_write_lock
from rag.paths import uploads_dir
from rag.text.ids import doc_id_for

JOB_ID = re.compile(r"^[0-9a-f]{32}$")
LOCK_WAIT_S = 600.0  # a job gives up waiting for another writer after this long
_SAVE_EVERY_S = 0.5  # progress is written at most this often


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _orphaned(job: dict[str, Any]) -> bool:
    """True when the job's worker ran on this machine and no longer exists."""
    if job.get("host") != socket.gethostname() or not job.get("pid"):
        return False  # another machine's worker: we cannot tell
    try:
        os.kill(int(job["pid"]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def jobs_dir(store_dir: Path) -> Path:
    return store_dir / "jobs"


class JobRunner:
    def __init__(self, res: Any) -> None:  # rag.server.resources.Resources
        self.res = res
        self.dir = jobs_dir(res.settings.store.dir)
        # One ingest at a time per process: it uses both cores already.
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="quelle-job")
        self._lock = threading.Lock()

    # --- state ---------------------------------------------------------------------------
    def _path(self, job_id: str) -> Path:
        return self.dir / f"{job_id}.json"

    def staging(self, job_id: str) -> Path:
        return self.dir / job_id

    def save(self, job: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self._path(job["id"])
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)  # readers in other workers see the old or the new state

    def get(self, job_id: str) -> dict[str, Any] | None:
        if not JOB_ID.match(job_id):
            return None
        try:
            job = json.loads(self._path(job_id).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if job["status"] in ("queued", "waiting", "running") and _orphaned(job):
            # Its worker is gone (killed, crashed): the job will never finish. Whatever it
            # had not switched live yet is invisible and removed by the next ingest.
            self._finish(job, "abgebrochen: der Server-Prozess wurde beendet",
                         failed="abgebrochen, der Server-Prozess wurde beendet; bitte "
                                "erneut hochladen")
        return job

    def new(self, collection: str) -> dict[str, Any]:
        job = {"id": uuid.uuid4().hex, "collection": collection, "status": "queued",
               "host": socket.gethostname(), "pid": os.getpid(),
               "message": "wartet auf den Start", "progress": 0.0, "created_at": _now(),
               "started_at": None, "finished_at": None, "ok": None, "files": []}
        self.staging(job["id"]).mkdir(parents=True, exist_ok=True)
        return job

    def _prune(self) -> None:
        """Forget the oldest finished jobs beyond ``server.jobs_kept``."""
        files = sorted(self.dir.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for p in files[: max(0, len(files) - self.res.settings.server.jobs_kept)]:
            p.unlink(missing_ok=True)

    # --- running -------------------------------------------------------------------------
    def submit(self, job: dict[str, Any], staged: list[tuple[int, Path]]) -> None:
        """``job['files']`` lists every upload; ``staged`` the (row, file) pairs to ingest
        (a name may come twice in one request: rows, not names, identify a file)."""
        self.save(job)
        self.pool.submit(self._run, job, staged)

    def _run(self, job: dict[str, Any], staged: list[tuple[int, Path]]) -> None:
        try:
            with ExitStack() as stack:
                if not self._wait_for_lock(job, stack):
                    return
                self._ingest(job, staged)
        except Exception as exc:  # noqa: BLE001 - reported in the job, never lost
            self._finish(job, f"Einlesen abgebrochen: {type(exc).__name__}: {exc}",
                         failed=f"abgebrochen: {exc}")
        finally:
            shutil.rmtree(self.staging(job["id"]), ignore_errors=True)
            with suppress(OSError):
                self._prune()

    def _wait_for_lock(self, job: dict[str, Any], stack: ExitStack) -> bool:
        settings = self.res.scoped(job["collection"])
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                stack.enter_context(store_write_lock(settings))
                return True
            except StoreBusyError as exc:
                if time.monotonic() > deadline:
                    self._finish(job, str(exc), failed=str(exc))
                    return False
                if job["status"] != "waiting":
                    job.update(status="waiting",
                               message="wartet, bis ein anderes Einlesen fertig ist")
                    self.save(job)
                time.sleep(0.2)

    def _ingest(self, job: dict[str, Any], staged: list[tuple[int, Path]]) -> None:
        collection = job["collection"]
        settings = self.res.scoped(collection)
        index = self.res.writer(collection)
        ingestor = Ingestor(settings, index)
        job.update(status="running", message="wird eingelesen", started_at=_now())
        self.save(job)
        n = max(len(staged), 1)
        last = [0.0]

        with index.write_lock():
            index.collect_garbage()
            for i, (row_no, file) in enumerate(staged):
                row = job["files"][row_no]
                name = row["name"]
                row["status"] = "running"

                def progress(_source: str, frac: float, i: int = i) -> None:
                    job["progress"] = round((i + frac) / n, 3)
                    if time.monotonic() - last[0] > _SAVE_EVERY_S:
                        last[0] = time.monotonic()
                        self.save(job)

                result = ingest_upload(file, name, settings, ingestor, progress)
                row.update(status=result.status, error=result.error, pages=result.pages,
                           chunks=result.chunks, warnings=list(result.warnings))
                job["progress"] = round((i + 1) / n, 3)
                self.save(job)
        self._finish(job, "fertig")

    def _finish(self, job: dict[str, Any], message: str, failed: str | None = None) -> None:
        for row in job["files"]:
            if row["status"] in ("queued", "running") and failed:
                row.update(status="failed", error=f"{row['name']}: {failed}")
        job.update(status="failed" if failed else "done", message=message,
                   finished_at=_now(), progress=1.0,
                   ok=not any(r["status"] == "failed" for r in job["files"]))
        self.save(job)


def ingest_upload(staged: Path, name: str, settings, ingestor: Ingestor,  # noqa: ANN001
                  progress) -> FileResult:  # noqa: ANN001
    """Move a staged upload into the collection's uploads folder and ingest it there.

    A replaced file keeps its previous bytes until the new version is live, so a failed
    re-upload leaves the old version (and its page previews) intact; a failed new file is
    removed (nothing stays on disk that is not in the collection).
    """
    target = uploads_dir(settings) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = ingestor.index.store.get_document(doc_id_for(name))
    backup = None
    if target.exists():
        backup = target.with_name(f".{target.name}.vorher")
        os.replace(target, backup)
    os.replace(staged, target)
    result = ingestor.ingest_file(target, source=name, progress=progress)
    if result.status == "failed":
        if backup is not None:
            os.replace(backup, target)
        else:
            target.unlink(missing_ok=True)
    elif backup is not None:
        backup.unlink(missing_ok=True)
    if result.status in ("ingested", "replaced") and previous is not None:
        old = Path(previous.path).resolve()
        # 'Bericht.pdf' replaced by 'bericht.pdf' is one document: drop the old copy.
        if old != target.resolve() and old.parent == target.parent.resolve():
            old.unlink(missing_ok=True)
    return result
