"""German text analysis for the keyword index.

Pipeline: NFKC + casefold, umlaut folding (ä→a, ö→o, ü→u, ß→ss), word tokens, German stop
words, Snowball German stemming (PyStemmer). Queries also drop instruction words ("Nennen
Sie", "Beschreibe", ...): they are rare in documents, so BM25 would weigh them highly although
they carry no topic.

Compounds are split by :class:`CompoundSplitter` against a lexicon of known words (the
indexed corpus' own vocabulary plus a small bundled list of common heads), so "Kündigungsfrist"
also yields "kündigung" + "frist" and "Frist für die Kündigung" finds it, and the reverse.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_GERMAN

_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
# \w keeps digits (years, paragraph numbers); hyphens and punctuation split tokens.
_TOKEN_RE = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower-case and fold umlauts the same way for documents and queries.

    The Snowball stemmer maps ä/ae→a itself, so folding to the bare vowel keeps unstemmed
    forms (compound parts, lexicon look-ups) consistent with stemmed ones.
    """
    return unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)


def _words(text: str) -> frozenset[str]:
    """A whitespace-separated word list, folded like the tokens it is compared with."""
    return frozenset(fold(w) for w in text.split())


STOPWORDS: frozenset[str] = frozenset(fold(w) for w in STOPWORDS_GERMAN) | _words(
    # Frequent function words missing from the bm25s list.
    "ab beim seit sowie bzw etwa zudem wurde wurden worden sei seien gibt gab ihn"
)

# Query-only stop words: question words and the verbs/pronouns of commands ("Nennen Sie ...",
# "Erkläre mir ..."). Surface forms, so a document word like "Erklärung" is untouched.
QUERY_STOPWORDS: frozenset[str] = _words(
    """
    wann warum weshalb wieso wer wen wem wessen wo woher wohin womit wodurch wofur wovon
    worauf woraus worin woran wozu wieviel wieviele welch inwiefern inwieweit
    viel viele vielen vieles
    bitte mal sie du ihr mir uns
    nennen nenne nennt geben gib gebe gibt angeben gebt erklaren erklare erklart erlautern
    erlautere erlautert beschreiben beschreibe beschreibt schildern schildere schildert
    identifizieren identifiziere identifiziert teilen teile teilt mitteilen sagen sage sag
    sagt zeigen zeige zeigt aufzahlen zahlen zahle zahlt auflisten liste listen bestimmen
    bestimme bestimmt definieren definiere definiert finden finde findet herausfinden
    darlegen lege legen legt fassen fasse fasst zusammenfassen skizzieren skizziere
    skizziert informieren informiere informiert analysieren analysiere analysiert
    verraten verrate verrat diskutieren diskutiere diskutiert vergleichen vergleiche
    vergleicht ermitteln ermittle ermittelt erzahlen erzahle erzahlt benennen benenne
    benennt darstellen stelle stellen dar gebt
    """
)

# Linking elements (Fugenelemente) between the parts of a compound, longest first.
LINKS = ("ens", "es", "en", "er", "n", "s", "e", "")
# Endings a compound head may carry that its lexicon entry may lack (Fristen → Frist).
_HEAD_ENDINGS = ("", "en", "n", "e", "s", "es", "er", "ern")

