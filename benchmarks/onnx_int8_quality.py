"""Retrieval cost of ONNX Runtime's dynamic int8 on the DPR dev data (dense, exact cosine).

Embeds all dev passages and the ``rag eval retrieval`` sample of ``question`` questions
(3,000, seed 13) and prints MRR@10 of an exact cosine ranking for fp32 and for int8
variants of the cached ONNX export, each two ways:

* int8 passages, fp32 queries: what Quelle does by default on a CPU, one passage per run
  (``shipped`` is the file ``onnx_int8_path`` builds; the others are alternatives that were
  tried);
* int8 on both sides, for comparison.

The limit for keeping a speed-up is a loss below 0.005 MRR@10. Also printed: passages/s of
each variant (fp32 in batches of 4, int8 one passage per run; the same 2,500 passages).

    python benchmarks/onnx_int8_quality.py \\
        --dataset ../shared/data/wikipedia-de-dpr/dpr-de-dev.jsonl.gz [shipped s8pc_rr u8pc mm]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.components.embeddings.offline_e5 import provision_offline_e5  # noqa: E402
from rag.components.embeddings.onnx_backend import OnnxEmbedder  # noqa: E402
from rag.components.embeddings.onnx_export import onnx_int8_path, onnx_model_path  # noqa: E402
from rag.eval.retrieval import _rows, dpr_passages, dpr_questions, sample  # noqa: E402
from rag.settings import Settings  # noqa: E402

VARIANTS = {  # name -> quantize_dynamic arguments besides the model paths
    "s8pc_rr": {"weight_type": "QInt8", "per_channel": True, "reduce_range": True},
    "u8pc": {"weight_type": "QUInt8", "per_channel": True},
    "mm": {"weight_type": "QInt8", "per_channel": True, "op_types_to_quantize": ["MatMul"]},
}


def mrr_at_10(passages: np.ndarray, queries: np.ndarray, gold: np.ndarray) -> float:
    top = np.argsort(-(queries @ passages.T), axis=1)[:, :10]
    hits = top == gold[:, None]
    ranks = np.where(hits.any(axis=1), hits.argmax(axis=1) + 1, np.inf)
    return float(np.mean(1.0 / ranks))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", type=Path, required=True)
    ap.add_argument("variants", nargs="*", default=["shipped", *VARIANTS])
    args = ap.parse_args()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # the quantiser's pre-processing hint
    cache = Settings().cache_dir
    folder = provision_offline_e5(cache)
    fp32 = onnx_model_path(folder, cache)
    rows = _rows(args.dataset)
    passages = dpr_passages(rows)
    texts = [p[2] for p in passages]
    pos = {p[0]: i for i, p in enumerate(passages)}
    questions = sample(dpr_questions(rows, "question"), 3000, 13)
    gold = np.array([pos[g] for _, g in questions])
    qtexts = [q for q, _ in questions]

    def embedder(path: Path) -> OnnxEmbedder:
        return OnnxEmbedder(folder, path, name=path.stem, model_id=path.stem, batch_size=4,
                            prompts=("query: ", "passage: "))

    def passages_of(emb: OnnxEmbedder) -> tuple[np.ndarray, float]:
        emb.embed_documents(texts[:8])  # session start and warm-up, not timed
        t0 = time.perf_counter()
        vecs = emb.embed_documents(texts)
        return vecs, len(texts) / (time.perf_counter() - t0)

    base = embedder(fp32)
    q32 = base.embed_queries(qtexts)
    p32, speed = passages_of(base)
    ref = mrr_at_10(p32, q32, gold)
    print(f"{len(texts)} passages, {len(questions)} questions")
    print(f"{'variant':10} {'int8 passages + fp32 queries':>30} {'int8 both sides':>17} "
          f"{'passages/s':>11}")
    print(f"{'fp32':10} {ref:30.4f} {ref:17.4f} {speed:11.1f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.variants:
            if name == "shipped":
                path = onnx_int8_path(folder, cache)
            else:
                kw = dict(VARIANTS[name])
                kw["weight_type"] = getattr(QuantType, kw["weight_type"])
                path = Path(tmp) / f"{name}.onnx"
                quantize_dynamic(str(fp32), str(path), **kw)
            # As Quelle runs it: int8 passages (one per run), fp32 queries.
            p8, speed = passages_of(OnnxEmbedder(
                folder, fp32, passage_file=path, name=name, model_id=name, batch_size=4,
                prompts=("query: ", "passage: ")))
            asym = mrr_at_10(p8, q32, gold)
            sym = mrr_at_10(p8, embedder(path).embed_queries(qtexts), gold)
            print(f"{name:10} {asym:22.4f} ({asym - ref:+.4f}) {sym:9.4f} ({sym - ref:+.4f}) "
                  f"{speed:11.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
