"""Cleanup steps one by one, then clean_pages with its page map."""

from __future__ import annotations

import pytest

from ingest.cleanup import (
    clean_pages,
    expand_ligatures,
    is_page_number_line,
    join_hyphenation,
    normalize_special_chars,
    normalize_unicode,
    normalize_whitespace,
    remove_headers_footers,
)
from rag.types import PageText

# --- characters ----------------------------------------------------------------------


def test_normalize_unicode_composes_and_unifies_line_ends() -> None:
    assert normalize_unicode("Gro\u0308\u00dfe\r\nU\u0308bergabe\rEnde") == "Größe\nÜbergabe\nEnde"


def test_expand_ligatures() -> None:
    assert expand_ligatures("\ufb00 \ufb01 \ufb02 \ufb03 \ufb04 \ufb05 \ufb06") == (
        "ff fi fl ffi ffl st st"
    )
    assert expand_ligatures("Die \ufb01nanzielle Au\ufb02age") == "Die finanzielle Auflage"


def test_special_chars() -> None:
    assert normalize_special_chars("100\u00a0Euro,\u202f5\u2009km") == "100 Euro, 5 km"
    assert normalize_special_chars("Reise\u00adkosten\u200b") == "Reisekosten"
    # a soft hyphen at a line end is a hyphenation point: the word continues
    assert normalize_special_chars("Reise\u00ad\nkosten") == "Reisekosten"
    assert normalize_special_chars("a\fb\u2028c") == "a\nb\nc"


def test_control_chars() -> None:
    assert normalize_special_chars("a\x00b\x1bc\td") == "abc\td"
    assert normalize_special_chars("\x84Reise\x93 \x96 100 \x80") == "„Reise“ – 100 €"
    assert normalize_special_chars("Text.\n \x7f Erster Punkt\n\x7f Zweiter") == (
        "Text.\n • Erster Punkt\n• Zweiter"
    )
    assert normalize_special_chars("a\x7fb") == "ab"


# --- hyphenation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # The joined word moves up; the line break moves behind it.
        ("Die Reisekosten-\nabrechnung kommt.", "Die Reisekostenabrechnung\nkommt."),
        ("Reisekosten- \n  abrechnung", "Reisekostenabrechnung"),
        ("Baden-\nWürttemberg", "Baden-Württemberg"),
        ("per E-\nMail", "per E-Mail"),
        ("Bundes-\nund Landesregierung", "Bundes- und\nLandesregierung"),
        ("Hin-\noder Rückfahrt", "Hin- oder\nRückfahrt"),
        ("Ein-\nbzw. Ausgang", "Ein- bzw.\nAusgang"),
        ("Nord-\nrhein", "Nordrhein"),
        ("2025-\n2026", "2025-\n2026"),  # not a word: left alone
        ("Kosten -\nund mehr", "Kosten -\nund mehr"),  # a dash, not a hyphen
        ("E-Mail und Baden-Württemberg", "E-Mail und Baden-Württemberg"),
        ("Bundes- und Landesregierung", "Bundes- und Landesregierung"),
    ],
)
def test_join_hyphenation(raw: str, expected: str) -> None:
    assert join_hyphenation(raw) == expected


# --- headers and footers -------------------------------------------------------------

HEADER = "Musterfirma GmbH · Reiserichtlinie 2026"


def body(n: int) -> list[str]:
    return [f"Abschnitt {n} regelt die Erstattung von Fahrtkosten.",
            f"Die Frist für Abschnitt {n} beträgt {n * 7} Tage."]


def pages_of(lines_per_page: list[list[str]]) -> list[PageText]:
    return [PageText(i + 1, "\n".join(lines)) for i, lines in enumerate(lines_per_page)]


def test_running_header_and_page_footer_removed() -> None:
    pages = pages_of([[HEADER, "", *body(n), "", f"Seite {n} von 5"] for n in range(1, 6)])
    out = remove_headers_footers(pages)
    for n, page in enumerate(out, start=1):
        # the running head is kept once, as a paragraph of its own, where it first occurs
        assert page.text.count(HEADER) == (1 if n == 1 else 0)
        assert "von 5" not in page.text
        assert "\n".join(body(n)) in page.text
        assert page.number == n
    assert out[0].text.startswith(f"\n{HEADER}\n\n")


