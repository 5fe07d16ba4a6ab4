"""Turn a generated answer into verified citations.

Markers look like ``[1]``, ``[1, 2]``, ``[1][3]``, ``[2-4]`` or ``[Quelle 2]``. Each number
must name one of the sources the prompt showed; markers for numbers that were not shown are
removed from the text and reported. Only sources the answer actually cites become citations.
An answer that is the refusal sentence is not answerable and cites nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.settings import REFUSAL
from rag.types import Answer, Citation, SearchHit

_NUM_LIST = r"\d+(?:\s*[-–]\s*\d+)?(?:\s*[,;]\s*(?:und\s+)?\d+(?:\s*[-–]\s*\d+)?)*"
MARKER = re.compile(rf"\[\s*(?:Quellen?\s*(?:Nr\.?\s*)?)?({_NUM_LIST})\s*\]", re.IGNORECASE)
_MAX_RANGE = 50  # "[1-9999]" is a typo, not a citation of 9999 sources


def marker_numbers(inner: str) -> list[int]:
    """``"1, 3-5"`` -> ``[1, 3, 4, 5]``."""
    out: list[int] = []
    for part in re.split(r"\s*[,;]\s*(?:und\s+)?", inner.strip()):
        span = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", part)
        if span:
            lo, hi = int(span[1]), int(span[2])
            out.extend(range(lo, hi + 1) if 0 <= hi - lo <= _MAX_RANGE else [lo, hi])
        else:
            out.append(int(part))
    return out


def find_markers(text: str) -> list[int]:
    """All cited numbers in order of first appearance."""
    seen: list[int] = []
    for m in MARKER.finditer(text):
        for n in marker_numbers(m.group(1)):
            if n not in seen:
                seen.append(n)
    return seen


def _tidy(text: str) -> str:
    """Spaces left behind by removed markers: "Monate [9]." -> "Monate."."""
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()


def strip_markers(text: str) -> str:
    """The text without any citation markers."""
    return _tidy(MARKER.sub("", text))


def _normalise(text: str) -> str:
    text = MARKER.sub(" ", text)
    text = re.sub(r"[\"'„“”‚‘’«»*_]", "", text)
    return " ".join(text.lower().split()).strip(" .!:")


_REFUSAL_NORM = _normalise(REFUSAL)


def is_refusal(text: str) -> bool:
    """True when the answer says the sources do not answer the question.

    Exactly the refusal sentence (ignoring case, quotes, markup and markers), or a text that
    contains it and cites no source: a model that adds a polite sentence still refused.
    """
    norm = _normalise(text)
    if norm == _REFUSAL_NORM:
        return True
    return _REFUSAL_NORM in norm and not find_markers(text)


@dataclass
class CitationResult:
    text: str  # the answer with unknown markers removed
    citations: list[Citation]
    unknown: list[int] = field(default_factory=list)
    refusal: bool = False


def _clean_marker(match: re.Match[str], valid: set[int]) -> str:
    nums = marker_numbers(match.group(1))
    keep = [n for n in nums if n in valid]
    if keep == nums:
        return match.group(0)
    return f"[{', '.join(str(n) for n in dict.fromkeys(keep))}]" if keep else ""


def resolve_citations(text: str, sources: Sequence[SearchHit]) -> CitationResult:
    """Check the markers in ``text`` against ``sources`` (``sources[i]`` is ``[i + 1]``)."""
    text = text.strip()
    if is_refusal(text):
        return CitationResult(REFUSAL, [], [], refusal=True)
    valid = set(range(1, len(sources) + 1))
    cited = find_markers(text)
    unknown = [n for n in cited if n not in valid]
    if unknown:
        text = _tidy(MARKER.sub(lambda m: _clean_marker(m, valid), text))
    citations = []
    for n in sorted(n for n in cited if n in valid):
        chunk = sources[n - 1].chunk
        citations.append(Citation(n=n, source=chunk.source, page=chunk.page_start,
                                  text=chunk.text, chunk_id=chunk.chunk_id,
                                  section=chunk.section,

                                  ocr_confidence=chunk.ocr_confidence if chunk.ocr else None))
    return CitationResult(text, citations, unknown)


def to_answer(text: str, sources: Sequence[SearchHit], *, retrieved: Sequence[SearchHit],
              backend: str) -> Answer:
    """The :class:`Answer` for a generated ``text`` over the prompt's ``sources``."""
    r = resolve_citations(text, sources)
    return Answer(
        answer=r.text, answerable=not r.refusal, citations=r.citations,
        retrieved=list(retrieved), unknown_markers=r.unknown, backend=backend,
    )


def _short(where: str) -> str:
    """"Seite 3" -> "S. 3"; a section label stays as it is."""
    return where.replace("Seite ", "S. ", 1) if where.startswith("Seite ") else where


def format_sources(answer: Answer) -> str:
    """The sources under an answer, for people (CLI, chat endpoint): file and page/section."""
    lines = [f"[{c.n}] {c.source}, {_short(c.where)}" for c in answer.citations]
    if lines:
        return "Quellen:\n" + "\n".join(lines)
    if answer.answerable and answer.retrieved:
        # A generated answer without [n] markers: name what it was based on, as such.
        found = [f"- {h.chunk.source}, {_short(h.chunk.where)}" for h in answer.retrieved[:3]]
        return ("Hinweis: Das Modell hat keine Quelle zitiert. Gefundene Passagen:\n"
                + "\n".join(found))
    if not answer.answerable and answer.retrieved:
        # A refusal still points to the closest passages, marked as such.
        near = [f"- {h.chunk.source}, {_short(h.chunk.where)}" for h in answer.retrieved[:3]]
        return "Vielleicht hilfreich:\n" + "\n".join(near)
    return ""
