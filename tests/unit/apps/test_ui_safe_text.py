"""Untrusted text in the web app: escaped, highlighted, never interpreted as markup."""

from __future__ import annotations

import html
import re

from ui.safe_text import answer_html, find_quote, md_escape, passage_html, quotes_for

ATTACK = "Vorher <script>alert('x')</script> ![x](javascript:alert(1)) <img src=x onerror=y> **f**"


def _text_of(markup: str) -> str:
    """What a browser shows for our markup: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def test_passage_markup_is_escaped_and_shown_literally() -> None:
    out = passage_html(ATTACK, "![x](javascript:alert(1))")
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in out
    assert _text_of(out) == ATTACK  # every character shows exactly as in the document
    assert "<mark" in out and ">![x](javascript:alert(1))</mark>" in out


def test_quote_found_across_line_breaks_and_several_quotes_highlighted() -> None:
    text = "Einleitung. Der Antrag ist\nspätestens zehn Tage vorher zu stellen. Dann\nEnde."
    start, end = find_quote(text, "Der Antrag ist spätestens zehn Tage vorher zu stellen.")
    assert text[start:end] == "Der Antrag ist\nspätestens zehn Tage vorher zu stellen."
    out = passage_html(text, ["Der Antrag ist spätestens zehn Tage vorher zu stellen.",
                              "Einleitung.", "fehlt im Text"])
    assert out.count("<mark") == 2
    assert _text_of(out) == text


def test_quotes_for_reads_the_extractive_answer_form() -> None:
    answer = "Laut den Dokumenten: „Satz eins.“ [1] „Satz zwei.“ [2] „Satz drei.“ [1, 3]"
    assert quotes_for(answer, 1) == ["Satz eins.", "Satz drei."]
    assert quotes_for(answer, 2) == ["Satz zwei."]
    assert quotes_for(answer, 4) == []


def test_md_escape_neutralises_markdown_and_newlines() -> None:
    escaped = md_escape("[1] ![x](javascript:alert(1)) **fett** <b>\nneue Zeile")
    assert "\n" not in escaped
    # Every Markdown-special character is backslash-escaped, so nothing becomes markup.
    assert re.search(r"(?<!\\)[\[\]()!*<>:]", escaped) is None
    shown = re.sub(r"\\(.)", r"\1", escaped)
    assert shown == "[1] ![x](javascript:alert(1)) **fett** <b> neue Zeile"


def test_answer_html_escapes_and_marks_streaming() -> None:
    assert "&lt;script&gt;" in answer_html("<script>")
    assert answer_html("Text", cursor=True).endswith("Text▌</div>")
