"""Retrieval cost of ONNX Runtime's dynamic int8 variants on the DPR dev data (dense, exact).

Why int8 runs on torch: this script quantises the cached fp32 ONNX export of the embedding
model with ``onnxruntime.quantization.quantize_dynamic`` in a few configurations, embeds all
dev passages and the ``rag eval retrieval`` sample of ``question`` questions (3,000, seed 13)
with each, and prints MRR@10 of an exact cosine ranking next to fp32. The limit for keeping a
speed-up is a loss below 0.005 MRR@10.

    python benchmarks/onnx_int8_quality.py \
        --dataset ../shared/data/wikipedia-de-dpr/dpr-de-dev.jsonl.gz [fp32 s8pc_rr s8pc u8pc]
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
from rag.components.embeddings.onnx_export import onnx_model_path  # noqa: E402
from rag.eval.retrieval import (  # noqa: E402
    _rows,
    dpr_passages,
    dpr_questions,
    passage_vectors,
    sample,
)
from rag.settings import Settings  # noqa: E402

VARIANTS = {  # name -> quantize_dynamic arguments (weight type, per channel, reduced range)
    "s8pc_rr": ("QInt8", True, True),
    "s8pc": ("QInt8", True, False),
    "u8pc": ("QUInt8", True, False),
}


def mrr_at_10(emb: OnnxEmbedder, ids: list[str], texts: list[str],
              questions: list[tuple[str, str]], cache: Path) -> float:
    pv = passage_vectors(emb, texts, cache)
    qv = emb.embed_queries([q for q, _ in questions])
    pos = {p: i for i, p in enumerate(ids)}
    rr = []
    for (_, gold), v in zip(questions, qv, strict=True):
        top = np.argsort(-(pv @ v))[:10]
        hit = np.flatnonzero(top == pos[gold])
        rr.append(1.0 / (hit[0] + 1) if hit.size else 0.0)
    return float(np.mean(rr))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", type=Path, required=True)
    ap.add_argument("variants", nargs="*", default=["fp32", *VARIANTS])
    args = ap.parse_args()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # the quantiser's pre-processing hint
    settings = Settings()
    folder = provision_offline_e5(settings.cache_dir)
    fp32 = onnx_model_path(folder, settings.cache_dir)
    rows = _rows(args.dataset)
    passages = dpr_passages(rows)
    ids, texts = [p[0] for p in passages], [p[2] for p in passages]
    questions = sample(dpr_questions(rows, "question"), 3000, 13)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.variants:
            path = fp32
            if name != "fp32":
                weight, per_channel, reduce_range = VARIANTS[name]
                path = Path(tmp) / f"{name}.onnx"
                quantize_dynamic(str(fp32), str(path), weight_type=getattr(QuantType, weight),
                                 per_channel=per_channel, reduce_range=reduce_range)
            t0 = time.perf_counter()
            emb = OnnxEmbedder(folder, path, name=name, model_id=f"onnx-{name}", batch_size=4,
                               prompts=("query: ", "passage: "))
            score = mrr_at_10(emb, ids, texts, questions, Path(tmp) / "vectors")
            print(f"{name}: MRR@10 {score:.4f} ({time.perf_counter() - t0:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
