"""Turn raw page texts (PDF extraction, text files) into clean running text.

Steps, in the order ``clean_pages`` applies them:
characters (NFC, special spaces, ligatures) -> headers/footers -> hyphenation ->
whitespace (hard-wrapped lines joined, tables and lists kept) -> pages joined with a page
map, so every character of the result can be traced to its page.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from rag.types import CleanText, PageText

# ---------------------------------------------------------------------------------------
# characters
# ---------------------------------------------------------------------------------------

_LIGATURES = str.maketrans({
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
    "\ufb05": "st", "\ufb06": "st",
})
# no-break, en/em/thin/figure/narrow no-break and ideographic spaces
_SPACES = "\u00a0\u202f\u205f\u3000" + "".join(chr(c) for c in range(0x2000, 0x200B))
# C1 controls in extracted text are cp1252 bytes read as Latin-1 (0x96 is "–", 0x84 "„").
_C1 = {c: bytes([c]).decode("cp1252", errors="ignore") or None for c in range(0x80, 0xA0)}
_CONTROLS = dict.fromkeys([c for c in range(0x20) if chr(c) not in "\t\n\r\f\v"] + [0x7F])
_SPECIAL = str.maketrans(
    {**dict.fromkeys(_SPACES, " "),
     **dict.fromkeys("\u00ad\u200b\u2060\ufeff", None),  # soft hyphen, zero-width, BOM
     "\u2028": "\n", "\u2029": "\n\n", "\f": "\n", "\v": "\n", **_CONTROLS, **_C1}
)
_SOFT_HYPHEN_BREAK = re.compile("\u00ad[ \t]*\n[ \t]*")
# pypdf gives reportlab's (and some other) Helvetica bullets as DEL at the line start.
_DEL_BULLET = re.compile(r"^([ \t]*)\x7f(?=[ \t])", re.MULTILINE)


def normalize_unicode(text: str) -> str:
    """NFC-compose (PDFs often give "a" + combining diaeresis) and unify line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def normalize_special_chars(text: str) -> str:
    """Drop soft hyphens, zero-width and control chars; odd spaces become " ".

    C1 controls are decoded as cp1252 ("\x96" -> "–"); DEL at a line start is a bullet.
    """
    # A soft hyphen at a line end marks a hyphenation point: the word continues.
    text = _SOFT_HYPHEN_BREAK.sub("", text)
    text = _DEL_BULLET.sub("\\1•", text)
    return text.translate(_SPECIAL)


def expand_ligatures(text: str) -> str:
    """U+FB00-FB06 (ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ) to plain letters, so search finds "finanziell"."""
    return text.translate(_LIGATURES)


# ---------------------------------------------------------------------------------------
# hyphenation
# ---------------------------------------------------------------------------------------

# "Bundes-\nund Landesregierung": a hyphen before these words is a real (elided) hyphen.
_CONJUNCTIONS = frozenset({"und", "oder", "bzw", "bzw.", "sowie", "bis", "als", "noch", "wie"})
_LINE_END_HYPHEN = re.compile(r"(?<=[^\W\d_])-[ \t]*\n[ \t]*([^\s]+)[ \t]*\n?")


def hyphen_joint(next_word: str) -> str:
    """What replaces "-<line break>" before ``next_word``: "" (join), "-" or "- "."""
    if not next_word or not next_word[0].islower():
        return "-"  # "Baden-\nWürttemberg", "E-\nMail", "2025-\n2026"
    if next_word.rstrip(",;:.!?").lower() in _CONJUNCTIONS or next_word.lower() in _CONJUNCTIONS:
        return "- "
    return ""  # "Reisekosten-\nabrechnung"


def join_hyphenation(text: str) -> str:
    """Undo line-end hyphenation: join split words, keep real hyphens.

    The completed word moves up and the line break moves behind it, so line lengths stay
    typical ("Auslands-\ndienstreisen bedürfen" -> "Auslandsdienstreisen\nbedürfen"); the
    paragraph logic of normalize_whitespace compares line lengths.
    """

    def repl(m: re.Match[str]) -> str:
        tail = "\n" if m.end() < len(text) or m.group(0).endswith("\n") else ""
        return hyphen_joint(m.group(1)) + m.group(1) + tail

    return _LINE_END_HYPHEN.sub(repl, text)


# ---------------------------------------------------------------------------------------
# headers and footers
# ---------------------------------------------------------------------------------------

