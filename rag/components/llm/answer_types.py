"""What kind of answer a German question asks for, and where a sentence holds one.

``expected_type("Wie hoch ist das Tagegeld?")`` is ``"quantity"``; ``answer_spans(sentence,
"quantity")`` gives the character spans of amounts and numbers in ``sentence``. Both are
plain rules over the question word and the usual German spellings of amounts, dates,
durations, codes, roles and places; they are features of the sentence ranker, never
decisions on their own.
"""

from __future__ import annotations

import re
from typing import Literal

AnswerType = Literal["quantity", "date", "duration", "person", "place", "code", "yesno",
                     "other"]
TYPES: tuple[AnswerType, ...] = ("quantity", "date", "duration", "person", "place", "code",
                                 "yesno", "other")

_NUMBER_WORDS = (
    r"ein|eine|einen|einem|einer|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf"
    r"|zwanzig|dreißig|vierzig|fünfzig|sechzig|hundert|tausend|halbe[nrs]?|anderthalb"
    r"|eineinhalb|zweieinhalb"
)
_NUM = rf"(?:\d[\d.]*(?:,\d+)?|{_NUMBER_WORDS})"
_TIME_UNITS = (
    r"Sekunden?|Minuten?|Stunden?|Tage[ns]?|Tag|Arbeitstage[ns]?|Werktage[ns]?|Kalendertage[ns]?"
    r"|Wochen?|Monate[ns]?|Monat|Quartale?|Jahre[ns]?|Jahr|Std\.|Min\."
)
_MONTHS = (r"Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober"
           r"|November|Dezember")
_WEEKDAYS = r"Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag|werktags|montags" \
            r"|dienstags|mittwochs|donnerstags|freitags|samstags|sonntags|feiertags"

_SPANS: dict[str, re.Pattern[str]] = {
    "amount": re.compile(
        rf"(?:{_NUM}\s*(?:Euro|EUR|€|Cent|ct|Prozent|%)(?:\s*(?:pro|je)\s+\w+)?"
        rf"|(?:€|EUR)\s*\d[\d.]*(?:,\d+)?)", re.I),
    "measure": re.compile(
        rf"{_NUM}\s*(?:°\s?C|Grad|kg|g|t|km|m|cm|mm|l|Liter|kW|kWh|W|Watt|dB|bar|m²|m³"
        rf"|Meter|Kilometer|Seiten|Personen|Stück|Mal|x)\b", re.I),
    "duration": re.compile(rf"{_NUM}\s*(?:{_TIME_UNITS})\b", re.I),
    "date": re.compile(
        rf"(?:\d{{1,2}}\.\s?\d{{1,2}}\.\s?(?:\d{{2,4}})?|\d{{1,2}}\.\s*(?:{_MONTHS})(?:\s+\d{{4}})?"
        rf"|(?:{_MONTHS})(?:\s+\d{{4}})?|\d{{1,2}}(?::\d{{2}})?\s*Uhr|\b(?:19|20)\d{{2}}\b"
        rf"|(?:{_WEEKDAYS})|Ende\s+(?:des|der)\s+\w+|Monatsende|Jahresende|Quartalsende)",
        re.I),
    "code": re.compile(r"(?:\+?\b\d[\d /-]{5,}\d|\b[A-Z]{1,4}[- ]?\d{1,6}[A-Z]?|\b\d{3,})\b"),
    "number": re.compile(rf"\b{_NUM}\b", re.I),
    "person": re.compile(
        r"\b(?:(?:Herr|Frau|Dr\.|Prof\.)\s+[A-ZÄÖÜ]\w+"
        r"|\w*(?:leitung|leiter|leiterin|vorstand|versammlung|verwaltung|stelle|abteilung"
        r"|beauftragte[rn]?|ausschuss|rat|kasse|dienst|service|team|firma|hausmeister\w*"
        r"|vermieter\w*|mieter\w*|mitglied\w*|vorsitzende[rn]?|arbeitgeber\w*|arbeitnehmer\w*"
        r"|beschäftigte[n]?|personal\w*|gmbh|e\.\s?V\.|AG|KG)\b)", re.I),
    "place": re.compile(
        r"\b(?:(?:im|in der|in den|am|an der|auf dem|auf der|beim|unter)\s+[A-ZÄÖÜ]\w+"
        r"|\w+(?:straße|str\.|weg|platz|gasse|allee|raum|keller|büro|gebäude|haus|halle"
        r"|zimmer|portal|intranet|ordner|schrank)\b)"),
}

# The span classes that answer each question type.
ACCEPTS: dict[AnswerType, tuple[str, ...]] = {
    "quantity": ("amount", "measure", "duration", "number"),
    "date": ("date",),
    "duration": ("duration",),
    "person": ("person",),
    "place": ("place",),
    "code": ("code",),
    "yesno": (),
    "other": (),
}

