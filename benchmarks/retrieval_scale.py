"""Hybrid query latency and index size at 10k, 30k and 100k German chunks.

Synthesises chunks from the DPR dev passages (each chunk recombines sentences of two random
passages in random order) and indexes them through the project's ``Index`` (Chroma +
keyword index) in a scratch store. Query latency is measured around ``Index.search`` with
the real embedder, so it includes query embedding, as users see it.

Chunk vectors are *not* embedded: embedding 100k chunks takes hours on 2 cores. A chunk's
vector is the normalised mix of its two source passages' real e5 vectors (weighted by the
sentences taken) plus noise, which keeps the HNSW graph realistic for timing. Retrieval
quality at scale is not measured here (use ``rag eval retrieval`` for that).

    python benchmarks/retrieval_scale.py \
        --dataset ../shared/data/wikipedia-de-dpr/dpr-de-dev.jsonl.gz
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.settings import get_settings  # noqa: E402
from rag.types import Chunk  # noqa: E402

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9\"„])")
DOC_CHUNKS = 1000  # chunks per synthetic document


def load_dev(path: Path) -> tuple[list[str], list[str]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return [r["context"] for r in rows], [q for r in rows for q in r["question"]]


def synthesise(
    passages: list[str], vectors: np.ndarray, n: int, seed: int = 0
) -> tuple[list[str], np.ndarray]:
    """``n`` chunk texts (2-3 sentences of each of two passages, shuffled) and vectors."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    sents = [_SENT.split(p) for p in passages]
    texts: list[str] = []
    out = np.empty((n, vectors.shape[1]), dtype=np.float32)
    for j in range(n):
        a, b = rng.randrange(len(passages)), rng.randrange(len(passages))
        sa = rng.sample(sents[a], min(len(sents[a]), rng.randint(2, 3)))
        sb = rng.sample(sents[b], min(len(sents[b]), rng.randint(1, 3)))
        parts = sa + sb
        rng.shuffle(parts)
        texts.append(" ".join(parts))
        v = len(sa) * vectors[a] + len(sb) * vectors[b]
        v = v / np.linalg.norm(v) + nrng.normal(0, 0.02, size=v.shape)
        out[j] = v / np.linalg.norm(v)
    return texts, out


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def add_document(index: object, texts: list[str], vecs: np.ndarray, no: int) -> None:
    from rag.components.store import DocumentRecord

    doc_id = f"synth{no:04d}"
    prefix = f"{doc_id}:v1"
    chunks = [
        Chunk(
            chunk_id=f"{prefix}:{i}",
            doc_id=doc_id,
            source=f"{doc_id}.pdf",
            text=t,
            page_start=1 + i // 3,
            page_end=1 + i // 3,
            char_start=0,
            char_end=len(t),
            chunk_index=i,
            content_hash=hashlib.sha1(t.encode()).hexdigest(),
        )
        for i, t in enumerate(texts)
    ]
    for s in range(0, len(chunks), 500):
        index.add_chunks(chunks[s : s + 500], vecs[s : s + 500])  # type: ignore[attr-defined]
    index.activate(  # type: ignore[attr-defined]
        DocumentRecord(
            doc_id=doc_id,
            source=f"{doc_id}.pdf",
            path=f"/synthetic/{doc_id}.pdf",
            version="v1",
            chunk_prefix=prefix,
            pages=1 + len(chunks) // 3,
            chunks=len(chunks),
            ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
            embedding_model=index.embedder.model_id,  # type: ignore[attr-defined]
        )
    )


def passage_vectors(embedder: object, passages: list[str], cache: Path | None) -> np.ndarray:
    if cache and cache.exists():
        return np.load(cache)
    vecs = np.asarray(embedder.embed_documents(passages), dtype=np.float32)  # type: ignore[attr-defined]
    if cache:
        np.save(cache, vecs)
    return vecs


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", type=Path, required=True)
    ap.add_argument("--sizes", default="10000,30000,100000")
    ap.add_argument("--queries", type=int, default=200, help="timed queries per size")
    ap.add_argument("--mode", default="hybrid", choices=["dense", "bm25", "hybrid"])
    ap.add_argument(
        "--vectors", type=Path, default=None, help="cache file for the passage vectors (.npy)"
    )
    ap.add_argument("--keep", type=Path, default=None, help="store folder to keep (else temp)")
    args = ap.parse_args(argv)

    from rag.index import Index

    sizes = sorted(int(s) for s in args.sizes.split(","))
    passages, questions = load_dev(args.dataset)
    store = args.keep or Path(tempfile.mkdtemp(prefix="quelle-scale-"))
    settings = get_settings().override(store_dir=store, chroma_host="", collection="scale")
    index = Index(settings)
    t0 = time.perf_counter()
    vecs = passage_vectors(index.embedder, passages, args.vectors)
    print(f"Passagenvektoren: {len(passages)} in {time.perf_counter() - t0:.0f} s", flush=True)
    texts, cvecs = synthesise(passages, vecs, sizes[-1])
    qs = random.Random(1).sample(questions, args.queries)

    rows = []
    done = 0
    for size in sizes:
        t0 = time.perf_counter()
        while done < size:
            n = min(DOC_CHUNKS, size - done)
            add_document(index, texts[done : done + n], cvecs[done : done + n], done // DOC_CHUNKS)
            done += n
        t_ingest = time.perf_counter() - t0
        t0 = time.perf_counter()
        index.keyword.search("Aufwärmen", 1)  # rebuilds the keyword postings once
        t_postings = time.perf_counter() - t0
        index.search(qs[0], 5, mode=args.mode)
        lat, emb = [], []
        for q in qs:
            t0 = time.perf_counter()
            index.embedder.embed_queries([q])
            emb.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            index.search(q, 5, mode=args.mode)
            lat.append((time.perf_counter() - t0) * 1000)
        row = {
            "chunks": size,
            "p50_ms": round(pct(lat, 50), 1),
            "p95_ms": round(pct(lat, 95), 1),
            "embed_p50_ms": round(pct(emb, 50), 1),
            "keyword_mb": round(dir_mb(store / "keyword"), 1),
            "chroma_mb": round(dir_mb(store / "chroma"), 1),
            "postings_s": round(t_postings, 2),
            "ingest_s": round(t_ingest, 1),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)

    print()
    print(f"Modus {args.mode}, {args.queries} Fragen je Größe (Einbettung + Suche, top 5)")
    print(
        "| Chunks | p50 ms | p95 ms | davon Einbettung p50 | Keyword MB | Chroma MB |"
        " Postings-Neuaufbau s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['chunks']:,} | {r['p50_ms']} | {r['p95_ms']} | {r['embed_p50_ms']} | "
            f"{r['keyword_mb']} | {r['chroma_mb']} | {r['postings_s']} |"
        )
    if args.keep is None:
        shutil.rmtree(store, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
