"""OCR of scanned PDF pages and images with Tesseract (via pytesseract).

A PDF page without a usable text layer is rendered with pypdfium2 (``ocr_dpi``, 300 by
default) and read by Tesseract in ``ocr_languages`` ("deu+eng"). Pages are OCR'd in parallel
(one Tesseract process each). Tesseract's layout analysis copes with the slight skew of a
scan; a page it reads badly is checked with Tesseract's orientation detection (OSD) and read
again turned upright. Each page keeps its number and records the engine's mean word
confidence; pages below ``ocr_min_confidence`` are reported, not indexed.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ingest.errors import (
    OCR_HOW_TO,
    IngestError,
    LimitExceededError,
    OcrFailedError,
    OcrUnavailableError,
    format_page_ranges,
)
from rag.types import PageText

if TYPE_CHECKING:
    from PIL.Image import Image

    from rag.settings import Settings

log = logging.getLogger(__name__)

ENGINE = "tesseract"
# (source, pages done, pages to OCR) after every OCR'd page.
PageProgress = Callable[[str, int, int], None]

# A page with fewer letters/digits than this has no usable text layer (a lone page number
# stamp or a lone page number is not the page's text).
MIN_TEXT_CHARS = 3
# Below this mean confidence a page may be upside down or sideways: check with OSD.
_OSD_BELOW = 70.0
# pdfium is not thread-safe; the parse-ahead thread and the caller may both render.
_PDFIUM_LOCK = threading.Lock()


@dataclass(frozen=True)
class OcrOptions:
    mode: Literal["auto", "off", "force"] = "auto"
    languages: str = "deu+eng"
    dpi: int = 300
    min_confidence: float = 50.0
    time_budget_s: float = 600.0
    workers: int = 0  # 0 = one per CPU core
    max_pixels: int = 100_000_000
    progress: PageProgress | None = None

    @classmethod
    def from_settings(cls, s: Settings, progress: PageProgress | None = None) -> OcrOptions:
        i = s.ingest
        return cls(mode=i.ocr, languages=i.ocr_languages, dpi=i.ocr_dpi,
                   min_confidence=i.ocr_min_confidence, time_budget_s=i.ocr_time_budget_s,
                   workers=i.ocr_workers, max_pixels=s.limits.max_image_pixels,
                   progress=progress)

    @property
    def n_workers(self) -> int:
        return self.workers or max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class OcrResult:
    text: str
    confidence: float  # mean word confidence, 0-100
    rotated: int = 0  # degrees the page was turned before reading


# ---------------------------------------------------------------------------------------
# engine
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def unavailable_reason(languages: str) -> str | None:
    """None when Tesseract with ``languages`` can run; else why not (German)."""
    try:
        import pytesseract
    except ImportError:
        return "Python-Paket pytesseract fehlt (pip install pytesseract)"
    try:
        pytesseract.get_tesseract_version()
        have = set(pytesseract.get_languages(config=""))
    except Exception:  # noqa: BLE001 - TesseractNotFoundError, OSError, a broken install
        return "Tesseract ist nicht installiert"
    missing = [lang for lang in languages.split("+") if lang and lang not in have]
    if missing:
        return f"Tesseract-Sprachdaten fehlen: {', '.join(missing)}"
    return None


def ocr_available(languages: str = "deu+eng") -> bool:
    return unavailable_reason(languages) is None


def refusal_reason(opts: OcrOptions) -> str | None:
    """Why OCR cannot run under ``opts`` (German, with how to enable it); None if it can."""
    if opts.mode == "off":
        return "Texterkennung (OCR) ist ausgeschaltet (RAG_OCR=off); mit RAG_OCR=auto einschalten"
    reason = unavailable_reason(opts.languages)
    return None if reason is None else f"Texterkennung (OCR) nicht verfügbar: {reason}. " \
                                       f"{OCR_HOW_TO}"


def _assemble(data: dict[str, list[Any]]) -> tuple[str, float]:
    """Text (lines and paragraphs as Tesseract found them) and mean word confidence."""
    lines: list[str] = []
    confs: list[float] = []
    key: tuple[int, int, int] | None = None
    para: tuple[int, int] | None = None
    words: list[str] = []
    for i, word in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if conf < 0 or not str(word).strip():
            continue
        k = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if k != key:
            if words:
                lines.append(" ".join(words))
            words = []
            if para is not None and k[:2] != para:
                lines.append("")  # a blank line between paragraphs, as in text PDFs
            key, para = k, k[:2]
        words.append(str(word))
        confs.append(conf)
    if words:
        lines.append(" ".join(words))
    text = "\n".join(lines)
    return text, (sum(confs) / len(confs) if confs else 0.0)


def _read(img: Image, languages: str, timeout: float) -> tuple[str, float]:
    import pytesseract

    data = pytesseract.image_to_data(img, lang=languages, config="--psm 3",
                                     output_type=pytesseract.Output.DICT, timeout=timeout)
    return _assemble(data)


def _orientation(img: Image, timeout: float) -> int:
    """Degrees (clockwise) that turn the page upright, by Tesseract's OSD; 0 if unsure."""
    import pytesseract

    try:
        osd = pytesseract.image_to_osd(img, config="--psm 0",
                                       output_type=pytesseract.Output.DICT, timeout=timeout)
    except pytesseract.TesseractError:  # too few characters to tell: leave it as it is
        return 0
    return int(osd.get("rotate", 0)) % 360


