"""Quality page: retrieval check (R@k, MRR@10) and answer check (gold answer in the answer,
refusal trade-off) on gold questions, and the last Ger-RAG-eval."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from ingest.pipeline import Ingestor
from rag.answering import answer_question
from rag.components.llm.sentence_ranker import load_model
from rag.eval.answers import Row, evaluate, load_rows, tradeoff
from rag.eval.german_rag.report import quality_page_file
from rag.eval.qa_check import CheckResult, GoldFormatError, GoldItem, load_gold, run_check
from rag.index import StoreBusyError
from rag.settings import Settings
from ui import context, resources
from ui.safe_text import md_escape

ROOT = Path(__file__).resolve().parent.parent
DEMO_GOLD = ROOT / "corpora" / "qa.jsonl"
RESULT_KEY = "quelle-quality-result"
ANSWERS_KEY = "quelle-quality-answers"
MODE_NAMES = {"hybrid": "hybrid", "dense": "nur Vektor", "bm25": "nur Stichwort"}


def render() -> None:
    st.title("Qualität")
    ctx = context.load()
    if ctx.index is None:
        st.error(md_escape(ctx.error or "Der Speicher ist nicht verfügbar."))
        return
    st.subheader("Retrieval-Check")
    st.caption("Findet die Suche zu jeder Gold-Frage die richtige Datei und Seite? "
               "R@k: Anteil der Fragen mit richtigem Treffer unter den ersten k; "
               "MRR@10: mittlerer Kehrwert des Rangs des ersten richtigen Treffers.")
    items, skipped, label, lines = choose_gold()
    if items is not None:
        render_gold_status(items, ctx.settings, ctx.index)
        mode = ctx.settings.retrieval.mode
        if st.button(f"Retrieval-Check starten ({len(items)} Fragen, Suche: "
                     f"{MODE_NAMES.get(mode, mode)})", type="primary", key="quelle-run-check",
                     disabled=not items):
            st.session_state[RESULT_KEY] = (label, mode, check(items, skipped, ctx))
    stored = st.session_state.get(RESULT_KEY)
    if stored is not None:
        render_result(*stored)
    st.divider()
    render_answer_check(lines, label, ctx)
    st.divider()
    render_german_rag_eval(ctx.settings)


def choose_gold() -> tuple[list[GoldItem] | None, int, str, list[str]]:
    """The gold questions, how many were unanswerable, their label and the raw lines."""
    choice = st.radio("Gold-Fragen", ["Demo-Fragen (corpora/qa.jsonl)",
                                       "Eigene Gold-Datei (JSONL) hochladen"],
                      horizontal=True, key="quelle-gold-choice")
    try:
        if choice.startswith("Demo"):
            if not DEMO_GOLD.is_file():
                st.info("corpora/qa.jsonl liegt nicht vor.")
                return None, 0, "", []
            lines = DEMO_GOLD.read_text(encoding="utf-8").splitlines()
            items, skipped = load_gold(lines)
            return items, skipped, "corpora/qa.jsonl", lines
        upload = st.file_uploader(
            "Gold-Datei: eine Zeile je Frage mit question, doc, page (answer, kind optional)",
            type=["jsonl", "json"], key="quelle-gold-upload")
        if upload is None:
            return None, 0, "", []
        lines = upload.getvalue().decode("utf-8-sig").splitlines()
        items, skipped = load_gold(lines)
        return items, skipped, upload.name, lines
    except (GoldFormatError, UnicodeDecodeError) as exc:
        st.error(md_escape(f"Gold-Datei ungültig: {exc}"))
        return None, 0, "", []


def render_gold_status(items: list[GoldItem], settings: Settings, index: Any) -> None:
    stored = {d.source for d in index.documents()}
    missing = sorted({i.doc for i in items} - stored)
    if not missing:
        return
    st.warning(md_escape(f"Nicht in der Sammlung: {', '.join(missing)}. Fragen zu diesen "
                         "Dateien zählen als nicht gefunden."))
    demo = [ROOT / "corpora" / m for m in missing if (ROOT / "corpora" / m).is_file()]
    if demo and st.button(f"{len(demo)} Demo-Dokument(e) aus corpora/ einlesen",
                          key="quelle-ingest-demo"):
        bar = st.progress(0.0, text="Demo-Dokumente werden eingelesen …")
        position = {p.name: i for i, p in enumerate(demo)}

        def progress(source: str, frac: float) -> None:
            i = position.get(source, 0)
            bar.progress(min((i + frac) / len(demo), 1.0), text=md_escape(source))

        try:
            report = Ingestor(settings, resources.writer_index(settings)).run(
                demo, progress=progress)
        except StoreBusyError as exc:
            st.error(md_escape(str(exc)))
            return
        bar.empty()
        failed = report.by_status("failed")
        for r in failed:
            st.error(md_escape(r.error or r.source))
        if not failed:
            st.rerun()


@contextmanager
def question_progress(text: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar counting questions, removed when the run is over."""
    bar = st.progress(0.0, text=text)

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"{done} von {total} Fragen")

    yield progress
    bar.empty()


def check(items: list[GoldItem], skipped: int, ctx: context.PageContext) -> CheckResult:
    view = resources.SessionIndex(ctx.index, ctx.settings.retrieval.mode)  # type: ignore[arg-type]
    with question_progress("Suche läuft …") as progress:
        return run_check(view, items, skipped=skipped, progress=progress)


def _pct(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.1%}"


def metrics_frame(result: CheckResult) -> pd.DataFrame:
    row = {f"R@{k}": _pct(v) for k, v in result.recall.items()}
    row["MRR@10"] = "–" if math.isnan(result.mrr) else f"{result.mrr:.3f}"
    row["Fragen"] = str(result.n)
    return pd.DataFrame([row])


