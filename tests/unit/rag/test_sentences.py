"""German sentence splitting: abbreviations, ordinals, numbers, URLs stay inside sentences."""

from __future__ import annotations

import pytest

from rag.text.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


# Each text is ONE sentence followed by "Danach kommt der nächste Satz."; the splitter must
# cut exactly once, after the first sentence.
ONE_SENTENCE = [
    "Das gilt z. B. für Hotels und Taxis.",
    "Das gilt z.B. für Hotels und Taxis.",
    "Er kam spät, d. h. Die Sitzung lief schon.",
    "Das regelt u. a. Der Vertrag mit der Bahn.",
    "Die Kosten für Bahn bzw. Flugzeug werden erstattet.",
    "Die Fahrt kostet ca. 50 Euro.",
    "Hotel, Bahn usw. werden erstattet.",
    "Siehe vgl. Abschnitt 3 der Richtlinie.",
    "Die Erstattung nach Abs. 2 der Richtlinie ist möglich.",
    "Gemeint ist Beleg Nr. 5 vom Montag.",
    "Es gilt Art. 3 des Grundgesetzes.",
    "Details stehen auf S. 12 im Anhang.",
    "Dr. Müller hat das genehmigt.",
    "Prof. Schmidt hat das genehmigt.",
    "Fr. Meier und Hr. Weber reisen gemeinsam.",
    "Der Preis gilt inkl. Frühstück.",
    "Der Antrag ist ggf. Beim Vorgesetzten einzureichen.",
    "Die Reise wird evtl. Verschoben.",
    "Es gibt max. 120 Euro pro Nacht.",
    "Es gibt min. 20 Euro pro Tag.",
    "Das Budget beträgt 3 Mio. Euro im Jahr.",
    "Das Budget beträgt 2 Mrd. Euro im Jahr.",
    "Die Hotline erreichen Sie unter Tel. 030 123456.",
    "Fragen bzgl. Der Abrechnung gehen an die Buchhaltung.",
    "Die Erstattung erfolgt gem. Reiserichtlinie.",
    "Die Richtlinie gilt ab dem 1. Januar 2026 für alle.",
    "Die Frist endet am 3. März um Mitternacht.",
    "Am 15. Mai beginnt die neue Regel.",
    "Nach § 5 Abs. 3 Satz 2 ist der Antrag fristgerecht.",
    "Die Pauschale beträgt 3.500,00 Euro im Jahr.",
    "Mehr steht auf https://intranet.musterfirma.de/reisen/richtlinie.html im Netz.",
    "Schreiben Sie an reisen@musterfirma.de für Rückfragen.",
    "Die Musik von J. S. Bach ist schön.",
    "Er wurde der 2. Sieger im Wettbewerb.",
    "Zum 31. Dezember endet die Frist.",
    "Das regelt Art. 3 Abs. 1 GG zusammen mit § 12.",
    "Der Verein Musterhilfe e. V. zahlt das.",
    "Das gilt i. d. R. Für alle Reisen.",
    "Die Kosten u.a. Für Hotels sind hoch.",
    "Das kostet 12,50 Euro (inkl. MwSt.) pro Person.",
    "Kosten wie Hotel, Bahn etc. Werden erstattet.",
]


@pytest.mark.parametrize("first", ONE_SENTENCE)
def test_no_split_inside(first: str) -> None:
    text = f"{first} Danach kommt der nächste Satz."
    assert sentences(text) == [first, "Danach kommt der nächste Satz."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Was kostet das? Das kostet 5 Euro! Gut.", ["Was kostet das?", "Das kostet 5 Euro!",
                                                   "Gut."]),
        ("Er sagte: „Das gilt.“ Dann ging er.", ["Er sagte: „Das gilt.“", "Dann ging er."]),
        ("Die Regel gilt. „Ausnahmen“ gibt es nicht.", ["Die Regel gilt.",
                                                       "„Ausnahmen“ gibt es nicht."]),
        ("Die Frist endet 2026. Danach nicht mehr.", ["Die Frist endet 2026.",
                                                      "Danach nicht mehr."]),
        ("Die Anzahl der Urlaubstage beträgt 30. Zusätzlich gibt es Sonderurlaub.",
         ["Die Anzahl der Urlaubstage beträgt 30.", "Zusätzlich gibt es Sonderurlaub."]),
        ("Das gilt auf diese Art. Danach nicht.", ["Das gilt auf diese Art.", "Danach nicht."]),
        ("Siehe Musterfirma GmbH. Sie zahlt.", ["Siehe Musterfirma GmbH.", "Sie zahlt."]),
        ("Hotel, Bahn usw. Die Erstattung folgt.", ["Hotel, Bahn usw.", "Die Erstattung folgt."]),
        ("Mail an info@musterfirma.de. Danke.", ["Mail an info@musterfirma.de.", "Danke."]),
        ("Es gibt 3 Regeln. 2 davon sind neu.", ["Es gibt 3 Regeln.", "2 davon sind neu."]),
        ("Warten... Dann weiter.", ["Warten...", "Dann weiter."]),
        ("Das ist gut (sehr gut). Weiter so.", ["Das ist gut (sehr gut).", "Weiter so."]),
        ("Das endet hier. und nicht dort.", ["Das endet hier. und nicht dort."]),
    ],
)
def test_splits(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_line_breaks_split_list_items_and_paragraphs() -> None:
    text = (
        "1. Einleitung\n"
        "Die Richtlinie gilt ab dem 1. Januar 2026. Sie ersetzt die alte Regel\n"
        "- Hotel bis 120 Euro\n"
        "- Bahn 2. Klasse\n\n"
        "Stadt | Betrag\n"
        "Neuer Absatz."
    )
    assert sentences(text) == [
        "1. Einleitung",
        "Die Richtlinie gilt ab dem 1. Januar 2026.",
        "Sie ersetzt die alte Regel",
        "- Hotel bis 120 Euro",
        "- Bahn 2. Klasse",
        "Stadt | Betrag",
        "Neuer Absatz.",
    ]


def test_spans_are_trimmed_offsets_into_the_text() -> None:
    text = "  Erster Satz.   Zweiter Satz!\n\n  Dritter Satz?  "
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["Erster Satz.", "Zweiter Satz!", "Dritter Satz?"]
    assert all(a < b for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))


def test_empty_and_blank() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n \t") == []


def test_no_final_punctuation() -> None:
    assert sentences("Ein Satz ohne Punkt am Ende") == ["Ein Satz ohne Punkt am Ende"]
