"""Optional cross-encoder reranking of the fused hits (``RAG_RERANKER_MODEL``).

Off by default: no cross-encoder weights are available offline here. With a model id (e.g.
``BAAI/bge-reranker-v2-m3``, needs the Hugging Face hub or its cache) or a local folder the
top ``reranker_top_n`` hits are re-scored by the sentence-transformers ``CrossEncoder``;
the rest keep their order behind them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.types import SearchHit

if TYPE_CHECKING:
    from rag.settings import Settings


class RerankerError(RuntimeError):
    """The reranker model cannot be loaded; the message is meant for users."""


class Reranker:
    def __init__(
        self,
        model: str,
        *,
        device: str = "cpu",
        top_n: int = 20,
        max_length: int = 512,
        batch_size: int = 16,
    ) -> None:
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as exc:  # pragma: no cover - a core dependency
            raise RerankerError(
                "sentence-transformers fehlt: pip install sentence-transformers"
            ) from exc
        folder = Path(model).expanduser()
        try:
            self.model: Any = CrossEncoder(
                str(folder) if folder.is_dir() else model,
                device=device,
                max_length=max_length,
                local_files_only=folder.is_dir(),
            )
        except Exception as exc:
            raise RerankerError(
                f"Das Reranker-Modell '{model}' konnte nicht geladen werden ({exc}). Legen Sie "
                "das Modell als Ordner ab und setzen Sie RAG_RERANKER_MODEL auf diesen Ordner, "
                "oder lassen Sie RAG_RERANKER_MODEL leer (ohne Reranking)."
            ) from exc
        self.name = model
        self.top_n = top_n
        self.batch_size = batch_size

    def scores(self, query: str, texts: Sequence[str]) -> np.ndarray:
        """Relevance of each text for ``query`` (higher is better)."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        out = self.model.predict(
            [(query, t) for t in texts], batch_size=self.batch_size, show_progress_bar=False
        )
        out = np.asarray(out, dtype=np.float32)
        # Models with several labels: the last one is "relevant" by convention.
        return out[:, -1] if out.ndim == 2 else out

    def rerank(self, query: str, hits: Sequence[SearchHit]) -> list[SearchHit]:
        """The first ``top_n`` hits re-ordered by the cross-encoder (its score replaces the
        fused one); hits beyond ``top_n`` follow unchanged."""
        head, tail = list(hits[: self.top_n]), list(hits[self.top_n :])
        if len(head) < 2:
            return list(hits)
        s = self.scores(query, [h.chunk.text for h in head])
        order = np.argsort(-s, kind="stable")
        return [replace(head[i], score=float(s[i])) for i in order] + tail


_cache: dict[tuple[str, str, int], Reranker] = {}
_lock = threading.Lock()


def get_reranker(settings: Settings) -> Reranker:
    """One loaded reranker per (model, device, top_n)."""
    r = settings.retrieval
    key = (r.reranker_model.strip(), settings.embedding.device, r.reranker_top_n)
    with _lock:
        if key not in _cache:
            _cache[key] = Reranker(key[0], device=key[1], top_n=key[2])
        return _cache[key]
