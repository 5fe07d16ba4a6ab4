"""Images (PNG, JPEG, TIFF incl. multi-page) as documents: every frame a page, read by OCR.

The file type is told by the bytes, not the name, so a photo saved as ``.pdf`` is read as
the image it is. Images larger than ``max_image_pixels`` are refused before they are
decoded (decompression bombs).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from pathlib import Path

from ingest.errors import CorruptFileError, LimitExceededError, OcrFailedError, OcrUnavailableError
from ingest.ocr import OcrOptions, apply_results, ocr_frames, refusal_reason
from rag.types import PageText

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")

_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
]


def sniff_image(data: bytes) -> str | None:
    """"PNG", "JPEG" or "TIFF" when the bytes start like one, else None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def _too_large(path: Path, name: str, size: tuple[int, int], limit: int,
               frame: int | None = None) -> LimitExceededError:
    where = f"Bild {frame} " if frame else "Bild "
    w, h = size
    return LimitExceededError(
        path,
        f"{where}hat {w} × {h} = {w * h / 1e6:.0f} Mio. Pixel; erlaubt sind höchstens "
        f"{limit / 1e6:g} Mio. (RAG_MAX_IMAGE_PIXELS; Schutz vor Dekompressionsbomben)",
        f"image of {w}x{h} pixels exceeds the limit of {limit} (decompression bomb?)",
        name=name,
    )


def image_frames(
    data: bytes, *, path: Path, name: str, max_pixels: int, max_pages: int, target_dpi: int
) -> tuple[int, Iterator[tuple[int, object]]]:
    """(number of frames, lazy ``(page number, PIL image)`` pairs). Every frame's size is
    checked before it is decoded; low-resolution scans are enlarged towards ``target_dpi``
    (Tesseract reads small type better that way)."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # The size is checked against our own limit right below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise LimitExceededError(path, "Bild ist zu groß (Dekompressionsbombe?)",
                                 "image too large (decompression bomb?)", name=name) from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise CorruptFileError(path, "Bilddatei ist beschädigt oder unbekannt",
                               "image file is corrupt or unknown", name=name) from exc
    if img.width * img.height > max_pixels:
        raise _too_large(path, name, img.size, max_pixels)
    n = getattr(img, "n_frames", 1)
    if n > max_pages:
        raise LimitExceededError(path, f"Bild hat {n} Seiten; erlaubt sind höchstens {max_pages}",
                                 f"image has {n} pages; at most {max_pages} allowed", name=name)

    def frames() -> Iterator[tuple[int, object]]:
        try:
            for i, frame in enumerate(ImageSequence.Iterator(img), start=1):
                if frame.width * frame.height > max_pixels:
                    raise _too_large(path, name, frame.size, max_pixels, i)
                page = frame.convert("L")  # decodes this frame only
                dpi = frame.info.get("dpi")
                if dpi and 0 < float(dpi[0]) < 0.75 * target_dpi:
                    factor = min(target_dpi / float(dpi[0]), 4.0,
                                 (max_pixels / (page.width * page.height)) ** 0.5)
                    if factor > 1.05:
                        page = page.resize((round(page.width * factor),
                                            round(page.height * factor)), Image.LANCZOS)
                yield i, page
        except LimitExceededError:
            raise
        except (OSError, ValueError, EOFError) as exc:  # truncated or broken image data
            raise CorruptFileError(path, "Bilddatei ist beschädigt", "image file is corrupt",
                                   name=name) from exc

    return n, frames()


def load_image_pages(
    data: bytes,
    opts: OcrOptions,
    *,
    path: Path,
    name: str,
    max_pages: int,
    warnings: list[str],
    kind: str,
    renamed: bool = False,
) -> list[PageText]:
    """OCR every frame of an image file into a page. ``renamed``: the name says .pdf."""
    what = f"{kind}-Bild" + (" mit der Endung .pdf" if renamed else "")
    why = refusal_reason(opts)
    if why is not None:
        raise OcrUnavailableError(path, f"{what}, Text nur per Texterkennung lesbar; {why}",
                                  f"{kind} image: needs OCR, which is off or not installed",
                                  name=name)
    n, frames = image_frames(data, path=path, name=name, max_pixels=opts.max_pixels,
                             max_pages=max_pages, target_dpi=opts.dpi)
    results = ocr_frames(frames, n, opts, path=path, name=name)  # type: ignore[arg-type]
    pages = apply_results([PageText(i, "") for i in range(1, n + 1)], results, opts, warnings)
    if not any(p.text.strip() for p in pages):
        raise OcrFailedError(path, f"{what}: kein Text erkannt", f"{kind} image: no text found",
                             name=name)
    return pages
