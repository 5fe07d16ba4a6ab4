from __future__ import annotations

import pytest

from rag.citations import find_markers, is_refusal, marker_numbers, resolve_citations, to_answer
from rag.settings import REFUSAL
from tests.support.hits import make_hit

SOURCES = [
    make_hit("reisekosten.pdf", 3, "Die Tagespauschale beträgt 28 Euro.", 0.9, index=0),
    make_hit("urlaub.pdf", 1, "Der Urlaubsanspruch beträgt 30 Tage.", 0.8, index=1),
    make_hit("reisekosten.pdf", 5, "Belege sind binnen 6 Monaten einzureichen.", 0.7, index=2),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Die Pauschale beträgt 28 Euro [1].", [1]),
        ("Siehe [1, 2].", [1, 2]),
        ("Siehe [1][3] und [1].", [1, 3]),
        ("Laut [2; 3] gilt das.", [2, 3]),
        ("Bereiche [1-3] und [2–3].", [1, 2, 3]),
        ("Wie in [Quelle 2] und [Quellen 1, 3] steht.", [2, 1, 3]),
        ("Keine Marker hier, nur 2024 [a] und [ ].", []),
    ],
)
def test_find_markers(text: str, expected: list[int]) -> None:
    assert find_markers(text) == expected


def test_marker_numbers_rejects_absurd_ranges() -> None:
    assert marker_numbers("1-9999") == [1, 9999]


def test_only_cited_sources_become_citations_in_number_order() -> None:
    r = resolve_citations("Belege: 6 Monate [3]. Pauschale: 28 Euro [1].", SOURCES)
    assert [(c.n, c.source, c.page) for c in r.citations] == [
        (1, "reisekosten.pdf", 3), (3, "reisekosten.pdf", 5)]
    assert r.citations[0].text == SOURCES[0].chunk.text
    assert r.citations[0].chunk_id == SOURCES[0].chunk.chunk_id
    assert r.unknown == [] and not r.refusal


def test_unknown_markers_are_removed_and_reported() -> None:
    r = resolve_citations("Die Pauschale beträgt 28 Euro [1, 7]. Das steht in [9].", SOURCES)
    assert r.unknown == [7, 9]
    assert r.text == "Die Pauschale beträgt 28 Euro [1]. Das steht in."
    assert [c.n for c in r.citations] == [1]


def test_zero_is_unknown() -> None:
    r = resolve_citations("Falsch [0].", SOURCES)
    assert r.unknown == [0] and r.citations == [] and r.text == "Falsch."


@pytest.mark.parametrize(
    "text",
    [
        REFUSAL,
        f"  {REFUSAL}\n",
        "mit den gegebenen Informationen ist diese Frage nicht zu beantworten",
        f"„{REFUSAL}“",
        f"**{REFUSAL}**",
        f"{REFUSAL} Bitte wenden Sie sich an die Personalabteilung.",
    ],
)
def test_refusals_are_detected(text: str) -> None:
    assert is_refusal(text)
    r = resolve_citations(text, SOURCES)
    assert r.refusal and r.citations == [] and r.text == REFUSAL


def test_refusal_with_markers_only_is_still_refusal() -> None:
    assert is_refusal(f"{REFUSAL} [1]")


def test_partial_answer_with_citation_is_not_a_refusal() -> None:
    text = f"Die Pauschale beträgt 28 Euro [1]. Zur Übernachtung gilt: {REFUSAL}"
    assert not is_refusal(text)
    assert [c.n for c in resolve_citations(text, SOURCES).citations] == [1]


def test_ordinary_answers_are_not_refusals() -> None:
    assert not is_refusal("Die Frage ist mit den Informationen gut zu beantworten: 28 Euro [1].")


def test_to_answer_shapes_the_foundation_json() -> None:
    a = to_answer(REFUSAL, SOURCES, retrieved=SOURCES, backend="openai:x")
    assert a.to_json() == {"answer": REFUSAL, "answerable": False, "confidence": None,
                           "citations": []}
    assert a.retrieved == SOURCES and a.backend == "openai:x"
    b = to_answer("Es sind 30 Tage [2].", SOURCES, retrieved=SOURCES, backend="t")
    assert b.to_json() == {
        "answer": "Es sind 30 Tage [2].", "answerable": True, "confidence": None,
        "citations": [{"n": 2, "source": "urlaub.pdf", "page": 1,
                       "text": "Der Urlaubsanspruch beträgt 30 Tage."}],
    }
