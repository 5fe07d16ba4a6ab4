"""``rag eval retrieval`` on small data sets written by the tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from rag.cli import main
from rag.eval.retrieval import (
    METRIC_KEYS,
    Metrics,
    dpr_questions,
    passage_vectors,
    sample,
    vector_cache_file,
    vectors_id,
)
from rag.settings import get_settings

# 30 short German passages, each with a question and its imperative forms.
PASSAGES = [
    (
        "Der Bodensee liegt an der Grenze von Deutschland, Österreich und der Schweiz.",
        "An welchen Ländern grenzt der Bodensee?",
    ),
    (
        "Die Zugspitze ist mit 2962 Metern der höchste Berg Deutschlands.",
        "Wie hoch ist die Zugspitze?",
    ),
    (
        "Johann Sebastian Bach wurde 1685 in Eisenach geboren.",
        "Wo wurde Johann Sebastian Bach geboren?",
    ),
    ("Die Elbe mündet bei Cuxhaven in die Nordsee.", "Wo mündet die Elbe?"),
    (
        "Der Kölner Dom wurde 1880 nach über 600 Jahren Bauzeit vollendet.",
        "Wann wurde der Kölner Dom fertiggestellt?",
    ),
    (
        "Die Currywurst wurde 1949 von Herta Heuwer in Berlin erfunden.",
        "Wer hat die Currywurst erfunden?",
    ),
    ("Das Oktoberfest in München findet seit 1810 statt.", "Seit wann gibt es das Oktoberfest?"),
    (
        "Die Wartburg bei Eisenach war Zufluchtsort Martin Luthers, der dort das Neue Testament "
        "übersetzte.",
        "Was übersetzte Luther auf der Wartburg?",
    ),
    (
        "Der Rhein ist mit rund 1230 Kilometern einer der längsten Flüsse Europas.",
        "Wie lang ist der Rhein?",
    ),
    (
        "Die Brüder Grimm sammelten Märchen wie Hänsel und Gretel.",
        "Welche Märchen sammelten die Brüder Grimm?",
    ),
    (
        "Die Kieler Woche ist eines der größten Segelsportereignisse der Welt.",
        "Was ist die Kieler Woche?",
    ),
    (
        "Albert Einstein erhielt 1921 den Nobelpreis für Physik.",
        "Wofür erhielt Einstein den Nobelpreis?",
    ),
    (
        "Der Schwarzwald ist ein Mittelgebirge im Südwesten Baden-Württembergs.",
        "Wo liegt der Schwarzwald?",
    ),
    (
        "Die Kuckucksuhr ist ein bekanntes Souvenir aus dem Schwarzwald.",
        "Welches Souvenir ist typisch für den Schwarzwald?",
    ),
    (
        "Das Brandenburger Tor wurde von Carl Gotthard Langhans entworfen.",
        "Wer entwarf das Brandenburger Tor?",
    ),
    ("Die Hanse war ein Bund von Kaufleuten und Städten im Mittelalter.", "Was war die Hanse?"),
    ("Der Nürburgring ist eine Rennstrecke in der Eifel.", "Wo befindet sich der Nürburgring?"),
    (
        "Die Sächsische Schweiz ist bekannt für ihre Sandsteinfelsen an der Elbe.",
        "Wofür ist die Sächsische Schweiz bekannt?",
    ),
    ("Goethe schrieb die Tragödie Faust in zwei Teilen.", "Welche Tragödie schrieb Goethe?"),
    (
        "Die Insel Rügen ist die größte Insel Deutschlands.",
        "Welche ist die größte Insel Deutschlands?",
    ),
    ("Das Kindergeld wird bei der Familienkasse beantragt.", "Wo beantragt man Kindergeld?"),
    (
        "Die Kündigungsfrist für Mieter beträgt in der Regel drei Monate.",
        "Wie lange ist die Kündigungsfrist für Mieter?",
    ),
    (
        "Der Personalausweis ist bei Personen ab 24 Jahren zehn Jahre gültig.",
        "Wie lange ist ein Personalausweis gültig?",
    ),
    (
        "Die Mülltrennung unterscheidet Restmüll, Biomüll, Papier und Verpackungen.",
        "Welche Müllsorten werden getrennt?",
    ),
    (
        "Die Wärmepumpe nutzt Umweltwärme aus Luft, Wasser oder Erdreich zum Heizen.",
        "Woher nimmt eine Wärmepumpe die Wärme?",
    ),
    ("Der Deutsche Bundestag wird alle vier Jahre gewählt.", "Wie oft wird der Bundestag gewählt?"),
    (
        "Die Fahrradstraße ist vorrangig dem Radverkehr vorbehalten.",
        "Für wen ist eine Fahrradstraße gedacht?",
    ),
    (
        "Der Elbtunnel in Hamburg verbindet beide Ufer der Elbe unter dem Fluss.",
        "Was verbindet der Elbtunnel?",
    ),
    (
        "Beim Pfandsystem erhält man für Einwegflaschen 25 Cent zurück.",
        "Wie viel Pfand gibt es für Einwegflaschen?",
    ),
    (
        "Die Stadtbibliothek verleiht Bücher für vier Wochen.",
        "Wie lange darf man Bücher aus der Stadtbibliothek ausleihen?",
    ),
]


@pytest.fixture
def dpr_file(tmp_path: Path) -> Path:
    path = tmp_path / "mini-dpr.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for i, (context, question) in enumerate(PASSAGES):
            row = {
                "title": f"Artikel {i}",
                "context": context,
                "context_uuid": f"uuid-{i}",
                "question": [question],
                "imperative_formal": [f"Nennen Sie: {question.rstrip('?')}."],
                "imperative_informal": [f"Sag mir: {question.rstrip('?')}."],
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(autouse=True)
def offline_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The command reads the user's settings: pin them to the offline model, no .env.
    monkeypatch.setenv("RAG_EMBEDDING_SOURCE", "offline")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    # --no-cache: tests do not write passage vectors into the user's cache folder.
    assert main(["eval", "retrieval", *args, "--json", "--no-cache"]) == 0
    out = capsys.readouterr().out.strip()
    return json.loads(out)


def test_bm25_on_mini_dpr(dpr_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    res = run_json(capsys, "--dataset", str(dpr_file), "--mode", "bm25")
    assert list(res) == list(METRIC_KEYS)
    assert res["queries"] == 30 and res["passages"] == 30
    assert res["recall@1"] >= 0.8
    assert res["recall@1"] <= res["recall@5"] <= res["recall@10"] <= 1.0
    assert res["recall@1"] <= res["mrr@10"] <= res["recall@10"]
    assert res["mrr@10"] <= res["ndcg@10"] <= res["recall@10"]
    assert 0 < res["p50_ms"] <= res["p95_ms"]


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_dense_and_hybrid_on_mini_dpr(
    dpr_file: Path, capsys: pytest.CaptureFixture[str], mode: str, embedder: object
) -> None:
    res = run_json(capsys, "--dataset", str(dpr_file), "--mode", mode)
    assert res["queries"] == 30
    assert res["recall@5"] >= 0.9
    assert res["mrr@10"] >= 0.8


def test_question_variants_and_limit(dpr_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    formal = run_json(
        capsys, "--dataset", str(dpr_file), "--mode", "bm25", "--questions", "imperative_formal"
    )
    assert formal["queries"] == 30 and formal["recall@5"] >= 0.8
    a = run_json(capsys, "--dataset", str(dpr_file), "--mode", "bm25", "--limit", "7")
    b = run_json(capsys, "--dataset", str(dpr_file), "--mode", "bm25", "--limit", "7")
    assert a["queries"] == 7
    assert {k: v for k, v in a.items() if not k.endswith("_ms")} == {
        k: v for k, v in b.items() if not k.endswith("_ms")
    }


def test_human_output_is_german(dpr_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["eval", "retrieval", "--dataset", str(dpr_file), "--mode", "bm25", "--no-cache"]) == 0
    )
    out = capsys.readouterr().out
    assert "R@1" in out and "MRR@10" in out and "nDCG@10" in out
    assert "Latenz" in out and "Fragen: 30" in out


def test_qa_format_uses_doc_and_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "urlaub.txt").write_text(
        "Urlaubsregelung. Beschäftigte haben Anspruch auf 30 Arbeitstage Erholungsurlaub. "
        "Resturlaub verfällt am 31. März des Folgejahres.",
        encoding="utf-8",
    )
    (corpus / "bibliothek.md").write_text(
        "# Bibliothek\n\nDie Leihfrist beträgt vier Wochen. Eine Verlängerung kostet nichts.",
        encoding="utf-8",
    )
    (corpus / "README.md").write_text("Nur eine Beschreibung des Ordners.", encoding="utf-8")
    rows = [
        {"question": "Wie viele Tage Urlaub habe ich?", "doc": "urlaub.txt", "page": 1},
        {"question": "Wann verfällt der Resturlaub?", "doc": "urlaub.txt", "page": 1},
        {"question": "Wie lange ist die Leihfrist?", "doc": "bibliothek.md", "page": 1},
        {
            "question": "Was kostet ein Parkplatz?",
            "doc": None,
            "page": None,
            "kind": "unanswerable",
        },
    ]
    qa = corpus / "qa.jsonl"
    qa.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    res = run_json(capsys, "--dataset", str(qa), "--mode", "bm25")
    assert res["queries"] == 3  # the unanswerable row is skipped
    assert res["passages"] == 2  # README.md is not part of the corpus
    assert res["recall@5"] == 1.0


def test_bad_dataset_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{kein json\n", encoding="utf-8")
    assert main(["eval", "retrieval", "--dataset", str(bad)]) == 2
    assert "kein gültiges JSON" in capsys.readouterr().err
    assert main(["eval", "retrieval", "--dataset", str(tmp_path / "fehlt.jsonl")]) == 2


def test_metrics_and_sampling_helpers() -> None:
    m = Metrics(ranks=[1, 2, None, 11], latencies_ms=[1.0, 2.0, 3.0, 4.0], passages=5).to_json()
    assert m["recall@1"] == 0.25 and m["recall@5"] == 0.5 and m["recall@10"] == 0.5
    assert m["mrr@10"] == pytest.approx((1 + 0.5) / 4, abs=1e-4)
    assert m["ndcg@10"] == pytest.approx((1 + 1 / 1.58496) / 4, abs=1e-4)
    rows = [{"context": "a", "context_uuid": "u", "question": ["x", "y", "z"]}]
    assert dpr_questions(rows, "question") == [("x", "u"), ("y", "u"), ("z", "u")]
    items = list(range(100))
    assert sample(items, 10, 1) == sample(items, 10, 1) != sample(items, 10, 2)
    assert sample(items, None, 1) == items


def test_passage_vectors_are_cached_per_model_and_texts(tmp_path: Path, embedder: object) -> None:
    texts = [c for c, _ in PASSAGES[:5]]
    first = passage_vectors(embedder, texts, tmp_path)
    file = vector_cache_file(tmp_path, vectors_id(embedder), texts)
    assert file.exists() and first.shape == (5, embedder.dimension)  # type: ignore[attr-defined]
    assert np.allclose(first, embedder.embed_documents(texts), atol=1e-5)  # type: ignore[attr-defined]
    # The second call reads the file (a marker value proves it) ...
    marked = first.copy()
    marked[0, 0] = 42.0
    np.save(file, marked)
    assert passage_vectors(embedder, texts, tmp_path)[0, 0] == 42.0
    # ... and other texts get another file.
    assert vector_cache_file(tmp_path, "m", texts) != vector_cache_file(tmp_path, "m", texts[:4])