_YESNO_VERBS = (
    r"ist|sind|darf|dürfen|kann|können|muss|müssen|gibt|bekomme|bekommt|bekommen|zahlt|zahlen"
    r"|wird|werden|hat|haben|soll|sollen|gilt|gelten|brauche|braucht|steht|stehen|erhalte"
    r"|erhält|übernimmt|war|habe|bin|reicht|genügt|zählt|besteht"
)
_RULES: list[tuple[AnswerType, re.Pattern[str]]] = [
    ("duration", re.compile(
        r"\bwie lange?\b|\binnerhalb (?:welche[rs]?|wie vieler?) \w*|\bmit welcher frist\b"
        r"|\bwelche (?:frist|dauer)\b|\bwie kurzfristig\b|\bwie früh\b|\bwie viel zeit\b"
        r"|\bwie viel(?:e)? (?:urlaub\w*|tage|wochen|monate|jahre|stunden|minuten|arbeitstage"
        r"|werktage)\b|\bab welche[rm]? (?:fahrtzeit|dauer|zeit)\b", re.I)),
    ("date", re.compile(
        r"\b(?:bis |ab |seit |von |zu )?wann\b|\ban welche[mn]? (?:tag|tagen|datum|wochentag)"
        r"|\bwelche[ns]? (?:datum|termin|tag|uhrzeit|monat|jahr|wochentag)\b|\bbis wie spät\b"
        r"|\bzu welchem (?:zeitpunkt|termin)|\bum wie viel uhr|\bin welchem (?:jahr|monat)\b"
        r"|\bbis zu welchem (?:tag|datum|termin|zeitpunkt)\b", re.I)),
    ("quantity", re.compile(
        r"\bwie (?:viel|viele|hoch|teuer|groß|schwer|weit|oft|breit|alt|warm|kalt|laut)\b"
        r"|\bum wie viel\b|\bbis zu welche[mrn]? (?:\w+ )?(?:betrag|höhe|summe|grenze|alter)"
        r"|\bab welche[mrn]? (?:\w+ )?(?:betrag|kosten|summe|höhe|alter|anzahl)"
        r"|\bwelche[nrs]? (?:\w+ )?(?:betrag|beitrag|gebühr|pauschale|summe|höhe|anzahl|menge"
        r"|temperatur|kosten|preis)\b|\bwelche \w*menge\b|\bwas (?:kostet|kosten|zahlt|zahle"
        r"|bezahlt)\b|\bwas muss (?:ich|man) (?:\w+ )?(?:zahlen|bezahlen)\b|\bwas wird fällig\b",
        re.I)),
    ("code", re.compile(
        r"\bwelche[rs]? \w*(?:nummer|durchwahl|kennung|code|iban|kennziffer|aktenzeichen)\b"
        r"|\bunter welcher \w*(?:nummer|durchwahl)\b|\bwen rufe\b", re.I)),
    ("person", re.compile(
        r"\b(?:wer|wem|wen|wessen)\b|\bwelche[rs]? \w*(?:firma|person|stelle|abteilung|gremium"
        r"|organ|behörde|ansprechpartner\w*|vermietung|dienst|betrieb)\b|\bbei wem\b", re.I)),
    ("place", re.compile(r"\bwo(?:hin|her)?\b|\ban welche[mr]? (?:ort|stelle|adresse)\b"
                         r"|\bin welche[mr]? (?:raum|gebäude|ordner|ort)\b", re.I)),
    ("yesno", re.compile(rf"(?:^|[–,;:]\s*)(?:{_YESNO_VERBS})\b", re.I)),
]


def is_typed(kind: AnswerType) -> bool:
    """Whether a question of ``kind`` asks for a value a sentence can hold (not yes/no)."""
    return bool(ACCEPTS[kind])


def expected_type(question: str) -> AnswerType:
    """The answer type a German question asks for (the first rule that matches)."""
    for kind, rule in _RULES:
        if rule.search(question):
            return kind
    return "other"


def answer_spans(sentence: str, kind: AnswerType) -> list[tuple[int, int]]:
    """Character spans in ``sentence`` that could answer a question of ``kind``; the most
    specific class first (an amount before a bare number)."""
    spans: list[tuple[int, int]] = []
    for cls in ACCEPTS[kind]:
        for m in _SPANS[cls].finditer(sentence):
            if m.end() > m.start() and not any(a < m.end() and m.start() < b for a, b in spans):
                spans.append((m.start(), m.end()))
    return spans


def has_any_value(sentence: str) -> bool:
    """Whether a sentence holds a concrete value at all (a number, date, amount)."""
    return any(_SPANS[c].search(sentence) for c in ("amount", "date", "duration", "number"))
