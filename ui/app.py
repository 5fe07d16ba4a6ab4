"""Quelle's web app: upload German documents, ask questions, get answers with cited pages.

Start with ``streamlit run ui/app.py`` (or ``scripts/app.sh``). The pages live in
``ui/pages/``; heavy objects (embedding model, stores, answering backend) are loaded once
per server process in ``ui/resources.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run ui/app.py` puts ui/ on sys.path, not the repository root.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from ui import resources, sidebar, state, theme  # noqa: E402
from ui.safe_text import md_escape  # noqa: E402


def main() -> None:
    st.set_page_config(page_title="Quelle", page_icon=":material/menu_book:", layout="wide")
    pages = [
        st.Page("pages/chat.py", title="Fragen", icon=":material/chat:", url_path="fragen",
                default=True),
        st.Page("pages/library.py", title="Bibliothek", icon=":material/library_books:",
                url_path="bibliothek"),
        st.Page("pages/quality.py", title="Qualität", icon=":material/monitoring:",
                url_path="qualitaet"),
    ]
    page = st.navigation(pages)
    settings = state.session_settings()
    theme.inject(settings.limits.max_file_mb)
    embedding_name = None
    try:
        embedding_name = resources.embedder(settings).name  # spinner on the first start
    except Exception as exc:  # the pages report store errors; say why the model is missing
        st.error(md_escape(f"Das Embedding-Modell kann nicht geladen werden: {exc}"))
    sidebar.render(settings, embedding_name)
    page.run()


main()
