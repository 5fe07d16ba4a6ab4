"""``rag eval answers``: how good the answer a user reads is, per question kind.

For a gold file in corpora/qa.jsonl's format (the documents beside it are ingested into a
scratch store) every question is answered with the configured backend and checked:

* answered: not refused (answerable rows);
* in_answer: the gold answer text occurs in the answer (both normalised);
* in_first: ... in the first quoted sentence („…“), the whole answer if nothing is quoted;
* page_cited: a citation names the gold file and page;
* refused: the exact refusal sentence (unanswerable rows).

``--split fit|test`` keeps only rows of that split (the test part is never used to fit).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rag.answering import answer_question
from rag.eval.qa_check import in_section
from rag.eval.retrieval import ingest_corpus, scratch_settings
from rag.index import Index
from rag.settings import Settings, get_settings
from rag.types import Answer, Citation

_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
_QUOTE = re.compile(r"„(.+?)“")


def normalise(text: str) -> str:
    """For containment checks: NFC, ligatures, no bold markers, table cell separators or
    hyphenated line ends, lower case, one space."""
    text = unicodedata.normalize("NFC", text)
    for lig, plain in _LIGATURES.items():
        text = text.replace(lig, plain)
    text = text.replace("**", "").replace("|", " ")  # bold spans, table cell separators
    text = re.sub(r"-[ \t]*\n[ \t]*", "", text)
    return re.sub(r"\s+", " ", text.lower()).strip()


@dataclass(frozen=True)
class Row:
    id: str
    kind: str
    qtype: str
    split: str
    answerable: bool
    answered: bool
    in_answer: bool
    in_first: bool
    page_cited: bool
    confidence: float | None


def load_rows(lines: Iterable[str], split: str | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(x) for x in lines if x.strip()]
    return [r for r in rows if split is None or r.get("split") == split]


def first_quote(answer: str) -> str:
    m = _QUOTE.search(answer)
    return m.group(1) if m else answer


def _cites_gold(c: Citation, row: dict[str, Any]) -> bool:
    """The citation names the gold page, or the gold section of a document without pages."""
    if c.source != row["doc"]:
        return False
    if row.get("section"):
        return bool(c.section) and in_section(c.section, row["section"])
    return c.page == row["page"]


def check(row: dict[str, Any], answer: Answer) -> Row:
    answerable = bool(row.get("doc"))
    gold = normalise(row["answer"]) if answerable else ""
    text = normalise(answer.answer)
    return Row(
        id=str(row.get("id", "")), kind=str(row.get("kind", "")),
        qtype=str(row.get("qtype", "")), split=str(row.get("split", "")),
        answerable=answerable, answered=answer.answerable,
        in_answer=answerable and answer.answerable and gold in text,
        in_first=answerable and answer.answerable and gold in normalise(
            first_quote(answer.answer)),
        page_cited=answerable and any(_cites_gold(c, row) for c in answer.citations),
        confidence=answer.confidence,
    )


def evaluate(rows: Sequence[dict[str, Any]], answer: Callable[[str], Answer],
             progress: Callable[[int, int], None] | None = None) -> list[Row]:
    """Every row answered and checked; ``progress(done, total)`` after each."""
    results = []
    for i, r in enumerate(rows, start=1):
        results.append(check(r, answer(r["question"])))
        if progress is not None:
            progress(i, len(rows))
    return results


def summary(results: Sequence[Row]) -> dict[str, dict[str, float | int]]:
    """Per kind (and "all"): n, answered, in_answer, in_first, page_cited (answerable rows,
    shares), refused (unanswerable rows, share)."""
    out: dict[str, dict[str, float | int]] = {}
    kinds = sorted({r.kind for r in results})
    for kind in [*kinds, "all"]:
        rs = [r for r in results if kind in ("all", r.kind)]
        ans = [r for r in rs if r.answerable]
        una = [r for r in rs if not r.answerable]

        def share(items: list[Row], field: str) -> float:
            return round(sum(getattr(r, field) for r in items) / len(items), 3) if items else 0

        out[kind] = {
            "n": len(rs),
            "answered": share(ans, "answered"),
            "in_answer": share(ans, "in_answer"),
            "in_first": share(ans, "in_first"),
            "page_cited": share(ans, "page_cited"),
            "refused": round(sum(not r.answered for r in una) / len(una), 3) if una else 0,
        }
    return out


def tradeoff(results: Sequence[Row], steps: int = 100) -> list[tuple[float, float, float]]:
    """``(threshold, answerable answered with the gold text, unanswerable refused)`` for
    thresholds 0..1; ``results`` must come from answers given with the threshold at 0."""
    ans = [r for r in results if r.answerable and r.confidence is not None]
    una = [r for r in results if not r.answerable and r.confidence is not None]
    out = []
    for i in range(steps + 1):
        t = i / steps
        good = sum(1 for r in ans if r.confidence >= t and r.in_answer) / max(len(ans), 1)
        refused = sum(1 for r in una if r.confidence < t) / max(len(una), 1)
        out.append((t, good, refused))
    return out


def scratch_index(dataset: Path, store_dir: Path, base: Settings | None = None) -> Index:
    """The gold file's corpus ingested into a scratch store in ``store_dir``."""
    base = base or get_settings()
    index = Index(scratch_settings(store_dir, base.retrieval.mode, base))
    ingest_corpus(index, dataset)
    return index


def print_table(summ: dict[str, dict[str, float | int]]) -> None:
    print("| Art | n | beantwortet | Antwort enthalten | im 1. Satz | Seite zitiert | "
          "abgelehnt (unbeantwortbar) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind, m in summ.items():
        print(f"| {kind} | {m['n']} | {m['answered']:.3f} | {m['in_answer']:.3f} | "
              f"{m['in_first']:.3f} | {m['page_cited']:.3f} | {m['refused']:.3f} |")


def run(args: argparse.Namespace) -> int:
    dataset: Path = args.dataset.expanduser().resolve()
    if not dataset.is_file():
        print(f"Datensatz nicht gefunden: {dataset}", file=sys.stderr)
        return 2
    rows = load_rows(dataset.read_text("utf-8").splitlines(), args.split)
    if not rows:
        print(f"keine Fragen (Teil {args.split!r})", file=sys.stderr)
        return 2
    base = get_settings()
    if args.backend:
        base = base.override(llm_backend=args.backend)
    with tempfile.TemporaryDirectory(prefix="quelle-answers-") as tmp:
        index = scratch_index(dataset, Path(tmp), base)
        results = evaluate(rows, lambda q: answer_question(q, index=index,
                                                           settings=index.settings))
    summ = summary(results)
    if args.json:
        print(json.dumps({"summary": summ, "rows": [asdict(r) for r in results]},
                         ensure_ascii=False))
        return 0
    print(f"Datensatz: {dataset.name} · Teil: {args.split or 'alle'} · "
          f"Backend: {base.llm.backend}")
    print_table(summ)
    return 0
