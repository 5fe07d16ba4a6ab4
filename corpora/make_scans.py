#!/usr/bin/env python3
"""Generate the scanned documents of the demo corpus (image-only PDFs in ``corpora/``).

Every ``sources/scans/NAME.toml`` (same format as ``sources/*.toml``, see
``make_corpora.py``) is laid out by make_corpora.py's renderer, then "scanned": each page is
rasterised at ``DPI`` in greyscale, turned by a small angle, sprinkled with noise and specks
(seeded per page, so the output is deterministic) and saved as an image-only PDF without a
text layer, as a desk scanner would. Quelle can only read these pages by OCR.

Usage: ``python corpora/make_scans.py [--out DIR]``
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

HERE = Path(__file__).resolve().parent
SCANS = HERE / "sources" / "scans"
DPI = 200  # a common office-scanner setting; Quelle renders it at RAG_OCR_DPI for OCR
ANGLES = (0.9, -1.3, 0.6, -0.8)  # degrees, one per page (cycled)
NOISE = 10.0  # standard deviation of the grey-level noise
JPEG_QUALITY = 80
# Versions that rendered and encoded the committed scans: rendering and JPEG bytes may
# differ under others (tests/unit/corpora compares bytes only when these match).
SCAN_BUILD_ENV = {"pypdfium2": "5.15.2", "pillow": "13.0.0", "numpy": "2.4.6"}


def local_env() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in SCAN_BUILD_ENV}


def _generator():  # noqa: ANN202 - the make_corpora module
    sys.path.insert(0, str(HERE))
    try:
        import make_corpora
    finally:
        sys.path.pop(0)
    return make_corpora


def scan_page(img: Image.Image, angle: float, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    img = img.convert("L").rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    a = np.asarray(img, dtype=np.float32) + rng.normal(0, NOISE, (img.height, img.width))
    a[rng.random(a.shape) < 0.0004] = 0  # dust
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")


def scan_pdf(pdf: Path, out: Path, name: str) -> int:
    """Rasterise ``pdf`` into the image-only ``out``; returns the number of pages."""
    doc = pdfium.PdfDocument(pdf)
    pages = []
    try:
        for i, page in enumerate(doc):
            seed = int(hashlib.sha256(f"{name}:{i}".encode()).hexdigest()[:8], 16)
            img = page.render(scale=DPI / 72, grayscale=True).to_pil()
            pages.append(scan_page(img, ANGLES[i % len(ANGLES)], seed))
    finally:
        doc.close()
    buf = io.BytesIO()
    # Fixed dates (Pillow writes the time of saving otherwise): same pixels, same bytes.
    fixed = time.gmtime(1767225600)  # 2026-01-01
    pages[0].save(buf, "PDF", resolution=float(DPI), save_all=True, append_images=pages[1:],
                  quality=JPEG_QUALITY, title=name, creationDate=fixed, modDate=fixed)
    out.write_bytes(buf.getvalue())
    return len(pages)


def build(out_dir: Path, verbose: bool = True) -> list[Path]:
    gen = _generator()
    gen.register_fonts()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sorted(SCANS.glob("*.toml")):
        doc = gen.load_doc(src)
        with tempfile.TemporaryDirectory() as tmp:
            clean = Path(tmp) / doc.filename
            gen.Renderer(doc, clean).render()
            path = out_dir / doc.filename
            n = scan_pdf(clean, path, doc.filename)
        written.append(path)
        if verbose:
            print(f"{doc.filename}: {n} scanned pages, {path.stat().st_size / 1e6:.1f} MB")
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: corpora/)")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    build(args.out, verbose=not args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
