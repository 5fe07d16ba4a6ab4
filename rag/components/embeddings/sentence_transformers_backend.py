"""Embeddings with sentence-transformers: a hub model, a local folder or the offline e5 build."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rag.components.embeddings.base import (
    EmbeddingError,
    count_untruncated,
    longest_first,
    pick_prompts,
    usable_cores,
)


def import_sentence_transformers() -> Any:
    try:
        import sentence_transformers
        import torch  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise EmbeddingError(
            "Für Embeddings werden torch und sentence-transformers benötigt: "
            "pip install 'torch==2.13.0' 'sentence-transformers>=5'"
        ) from exc
    return sentence_transformers


def configure_torch_threads() -> None:
    """Use no more intra-op threads than this process may run on (containers, taskset)."""
    import torch

    usable = usable_cores()
    if torch.get_num_threads() > usable:
        torch.set_num_threads(usable)


def load_sentence_transformer(
    name_or_path: str, *, device: str = "cpu", local_files_only: bool = False, **kwargs: Any
) -> Any:
    """``SentenceTransformer(name_or_path)``; hub ids use the normal hub/cache loading.

    ``device="auto"`` lets sentence-transformers choose (CUDA/MPS when present).
    """
    st = import_sentence_transformers()
    configure_torch_threads()
    try:
        return st.SentenceTransformer(
            name_or_path,
            device=None if device == "auto" else device,  # None: sentence-transformers picks
            local_files_only=local_files_only,
            **kwargs,
        )
    except Exception as exc:  # many error types (OSError, HTTP, ValueError) mean "cannot load"
        raise EmbeddingError(
            f"Das Embedding-Modell '{name_or_path}' konnte nicht geladen werden: {exc}"
        ) from exc


def resolve_prompts(model: Any, model_id: str) -> tuple[str, str]:
    """(query prompt, passage prompt): the model's own configuration, else e5's convention."""
    return pick_prompts(getattr(model, "prompts", None), model_id)


class SentenceTransformerEmbedder:
    """``Embedder`` on top of a loaded ``SentenceTransformer``."""

    def __init__(
        self,
        model: Any,
        *,
        name: str,
        model_id: str,
        batch_size: int = 32,
        prompts: Mapping[str, str] | None = None,
        sort_by_length: bool = True,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.model = model
        self.name = name
        self.model_id = model_id
        self.batch_size = batch_size
        self.sort_by_length = sort_by_length
        if prompts is not None:
            self.query_prompt = prompts.get("query", "")
            self.passage_prompt = prompts.get("passage", prompts.get("document", ""))
        else:
            self.query_prompt, self.passage_prompt = resolve_prompts(model, model_id)
        self.tokenizer = model.tokenizer
        dimension = model.get_embedding_dimension()
        if not dimension:
            raise EmbeddingError(f"Das Modell '{name}' nennt keine Embedding-Dimension.")
        self.dimension = int(dimension)
        # Every use of the tokenizer goes through this lock: encoding switches truncation and
        # padding on in the shared tokenizer, counting switches them off. (A private copy
        # would avoid the lock but costs ~285 MB for XLM-R's 250k-piece vocabulary.)
        self._tok_lock = threading.RLock()
        special = len(self.tokenizer("", add_special_tokens=True)["input_ids"])
        prompt_tokens = max(self.count_tokens(p) for p in (self.query_prompt, self.passage_prompt))
        self.max_tokens = int(model.max_seq_length) - special - prompt_tokens

    # --- Embedder ---------------------------------------------------------------------
    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, self.passage_prompt)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, self.query_prompt)

    def count_tokens(self, text: str) -> int:
        backend = getattr(self.tokenizer, "backend_tokenizer", None)
        with self._tok_lock:
            if backend is None:  # a tokenizer without the Rust backend: the slower way
                return len(self.tokenizer(text, add_special_tokens=False,
                                          truncation=False)["input_ids"])
            return count_untruncated(backend, text)

    # --- internals --------------------------------------------------------------------
    def _order(self, texts: list[str]) -> np.ndarray:
        return longest_first(texts) if self.sort_by_length else np.arange(len(texts))

    def _embed(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        import torch

        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings, not one string")
        items = list(texts)
        out = np.empty((len(items), self.dimension), dtype=np.float32)
        if not items:
            return out
        order = self._order(items)
        with torch.inference_mode():
            for start in range(0, len(items), self.batch_size):
                idx = order[start : start + self.batch_size]
                with self._tok_lock:
                    vectors = self.model.encode(
                        [items[i] for i in idx],
                        prompt=prompt,
                        batch_size=len(idx),
                        convert_to_numpy=True,
                        normalize_embeddings=True,
                        show_progress_bar=False,
                    )
                out[idx] = vectors
        return out
