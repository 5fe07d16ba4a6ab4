"""The `rag` command line contract, run as a user runs it (subprocesses, scratch store)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import corpus_files, load_qa


def rag(args: list[str], store: Path, check_rc: int | None = 0,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAG_STORE_DIR": str(store), "RAG_EMBEDDING_SOURCE": "offline",
           "RAG_LLM_BACKEND": "extractive", **(env or {})}
    env.pop("RAG_CHROMA_HOST", None)
    proc = subprocess.run([sys.executable, "-m", "rag", *args], capture_output=True, text=True,
                          env=env, timeout=600)
    if check_rc is not None:
        assert proc.returncode == check_rc, (args, proc.returncode, proc.stderr[-2000:])
    return proc


def test_cli_contract(tmp_path: Path) -> None:
    store = tmp_path / "store"
    docs = tmp_path / "docs"
    docs.mkdir()
    files = [Path(shutil.copy(p, docs / p.name)) for p in corpus_files()]
    bad = docs / "kaputt.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj <<")  # truncated

    proc = rag(["ingest", str(docs), "--json"], store, check_rc=2)
    out = json.loads(proc.stdout)
    assert set(out) == {"ingested", "unchanged", "failed"}
    assert sorted(Path(p).name for p in out["ingested"]) == sorted(f.name for f in files)
    assert out["failed"][0]["path"].endswith("kaputt.pdf")
    assert "kaputt.pdf" in out["failed"][0]["error"]

    bad.unlink()
    again = json.loads(rag(["ingest", str(docs), "--json"], store).stdout)
    assert again["ingested"] == [] and len(again["unchanged"]) == len(files)

    row = next(r for r in load_qa() if r.get("doc") and r["kind"] == "direct")
    hits = json.loads(rag(["search", row["question"], "-k", "3", "--json"], store).stdout)
    assert [h["rank"] for h in hits] == [1, 2, 3]
    assert set(hits[0]) == {"rank", "score", "source", "page", "text", "chunk_id"}
    assert row["doc"] in {h["source"] for h in hits}

    ans = json.loads(rag(["ask", row["question"], "--json"], store).stdout)
    assert set(ans) == {"answer", "answerable", "confidence", "citations"}
    assert 0.0 <= ans["confidence"] <= 1.0
    if ans["answerable"]:
        assert set(ans["citations"][0]) == {"n", "source", "page", "text"}

    listed = json.loads(rag(["docs", "list", "--json"], store).stdout)
    assert sorted(d["source"] for d in listed) == sorted(f.name for f in files)
    assert set(listed[0]) == {"source", "pages", "chunks", "ingested_at", "embedding_model"}
    assert all(d["pages"] >= 1 and d["chunks"] >= 1 for d in listed)

    victim = listed[0]["source"]
    rag(["docs", "delete", victim], store)
    remaining = json.loads(rag(["docs", "list", "--json"], store).stdout)
    assert victim not in {d["source"] for d in remaining}
    missing = rag(["docs", "delete", "gibt-es-nicht.pdf"], store, check_rc=2)
    assert "gibt-es-nicht.pdf" in missing.stderr
