"""Calibrate the extractive refusal threshold on corpora/qa.jsonl.

    python benchmarks/calibrate_refusal.py

Ingests the demo corpus into a scratch store, computes the best sentence score of the
extractive answerer for every question and prints, per candidate threshold, how many
answerable questions would be answered and how many unanswerable ones refused.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.pipeline import Ingestor  # noqa: E402
from rag.components.llm.extractive import answer_extractively, best_sentence_score  # noqa: E402
from rag.index import Index  # noqa: E402
from rag.settings import Settings  # noqa: E402


def main() -> int:
    rows = [json.loads(x) for x in (REPO / "corpora/qa.jsonl").read_text("utf-8").splitlines()
            if x.strip()]
    docs = sorted(p for p in (REPO / "corpora").iterdir()
                  if p.suffix in (".pdf", ".txt", ".md") and p.name != "README.md")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(store_dir=Path(tmp))
        index = Index(settings)
        assert Ingestor(settings, index).run(docs).ok
        scored, decided = [], []
        for r in rows:
            hits = index.search(r["question"], settings.retrieval.top_k)
            scored.append((bool(r.get("doc")), best_sentence_score(r["question"], hits,
                                                                   index.embedder)))
            ans = answer_extractively(r["question"], hits, index.embedder,
                                      threshold=settings.answering.threshold)
            cited = {(c.source, c.page) for c in ans.citations}
            gold = {(r["doc"], p) for p in r.get("pages") or [r["page"]]} if r.get("doc") else set()
            decided.append((bool(r.get("doc")), ans.answerable, bool(cited & gold)))
    pos = sorted(s for a, s in scored if a)
    neg = sorted(s for a, s in scored if not a)
    print(f"answerable: n={len(pos)} min={pos[0]:.3f} p10={pos[len(pos) // 10]:.3f}")
    print(f"unanswerable: n={len(neg)} max={neg[-1]:.3f} scores={[round(x, 3) for x in neg]}")
    print("threshold  answered(answerable)  refused(unanswerable)")
    for t in [x / 100 for x in range(78, 92)]:
        answered, refused = sum(s >= t for s in pos), sum(s < t for s in neg)
        print(f"{t:.2f}  {answered}/{len(pos)}  {refused}/{len(neg)}")
    t = settings.answering.threshold
    ans_ok = sum(a and d for a, d, _ in decided)
    gold_ok = sum(a and g for a, _, g in decided)
    ref_ok = sum(not a and not d for a, d, _ in decided)
    print(f"configured threshold {t} + key-number rule: answered {ans_ok}/{len(pos)} "
          f"answerable ({gold_ok} citing the gold page), refused {ref_ok}/{len(neg)} unanswerable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
