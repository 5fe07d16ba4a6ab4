"""Render untrusted text (document passages, answers, file names) so that it shows literally.

Document text is data, never markup: a PDF that contains ``<script>`` or
``![x](javascript:...)`` must appear as exactly those characters. Everything that carries
document text goes through :func:`html.escape` and is shown with ``st.html`` (which also
sanitises with DOMPurify, a second line of defence). Widget labels are Markdown in
Streamlit, so names in labels are backslash-escaped with :func:`md_escape`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

# CommonMark lets every ASCII punctuation character be backslash-escaped.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=:$&\"'^%@;,/?])")

PASSAGE_STYLE = (
    "white-space: pre-wrap; line-height: 1.5; font-size: 0.95rem; "
    "padding: 0.5rem 0.75rem; border-left: 3px solid #c9c9c9; background: rgba(0,0,0,0.02);"
)
ANSWER_STYLE = "white-space: pre-wrap; line-height: 1.6; font-size: 1rem;"
_BOLD = re.compile(r"\*\*([^*\n]+?)\*\*")
MARK_STYLE = "background: #ffe58a; color: inherit; padding: 0 0.1em; border-radius: 2px;"


def md_escape(text: str) -> str:
    """``text`` for a Markdown context (labels, captions): every special char escaped."""
    text = " ".join(text.split())  # a newline in a label would start a new block
    return _MD_SPECIAL.sub(r"\\\1", text)


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Char span of ``quote`` in ``text``, ignoring differences in whitespace.

    The extractive backend normalises whitespace in the quoted sentence, while the passage
    keeps its line breaks, so an exact ``str.find`` would miss most quotes.
    """
    words = quote.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    m = re.search(pattern, text)
    return (m.start(), m.end()) if m else None


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def passage_html(
    text: str, quotes: str | Sequence[str] = (), *, test_id: str = "quelle-passage"
) -> str:
    """The passage as escaped HTML, with every quoted sentence found in it in a ``<mark>``."""
    if isinstance(quotes, str):
        quotes = [quotes]
    spans = _merge([sp for q in quotes if q and (sp := find_quote(text, q)) is not None])
    parts, pos = [], 0
    for start, end in spans:
        parts.append(html.escape(text[pos:start]))
        parts.append(f'<mark style="{MARK_STYLE}">{html.escape(text[start:end])}</mark>')
        pos = end
    parts.append(html.escape(text[pos:]))
    return f'<div class="{test_id}" style="{PASSAGE_STYLE}">{"".join(parts)}</div>'


def quotes_for(answer: str, n: int) -> list[str]:
    """Sentences the answer quotes as „…“ [n] (the extractive answer's form, or an LLM's).

    A Citation carries one ``quote``; an answer may quote several sentences of one source.
    """
    pattern = re.compile(r"„([^“]+)“\s*((?:\[[^\]]*\]\s*)+)")
    out = []
    for m in pattern.finditer(answer):
        numbers = {int(x) for x in re.findall(r"\d+", m.group(2))}
        if n in numbers:
            out.append(m.group(1).replace("**", ""))  # bold answer spans are ours
    return out


def answer_html(text: str, *, cursor: bool = False) -> str:
    """An answer (which may quote documents) as escaped HTML; ``cursor`` while streaming."""
    # The answer span of an extractive quote is marked **…**: bold, on escaped text only.
    body = _BOLD.sub(r"<strong>\1</strong>", html.escape(text)) + ("▌" if cursor else "")
    return f'<div class="quelle-answer" style="{ANSWER_STYLE}">{body}</div>'
