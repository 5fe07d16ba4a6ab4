"""Shared fixtures: real offline embedding model, scratch Chroma stores (embedded and server)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.settings import Settings
from tests.support.paths import CORPORA, REPO  # noqa: F401 - re-exported for tests


def base_settings(**kw: object) -> Settings:
    # embedding_source=offline: tests never try the hub; the model is built once per machine.
    return Settings(_env_file=None, embedding_source="offline", **kw)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def embedder():  # noqa: ANN201
    from rag.components.embeddings import make_embedder

    return make_embedder(base_settings())


def server_params() -> tuple[str, int] | None:
    host = os.environ.get("RAG_TEST_CHROMA_HOST")
    return (host, int(os.environ.get("RAG_TEST_CHROMA_PORT", "8000"))) if host else None


_counter = iter(range(10**6))


def make_settings(tmp_path: Path, mode: str = "embedded", **kw: object) -> Settings:
    """Scratch settings; in server mode a fresh collection name per call isolates tests."""
    if mode == "server":
        params = server_params()
        if params is None:
            if os.environ.get("CI"):
                pytest.fail("CI must provide a Chroma server (RAG_TEST_CHROMA_HOST)")
            pytest.skip("no Chroma server (set RAG_TEST_CHROMA_HOST/PORT; scripts/test.sh does)")
        kw.setdefault("collection", f"t{os.getpid()}x{next(_counter)}")
        return base_settings(store_dir=tmp_path / "store", chroma_host=params[0],
                             chroma_port=params[1], **kw)
    return base_settings(store_dir=tmp_path / "store", **kw)


@pytest.fixture(params=["embedded", "server"])
def store_mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Iterator[Path]:
    """A private copy of corpora/ that a test may change."""
    dst = tmp_path / "corpora"
    shutil.copytree(CORPORA, dst, ignore=shutil.ignore_patterns("*.py", "*.jsonl", "*.md"))
    yield dst


def scans_readable() -> bool:
    """Whether the scanned demo documents (``*_scan.pdf``) can be read here: Tesseract is
    installed, or this is CI (which installs it, so a missing one fails there)."""
    from ingest.ocr import ocr_available

    return ocr_available() or os.environ.get("CI") == "true"


def _readable(doc: str) -> bool:
    return not doc.endswith("_scan.pdf") or scans_readable()


def load_qa() -> list[dict]:
    """The gold questions (those about scanned documents only where OCR can run)."""
    import json

    rows = [json.loads(line) for line in (CORPORA / "qa.jsonl").read_text("utf-8").splitlines()
            if line.strip()]
    return [r for r in rows if not r.get("doc") or _readable(r["doc"])]


def corpus_files() -> list[Path]:
    """The demo documents (every file ingest reads, except the README); the scanned ones
    only where OCR can run."""
    from ingest.loaders import SUPPORTED_SUFFIXES

    return sorted(p for p in CORPORA.iterdir()
                  if p.suffix.lower() in SUPPORTED_SUFFIXES and p.name != "README.md"
                  and _readable(p.name))


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory, embedder):  # noqa: ANN001, ANN201
    """The demo corpus ingested once into an embedded scratch store."""
    from ingest.pipeline import Ingestor
    from rag.index import Index

    settings = make_settings(tmp_path_factory.mktemp("corpus"))
    index = Index(settings, embedder)
    report = Ingestor(settings, index).run(corpus_files())
    assert report.ok, report.to_json()
    return index
