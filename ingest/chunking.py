"""Sentence-aware chunks of at most ``chunk_size`` tokens, with exact offsets and pages.

Sentences (ingest.sentences) are the units; a sentence longer than ``chunk_size`` is cut
into pieces first (RecursiveCharacterTextSplitter with the same token counter). Units are
packed greedily like langchain's ``_merge_splits`` (a new chunk keeps the trailing units of
the previous one that fit into ``chunk_overlap``), but on char spans with each unit's tokens
counted once, so every chunk is an exact slice of the text and packing stays linear.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.documents import Document
from langchain_text_splitters import RecursiveCharacterTextSplitter, TextSplitter

from ingest.errors import LimitExceededError
from rag.text.sentences import split_sentences
from rag.types import Chunk, CleanText


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int


class GermanSentenceTextSplitter(TextSplitter):
    """LangChain text splitter that cuts between German sentences.

    ``length_function`` counts tokens (e.g. of the embedding model's tokenizer); chunks
    never exceed ``chunk_size`` of it (each chunk is checked with one exact count).
    """

    def __init__(
        self,
        chunk_size: int = 200,
        chunk_overlap: int = 30,
        length_function: Callable[[str], int] = len,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            chunk_size=chunk_size,
            chunk_overlap=chunk_overlap,
            length_function=length_function,
            **kwargs,
        )
        self._pieces = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size,
            chunk_overlap=0,
            length_function=length_function,
            separators=["\n", "; ", ": ", ", ", " ", ""],
            keep_separator="end",
        )

    def split_text(self, text: str) -> list[str]:
        return [text[a:b] for a, b in self.split_spans(text)]

    def create_documents(
        self, texts: list[str], metadatas: list[dict[Any, Any]] | None = None
    ) -> list[Document]:
        # The base class finds start_index with str.find from an offset computed with
        # chunk_overlap as characters; with token overlap and repeated text that is wrong.
        documents: list[Document] = []
        for i, text in enumerate(texts):
            base = metadatas[i] if metadatas else {}
            for a, b in self.split_spans(text):
                metadata = copy.deepcopy(base)
                if self._add_start_index:
                    metadata["start_index"] = a
                documents.append(Document(page_content=text[a:b], metadata=metadata))
        return documents

    def split_spans(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` char spans of the chunks of ``text``, in order."""
        return self._pack(text, self._units(text))

    # --- units ------------------------------------------------------------------------

    def _units(self, text: str) -> list[_Unit]:
        units: list[_Unit] = []
        for a, b in split_sentences(text):
            n = self._length_function(text[a:b])
            if n <= self._chunk_size:
                units.append(_Unit(a, b, n))
            else:
                units.extend(self._split_long(text, a, b))
        return units

    def _split_long(self, text: str, a: int, b: int) -> list[_Unit]:
        sentence = text[a:b]
        units: list[_Unit] = []
        cursor = 0
        for piece in self._pieces.split_text(sentence):
            i = sentence.find(piece, cursor)
            if i < 0:  # the splitter changed the text; fall back to plain cuts of the rest
                return units + self._hard_split(text, a + cursor, b)
            cursor = i + len(piece)
            n = self._length_function(piece)
            if n <= self._chunk_size:
                units.append(_Unit(a + i, a + cursor, n))
            else:
                units.extend(self._hard_split(text, a + i, a + cursor))
        return units

    def _hard_split(self, text: str, a: int, b: int) -> list[_Unit]:
        """Longest prefixes that fit (binary search); for text without usable separators."""
        units: list[_Unit] = []
        while a < b:
            while a < b and text[a].isspace():
                a += 1
            if a >= b:
                break
            lo, hi = a + 1, b
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if self._length_function(text[a:mid]) <= self._chunk_size:
                    lo = mid
                else:
                    hi = mid - 1
            end = lo
            while end > a and text[end - 1].isspace():
                end -= 1
            if end > a:
                units.append(_Unit(a, end, self._length_function(text[a:end])))
            a = lo
        return units

    # --- packing ----------------------------------------------------------------------

    def _pack(self, text: str, units: list[_Unit]) -> list[tuple[int, int]]:
        size, overlap = self._chunk_size, self._chunk_overlap
        spans: list[tuple[int, int]] = []
        start, n_units = 0, len(units)
        while start < n_units:
            end, total = start + 1, units[start].tokens
            while end < n_units and total + units[end].tokens <= size:
                total += units[end].tokens
                end += 1
            # Unit counts add up exactly for tokenizers that split at whitespace, but not
            # for every counter: check the real chunk and give back units until it fits.
            while end - start > 1 and self._length_function(
                text[units[start].start : units[end - 1].end]
            ) > size:
                end -= 1
            spans.append((units[start].start, units[end - 1].end))
            if end >= n_units:
                break
            # Next chunk starts with the trailing units that fit into the overlap and still
            # leave room for the next new unit; always at least one unit further.
            k, carried = end, 0
            while (
                k - 1 > start
                and carried + units[k - 1].tokens <= overlap
                and carried + units[k - 1].tokens + units[end].tokens <= size
            ):
                k -= 1
                carried += units[k].tokens
            start = k
        return spans


def chunk_text(
    clean: CleanText,
    *,
    doc_id: str,
    source: str,
    id_prefix: str,
    count_tokens: Callable[[str], int],
    chunk_size: int,
    chunk_overlap: int,
    max_chunks: int | None = None,
) -> list[Chunk]:
    """Cut a cleaned document into chunks with ids, exact char offsets and pages.

    ``clean.text[c.char_start:c.char_end] == c.text`` for every chunk. Raises
    LimitExceededError when ``max_chunks`` is given and exceeded.
    """
    splitter = GermanSentenceTextSplitter(
        chunk_size=chunk_size, chunk_overlap=chunk_overlap, length_function=count_tokens
    )
    spans = splitter.split_spans(clean.text)
    if max_chunks is not None and len(spans) > max_chunks:
        raise LimitExceededError(
            source,
            f"Dokument ergibt {len(spans)} Abschnitte; erlaubt sind höchstens {max_chunks}",
            f"document yields {len(spans)} chunks; at most {max_chunks} allowed",
        )
    chunks: list[Chunk] = []
    for index, (a, b) in enumerate(spans):
        text = clean.text[a:b]
        chunks.append(
            Chunk(
                chunk_id=f"{id_prefix}:{index}",
                doc_id=doc_id,
                source=source,
                text=text,
                page_start=clean.page_at(a),
                page_end=clean.page_at(b - 1),
                char_start=a,
                char_end=b,
                chunk_index=index,
                content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                sections=clean.sections_in(a, b),
            )
        )
    return chunks
