"""German sentence boundaries as character spans, aware of abbreviations, ordinals and dates.

Rules: every line break ends a sentence (cleanup keeps line breaks only between
paragraphs, list items, table rows and headings). Inside a line, ".", "!", "?" or "…"
(plus closing quotes/brackets) followed by whitespace and an upper-case letter, a digit,
"§" or an opening quote/bracket ends a sentence, unless the "." belongs to an
abbreviation ("z. B.", "bzw.", "Abs. 2"), an ordinal or date ("am 3. März", "der 2. Platz")
or a list number at the start of the line ("1. Einleitung").
"""

from __future__ import annotations

import re


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


# Lower-case, without the final dot. Single letters ("z. B.", "J. S. Bach", "S. 12") are
# always abbreviations and need no entry. Words that are also common sentence-final words
# ("alt", "dir", "so") are left out on purpose.
ABBREVIATIONS = _words("""
    abg abk abschn abt adr afr ahd akad allg amtl anh anl anm anschl apr aufl ausg az
    bearb beil bes betr bez bhf bsp bspw bzgl bzw
    ca chr co
    dez dgl di dipl do doz dr dt dtzd
    ebd ehem eig einschl engl entspr erg erw ev evtl exkl
    fa fam feb febr ff fr frl frz
    geb gebr gegr gem ges gesch gest gez ggf ggfs gr
    hbf hg hl hr hrn hrsg
    inh inkl insb ing jan jh jhd jr jul jun
    kath kfm kgl kl lfd lt
    max mdl mi min mind mio mo mon mrd mtl mwst
    nachf nat nov okt od pkt pl pos prof
    rd rel rer resp sa sek sen sep sept sog spez st std str stud
    tel teilw tsd ua urspr verf vgl vj vors vs wg wiss
    zb zi zit zt zus zw zzgl
""")

# Abbreviations only when a number follows ("Abs. 2", "Nr. 5", "Art. 3"); "auf diese Art."
# can end a sentence.
NUMBER_ABBREVIATIONS = _words("""
    abb abs art bd bl buchst fn kap lit nr nrn rn rz tab tz vol ziff
""")

# Abbreviations that often end a sentence ("usw.") and small numbers ("beträgt 30.") end
# one only when a typical sentence opener follows; "2. Klasse", "usw. Kosten" do not.
MAY_END_ABBREVIATIONS = _words("usw etc usf")
SENTENCE_OPENERS = _words("""
    der die das dies diese dieser dieses es er sie wir ich man ihr ein eine einige kein
    keine jeder jede jedes alle unser unsere sein seine
    bei im in für nach mit von auf aus zum zur am an um über unter ab seit bis ohne gegen
    trotz während wegen wenn ob da weil als sofern soweit falls wer was wie wo wann warum
    auch damit daher deshalb somit also zudem außerdem zusätzlich ferner weiterhin jedoch
    allerdings dabei danach dann hier dort dafür hierzu dazu hierfür nur bitte so weitere
""")

MONTHS = _words("""
    januar jänner februar märz april mai juni juli august september oktober november
    dezember jan feb febr mär apr jun jul aug sep sept okt nov dez
""")

# Words before "<number>." that make the number an ordinal ("am 3. Mai", "der 2. Platz").
ORDINAL_CONTEXT = _words("""
    am vom zum zur bis ab seit im beim dem den der die das des ein eine einem einen einer
    jeden jedem jeder jedes zu vor nach für ihr ihre ihrem ihren sein seine seinem seinen
    dieser diesem diesen dieses und oder bzw ca
""")

_OPENERS = "„“\"'»«‚‘(["
_CANDIDATE = re.compile(r"[.!?…]+[\"'”“‘’»«)\]]*(?=\s+(\S+))")
_LINE = re.compile(r"[^\n]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)*")


def _starts_sentence(word: str) -> bool:
    ch = word.lstrip(_OPENERS)[:1]
    if not ch:
        return word[:1] in _OPENERS
    return ch.isupper() or ch.isdigit() or ch == "§"


def _is_abbreviation(token: str, next_word: str) -> bool:
    low = token.lower()
    if len(token) == 1 and token.isalpha():
        return True  # "z. B.", "d. h.", "J. S. Bach", "S. 12"
    parts = low.split(".")
    if len(parts) > 1 and all(p.isalpha() and len(p) <= 3 for p in parts):
        return True  # "z.B.", "d.h.", "u.a.", "i.d.R." (but not "quelle.de")
    if low in MAY_END_ABBREVIATIONS:
        return next_word.lstrip(_OPENERS).lower() not in SENTENCE_OPENERS
    if low in ABBREVIATIONS:
        return True
    return low in NUMBER_ABBREVIATIONS and next_word[:1].isdigit()


def _is_ordinal(line: str, token_start: int, token: str, next_word: str) -> bool:
    """A number before "." that is an ordinal or list number, not a sentence end."""
    if not _NUMBER.fullmatch(token):
        return False
    before = line[:token_start].split()
    if not before:
        return True  # "1. Einleitung", "2.3. Fristen": a numbered line, not a sentence end
    if next_word.strip(",;:").lower() in MONTHS:
        return True
    if before[-1].rstrip(".").lower() in ORDINAL_CONTEXT:
        return True  # "am 3. Mai", "der 2. Platz"
    if len(token) >= 4:
        return False  # a year or amount: "bis 2026. Danach"
    return next_word.lstrip(_OPENERS).lower() not in SENTENCE_OPENERS  # "Bahn 2. Klasse"


def _ends_sentence(line: str, m: re.Match[str]) -> bool:
    next_word = m.group(1)
    if not _starts_sentence(next_word):
        return False
    if m.group(0).rstrip("\"'”“‘’»«)]") != ".":
        return True  # "!", "?", "…", "..."
    start = m.start()
    token_start = start
    while token_start > 0 and not line[token_start - 1].isspace():
        token_start -= 1
    token = line[token_start:start].lstrip(_OPENERS)
    token_start = start - len(token)
    if not token:
        return True
    if _is_abbreviation(token, next_word):
        return False
    return not _is_ordinal(line, token_start, token, next_word)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` char spans of the sentences in ``text``, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    for line_match in _LINE.finditer(text):
        line = line_match.group(0)
        base = line_match.start()
        start = 0
        for m in _CANDIDATE.finditer(line):
            if _ends_sentence(line, m):
                _add_span(spans, line, base, start, m.end())
                start = m.end()
        _add_span(spans, line, base, start, len(line))
    return spans


def _add_span(spans: list[tuple[int, int]], line: str, base: int, a: int, b: int) -> None:
    while a < b and line[a].isspace():
        a += 1
    while b > a and line[b - 1].isspace():
        b -= 1
    if a < b:
        spans.append((base + a, base + b))
