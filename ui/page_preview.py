"""Show and download the cited page: PDF pages rendered to PNG with pypdfium2."""

from __future__ import annotations

import io
from pathlib import Path

import streamlit as st

RENDER_SCALE = 1.5  # 108 dpi: readable on screen, small enough to send quickly


@st.cache_data(max_entries=64, show_spinner="Seite wird gerendert …")
def render_pdf_page(path: str, page: int, mtime_ns: int) -> bytes:
    """PNG bytes of 1-based ``page`` of the PDF at ``path`` (``mtime_ns`` busts the cache)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        if not 1 <= page <= len(pdf):
            raise ValueError(f"Seite {page} gibt es nicht (das PDF hat {len(pdf)} Seiten).")
        bitmap = pdf[page - 1].render(scale=RENDER_SCALE)
        buf = io.BytesIO()
        bitmap.to_pil().save(buf, format="PNG")
        return buf.getvalue()
    finally:
        pdf.close()


def page_png(path: Path, page: int) -> bytes:
    return render_pdf_page(str(path), page, path.stat().st_mtime_ns)


def render_page_preview(path: Path | None, source: str, page: int, *, key: str) -> None:
    """A toggle that shows the page as an image, plus downloads of the page and the file."""
    if path is None or not path.is_file():
        st.caption("Die Originaldatei liegt nicht mehr im Speicher; keine Vorschau möglich.")
        return
    stem = Path(source).stem or "seite"
    is_pdf = path.suffix.lower() == ".pdf"
    cols = st.columns([1, 1, 1])
    show = False
    if is_pdf:
        show = cols[0].toggle("Seite anzeigen", key=f"{key}-show")
    cols[1].download_button(
        "Originaldatei herunterladen",
        data=lambda: path.read_bytes(),  # read only when clicked
        file_name=source, key=f"{key}-file",
        mime="application/pdf" if is_pdf else "text/plain",
    )
    if not is_pdf:
        return
    try:
        png = page_png(path, page) if show else None
    except Exception as exc:  # a damaged PDF must not break the answer view
        st.caption(f"Vorschau nicht möglich: {type(exc).__name__}")
        return
    cols[2].download_button(
        f"Seite {page} als PNG",
        data=(lambda: png) if png is not None else (lambda: page_png(path, page)),
        file_name=f"{stem}-seite-{page}.png", mime="image/png", key=f"{key}-png",
    )
    if png is not None:
        st.image(png)
