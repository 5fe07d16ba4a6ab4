"""Show and download the cited page: PDF pages rendered to PNG with pypdfium2, image files
(scans read by OCR) shown frame by frame.

When the page is shown for a citation, the quoted sentences are marked on it
(ui.pdf_highlight); the PNG download delivers the same, marked page.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from ingest.images import IMAGE_SUFFIXES
from ui.pdf_highlight import RENDER_SCALE, HighlightedPage, render_highlighted


@st.cache_data(max_entries=64, show_spinner="Seite wird gerendert …")
def render_pdf_page(path: str, page: int, mtime_ns: int,
                    quotes: tuple[str, ...] = ()) -> HighlightedPage:
    """1-based ``page`` of the PDF at ``path`` as PNG, ``quotes`` marked on it.

    ``mtime_ns`` busts the cache when the file changes; the quotes are part of the key.
    """
    return render_highlighted(path, page, quotes, RENDER_SCALE)


@st.cache_data(max_entries=16, show_spinner="Bild wird vorbereitet …")
def image_page_png(path: str, page: int, mtime_ns: int, max_width: int = 1600) -> bytes:
    """Frame ``page`` (1-based; TIFFs have several) of an image file as PNG, at most
    ``max_width`` wide. Only files that ingest accepted (size-checked) get here."""
    import io

    from PIL import Image

    with Image.open(path) as img:
        img.seek(page - 1)
        frame = img.convert("L" if img.mode in ("1", "L", "I;16") else "RGB")
    if frame.width > max_width:
        frame = frame.resize((max_width, round(frame.height * max_width / frame.width)))
    buf = io.BytesIO()
    frame.save(buf, "PNG")
    return buf.getvalue()


def page_png(path: Path, page: int, quotes: Sequence[str] = ()) -> HighlightedPage:
    return render_pdf_page(str(path), page, path.stat().st_mtime_ns,
                           tuple(q for q in quotes if q and q.strip()))


def highlight_caption(shown: HighlightedPage, page: int, *, scanned: bool = False) -> str:
    """What the caption under "Seite anzeigen" says about the quotes (fixed text only)."""
    if not shown.found:
        if scanned:  # OCR text: the page itself has no text layer to find the quote in
            return "Die Seite ist ein Scan (Text per Texterkennung); das Zitat lässt sich " \
                   "darauf nicht markieren."
        return "Zitat auf dieser Seite nicht gefunden."
    parts = {h.part for h in shown.hits if h.boxes}
    note = ""
    if "start" in parts:
        note = f" Es geht auf Seite {page + 1} weiter."
    elif "end" in parts:
        note = f" Es beginnt auf Seite {page - 1}."
    return "Zitat auf der Seite markiert." + note


def _mime(path: Path) -> str:
    """The download's type; the file of an e-mail attachment is the mail itself."""
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def render_page_preview(path: Path | None, source: str, page: int, *, key: str,
                        quotes: Sequence[str] = (), scanned: bool = False) -> None:
    """A toggle that shows the page as an image, plus downloads of the page and the file.

    ``quotes`` (the cited sentences) are highlighted on the shown and downloaded page.
    """
    if path is None or not path.is_file():
        st.caption("Die Originaldatei liegt nicht mehr im Speicher; keine Vorschau möglich.")
        return
    stem = Path(source).stem or "seite"
    is_pdf = path.suffix.lower() == ".pdf"
    is_image = path.suffix.lower() in IMAGE_SUFFIXES
    cols = st.columns([1, 1, 1])
    show = False
    if is_pdf or is_image:
        show = cols[0].toggle("Seite anzeigen", key=f"{key}-show")
    cols[1].download_button(
        "Originaldatei herunterladen",
        data=lambda: path.read_bytes(),  # read only when clicked
        file_name=source, key=f"{key}-file",
        mime="application/pdf" if is_pdf else _mime(path),
    )
    if is_image and show:
        try:
            st.image(image_page_png(str(path), page, path.stat().st_mtime_ns))
        except Exception as exc:  # a damaged image must not break the answer view
            st.caption(f"Vorschau nicht möglich: {type(exc).__name__}")
    if not is_pdf:
        return
    try:
        shown = page_png(path, page, quotes) if show else None
    except Exception as exc:  # a damaged PDF must not break the answer view
        st.caption(f"Vorschau nicht möglich: {type(exc).__name__}")
        return
    cols[2].download_button(
        f"Seite {page} als PNG",
        data=(lambda: shown.png) if shown is not None
        else (lambda: page_png(path, page, quotes).png),
        file_name=f"{stem}-seite-{page}.png", mime="image/png", key=f"{key}-png",
    )
    if shown is not None:
        if any(q and q.strip() for q in quotes):
            st.caption(highlight_caption(shown, page, scanned=scanned))
        st.image(shown.png)
