"""Ingest files into the index: load → clean → chunk → embed → write → switch.

Incremental: an unchanged file (same bytes, same model and chunking) is a no-op; a changed
file gets a new version whose chunks are written before the registry switches to it.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ingest.chunking import chunk_text
from ingest.cleanup import clean_pages
from ingest.errors import IngestError, LimitExceededError
from ingest.loaders import load_file, sanitize_source_name
from rag.components.store import DocumentRecord, DuplicatePolicy
from rag.index import Index, store_write_lock
from rag.settings import Settings, get_settings
from rag.types import Chunk, CleanText

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".pdf", ".txt", ".md")
EMBED_BATCH = 64

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


def doc_id_for(source: str) -> str:
    """Documents are identified by their (sanitised) file name, case-insensitively."""
    return hashlib.sha1(source.casefold().encode("utf-8")).hexdigest()[:16]


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


@dataclass(frozen=True)
class _Plan:
    """What a file's ingest is keyed by: its name, id and version."""

    source: str
    doc_id: str
    sha: str
    prefix: str  # chunk-id prefix of this version (see Ingestor._version_prefix)


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
        policy: DuplicatePolicy = DuplicatePolicy.SKIP,
    ) -> None:
        self.settings = settings or get_settings()
        self._index = index
        self.policy = policy

    @property
    def index(self) -> Index:
        if self._index is None:
            self._index = Index(self.settings)
        return self._index

    def _version_prefix(self, doc_id: str, sha: str) -> str:
        # Same prefix <=> identical chunks (same bytes, model and chunking), so a rewrite
        # with an equal prefix can never expose a mix of two different versions.
        params = f"{self.index.embedder.model_id}|{self.settings.chunk_size}|" \
                 f"{self.settings.chunk_overlap}"
        return f"{doc_id}:{sha[:12]}{hashlib.sha1(params.encode()).hexdigest()[:4]}"

    # --- one file ------------------------------------------------------------------------
    def ingest_file(
        self, path: Path, *, source: str | None = None, progress: Progress | None = None
    ) -> FileResult:
        return self._ingest(path, source, progress, ahead=None)

    def _plan(self, path: Path, source: str | None) -> _Plan:
        src = sanitize_source_name(source or path.name)
        if not path.is_file():
            raise IngestError(str(path), "Datei nicht gefunden (file not found)")
        doc_id = doc_id_for(src)
        sha = file_sha256(path)
        return _Plan(src, doc_id, sha, self._version_prefix(doc_id, sha))

    def _skips(self, existing: DocumentRecord | None, plan: _Plan) -> bool:
        """True when the stored record already is this version and the policy skips it."""
        return (existing is not None and existing.chunk_prefix == plan.prefix
                and self.policy is DuplicatePolicy.SKIP)

    def _parse(self, path: Path, plan: _Plan) -> _Parsed:
        """load → clean → chunk: needs only the file, so it can run ahead in a thread."""
        s, shown = self.settings, str(path)
        doc = load_file(path, max_file_mb=s.max_file_mb, max_pages=s.max_pages,
                        source=plan.source,
                        pdf_password=s.pdf_password.get_secret_value() or None)
        clean = clean_pages(doc.pages)
        chunks = chunk_text(
            clean, doc_id=plan.doc_id, source=plan.source, id_prefix=plan.prefix,
            count_tokens=self.index.embedder.count_tokens,
            chunk_size=s.chunk_size, chunk_overlap=s.chunk_overlap,
        )
        if not chunks:
            raise IngestError(shown, "kein Text gefunden (no text found)")
        if len(chunks) > s.max_chunks_per_file:
            raise LimitExceededError(
                shown,
                f"Datei ergibt {len(chunks)} Abschnitte; erlaubt sind höchstens "
                f"{s.max_chunks_per_file} (RAG_MAX_CHUNKS_PER_FILE)",
                f"file yields {len(chunks)} chunks; at most {s.max_chunks_per_file} allowed",
                name=plan.source)
        return _Parsed(plan, len(doc.pages), doc.warnings,
                       [with_page_breaks(c, clean) for c in chunks])

    def _parse_ahead(self, path: Path) -> _Parsed | None:
        """``_parse`` for a file the batch will reach next; None where it would be skipped
        (unchanged) or fail early, which ``_ingest`` then reports itself."""
        try:
            plan = self._plan(path, None)
            if self._skips(self.index.store.get_document(plan.doc_id), plan):
                return None
        except Exception:  # noqa: BLE001 - reported by _ingest in order
            return None
        return self._parse(path, plan)

    def _ingest(
        self, path: Path, source: str | None, progress: Progress | None,
        ahead: Future[_Parsed | None] | None,
    ) -> FileResult:
        started = time.perf_counter()
        shown = str(path)
        try:
            plan = self._plan(path, source)
            src, doc_id, prefix = plan.source, plan.doc_id, plan.prefix
            existing = self.index.store.get_document(doc_id)
            if existing is not None and self.policy is DuplicatePolicy.FAIL:
                raise IngestError(shown, f"'{src}' ist schon im Speicher (already stored)")
            if existing is not None and self._skips(existing, plan):
                if existing.path != str(path.resolve()):
                    self.index.update_record(replace(existing, path=str(path.resolve())))
                return FileResult(shown, src, "unchanged", pages=existing.pages,
                                  chunks=existing.chunks)
            try:
                parsed = ahead.result() if ahead is not None else None
            except Exception:  # noqa: BLE001 - parsed again below: a lasting error is
                parsed = None  # reported as usual, one from an older file version not at all
            if parsed is None or parsed.plan != plan:  # not parsed ahead, or changed since
                parsed = self._parse(path, plan)
            self._write(parsed.chunks, src, progress)
            record = DocumentRecord(
                doc_id=doc_id, source=src, path=str(path.resolve()), version=plan.sha,
                chunk_prefix=prefix, pages=parsed.pages, chunks=len(parsed.chunks),
                ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
                embedding_model=self.index.embedder.model_id,
            )
            self.index.activate(record)
            return FileResult(shown, src, "replaced" if existing else "ingested",
                              pages=parsed.pages, chunks=len(parsed.chunks),
                              seconds=time.perf_counter() - started, warnings=parsed.warnings)
        except IngestError as exc:
            return FileResult(shown, path.name, "failed", error=_one_line(exc, path))
        except Exception as exc:  # a bad file must never stop the batch
            log.exception("ingest of %s failed", path)
            return FileResult(shown, path.name, "failed",
                              error=f"{path.name}: unerwarteter Fehler (unexpected error): "
                                    f"{type(exc).__name__}: {exc}")

    def _write(self, chunks: Sequence[Chunk], source: str, progress: Progress | None) -> None:
        # Sorting by length makes padded batches cheaper; chunks are written batch by batch
        # so a large file never holds all its embeddings at once.
        # A batch is written in a thread while the next one is embedded (the writes are
        # mostly single-threaded); at most one write is in flight, and its error surfaces.
        order = sorted(range(len(chunks)), key=lambda i: len(chunks[i].text))
        with ThreadPoolExecutor(1, thread_name_prefix="ingest-write") as writer:
            pending: Future[None] | None = None
            for start in range(0, len(order), EMBED_BATCH):
                batch = [chunks[i] for i in order[start : start + EMBED_BATCH]]
                vecs = self.index.embedder.embed_documents([c.text for c in batch])
                if pending is not None:
                    pending.result()
                pending = writer.submit(self.index.add_chunks, batch, vecs)
                if progress:
                    progress(source, min(1.0, (start + len(batch)) / len(order)))
            if pending is not None:
                pending.result()

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
        files = expand_paths(paths)
        # The lock first: a second writer is told "busy" before it loads the model.
        with store_write_lock(self.settings), self.index.write_lock():
            self.index.collect_garbage()
            bar = _bar(len(files), show_progress)
            # The next file is read and chunked in a thread while this one is embedded:
            # parsing is single-threaded Python and would otherwise leave a core idle.
            with ThreadPoolExecutor(1, thread_name_prefix="ingest-parse") as parser:
                ahead: Future[_Parsed | None] | None = None  # always for files[i]
                for i, path in enumerate(files):
                    mine, ahead = ahead, None
                    if i + 1 < len(files):
                        ahead = parser.submit(self._parse_ahead, files[i + 1])
                    if bar is not None:
                        bar.set_postfix_str(path.name[:40])
                    report.results.append(self._ingest(path, None, progress, mine))
                    if bar is not None:
                        bar.update(1)
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
    from rag.components.store.chroma import drop_collections, read_registry

    # Under the write lock: dropping the collections under a running ingest would corrupt it.
    with store_write_lock(settings):
        known = [Path(d.path) for d in read_registry(settings) if Path(d.path).exists()]
        drop_collections(settings)
        kw_dir = settings.store_dir / "keyword" / settings.collection
        if kw_dir.exists():
            import shutil

            shutil.rmtree(kw_dir)
    seen: dict[Path, None] = {}
    for p in [*known, *extra_paths]:
        seen.setdefault(p, None)
    return list(seen)


def _one_line(exc: IngestError, path: Path) -> str:
    msg = " ".join(str(exc).split())
    return msg if path.name in msg else f"{path.name}: {msg}"


def _bar(total: int, show: bool) -> Any:
    if not show or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="Datei", file=sys.stderr, desc="Ingest")
