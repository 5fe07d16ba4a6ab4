"""Ingest files into the index: load → clean → chunk → embed → write → switch.

Incremental: an unchanged file (same bytes, same model and chunking) is a no-op; a changed
file gets a new version whose chunks are written before the registry switches to it.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ingest.chunking import chunk_text
from ingest.cleanup import clean_pages
from ingest.errors import IngestError, LimitExceededError
from ingest.formats.eml import SEPARATOR, attachment_source
from ingest.loaders import SUPPORTED_SUFFIXES, load_file, mail_attachments, sanitize_source_name
from ingest.ocr import OcrOptions, PageProgress
from rag.components.store import DocumentRecord
from rag.components.store.chroma import drop_collections, read_registry
from rag.index import Index
from rag.locking import store_write_lock
from rag.paths import keyword_dir
from rag.settings import Settings, get_settings
from rag.text.ids import doc_id_for
from rag.types import Chunk, CleanText

log = logging.getLogger(__name__)

Status = Literal["ingested", "replaced", "unchanged", "failed", "pruned"]
Progress = Callable[[str, float], None]  # (source, fraction done of this file)


@dataclass
class FileResult:
    path: str
    source: str
    status: Status
    error: str | None = None
    pages: int = 0
    chunks: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    # ingest_file of an e-mail: the results of its attachments (run() lists them itself).
    attachments: list[FileResult] = field(default_factory=list)


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)
    pruned_requested: bool = False

    def by_status(self, *statuses: Status) -> list[FileResult]:
        return [r for r in self.results if r.status in statuses]

    @property
    def ok(self) -> bool:
        return not self.by_status("failed")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ingested": [r.path for r in self.by_status("ingested", "replaced")],
            "unchanged": [r.path for r in self.by_status("unchanged")],
            "failed": [{"path": r.path, "error": r.error} for r in self.by_status("failed")],
        }
        if self.pruned_requested:
            out["pruned"] = [r.source for r in self.by_status("pruned")]
        return out


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders expanded to their supported files (sorted)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*")
                              if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES))
        else:
            out.append(p)
    return out


def with_page_breaks(chunk: Chunk, clean: CleanText) -> Chunk:
    """Record where pages change inside a multi-page chunk (for per-sentence citations)."""
    if chunk.page_start == chunk.page_end:
        return chunk
    breaks = [f"{max(start - chunk.char_start, 0)}:{page}"
              for page, start, _ in clean.page_spans
              if chunk.char_start < start < chunk.char_end]
    return replace(chunk, page_breaks=";".join(breaks))


def with_ocr(chunk: Chunk, confidence: dict[int, float]) -> Chunk:
    """Mark a chunk with text read by OCR, with the mean confidence of its OCR'd pages."""
    confs = [confidence[p] for p in range(chunk.page_start, chunk.page_end + 1)
             if p in confidence]
    if not confs:
        return chunk
    return replace(chunk, ocr=True, ocr_confidence=round(sum(confs) / len(confs), 1))


@dataclass(frozen=True)
class _Plan:
    """What a file's ingest is keyed by: its name, id and version."""

    source: str
    doc_id: str
    sha: str
    prefix: str  # chunk-id prefix of this version (see Ingestor._version_prefix)
    attachment: str | None = None  # an e-mail attachment's name: the file is the mail


@dataclass(frozen=True)
class _Parsed:
    plan: _Plan
    pages: int
    warnings: list[str]
    chunks: list[Chunk]


