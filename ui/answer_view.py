"""One answer with its sources: [n] → file, page, passage (quote highlighted), page preview.

Refusals are shown as such, followed by the closest passages as "Vielleicht hilfreich".
All document text goes through ui.safe_text (escaped, never interpreted as markup).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from rag.settings import get_settings
from rag.text.ids import doc_id_for
from rag.types import Answer, SearchHit
from ui.page_preview import render_page_preview
from ui.safe_text import answer_html, md_escape, passage_html, quotes_for

if TYPE_CHECKING:
    from rag.index import Index

REFUSAL_TITLE = "Keine belegbare Antwort in den Dokumenten"


def source_path(index: Index | None, source: str) -> Path | None:
    """Where the cited document's file lies, if it is still in the library."""
    if index is None:
        return None
    try:
        record = index.store.get_document(doc_id_for(source))
    except Exception:  # the store may have been re-indexed meanwhile
        return None
    return Path(record.path) if record is not None else None


def citation_label(n: int, source: str, page: int, section: str | None = None,
                   ocr: str = "") -> str:
    """"[1] datei.pdf, Seite 3" (the section for formats without pages), with
    "(OCR, 93 %)" for text read by OCR."""
    return md_escape(f"[{n}] {source}, {section or f'Seite {page}'}"
                     + (f" ({ocr})" if ocr else ""))


def render_answer(answer: Answer, index: Index | None, *, key: str) -> None:
    if not answer.answerable:
        render_refusal(answer, index, key=key)
        return
    st.html(answer_html(answer.answer))
    if answer.confidence is not None and answer.confidence < get_settings().answering.weak_below:
        st.warning(f"Schwach belegt (Konfidenz {answer.confidence:.0%}): Die gefundenen "
                   "Passagen stützen diese Antwort nur teilweise – bitte an der Quelle prüfen.",
                   icon=":material/help:")
    if answer.unknown_markers:
        shown = ", ".join(f"[{n}]" for n in answer.unknown_markers)
        st.caption(f"Hinweis: Verweise auf nicht vorhandene Quellen wurden entfernt: "
                   f"{md_escape(shown)}")
    if not answer.citations:
        # A generated answer without [n] markers: say so, and show what it was based on.
        st.warning("Das Modell hat keine Quelle zitiert – bitte prüfen Sie die Antwort anhand "
                   "der gefundenen Passagen.", icon=":material/warning:")
        render_retrieved(answer, index, key=key, title="Gefundene Passagen")
        return
    st.markdown("**Quellen**")
    for i, c in enumerate(answer.citations):
        label = citation_label(c.n, c.source, c.page, c.section, c.ocr_label)
        with st.expander(label, expanded=i == 0):
            quotes = [c.quote, *quotes_for(answer.answer, c.n)]
            st.html(passage_html(c.text, quotes, test_id="quelle-citation"))
            render_page_preview(source_path(index, c.source), c.source, c.page,
                                key=f"{key}-c{c.n}", quotes=quotes,
                                scanned=c.ocr_confidence is not None)


def render_refusal(answer: Answer, index: Index | None, *, key: str) -> None:
    st.warning(REFUSAL_TITLE, icon=":material/search_off:")
    st.html(answer_html(answer.answer))
    render_retrieved(answer, index, key=key, title="Vielleicht hilfreich")


def render_retrieved(answer: Answer, index: Index | None, *, key: str, title: str) -> None:
    hits: list[SearchHit] = list(answer.retrieved[: get_settings().ui.maybe_helpful])
    if not hits:
        return
    st.markdown(f"**{title}**")
    for i, hit in enumerate(hits):
        c = hit.chunk
        ocr = f" ({c.ocr_label})" if c.ocr else ""
        label = md_escape(f"{c.source}, {c.where}{ocr}")
        with st.expander(label, expanded=False):
            st.html(passage_html(c.text, test_id="quelle-maybe"))
            render_page_preview(source_path(index, c.source), c.source, c.page_start,
                                key=f"{key}-m{i}")
