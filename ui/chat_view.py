"""Chat page: ask in German, get a streamed answer with cited sources; history per session."""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from rag.answering import stream_answer
from rag.types import Answer
from ui import context, resources, state
from ui.answer_view import render_answer
from ui.safe_text import answer_html, md_escape
from ui.uploads import render_uploader

STREAM_REFRESH_S = 0.05  # redraw at most 20 times a second; every token would flood the socket
CHAT_PLACEHOLDER = "Frage zu Ihren Dokumenten stellen, z. B. „Wie hoch ist die Kündigungsfrist?“"


def render() -> None:
    st.title("Quelle")
    st.caption("Fragen Sie Ihre Dokumente – jede Antwort nennt Datei und Seite.")
    ctx = context.load()
    if ctx.index is None:
        st.error(md_escape(ctx.error or "Der Speicher ist nicht verfügbar."))
        st.page_link("pages/library.py", label="Zur Bibliothek", icon=":material/library_books:")
        return
    index = ctx.index
    had_docs = bool(index.documents())
    with st.expander("Dokumente hinzufügen", expanded=not had_docs, icon=":material/upload_file:"):
        render_uploader(ctx.settings, key="upload-chat")
    docs = index.documents()

    left, right = st.columns([4, 1], vertical_alignment="center")
    name = md_escape(ctx.settings.store.collection)
    left.caption(f"{len(docs)} Dokument(e) in der Sammlung „{name}“")
    right.button("Neues Gespräch", on_click=state.new_conversation, icon=":material/add_comment:",
                 key="quelle-new-chat", width="stretch")

    for i, msg in enumerate(state.messages()):
        with st.chat_message(msg["role"]):
            if msg["role"] == "assistant" and isinstance(msg.get("answer"), Answer):
                render_answer(msg["answer"], index, key=f"msg{i}")
            else:
                st.html(answer_html(msg["content"]))

    question = st.chat_input(
        CHAT_PLACEHOLDER if docs else "Bitte zuerst Dokumente hochladen …",
        disabled=not docs, key="quelle-question",
    )
    if question and question.strip():
        ask(question.strip(), ctx)


def ask(question: str, ctx: context.PageContext) -> None:
    assert ctx.index is not None
    msgs = state.messages()
    history = [{"role": m["role"], "content": m["content"]} for m in msgs]
    msgs.append({"role": "user", "content": question})
    with st.chat_message("user"):
        st.html(answer_html(question))
    with st.chat_message("assistant"):
        answer = _stream(question, history, ctx)
        if answer is not None:
            render_answer(answer, ctx.index, key=f"msg{len(msgs)}")
    if answer is not None:
        msgs.append({"role": "assistant", "content": answer.answer, "answer": answer})
    else:
        msgs.pop()  # nothing was answered: the question is not part of the history


def _stream(question: str, history: list[dict[str, Any]], ctx: context.PageContext
            ) -> Answer | None:
    settings = ctx.settings
    placeholder = st.empty()
    placeholder.html(answer_html("", cursor=True))
    text, final, last = "", None, 0.0
    try:
        llm = resources.backend(settings)
        view = resources.SessionIndex(ctx.index, settings.retrieval.mode)  # type: ignore[arg-type]
        with st.spinner("Suche passende Textstellen …"):
            # The sidebar's top-k, once the user set it; by default answering chooses, as
            # `rag ask` does (more passages for the extractive answer than for a prompt).
            k = settings.retrieval.top_k if "top_k" in state.overrides() else None
            pieces = stream_answer(question, index=view, settings=settings, history=history,
                                   llm=llm, k=k)
            first = next(pieces, None)
        for piece in _chain(first, pieces):
            if isinstance(piece, Answer):
                final = piece
            elif piece:
                text += piece
                if time.monotonic() - last >= STREAM_REFRESH_S:
                    placeholder.html(answer_html(text, cursor=True))
                    last = time.monotonic()
    except Exception as exc:  # a backend or store failure must not kill the page
        placeholder.empty()
        st.error(f"Die Frage konnte nicht beantwortet werden: {md_escape(str(exc))}")
        return None
    placeholder.empty()  # the final answer may differ from the stream (markers checked)
    return final


def _chain(first: Any, rest: Any) -> Any:
    if first is not None:
        yield first
    yield from rest