EDGE_LINES = 3  # lines looked at on each edge of a page
_PAGE_NUMBER = re.compile(
    r"""^(?:
        (?:seite|page|s\.)\s*\d{1,4}(?:\s*(?:von|of|/)\s*\d{1,4})?   # Seite 3 (von 7)
      | [-–—]\s*\d{1,4}\s*[-–—]                                      # - 3 -
      | \d{1,4}\s*(?:/|von|of)\s*\d{1,4}                             # 3/7, 3 von 7
      | \[?\d{1,3}\]?                                                # 3 (not a year like 2026)
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def is_page_number_line(line: str) -> bool:
    return bool(_PAGE_NUMBER.match(" ".join(line.split())))


_DIGITS = re.compile(r"\d+")


def _line_key(line: str) -> str:
    return " ".join(line.split()).casefold()


def _edge_lines(lines: list[str]) -> list[str]:
    nonblank = [ln for ln in lines if ln.strip()]
    if len(nonblank) <= 2 * EDGE_LINES:
        return nonblank
    return nonblank[:EDGE_LINES] + nonblank[-EDGE_LINES:]


def _is_page_counter(occurrences: list[tuple[int, tuple[int, ...]]]) -> bool:
    """True when one number in the line advances with the page and the others stay fixed.

    "Seite 3 von 7" on page 3, "Seite 4 von 7" on page 4 is a page counter; "Rechnung Nr.
    4711" / "Rechnung Nr. 815" on the pages of a form is content and must stay.
    """
    for pos in range(len(occurrences[0][1])):
        if all(
            b[pos] - a[pos] == j - i
            and all(x == y for k, (x, y) in enumerate(zip(a, b, strict=True)) if k != pos)
            for (i, a), (j, b) in pairwise(occurrences)
        ):
            return True
    return False


def _furniture_keys(split: list[list[str]]) -> tuple[set[str], set[str]]:
    """(lines repeated verbatim, digit shapes that are page counters) on the page edges."""
    n = len(split)
    if n < 2:
        return set(), set()
    exact: Counter[str] = Counter()
    shapes: dict[str, list[tuple[int, tuple[int, ...]]]] = {}
    for index, lines in enumerate(split):
        seen: set[str] = set()
        for line in _edge_lines(lines):
            key = _line_key(line)
            shape = _DIGITS.sub("#", key)
            if shape in seen:
                continue
            seen.add(shape)
            exact[key] += 1
            # A sentence ("Abschnitt 3 regelt ...") is content even if its number runs on.
            if shape != key and len(key) <= 100 and not key.endswith((".", "!", "?")):
                nums = tuple(int(d) for d in _DIGITS.findall(key))
                shapes.setdefault(shape, []).append((index, nums))
    threshold = max(2, math.ceil(0.4 * n)) if n >= 3 else 2
    repeated = {k for k, c in exact.items() if c >= threshold}
    counters = set()
    if n >= 3:
        counters = {s for s, occ in shapes.items()
                    if len(occ) >= threshold and _is_page_counter(occ)}
    return repeated, counters


def remove_headers_footers(pages: list[PageText]) -> list[PageText]:
    """Remove running headers/footers and page-number lines from the edges of pages.

    Looks at the first/last ``EDGE_LINES`` non-blank lines of each page. A line there is
    furniture when it is repeated verbatim on the edges of at least 40 % of the pages
    (>= 2 pages; a 2-page document needs it on both), or, with >= 3 pages, when it differs
    only in a number that counts the pages ("Seite 3 von 7", "- 4 -", "Richtlinie 2026 |
    5"). Page-number lines ("3", "- 3 -", "3/7", "Seite 3 von 7") are removed from the
    edges of any document. Removal walks inwards from each edge and stops at the first
    content line, so a matching line in the body survives.

    A verbatim repeated line is kept once, where it first occurs: running heads often
    carry facts (company, title, phone number) that questions may ask for.
    """
    split = [p.text.split("\n") for p in pages]
    repeated, counters = _furniture_keys(split)
    kept: set[str] = set()

    def furniture(line: str) -> bool:
        key = _line_key(line)
        return (is_page_number_line(line) or key in repeated
                or _DIGITS.sub("#", key) in counters)

    def walk(lines: list[str], indices: list[int], drop: set[int], seen: set[int],
             keep: set[int]) -> None:
        # Inwards from one edge; stops at content or at a line the other walk handled.
        for i in indices:
            if i in seen or not furniture(lines[i]):
                return
            seen.add(i)
            key = _line_key(lines[i])
            if key in repeated and key not in kept:
                kept.add(key)
                keep.add(i)
            else:
                drop.add(i)

    out: list[PageText] = []
    for page, lines in zip(pages, split, strict=True):
        nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
        drop: set[int] = set()
        seen: set[int] = set()
        keep: set[int] = set()
        walk(lines, nonblank[:EDGE_LINES], drop, seen, keep)
        walk(lines, list(reversed(nonblank[-EDGE_LINES:])), drop, seen, keep)
        if not drop and not keep:
            out.append(page)
            continue
        # A kept running head becomes a paragraph of its own, not glued to the body text.
        text = "\n".join(f"\n{ln}\n" if i in keep else ln
                         for i, ln in enumerate(lines) if i not in drop)
        out.append(PageText(page.number, text))
    return out


# ---------------------------------------------------------------------------------------
# whitespace
# ---------------------------------------------------------------------------------------

_STRONG_ITEM = re.compile(r"^(?:[•▪◦‣●○■□➢►✓✔→]|\*\s)")
# Markers that may also start a wrapped line inside a sentence ("am\n1. Januar"), so they
# count as list items only where a list is plausible.
_WEAK_ITEM = re.compile(
    r"^(?:[-–—]\s|\(?\d{1,3}[.)]\s|\(?[a-z]\)\s|\d{1,3}(?:\.\d{1,3})+\.?\s|§\s*\d)"
)
_MARKDOWN_BLOCK = re.compile(r"^(?:#{1,6}\s|\||>|```|~~~)")
_GAP = re.compile(r"[ \t]*\t[ \t]*|[ ]{2,}")
_BLOCK_SPLIT = re.compile(r"\n(?:[ \t]*\n)+")
_NO_BREAK_AFTER = ",;-–(/"
_OPENERS = "„“\"'»«‚‘(["


@dataclass
class _Line:
    text: str  # whitespace-collapsed
    table: bool
    strong_item: bool
    weak_item: bool
    markdown: bool


def _table_cells(line: str) -> tuple[list[str], bool] | None:
    """(cells, has_wide_gap) when ``line`` may be a table row, else None.

    Columns show up as runs of spaces: a tab or 3+ spaces (wide), or at least two runs of
    2 spaces. Two spaces after sentence punctuation are typewriter style, not a column.
    """
    cuts: list[tuple[int, int]] = []
    wide = False
    for m in _GAP.finditer(line):
        gap = m.group(0)
        if "\t" in gap or len(gap) >= 3:
            wide = True
        elif line[m.start() - 1] in ".!?:;,":
            continue
        cuts.append(m.span())
    if not wide and len(cuts) < 2:
        return None
    bounds = [0, *[x for span in cuts for x in span], len(line)]
    cells = [" ".join(line[a:b].split()) for a, b in zip(bounds[::2], bounds[1::2], strict=True)]
    return cells, wide


def _starts_sentence(text: str) -> bool:
    ch = text.lstrip(_OPENERS)[:1]
    return ch.isupper() or ch.isdigit() or ch == "§"


def _parse_lines(raw_lines: list[str]) -> list[_Line]:
    stripped = [r.strip() for r in raw_lines]
    candidates = [_table_cells(s) for s in stripped]
    lines: list[_Line] = []
    for i, s in enumerate(stripped):
        found = candidates[i]
        # Tables have several rows: a lone gappy line is sloppy prose. Rows without wide
        # gaps must also have short cells (justified plain text has 2-space runs too).
        neighbour = (i > 0 and candidates[i - 1] is not None) or (
            i + 1 < len(candidates) and candidates[i + 1] is not None
        )
        table = found is not None and neighbour and (
            found[1] or max(len(c.split()) for c in found[0]) <= 3
        )
        text = " | ".join(found[0]) if table and found else " ".join(s.split())
        lines.append(_Line(
            text=text,
            table=table,
            strong_item=bool(_STRONG_ITEM.match(text)),
            weak_item=bool(_WEAK_ITEM.match(text)),
            markdown=bool(_MARKDOWN_BLOCK.match(text)),
        ))
    return lines


def _join_block(raw_lines: list[str]) -> str:
    lines = _parse_lines(raw_lines)
    width = max((len(ln.text) for ln in lines if not ln.table), default=0)
    parts = [lines[0].text]
    in_list = lines[0].strong_item or lines[0].weak_item
    for prev, cur in pairwise(lines):
        new_item = cur.strong_item or (
            cur.weak_item and (in_list or prev.text[-1] in ".:;!?" or prev.table)
        )
        # A line much shorter than the block's width ended its paragraph or is a heading.
        short_end = (
            width >= 30
            and len(prev.text) < 0.6 * width
            and prev.text[-1] not in _NO_BREAK_AFTER
            and _starts_sentence(cur.text)
        )
        if new_item:
            in_list = True
        elif prev.table or cur.table or prev.markdown or cur.markdown:
            in_list = False
        elif not short_end:
            parts.append(" " + cur.text)  # hard wrap inside a paragraph or list item
            continue
        parts.append("\n" + cur.text)
    return "".join(parts)


def normalize_whitespace(text: str) -> str:
    """Collapse spaces, join hard-wrapped lines, keep paragraphs, list items and table rows.

    Blank lines separate paragraphs (kept as one blank line). Inside a paragraph a line
    break survives only before a list item ("•", "-", "1.", "a)" when a list is plausible),
    around table rows (two or more neighbouring lines with column gaps: a tab or 3+
    spaces, or two runs of 2 spaces between short cells; cells are joined with " | "),
    around Markdown block lines, and after a line much shorter than the paragraph (a
    heading or a paragraph's last line).
    """
    blocks: list[str] = []
    for block in _BLOCK_SPLIT.split(text):
        raw_lines = [ln for ln in block.split("\n") if ln.strip()]
        if raw_lines:
            blocks.append(_join_block(raw_lines))
    return "\n\n".join(blocks)


# ---------------------------------------------------------------------------------------
# pages
# ---------------------------------------------------------------------------------------

_TRAILING_HYPHEN = re.compile(r"[^\W\d_]-$")
_LEADING_WORD = re.compile(r"^\S+")


def clean_page(text: str) -> str:
    """Character-level cleanup of one page (no layout decisions)."""
    return expand_ligatures(normalize_special_chars(normalize_unicode(text)))


def _page_joint(before: str, after: str) -> tuple[str, bool]:
    """Separator between two cleaned pages, and whether ``before`` loses its final hyphen."""
    first = _LEADING_WORD.match(after)
    word = first.group(0) if first else ""
    if _TRAILING_HYPHEN.search(before):
        joint = hyphen_joint(word)
        if joint == "- ":
            return " ", False
        return "", joint == ""  # "Reisekosten-|abrechnung" joins, "Baden-|Württemberg" keeps "-"
    if word[:1].islower() and (before[-1:].isalnum() or before[-1:] in ",;"):
        return " ", False  # the sentence runs on across the page break
    if after[:1].isdigit() and (before[-1:].islower() or before[-1:] in ",;"):
        return " ", False  # "Höchstbetrag von" | "165 Euro": a number continues the sentence
    return "\n\n", False


def clean_pages(pages: list[PageText]) -> CleanText:
    """Clean all pages and join them with a page map (``CleanText.page_at``).

    Pages are separated by a blank line, except where a sentence runs on across the page
    break (" ") or a word is hyphenated across it (joined, hyphen dropped).
    """
    if any(p.section for p in pages):
        return _clean_sections(pages)
    prepared = [PageText(p.number, clean_page(p.text)) for p in pages]
    prepared = remove_headers_footers(prepared)
    texts = [(p.number, normalize_whitespace(join_hyphenation(p.text))) for p in prepared]
    texts = [(num, t) for num, t in texts if t]
    out: list[str] = []
    spans: list[tuple[int, int, int]] = []
    pos = 0
    for i, (num, t) in enumerate(texts):
        sep = ""
        if i + 1 < len(texts):
            sep, drop_hyphen = _page_joint(t, texts[i + 1][1])
            if drop_hyphen:
                t = t[:-1]
        out.append(t + sep)
        spans.append((num, pos, pos + len(t) + len(sep)))
        pos += len(t) + len(sep)
    return CleanText(text="".join(out), page_spans=spans)


def _clean_sections(blocks: list[PageText]) -> CleanText:
    """Formats without pages: every block (paragraph, heading, table row) is its own
    paragraph with its section label. No header/footer detection (the readers leave page
    furniture out) and no joining across blocks: a block ends its paragraph."""
    out: list[str] = []
    page_spans: list[tuple[int, int, int]] = []
    section_spans: list[tuple[str, int, int]] = []
    pos = 0
    texts = [(b, normalize_whitespace(join_hyphenation(clean_page(b.text)))) for b in blocks]
    texts = [(b, t) for b, t in texts if t]
    for i, (b, t) in enumerate(texts):
        sep = "\n\n" if i + 1 < len(texts) else ""
        out.append(t + sep)
        end = pos + len(t) + len(sep)
        if page_spans and page_spans[-1][0] == b.number:
            page_spans[-1] = (b.number, page_spans[-1][1], end)
        else:
            page_spans.append((b.number, pos, end))
        section_spans.append((b.section, pos, end))
        pos = end
    return CleanText(text="".join(out), page_spans=page_spans, section_spans=section_spans)
