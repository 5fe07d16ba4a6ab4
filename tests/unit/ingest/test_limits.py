"""Limits per file: size, pages and chunks, each set with RAG_ env vars or Settings, each with
a clear error naming the file and the limit; files within the limits are still ingested."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import Ingestor
from rag.index import Index
from rag.settings import Settings
from tests.conftest import make_settings
from tests.integration.test_crash_safety import rag_json
from tests.unit.ingest.test_bad_inputs import assert_consistent, long_pdf

SENTENCE = "Die Erstattung der Reisekosten erfolgt innerhalb von dreißig Tagen nach Antrag. "


def test_limits_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_MAX_FILE_MB", "3")
    monkeypatch.setenv("RAG_MAX_PAGES", "40")
    monkeypatch.setenv("RAG_MAX_CHUNKS_PER_FILE", "7")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (s.limits.max_file_mb, s.limits.max_pages, s.limits.max_chunks_per_file) == (3, 40, 7)


def test_each_limit_fails_only_its_file(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "riesig.txt").write_text(SENTENCE * 15_000, encoding="utf-8")  # ~1.2 MB
    long_pdf(docs / "sechs_seiten.pdf", 6)
    long_pdf(docs / "fuenf_seiten.pdf", 5)  # exactly at the page limit
    (docs / "viele_abschnitte.txt").write_text(SENTENCE * 60, encoding="utf-8")
    (docs / "klein.txt").write_text(SENTENCE * 3, encoding="utf-8")

    settings = make_settings(tmp_path, max_file_mb=1, max_pages=5, max_chunks_per_file=3)
    index = Index(settings, embedder)
    report = Ingestor(settings, index).run([docs])
    failed = {Path(f["path"]).name: f["error"] for f in report.to_json()["failed"]}
    assert set(failed) == {"riesig.txt", "sechs_seiten.pdf", "viele_abschnitte.txt"}
    assert failed["riesig.txt"].startswith(
        "riesig.txt: Datei ist 1.2 MB groß; erlaubt sind höchstens 1 MB")
    assert failed["sechs_seiten.pdf"].startswith(
        "sechs_seiten.pdf: PDF hat 6 Seiten; erlaubt sind höchstens 5")
    assert failed["viele_abschnitte.txt"].startswith("viele_abschnitte.txt: Datei ergibt ")
    assert "erlaubt sind höchstens 3 (RAG_MAX_CHUNKS_PER_FILE)" in failed["viele_abschnitte.txt"]
    assert {r.source for r in report.by_status("ingested")} == {"fuenf_seiten.pdf", "klein.txt"}
    # A refused file leaves nothing behind, not even chunks of an unfinished version.
    assert {d.source for d in index.documents()} == {"fuenf_seiten.pdf", "klein.txt"}
    assert_consistent(index)

    # Raising a limit lets the same file in.
    roomy = settings.override(max_chunks_per_file=1000)
    again = Ingestor(roomy, index).run([docs / "viele_abschnitte.txt"])
    assert again.ok and again.results[0].chunks > 3


def test_limits_via_cli_environment(tmp_path: Path) -> None:
    """`rag ingest` reads the limits from RAG_ variables and reports each refused file."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "riesig.txt").write_text(SENTENCE * 15_000, encoding="utf-8")
    long_pdf(docs / "sechs_seiten.pdf", 6)
    (docs / "viele_abschnitte.txt").write_text(SENTENCE * 60, encoding="utf-8")
    (docs / "klein.txt").write_text(SENTENCE * 3, encoding="utf-8")
    settings = make_settings(tmp_path)
    out = rag_json(settings, "ingest", str(docs), cwd=tmp_path, expect=2,
                   env={"RAG_MAX_FILE_MB": "1", "RAG_MAX_PAGES": "5",
                        "RAG_MAX_CHUNKS_PER_FILE": "3"})
    assert isinstance(out, dict)
    errors = {Path(f["path"]).name: f["error"] for f in out["failed"]}
    assert "höchstens 1 MB" in errors["riesig.txt"]
    assert "höchstens 5" in errors["sechs_seiten.pdf"]
    assert "RAG_MAX_CHUNKS_PER_FILE" in errors["viele_abschnitte.txt"]
    assert [Path(p).name for p in out["ingested"]] == ["klein.txt"]