@pytest.mark.parametrize("footer", ["- {n} -", "{n}", "{n}/7", "Seite {n}", "– {n} –"])
def test_page_number_footers_removed(footer: str) -> None:
    pages = pages_of([[*body(n), footer.format(n=n)] for n in range(1, 4)])
    assert all(p.text == "\n".join(body(p.number)) for p in remove_headers_footers(pages))


def test_footer_with_counter_and_fixed_year() -> None:
    pages = pages_of([[*body(n), f"Reiserichtlinie 2026 | {n + 10}"] for n in range(1, 6)])
    assert all("Reiserichtlinie" not in p.text for p in remove_headers_footers(pages))


def test_numbers_that_do_not_count_pages_stay() -> None:
    # a form: the same line shape on every page, but with content numbers
    pages = pages_of([[f"Rechnung Nr. {nr}", *body(i)] for i, nr in enumerate((4711, 815, 9000))])
    out = remove_headers_footers(pages)
    assert [p.text.split("\n")[0] for p in out] == ["Rechnung Nr. 4711", "Rechnung Nr. 815",
                                                    "Rechnung Nr. 9000"]


def test_header_text_inside_body_survives() -> None:
    topics = ["Hotel", "Bahn", "Taxi"]
    pages = pages_of([[HEADER, *body(n), HEADER, f"Mehr zum Thema {topics[n - 1]}.", f"Seite {n}"]
                      for n in range(1, 4)])
    for page in remove_headers_footers(pages):
        # the body copy, between content lines, plus the first running head on page 1
        assert page.text.count(HEADER) == (2 if page.number == 1 else 1)
        assert page.text.strip().startswith(HEADER if page.number == 1 else "Abschnitt")


def test_two_pages_need_identical_lines() -> None:
    same = pages_of([["Vertraulich", *body(1)], ["Vertraulich", *body(2)]])
    assert ["Vertraulich" in p.text for p in remove_headers_footers(same)] == [True, False]
    different = pages_of([["Einleitung", *body(1)], ["Anhang", *body(2)]])
    assert [p.text for p in remove_headers_footers(different)] == [p.text for p in different]


def test_single_page_keeps_everything_but_page_numbers() -> None:
    page = PageText(1, "\n".join([HEADER, *body(1), "2026", "Seite 1 von 1"]))
    (out,) = remove_headers_footers([page])
    assert out.text == "\n".join([HEADER, *body(1), "2026"])


def test_is_page_number_line() -> None:
    for line in ["3", "- 3 -", "3/7", "3 / 7", "Seite 3 von 7", "seite 12", "Page 2 of 9"]:
        assert is_page_number_line(line), line
    for line in ["2026", "3 Reisekosten", "Seite drei", "3. Januar"]:
        assert not is_page_number_line(line), line


# --- whitespace ----------------------------------------------------------------------

def test_sloppy_spaces_in_prose_are_not_a_table() -> None:
    text = (
        "Die Erstattung von Reisekosten erfolgt    nach dieser Richtlinie, sofern die Reise\n"
        "vorher genehmigt wurde und die Belege innerhalb von vier Wochen eingereicht werden."
    )
    assert normalize_whitespace(text) == (
        "Die Erstattung von Reisekosten erfolgt nach dieser Richtlinie, sofern die Reise "
        "vorher genehmigt wurde und die Belege innerhalb von vier Wochen eingereicht werden."
    )


def test_justified_plain_text_is_not_a_table() -> None:
    text = (
        "Die  Erstattung  von Reisekosten erfolgt  nach dieser Richtlinie, sofern die\n"
        "Reise vorher  genehmigt wurde  und die Belege  innerhalb von vier Wochen vorliegen."
    )
    assert "|" not in normalize_whitespace(text)


