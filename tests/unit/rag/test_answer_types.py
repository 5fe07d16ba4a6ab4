"""The expected answer type of German questions, and where a sentence holds such an answer."""

from __future__ import annotations

import pytest

from rag.components.llm.answer_types import answer_spans, expected_type


@pytest.mark.parametrize(("question", "kind"), [
    ("Wie hoch ist das Tagegeld im Inland?", "quantity"),
    ("Wie viel kostet ein Bibliotheksausweis?", "quantity"),
    ("Was kostet ein Stellplatz in der Tiefgarage pro Monat?", "quantity"),
    ("Um wie viel wird das Tagegeld gekürzt?", "quantity"),
    ("Wie teuer darf ein Hotelzimmer in Stuttgart sein?", "quantity"),
    ("Bis wann muss der Resturlaub genommen werden?", "date"),
    ("Wann beginnt das Arbeitsverhältnis?", "date"),
    ("In welchem Jahr wurde die Wohnanlage gebaut?", "date"),
    ("Wie lange dauert die Probezeit?", "duration"),
    ("Innerhalb welcher Frist muss die Abrechnung eingereicht werden?", "duration"),
    ("Wie viele Urlaubstage haben Beschäftigte?", "duration"),
    ("Wer muss eine Auslandsdienstreise genehmigen?", "person"),
    ("Welche Firma reinigt die Treppenhäuser?", "person"),
    ("Wo befindet sich der Hauptabsperrhahn?", "place"),
    ("Welche Durchwahl hat die Reisestelle?", "code"),
    ("Unter welcher Nummer ist der Verein eingetragen?", "code"),
    ("Darf ich die Lamellen mit dem Hochdruckreiniger säubern?", "yesno"),
    ("Ich schlafe bei meiner Schwester – bekomme ich dafür Geld?", "yesno"),
    ("Was bedeutet der Fehlercode E17?", "other"),
])
def test_expected_type_of_german_question_words(question: str, kind: str) -> None:
    assert expected_type(question) == kind


def _has(sentence: str, kind: str, text: str) -> bool:
    return any(text in sentence[a:b] for a, b in answer_spans(sentence, kind))  # type: ignore[arg-type]


def test_spans_of_each_type() -> None:
    assert _has("Das Tagegeld beträgt 28,00 Euro je Kalendertag.", "quantity", "28,00 Euro")
    assert _has("Ein Ersatzausweis kostet 12 € pro Stück.", "quantity", "12 €")
    assert _has("Der Urlaub verfällt am 31. März des Folgejahres.", "date", "31. März")
    assert _has("Die Probezeit dauert sechs Monate.", "duration", "sechs Monate")
    assert _has("spätestens zehn Arbeitstage vor Reiseantritt", "duration", "zehn Arbeitstage")
    assert _has("Die Bereichsleitung muss zustimmen.", "person", "Bereichsleitung")
    assert _has("Die Reisestelle erreichen Sie unter 07121 4410-233.", "code", "4410-233")
    # A sentence without any value holds no quantity: a heading or title does not answer.
    assert answer_spans("Hausordnung und Nebenkostenabrechnung Wohnanlage Lindenhof",
                        "quantity") == []
