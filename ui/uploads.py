"""Upload widget: save uploads inside the store, ingest them, show progress and results.

Uploaded bytes are written to ``store_dir/uploads/<collection>/<sanitised name>`` only (the
name is the final path component after ``sanitize_source_name``, so nothing can land outside
the store). A replaced file keeps its previous bytes until the new version is ingested, so a
failed re-upload leaves the old version usable and its page previews correct.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import streamlit as st

from ingest.errors import IngestError
from ingest.loaders import SUPPORTED_SUFFIXES, sanitize_source_name
from ingest.pipeline import FileResult, Ingestor
from rag.index import StoreBusyError
from rag.paths import uploads_dir as rag_uploads_dir
from rag.settings import Settings
from rag.text.ids import doc_id_for
from ui import resources
from ui.safe_text import md_escape

UPLOAD_TYPES = [s.lstrip(".") for s in SUPPORTED_SUFFIXES]
STATUS_LABELS = {
    "ingested": "neu",
    "replaced": "ersetzt",
    "unchanged": "unverändert",
    "failed": "Fehler",
}
_ICONS = {
    "ingested": ":green[:material/check_circle:]",
    "replaced": ":blue[:material/sync:]",
    "unchanged": ":gray[:material/radio_button_checked:]",
    "failed": ":red[:material/error:]",
}


class Upload(Protocol):
    """What we use of Streamlit's UploadedFile (also easy to build in tests)."""

    name: str
    size: int
    file_id: str

    def getvalue(self) -> bytes: ...


@dataclass
class UploadResult:
    name: str
    status: str  # a FileResult status
    error: str | None = None
    pages: int = 0
    chunks: int = 0
    warnings: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        text = STATUS_LABELS.get(self.status, self.status)
        return f"{text}: {self.error}" if self.error else text


def uploads_dir(settings: Settings) -> Path:
    """The collection's own folder (``rag serve`` keeps its uploads there too)."""
    return rag_uploads_dir(settings)


def _too_big(upload: Upload, settings: Settings) -> UploadResult | None:
    limit = settings.limits.max_file_mb * 1024 * 1024
    if upload.size <= limit:
        return None
    return UploadResult(
        upload.name, "failed",
        f"Datei ist zu groß ({upload.size / 2**20:.1f} MB); erlaubt sind höchstens "
        f"{settings.limits.max_file_mb} MB pro Datei.",
    )