class Ingestor:
    def __init__(
        self,
        settings: Settings | None = None,
        index: Index | None = None,
        *,
        page_progress: PageProgress | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self._index = index
        # Called after every OCR'd page: (source, pages done, pages to OCR) of that file.
        self.page_progress = page_progress

    @property
    def index(self) -> Index:
        if self._index is None:
            self._index = Index(self.settings)
        return self._index

    def _version_prefix(self, doc_id: str, sha: str) -> str:
        # Same prefix <=> identical chunks (same bytes, model and chunking), so a rewrite
        # with an equal prefix can never expose a mix of two different versions.
        params = f"{self.index.embedder.model_id}|{self.settings.ingest.chunk_size}|" \
                 f"{self.settings.ingest.chunk_overlap}"
        return f"{doc_id}:{sha[:12]}{hashlib.sha1(params.encode()).hexdigest()[:4]}"

    # --- one file ------------------------------------------------------------------------
    def ingest_file(
        self, path: Path, *, source: str | None = None, progress: Progress | None = None
    ) -> FileResult:
        with _Stages(self.index.embedder) as stages:
            done = self._ingest(path, source, progress, None, stages)
            extra = [self._ingest(path, source, progress, None, stages, attachment=name)
                     for name in self._attachments(path)]
            stages.report(everything=True)
            result = done.result()
            result.attachments = [f.result() for f in extra]
        if result.status != "failed":
            self._drop_gone_attachments(path, source)
        return result

    def _drop_gone_attachments(self, path: Path, source: str | None) -> None:
        """A changed mail may have lost attachments: their documents go with it."""
        try:
            mail = sanitize_source_name(source or path.name)
        except IngestError:
            return
        if Path(mail).suffix.lower() != ".eml":
            return
        keep = {attachment_source(mail, a) for a in self._attachments(path)}
        for doc in self.index.documents():
            if (doc.source.startswith(mail + SEPARATOR) and doc.source not in keep
                    and doc.path == str(path.resolve())):
                self.index.delete_document(doc.doc_id)

    def _attachments(self, path: Path) -> list[str]:
        return mail_attachments(path, max_file_mb=self.settings.limits.max_file_mb)

    def _items(self, files: Sequence[Path]) -> list[tuple[Path, str | None]]:
        """Files, each e-mail followed by its attachments (ingested as documents of their
        own, named "brief.eml › anhang.pdf")."""
        return [(f, name) for f in files for name in [None, *self._attachments(f)]]

    def _plan(self, path: Path, source: str | None, attachment: str | None = None) -> _Plan:
        src = sanitize_source_name(source or path.name)
        if attachment is not None:
            src = attachment_source(src, attachment)
        if not path.is_file():
            raise IngestError(str(path), "Datei nicht gefunden (file not found)")
        doc_id = doc_id_for(src)
        sha = file_sha256(path)
        return _Plan(src, doc_id, sha, self._version_prefix(doc_id, sha), attachment)

    def _skips(self, existing: DocumentRecord | None, plan: _Plan) -> bool:
        """True when the stored record already is this version (an unchanged file)."""
        return existing is not None and existing.chunk_prefix == plan.prefix

    def _parse(self, path: Path, plan: _Plan) -> _Parsed:
        """load → clean → chunk: needs only the file, so it can run ahead in a thread."""
        s, shown = self.settings, str(path)
        doc = load_file(path, max_file_mb=s.limits.max_file_mb, max_pages=s.limits.max_pages,
                        source=plan.source, max_unpacked_mb=s.limits.max_unpacked_mb,
                        attachment=plan.attachment,
                        pdf_password=s.ingest.pdf_password.get_secret_value() or None,
                        ocr=OcrOptions.from_settings(s, self.page_progress))
        clean = clean_pages(doc.pages)
        chunks = chunk_text(
            clean, doc_id=plan.doc_id, source=plan.source, id_prefix=plan.prefix,
            count_tokens=self.index.embedder.count_tokens,
            chunk_size=s.ingest.chunk_size, chunk_overlap=s.ingest.chunk_overlap,
        )
        if not chunks:
            raise IngestError(shown, "kein Text gefunden (no text found)")
        if len(chunks) > s.limits.max_chunks_per_file:
            raise LimitExceededError(
                shown,
                f"Datei ergibt {len(chunks)} Abschnitte; erlaubt sind höchstens "
                f"{s.limits.max_chunks_per_file} (RAG_MAX_CHUNKS_PER_FILE)",
                f"file yields {len(chunks)} chunks; at most {s.limits.max_chunks_per_file} allowed",
                name=plan.source)
        # A document without pages counts as one page (its blocks are sections).
        ocr = {p.number: p.ocr_confidence for p in doc.pages if p.ocr_confidence is not None}
        return _Parsed(plan, len(doc.pages) if doc.paged else 1, doc.warnings,
                       [with_ocr(with_page_breaks(c, clean), ocr) for c in chunks])

    def _parse_ahead(self, path: Path, attachment: str | None = None) -> _Parsed | None:
        """``_parse`` for a file the batch will reach next; None where it would be skipped
        (unchanged) or fail early, which ``_ingest`` then reports itself."""
        try:
            plan = self._plan(path, None, attachment)
            if self._skips(self.index.store.get_document(plan.doc_id), plan):
                return None
        except Exception:  # noqa: BLE001 - reported by _ingest in order
            return None
        return self._parse(path, plan)

    def _ingest(
        self, path: Path, source: str | None, progress: Progress | None,
        ahead: Future[_Parsed | None] | None, stages: _Stages, attachment: str | None = None,
    ) -> Future[FileResult]:
        """Queue the file's batches and then its switch on ``stages``; the returned future
        resolves once the file is live (or failed), so the next file's batches can queue up
        while this one's are still being embedded and written."""
        started = time.perf_counter()
        shown = str(path) if attachment is None else attachment_source(str(path), attachment)
        try:
            plan = self._plan(path, source, attachment)
            src, doc_id, prefix = plan.source, plan.doc_id, plan.prefix
            if stages.switching == doc_id:
                stages.wait()  # the same name again in this batch: see the earlier version
            existing = self.index.store.get_document(doc_id)
            if self._skips(existing, plan):
                if existing.path != str(path.resolve()):
                    stages.wait()  # registry changes stay on one thread at a time
                    self.index.update_record(replace(existing, path=str(path.resolve())))
                return _done(FileResult(shown, src, "unchanged", pages=existing.pages,
                                        chunks=existing.chunks))
            try:
                parsed = ahead.result() if ahead is not None else None
            except Exception:  # noqa: BLE001 - parsed again below: a lasting error is
                parsed = None  # reported as usual, one from an older file version not at all
            if parsed is None or parsed.plan != plan:  # not parsed ahead, or changed since
                parsed = self._parse(path, plan)
            writes = self._write(parsed.chunks, src, progress, stages)
        except Exception as exc:  # noqa: BLE001 - a bad file must never stop the batch
            return _done(_failed(path, exc, shown))

        def switch() -> FileResult:
            try:
                for w in writes:  # all done (one thread, in order); a failed one fails the file
                    w.result()
                record = DocumentRecord(
                    doc_id=doc_id, source=src, path=str(path.resolve()), version=plan.sha,
                    chunk_prefix=prefix, pages=parsed.pages, chunks=len(parsed.chunks),
                    ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    embedding_model=self.index.embedder.model_id,
                )
                self.index.activate(record)
            except Exception as exc:  # noqa: BLE001 - reported as this file's failure
                return _failed(path, exc, shown)
            return FileResult(shown, src, "replaced" if existing else "ingested",
                              pages=parsed.pages, chunks=len(parsed.chunks),
                              seconds=time.perf_counter() - started, warnings=parsed.warnings)

        return stages.then(switch, switching=doc_id)

    def _write(
        self, chunks: Sequence[Chunk], source: str, progress: Progress | None, stages: _Stages
    ) -> list[Future[None]]:
        """Queue the chunks batch by batch (sorted by length: padded batches cost less); a
        large file never holds all its embeddings at once. An error of an earlier batch of
        this file stops it here; the returned writes carry any later one."""
        order = sorted(range(len(chunks)), key=lambda i: len(chunks[i].text))
        writes: list[Future[None]] = []
        try:
            step = self.settings.ingest.batch_size
            for start in range(0, len(order), step):
                batch = [chunks[i] for i in order[start : start + step]]
                stages.make_room()
                for w in writes:
                    if w.done() and w.exception() is not None:
                        raise w.exception()  # type: ignore[misc]
                fraction = min(1.0, (start + len(batch)) / len(order))
                report = (lambda f=fraction: progress(source, f)) if progress else None
                writes.append(stages.add(batch, self.index.add_chunks, report))
        except BaseException:
            wait(writes)  # nothing of this file is still being written once it has failed
            raise
        return writes

    # --- a batch -------------------------------------------------------------------------
    def run(
        self,
        paths: Sequence[Path],
        *,
        prune: bool = False,
        progress: Progress | None = None,
        show_progress: bool = False,
    ) -> IngestReport:
        report = IngestReport(pruned_requested=prune)
        files = self._items(expand_paths(paths))
        # The lock first: a second writer is told "busy" before it loads the model.
        with store_write_lock(self.settings), self.index.write_lock():
            self.index.collect_garbage()
            bar = _bar(len(files), show_progress)
            # The next file is read and chunked in a thread while this one is embedded, and
            # its batches queue up behind this one's (see _Stages): parsing and writing are
            # single-threaded and the end of a file would otherwise leave a core idle.
            done: list[Future[FileResult]] = []
            with ThreadPoolExecutor(1, thread_name_prefix="ingest-parse") as parser, \
                    _Stages(self.index.embedder) as stages:
                ahead: Future[_Parsed | None] | None = None  # always for files[i]
                for i, (path, attachment) in enumerate(files):
                    mine, ahead = ahead, None
                    if i + 1 < len(files):
                        ahead = parser.submit(self._parse_ahead, *files[i + 1])
                    if bar is not None:
                        bar.set_postfix_str(path.name[:40])
                    done.append(self._ingest(path, None, progress, mine, stages,
                                             attachment=attachment))
                    if bar is not None:
                        done[-1].add_done_callback(lambda _: bar.update(1))
                stages.report(everything=True)
            report.results.extend(f.result() for f in done)
            for (path, attachment), result in zip(files, report.results, strict=True):
                if attachment is None and result.status != "failed":
                    self._drop_gone_attachments(path, None)
            if bar is not None:
                bar.close()
            if prune:
                for doc in self.index.documents():
                    if not Path(doc.path).exists():
                        self.index.delete_document(doc.doc_id)
                        report.results.append(FileResult(doc.path, doc.source, "pruned"))
        return report


def reindex(settings: Settings, extra_paths: Sequence[Path] = ()) -> list[Path]:
    """Drop the collection (any model) and return the files to ingest again."""
    # Under the write lock: dropping the collections under a running ingest would corrupt it.
    with store_write_lock(settings):
        known = [Path(d.path) for d in read_registry(settings) if Path(d.path).exists()]
        drop_collections(settings)
        kw_dir = keyword_dir(settings)
        if kw_dir.exists():
            shutil.rmtree(kw_dir)
    seen: dict[Path, None] = {}
    for p in [*known, *extra_paths]:
        seen.setdefault(p, None)
    return list(seen)


class _Stages:
    """The embedding and writing threads of one ingest, fed batch by batch in file order.

    A batch is embedded on the ``ingest-embed`` threads, then written on the one
    ``ingest-write`` thread, which also switches each file live after its batches, in the
    order queued. Up to ``DEPTH`` batches are in flight, so the next batch (often the next
    file's first) is already queued when one finishes and no core idles in between, while
    at most ``DEPTH`` batches' vectors are held at once. Embedders whose runs queue on their
    own fixed set of threads (``queues_runs``) get one embedding thread per batch in
    flight; others get one, so their threads are never oversubscribed.
    """

    DEPTH = 2

    def __init__(self, embedder: Any) -> None:
        self._embedder = embedder
        self._embed: ThreadPoolExecutor | None = None  # on first use: unchanged files
        self._write = ThreadPoolExecutor(1, thread_name_prefix="ingest-write")  # need no model
        self._in_flight: deque[Future[None]] = deque()
        self._reports: deque[tuple[Future[None], Callable[[], None]]] = deque()
        self._last: Future[Any] | None = None
        self.switching: str | None = None  # doc id of the newest queued switch

    def make_room(self) -> None:
        """Wait until another batch may be queued (its errors stay with its future)."""
        while len(self._in_flight) >= self.DEPTH:
            wait([self._in_flight.popleft()])
        self.report()

    def report(self, *, everything: bool = False) -> None:
        """Progress of the batches written so far (all of them: ``everything``), reported
        here on the calling thread (a UI may only be updated from its own)."""
        while self._reports and (everything or self._reports[0][0].done()):
            written, report = self._reports.popleft()
            wait([written])
            if written.exception() is None:
                report()

    def add(self, batch: list[Chunk], store: Callable[[list[Chunk], np.ndarray], None],
            report: Callable[[], None] | None = None) -> Future[None]:
        if self._embed is None:
            threads = self.DEPTH if getattr(self._embedder, "queues_runs", False) else 1
            self._embed = ThreadPoolExecutor(threads, thread_name_prefix="ingest-embed")
        vectors = self._embed.submit(self._embedder.embed_documents, [c.text for c in batch])
        written = self._write.submit(lambda: store(batch, vectors.result()))
        self._in_flight.append(written)
        self._last = written
        if report is not None:
            self._reports.append((written, report))
        return written

    def then(self, fn: Callable[[], FileResult], *, switching: str) -> Future[FileResult]:
        """Run ``fn`` on the writer thread after everything queued so far."""
        self._last = done = self._write.submit(fn)
        self.switching = switching
        return done

    def wait(self) -> None:
        """Until everything queued so far is done (its errors stay with its future)."""
        if self._last is not None:
            wait([self._last])

    def __enter__(self) -> _Stages:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        # On an interrupt, queued batches are dropped; the running ones finish first.
        cancel = exc_type is not None
        if self._embed is not None:
            self._embed.shutdown(wait=True, cancel_futures=cancel)
        self._write.shutdown(wait=True, cancel_futures=cancel)


def _done(result: FileResult) -> Future[FileResult]:
    f: Future[FileResult] = Future()
    f.set_result(result)
    return f


def _failed(path: Path, exc: Exception, shown: str | None = None) -> FileResult:
    shown = shown or str(path)
    name = Path(shown).name
    if isinstance(exc, IngestError):
        return FileResult(shown, name, "failed", error=_one_line(exc, path))
    log.error("ingest of %s failed", shown, exc_info=exc)
    return FileResult(shown, name, "failed",
                      error=f"{name}: unerwarteter Fehler (unexpected error): "
                            f"{type(exc).__name__}: {exc}")


def _one_line(exc: IngestError, path: Path) -> str:
    msg = " ".join(str(exc).split())
    return msg if path.name in msg else f"{path.name}: {msg}"


def _bar(total: int, show: bool) -> Any:
    if not show or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="Datei", file=sys.stderr, desc="Ingest")