# Common compound heads and modifiers, so that a small corpus that only ever writes
# "Kündigungsfrist" still splits it. Written for this project (no third-party list).
COMMON_WORDS: frozenset[str] = _words(
    """
    Abgabe Abkommen Absatz Abschluss Abstand Amt Anlage Anspruch Antrag Anteil Arbeit Art
    Aufgabe Auftrag Ausbildung Ausgabe Bahn Bank Bau Beginn Behörde Beitrag Bereich Beruf
    Betrag Betrieb Bild Bildung Boden Buch Bund Bürger Datum Dauer Dienst Dorf Druck Ende
    Energie Entscheidung Ergebnis Fach Fahrt Fall Familie Feld Fest Film Firma Fläche
    Form Frage Frau Frist Führung Gebiet Gebühr Geld Gemeinde Gericht Gesellschaft Gesetz
    Gewinn Grad Grenze Grund Gruppe Hafen Hand Haus Heim Hilfe Jahr Kampf Karte Kasse
    Kind Kirche Klasse Kosten Kraft Krieg Kultur Kunst Land Lage Leben Lehre Leistung
    Leiter Leitung Licht Liste Lohn Macht Mann Markt Maß Meister Miete Mittel Modell Monat
    Musik Mutter Nummer Ordnung Ort Partei Pflicht Plan Platz Politik Preis Programm
    Prozent Punkt Rat Raum Recht Regel Regierung Reihe Reise Rente Richter Richtung Ruhe
    Saal Sache Satz Schaden Schein Schluss Schule Schutz Seite Sitz Spiel Sprache Staat
    Stadt Stand Stelle Steuer Stoff Straße Strom Stück Stufe Stunde System Tag Teil Text
    Titel Turm Umwelt Unternehmen Urlaub Verband Verein Verfahren Verkehr Vertrag
    Verwaltung Volk Wahl Wagen Wald Wasser Weg Welt Werk Wert Wesen Woche Wohnung Zahl
    Zeit Zentrum Ziel Zug Zweck
    """
)


@dataclass(frozen=True)
class AnalyzerOptions:
    fold_umlauts: bool = True
    stem: bool = True
    stopwords: bool = True
    query_stopwords: bool = True
    compounds: bool = True
    min_part: int = 4  # shortest compound part considered a word
    # Also index a known head when the modifier is unknown ("Leihfrist" -> "frist").
    head_only: bool = False
    # Also emit pairs of neighbouring kept tokens ("frist kundigung"), a cheap phrase match.
    bigrams: bool = False
    # Keep capitalised stop words inside a sentence: names like "Dessen" or "Will".
    case_stopwords: bool = False

    def signature(self) -> str:
        """Identifies the token stream: a stored index with another signature is stale."""
        return (
            f"de1:f{int(self.fold_umlauts)}s{int(self.stem)}w{int(self.stopwords)}"
            f"c{int(self.compounds)}m{self.min_part}h{int(self.head_only)}"
            f"b{int(self.bigrams)}k{int(self.case_stopwords)}"
        )


def _sentence_start(text: str, pos: int) -> bool:
    """True if only spaces, quotes or brackets separate ``pos`` from a sentence end."""
    i = pos - 1
    while i >= 0 and text[i] in " \t\n\"'„“‚‘»«(":
        i -= 1
    return i < 0 or text[i] in ".!?:;"


class GermanAnalyzer:
    """Turns German text into surface tokens and stems; stateless apart from caches."""

    def __init__(self, options: AnalyzerOptions | None = None) -> None:
        self.options = options or AnalyzerOptions()
        self._stemmer = Stemmer.Stemmer("german")
        # PyStemmer keeps its own cache; the lru_cache avoids the Python call overhead too.
        self.stem = lru_cache(maxsize=200_000)(self._stem)

    @property
    def signature(self) -> str:
        return self.options.signature()

    def _normalize(self, text: str) -> str:
        if self.options.fold_umlauts:
            return fold(text)
        return unicodedata.normalize("NFKC", text).casefold()

    def words(self, text: str) -> list[str]:
        """Normalised words without stop words (no bigrams, not stemmed)."""
        opt = self.options
        stop = STOPWORDS if opt.stopwords else frozenset()
        if not opt.case_stopwords:
            toks = _TOKEN_RE.findall(self._normalize(text))
            return [t for t in toks if (len(t) > 1 or t.isdigit()) and t not in stop]
        out = []
        raw = unicodedata.normalize("NFKC", text)
        for m in _TOKEN_RE.finditer(raw):
            t = self._normalize(m.group())
            if len(t) < 2 and not t.isdigit():
                continue
            if t in stop and not (m.group()[0].isupper() and not _sentence_start(raw, m.start())):
                continue
            out.append(t)
        return out

    def tokens(self, text: str) -> list[str]:
        """Surface tokens of a document: words, plus neighbouring pairs if enabled."""
        return self._with_bigrams(self.words(text))

    def query_tokens(self, text: str) -> list[str]:
        """Like :meth:`tokens`, minus question words and instruction verbs."""
        toks = self.words(text)
        if self.options.query_stopwords:
            # A query made only of such words ("Was gibt es?") keeps them, not nothing.
            toks = [t for t in toks if t not in QUERY_STOPWORDS] or toks
        return self._with_bigrams(toks)

    def _with_bigrams(self, words: list[str]) -> list[str]:
        if not self.options.bigrams or len(words) < 2:
            return words
        return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]

    def _stem(self, token: str) -> str:
        if not self.options.stem:
            return token
        if " " in token:  # a bigram: stem both words
            return " ".join(self._stemmer.stemWords(token.split(" ")))
        return self._stemmer.stemWord(token)

    def stems(self, tokens: Iterable[str]) -> list[str]:
        return [self.stem(t) for t in tokens]


