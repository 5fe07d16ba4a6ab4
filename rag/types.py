"""Plain data types shared by ingest/, rag/ and ui/."""

from __future__ import annotations

import bisect
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


def version_prefix(chunk_id: str) -> str:
    """``doc_id:version`` part of a chunk id (``doc_id:version:index``)."""
    return chunk_id.rsplit(":", 1)[0]


@dataclass(frozen=True)
class PageText:
    """Raw text of one page; ``number`` is 1-based (text files are one page).

    Formats without pages (DOCX, ODT, HTML, e-mail) give one "page" per paragraph, heading
    or table row, all numbered 1, each with its citation label in ``section``
    ("Abschnitt 3.2, Absatz 4").
    """

    number: int
    text: str
    section: str = ""
    # Mean word confidence (0-100) when the text came from OCR; None for a text layer.
    ocr_confidence: float | None = None


@dataclass
class LoadedDocument:
    """A file as read from disk, before cleanup."""

    path: Path
    source: str  # sanitised file name shown to users and used in citations
    sha256: str  # of the file bytes; the document's version
    pages: list[PageText]
    warnings: list[str] = field(default_factory=list)
    # E-mail: names of the attachments, each ingested as its own document.
    attachments: list[str] = field(default_factory=list)

    @property
    def paged(self) -> bool:
        """False for formats cited by section instead of page."""
        return not any(p.section for p in self.pages)


@dataclass
class CleanText:
    """Cleaned document text with the page of every character.

    ``page_spans`` holds ``(page_number, start, end)`` char ranges of ``text`` in order;
    the separators between pages belong to the page before them.
    """

    text: str
    page_spans: list[tuple[int, int, int]]
    # Non-paged formats: ``(label, start, end)`` char ranges, like ``page_spans``.
    section_spans: list[tuple[str, int, int]] = field(default_factory=list)

    def sections_in(self, start: int, end: int) -> str:
        """The ``Chunk.sections`` value for the chunk ``text[start:end]``."""
        marks = [(max(s - start, 0), label) for label, s, e in self.section_spans
                 if s < end and e > start]
        return json.dumps(marks, ensure_ascii=False) if marks else ""

    def page_at(self, offset: int) -> int:
        starts = [s for _, s, _ in self.page_spans]
        i = max(bisect.bisect_right(starts, offset) - 1, 0)
        return self.page_spans[i][0]


@dataclass(frozen=True)
class Chunk:
    """One retrievable unit of a document, with everything a citation needs."""

    chunk_id: str
    doc_id: str
    source: str
    text: str
    page_start: int
    page_end: int
    char_start: int
    char_end: int
    chunk_index: int
    content_hash: str
    # Where pages change inside the chunk: "offset:page;offset:page" (offsets relative to
    # the chunk text), so a quoted sentence can be cited with its own page.
    page_breaks: str = ""
    # Formats without pages: JSON list of [offset, label] (offsets relative to the chunk
    # text), e.g. [[0, "Abschnitt 2, Absatz 1"], [180, "Abschnitt 2, Absatz 2"]]; citations
    # name the section instead of a page. Empty for paged documents.
    sections: str = ""

    @property
    def section(self) -> str | None:
        """Citation label of the chunk's start; None for paged documents."""
        return self.section_of(0)

    def section_of(self, offset: int) -> str | None:
        if not self.sections:
            return None
        marks = json.loads(self.sections)
        label = marks[0][1]
        for off, lab in marks:
            if offset >= off:
                label = lab
        return label

    @property
    def where(self) -> str:
        """"Seite 3" or "Abschnitt 3.2, Absatz 4", for display."""
        return self.section or f"Seite {self.page_start}"

    def section_labels(self) -> list[str]:
        return [lab for _, lab in json.loads(self.sections)] if self.sections else []
    # Text read by OCR (some page of the chunk), with the engine's mean confidence (0-100)
    # over those pages; stored as chunk metadata, shown in citations as "(OCR, 93 %)".
    ocr: bool = False
    ocr_confidence: float = 0.0

    @property
    def version_prefix(self) -> str:
        """``doc_id:version`` part of the id; the registry activates one prefix per doc."""
        return version_prefix(self.chunk_id)

    def page_of(self, offset: int) -> int:
        page = self.page_start
        for item in filter(None, self.page_breaks.split(";")):
            off, pg = item.split(":")
            if offset >= int(off):
                page = int(pg)
        return page

    @property
    def ocr_label(self) -> str:
        """ "OCR, 93 %" for OCR'd text, else ""."""
        return f"OCR, {self.ocr_confidence:.0f} %" if self.ocr else ""

    def metadata(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("text")
        return d

    @classmethod
    def from_record(cls, text: str, metadata: dict[str, Any]) -> Chunk:
        names = cls.__dataclass_fields__
        return cls(text=text, **{k: v for k, v in metadata.items() if k in names and k != "text"})


@dataclass(frozen=True)
class SearchHit:
    chunk: Chunk
    score: float  # higher is better; cosine similarity for dense search

    def to_json(self, rank: int) -> dict[str, Any]:
        """One row of `rag search --json` (and POST /v1/search)."""
        section = self.chunk.section
        # Formats without pages (DOCX, HTML, ...) are cited by section instead.
        return {"rank": rank, "score": round(self.score, 4), "source": self.chunk.source,
                "page": None if section else self.chunk.page_start,
                **({"section": section} if section else {}),
                "text": self.chunk.text, "chunk_id": self.chunk.chunk_id,
                # Passages read by OCR say so, with the engine's mean confidence.
                **({"ocr": {"engine": "tesseract", "confidence": self.chunk.ocr_confidence}}
                   if self.chunk.ocr else {})}


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    page: int
    text: str  # the cited passage
    chunk_id: str = ""
    quote: str = ""  # the sentence the answer took from it (extractive), for highlighting
    section: str | None = None  # formats without pages: "Abschnitt 3.2, Absatz 4"
    ocr_confidence: float | None = None  # set when the passage was read by OCR (0-100)

    @property
    def where(self) -> str:
        """"Seite 3" or "Abschnitt 3.2, Absatz 4", for display."""
        return self.section or f"Seite {self.page}"

    @property
    def ocr_label(self) -> str:
        return "" if self.ocr_confidence is None else f"OCR, {self.ocr_confidence:.0f} %"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n, "source": self.source, "page": self.page,
                               "text": self.text}
        if self.section:
            out = {"n": self.n, "source": self.source, "page": None,
                   "section": self.section, "text": self.text}
        if self.ocr_confidence is not None:
            out["ocr"] = {"engine": "tesseract", "confidence": self.ocr_confidence}
        return out


@dataclass
class Answer:
    """What every answering backend returns (extractive, transformers, openai)."""

    answer: str
    answerable: bool
    citations: list[Citation]
    retrieved: list[SearchHit] = field(default_factory=list)
    unknown_markers: list[int] = field(default_factory=list)
    backend: str = ""
    # How well the retrieved passages support an answer, 0..1 (the answerability model,
    # rag/components/llm/answerability.py); None where it was not assessed.
    confidence: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "answerable": self.answerable,
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "citations": [c.to_json() for c in self.citations],
        }
