"""Embedding backends side by side: chunks/s, one-query latency and cosine to torch fp32.

Each variant is what ``make_embedder`` builds for the given settings (the offline e5-small
build unless RAG_EMBEDDING_MODEL says otherwise): sentence-transformers on torch at batch
sizes 32 and 4, torch dynamic int8 (RAG_EMBEDDING_QUANTIZATION=int8 with the torch
backend), ONNX Runtime fp32 (RAG_EMBEDDING_QUANTIZATION=none) and ONNX Runtime with int8
passages (the default on a CPU; its queries are the fp32 ones).
The texts are German passages cut to ~200 tokens, as ingest makes them: DPR dev passages
when ``--dataset`` is given, else the German sentences of ``embedding_speed.py``.

    python benchmarks/embedding_backends.py \
        [--dataset ../shared/data/wikipedia-de-dpr/dpr-de-dev.jsonl.gz] [--n 160]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.components.embeddings import make_embedder  # noqa: E402
from rag.settings import Settings  # noqa: E402

VARIANTS: dict[str, dict[str, object]] = {
    "torch fp32, batch 32": {"embedding_backend": "torch", "embedding_batch_size": 32},
    "torch fp32, batch 4": {"embedding_backend": "torch", "embedding_batch_size": 4},
    "torch int8, batch 4": {"embedding_backend": "torch", "embedding_batch_size": 4,
                            "embedding_quantization": "int8"},
    "onnx fp32, batch 4": {"embedding_backend": "onnx", "embedding_batch_size": 4,
                           "embedding_quantization": "none"},
    "onnx int8 passages, batch 4 (default)": {"embedding_backend": "onnx",
                                              "embedding_batch_size": 4},
}


def passages(dataset: Path | None, n: int) -> tuple[list[str], list[str]]:
    if dataset is not None:
        with gzip.open(dataset, "rt", encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
        texts = [r["context"] for r in rows[:n]]
        queries = [r["question"][0] for r in rows[n : n + 40]]
    else:
        from embedding_speed import SENTENCES  # type: ignore[import-not-found]

        texts = [" ".join(SENTENCES[i % len(SENTENCES):] + SENTENCES)[:1200] for i in range(n)]
        queries = [s.split(",")[0] + "?" for s in SENTENCES]
    return texts, queries


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", type=Path, default=None)
    ap.add_argument("--n", type=int, default=160, help="passages to embed per variant")
    args = ap.parse_args()
    texts, queries = passages(args.dataset, args.n)
    ref: np.ndarray | None = None
    print(f"{len(texts)} passages, {len(queries)} queries, load {os.getloadavg()[0]:.1f}")
    print("| variant | load s | chunks/s | query p50 ms | cosine to torch fp32 (min / mean) |")
    print("|---|---:|---:|---:|---:|")
    for name, overrides in VARIANTS.items():
        settings = Settings(_env_file=None, **overrides)  # type: ignore[call-arg]
        t0 = time.perf_counter()
        emb = make_embedder(settings)
        # Cut to ~200 tokens of the model's tokenizer, like ingest's chunks.
        cut = [_cut(emb, t, 195) for t in texts]
        emb.embed_documents(cut[:4])
        emb.embed_queries(queries[:1])
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        vecs = emb.embed_documents(cut)
        rate = len(cut) / (time.perf_counter() - t0)
        lat = []
        for q in queries:
            t0 = time.perf_counter()
            emb.embed_queries([q])
            lat.append((time.perf_counter() - t0) * 1000)
        ref = vecs if ref is None else ref
        cos = (vecs * ref).sum(1)
        print(f"| {name} | {load:.1f} | {rate:.1f} | {np.median(lat):.1f} | "
              f"{cos.min():.4f} / {cos.mean():.4f} |", flush=True)
    return 0


def _cut(emb: object, text: str, tokens: int) -> str:
    words = text.split()
    while len(words) > 1 and emb.count_tokens(" ".join(words)) > tokens:  # type: ignore[attr-defined]
        words = words[: max(1, int(len(words) * 0.9))]
    return " ".join(words)


if __name__ == "__main__":
    sys.exit(main())
