"""Settings sidebar: which backend answers and why, model names, top-k and hybrid search.

Values start from the settings object; changes are kept in this browser session only.
"""

from __future__ import annotations

import streamlit as st

from rag.components.llm.factory import describe_backend
from rag.settings import Settings
from ui import state
from ui.safe_text import md_escape

BACKEND_NAMES = {
    "transformers": "Sprachmodell auf der GPU (transformers)",
    "openai": "Sprachmodell-Server (OpenAI-kompatibel)",
    "extractive": "Extraktiv (zitiert passende Sätze, ohne Sprachmodell)",
}


def render(settings: Settings, embedding_name: str | None) -> None:
    with st.sidebar:
        st.subheader("Einstellungen")
        backend, reason = describe_backend(settings)
        st.markdown(f"**Antwort-Backend:** {md_escape(BACKEND_NAMES.get(backend, backend))}")
        st.caption(md_escape(reason))
        if backend == "extractive":
            st.markdown("**Sprachmodell:** keins (extraktiver Modus)")
        else:
            model = settings.llm.server_model or settings.llm.model
            if backend == "transformers":
                model = settings.llm.model
            st.markdown(f"**Sprachmodell:** `{model}`")
        if embedding_name:
            st.markdown(f"**Embedding-Modell:** {md_escape(embedding_name)}")

        # Defaults come from the process-wide settings and never change between reruns,
        # so the widgets keep their identity; the session's choice lives in their state.
        base = state.base_settings()
        top_k = st.slider(
            "Anzahl Passagen (top-k)", min_value=1,
            max_value=max(base.ui.max_top_k, base.retrieval.top_k),
            value=base.retrieval.top_k, key="quelle_top_k",
            help="Wie viele Textstellen für eine Antwort gesucht werden.",
        )
        state.set_override("top_k", int(top_k))
        hybrid = st.toggle(
            "Hybride Suche (Vektor + Stichwort)", value=base.retrieval.mode == "hybrid",
            key="quelle_hybrid", help="Aus: nur semantische Vektorsuche.",
        )
        if hybrid:
            state.set_override("retrieval_mode", "hybrid")
        else:  # off = dense, unless the server default is already a non-hybrid mode
            fallback = "dense" if base.retrieval.mode == "hybrid" else base.retrieval.mode
            state.set_override("retrieval_mode", fallback)
        st.caption(f"Sammlung: {md_escape(settings.store.collection)}")
        st.caption("Änderungen gelten nur für diese Sitzung.")
