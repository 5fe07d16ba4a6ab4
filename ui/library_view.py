"""Library page: upload, list, delete and re-index documents; pick the collection."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from ingest.pipeline import Ingestor, reindex
from rag.components.store.chroma import collection_model, list_collections
from rag.index import StoreBusyError, delete_collection
from rag.settings import Settings, check_collection_name
from ui import context, resources, state
from ui.safe_text import md_escape
from ui.uploads import UploadResult, render_results, render_uploader, uploads_dir

if TYPE_CHECKING:
    from rag.components.store import DocumentRecord



def format_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%d.%m.%Y %H:%M")
    except ValueError:
        return iso


def render() -> None:
    st.title("Bibliothek")
    settings = state.session_settings()
    render_collection_picker(settings)
    ctx = context.load()
    settings = ctx.settings
    if ctx.index is None:
        st.error(md_escape(ctx.error or "Der Speicher ist nicht verfügbar."))
        if ctx.mismatch:
            render_reindex(settings)
        return
    index = ctx.index
    st.subheader("Dokumente hinzufügen")
    render_uploader(settings, key="upload-library")
    st.subheader("Dokumente")
    docs = index.documents()
    st.caption(f"Embedding-Modell dieser Sammlung: {md_escape(index.embedder.name)}")
    if not docs:
        st.info("Noch keine Dokumente in dieser Sammlung.")
    else:
        render_table(docs)
        render_delete(docs, settings)
    st.divider()
    render_reindex(settings)


def _pick_collection() -> None:
    _switch_collection(st.session_state["quelle-collection"])


def _create_collection() -> None:
    name = st.session_state.get("quelle-new-collection", "").strip()
    try:
        check_collection_name(name)
    except ValueError:
        st.session_state["quelle-collection-error"] = (
            "Der Name einer Sammlung braucht 3 bis 60 Zeichen: Buchstaben, Ziffern, '-' "
            "und '_'.")
        return
    st.session_state["quelle-collection"] = name
    st.session_state["quelle-new-collection"] = ""
    _switch_collection(name)


def _switch_collection(name: str) -> None:
    if name != state.session_settings().store.collection:
        state.set_override("collection", name)
        state.new_conversation()  # answers from another collection would cite missing files


def render_collection_picker(settings: Settings) -> None:
    try:
        names = list_collections(settings)
    except Exception as exc:  # server down: the page still shows why
        st.error(md_escape(f"Sammlungen können nicht gelesen werden: {exc}"))
        return
    if settings.store.collection not in names:
        names.append(settings.store.collection)  # created on first use
    names.sort()
    if st.session_state.get("quelle-collection") not in names:
        st.session_state["quelle-collection"] = settings.store.collection
    left, right, go = st.columns([3, 3, 1], vertical_alignment="bottom")
    left.selectbox("Sammlung", names, key="quelle-collection", on_change=_pick_collection,
                   help="Jede Sammlung ist ein eigener Dokumentenbestand.")
    right.text_input("Neue Sammlung", key="quelle-new-collection",
                     placeholder="Name (3–60 Zeichen)")
    go.button("Anlegen", key="quelle-create-collection", on_click=_create_collection)
    if err := st.session_state.pop("quelle-collection-error", None):
        st.error(err)
    model = collection_model(settings, settings.store.collection)
    if model:
        st.caption(f"Die Sammlung „{md_escape(settings.store.collection)}“ wurde mit dem "
                   f"Embedding-Modell {md_escape(model)} erstellt.")
    render_collection_delete(settings)


def render_collection_delete(settings: Settings) -> None:
    """Delete the current collection with all its documents, after a confirmation."""
    name = settings.store.collection
    if st.button("Sammlung löschen …", key="quelle-collection-delete"):
        st.session_state["quelle-collection-delete-pending"] = name
    if st.session_state.get("quelle-collection-delete-pending") != name:
        return
    st.warning(f"Die Sammlung „{md_escape(name)}“ mit allen Dokumenten und hochgeladenen "
               "Dateien wirklich löschen?")
    yes, no, _ = st.columns([1, 1, 3])
    if yes.button("Ja, Sammlung löschen", type="primary", key="quelle-collection-delete-yes"):
        st.session_state.pop("quelle-collection-delete-pending", None)
        try:
            delete_collection(settings)
        except StoreBusyError as exc:
            st.error(md_escape(str(exc)))
            return
        resources.forget_indexes()  # their collection is gone
        # Back to the default collection; the picker follows on the rerun.
        _switch_collection(state.base_settings().store.collection)
        st.toast(f"Sammlung „{md_escape(name)}“ gelöscht.")
        st.rerun()
    if no.button("Abbrechen", key="quelle-collection-delete-no"):
        st.session_state.pop("quelle-collection-delete-pending", None)
        st.rerun()


def render_table(docs: list[DocumentRecord]) -> None:
    rows = [{
        "Name": d.source,
        "Seiten": d.pages,
        "Abschnitte": d.chunks,
        "Hinzugefügt": format_time(d.ingested_at),
        "Embedding-Modell": d.embedding_model,
    } for d in docs]
    # st.dataframe shows cell values as plain text, so file names cannot inject markup.
    st.dataframe(rows, hide_index=True, width="stretch")


def render_delete(docs: list[DocumentRecord], settings: Settings) -> None:
    by_label = {f"{d.source} ({d.pages} S.)": d for d in docs}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    label = left.selectbox("Dokument löschen", list(by_label), key="quelle-delete-choice")
    pending = st.session_state.get("quelle-delete-pending")
    if right.button("Löschen …", key="quelle-delete", width="stretch"):
        pending = st.session_state["quelle-delete-pending"] = by_label[label].doc_id
    record = next((d for d in docs if d.doc_id == pending), None)
    if record is None:
        return
    st.warning(f"„{md_escape(record.source)}“ wirklich aus der Sammlung löschen?")
    yes, no, _ = st.columns([1, 1, 3])
    if yes.button("Ja, löschen", type="primary", key="quelle-delete-yes"):
        st.session_state.pop("quelle-delete-pending", None)
        delete_document(record, settings)
        st.rerun()
    if no.button("Abbrechen", key="quelle-delete-no"):
        st.session_state.pop("quelle-delete-pending", None)
        st.rerun()


def delete_document(record: DocumentRecord, settings: Settings) -> None:
    index = resources.writer_index(settings)
    try:
        with index.write_lock():
            index.delete_document(record.doc_id)
    except StoreBusyError as exc:
        st.error(md_escape(str(exc)))
        return
    # Our own copy of an upload goes too; files ingested from elsewhere are not ours to delete.
    # (Uploads of older versions lie directly in store_dir/uploads.)
    path = Path(record.path).resolve()
    if path.parent in (uploads_dir(settings).resolve(),
                       (settings.store.dir / "uploads").resolve()):
        path.unlink(missing_ok=True)
    st.toast(f"„{md_escape(record.source)}“ gelöscht.")


def render_reindex(settings: Settings) -> None:
    st.subheader("Neu indexieren")
    st.caption("Baut die Sammlung mit dem eingestellten Embedding-Modell neu auf, z. B. nach "
               "einem Modellwechsel. Alle bekannten Dateien werden erneut eingelesen.")
    # A fresh key after each run unticks the confirmation (widget state cannot be reset).
    round_ = st.session_state.setdefault("quelle-reindex-round", 0)
    confirm = st.checkbox("Ich möchte die Sammlung neu aufbauen",
                          key=f"quelle-reindex-confirm-{round_}")
    if st.button("Neu indexieren", disabled=not confirm, key="quelle-reindex"):
        try:
            st.session_state["quelle-reindex-results"] = run_reindex(settings)
        except StoreBusyError as exc:
            st.error(md_escape(str(exc)))
            return
        st.session_state["quelle-reindex-round"] = round_ + 1
        st.rerun()
    results = st.session_state.get("quelle-reindex-results")
    if results is not None:
        st.success(f"Die Sammlung wurde neu aufgebaut ({len(results)} Datei(en)).")
        render_results(results)


def run_reindex(settings: Settings) -> list[UploadResult]:
    """Drop the collection, then ingest every known file again with per-file progress."""
    with st.spinner("Sammlung wird geleert …"):
        paths = reindex(settings)
        resources.forget_indexes()  # their collections were just dropped
        index = resources.writer_index(settings)
    n = len(paths)
    if not n:
        return []
    bar = st.progress(0.0, text=f"Gesamt: 0 von {n} Dateien")
    position = {p.name: i for i, p in enumerate(paths)}

    def progress(source: str, frac: float) -> None:
        i = position.get(source, 0)
        bar.progress(min((i + frac) / n, 1.0), text=f"{md_escape(source)}: {frac:.0%}")

    report = Ingestor(settings, index).run(paths, progress=progress)
    bar.empty()
    return [UploadResult(r.source, r.status, r.error, r.pages, r.chunks, tuple(r.warnings))
            for r in report.results]
