"""Retrieval check for the UI's quality page: gold questions against the live index.

Gold files use corpora/qa.jsonl's format, one JSON object per line:
``{"question", "doc", "page", "answer", "kind"}``. A hit is correct when it comes from
``doc`` and its page range contains ``page``. Documents without pages (DOCX, ODT, HTML,
e-mail) give ``"page": null`` and ``"section"`` instead (e.g. "§ 2, Tabelle 1, Zeile 2"):
a hit is correct when it covers that section (or a part of it: "§ 2" matches "§ 2,
Absatz 1"). Unanswerable rows (``kind == "unanswerable"`` or no ``doc``) have no gold
passage and are skipped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rag.types import SearchHit

K_VALUES = (1, 3, 5, 10)


class Searchable(Protocol):
    def search(self, query: str, k: int | None = None, *, filters: Any = None
               ) -> list[SearchHit]: ...


@dataclass(frozen=True)
class GoldItem:
    question: str
    doc: str
    page: int  # 0 where the gold is a section
    id: str = ""
    kind: str = ""
    section: str = ""


@dataclass(frozen=True)
class QuestionResult:
    item: GoldItem
    rank: int | None  # 1-based rank of the first correct hit within the searched depth
    top_source: str = ""
    top_page: int = 0
    top_section: str = ""  # documents without pages


@dataclass
class CheckResult:
    recall: dict[int, float]  # R@k: share of questions with a correct hit in the top k
    mrr: float  # MRR@10
    questions: list[QuestionResult]
    skipped: int = 0  # unanswerable rows

    @property
    def n(self) -> int:
        return len(self.questions)


class GoldFormatError(ValueError):
    pass


def load_gold(lines: Iterable[str]) -> tuple[list[GoldItem], int]:
    """Parse gold lines; returns (answerable items, number of skipped unanswerable rows)."""
    items: list[GoldItem] = []
    skipped = 0
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldFormatError(f"Zeile {no}: kein gültiges JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or not str(row.get("question", "")).strip():
            raise GoldFormatError(f"Zeile {no}: Objekt mit Feld 'question' erwartet")
        if row.get("kind") == "unanswerable" or not row.get("doc"):
            skipped += 1
            continue
        section = str(row.get("section") or "")
        try:
            page = 0 if section and row.get("page") is None else int(row["page"])
        except (KeyError, TypeError, ValueError) as exc:
            raise GoldFormatError(
                f"Zeile {no}: Feld 'page' (Seitenzahl) oder 'section' fehlt") from exc
        items.append(GoldItem(str(row["question"]).strip(), str(row["doc"]), page,
                              str(row.get("id", "")), str(row.get("kind", "")), section))
    return items, skipped


def in_section(label: str, gold: str) -> bool:
    """``label`` is the gold section or a part of it ("§ 2, Absatz 1" is in "§ 2")."""
    return label == gold or label.startswith(gold + ",")


def is_gold(hit: SearchHit, item: GoldItem) -> bool:
    c = hit.chunk
    if c.source != item.doc:
        return False
    if item.section:
        return any(in_section(label, item.section) for label in c.section_labels())
    return c.page_start <= item.page <= c.page_end


def first_correct_rank(hits: Sequence[SearchHit], item: GoldItem) -> int | None:
    return next((i for i, h in enumerate(hits, start=1) if is_gold(h, item)), None)


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else math.nan


def mrr_at(ranks: Sequence[int | None], k: int = 10) -> float:
    if not ranks:
        return math.nan
    return sum(1.0 / r for r in ranks if r is not None and r <= k) / len(ranks)


def run_check(
    index: Searchable, items: Sequence[GoldItem], *, depth: int = max(K_VALUES),
    skipped: int = 0, progress: Callable[[int, int], None] | None = None,
) -> CheckResult:
    """Search every gold question ``depth`` deep; ``progress(done, total)`` after each."""
    results: list[QuestionResult] = []
    for done, item in enumerate(items, start=1):
        hits = index.search(item.question, depth)
        top = hits[0].chunk if hits else None
        results.append(QuestionResult(item, first_correct_rank(hits, item),
                                      top.source if top else "", top.page_start if top else 0,
                                      (top.section or "") if top else ""))
        if progress:
            progress(done, len(items))
    ranks = [r.rank for r in results]
    return CheckResult(
        recall={k: recall_at(ranks, k) for k in K_VALUES if k <= depth},
        mrr=mrr_at(ranks, 10),
        questions=results,
        skipped=skipped,
    )
