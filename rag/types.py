"""Plain data types shared by ingest/, rag/ and ui/."""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


def version_prefix(chunk_id: str) -> str:
    """``doc_id:version`` part of a chunk id (``doc_id:version:index``)."""
    return chunk_id.rsplit(":", 1)[0]


@dataclass(frozen=True)
class PageText:
    """Raw text of one page; ``number`` is 1-based (text files are one page)."""

    number: int
    text: str
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


@dataclass
class CleanText:
    """Cleaned document text with the page of every character.

    ``page_spans`` holds ``(page_number, start, end)`` char ranges of ``text`` in order;
    the separators between pages belong to the page before them.
    """

    text: str
    page_spans: list[tuple[int, int, int]]

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


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    page: int
    text: str  # the cited passage
    chunk_id: str = ""
    quote: str = ""  # the sentence the answer took from it (extractive), for highlighting
    ocr_confidence: float | None = None  # set when the passage was read by OCR (0-100)

    @property
    def ocr_label(self) -> str:
        return "" if self.ocr_confidence is None else f"OCR, {self.ocr_confidence:.0f} %"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n, "source": self.source, "page": self.page,
                               "text": self.text}
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
