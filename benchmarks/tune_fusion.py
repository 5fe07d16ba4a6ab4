"""Compare fusion methods for hybrid retrieval on DPR dev questions held out from evaluation.

The questions that ``rag eval retrieval --limit N --seed S`` evaluates are excluded; the
fusion is compared on a fixed sample of the *other* questions (all three question fields
mixed), so the figures reported in the README are not the ones the weights were picked on.

For every tuning question the dense top-50 (exact cosine over the cached passage vectors,
the same vectors ``rag eval retrieval`` indexes) and the BM25 top-50 (the project's German
keyword index) are computed once; then each variant of ``rag.retrieval.hybrid.fuse`` ranks
the merged candidates:

- ``score`` (the default): BM25 / max BM25 and min-max cosine, both known for every
  candidate ("complete" scores), mixed with ``dense_weight``;
- ``score, own-list scores only``: the same, but a candidate only keeps the scores of the lists it
  came from (what a plain weighted fusion does);
- ``rrf``: weighted reciprocal rank fusion (k = 60).

    python benchmarks/tune_fusion.py \
        --dataset ../shared/data/wikipedia-de-dpr/dpr-de-dev.jsonl.gz [--n 2000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.components.embeddings import make_embedder  # noqa: E402
from rag.components.keyword.index import KeywordIndex  # noqa: E402
from rag.eval.retrieval import (  # noqa: E402
    Metrics,
    _rows,
    dpr_passages,
    dpr_questions,
    passage_vectors,
    sample,
    vector_cache_file,
)
from rag.retrieval.hybrid import Candidate, fuse  # noqa: E402
from rag.settings import (
    FusionSettings,  # noqa: E402
    get_settings,  # noqa: E402
)

FIELDS = ("question", "imperative_formal", "imperative_informal")
N_CAND = 50


def held_out(rows: list[dict], eval_limit: int, eval_seed: int, n: int, seed: int) -> list:
    """``n`` (question, gold id) pairs that no evaluated sample of any field contains."""
    pool = []
    for field in FIELDS:
        qs = dpr_questions(rows, field)
        evaluated = set(sample(qs, eval_limit, eval_seed))
        pool.extend(q for q in qs if q not in evaluated)
    return random.Random(seed).sample(pool, min(n, len(pool)))


def candidate_pools(query: str, qvec: np.ndarray, pvecs: np.ndarray, ids: list[str],
                    keyword: KeywordIndex) -> tuple[list[Candidate], list[Candidate]]:
    """The dense top-N_CAND and BM25 top-N_CAND passages of ``query`` merged, once with both
    scores for every candidate ("complete") and once with the scores of its own lists only."""
    cos = pvecs @ qvec
    scores = keyword.query(query)
    kw_top = dict(scores.top(N_CAND))
    dense = {ids[i]: float(cos[i]) for i in np.argsort(-cos)[:N_CAND]}
    cand_ids = list({**dense, **kw_top})
    bm25 = dict(zip(cand_ids, scores.get(cand_ids), strict=True))
    pos = {pid: i for i, pid in enumerate(ids)}
    complete = [Candidate(c, float(cos[pos[c]]), bm25[c]) for c in cand_ids]
    partial = [Candidate(c, dense.get(c), kw_top.get(c)) for c in cand_ids]
    return complete, partial


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", type=Path, required=True)
    ap.add_argument("--n", type=int, default=2000, help="tuning questions (default 2000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--eval-limit", type=int, default=3000, help="--limit of the evaluation")
    ap.add_argument("--eval-seed", type=int, default=13, help="--seed of the evaluation")
    args = ap.parse_args(argv)

    settings = get_settings()
    rows = _rows(args.dataset)
    passages = dpr_passages(rows)
    ids = [pid for pid, _, _ in passages]
    texts = [text for _, _, text in passages]
    tuning = held_out(rows, args.eval_limit, args.eval_seed, args.n, args.seed)
    print(f"{len(passages)} passages, {len(tuning)} held-out tuning questions; "
          f"load {os.getloadavg()[0]:.1f}", flush=True)

    embedder = make_embedder(settings)
    pvecs = passage_vectors(embedder, texts, settings.cache_dir)
    kw = KeywordIndex()
    kw.add_texts(zip(ids, texts, strict=True))
    # Query vectors are cached like passage vectors, so that variants can be re-run quickly.
    qfile = vector_cache_file(settings.cache_dir, embedder.model_id,
                              ["query"] + [q for q, _ in tuning])
    if qfile.exists():
        qvecs = np.load(qfile)
    else:
        t0 = time.perf_counter()
        qvecs = embedder.embed_queries([q for q, _ in tuning])
        print(f"query embeddings: {time.perf_counter() - t0:.0f} s", flush=True)
        qfile.parent.mkdir(parents=True, exist_ok=True)
        np.save(qfile, qvecs)

    pools: list[tuple[list[Candidate], list[Candidate], str]] = []
    for (q, gold), qv in zip(tuning, qvecs, strict=True):
        complete, partial = candidate_pools(q, qv, pvecs, ids, kw)
        pools.append((complete, partial, gold))

    variants: list[tuple[str, FusionSettings, bool]] = []
    for w in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0):
        variants.append((f"score, dense_weight={w}", FusionSettings(dense_weight=w), True))
    for w in (0.3, 0.7):
        variants.append((f"score, own-list scores only, dense_weight={w}",
                         FusionSettings(dense_weight=w), False))
    for w in (0.3, 0.5):
        variants.append((f"rrf k=60, dense_weight={w}",
                         FusionSettings(method="rrf", dense_weight=w), True))

    print("\n| fusion | R@1 | R@5 | MRR@10 |\n|---|---:|---:|---:|")
    for name, params, use_complete in variants:
        ranks: list[int | None] = []  # 1-based, as rag eval retrieval counts them
        for complete, partial, gold in pools:
            ranked = [c for c, _ in fuse(complete if use_complete else partial, params)]
            ranks.append(ranked.index(gold) + 1 if gold in ranked else None)
        m = Metrics(ranks, [], len(passages)).to_json()
        print(f"| {name} | {m['recall@1']:.4f} | {m['recall@5']:.4f} | {m['mrr@10']:.4f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
