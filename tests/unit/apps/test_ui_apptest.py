"""The Streamlit app's pages, driven with streamlit.testing.v1.AppTest.

Everything is real: a scratch store (RAG_STORE_DIR), embedded Chroma, the offline
embedding model, the extractive answering backend, PDFs from corpora/ and PDFs made here
with reportlab.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest.loaders import sanitize_source_name
from rag.settings import get_settings
from tests.support.paths import REPO
from ui.safe_text import md_escape

APP = str(REPO / "ui" / "app.py")
CORPORA = REPO / "corpora"
DOC = "reisekostenrichtlinie.pdf"
# The first run loads the embedding model; on a busy 2-core machine that can take minutes.
TIMEOUT = 600

pytestmark = pytest.mark.timeout(1800)


def gold(doc: str = DOC) -> list[dict]:
    rows = [json.loads(line) for line in (CORPORA / "qa.jsonl").read_text("utf-8").splitlines()
            if line.strip()]
    return [r for r in rows if r.get("doc") == doc and r.get("kind") == "direct"]


def plain(markdown: str) -> str:
    """Undo md_escape for assertions on what the user reads."""
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(at: AppTest) -> list[str]:
    return [plain(m.value) for m in at.markdown]


def htmls(at: AppTest) -> list[str]:
    return [h.value for h in at.get("html")]


def pdf_bytes(lines_per_page: list[list[str]]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for lines in lines_per_page:
        y = 780
        for line in lines:
            c.drawString(60, y, line)
            y -= 16
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    store = tmp_path / "store"
    monkeypatch.setenv("RAG_STORE_DIR", str(store))
    monkeypatch.setenv("RAG_EMBEDDING_SOURCE", "offline")
    monkeypatch.setenv("RAG_LLM_BACKEND", "extractive")
    monkeypatch.delenv("RAG_COLLECTION", raising=False)
    get_settings.cache_clear()
    yield store
    get_settings.cache_clear()


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, files: list[tuple[str, bytes, str]], key: str = "upload-chat") -> None:
    uploader = next(u for u in at.get("file_uploader") if u.id.endswith(key) or key in u.id)
    uploader.set_value(files)
    at.run()
    assert not at.exception, at.exception


def ask(at: AppTest, question: str) -> None:
    at.chat_input(key="quelle-question").set_value(question)
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def last_answer(at: AppTest):  # noqa: ANN201
    msgs = at.session_state["quelle_messages"]
    assert msgs and msgs[-1]["role"] == "assistant"
    return msgs[-1]["answer"]


def test_upload_ask_follow_up_new_chat_and_delete(app_env: Path) -> None:
    at = start()
    doc_bytes = (CORPORA / DOC).read_bytes()
    upload(at, [
        (DOC, doc_bytes, "application/pdf"),
        ("kaputt.pdf", b"%PDF-1.4\nkein echtes PDF", "application/pdf"),
        ("leer.txt", b"", "text/plain"),
        ("notiz.txt", "Erste Fassung der Notiz über den Dienstwagen.".encode(), "text/plain"),
    ])
    shown = texts(at)
    # One line per file, in upload order; the bad files did not block the good ones.
    assert any(DOC in t and "— neu (" in t for t in shown), shown
    assert any("kaputt.pdf" in t and "Fehler:" in t for t in shown), shown
    assert any("leer.txt" in t and "Fehler:" in t and "leer" in t for t in shown), shown
    assert any("notiz.txt" in t and "— neu (" in t for t in shown), shown
    uploads = app_env / "uploads" / "quelle"  # the collection's own folder
    assert sorted(p.name for p in uploads.iterdir()) == sorted([DOC, "notiz.txt"])

    # Same bytes again: unchanged; new bytes under the same name: replaced.
    upload(at, [
        (DOC, doc_bytes, "application/pdf"),
        ("notiz.txt", "Zweite Fassung der Notiz über das Lastenfahrrad.".encode(), "text/plain"),
    ])
    shown = texts(at)
    assert any(DOC in t and "— unverändert" in t for t in shown), shown
    assert any("notiz.txt" in t and "— ersetzt" in t for t in shown), shown
    assert "Lastenfahrrad" in (uploads / "notiz.txt").read_text("utf-8")

    # Ask a gold question: the answer quotes the gold passage and cites its file and page.
    row = gold()[0]
    ask(at, row["question"])
    answer = last_answer(at)
    assert answer.answerable
    # The answer span is set in bold (**…**); the words are the document's.
    assert " ".join(row["answer"].split()) in " ".join(answer.answer.replace("**", "").split())
    assert any(c.source == row["doc"] and c.page == row["page"] for c in answer.citations)
    labels = [e.label for e in at.expander]
    assert md_escape(f"[1] {answer.citations[0].source}, Seite {answer.citations[0].page}") \
        in labels
    # The quoted sentence is highlighted inside the escaped passage.
    assert any("quelle-citation" in h and "<mark" in h for h in htmls(at))

    # A follow-up leans on the first question; both turns stay in the session's history.
    ask(at, "Und wer muss eine Auslandsdienstreise zusätzlich genehmigen?")
    assert len(at.session_state["quelle_messages"]) == 4
    follow = last_answer(at)
    assert follow.answerable and "Bereichsleitung" in follow.answer
    assert len(at.chat_message) == 4

    at.button(key="quelle-new-chat").click().run()
    assert at.session_state["quelle_messages"] == []
    assert len(at.chat_message) == 0

    # Library: delete the PDF (two steps), its upload copy goes too.
    at.switch_page("pages/library.py").run()
    assert not at.exception, at.exception
    choice = at.selectbox(key="quelle-delete-choice")
    doc_label = next(o for o in choice.options if o.startswith(DOC))
    choice.select(doc_label)
    at.button(key="quelle-delete").click().run()
    assert any("wirklich" in plain(w.value) for w in at.warning)
    at.button(key="quelle-delete-yes").click().run()
    assert not at.exception, at.exception
    remaining = at.selectbox(key="quelle-delete-choice").options
    assert not any(o.startswith(DOC) for o in remaining), remaining
    assert not (uploads / DOC).exists()
    assert (uploads / "notiz.txt").exists()


def test_document_text_is_shown_literally_and_refusals_offer_passages(app_env: Path) -> None:
    at = start()
    attack = [
        "Die Notfallnummer der Hausverwaltung Lindenhof lautet 0711 4477 200.",
        "Skript: <script>alert('xss')</script> Bild: ![x](javascript:alert(1))",
        "Weiteres HTML: <img src=x onerror=alert(2)> und **kein fett**.",
    ]
    name = "<b>Hinweise<b> ![x](javascript_alert).pdf"
    upload(at, [(name, pdf_bytes([attack, ["Seite zwei ist leer bis auf diesen Satz."]]),
                 "application/pdf")])
    shown = texts(at)
    safe_name = sanitize_source_name(name)
    assert safe_name == "_b_Hinweise_b_ ![x](javascript_alert).pdf"
    assert any(safe_name in t and "— neu (" in t for t in shown), shown

    ask(at, "Wie lautet die Notfallnummer der Hausverwaltung Lindenhof?")
    answer = last_answer(at)
    assert answer.answerable and "0711 4477 200" in answer.answer
    bodies = htmls(at)
    passages = [h for h in bodies if "quelle-citation" in h]
    assert passages
    joined = "\n".join(passages)
    # Markup in the document reaches the browser escaped, i.e. shown as the literal text.
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in joined
    assert "&lt;img src=x onerror=alert(2)&gt;" in joined
    assert "![x](javascript:alert(1))" in joined and "**kein fett**" in joined
    assert not any("<script" in h or "<img" in h for h in bodies)
    # The file name in the citation label is Markdown-escaped, so it cannot become a link.
    assert md_escape(f"[1] {safe_name}, Seite 1") in [e.label for e in at.expander]

    # The cited page can be shown as an image (rendered with pypdfium2), the quote marked.
    at.toggle(key="msg1-c1-show").set_value(True).run()
    assert not at.exception, at.exception
    assert len(at.get("image")) == 1
    assert "Zitat auf der Seite markiert." in [plain(c.value) for c in at.caption]

    # A question the document cannot answer: a refusal plus the closest passages.
    unanswerable = next(r for r in map(json.loads, (CORPORA / "qa.jsonl").read_text(
        "utf-8").splitlines()) if r.get("kind") == "unanswerable")
    ask(at, unanswerable["question"])
    refusal = last_answer(at)
    assert not refusal.answerable and refusal.citations == []
    assert any("Keine belegbare Antwort" in w.value for w in at.warning)
    assert "**Vielleicht hilfreich**" in texts(at)
    assert any("quelle-maybe" in h and "&lt;script&gt;" in h for h in htmls(at))


def test_size_limit_message_and_other_files_still_ingested(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_MAX_FILE_MB", "1")
    get_settings.cache_clear()
    at = start()
    big = ("Ein sehr langer Absatz über Reisekosten. " * 40_000).encode()  # ~1.6 MB
    upload(at, [("gross.txt", big, "text/plain"),
                ("klein.txt", "Die Kantine öffnet um 11:30 Uhr.".encode(), "text/plain")])
    shown = texts(at)
    assert any("gross.txt" in t and "zu groß" in t and "höchstens 1 MB" in t for t in shown)
    assert any("klein.txt" in t and "— neu (" in t for t in shown), shown
    assert not (app_env / "uploads" / "quelle" / "gross.txt").exists()


def test_sidebar_settings_stay_in_the_session(app_env: Path) -> None:
    at = start()
    sidebar = [plain(m.value) for m in at.sidebar.markdown]
    assert any("Extraktiv" in t for t in sidebar), sidebar
    assert any("RAG_LLM_BACKEND=extractive" in plain(c.value) for c in at.sidebar.caption)
    assert any("multilingual-e5-small" in t for t in sidebar), sidebar

    upload(at, [(DOC, (CORPORA / DOC).read_bytes(), "application/pdf")])
    at.slider(key="quelle_top_k").set_value(2).run()
    base_hybrid = get_settings().retrieval.mode == "hybrid"
    at.toggle(key="quelle_hybrid").set_value(not base_hybrid).run()
    mode = "dense" if base_hybrid else "hybrid"
    assert at.session_state["quelle_overrides"] == {"top_k": 2, "retrieval_mode": mode}
    ask(at, gold()[0]["question"])
    assert len(last_answer(at).retrieved) == 2  # the session's top-k reached the search

    # Another session (a second tab) starts from the defaults again.
    other = start()
    assert other.slider(key="quelle_top_k").value == get_settings().retrieval.top_k
    assert other.toggle(key="quelle_hybrid").value == (get_settings().retrieval.mode == "hybrid")


def test_library_collections_and_reindex(app_env: Path) -> None:
    at = start()
    upload(at, [(DOC, (CORPORA / DOC).read_bytes(), "application/pdf")])
    at.switch_page("pages/library.py").run()
    assert not at.exception, at.exception
    captions = [plain(c.value) for c in at.caption]
    assert any("Embedding-Modell" in c and "multilingual-e5-small" in c for c in captions)
    frame = at.dataframe[0].value
    assert list(frame.columns)[:4] == ["Name", "Seiten", "Abschnitte", "Hinzugefügt"]
    assert frame.iloc[0]["Name"] == DOC and frame.iloc[0]["Seiten"] == 5

    # A new collection is empty; switching back shows the document again.
    at.text_input(key="quelle-new-collection").input("zweite-sammlung")
    at.button(key="quelle-create-collection").click().run()
    assert not at.exception, at.exception
    assert at.session_state["quelle_overrides"]["collection"] == "zweite-sammlung"
    assert any("Noch keine Dokumente" in i.value for i in at.info)
    at.selectbox(key="quelle-collection").select("quelle").run()
    assert "collection" not in at.session_state["quelle_overrides"]
    assert at.dataframe[0].value.iloc[0]["Name"] == DOC
    assert "zweite-sammlung" in at.selectbox(key="quelle-collection").options

    # Deleting a collection asks first, then drops it and returns to the default one.
    at.selectbox(key="quelle-collection").select("zweite-sammlung").run()
    at.button(key="quelle-collection-delete").click().run()
    assert any("wirklich löschen" in plain(w.value) for w in at.warning)
    assert "zweite-sammlung" in at.selectbox(key="quelle-collection").options  # not yet
    at.button(key="quelle-collection-delete-yes").click().run()
    assert not at.exception, at.exception
    assert "zweite-sammlung" not in at.selectbox(key="quelle-collection").options
    assert "collection" not in at.session_state["quelle_overrides"]
    assert at.dataframe[0].value.iloc[0]["Name"] == DOC

    # Re-index: confirm, rebuild, the document is back with the same size.
    at.checkbox(key="quelle-reindex-confirm-0").check().run()
    at.button(key="quelle-reindex").click().run()
    assert not at.exception, at.exception
    assert any("neu aufgebaut" in s.value for s in at.success)
    assert at.dataframe[0].value.iloc[0]["Name"] == DOC
    assert at.checkbox(key="quelle-reindex-confirm-1").value is False


def test_quality_page_runs_gold_file_and_shows_german_rag_eval(app_env: Path) -> None:
    at = start()
    upload(at, [(DOC, (CORPORA / DOC).read_bytes(), "application/pdf")])
    app_env.joinpath("german_rag_eval.json").write_text(json.dumps({
        "task1": {"acc": 0.91, "stderr": 0.01, "n": 1000},
        "average": {"acc": 0.88, "stderr": 0.012},
    }))
    at.switch_page("pages/quality.py").run()
    assert not at.exception, at.exception
    ger = at.dataframe[-1].value
    assert list(ger["Aufgabe"]) == ["task1", "Durchschnitt"]
    assert list(ger["Genauigkeit"]) == ["0.910", "0.880"]

    rows = gold()[:3] + [{"question": "Gibt es Freibier?", "doc": None, "page": None,
                          "answer": None, "kind": "unanswerable"}]
    at.radio(key="quelle-gold-choice").set_value("Eigene Gold-Datei (JSONL) hochladen").run()
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
    at.get("file_uploader")[0].set_value(("gold.jsonl", data, "application/json"))
    at.run()
    at.button(key="quelle-run-check").click().run()
    assert not at.exception, at.exception
    metrics = at.dataframe[0].value
    assert list(metrics.columns) == ["R@1", "R@3", "R@5", "R@10", "MRR@10", "Fragen"]
    assert metrics.iloc[0]["Fragen"] == "3"
    # One 5-page document: every gold page is found within the first ten passages.
    assert metrics.iloc[0]["R@10"] == "100.0%"
    assert any("1 unbeantwortbare Fragen übersprungen" in t for t in texts(at))
    assert len(at.get("vega_lite_chart")) == 1

    # The answer check: every question answered once, then the refusal trade-off curve.
    at.button(key="quelle-run-answers").click().run()
    assert not at.exception, at.exception
    answers = next(d.value for d in at.dataframe
                   if "Unbeantwortbare abgelehnt" in list(d.value.columns))
    assert list(answers.columns) == ["Gold-Antwort in der Antwort", "Unbeantwortbare abgelehnt"]
    assert answers.iloc[0]["Gold-Antwort in der Antwort"].endswith("%")
    assert any("3 beantwortbare, 1 unbeantwortbare Fragen" in t for t in texts(at))
    assert len(at.get("vega_lite_chart")) == 2


def test_collection_of_another_embedding_model_offers_reindex(app_env: Path) -> None:
    from rag.components.store.chroma import make_client

    # A collection built with some other model: the app must not mix vectors, but say so.
    settings = get_settings()
    make_client(settings).get_or_create_collection(
        settings.store.collection,
        metadata={"embedding_model": "fremdes/modell", "embedding_dim": 384},
        embedding_function=None)
    at = start()
    at.switch_page("pages/library.py").run()
    assert not at.exception, at.exception
    assert any("fremdes/modell" in plain(e.value) for e in at.error)
    at.checkbox(key="quelle-reindex-confirm-0").check().run()
    at.button(key="quelle-reindex").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("neu aufgebaut (0 Datei(en))" in s.value for s in at.success)
    assert any("Noch keine Dokumente" in i.value for i in at.info)


def test_generated_answer_without_citations_is_flagged(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The tiny random Llama answers without [n]: the app warns and shows the passages."""
    from tests.support.tiny_llm import tiny_llama_dir

    monkeypatch.setenv("RAG_LLM_BACKEND", "transformers")
    monkeypatch.setenv("RAG_LLM_MODEL", str(tiny_llama_dir(tmp_path_factory)))
    monkeypatch.setenv("RAG_LLM_MAX_NEW_TOKENS", "12")
    get_settings.cache_clear()
    at = start()
    upload(at, [(DOC, (CORPORA / DOC).read_bytes(), "application/pdf")])
    ask(at, gold()[0]["question"])
    answer = last_answer(at)
    assert answer.answerable and answer.citations == [] and answer.retrieved
    assert any("keine Quelle zitiert" in w.value for w in at.warning)
    assert "**Gefundene Passagen**" in texts(at)
    assert any("quelle-maybe" in h for h in htmls(at))


