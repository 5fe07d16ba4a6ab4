"""Learned linear fusion of cheap per-candidate features, measured on held-out DPR questions.

Measures whether a fusion of dense (e5) and German BM25 evidence that uses a few more cheap
features than the default (``0.7 * BM25/max + 0.3 * min-max cosine``, see ``rag.retrieval.hybrid``)
ranks the gold passage better. Nothing here touches the evaluation sample: every question
that any ``rag eval retrieval --limit L --seed S`` run of any question field evaluates is
excluded (by text, across fields), and the tuning questions are drawn from the rest (all
three fields mixed).

For every tuning question the candidate set is the one ``hybrid_search`` fuses: dense top-50
(exact cosine over the cached passage vectors) ∪ BM25 top-50 (the project's keyword index),
each candidate with both scores. Per candidate these features are computed:

- ``cos``, ``cosn`` (min-max over the candidates, the default), ``cos_gap`` (cos minus the best
  cosine), ``cos_z`` (z-score over the candidates);
- ``bm``, ``bmn`` (BM25 / best BM25, the default), ``bm_idf`` (BM25 divided by its ceiling
  ``(k1 + 1) * sum(query weight * idf)``, a per-query absolute scale), ``bm_z``;
- ``cov`` / ``cov_idf``: weight- / (weight * idf)-weighted share of the query's BM25 features
  (stems, compound parts, joined compounds) that occur in the passage;
- ``lr_dense`` / ``lr_bm``: -log of the candidate's rank in the full dense / BM25 ranking;
- ``bmn_x_cosn``: the product of the two default features.

The questions are split in two halves *by gold passage* (so no passage is in both); linear
models over feature subsets are fitted on one half with a listwise softmax loss (L-BFGS,
small L2) and, for the small subsets, refined by coordinate search on train MRR@10; all are
scored on the other half next to the default and the best train-grid weight for the two
default features. Reported: R@1 / R@5 / MRR@10 on the validation half, per question field,
and the paired difference of reciprocal ranks to the default with its standard error. Several
split seeds show how much of a gain is noise. Finally the main models are fitted on the
whole sample and tested on a second, independent held-out sample (``--test-seed``) minus the
questions both samples share: the figure to trust, as no choice was made on it.

    python benchmarks/tune_fusion_features.py \
        --dataset ../shared/data/wikipedia-de-dpr/dpr-de-dev.jsonl.gz [--n 6000] \
        [--splits 1 2 3] [--test-seed 8]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tune_fusion import FIELDS, N_CAND  # noqa: E402  (same candidate pools as tune_fusion)

from rag.components.embeddings import make_embedder  # noqa: E402
from rag.components.keyword.index import KeywordIndex  # noqa: E402
from rag.eval.retrieval import (  # noqa: E402
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

FEATURES = (
    "cos",
    "cosn",
    "cos_gap",
    "cos_z",
    "bm",
    "bmn",
    "bm_idf",
    "bm_z",
    "cov",
    "cov_idf",
    "lr_dense",
    "lr_bm",
    "bmn_x_cosn",
)
FI = {f: i for i, f in enumerate(FEATURES)}
# Feature subsets fitted as linear models (ranking is scale-invariant: only ratios matter).
MODELS: dict[str, tuple[str, ...]] = {
    "bmn+cosn": ("bmn", "cosn"),
    "bmn+cosn+cov_idf": ("bmn", "cosn", "cov_idf"),
    "bmn+cosn+cov": ("bmn", "cosn", "cov"),
    "bm_idf+cosn": ("bm_idf", "cosn"),
    "bm_idf+cos_gap": ("bm_idf", "cos_gap"),
    "bmn+cos_gap": ("bmn", "cos_gap"),
    "bmn+cos_gap+bmn_x_cosn": ("bmn", "cos_gap", "bmn_x_cosn"),
    "bmn+cos_gap+cov_idf": ("bmn", "cos_gap", "cov_idf"),
    "bmn+cos_z": ("bmn", "cos_z"),
    "bm_z+cos_z": ("bm_z", "cos_z"),
    "bmn+bm_idf+cosn+cos_gap": ("bmn", "bm_idf", "cosn", "cos_gap"),
    "bmn+cosn+cov_idf+cos_gap": ("bmn", "cosn", "cov_idf", "cos_gap"),
    "ranks: lr_dense+lr_bm": ("lr_dense", "lr_bm"),
    # Everything computable from the two scores alone (what rag.retrieval.hybrid.fuse receives).
    "scores only": (
        "cos",
        "cosn",
        "cos_gap",
        "cos_z",
        "bm",
        "bmn",
        "bm_z",
        "lr_dense",
        "lr_bm",
        "bmn_x_cosn",
    ),
    "all": FEATURES,
}
# Models fitted on the whole first sample and tested on an independent second one.
TEST_MODELS = (
    "bmn+cos_gap",
    "bmn+cos_gap+bmn_x_cosn",
    "bmn+cos_gap+cov_idf",
    "scores only",
    "all",
)
SEARCH_MAX_FEATURES = 4  # coordinate search on train MRR only for models this small


@dataclass
class Pools:
    """Padded candidate features of all questions."""

    x: np.ndarray  # (Q, C, F) float64, 0 where masked
    mask: np.ndarray  # (Q, C) bool
    gold: np.ndarray  # (Q,) index of the gold candidate, -1 if not a candidate
    field: np.ndarray  # (Q,) index into FIELDS
    passage: list[str]  # (Q,) gold passage id
    default_ranks: list[int | None]  # ranks from rag.retrieval.hybrid.fuse with the default params


def held_out(
    rows: list[dict], eval_limit: int, eval_seed: int, n: int, seed: int
) -> list[tuple[str, str, int]]:
    """``n`` (question, gold id, field) triples whose text no evaluated sample contains."""
    per_field = [dpr_questions(rows, f) for f in FIELDS]
    evaluated = {q for qs in per_field for q, _ in sample(qs, eval_limit, eval_seed)}
    pool = [(q, pid, fi) for fi, qs in enumerate(per_field) for q, pid in qs if q not in evaluated]
    return random.Random(seed).sample(pool, min(n, len(pool)))


def _z(v: np.ndarray) -> np.ndarray:
    sd = v.std()
    return (v - v.mean()) / sd if sd > 1e-12 else np.zeros_like(v)


def build_pools(args: argparse.Namespace, seed: int) -> tuple[Pools, list[tuple[str, str, int]]]:
    settings = get_settings()
    rows = _rows(args.dataset)
    passages = dpr_passages(rows)
    ids = [pid for pid, _, _ in passages]
    texts = [text for _, _, text in passages]
    tuning = held_out(rows, args.eval_limit, args.eval_seed, args.n, seed)
    print(
        f"{len(passages)} passages, {len(tuning)} held-out tuning questions; "
        f"load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    embedder = make_embedder(settings)
    pvecs = passage_vectors(embedder, texts, settings.cache_dir)
    kw = KeywordIndex()
    kw.add_texts(zip(ids, texts, strict=True))
    qfile = vector_cache_file(
        settings.cache_dir, embedder.model_id, ["query"] + [q for q, _, _ in tuning]
    )
    if qfile.exists():
        qvecs = np.load(qfile)
    else:
        t0 = time.perf_counter()
        qvecs = np.asarray(embedder.embed_queries([q for q, _, _ in tuning]), dtype=np.float32)
        print(f"query embeddings: {time.perf_counter() - t0:.0f} s", flush=True)
        qfile.parent.mkdir(parents=True, exist_ok=True)
        np.save(qfile, qvecs)

    kw.query("warm")  # builds the postings
    post = kw._postings  # read-only use of the index's postings for df / coverage
    assert post is not None
    n_docs = len(post.order)
    df = np.diff(post.indptr)
    idf_all = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
    k1 = kw.params.k1
    # The index keeps its chunks in insertion order, so keyword and vector positions agree.
    assert post.order == ids

    pos = {pid: i for i, pid in enumerate(ids)}
    q_n = len(tuning)
    x = np.zeros((q_n, 2 * N_CAND, len(FEATURES)))
    mask = np.zeros((q_n, 2 * N_CAND), dtype=bool)
    gold = np.full(q_n, -1, dtype=np.int64)
    default_ranks: list[int | None] = []
    t0 = time.perf_counter()
    for qi, ((q, gid, _), qv) in enumerate(zip(tuning, qvecs, strict=True)):
        cos = pvecs @ qv
        scores = kw.query(q)
        bm_all = scores.scores.astype(np.float64)
        cov = np.zeros(n_docs)
        cov_idf = np.zeros(n_docs)
        w_tot = wi_tot = 0.0
        for feat, qw in kw.query_features(q).items():
            col = kw._feature_ids.get(feat)
            if col is None or col + 1 >= len(post.indptr):
                w_tot += qw  # a query word the corpus lacks counts as not covered
                continue
            docs = post.docs[post.indptr[col] : post.indptr[col + 1]]
            cov[docs] += qw
            cov_idf[docs] += qw * idf_all[col]
            w_tot += qw
            wi_tot += qw * idf_all[col]
        dense_top = np.argsort(-cos, kind="stable")[:N_CAND]
        kw_top = [scores.position[cid] for cid, _ in scores.top(N_CAND)]
        cand = list(dict.fromkeys([*dense_top.tolist(), *kw_top]))
        c = np.array(cand)
        # Full-collection ranks (1-based) of the candidates in each list.
        rank_d = np.empty(n_docs, dtype=np.int64)
        rank_d[np.argsort(-cos, kind="stable")] = np.arange(1, n_docs + 1)
        rank_b = np.empty(n_docs, dtype=np.int64)
        rank_b[np.argsort(-bm_all, kind="stable")] = np.arange(1, n_docs + 1)
        cc = cos[c].astype(np.float64)
        bb = bm_all[c]
        span = cc.max() - cc.min()
        cosn = (cc - cc.min()) / span if span > 1e-9 else np.ones_like(cc)
        bmn = bb / bb.max() if bb.max() > 0 else np.zeros_like(bb)
        feats = {
            "cos": cc,
            "cosn": cosn,
            "cos_gap": cc - cc.max(),
            "cos_z": _z(cc),
            "bm": bb,
            "bmn": bmn,
            "bm_idf": bb / ((k1 + 1.0) * wi_tot) if wi_tot > 0 else np.zeros_like(bb),
            "bm_z": _z(bb),
            "cov": cov[c] / w_tot if w_tot > 0 else np.zeros_like(bb),
            "cov_idf": cov_idf[c] / wi_tot if wi_tot > 0 else np.zeros_like(bb),
            "lr_dense": -np.log(rank_d[c]),
            "lr_bm": -np.log(rank_b[c]),
            "bmn_x_cosn": bmn * cosn,
        }
        x[qi, : len(c)] = np.stack([feats[f] for f in FEATURES], axis=1)
        mask[qi, : len(c)] = True
        where = np.nonzero(c == pos[gid])[0]
        gold[qi] = int(where[0]) if len(where) else -1
        # The project's own fuse() on the same candidates: the reference the vectorised
        # default below must reproduce.
        ranked = [
            cid
            for cid, _ in fuse(
                [Candidate(ids[i], float(cos[i]), float(bm_all[i])) for i in cand], FusionSettings()
            )
        ]
        default_ranks.append(ranked.index(gid) + 1 if gid in ranked else None)
        if qi and qi % 1000 == 0:
            print(f"  {qi} questions, {time.perf_counter() - t0:.0f} s", flush=True)
    field = np.array([fi for _, _, fi in tuning])
    return Pools(x, mask, gold, field, [g for _, g, _ in tuning], default_ranks), tuning


# --- ranking and metrics -----------------------------------------------------------------


def gold_ranks(scores: np.ndarray, pools: Pools, rows: np.ndarray) -> np.ndarray:
    """1-based rank of the gold candidate (ties: earlier candidate first, as a stable sort);
    a large number where the gold passage is not a candidate."""
    s = np.where(pools.mask[rows], scores, -np.inf)
    g = pools.gold[rows]
    gs = s[np.arange(len(rows)), np.maximum(g, 0)][:, None]
    idx = np.arange(s.shape[1])[None, :]
    better = (s > gs) | ((s == gs) & (idx < np.maximum(g, 0)[:, None]))
    r = 1 + better.sum(axis=1)
    return np.where(g >= 0, r, 10**6)


def metrics(ranks: np.ndarray) -> dict[str, float]:
    rr = np.where(ranks <= 10, 1.0 / ranks, 0.0)
    return {
        "r1": float(np.mean(ranks <= 1)),
        "r5": float(np.mean(ranks <= 5)),
        "mrr": float(rr.mean()),
    }


def linear_scores(
    w: np.ndarray, feats: Sequence[str], pools: Pools, rows: np.ndarray
) -> np.ndarray:
    cols = [FI[f] for f in feats]
    return pools.x[rows][:, :, cols] @ w


# --- fitting -----------------------------------------------------------------------------


def fit_listwise(feats: Sequence[str], pools: Pools, rows: np.ndarray, l2: float) -> np.ndarray:
    """Weights (on the raw features) minimising the softmax cross-entropy of the gold
    candidate over its candidate set, on the standardised features with an L2 penalty."""
    rows = rows[pools.gold[rows] >= 0]
    cols = [FI[f] for f in feats]
    x = pools.x[rows][:, :, cols]
    m = pools.mask[rows]
    mu = x[m].mean(axis=0)
    sd = x[m].std(axis=0)
    sd[sd < 1e-12] = 1.0
    xs = np.where(m[:, :, None], (x - mu) / sd, 0.0)
    xg = xs[np.arange(len(rows)), pools.gold[rows]]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = np.where(m, xs @ w, -np.inf)
        top = s.max(axis=1, keepdims=True)
        e = np.exp(s - top)
        z = e.sum(axis=1, keepdims=True)
        p = e / z
        lse = (top + np.log(z)).ravel()
        val = float(np.mean(lse - xg @ w) + l2 * w @ w)
        grad = np.einsum("qc,qcf->f", p, xs) / len(rows) - xg.mean(axis=0) + 2 * l2 * w
        return val, grad

    res = minimize(loss, np.ones(len(cols)), jac=True, method="L-BFGS-B")
    return res.x / sd


def coordinate_search(
    w: np.ndarray, feats: Sequence[str], pools: Pools, rows: np.ndarray, rounds: int = 3
) -> np.ndarray:
    """Refine ``w`` by multiplicative steps per weight, maximising train MRR@10 (then R@1)."""
    cols = [FI[f] for f in feats]
    x = pools.x[rows][:, :, cols]

    def score(v: np.ndarray) -> tuple[float, float]:
        m = metrics(gold_ranks(x @ v, pools, rows))
        return (round(m["mrr"], 6), m["r1"])

    best, best_s = w.copy(), score(w)
    for _ in range(rounds):
        improved = False
        for j in range(len(w)):
            for f in (0.5, 0.7, 0.85, 0.93, 1.07, 1.15, 1.4, 2.0, -1.0, 0.0):
                v = best.copy()
                v[j] = v[j] * f if f != 0.0 else 0.0
                s = score(v)
                if s > best_s:
                    best, best_s, improved = v, s, True
        if not improved:
            break
    return best


def default_scores(pools: Pools, rows: np.ndarray, dense_weight: float = 0.3) -> np.ndarray:
    x = pools.x[rows]
    return (1.0 - dense_weight) * x[:, :, FI["bmn"]] + dense_weight * x[:, :, FI["cosn"]]


# --- main --------------------------------------------------------------------------------


def split_by_passage(pools: Pools, seed: int) -> tuple[np.ndarray, np.ndarray]:
    pids = sorted(set(pools.passage))
    train_p = set(random.Random(seed).sample(pids, len(pids) // 2))
    is_train = np.array([p in train_p for p in pools.passage])
    return np.nonzero(is_train)[0], np.nonzero(~is_train)[0]


def _rr(ranks: np.ndarray) -> np.ndarray:
    return np.where(ranks <= 10, 1.0 / ranks, 0.0)


def fmt_row(name: str, ranks: np.ndarray, base: np.ndarray, pools: Pools, rows: np.ndarray) -> str:
    """Metrics, the paired ΔMRR to ``base`` ± its standard error, R@5 questions won / lost,
    and per field R@1 / R@5 / MRR@10 (ΔMRR)."""
    m = metrics(ranks)
    d = _rr(ranks) - _rr(base)
    se = d.std(ddof=1) / math.sqrt(len(d))
    won = int(np.sum((ranks <= 5) & (base > 5)))
    lost = int(np.sum((ranks > 5) & (base <= 5)))
    cells = [
        f"{m['r1']:.4f}",
        f"{m['r5']:.4f}",
        f"{m['mrr']:.4f}",
        f"{d.mean():+.4f} ± {se:.4f}",
        f"+{won} / -{lost}",
    ]
    for fi in range(len(FIELDS)):
        sel = pools.field[rows] == fi
        mf = metrics(ranks[sel])
        df = _rr(ranks[sel]) - _rr(base[sel])
        cells.append(f"{mf['r1']:.4f} / {mf['r5']:.4f} / {mf['mrr']:.4f} ({df.mean():+.4f})")
    return f"| {name} | " + " | ".join(cells) + " |"


def print_header() -> None:
    header = ["variant", "R@1", "R@5", "MRR@10", "ΔMRR vs default ± SE", "R@5 won / lost"]
    header += [f"{f} R@1 / R@5 / MRR (Δ)" for f in FIELDS]
    print("| " + " | ".join(header) + " |")
    print("|---|" + "---:|" * (len(header) - 1))


def run_split(pools: Pools, seed: int, l2: float) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    train, val = split_by_passage(pools, seed)
    print(
        f"\n### split seed {seed}: {len(train)} train / {len(val)} validation questions "
        f"(gold among candidates: {np.mean(pools.gold[val] >= 0):.4f})\n"
    )
    print_header()
    base = gold_ranks(default_scores(pools, val), pools, val)
    print(fmt_row("default 0.7·bmn + 0.3·cosn", base, base, pools, val))
    bm_only = gold_ranks(pools.x[val][:, :, FI["bm"]], pools, val)
    print(fmt_row("BM25 alone", bm_only, base, pools, val))
    # Grid of the default's single weight, picked on train.
    grid = np.round(np.arange(0.0, 0.71, 0.025), 3)
    tr = [metrics(gold_ranks(default_scores(pools, train, w), pools, train)) for w in grid]
    best_i = max(range(len(grid)), key=lambda i: (round(tr[i]["mrr"], 6), tr[i]["r1"]))
    wbest = float(grid[best_i])
    r = gold_ranks(default_scores(pools, val, wbest), pools, val)
    print(fmt_row(f"default form, train-grid dense_weight={wbest}", r, base, pools, val))
    fitted: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for name, feats in MODELS.items():
        w = fit_listwise(feats, pools, train, l2)
        r = gold_ranks(linear_scores(w, feats, pools, val), pools, val)
        print(fmt_row(f"listwise {name}", r, base, pools, val), flush=True)
        fitted[f"listwise {name}"] = (feats, w)
        if len(feats) <= SEARCH_MAX_FEATURES:
            w2 = coordinate_search(w, feats, pools, train)
            r = gold_ranks(linear_scores(w2, feats, pools, val), pools, val)
            print(fmt_row(f"  + MRR search {name}", r, base, pools, val), flush=True)
            fitted[f"search {name}"] = (feats, w2)
    return fitted


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", type=Path, required=True)
    ap.add_argument("--n", type=int, default=6000, help="tuning questions (default 6000)")
    ap.add_argument("--seed", type=int, default=7, help="seed of the question sample")
    ap.add_argument(
        "--splits",
        type=int,
        nargs="+",
        default=[1, 2, 3],
        help="seeds of the train/validation splits by passage",
    )
    ap.add_argument(
        "--test-seed",
        type=int,
        default=8,
        help="seed of a second, independent sample: models fitted on the whole first sample "
        "are tested on it, minus the questions both samples share (negative: skip)",
    )
    ap.add_argument("--l2", type=float, default=1e-4, help="L2 penalty of the listwise fit")
    ap.add_argument("--eval-limit", type=int, default=3000, help="--limit of the evaluation")
    ap.add_argument("--eval-seed", type=int, default=13, help="--seed of the evaluation")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    pools, tuning = build_pools(args, args.seed)
    print(f"features: {time.perf_counter() - t0:.0f} s", flush=True)
    check_default(pools)

    weights: dict[str, list[np.ndarray]] = {}
    for s in args.splits:
        for name, (_feats, w) in run_split(pools, s, args.l2).items():
            weights.setdefault(name, []).append(w / np.abs(w).max())
    print("\n### fitted weights per split (scaled to max |w| = 1; raw feature units)\n")
    for name, ws in weights.items():
        feats = MODELS[name.split(" ", 1)[1]]
        if len(feats) > SEARCH_MAX_FEATURES:
            continue
        cells = "; ".join(
            ", ".join(f"{f}={v:+.3f}" for f, v in zip(feats, w, strict=True)) for w in ws
        )
        print(f"- {name}: {cells}")
    if args.test_seed >= 0:
        test_pools, test_tuning = build_pools(args, args.test_seed)
        check_default(test_pools)
        independent_test(pools, tuning, test_pools, test_tuning, args.l2)
    return 0


def check_default(pools: Pools) -> None:
    """The vectorised default must rank exactly like ``rag.retrieval.hybrid.fuse``."""
    every = np.arange(len(pools.gold))
    mine = gold_ranks(default_scores(pools, every), pools, every)
    ref = np.array([r if r is not None else 10**6 for r in pools.default_ranks])
    print(f"vectorised default == rag.retrieval.hybrid.fuse on {np.mean(mine == ref):.4%} "
          "of questions")


def independent_test(
    train: Pools,
    train_q: list[tuple[str, str, int]],
    test: Pools,
    test_q: list[tuple[str, str, int]],
    l2: float,
) -> None:
    """Fit on every question of ``train``, score the ``test`` questions ``train`` lacks."""
    seen = set(train_q)
    rows = np.array([i for i, q in enumerate(test_q) if q not in seen])
    every = np.arange(len(train.gold))
    print(
        f"\n### independent test: fitted on {len(every)} questions, tested on {len(rows)} "
        "questions of the second sample that the first lacks\n"
    )
    print_header()
    base = gold_ranks(default_scores(test, rows), test, rows)
    print(fmt_row("default 0.7·bmn + 0.3·cosn", base, base, test, rows))
    bm_only = gold_ranks(test.x[rows][:, :, FI["bm"]], test, rows)
    print(fmt_row("BM25 alone", bm_only, base, test, rows))
    for name in TEST_MODELS:
        feats = MODELS[name]
        w = fit_listwise(feats, train, every, l2)
        r = gold_ranks(linear_scores(w, feats, test, rows), test, rows)
        print(fmt_row(f"listwise {name}", r, base, test, rows), flush=True)
        if len(feats) <= SEARCH_MAX_FEATURES:
            print(
                "|   weights (first = 1) | "
                + ", ".join(f"{f}={v:.4f}" for f, v in zip(feats, w / w[0], strict=True))
                + " |"
            )


if __name__ == "__main__":
    raise SystemExit(main())