def _save(data: bytes, target: Path) -> Path | None:
    """Write ``data`` to ``target`` atomically; return the backup of the previous file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if target.exists():
        backup = target.with_name(f".{target.name}.vorher")
        os.replace(target, backup)
    tmp = target.with_name(f".{target.name}.teil")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return backup


def _settle(target: Path, backup: Path | None, result: FileResult) -> None:
    if result.status == "failed":
        if backup is not None:
            os.replace(backup, target)  # the old, still indexed version stays on disk
        else:
            target.unlink(missing_ok=True)  # never keep files that are not in the library
    elif backup is not None:
        backup.unlink(missing_ok=True)


def ingest_uploads(uploads: Sequence[Upload], settings: Settings) -> list[UploadResult]:
    """Ingest every upload, each on its own: a bad file never stops the others."""
    n = len(uploads)
    overall = st.progress(0.0, text=f"Gesamt: 0 von {n} Dateien")
    rows = [st.empty() for _ in uploads]
    bars = [row.progress(0.0, text=f"{md_escape(u.name)}: wartet") for row, u in
            zip(rows, uploads, strict=True)]
    results: list[UploadResult] = []
    index = resources.writer_index(settings)
    ingestor = Ingestor(settings, index)
    try:
        with index.write_lock():
            index.collect_garbage()
            for i, upload in enumerate(uploads):
                bar = bars[i]

                def progress(_source: str, frac: float, i: int = i, bar=bar) -> None:
                    bar.progress(frac, text=f"{md_escape(uploads[i].name)}: {frac:.0%}")
                    overall.progress((i + frac) / n, text=f"Gesamt: {i} von {n} Dateien")

                def ocr_progress(_source: str, done: int, total: int, i: int = i,
                                 bar=bar) -> None:
                    # Scans: OCR is the slow part, reported page by page before embedding.
                    bar.progress(done / total, text=f"{md_escape(uploads[i].name)}: "
                                 f"Texterkennung Seite {done} von {total}")

                ingestor.page_progress = ocr_progress

                bar.progress(0.0, text=f"{md_escape(upload.name)}: wird gelesen …")
                result, *attachments = _ingest_one(upload, settings, ingestor, progress)
                results += [result, *attachments]
                bar.progress(1.0, text=f"{md_escape(upload.name)}: {md_escape(result.label)}")
                overall.progress((i + 1) / n, text=f"Gesamt: {i + 1} von {n} Dateien")
    except StoreBusyError as exc:
        done = {r.name for r in results}
        results += [UploadResult(u.name, "failed", str(exc)) for u in uploads
                    if u.name not in done]
    overall.empty()
    for row in rows:
        row.empty()
    return results


def _ingest_one(upload: Upload, settings: Settings, ingestor: Ingestor,
                progress) -> list[UploadResult]:
    """The upload's result, then one per e-mail attachment (each a document of its own)."""
    if (big := _too_big(upload, settings)) is not None:
        return [big]
    try:
        name = sanitize_source_name(upload.name)
    except IngestError as exc:
        return [UploadResult(upload.name, "failed", exc.reason_de)]
    target = uploads_dir(settings) / name
    previous = ingestor.index.store.get_document(doc_id_for(name))
    try:
        backup = _save(upload.getvalue(), target)
    except OSError as exc:
        return [UploadResult(name, "failed", f"Datei konnte nicht gespeichert werden: {exc}")]
    result = ingestor.ingest_file(target, source=name, progress=progress)
    _settle(target, backup, result)
    if result.status in ("ingested", "replaced") and previous is not None:
        _drop_stale_copy(Path(previous.path), target, settings)
    return [_row(r, name) for r in [result, *result.attachments]]


def _row(result: FileResult, name: str) -> UploadResult:
    shown = result.source or name
    error = _without_name(result.error, shown) if result.error else None
    return UploadResult(shown, result.status, error, result.pages, result.chunks,
                        tuple(result.warnings))


def _drop_stale_copy(old: Path, new: Path, settings: Settings) -> None:
    """'Bericht.pdf' replaced by 'bericht.pdf' is one document: drop the old upload."""
    root = uploads_dir(settings).resolve()
    old = old.resolve()
    if old != new.resolve() and old.parent == root:
        old.unlink(missing_ok=True)


def _without_name(error: str, name: str) -> str:
    # Ingest errors read "name: reason"; the name is already shown next to the result.
    prefix = f"{name}: "
    return error[len(prefix):] if error.startswith(prefix) else error


def render_results(results: Sequence[UploadResult]) -> None:
    for r in results:
        line = f"{_ICONS.get(r.status, '')} **{md_escape(r.name)}** — {md_escape(r.label)}"
        if r.status in ("ingested", "replaced"):
            line += f" ({r.pages} Seiten, {r.chunks} Abschnitte)"
        st.markdown(line)
        for w in r.warnings:
            st.caption(f"Hinweis: {md_escape(w)}")


def render_uploader(settings: Settings, *, key: str) -> list[UploadResult]:
    """The uploader; new files are ingested right away, results stay until the next upload."""
    files = st.file_uploader(
        "Dokumente hochladen (PDF, Word, OpenDocument, HTML, E-Mail, Text, Bilder und Scans)",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key=key,
        help=f"Mehrere Dateien auf einmal möglich; höchstens {settings.limits.max_file_mb} MB "
             "pro Datei. Gescannte PDFs und Bilder werden per Texterkennung (OCR) gelesen.",
    )
    done_key, results_key = f"{key}-done", f"{key}-results"
    done: set[str] = st.session_state.setdefault(done_key, set())
    new = [f for f in files or [] if f.file_id not in done]
    if new:
        results = ingest_uploads(new, settings)
        done.update(f.file_id for f in new)
        st.session_state[results_key] = results
    results = st.session_state.get(results_key, [])
    if results:
        render_results(results)
    return results