def test_upload_word_and_mail_cites_sections(app_env: Path, tmp_path: Path) -> None:
    from tests.support import documents as D

    at = start()
    uploader = next(u for u in at.get("file_uploader") if "upload-chat" in u.id)
    accepted = set(uploader.proto.type)
    assert {".docx", ".odt", ".html", ".htm", ".eml"} <= accepted | {f".{t}" for t in accepted}
    docx_bytes = D.make_docx(tmp_path / "b.docx").read_bytes()
    mail = D.make_eml(tmp_path / "m.eml", ("programm.docx", D.programme_docx(), "application",
                                           "vnd.openxmlformats-officedocument"
                                           ".wordprocessingml.document")).read_bytes()
    upload(at, [("betriebsvereinbarung.docx", docx_bytes, "application/octet-stream"),
                ("sommerfest.eml", mail, "message/rfc822")])
    shown = texts(at)
    for name in ("betriebsvereinbarung.docx", "sommerfest.eml", "sommerfest.eml › programm.docx"):
        assert any(f"**{name}** — neu (" in t for t in shown), (name, shown)

    ask(at, "Wie hoch ist das Tagegeld im Inland bei der Wendelin Gießerei?")
    answer = last_answer(at)
    assert answer.answerable
    cited = answer.citations[0]
    assert cited.source == "betriebsvereinbarung.docx"
    assert cited.section == "Abschnitt 2.1, Tabelle 1, Zeile 1"
    labels = [e.label for e in at.expander]
    assert md_escape("[1] betriebsvereinbarung.docx, Abschnitt 2.1, Tabelle 1, Zeile 1") in labels
