"""RAG_EMBEDDING_QUANTIZATION=int8 with the torch backend: int8 on both sides, own model id.

(With the default onnx backend, int8 embeds only passages and keeps the model id:
tests/test_embeddings_onnx.py.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.components.embeddings import make_embedder
from rag.components.store import EmbeddingMismatchError
from rag.index import Index
from tests.conftest import base_settings, make_settings

SENTENCES = [
    "Die Kilometerpauschale für Dienstreisen mit dem Privatwagen beträgt 30 Cent.",
    "Die Bibliothek ist montags bis freitags von 10 bis 19 Uhr geöffnet.",
    "Überstunden werden durch Freizeit ausgeglichen.",
    "Beim Filterwechsel ist die Wärmepumpe vom Stromnetz zu trennen.",
    "Der Urlaubsanspruch beträgt 30 Arbeitstage im Kalenderjahr.",
]


@pytest.fixture(scope="module")
def int8_embedder():  # noqa: ANN201
    return make_embedder(base_settings(embedding_quantization="int8", embedding_backend="torch"))


def test_int8_embedder_is_close_to_fp32_and_named_honestly(embedder, int8_embedder) -> None:  # noqa: ANN001
    before = embedder.embed_documents(SENTENCES)
    assert int8_embedder is not embedder
    assert int8_embedder.model_id == embedder.model_id + "+int8"
    assert "(int8)" in int8_embedder.name
    assert type(int8_embedder.real()).__name__ == "SentenceTransformerEmbedder"
    q = int8_embedder.embed_documents(SENTENCES)
    assert q.shape == before.shape and np.allclose(np.linalg.norm(q, axis=1), 1, atol=1e-4)
    cos = (q * before).sum(1)
    assert cos.min() > 0.95 and cos.mean() > 0.97
    # The fp32 model was not quantised along the way.
    assert np.allclose(embedder.embed_documents(SENTENCES), before, atol=1e-5)
    query = int8_embedder.embed_queries(["Wie viel Geld gibt es pro Kilometer mit dem Auto?"])
    assert int((q @ query[0]).argmax()) == 0


def test_int8_and_fp32_collections_are_never_mixed(tmp_path: Path, embedder,  # noqa: ANN001
                                                   int8_embedder) -> None:
    settings = make_settings(tmp_path)
    Index(settings, embedder)  # collection created with the fp32 model
    with pytest.raises(EmbeddingMismatchError, match="reindex"):
        Index(settings, int8_embedder)