def test_collapse_spaces_and_strip() -> None:
    text = "  Die Erstattung\t erfolgt  monatlich.  \n\n\n\n  Zweiter Absatz.  "
    assert normalize_whitespace(text) == "Die Erstattung erfolgt monatlich.\n\nZweiter Absatz."


def test_wrapped_paragraph_becomes_one_line() -> None:
    text = (
        "Die Erstattung von Reisekosten erfolgt nach dieser Richtlinie, sofern die Reise\n"
        "vorher genehmigt wurde und die Belege innerhalb von vier Wochen nach dem Ende\n"
        "der Reise eingereicht werden. Die Frist beginnt am\n"
        "1. Januar 2026 und gilt für alle Standorte der Musterfirma GmbH in Deutschland.\n"
        "\n"
        "Zweiter Absatz mit nur einer Zeile."
    )
    assert normalize_whitespace(text) == (
        "Die Erstattung von Reisekosten erfolgt nach dieser Richtlinie, sofern die Reise "
        "vorher genehmigt wurde und die Belege innerhalb von vier Wochen nach dem Ende "
        "der Reise eingereicht werden. Die Frist beginnt am "
        "1. Januar 2026 und gilt für alle Standorte der Musterfirma GmbH in Deutschland."
        "\n\nZweiter Absatz mit nur einer Zeile."
    )


def test_list_items_keep_their_lines() -> None:
    text = (
        "Erstattet werden folgende Kosten der Dienstreise nach Maßgabe dieser Richtlinie:\n"
        "- Hotelkosten bis zu einer Höhe von 120 Euro pro Nacht, sofern keine günstigere\n"
        "Unterkunft verfügbar ist\n"
        "- Bahnfahrten in der 2. Klasse\n"
        "• Taxi nur in Ausnahmefällen\n"
        "1. Antrag stellen\n"
        "2. Belege einreichen"
    )
    assert normalize_whitespace(text).split("\n") == [
        "Erstattet werden folgende Kosten der Dienstreise nach Maßgabe dieser Richtlinie:",
        "- Hotelkosten bis zu einer Höhe von 120 Euro pro Nacht, sofern keine günstigere "
        "Unterkunft verfügbar ist",
        "- Bahnfahrten in der 2. Klasse",
        "• Taxi nur in Ausnahmefällen",
        "1. Antrag stellen",
        "2. Belege einreichen",
    ]


def test_table_rows_kept_with_cell_separators() -> None:
    text = (
        "Die folgende Tabelle nennt die Höchstbeträge für Übernachtungen im Inland.\n"
        "Stadt         Betrag        Gültig ab\n"
        "Berlin        120,00 EUR    1. März 2026\n"
        "München\t150,00 EUR\n"
        "Weitere Städte nach Absprache."
    )
    assert normalize_whitespace(text).split("\n") == [
        "Die folgende Tabelle nennt die Höchstbeträge für Übernachtungen im Inland.",
        "Stadt | Betrag | Gültig ab",
        "Berlin | 120,00 EUR | 1. März 2026",
        "München | 150,00 EUR",
        "Weitere Städte nach Absprache.",
    ]


def test_double_space_after_full_stop_is_not_a_table() -> None:
    text = "Erster Satz.  Zweiter Satz.  Dritter Satz."
    assert normalize_whitespace(text) == "Erster Satz. Zweiter Satz. Dritter Satz."


def test_heading_keeps_its_line() -> None:
    text = (
        "3 Reisekosten\n"
        "Die Erstattung erfolgt über das Reisekostenportal der Musterfirma GmbH, und zwar\n"
        "monatlich."
    )
    assert normalize_whitespace(text) == (
        "3 Reisekosten\nDie Erstattung erfolgt über das Reisekostenportal der Musterfirma "
        "GmbH, und zwar monatlich."
    )


def test_markdown_blocks_keep_their_lines() -> None:
    text = "# Titel\nText des Absatzes.\n| a | b |\n| 1 | 2 |"
    assert normalize_whitespace(text) == text


# --- pages ---------------------------------------------------------------------------


