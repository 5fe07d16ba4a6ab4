"""Load a causal LM and its tokenizer with transformers, once per process.

Shared by the ``transformers`` generation backend and the german_rag_eval harness so that
what we validate is exactly what we serve.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_cache: dict[tuple[str, str | None, str | None, str | None], tuple[Any, Any]] = {}


def _import_transformers() -> tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "The transformers backend needs torch and transformers: "
            "pip install 'torch==2.13.0' 'transformers>=5'"
        ) from exc
    return torch, transformers


def resolve_device(device: str | None = None) -> str:
    torch, _ = _import_transformers()
    if device and device != "auto":
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_causal_lm(
    model_id: str,
    *,
    dtype: str | None = None,
    quantization: str | None = None,
    device: str | None = None,
) -> tuple[Any, Any]:
    """Return ``(model, tokenizer)`` for a hub id or a local folder.

    On CUDA the default dtype is bfloat16 with ``device_map="auto"``; ``quantization="4bit"``
    uses bitsandbytes NF4. On CPU the checkpoint's own dtype is kept unless ``dtype`` is given.
    """
    key = (model_id, dtype, quantization, device)
    with _lock:
        if key in _cache:
            return _cache[key]
        torch, transformers = _import_transformers()
        dev = resolve_device(device)
        kwargs: dict[str, Any] = {}
        if dtype and dtype != "auto":
            kwargs["dtype"] = getattr(torch, dtype)
        elif dev.startswith("cuda"):
            kwargs["dtype"] = torch.bfloat16
        else:
            kwargs["dtype"] = "auto"
        if quantization in ("4bit", "8bit"):
            if not dev.startswith("cuda"):
                raise RuntimeError(f"{quantization} quantisation needs a CUDA GPU (bitsandbytes)")
            try:
                import bitsandbytes  # noqa: F401
            except ImportError as exc:
                raise RuntimeError(
                    "RAG_LLM_QUANTIZATION=4bit needs bitsandbytes: pip install 'quelle[gpu]'"
                ) from exc
            kwargs["quantization_config"] = transformers.BitsAndBytesConfig(
                load_in_4bit=quantization == "4bit",
                load_in_8bit=quantization == "8bit",
                bnb_4bit_compute_dtype=torch.bfloat16,
                bnb_4bit_quant_type="nf4",
            )
        if dev.startswith("cuda"):
            kwargs["device_map"] = "auto"
        try:
            tokenizer = transformers.AutoTokenizer.from_pretrained(model_id)
            model = transformers.AutoModelForCausalLM.from_pretrained(model_id, **kwargs)
        except OSError as exc:
            raise RuntimeError(
                f"Could not load the model '{model_id}': {exc}. Without access to the model "
                "hub, download it elsewhere and set RAG_LLM_MODEL to the local folder."
            ) from exc
        if not dev.startswith("cuda"):
            model.to(dev)
        model.eval()
        _cache[key] = (model, tokenizer)
        return model, tokenizer
