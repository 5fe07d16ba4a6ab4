"""The ONNX Runtime embedding backend (the default on a CPU): same vectors as torch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.components.embeddings import EmbeddingError, make_embedder
from rag.components.embeddings.base import at_query_time
from rag.components.embeddings.offline_e5 import MODEL_ID, provision_offline_e5
from rag.components.embeddings.onnx_backend import OnnxEmbedder
from rag.components.embeddings.onnx_export import onnx_int8_path, onnx_model_path
from rag.settings import Settings
from tests.conftest import base_settings
from tests.unit.rag.test_embeddings import PASSAGES, QUERIES


@pytest.fixture(scope="module")
def both() -> tuple[OnnxEmbedder, object]:
    onnx = make_embedder(base_settings(embedding_backend="onnx",
                                       embedding_quantization="none")).real()
    torch = make_embedder(base_settings(embedding_backend="torch")).real()
    assert isinstance(onnx, OnnxEmbedder)
    return onnx, torch


def test_onnx_is_the_cpu_default_with_the_same_model_id(both) -> None:  # noqa: ANN001
    onnx, torch = both
    assert base_settings().embedding.backend == "onnx"
    assert onnx.model_id == torch.model_id == MODEL_ID
    assert (onnx.dimension, onnx.max_tokens) == (torch.dimension, torch.max_tokens)


def test_onnx_vectors_equal_torch_vectors(both) -> None:  # noqa: ANN001
    onnx, torch = both
    np.testing.assert_allclose(onnx.embed_documents(PASSAGES), torch.embed_documents(PASSAGES),
                               atol=2e-5)
    np.testing.assert_allclose(onnx.embed_queries(QUERIES), torch.embed_queries(QUERIES),
                               atol=2e-5)
    assert onnx.embed_documents([]).shape == (0, 384)
    with pytest.raises(TypeError):
        onnx.embed_documents("kein Sequence-Argument")  # type: ignore[arg-type]


def test_onnx_batches_and_order_do_not_change_vectors(both) -> None:  # noqa: ANN001
    onnx, _ = both
    whole = onnx.embed_documents(PASSAGES)
    one_by_one = np.stack([onnx.embed_documents([p])[0] for p in PASSAGES])
    np.testing.assert_allclose(whole, one_by_one, atol=2e-5)


def test_onnx_counts_tokens_like_torch_and_truncates_long_texts(both) -> None:  # noqa: ANN001
    onnx, torch = both
    for text in PASSAGES + QUERIES + ["", "   "]:
        assert onnx.count_tokens(text) == torch.count_tokens(text), text
    long_text = " ".join(PASSAGES) * 4
    first = onnx.embed_documents([long_text])  # truncated to the model's 512 tokens
    assert onnx.count_tokens(long_text) > 600  # counting sees the whole text
    np.testing.assert_allclose(first, torch.embed_documents([long_text]), atol=2e-5)


def test_export_is_done_once_and_reused() -> None:
    folder = provision_offline_e5(Settings().cache_dir)
    path = onnx_model_path(folder, Settings().cache_dir)
    before = path.stat()
    assert onnx_model_path(folder, Settings().cache_dir) == path
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_unsupported_pooling_is_a_clear_error(tmp_path: Path) -> None:
    src = provision_offline_e5(Settings().cache_dir)
    folder = tmp_path / "max-pooling-model"
    shutil.copytree(src, folder, ignore=shutil.ignore_patterns("model.safetensors"))
    (folder / "model.safetensors").symlink_to(src / "model.safetensors")
    cfg = folder / "1_Pooling" / "config.json"
    data = json.loads(cfg.read_text())
    data.update(pooling_mode_mean_tokens=False, pooling_mode_max_tokens=True)
    cfg.write_text(json.dumps(data))
    settings = base_settings(embedding_model=str(folder), cache_dir=tmp_path / "cache")
    with pytest.raises(EmbeddingError, match="RAG_EMBEDDING_BACKEND=torch"):
        make_embedder(settings).embed_queries(["x"])
    assert not (tmp_path / "cache" / "onnx").exists()  # failed before any export


def test_other_devices_use_torch() -> None:
    from rag.components.embeddings import _backend, precision

    assert _backend(base_settings(embedding_device="cuda")) == "torch"
    assert _backend(base_settings(embedding_backend="torch")) == "torch"
    assert _backend(base_settings()) == "onnx"
    # auto: int8 passages only where the onnx backend runs; an explicit int8 on torch is
    # torch's int8 on both sides.
    assert precision(base_settings()) == "onnx-int8"
    assert precision(base_settings(embedding_quantization="int8")) == "onnx-int8"
    assert precision(base_settings(embedding_quantization="none")) == "fp32"
    assert precision(base_settings(embedding_device="cuda")) == "fp32"
    assert precision(base_settings(embedding_backend="torch")) == "fp32"
    assert precision(base_settings(embedding_backend="torch",
                                   embedding_quantization="int8")) == "torch-int8"


# --- the default: int8 passages, fp32 queries ------------------------------------------


def test_default_embeds_passages_in_int8_and_queries_in_fp32(both) -> None:  # noqa: ANN001
    fp32, _ = both
    default = make_embedder(base_settings())
    assert default.model_id == fp32.model_id  # one collection serves both
    assert "int8" in default.name
    real = default.real()
    assert isinstance(real, OnnxEmbedder)
    assert real.passage_file.name == "model.int8.onnx" and real.query_file.name == "model.onnx"
    assert real.vectors_id != real.model_id  # cached eval vectors are kept apart
    # Queries: exactly the fp32 vectors.
    np.testing.assert_allclose(default.embed_queries(QUERIES), fp32.embed_queries(QUERIES),
                               atol=2e-5)
    # Passages: the int8 model really ran (not identical), but stays close to fp32 ...
    p8, p32 = default.embed_documents(PASSAGES), fp32.embed_documents(PASSAGES)
    assert np.abs(p8 - p32).max() > 1e-3
    assert np.allclose(np.linalg.norm(p8, axis=1), 1, atol=1e-4)
    assert (p8 * p32).sum(1).min() > 0.98
    # ... and ranks the passages for each question as fp32 does.
    q = fp32.embed_queries(QUERIES)
    assert ((q @ p8.T).argmax(1) == (q @ p32.T).argmax(1)).all()
    # One text per int8 run: a passage's vector does not depend on its batch mates.
    alone = np.stack([default.embed_documents([t])[0] for t in PASSAGES])
    np.testing.assert_allclose(p8, alone, atol=1e-5)
    # While answering, passage-side texts get the calibrated fp32 vectors.
    exact = at_query_time(default)
    np.testing.assert_allclose(exact.embed_documents(PASSAGES), p32, atol=2e-5)
    assert exact.vectors_id == exact.model_id and at_query_time(fp32) is fp32


def test_int8_file_is_quantised_once_and_smaller() -> None:
    cache = Settings().cache_dir
    folder = provision_offline_e5(cache)
    path = onnx_int8_path(folder, cache)
    before = path.stat()
    assert onnx_int8_path(folder, cache) == path and path.stat().st_ino == before.st_ino
    assert before.st_size < 0.5 * onnx_model_path(folder, cache).stat().st_size
    assert not list(path.parent.glob("*.tmp"))


def _e5(*, int8: bool) -> OnnxEmbedder:
    """The offline e5 as OnnxEmbedder: fp32 only, or int8 passages with fp32 queries."""
    cache = Settings().cache_dir
    folder = provision_offline_e5(cache)
    return OnnxEmbedder(folder, onnx_model_path(folder, cache),
                        passage_file=onnx_int8_path(folder, cache) if int8 else None,
                        name="e5", model_id="e5", prompts=("query: ", "passage: "))


def test_sessions_open_on_first_use() -> None:
    emb = _e5(int8=True)
    assert emb.dimension == 384 and not emb._sessions  # a search-only process ...
    emb.embed_queries(["Wie viel Urlaub steht mir zu?"])
    # Sentences scored while answering use the fp32 model too (at_query_time) ...
    at_query_time(emb).embed_documents(["Der Urlaub beträgt 30 Arbeitstage."])
    assert set(emb._sessions) == {emb.query_file}  # ... so answering never loads int8
    emb.embed_documents(["Der Urlaub beträgt 30 Arbeitstage."])
    assert set(emb._sessions) == {emb.query_file, emb.passage_file}


def test_int8_passages_run_one_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from rag.components.embeddings import onnx_backend

    monkeypatch.setattr(onnx_backend, "usable_cores", lambda: 2)
    emb = _e5(int8=True)
    threads: set[str] = set()
    real_batch = emb._batch

    def spy(session, texts):  # noqa: ANN001, ANN202
        threads.add(threading.current_thread().name)
        return real_batch(session, texts)

    monkeypatch.setattr(emb, "_batch", spy)
    vecs = emb.embed_documents(PASSAGES)
    # Two single-threaded runs at a time, each a text of its own ...
    assert len(threads) == 2 and all(t.startswith("onnx-embed") for t in threads)
    opts = emb._sessions[emb.passage_file].get_session_options()
    assert opts.intra_op_num_threads == 1
    # ... in the order given (each vector is that text's own) ...
    alone = np.stack([emb.embed_documents([t])[0] for t in PASSAGES])
    np.testing.assert_allclose(vecs, alone, atol=1e-5)
    # ... while a query runs alone on all cores.
    threads.clear()
    emb.embed_queries(QUERIES)
    assert threads == {threading.current_thread().name}
    assert emb._sessions[emb.query_file].get_session_options().intra_op_num_threads == 2


def test_concurrent_int8_batches_share_one_run_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from rag.components.embeddings import onnx_backend

    monkeypatch.setattr(onnx_backend, "usable_cores", lambda: 2)
    emb = _e5(int8=True)
    assert emb.queues_runs  # ingest may hand it two batches at once
    lock = threading.Lock()
    running, most = [0], [0]
    threads: set[str] = set()
    real_batch = emb._batch

    def spy(session, texts):  # noqa: ANN001, ANN202
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            threads.add(threading.current_thread().name)
        try:
            return real_batch(session, texts)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(emb, "_batch", spy)
    halves = [PASSAGES[::2], PASSAGES[1::2]]
    with ThreadPoolExecutor(2) as callers:
        together = list(callers.map(emb.embed_documents, halves * 2))
    # Four batches at once still run two texts at a time, on the same two threads ...
    assert most[0] == 2 and len(threads) == 2
    assert all(t.startswith("onnx-embed") for t in threads)
    # ... and each caller gets its own texts' vectors.
    for half, vecs in zip(halves * 2, together, strict=True):
        np.testing.assert_allclose(vecs, np.stack([emb.embed_documents([t])[0] for t in half]),
                                   atol=1e-5)
    assert not _e5(int8=False).queues_runs  # its runs use all cores each: one batch at a time