def test_clean_pages_maps_every_char_to_its_page() -> None:
    pages = [
        PageText(1, f"{HEADER}\nErste Seite mit \ufb01nanziellen Regeln.\n- 1 -"),
        PageText(2, f"{HEADER}\nZweite Seite.\n- 2 -"),
        PageText(3, f"{HEADER}\nDritte Seite.\n- 3 -"),
    ]
    clean = clean_pages(pages)
    assert clean.text == (
        f"{HEADER}\n\nErste Seite mit finanziellen Regeln.\n\nZweite Seite.\n\nDritte Seite."
    )
    assert [n for n, _, _ in clean.page_spans] == [1, 2, 3]
    assert clean.page_spans[0][1] == 0 and clean.page_spans[-1][2] == len(clean.text)
    for (_, _, end), (_, start, _) in zip(clean.page_spans, clean.page_spans[1:], strict=False):
        assert end == start
    assert clean.page_at(clean.text.index("Erste")) == 1
    assert clean.page_at(clean.text.index("Zweite") - 1) == 1  # the separator
    assert clean.page_at(clean.text.index("Zweite")) == 2
    assert clean.page_at(len(clean.text) - 1) == 3


def test_word_hyphenated_across_pages_is_joined() -> None:
    clean = clean_pages([PageText(1, "Die Reisekosten-"), PageText(2, "abrechnung folgt.")])
    assert clean.text == "Die Reisekostenabrechnung folgt."
    assert clean.page_at(clean.text.index("kosten")) == 1
    assert clean.page_at(clean.text.index("abrechnung")) == 2


def test_page_break_joints() -> None:
    assert clean_pages([PageText(1, "Die Regel gilt für"),
                        PageText(2, "alle Mitarbeiter.")]).text == (
        "Die Regel gilt für alle Mitarbeiter."
    )
    assert clean_pages([PageText(1, "Land Baden-"), PageText(2, "Württemberg.")]).text == (
        "Land Baden-Württemberg."
    )
    assert clean_pages([PageText(1, "Die Bundes-"), PageText(2, "und Landesregierung.")]).text == (
        "Die Bundes- und Landesregierung."
    )
    assert clean_pages([PageText(1, "Ende."), PageText(2, "Anfang.")]).text == "Ende.\n\nAnfang."


def test_empty_pages_are_skipped_in_the_map() -> None:
    clean = clean_pages([PageText(1, "Text eins."), PageText(2, "  \n"), PageText(3, "Drei.")])
    assert clean.text == "Text eins.\n\nDrei."
    assert [n for n, _, _ in clean.page_spans] == [1, 3]
    assert clean.page_at(clean.text.index("Drei")) == 3
    assert clean_pages([PageText(1, " ")]).text == ""


def test_clean_pages_joins_sentence_continued_by_number_on_next_page() -> None:
    pages = [PageText(1, "Es gilt ein Höchstbetrag von"), PageText(2, "165 Euro pro Nacht.")]
    clean = clean_pages(pages)
    assert clean.text == "Es gilt ein Höchstbetrag von 165 Euro pro Nacht."
    assert clean.page_at(clean.text.index("165")) == 2
    # A heading that ends a page is not glued to a numbered paragraph on the next one.
    heading = clean_pages([PageText(1, "Anhang A"), PageText(2, "3 Tabellen folgen.")])
    assert "\n\n" in heading.text


def test_paragraph_lines_join_after_a_hyphenation_made_one_line_long() -> None:
    raw = (
        "Jede Dienstreise ist vor Reiseantritt über das Reiseportal zu beantragen. Der\n"
        "Antrag soll spätestens zehn Arbeitstage vor Reiseantritt gestellt werden, damit\n"
        "günstige Tarife genutzt werden können. Inlandsreisen genehmigt die Leitung. Auslands-\n"
        "dienstreisen bedürfen zusätzlich der Zustimmung der Bereichsleitung und dauern\n"
        "länger als fünf Kalendertage, dann ist die Geschäftsführung einzubinden.\n"
    )
    out = normalize_whitespace(join_hyphenation(raw))
    assert "\n" not in out
    assert "Der Antrag soll" in out and "Auslandsdienstreisen bedürfen" in out
