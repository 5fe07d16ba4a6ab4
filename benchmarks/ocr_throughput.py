"""OCR and ingest throughput on the scanned demo documents (corpora/*_scan.pdf).

    python benchmarks/ocr_throughput.py [--min-pages 8] [--workers 0] [--json]

Prints OCR pages/s (load_file alone: render with pypdfium2 at RAG_OCR_DPI, Tesseract
deu+eng, in parallel) and ingest pages/s (the whole pipeline into a scratch store: OCR,
cleanup, chunking, embedding, writing; model load excluded), with the mean OCR confidence.
The scans are copied until at least --min-pages pages are read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.loaders import load_file  # noqa: E402
from ingest.ocr import OcrOptions, ocr_available  # noqa: E402
from ingest.pipeline import Ingestor  # noqa: E402
from rag.index import Index  # noqa: E402
from rag.settings import Settings  # noqa: E402


def scan_copies(dst: Path, min_pages: int) -> tuple[list[Path], int]:
    from pypdf import PdfReader

    scans = sorted((REPO / "corpora").glob("*_scan.pdf"))
    if not scans:
        raise SystemExit("no corpora/*_scan.pdf; run python corpora/make_scans.py")
    files, pages, round_ = [], 0, 0
    while pages < min_pages:
        for p in scans:
            target = dst / f"{p.stem}-{round_:03d}.pdf"
            # A distinct file version per copy (no unchanged-file shortcut).
            target.write_bytes(p.read_bytes() + f"\n% copy {round_}\n".encode())
            files.append(target)
            pages += len(PdfReader(p).pages)
        round_ += 1
    return files, pages


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--min-pages", type=int, default=8)
    ap.add_argument("--workers", type=int, default=None,
                    help="OCR workers (default: RAG_OCR_WORKERS, 0 = one per core)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not ocr_available():
        raise SystemExit("Tesseract not installed (apt-get install tesseract-ocr "
                         "tesseract-ocr-deu tesseract-ocr-eng)")
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        docs = tmpdir / "docs"
        docs.mkdir()
        files, pages = scan_copies(docs, args.min_pages)
        flat = {"store_dir": tmpdir / "store"}
        if args.workers is not None:
            flat["ocr_workers"] = args.workers
        settings = Settings(**flat)  # type: ignore[arg-type]
        opts = OcrOptions.from_settings(settings)

        t0 = time.perf_counter()
        confs = []
        for f in files:
            doc = load_file(f, ocr=opts)
            confs += [p.ocr_confidence for p in doc.pages if p.ocr_confidence is not None]
        ocr_s = time.perf_counter() - t0

        index = Index(settings)
        index.embedder.embed_documents(["Aufwärmen"])  # model load is not ingest time
        t0 = time.perf_counter()
        report = Ingestor(settings, index).run(files)
        ingest_s = time.perf_counter() - t0
        assert report.ok, report.to_json()
        chunks = sum(r.chunks for r in report.results)
    out = {
        "pages": pages,
        "files": len(files),
        "cpu_cores": os.cpu_count(),
        "ocr_workers": opts.n_workers,
        "ocr_dpi": opts.dpi,
        "ocr_languages": opts.languages,
        "ocr_s": round(ocr_s, 1),
        "ocr_pages_per_s": round(pages / ocr_s, 3),
        "ingest_s": round(ingest_s, 1),
        "ingest_pages_per_s": round(pages / ingest_s, 3),
        "chunks": chunks,
        "mean_ocr_confidence": round(sum(confs) / len(confs), 1),
    }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{pages} scanned pages ({len(files)} files), {out['cpu_cores']} cores, "
              f"{out['ocr_workers']} OCR workers, {opts.dpi} dpi, {opts.languages}")
        print(f"OCR (render + Tesseract): {out['ocr_pages_per_s']:.2f} pages/s "
              f"({ocr_s:.1f} s), mean confidence {out['mean_ocr_confidence']} %")
        print(f"ingest (OCR + cleanup + chunking + embedding + write): "
              f"{out['ingest_pages_per_s']:.2f} pages/s ({ingest_s:.1f} s, {chunks} chunks)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
