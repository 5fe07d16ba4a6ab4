"""Ingest throughput of Quelle on the demo corpus, repeated to >= N pages.

    python benchmarks/ingest_throughput.py [--min-pages 200] [--json]

Prints pages/s and chunks/s of a first ingest into a scratch store, the time of an
unchanged re-ingest, and peak RSS. Uses the configured embedding model (offline e5-small
unless RAG_EMBEDDING_SOURCE says otherwise).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.pipeline import Ingestor  # noqa: E402
from rag.index import Index  # noqa: E402
from rag.settings import Settings  # noqa: E402


def corpus_copies(dst: Path, min_pages: int) -> tuple[list[Path], int]:
    from pypdf import PdfReader

    # Text PDFs only: the scans' OCR is measured by benchmarks/ocr_throughput.py.
    pdfs = sorted(p for p in (REPO / "corpora").glob("*.pdf") if not p.stem.endswith("_scan"))
    files, pages, round_ = [], 0, 0
    while pages < min_pages:
        for p in pdfs:
            target = dst / f"{p.stem}-{round_:03d}.pdf"
            # Append a comment so every copy is a distinct file version (no dedup shortcut).
            target.write_bytes(p.read_bytes() + f"\n% copy {round_}\n".encode())
            files.append(target)
            pages += len(PdfReader(p).pages)
        round_ += 1
    return files, pages


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--min-pages", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        docs = tmpdir / "docs"
        docs.mkdir()
        files, pages = corpus_copies(docs, args.min_pages)
        settings = Settings(store_dir=tmpdir / "store")
        t0 = time.perf_counter()
        index = Index(settings)
        index.embedder.embed_documents(["Aufwärmen"])  # model load is not ingest time
        load_s = time.perf_counter() - t0
        ing = Ingestor(settings, index)
        t0 = time.perf_counter()
        first = ing.run(files)
        first_s = time.perf_counter() - t0
        assert first.ok, first.to_json()
        chunks = sum(r.chunks for r in first.results)
        t0 = time.perf_counter()
        again = ing.run(files)
        again_s = time.perf_counter() - t0
        assert len(again.by_status("unchanged")) == len(files)
        shutil.rmtree(docs)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {
        "files": len(files), "pages": pages, "chunks": chunks,
        "embedding_model": index.embedder.model_id,
        "model_load_s": round(load_s, 2), "first_ingest_s": round(first_s, 2),
        "pages_per_s": round(pages / first_s, 2), "chunks_per_s": round(chunks / first_s, 2),
        "unchanged_reingest_s": round(again_s, 3),
        "reingest_speedup": round(first_s / again_s, 1), "peak_rss_mb": round(peak_mb),
    }
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:>22}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
