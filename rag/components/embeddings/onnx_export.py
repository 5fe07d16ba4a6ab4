"""Export a sentence-transformers folder's transformer to ONNX, once, into the cache.

The export is what makes the ONNX Runtime backend possible without the ``optimum`` package
(whose ONNX support pins transformers < 4.58). The graph has two inputs, ``input_ids`` and
``attention_mask``, and one output, ``last_hidden_state``; pooling stays in Python.

The result lives under ``cache_dir/onnx/<folder key>/``: the key changes with the folder's
model files, so an updated folder is exported anew. Export needs torch, transformers and
``onnx``; afterwards only onnxruntime is used.

``onnx_int8_path`` adds a dynamically quantised copy (int8 weights, one scale per output
channel) next to it. It embeds passages at ingest; queries stay on the fp32 file. Measured on
the DPR dev data (benchmarks/onnx_int8_quality.py): int8 passages with fp32 queries lose
~0.002 MRR@10 (dense, exact), int8 on both sides 0.005-0.007.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from rag.components.embeddings.base import EmbeddingError
from rag.components.embeddings.offline_e5 import build_lock, make_readable

EXPORT_VERSION = 1
FP32 = "model.onnx"
INT8 = "model.int8.onnx"
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "config.json")


def folder_key(folder: Path) -> str:
    """Identifies a model folder's weights: path, size and mtime of its model files."""
    h = hashlib.sha256(f"v{EXPORT_VERSION}".encode())
    for name in _WEIGHT_FILES:
        p = folder / name
        if p.is_file():
            st = p.stat()
            h.update(f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def onnx_model_path(folder: Path, cache_dir: Path) -> Path:
    """The ONNX file for ``folder`` (exported on first use)."""
    folder = folder.resolve()
    root = Path(cache_dir) / "onnx"
    final = root / f"{folder.name}-{folder_key(folder)}"
    if (final / FP32).is_file():
        return final / FP32
    root.mkdir(parents=True, exist_ok=True)
    with build_lock(root / f".{final.name}.lock"):
        if not (final / FP32).is_file():
            tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=root))
            try:
                _export(folder, tmp / FP32)
                (tmp / "export.json").write_text(json.dumps(
                    {"folder": str(folder), "export_version": EXPORT_VERSION}), "utf-8")
                make_readable(tmp)
                if final.exists():
                    shutil.rmtree(final)
                os.replace(tmp, final)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    return final / FP32


def onnx_int8_path(folder: Path, cache_dir: Path) -> Path:
    """The int8 ONNX file for ``folder``: quantised from the fp32 export on first use."""
    fp32 = onnx_model_path(folder, cache_dir)
    target = fp32.with_name(INT8)
    if target.is_file():
        return target
    with build_lock(fp32.parent.parent / f".{fp32.parent.name}.int8.lock"):
        if not target.is_file():
            tmp = target.with_name(f".{INT8}.{os.getpid()}.tmp")
            try:
                _quantize(fp32, tmp)
                tmp.chmod(0o644)
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
    return target


def _quantize(source: Path, target: Path) -> None:
    import logging

    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise EmbeddingError("Die int8-Quantisierung braucht onnxruntime.") from exc
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser logs a pre-processing hint on the root logger
    try:
        # Default op types (MatMul and the embedding Gather), signed int8 weights per output
        # channel: the variant with the smallest measured loss of those tried.
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8,
                         per_channel=True)
    finally:
        root.setLevel(level)


def _export(folder: Path, target: Path) -> None:
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise EmbeddingError("Der ONNX-Export braucht torch und transformers.") from exc
    try:
        import onnx  # noqa: F401  (the exporter needs it)
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise EmbeddingError("Der ONNX-Export braucht das Paket 'onnx': pip install onnx") from exc

    # Eager attention: the fused SDPA path may drop the mask for unpadded example inputs.
    model = AutoModel.from_pretrained(folder, attn_implementation="eager").eval()

    class _Hidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    # A padded two-row example, so the traced graph really uses the attention mask.
    ids = torch.tensor([[0, 5, 6, 7, 2], [0, 5, 2, 1, 1]])
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    dyn = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Hidden(model), (ids, mask), str(target),
            input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "last_hidden_state": dyn},
            opset_version=17, dynamo=False,
        )