def ocr_image(img: Image, languages: str = "deu+eng", *, deadline: float | None = None
              ) -> OcrResult:
    """Read one page image. Raises TimeoutError once ``deadline`` (perf_counter) passes."""
    from PIL import ImageFilter

    # A 3x3 median removes scanner speckle, which Tesseract otherwise reads as punctuation
    # (the 150 dpi test letter: 3.2 % -> 0.2 % character errors), and keeps strokes intact.
    gray = img.convert("L").filter(ImageFilter.MedianFilter(3))

    def remaining() -> float:
        if deadline is None:
            return 0  # pytesseract: no timeout
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError
        return left

    try:
        text, conf = _read(gray, languages, remaining())
        rotated = 0
        if conf < _OSD_BELOW:
            turn = _orientation(gray, remaining())
            if turn:
                # OSD says how far to turn clockwise; PIL turns counter-clockwise.
                text2, conf2 = _read(gray.rotate(-turn, expand=True), languages, remaining())
                if conf2 > conf:
                    text, conf, rotated = text2, conf2, turn
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise TimeoutError from exc
        raise
    return OcrResult(text, conf, rotated)


# ---------------------------------------------------------------------------------------
# many pages
# ---------------------------------------------------------------------------------------


def ocr_frames(
    frames: Iterable[tuple[int, Image]],
    total: int,
    opts: OcrOptions,
    *,
    path: Path,
    name: str,
) -> dict[int, OcrResult]:
    """OCR ``(page number, image)`` pairs in parallel; images are produced lazily (at most
    two per worker are held). Progress is reported from the calling thread."""
    # Debian's Tesseract spreads a page over OpenMP threads; parallelism comes from the
    # workers (a page each), whose threads would otherwise compete. A user's setting wins.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    deadline = time.perf_counter() + opts.time_budget_s
    results: dict[int, OcrResult] = {}
    pending: dict[Future[OcrResult], int] = {}

    def collect(block: bool) -> None:
        if not pending:
            return
        done, _ = wait(pending, timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for f in done:
            number = pending.pop(f)
            try:
                results[number] = f.result()
            except TimeoutError:
                raise _over_budget(path, name, opts) from None
            except IngestError:
                raise
            except Exception as exc:  # noqa: BLE001 - Tesseract's own errors
                raise OcrFailedError(path, f"Texterkennung (OCR) fehlgeschlagen auf Seite "
                                     f"{number}: {exc}", f"OCR failed on page {number}",
                                     name=name) from exc
            if opts.progress is not None:
                opts.progress(name, len(results), total)

    with ThreadPoolExecutor(opts.n_workers, thread_name_prefix="ingest-ocr") as pool:
        try:
            for number, img in frames:
                if time.perf_counter() > deadline:
                    raise _over_budget(path, name, opts)
                while len(pending) >= 2 * opts.n_workers:
                    collect(block=True)
                pending[pool.submit(ocr_image, img, opts.languages, deadline=deadline)] = number
                collect(block=False)
            while pending:
                collect(block=True)
        except BaseException:
            for f in pending:
                f.cancel()
            raise
    return results


def _over_budget(path: Path, name: str, opts: OcrOptions) -> LimitExceededError:
    return LimitExceededError(
        path,
        f"Texterkennung (OCR) dauerte länger als {opts.time_budget_s:g} s "
        "(RAG_OCR_TIME_BUDGET_S)",
        f"OCR took longer than {opts.time_budget_s:g} s",
        name=name,
    )


def apply_results(
    pages: list[PageText], results: dict[int, OcrResult], opts: OcrOptions, warnings: list[str]
) -> list[PageText]:
    """Put OCR text into its pages; pages below the confidence floor stay empty (reported)."""
    out: list[PageText] = []
    weak: list[tuple[int, float]] = []
    for page in pages:
        res = results.get(page.number)
        if res is None:
            out.append(page)
            continue
        if res.confidence < opts.min_confidence or not res.text.strip():
            weak.append((page.number, res.confidence))
            out.append(PageText(page.number, ""))
            continue
        out.append(replace(page, text=res.text, ocr_confidence=round(res.confidence, 1)))
    if weak:
        shown = ", ".join(f"{n} ({c:.0f} %)" for n, c in weak)
        nums = format_page_ranges([n for n, _ in weak])
        warnings.append(
            f"Seiten {shown}: Texterkennung unsicher (unter {opts.min_confidence:g} % "
            f"Konfidenz), nicht indexiert (pages {nums}: OCR confidence too low, not indexed)"
        )
    return out


def has_text_layer(text: str) -> bool:
    return len(re.findall(r"\w", text)) >= MIN_TEXT_CHARS


# ---------------------------------------------------------------------------------------
# PDFs
# ---------------------------------------------------------------------------------------


def ocr_pdf_pages(
    data: bytes,
    pages: list[PageText],
    opts: OcrOptions,
    *,
    path: Path,
    name: str,
    warnings: list[str],
) -> list[PageText]:
    """OCR the pages of a PDF that have no usable text layer (every page with "force").

    Text pages stay as they are. Without OCR, a PDF with no text at all is refused (saying
    how to enable OCR); one with some text keeps it and a warning names the skipped pages.
    """
    need = [p.number for p in pages
            if opts.mode == "force" or not has_text_layer(p.text)]
    if not need:
        return pages
    textless = [p.number for p in pages if not p.text.strip()]
    why = refusal_reason(opts)
    if why is not None:
        if len(textless) == len(pages):
            raise OcrUnavailableError(path, f"gescanntes PDF ohne Textebene; {why}",
                                      "scanned PDF without text layer; OCR off or not installed",
                                      name=name)
        if textless:
            nums = format_page_ranges(textless)
            warnings.append(f"Seiten {nums} ohne Textebene, übersprungen: {why} "
                            f"(pages {nums} have no text layer; OCR off or not installed)")
        return pages
    frames = _render_pdf(data, need, opts, path=path, name=name, warnings=warnings)
    results = ocr_frames(frames, len(need), opts, path=path, name=name)
    out = apply_results(pages, results, opts, warnings)
    if not any(p.text.strip() for p in out):
        raise OcrFailedError(path, "kein Text erkannt (auch nicht per Texterkennung)",
                             "no text found, not even by OCR", name=name)
    return out


def _render_pdf(
    data: bytes, numbers: list[int], opts: OcrOptions, *, path: Path, name: str,
    warnings: list[str],
) -> Iterator[tuple[int, Image]]:
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except Exception as exc:  # noqa: BLE001 - pdfium's PdfiumError and friends
            raise OcrFailedError(path, "PDF-Seiten für die Texterkennung nicht darstellbar",
                                 "PDF pages cannot be rendered for OCR", name=name) from exc
    shrunk: list[int] = []
    try:
        for number in numbers:
            with _PDFIUM_LOCK:
                page = doc[number - 1]
                w_pt, h_pt = page.get_size()
                scale = opts.dpi / 72
                # A huge page at full resolution would be a pixel bomb: read it smaller.
                if w_pt * h_pt * scale * scale > opts.max_pixels:
                    scale = (opts.max_pixels / (w_pt * h_pt)) ** 0.5
                    shrunk.append(number)
                img = page.render(scale=scale, grayscale=True).to_pil()
                page.close()
            yield number, img
    finally:
        with _PDFIUM_LOCK:
            doc.close()
        if shrunk:
            nums = format_page_ranges(shrunk)
            warnings.append(f"Seiten {nums} sehr groß; mit geringerer Auflösung erkannt "
                            f"(pages {nums} very large; OCR'd at a lower resolution)")