def render_result(label: str, mode: str, result: CheckResult) -> None:
    st.markdown(f"**Ergebnis für {md_escape(label)}** (Suche: {MODE_NAMES.get(mode, mode)}; "
                f"{result.skipped} unbeantwortbare Fragen übersprungen)")
    st.dataframe(metrics_frame(result), hide_index=True, width="stretch")
    curve = pd.DataFrame({"k": list(result.recall), "Recall@k": list(result.recall.values())})
    st.line_chart(curve, x="k", y="Recall@k", y_label="Recall@k", x_label="k", height=260)
    rows = [{
        "Frage": q.item.question,
        "Gold": f"{q.item.doc}, {q.item.section or f'S. {q.item.page}'}",
        "Rang": q.rank if q.rank is not None else "–",
        "Bester Treffer": (f"{q.top_source}, {q.top_section or f'S. {q.top_page}'}"
                           if q.top_source else "–"),
    } for q in result.questions]
    with st.expander("Ergebnis je Frage"):
        st.dataframe(rows, hide_index=True, width="stretch")


def render_answer_check(lines: list[str], label: str, ctx: context.PageContext) -> None:
    """The extractive answer to every gold question that has an answer text (or is
    unanswerable), and the refusal trade-off over the threshold."""
    st.subheader("Antworten und Ablehnen (ohne Sprachmodell)")
    st.caption("Steht die Gold-Antwort in der extraktiven Antwort, und lehnt Quelle die "
               "unbeantwortbaren Fragen ab? Jede Frage wird einmal beantwortet; die Kurve "
               "zeigt, was jede Ablehnungsschwelle daraus machen würde.")
    rows = [r for r in load_rows(lines) if r.get("question")
            and (r.get("answer") or not r.get("doc"))]
    if not rows:
        st.caption("Die Gold-Datei hat keine Antworttexte (Feld answer).")
        return
    if st.button(f"Antwort-Check starten ({len(rows)} Fragen)", key="quelle-run-answers"):
        st.session_state[ANSWERS_KEY] = (label, answer_check(rows, ctx))
    stored = st.session_state.get(ANSWERS_KEY)
    if stored is not None:
        render_answers(*stored, fitted=ctx.settings.answering.threshold)


def answer_check(rows: list[dict[str, Any]], ctx: context.PageContext) -> list[Row]:
    # Threshold 0: every question gets its best quote and confidence; the curve moves it.
    settings = ctx.settings.override(llm_backend="extractive", answer_threshold=0.0)
    view = resources.SessionIndex(ctx.index, ctx.settings.retrieval.mode)  # type: ignore[arg-type]
    with question_progress("Antworten werden gesucht …") as progress:
        return evaluate(rows, lambda q: answer_question(q, index=view, settings=settings),
                        progress)


def render_answers(label: str, results: list[Row], fitted: float | None) -> None:
    threshold = fitted if fitted is not None else load_model().threshold
    points = tradeoff(results)
    at = min(points, key=lambda p: abs(p[0] - threshold))
    answerable = sum(r.answerable for r in results)
    st.markdown(f"**Ergebnis für {md_escape(label)}** ({answerable} beantwortbare, "
                f"{len(results) - answerable} unbeantwortbare Fragen; Schwelle "
                f"{threshold:.2f})")
    st.dataframe(pd.DataFrame([{
        "Gold-Antwort in der Antwort": f"{at[1]:.1%}",
        "Unbeantwortbare abgelehnt": f"{at[2]:.1%}",
    }]), hide_index=True, width="stretch")
    frame = pd.DataFrame({
        "Schwelle": [p[0] for p in points],
        "beantwortet mit Gold-Antwort": [p[1] for p in points],
        "unbeantwortbare abgelehnt": [p[2] for p in points],
    })
    st.line_chart(frame, x="Schwelle", y=["beantwortet mit Gold-Antwort",
                                          "unbeantwortbare abgelehnt"], height=260)


def load_german_rag(settings: Settings) -> dict[str, Any] | None:
    path = quality_page_file(settings)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def german_rag_frame(data: dict[str, Any]) -> pd.DataFrame:
    def fmt(v: Any, pattern: str) -> str:
        return pattern.format(v) if isinstance(v, int | float) else "–"

    rows = []
    for task, vals in data.items():
        if not isinstance(vals, dict) or "acc" not in vals:
            continue
        rows.append({
            "Aufgabe": "Durchschnitt" if task == "average" else task,
            "Genauigkeit": fmt(vals.get("acc"), "{:.3f}"),
            "± Stderr": fmt(vals.get("stderr"), "{:.3f}"),
            "n": fmt(vals.get("n"), "{:d}"),
        })
    # The average goes last, as in lighteval's table.
    rows.sort(key=lambda r: r["Aufgabe"] == "Durchschnitt")
    return pd.DataFrame(rows)


def render_german_rag_eval(settings: Settings) -> None:
    st.subheader("Ger-RAG-eval (letztes Ergebnis)")
    data = load_german_rag(settings)
    if data is None:
        st.caption("Noch kein Ergebnis gespeichert: `rag eval german-rag --model … --save` "
                   f"legt es als {md_escape(str(quality_page_file(settings)))} ab.")
        return
    meta = data.get("_meta")
    if isinstance(meta, dict) and meta.get("model"):
        limit = f", je Aufgabe höchstens {meta['limit']} Zeilen" if meta.get("limit") else ""
        st.caption(md_escape(f"Modell {meta['model']}, gerechnet {meta.get('finished_at', '?')}"
                             f"{limit}"))
    st.dataframe(german_rag_frame(data), hide_index=True, width="stretch")