class CompoundSplitter:
    """Splits folded German compounds into parts that are known words.

    A split is accepted when the head (right part, optionally with an inflection ending) is
    known and the modifier (left part, minus a linking element) is known or itself splits.
    The longest known head wins, which keeps splits conservative.
    """

    def __init__(self, known: Collection[str], min_part: int = 4, head_only: bool = False) -> None:
        # Kept by reference: a live view (e.g. an index's vocabulary) stays current.
        self.known = known
        self.min_part = min_part
        self.head_only = head_only
        self._cache: dict[str, tuple[str, ...]] = {}

    def _is_known(self, word: str) -> bool:
        return word in self.known or word in COMMON_WORDS

    def split(self, token: str) -> tuple[str, ...]:
        """Known parts of ``token``, or ``()`` if it is not a known compound.

        Normally all parts (at least two); with ``head_only`` a compound whose modifier is
        unknown yields just its head.
        """
        hit = self._cache.get(token)
        if hit is None:
            hit = self._split(token, 0) if len(token) >= 2 * self.min_part else ()
            if not hit and self.head_only and len(token) >= 2 * self.min_part:
                hit = self._head(token)
            if len(self._cache) > 1_000_000:  # bounded: queries keep adding tokens
                self._cache.clear()
            self._cache[token] = hit
        return hit

    def _head(self, token: str) -> tuple[str, ...]:
        m = self.min_part
        endings = [len(e) for e in _HEAD_ENDINGS if token.endswith(e)]
        for i in range(m, len(token) - m + 1):
            for e in endings:
                base = token[i : len(token) - e]
                if len(base) >= m and self._is_known(base):
                    return (base,)
        return ()

    def _part_ok(self, word: str) -> bool:
        # Short parts only from the curated list (Tag, Amt, Weg): corpus fragments of three
        # letters are too often not words.
        if len(word) >= self.min_part:
            return self._is_known(word)
        return len(word) >= 3 and word in COMMON_WORDS

    def _split(self, token: str, depth: int) -> tuple[str, ...]:
        m, ok = self.min_part, self._part_ok
        if len(token) < 2 * m or depth > 3 or not token.isalpha():
            return ()
        # The head's inflection ending is the token's ending, so it is the same at every cut.
        endings = [len(e) for e in _HEAD_ENDINGS if token.endswith(e)]
        for i in range(3, len(token) - 2):  # i = start of the head: longest head first
            head = None
            for e in endings:
                base = token[i : len(token) - e]
                if ok(base):
                    head = base
                    break
            if head is None:
                continue
            left = token[:i]
            for link in LINKS:
                if link and not left.endswith(link):
                    continue
                mod = left[: len(left) - len(link)]
                if len(mod) < 3:
                    continue
                if ok(mod):
                    return (mod, head)
                sub = self._split(mod, depth + 1)
                if sub:
                    return (*sub, head)
        return ()
