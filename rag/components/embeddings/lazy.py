"""An embedder that loads its model on first use.

Importing sentence-transformers (and with it torch and transformers) and loading the model
costs seconds to tens of seconds on a small CPU, while opening the store only needs the
model's id and dimension. A local sentence-transformers folder names both in small JSON
files, so ``rag ingest`` of unchanged files, ``rag docs`` and the web app's first page never
pay for the model.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.components.embeddings.base import Embedder, EmbeddingError, pick_prompts

# Modules whose output dimension is the pooling dimension (no projection layer after it).
_PLAIN_MODULES = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
    "sentence_transformers.base.modules.Transformer",
    "sentence_transformers.sentence_transformer.modules.Transformer",
    "sentence_transformers.sentence_transformer.modules.Pooling",
    "sentence_transformers.sentence_transformer.modules.Normalize",
}


@dataclass(frozen=True)
class FolderDescription:
    model_id: str
    name: str
    dimension: int


def folder_identity(folder: Path, marker: str) -> tuple[str, str]:
    """(model id, display name) of a model folder: the ``marker`` file's, else the folder's.

    Our own builds (and users who want a stable id) record both in ``marker``.
    """
    folder = folder.resolve()
    try:
        info = json.loads((folder / marker).read_text(encoding="utf-8"))
        return str(info["model_id"]), str(info.get("name") or info["model_id"])
    except (OSError, ValueError, KeyError):
        return folder.name, f"{folder.name} (lokaler Ordner {folder})"


def folder_prompts(folder: Path, model_id: str) -> tuple[str, str]:
    """(query prompt, passage prompt) from the folder's config, else e5's convention."""
    try:
        cfg = json.loads((folder / "config_sentence_transformers.json").read_text("utf-8"))
        saved = cfg.get("prompts")
    except (OSError, ValueError, AttributeError):
        saved = None
    return pick_prompts(saved if isinstance(saved, dict) else None, model_id)


def describe_folder(folder: Path, marker: str) -> FolderDescription | None:
    """Id, display name and dimension of a sentence-transformers folder, read from its JSON.

    None when the folder has modules whose output dimension cannot be read this way (a
    Dense projection, a custom module): such models are loaded eagerly.
    """
    folder = folder.resolve()
    model_id, name = folder_identity(folder, marker)
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        if any(m.get("type") not in _PLAIN_MODULES for m in modules):
            return None
        pooling = next(m for m in modules if m["type"].endswith(".Pooling"))
        cfg = json.loads((folder / pooling["path"] / "config.json").read_text(encoding="utf-8"))
        dimension = int(cfg["word_embedding_dimension"])
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
        return None
    return FolderDescription(model_id, name, dimension)


class LazyEmbedder:
    """``Embedder`` that knows its id and dimension up front and loads the model when used.

    ``load`` must return an embedder with exactly that id and dimension; a mismatch (the
    folder changed under us) is an error rather than a silently mixed collection.
    """

    def __init__(self, model_id: str, name: str, dimension: int,
                 load: Callable[[], Embedder]) -> None:
        self.model_id = model_id
        self.name = name
        self.dimension = dimension
        self._load = load
        self._real: Embedder | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._real is not None

    def real(self) -> Embedder:
        with self._lock:
            if self._real is None:
                real = self._load()
                if (real.model_id, real.dimension) != (self.model_id, self.dimension):
                    raise EmbeddingError(
                        f"Das geladene Embedding-Modell ({real.model_id}, {real.dimension} Dim.) "
                        f"passt nicht zur Beschreibung ({self.model_id}, {self.dimension} Dim.)."
                    )
                self._real = real
            return self._real

    # --- Embedder ---------------------------------------------------------------------
    @property
    def max_tokens(self) -> int:
        return self.real().max_tokens

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self.real().embed_documents(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.real().embed_queries(texts)

    def count_tokens(self, text: str) -> int:
        return self.real().count_tokens(text)

    def __getattr__(self, attr: str) -> Any:
        # Everything else a backend offers (tokenizer, model, batch_size, ...) needs the model.
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self.real(), attr)
