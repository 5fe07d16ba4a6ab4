#!/usr/bin/env python3
"""Generate the German demo corpus for Quelle (PDFs in ``corpora/``).

All texts below are original and fictional (organisations, people, products and
places are invented or used only as scenery). They are written to exercise what
German PDF pipelines tend to get wrong:

* words hyphenated at line ends ("Reisekosten-" / "abrechnung") and real hyphens
  at line ends ("Baden-" / "Württemberg", "E-" / "Mail");
* ligature glyphs in the text layer (U+FB01 "ﬁ", U+FB02 "ﬂ");
* tables drawn as aligned columns;
* a running header and a footer "Seite X von Y" on every page;
* abbreviations (z. B., d. h., Abs., Nr., §, ca., bzw.) and German dates;
* facts that continue across a page break.

Text is laid out line by line by this script (no automatic typesetting), so the
page of every fact is fixed by the page lists in ``DOCUMENTS``.

Markup inside body strings:

* ``~``  a soft hyphenation point: the line may break there, shown as "-";
* ``|``  a forced line break right after the preceding character; write ``~|``
  for a forced break at a soft point ("Reisekosten~|abrechnung") and ``-|`` for
  a forced break after a real hyphen ("Baden-|Württemberg").

Output is deterministic (reportlab ``invariant=1``: fixed dates and document id),
so re-running produces byte-identical files with the same fonts and reportlab
version. Requires the DejaVu fonts (``apt-get install fonts-dejavu-core``).

Usage: ``python corpora/make_corpora.py [--out DIR]``
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

HERE = Path(__file__).resolve().parent

FONT_DIRS = [
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/local/share/fonts",
    "/Library/Fonts",
]
FONT_FILES = {"Body": "DejaVuSans.ttf", "Bold": "DejaVuSans-Bold.ttf"}

# Build environment of the committed PDFs: the byte-for-byte comparison in
# tests/test_corpora.py only applies when these match the local environment.
BUILD_ENV = {
    "reportlab": "5.1.0",
    "DejaVuSans.ttf": "abdc775b21b1bc470d50c97e790d276f2054b7504e56e5bd3e64f48d68582322",
    "DejaVuSans-Bold.ttf": "0d977336a6d5fba34eab8e3199eb218327161b5143749f802982c2bc34df0c96",
}


def local_env() -> dict[str, str]:
    """The same keys as BUILD_ENV, for this machine ("" where a font is missing)."""
    import hashlib

    import reportlab

    env = {"reportlab": reportlab.Version}
    for fname in FONT_FILES.values():
        path = find_font(fname)
        env[fname] = hashlib.sha256(Path(path).read_bytes()).hexdigest() if path else ""
    return env


PAGE_W, PAGE_H = A4
MARGIN_L = 62.0
MARGIN_R = 62.0
TEXT_W = PAGE_W - MARGIN_L - MARGIN_R
BODY_TOP = PAGE_H - 78.0
BODY_BOTTOM = 66.0

BODY_SIZE = 10.0
LEADING = 13.6
GREY = Color(0.35, 0.35, 0.35)
LIGHT = Color(0.75, 0.75, 0.75)

LIGATURES = {"fi": "\ufb01", "fl": "\ufb02"}


class LayoutError(RuntimeError):
    pass


def find_font(name: str) -> str | None:
    env = os.environ.get("QUELLE_DEJAVU_DIR")
    dirs = ([env] if env else []) + FONT_DIRS
    for d in dirs:
        p = Path(d) / name
        if p.is_file():
            return str(p)
    return None


def register_fonts() -> None:
    for alias, fname in FONT_FILES.items():
        path = find_font(fname)
        if path is None:
            raise SystemExit(
                f"Font {fname} not found. Install it with 'apt-get install -y fonts-dejavu-core' "
                "or point QUELLE_DEJAVU_DIR at a folder containing the DejaVu TTF files."
            )
        pdfmetrics.registerFont(TTFont(alias, path))


# ---------------------------------------------------------------------------
# Document model
# ---------------------------------------------------------------------------


@dataclass
class Doc:
    filename: str
    header: str
    footer_left: str
    title: str
    author: str
    subject: str
    pages: list[list[tuple]]
    ligatures: bool = False
    stats: dict = field(default_factory=dict)


# Block kinds:
#   ("title", text)            large bold title
#   ("sub", text)              small grey line under the title
#   ("h", text)                section heading
#   ("h2", text)               sub-section heading
#   ("p", text)                paragraph
#   ("pc", text)               paragraph continuing from the previous page (no gap)
#   ("ul", [items])            bullet list
#   ("table", widths, header, rows)   widths are fractions of the text width
#   ("sig", [lines])           signature block, lines drawn as they are
#   ("gap", points)            vertical space


def ligate(text: str) -> str:
    out = []
    for word in text.split(" "):
        if "@" not in word and "://" not in word:
            for a, b in LIGATURES.items():
                word = word.replace(a, b)
        out.append(word)
    return " ".join(out)


def clean(s: str) -> str:
    return s.replace("~", "").replace("|", "")


def width(s: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(s, font, size)


def split_candidates(piece: str) -> list[tuple[str, str]]:
    """(display prefix incl. hyphen, raw remainder) for every allowed break point."""
    cands = []
    if "@" in piece:
        return cands
    for i, ch in enumerate(piece):
        if ch == "~":
            head, tail = piece[:i], piece[i + 1 :]
            if len(clean(head)) >= 2 and len(clean(tail)) >= 3:
                cands.append((clean(head) + "-", tail))
        elif ch == "-" and 0 < i < len(piece) - 1:
            head, tail = piece[: i + 1], piece[i + 1 :]
            if (
                len(clean(head)) >= 4
                and len(clean(tail)) >= 3
                and piece[i - 1].isalpha()
                and piece[i + 1].isalpha()
            ):
                cands.append((clean(head), tail))
    return cands


def wrap(text: str, font: str, size: float, max_w: float, forced_log: list | None = None):
    """Greedy line breaking with soft hyphens (~) and forced breaks (|)."""
    lines: list[str] = []
    cur = ""

    def fits(s: str) -> bool:
        return width(s, font, size) <= max_w + 0.01

    for word in text.split():
        pieces = word.split("|")
        for k, piece in enumerate(pieces):
            last = k == len(pieces) - 1
            if last:
                display = clean(piece)
            elif piece.endswith("~"):
                display = clean(piece[:-1]) + "-"
            else:
                display = clean(piece)
            sep = " " if cur else ""
            if fits(cur + sep + display):
                cur += sep + display
            elif not last:
                if cur:
                    lines.append(cur)
                cur = display
            else:
                rest = piece
                while True:
                    sep = " " if cur else ""
                    if fits(cur + sep + clean(rest)):
                        cur += sep + clean(rest)
                        break
                    best = None
                    for head, tail in split_candidates(rest):
                        if fits(cur + sep + head):
                            best = (head, tail)
                    if best is not None:
                        lines.append(cur + sep + best[0])
                        cur = ""
                        rest = best[1]
                        continue
                    if cur:
                        lines.append(cur)
                        cur = ""
                        continue
                    # a single unbreakable word longer than the line
                    cur = clean(rest)
                    break
            if not last:
                if forced_log is not None:
                    forced_log.append((cur, width(cur, font, size) / max_w))
                lines.append(cur)
                cur = ""
    if cur:
        lines.append(cur)
    return lines


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


class Renderer:
    def __init__(self, doc: Doc, path: Path):
        self.doc = doc
        self.c = canvas.Canvas(str(path), pagesize=A4, invariant=1, pageCompression=1)
        self.c.setTitle(doc.title)
        self.c.setAuthor(doc.author)
        self.c.setSubject(doc.subject)
        self.c.setCreator("Quelle corpora/make_corpora.py")
        self.c.setProducer("ReportLab (invariant mode)")
        self.c.setKeywords("Quelle Demo-Korpus fiktiv")
        self.forced: list = []
        self.y = BODY_TOP

    def t(self, s: str) -> str:
        return ligate(s) if self.doc.ligatures else s

    # -- page furniture -------------------------------------------------
    def page_header(self) -> None:
        c = self.c
        c.setFillColor(GREY)
        c.setFont("Body", 8.5)
        c.drawString(MARGIN_L, PAGE_H - 44, self.doc.header)
        c.setStrokeColor(LIGHT)
        c.setLineWidth(0.6)
        c.line(MARGIN_L, PAGE_H - 50, PAGE_W - MARGIN_R, PAGE_H - 50)
        c.setFillColor(Color(0, 0, 0))

    def page_footer(self, no: int, total: int) -> None:
        c = self.c
        c.setFillColor(GREY)
        c.setStrokeColor(LIGHT)
        c.setLineWidth(0.6)
        c.line(MARGIN_L, 48, PAGE_W - MARGIN_R, 48)
        c.setFont("Body", 8)
        c.drawString(MARGIN_L, 36, self.doc.footer_left)
        c.drawRightString(PAGE_W - MARGIN_R, 36, f"Seite {no} von {total}")
        c.setFillColor(Color(0, 0, 0))

    def need(self, h: float, what: str, page_no: int) -> None:
        if self.y - h < BODY_BOTTOM:
            raise LayoutError(
                f"{self.doc.filename}: page {page_no} overflows at {what!r} "
                f"(y={self.y:.1f}, need {h:.1f})"
            )

    # -- blocks -----------------------------------------------------------
    def text_lines(self, lines, font, size, leading, x, page_no, what):
        self.need(len(lines) * leading, what, page_no)
        self.c.setFont(font, size)
        for line in lines:
            self.y -= leading
            self.c.drawString(x, self.y + (leading - size) * 0.5, line)

    def block(self, b: tuple, page_no: int, first: bool) -> None:
        kind = b[0]
        what = str(b[1])[:40]
        if kind == "title":
            lines = wrap(self.t(b[1]), "Bold", 16, TEXT_W)
            self.text_lines(lines, "Bold", 16, 20, MARGIN_L, page_no, what)
            self.y -= 4
        elif kind == "sub":
            self.c.setFillColor(GREY)
            lines = wrap(self.t(b[1]), "Body", 9, TEXT_W)
            self.text_lines(lines, "Body", 9, 12, MARGIN_L, page_no, what)
            self.c.setFillColor(Color(0, 0, 0))
            self.y -= 8
        elif kind in ("h", "h2"):
            size = 11.5 if kind == "h" else 10.5
            gap = 0 if first else (9 if kind == "h" else 5)
            lines = wrap(self.t(b[1]), "Bold", size, TEXT_W)
            # keep the heading together with at least two body lines
            self.need(gap + len(lines) * 15 + 2 + 2 * LEADING, what, page_no)
            self.y -= gap
            self.text_lines(lines, "Bold", size, 15, MARGIN_L, page_no, what)
            self.y -= 2
        elif kind in ("p", "pc"):
            lines = wrap(self.t(b[1]), "Body", BODY_SIZE, TEXT_W, self.forced)
            self.text_lines(lines, "Body", BODY_SIZE, LEADING, MARGIN_L, page_no, what)
            self.y -= 5
        elif kind == "ul":
            indent = 14
            for item in b[1]:
                lines = wrap(self.t(item), "Body", BODY_SIZE, TEXT_W - indent, self.forced)
                self.need(len(lines) * LEADING, item[:40], page_no)
                # bullet and first line in one text object, so extractors keep them together
                self.y -= LEADING
                to = self.c.beginText(MARGIN_L + 3, self.y + (LEADING - BODY_SIZE) * 0.5)
                to.setFont("Body", BODY_SIZE)
                to.textOut("\u2022")
                to.moveCursor(indent - 3, 0)
                to.textOut(lines[0])
                self.c.drawText(to)
                self.text_lines(
                    lines[1:], "Body", BODY_SIZE, LEADING, MARGIN_L + indent, page_no, what
                )
                self.y -= 1.5
            self.y -= 4
        elif kind == "table":
            self.table(b[1], b[2], b[3], page_no)
        elif kind == "sig":
            self.y -= 6
            self.text_lines(
                [self.t(s) for s in b[1]], "Body", BODY_SIZE, LEADING + 2, MARGIN_L, page_no, what
            )
        elif kind == "gap":
            self.y -= b[1]
        else:  # pragma: no cover - programming error
            raise ValueError(kind)

    def table(self, fracs, header, rows, page_no) -> None:
        pad = 4.0
        size = 9.0
        lead = 11.6
        widths = [f * TEXT_W for f in fracs]
        xs = [MARGIN_L]
        for w in widths[:-1]:
            xs.append(xs[-1] + w)
        self.y -= 3
        c = self.c
        for r, row in enumerate([header, *rows]):
            font = "Bold" if r == 0 else "Body"
            cells = [
                wrap(self.t(cell), font, size, w - 2 * pad)
                for cell, w in zip(row, widths, strict=True)
            ]
            n = max(len(cl) for cl in cells)
            h = n * lead + 2 * pad - 2
            self.need(h + 1, f"table row {row[0]!r}", page_no)
            top = self.y
            if r == 0:
                c.setFillColor(Color(0.9, 0.9, 0.9))
                c.rect(MARGIN_L, top - h, TEXT_W, h, stroke=0, fill=1)
                c.setFillColor(Color(0, 0, 0))
            # one text object per visual line so that extractors keep the row together
            for i in range(n):
                base = top - pad - (i + 1) * lead + 2.6
                to = c.beginText(xs[0] + pad, base)
                to.setFont(font, size)
                cur_x = xs[0] + pad
                for x, cl in zip(xs, cells, strict=True):
                    if i < len(cl):
                        to.moveCursor(x + pad - cur_x, 0)
                        cur_x = x + pad
                        to.textOut(cl[i])
                c.drawText(to)
            self.y = top - h
            c.setStrokeColor(LIGHT if r else Color(0.4, 0.4, 0.4))
            c.setLineWidth(0.5)
            c.line(MARGIN_L, self.y, MARGIN_L + TEXT_W, self.y)
        c.setStrokeColor(Color(0.4, 0.4, 0.4))
        self.y -= 8

    def render(self) -> None:
        total = len(self.doc.pages)
        words = []
        free = []
        for no, page in enumerate(self.doc.pages, start=1):
            self.y = BODY_TOP
            self.page_header()
            count = 0
            for i, b in enumerate(page):
                self.block(b, no, first=(i == 0))
                count += block_words(b)
            self.page_footer(no, total)
            words.append(count)
            free.append(round((self.y - BODY_BOTTOM) / LEADING))
            self.c.showPage()
        self.c.save()
        self.doc.stats = {"words_per_page": words, "free_lines": free, "forced": list(self.forced)}


def block_words(b: tuple) -> int:
    kind = b[0]
    if kind in ("title", "sub", "h", "h2", "p", "pc"):
        return len(clean(b[1]).split())
    if kind == "ul":
        return sum(len(clean(s).split()) for s in b[1])
    if kind == "table":
        return sum(len(clean(c).split()) for row in [b[2], *b[3]] for c in row)
    if kind == "sig":
        return sum(len(s.split()) for s in b[1])
    return 0


def build(out_dir: Path, verbose: bool = True) -> list[Path]:
    register_fonts()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for doc in DOCUMENTS:
        path = out_dir / doc.filename
        Renderer(doc, path).render()
        written.append(path)
        if verbose:
            wp = doc.stats["words_per_page"]
            fl = doc.stats["free_lines"]
            print(f"{doc.filename}: {len(doc.pages)} pages, words/page {wp}, free lines {fl}")
            for line, fill in doc.stats["forced"]:
                flag = "  (short!)" if fill < 0.72 else ""
                print(f"    forced break after {line[-28:]!r}: line {fill:.0%} full{flag}")
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: corpora/)")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    build(args.out, verbose=not args.quiet)
    return 0


# ---------------------------------------------------------------------------
# Content (original, fictional texts)
# ---------------------------------------------------------------------------

REISEKOSTEN = Doc(
    filename="reisekostenrichtlinie.pdf",
    header="Hallberg Feinwerktechnik GmbH – Reisekostenrichtlinie 2026",
    footer_left="RL-FIN-07 · Version 3.0 · interne Richtlinie",
    title="Reisekostenrichtlinie 2026 der Hallberg Feinwerktechnik GmbH",
    author="Hallberg Feinwerktechnik GmbH (fiktiv), Abteilung Finanzen und Controlling",
    subject="Dienstreisen: Genehmigung, Verkehrsmittel, Tagegeld, Übernachtung, Abrechnung",
    ligatures=True,
    pages=[
        # ---------------------------------------------------------------- Seite 1
        [
            ("title", "Reisekostenrichtlinie 2026"),
            (
                "sub",
                "Hallberg Feinwerktechnik GmbH · gültig ab 1. Januar 2026 · Version 3.0 · "
                "herausgegeben von der Abteilung Finanzen und Controlling",
            ),
            ("h", "1 Geltungsbereich und Zielsetzung"),
            (
                "p",
                "Diese Richtlinie regelt die Planung, Genehmigung, Durchführung und Abrechnung von "
                "Dienstreisen aller Beschäftigten der Hallberg Feinwerktechnik GmbH an den "
                "Standorten Reutlingen und Metzingen. Sie gilt ebenso für Auszubildende, "
                "Werk~studierende sowie Praktikantinnen und Praktikanten, sofern diese im Auftrag "
                "des Unternehmens reisen. Für Mitglieder der Geschäftsführung gelten ergänzende "
                "Regelungen, die im jeweiligen Anstellungsvertrag festgelegt sind. Die Richtlinie "
                "ersetzt die bisherige Fassung vom 15. März 2021 vollständig; zuvor erteilte "
                "Einzel~genehmigungen bleiben bis zum Ende der betreffenden Reise gültig.",
            ),
            (
                "p",
                "Ziel ist es, Dienstreisen wirtschaftlich, sicher und möglichst klima~schonend zu "
                "gestalten. Vor jeder Reise ist zu prüfen, ob der Anlass nicht ebenso gut durch "
                "eine Video~konferenz erfüllt werden kann. Die Erfahrung der letzten Jahre zeigt, "
                "dass Abstimmungen mit Lieferanten und interne Projekt~termine häufig ohne Reise "
                "stattfinden können, ohne dass die Qualität der Zusammenarbeit darunter leidet. Wo "
                "Reisen unverzichtbar sind, haben die Sicherheit der Reisenden und die Einhaltung "
                "gesetzlicher Vorgaben Vorrang vor Kosten~ersparnissen. Die Führungskräfte achten "
                "darauf, dass Reise~zeiten in die Arbeits~zeitplanung einfließen und Ruhezeiten "
                "eingehalten werden.",
            ),
            ("h", "2 Begriffsbestimmungen"),
            (
                "p",
                "Eine Dienstreise ist eine Reise zur Erledigung dienstlicher Aufgaben außerhalb "
                "der regelmäßigen Arbeitsstätte, die von der zuständigen Führungskraft angeordnet "
                "oder genehmigt wurde. Als Dienstgang gilt dagegen ein dienstlicher Weg innerhalb "
                "des Ortes der regelmäßigen Arbeitsstätte, z. B. der Besuch eines Kunden im "
                "Reutlinger Gewerbegebiet In Laisen. Für Dienstgänge wird kein "
                "Verpflegungs~mehraufwand erstattet; Fahrtkosten werden nach Abschnitt 5 ersetzt. "
                "Reisebeginn ist der Zeitpunkt, zu dem die Wohnung oder die regelmäßige "
                "Arbeitsstätte verlassen wird, Reiseende der Zeitpunkt der Rückkehr dorthin. "
                "Beginnt oder endet die Reise an der Wohnung, d. h. ohne vorherigen Besuch des "
                "Betriebs, wird die kürzere der beiden möglichen Strecken zugrunde gelegt.",
            ),
            ("h", "3 Genehmigung von Dienstreisen"),
            (
                "p",
                "Jede Dienstreise ist vor Reiseantritt über das Reiseportal TravelDesk zu "
                "beantragen. Der Antrag soll spätestens zehn Arbeitstage vor Reiseantritt gestellt "
                "werden, damit günstige Tarife genutzt werden können. Inlandsreisen genehmigt die "
                "direkte Führungskraft. Auslands~dienstreisen bedürfen zusätzlich der Zustimmung "
                "der Bereichsleitung; dauert eine Auslandsreise länger als fünf Kalendertage, ist "
                "außerdem die Geschäftsführung einzubinden. Reisen in Länder, für die das "
                "Auswärtige Amt eine Reisewarnung ausgesprochen hat, sind grundsätzlich nicht "
                "genehmigungsfähig.",
            ),
            (
                "p",
                "Bei kurzfristig notwendigen Reisen, etwa einem Service~einsatz bei einem Kunden "
                "mit Produktions~stillstand, kann die Genehmigung ausnahmsweise mündlich erteilt "
                "werden. Der Antrag ist dann innerhalb von zwei Arbeitstagen nachzureichen. Ohne "
                "nachgewiesene Genehmigung ist eine Erstattung der Reisekosten nicht möglich. "
                "Dieser Einfluss der Genehmigung auf die Erstattung gilt auch dann, wenn die Reise "
                "tatsächlich im Interesse des Unternehmens lag.",
            ),
        ],
        # ---------------------------------------------------------------- Seite 2
        [
            ("h", "4 Wahl des Verkehrsmittels"),
            (
                "p",
                "Grundsätzlich ist das Verkehrsmittel zu wählen, das unter Berücksichtigung von "
                "Reisezeit, Kosten und Umwelt~belastung am günstigsten ist. Für Strecken bis 600 "
                "Kilometer ist die Bahn das bevorzugte Verkehrsmittel. Erstattet wird die 2. "
                "Klasse; die 1. Klasse darf bei einer Fahrtzeit von mehr als vier Stunden je "
                "einfache Strecke gebucht werden. Beschäftigte, die voraussichtlich mindestens "
                "acht Dienstreisen pro Kalenderjahr mit der Bahn unternehmen, erhalten auf Antrag "
                "eine BahnCard 50 der 2. Klasse. Für Fahrten innerhalb von Baden-|Württemberg "
                "steht zudem ein übertragbares Deutschland~ticket Job zur Verfügung, das am "
                "Empfang der Zentrale ausgeliehen werden kann.",
            ),
            (
                "p",
                "Flugreisen innerhalb Deutschlands sind nur zulässig, wenn die Bahnfahrt einfach "
                "länger als sechs Stunden dauern würde oder ein wichtiger Termin anders nicht "
                "erreichbar ist. Gebucht wird die Economy Class; die Business Class ist nur bei "
                "Langstrecken~flügen mit einer reinen Flugzeit von mehr als neun Stunden erlaubt. "
                "Zusatz~leistungen wie Sitzplatz~reservierungen oder zusätzliches Gepäck werden "
                "erstattet, wenn sie dienstlich begründet sind, z. B. beim Transport von "
                "Mess~mitteln oder Vorführ~geräten.",
            ),
            ("h", "5 Mietwagen, Taxi und Privatfahrzeug"),
            (
                "p",
                "Mietwagen sind über den Rahmenvertrag mit der Autovermietung zu buchen; erstattet "
                "wird höchstens ein Fahrzeug der Kompaktklasse. Ein größeres Fahrzeug ist nur "
                "zulässig, wenn drei oder mehr Personen gemeinsam reisen oder umfangreiches "
                "Material befördert werden muss. Taxikosten werden erstattet, wenn öffentliche "
                "Verkehrsmittel nicht zumutbar sind, etwa bei Ankunft nach 22 Uhr, bei schwerem "
                "Gepäck oder aus gesundheitlichen Gründen; je Fahrt gilt ohne besondere Begründung "
                "eine Obergrenze von 40 Euro.",
            ),
            (
                "p",
                "Wer mit dem eigenen Pkw reist, erhält eine Kilometer~pauschale nach der folgenden "
                "Tabelle. Das Unternehmen übernimmt keine Haftung für Schäden am Privatfahrzeug; "
                "für Unfälle auf Dienstreisen besteht jedoch eine Dienstreise-Kasko~versicherung "
                "mit einer Selbst~beteiligung von 300 Euro, die vom Unternehmen getragen wird. "
                "Bußgelder und Verwarnungsgelder trägt in jedem Fall die fahrende Person selbst. "
                "Die gefahrenen Kilometer sind mit Start, Ziel und Anlass der Fahrt anzugeben; ca. "
                "5 Prozent Abweichung von der Routen~planung werden ohne Nachfrage akzeptiert.",
            ),
            (
                "table",
                [0.42, 0.58],
                ["Verkehrsmittel", "Erstattung"],
                [
                    ["Privat-Pkw", "0,30 Euro je gefahrenem Kilometer"],
                    [
                        "Mitnahme von Kolleginnen und Kollegen",
                        "zusätzlich 2 Cent je Kilometer und mitgenommener Person",
                    ],
                    ["Motorrad oder Motorroller", "0,20 Euro je Kilometer"],
                    ["Elektrofahrrad (Pedelec)", "0,10 Euro je Kilometer"],
                    ["Parkgebühren am Zielort", "in nachgewiesener Höhe"],
                ],
            ),
            (
                "p",
                "Die Pauschalen decken sämtliche Kosten des Fahrzeugs ab, insbesondere Kraftstoff "
                "bzw. Strom, Verschleiß, Versicherung und Wertverlust. Fahrten zwischen Wohnung "
                "und regelmäßiger Arbeitsstätte sind keine Dienstreisen und werden nicht "
                "erstattet.",
            ),
            (
                "p",
                "Carsharing-Fahrzeuge des Anbieters, mit dem ein Firmenkunden~vertrag besteht, "
                "dürfen für Dienstgänge und kurze Dienstreisen in der Region genutzt werden; die "
                "Kosten werden wie Mietwagen~kosten nach Beleg erstattet. Leih-E-Scooter werden "
                "dagegen nicht erstattet, weil sie nicht vom Schutz der "
                "Dienstreise-Kasko~versicherung erfasst sind.",
            ),
        ],
        # ---------------------------------------------------------------- Seite 3
        [
            ("h", "6 Verpflegungsmehraufwand (Tagegeld)"),
            (
                "p",
                "Für den Mehraufwand an Verpflegung während einer Dienstreise wird ein Tagegeld "
                "gezahlt. Die Höhe richtet sich nach der Dauer der Abwesenheit von der Wohnung und "
                "der ersten Tätigkeitsstätte. Maßgeblich ist die tatsächliche Abwesenheit an einem "
                "Kalendertag; mehrere Dienstreisen an einem Tag werden zusammengerechnet. Bei "
                "Inlandsreisen gelten die folgenden Sätze:",
            ),
            (
                "table",
                [0.62, 0.38],
                ["Abwesenheitsdauer", "Tagegeld Inland"],
                [
                    ["mehr als 8 Stunden (ohne Übernachtung)", "14 Euro"],
                    ["An- und Abreisetag bei mehrtägiger Reise", "14 Euro"],
                    ["volle Kalendertage (24 Stunden)", "28 Euro"],
                    ["bis einschließlich 8 Stunden", "kein Tagegeld"],
                ],
            ),
            (
                "p",
                "Werden Mahlzeiten vom Unternehmen, von Geschäftspartnern oder im Rahmen einer "
                "Tagung unentgeltlich gestellt, ist das Tagegeld zu kürzen. Die Kürzung beträgt "
                "für ein Frühstück 5,60 Euro und für ein Mittag- oder Abendessen jeweils 11,20 "
                "Euro, bezogen auf den vollen Tagessatz. Das gilt auch dann, wenn die gestellte "
                "Mahlzeit nicht eingenommen wird. Verpflegung im Flugzeug oder im Zug, die im "
                "Ticketpreis enthalten ist, führt nicht zu einer Kürzung. Das Tagegeld kann durch "
                "die Kürzungen nicht negativ werden, d. h. es beträgt mindestens 0 Euro.",
            ),
            (
                "p",
                "Beispiel: Eine Beschäftigte fährt am Montag um 7:30 Uhr zu einem Lieferanten nach "
                "Leipzig, übernachtet zweimal im Hotel und kehrt am Mittwoch um 19:15 Uhr zurück. "
                "Für Montag und Mittwoch stehen ihr je 14 Euro zu, für Dienstag 28 Euro. Da die "
                "Hotelrechnung an beiden Morgen ein Frühstück enthält, wird das Tagegeld für "
                "Dienstag und für Mittwoch um je 5,60 Euro gekürzt; ausgezahlt werden insgesamt "
                "44,80 Euro.",
            ),
            (
                "p",
                "Bei einer längerfristigen Tätigkeit an derselben auswärtigen Tätigkeitsstätte "
                "wird das Tagegeld nur für die ersten drei Monate gezahlt. Eine Unterbrechung von "
                "mindestens vier Wochen, z. B. durch Urlaub, lässt die Frist neu beginnen.",
            ),
            (
                "p",
                "Bei Auslandsreisen richten sich die Tagegelder nach den jeweils aktuellen "
                "Auslands~reise~pauschalen des Bundesministeriums der Finanzen. Maßgeblich ist das "
                "Land, das vor 24 Uhr Ortszeit zuletzt erreicht wird. Zusätzlich zahlt die "
                "Hallberg Feinwerktechnik GmbH bei Auslandsreisen eine Kommunikations~pauschale "
                "von 6 Euro pro Kalendertag, mit der private Telefonate und mobile Daten "
                "abgegolten sind. Für eintägige Auslandsreisen gilt der Satz des Landes, in dem "
                "der letzte Tätigkeitsort liegt. Reisen in das grenznahe Ausland, z. B. nach Basel "
                "oder Straßburg, werden wie Inlandsreisen behandelt, wenn die Abwesenheit zwölf "
                "Stunden nicht übersteigt. Bei Reisen in Länder außerhalb der Europäischen Union "
                "ist vor Reiseantritt zu klären, ob ein Visum oder eine Arbeitsgenehmigung "
                "erforderlich ist.",
            ),
            ("h", "7 Übernachtungskosten"),
            (
                "p",
                "Hotels sind vorrangig über TravelDesk aus der Liste der Vertragshotels zu buchen. "
                "Die Vertragshotels werden jährlich von der Reisestelle überprüft; Hinweise auf "
                "Mängel nimmt sie gern entgegen. Bonuspunkte aus Hotel- und Vielflieger~programmen "
                "dürfen privat genutzt werden, sofern sie keinen Einfluss auf die Auswahl von "
                "Hotel oder Fluggesellschaft haben.",
            ),
            (
                "p",
                "Übernachtungskosten werden im Inland bis zu einem Betrag von 120 Euro pro Nacht "
                "einschließlich Frühstück erstattet. Im Ausland gelten die Höchstbeträge, die "
                "TravelDesk für das jeweilige Land anzeigt. In den Städten München, Frankfurt am "
                "Main, Hamburg, Berlin und Stuttgart sowie während großer Messen am Zielort gilt "
                "abweichend ein Höchstbetrag von",
            ),
        ],
        # ---------------------------------------------------------------- Seite 4
        [
            (
                "pc",
                "165 Euro pro Nacht einschließlich Frühstück. Höhere Kosten werden nur erstattet, "
                "wenn die Reisestelle vor der Buchung schriftlich bestätigt hat, dass kein "
                "günstigeres Zimmer in zumutbarer Entfernung verfügbar war. Enthält die "
                "Hotelrechnung kein Frühstück oder wird es gesondert ausgewiesen, so ist der "
                "Frühstücks~anteil wie in Abschnitt 6 beschrieben zu behandeln.",
            ),
            (
                "p",
                "Übernachtet die reisende Person privat, etwa bei Freunden oder Verwandten, wird "
                "eine Übernachtungs~pauschale von 20 Euro pro Nacht gezahlt. Ferienwohnungen "
                "dürfen bei Reisen von mehr als fünf Nächten gebucht werden, wenn sie insgesamt "
                "günstiger sind als ein Hotel. Stornokosten trägt das Unternehmen, sofern die "
                "Stornierung dienstlich veranlasst war; bei privaten Gründen entscheidet die "
                "Führungskraft im Einzelfall.",
            ),
            ("h", "8 Reisenebenkosten"),
            (
                "p",
                "Als Reisenebenkosten werden notwendige Auslagen erstattet, die unmittelbar mit "
                "der Dienstreise zusammenhängen. Dazu gehören insbesondere:",
            ),
            (
                "ul",
                [
                    "Parkgebühren, Maut sowie Gebühren für Fähren und Tunnel,",
                    "Gepäck~aufbewahrung und dienstlich notwendiges Übergepäck,",
                    "Visagebühren, vorgeschriebene Impfungen und Passbilder bei Auslandsreisen,",
                    "Gebühren für den Geldumtausch bis zu einer Höhe von 2 Prozent des getauschten "
                    "Betrags,",
                    "Eintrittsgelder für Messen und Fach~veranstaltungen, sofern sie nicht zentral "
                    "beschafft wurden.",
                ],
            ),
            (
                "p",
                "Nicht erstattet werden Trinkgelder, Minibar, Pay-TV, die Reinigung von Kleidung "
                "bei Reisen unter sieben Tagen sowie Kosten für Begleitpersonen. Bei Verlust "
                "privater Gegenstände auf einer Dienstreise besteht kein Anspruch auf Ersatz; "
                "wertvolle Gegenstände sollten daher nicht mitgeführt werden. Dienstliche "
                "Telefonate mit dem privaten Mobiltelefon werden anhand des "
                "Einzel~verbindungs~nachweises erstattet, soweit keine Kommunikations~pauschale "
                "nach Abschnitt 6 gezahlt wird.",
            ),
            (
                "p",
                "Bewirtungen von Kunden und Geschäftspartnern sind keine Reisenebenkosten; sie "
                "werden nach der gesonderten Bewirtungs~richtlinie abgerechnet. Für alle "
                "Auslandsreisen besteht eine Gruppen-Auslandsreise~kranken~versicherung. Die "
                "Versicherungskarte erhalten Reisende zusammen mit der Reisegenehmigung; der "
                "Notfalldienst des Versicherers ist über die dort angegebene Rufnummer rund um die "
                "Uhr erreichbar.",
            ),
            ("h", "9 Reisekostenvorschuss"),
            (
                "p",
                "Auf Antrag wird ein Reisekosten~vorschuss gewährt, wenn die voraussichtlichen "
                "Kosten 500 Euro übersteigen. Der Vorschuss beträgt höchstens 80 Prozent der "
                "geschätzten Kosten und wird spätestens drei Arbeitstage vor Reiseantritt auf das "
                "Gehaltskonto überwiesen. Für Auslandsreisen kann ein Teil des Vorschusses in bar "
                "und in Landes~währung bei der Hauptkasse im Gebäude B, Raum 1.14, abgeholt "
                "werden. Vorschüsse werden mit der Abrechnung verrechnet; ein überzahlter Betrag "
                "ist innerhalb von vier Wochen zurückzuzahlen. Inhaberinnen und Inhaber einer "
                "Firmen~kreditkarte erhalten grundsätzlich keinen Vorschuss, weil die meisten "
                "Ausgaben direkt über die Karte beglichen werden.",
            ),
        ],
        # ---------------------------------------------------------------- Seite 5
        [
            ("h", "10 Reisekostenabrechnung"),
            (
                "p",
                "Die Abrechnung erfolgt ausschließlich elektronisch in TravelDesk. Sie ist "
                "innerhalb von vier Wochen nach Ende der Dienstreise einzureichen. Alle Belege "
                "sind vollständig zu scannen oder zu fotografieren und der Abrechnung beizufügen; "
                "die Originale bewahren die Beschäftigten bis zur Auszahlung auf und vernichten "
                "sie danach. Nach der sachlichen und inhaltlichen Prüfung durch die zuständige "
                "Führungskraft wird die Reisekosten~|abrechnung an die Abteilung Finanzen "
                "weitergeleitet, die sie innerhalb von zehn Arbeitstagen bearbeitet.",
            ),
            (
                "p",
                "Ansprüche auf Erstattung von Reisekosten erlöschen, wenn sie nicht innerhalb "
                "einer Ausschlussfrist von sechs Monaten nach Ende der Dienstreise geltend gemacht "
                "werden. Die Frist beginnt mit dem Tag nach der Rückkehr. In begründeten "
                "Ausnahme~fällen, z. B. bei längerer Krankheit, kann die Abteilung Finanzen die "
                "Frist verlängern.",
            ),
            (
                "p",
                "Die Auszahlung erfolgt mit der nächsten Gehalts~abrechnung, wenn die genehmigte "
                "Abrechnung bis zum 10. eines Monats in der Abteilung Finanzen vorliegt; später "
                "eingehende Abrechnungen werden im Folgemonat ausgezahlt. Erstattungen sind nach "
                "den Vorschriften des Einkommen~steuer~gesetzes steuerfrei, soweit sie die "
                "gesetzlichen Pauschalen nicht übersteigen. Übersteigende Beträge werden über die "
                "Lohnabrechnung versteuert.",
            ),
            ("h", "11 Firmenkreditkarte"),
            (
                "p",
                "Beschäftigte mit mindestens sechs Dienstreisen pro Jahr erhalten auf Antrag eine "
                "Firmen~kreditkarte mit einem Monatslimit von 3.000 Euro. Die Karte darf "
                "ausschließlich für dienstliche Ausgaben verwendet werden. Private Umsätze, auch "
                "versehentliche, sind unverzüglich der Reisestelle zu melden und werden mit dem "
                "nächsten Gehalt verrechnet. Bei Verlust ist die Karte sofort über die "
                "Sperr~hotline des Kartenanbieters sperren zu lassen. Die Karten~umsätze werden "
                "monatlich mit den in TravelDesk eingereichten Belegen abgeglichen; fehlende "
                "Belege sind innerhalb von 14 Tagen nach Aufforderung nachzureichen.",
            ),
            ("h", "12 Ansprechpartner und Inkrafttreten"),
            (
                "p",
                "Fragen zu dieser Richtlinie beantwortet die Reisestelle der Finanzabteilung, "
                "erreichbar per E-|Mail an reisestelle@hallberg-feinwerk.example oder telefonisch "
                "unter der Durchwahl 214. Ergänzende Auslegungs~hinweise und Formulare finden Sie "
                "im Intranet unter Finanzen > Reisen. Abweichungen von dieser Richtlinie sind nur "
                "mit schriftlicher Zustimmung der Leitung Finanzen und Controlling zulässig.",
            ),
            (
                "p",
                "Diese Richtlinie tritt am 1. Januar 2026 in Kraft. Sie wird spätestens nach zwei "
                "Jahren überprüft und bei Änderungen der steuerlichen Pauschalen entsprechend "
                "angepasst.",
            ),
            (
                "sig",
                [
                    "Reutlingen, 1. Dezember 2025",
                    "Dr. Annette Vogelsang, Geschäftsführerin",
                    "Jörg Pfleiderer, Leiter Finanzen und Controlling",
                ],
            ),
        ],
    ],
)

ARBEITSVERTRAG = Doc(
    filename="arbeitsvertrag.pdf",
    header="Sonnenfeld Logistik GmbH – Arbeitsvertrag Miriam Ostertag (Personalnummer 40718)",
    footer_left="Vertraulich · Personalakte 40718",
    title="Arbeitsvertrag Miriam Ostertag – Sonnenfeld Logistik GmbH",
    author="Sonnenfeld Logistik GmbH (fiktiv), Personalabteilung",
    subject="Unbefristeter Arbeitsvertrag: Probezeit, Arbeitszeit, Vergütung, Urlaub, mobiles "
    "Arbeiten, Kündigung",
    pages=[
        # ---------------------------------------------------------------- Seite 1
        [
            ("title", "Arbeitsvertrag"),
            (
                "p",
                "zwischen der Sonnenfeld Logistik GmbH, Hafenstraße 12, 68159 Mannheim, vertreten "
                "durch den Geschäftsführer Herrn Tobias Randegger, – nachfolgend „Arbeitgeberin“ "
                "genannt – und Frau Miriam Ostertag, geboren am 3. Mai 1994, wohnhaft in der "
                "Lindenallee 7, 69115 Heidelberg, – nachfolgend „Arbeitnehmerin“ genannt – wird "
                "folgender Arbeitsvertrag geschlossen:",
            ),
            ("h", "§ 1 Beginn des Arbeitsverhältnisses und Tätigkeit"),
            (
                "p",
                "(1) Das Arbeitsverhältnis beginnt am 1. April 2026 und wird auf unbestimmte Zeit "
                "geschlossen. Vor Beginn des Arbeitsverhältnisses ist eine ordentliche Kündigung "
                "ausgeschlossen.",
            ),
            (
                "p",
                "(2) Die Arbeitnehmerin wird als Disponentin im Bereich Kontrakt~logistik "
                "eingestellt. Zu ihren Aufgaben gehören insbesondere die Touren~planung für den "
                "Nahverkehr im Rhein-Neckar-Raum, die Abstimmung mit Sub~unternehmern sowie die "
                "Bearbeitung von Reklamationen. Die Einzelheiten ergeben sich aus der jeweils "
                "gültigen Stellen~beschreibung, die diesem Vertrag als Anlage 1 beigefügt ist.",
            ),
            (
                "p",
                "(3) Arbeitsort ist der Standort Mannheim-Rheinau. Die Arbeitgeberin behält sich "
                "vor, der Arbeitnehmerin im Rahmen des Zumutbaren auch andere gleichwertige "
                "Tätigkeiten zu übertragen oder sie vorübergehend an einem anderen Standort im "
                "Umkreis von 50 Kilometern einzusetzen, wenn betriebliche Gründe dies erfordern. "
                "Die berechtigten Interessen der Arbeitnehmerin, insbesondere familiäre "
                "Verpflichtungen, sind dabei angemessen zu berücksichtigen.",
            ),
            (
                "p",
                "(4) Die Arbeitnehmerin versichert, dass sie keinem Wettbewerbsverbot aus einem "
                "früheren Arbeitsverhältnis unterliegt, das der vereinbarten Tätigkeit "
                "entgegensteht.",
            ),
            ("h", "§ 2 Probezeit"),
            ("p", "(1) Die ersten sechs Monate des Arbeitsverhältnisses gelten als Probezeit."),
            (
                "p",
                "(2) Während der Probezeit kann das Arbeitsverhältnis von beiden Seiten mit einer "
                "Frist von zwei Wochen gekündigt werden. Die Kündigung ist auch noch am letzten "
                "Tag der Probezeit mit dieser verkürzten Frist möglich.",
            ),
            (
                "p",
                "(3) Vor Ablauf der Probezeit führt die Teamleitung mit der Arbeitnehmerin ein "
                "Feedback~gespräch, in dem die Einarbeitung ausgewertet und die Ziele für das "
                "erste Beschäftigungsjahr vereinbart werden.",
            ),
            ("h", "§ 3 Arbeitszeit"),
            (
                "p",
                "(1) Die regelmäßige wöchentliche Arbeitszeit beträgt 38,5 Stunden ohne Pausen. "
                "Sie verteilt sich in der Regel auf die Tage Montag bis Freitag.",
            ),
            (
                "p",
                "(2) Es gilt die Betriebs~vereinbarung zur gleitenden Arbeitszeit in ihrer jeweils "
                "gültigen Fassung. Die Kernarbeitszeit liegt derzeit montags bis donnerstags "
                "zwischen 9:30 Uhr und 14:30 Uhr sowie freitags zwischen 9:30 Uhr und 12:30 Uhr. "
                "Innerhalb des Gleitzeit~rahmens von 6:00 Uhr bis 20:00 Uhr kann die "
                "Arbeitnehmerin Beginn und Ende ihrer täglichen Arbeitszeit selbst festlegen, "
                "soweit betriebliche Belange nicht entgegenstehen. Die Erfassung der Arbeitszeit "
                "erfolgt über das elektronische Zeiterfassungs~system am Terminal im "
                "Eingangsbereich oder über die Zeiterfassungs-App. Wird keine Pause erfasst, zieht "
                "das System bei mehr als sechs Stunden Arbeitszeit automatisch 30 Minuten ab.",
            ),
        ],
        # ---------------------------------------------------------------- Seite 2
        [
            (
                "p",
                "(3) Die Arbeitnehmerin ist verpflichtet, im gesetzlich zulässigen Rahmen "
                "Mehrarbeit und Überstunden zu leisten, wenn dies aus dringenden betrieblichen "
                "Gründen erforderlich ist und rechtzeitig angekündigt wurde. Überstunden werden "
                "einem Arbeitszeitkonto gutgeschrieben. Das Guthaben auf dem Arbeitszeitkonto darf "
                "60 Stunden nicht überschreiten; darüber hinausgehende Stunden werden nur "
                "ausgezahlt, wenn sie vorher von der Abteilungs~leitung angeordnet wurden. Ein "
                "negativer Saldo von mehr als 20 Stunden ist innerhalb von drei Monaten "
                "auszugleichen.",
            ),
            (
                "p",
                "(4) Zu Zeiten besonders hohen Sendungs~aufkommens, insbesondere in den sechs "
                "Wochen vor Weihnachten, kann die Arbeitgeberin Samstagsarbeit anordnen. Jeder "
                "geleistete Samstag wird mit einem Zuschlag von 25 Prozent vergütet oder auf "
                "Wunsch der Arbeitnehmerin in Freizeit ausgeglichen. Die Anordnung erfolgt "
                "mindestens vier Tage im Voraus.",
            ),
            (
                "p",
                "(5) Wird die Arbeitnehmerin zur Frühdisposition eingeteilt, beginnt die "
                "Arbeitszeit abweichend vom Gleitzeitrahmen um 5:00 Uhr; für die Zeit vor 6:00 Uhr "
                "wird ein Zuschlag von 15 Prozent gezahlt.",
            ),
            ("h", "§ 4 Vergütung"),
            (
                "p",
                "(1) Die Arbeitnehmerin erhält ein monatliches Bruttogehalt von 3.850 Euro. Das "
                "Gehalt ist jeweils am letzten Bankarbeitstag eines Monats fällig und wird auf ein "
                "von der Arbeitnehmerin benanntes Konto überwiesen.",
            ),
            (
                "p",
                "(2) Zusätzlich zahlt die Arbeitgeberin ein Weihnachtsgeld in Höhe von 50 Prozent "
                "eines Bruttomonatsgehalts, das mit der Novemberabrechnung ausgezahlt wird. "
                "Voraussetzung ist, dass das Arbeitsverhältnis am 1. Dezember des jeweiligen "
                "Jahres ungekündigt besteht. Im Eintrittsjahr wird das Weihnachtsgeld anteilig für "
                "jeden vollen Beschäftigungs~monat gezahlt. Die Zahlung erfolgt freiwillig; auch "
                "bei wiederholter Gewährung entsteht kein Rechtsanspruch für die Zukunft.",
            ),
            (
                "p",
                "(3) Die Arbeitgeberin gewährt vermögens~wirksame Leistungen in Höhe von 40 Euro "
                "monatlich, sobald die Arbeitnehmerin einen entsprechenden Vertrag nachweist. "
                "Außerdem übernimmt sie 75 Prozent der Kosten eines Jobtickets für den "
                "Verkehrsverbund Rhein-Neckar. Fährt die Arbeitnehmerin mit dem Fahrrad zur "
                "Arbeit, steht ihr stattdessen ein Stellplatz in der überdachten Fahrrad~garage "
                "mit Lademöglichkeit zur Verfügung.",
            ),
            (
                "p",
                "(4) Die Vergütung wird jährlich im Oktober überprüft, erstmals im Oktober 2027. "
                "Ein Anspruch auf Erhöhung ergibt sich daraus nicht. Die Arbeitgeberin "
                "berücksichtigt bei der Überprüfung insbesondere die Ergebnisse des jährlichen "
                "Mitarbeiter~gesprächs, die Entwicklung der Lebens~haltungs~kosten und die "
                "wirtschaftliche Lage des Unternehmens.",
            ),
            (
                "p",
                "(5) Die Abtretung und die Verpfändung von Vergütungs~ansprüchen sind nur mit "
                "vorheriger schriftlicher Zustimmung der Arbeitgeberin zulässig. Für die "
                "Bearbeitung einer Lohnpfändung kann die Arbeitgeberin die gesetzlich zulässigen "
                "Kosten einbehalten.",
            ),
            (
                "p",
                "(6) Zahlungen, die ohne Rechtsgrund geleistet wurden, insbesondere Über~zahlungen "
                "aufgrund fehlerhafter Zeiterfassung, hat die Arbeitnehmerin zurückzuzahlen. Die "
                "Arbeitgeberin kann sie mit den nächsten Gehalts~zahlungen im Rahmen der "
                "Pfändungs~freigrenzen verrechnen.",
            ),
            (
                "p",
                "(7) Die Arbeitgeberin schließt zugunsten der Arbeitnehmerin eine "
                "Direkt~versicherung im Rahmen der betrieblichen Alters~versorgung ab und zahlt "
                "hierfür einen Arbeitgeber~beitrag von 60 Euro monatlich. Wandelt die "
                "Arbeitnehmerin zusätzlich Teile ihres Gehalts um, erhält sie einen Zuschuss von "
                "15 Prozent des umgewandelten Betrags.",
            ),
        ],
        # ---------------------------------------------------------------- Seite 3
        [
            ("h", "§ 5 Urlaub"),
            (
                "p",
                "(1) Die Arbeitnehmerin hat Anspruch auf 30 Arbeitstage Erholungsurlaub im "
                "Kalenderjahr, bezogen auf eine Fünftage~woche. Der gesetzliche Mindesturlaub nach "
                "dem Bundes~urlaubs~gesetz ist darin enthalten. Bei einer abweichenden Verteilung "
                "der Arbeitszeit wird der Anspruch entsprechend umgerechnet.",
            ),
            (
                "p",
                "(2) Im Eintritts- und im Austrittsjahr besteht für jeden vollen Monat des "
                "Arbeitsverhältnisses Anspruch auf ein Zwölftel des Jahresurlaubs. Bei der "
                "Berechnung wird zuerst der gesetzliche Mindesturlaub gewährt. Scheidet die "
                "Arbeitnehmerin in der zweiten Jahreshälfte aus, erhält sie mindestens den vollen "
                "gesetzlichen Mindesturlaub.",
            ),
            (
                "p",
                "(3) Der Urlaub ist möglichst zusammenhängend zu nehmen; mindestens ein "
                "Urlaubs~abschnitt soll zwei aufeinanderfolgende Wochen umfassen. Urlaubsanträge "
                "für die Sommermonate Juli und August sind bis zum 31. Januar des jeweiligen "
                "Jahres im Personalportal einzureichen, damit die Abwesenheiten im Team abgestimmt "
                "werden können. Über später eingehende Anträge entscheidet die Teamleitung nach "
                "Eingang.",
            ),
            (
                "p",
                "(4) Urlaub, der bis zum Jahresende nicht genommen wurde, verfällt grundsätzlich. "
                "Ist die Inanspruchnahme aus dringenden betrieblichen oder in der Person liegenden "
                "Gründen nicht möglich, wird der Resturlaub auf das Folgejahr übertragen und muss "
                "bis zum 31. März des Folgejahres genommen werden. Die Arbeitgeberin weist die "
                "Arbeitnehmerin rechtzeitig auf einen drohenden Verfall hin. Erkrankt die "
                "Arbeitnehmerin während des Urlaubs, werden die durch ärztliche Bescheinigung "
                "nachgewiesenen Tage der Arbeitsunfähigkeit nicht auf den Jahresurlaub "
                "angerechnet.",
            ),
            (
                "p",
                "(5) Für besondere persönliche Anlässe gewährt die Arbeitgeberin bezahlte "
                "Freistellung (Sonderurlaub) nach folgender Übersicht:",
            ),
            (
                "table",
                [0.72, 0.28],
                ["Anlass", "Freistellung"],
                [
                    [
                        "eigene Eheschließung oder Eintragung einer Lebenspartnerschaft",
                        "2 Arbeitstage",
                    ],
                    ["Niederkunft der Ehefrau oder Lebenspartnerin", "2 Arbeitstage"],
                    ["Tod des Ehepartners, eines Kindes oder eines Elternteils", "3 Arbeitstage"],
                    ["Umzug aus dienstlichem Anlass", "1 Arbeitstag"],
                    ["25-jähriges Dienstjubiläum", "1 Arbeitstag"],
                ],
            ),
            ("h", "§ 6 Arbeitsverhinderung und Krankheit"),
            (
                "p",
                "(1) Die Arbeitnehmerin ist verpflichtet, der Arbeitgeberin jede "
                "Arbeits~verhinderung und ihre voraussichtliche Dauer unverzüglich, möglichst vor "
                "Dienstbeginn, telefonisch oder per E-Mail an die Teamleitung mitzuteilen.",
            ),
            (
                "p",
                "(2) Dauert die Arbeitsunfähigkeit länger als einen Kalendertag, hat die "
                "Arbeitnehmerin sie ab dem zweiten Tag ärztlich feststellen zu lassen. Die "
                "Arbeitgeberin ruft die elektronische Arbeits~unfähigkeits~bescheinigung bei der "
                "Krankenkasse ab. Bei einer Erkrankung im Ausland ist zusätzlich die Adresse am "
                "Aufenthaltsort mitzuteilen.",
            ),
            (
                "p",
                "(3) Im Krankheitsfall wird das Gehalt nach den Vorschriften des "
                "Entgelt~fortzahlungs~gesetzes für die Dauer von bis zu sechs Wochen fortgezahlt. "
                "Für ärztlich verordnete Maßnahmen der medizinischen Vorsorge oder Rehabilitation "
                "gelten die Absätze 1 und 2 entsprechend.",
            ),
        ],
        # ---------------------------------------------------------------- Seite 4
        [
            ("h", "§ 7 Mobiles Arbeiten"),
            (
                "p",
                "(1) Die Arbeitnehmerin kann nach Abschluss der Einarbeitung bis zu zwei "
                "Arbeitstage pro Woche mobil arbeiten, in der Regel in ihrer Wohnung. Die Tage "
                "sind mit der Teamleitung mindestens eine Woche im Voraus abzustimmen. Ein "
                "Anspruch auf bestimmte Wochentage besteht nicht. Tage, an denen Schulungen, "
                "Inventuren oder Team~besprechungen vor Ort stattfinden, sind von mobiler Arbeit "
                "ausgenommen.",
            ),
            (
                "p",
                "(2) Die Arbeitgeberin stellt einen Laptop, ein Headset und ein Mobiltelefon zur "
                "Verfügung. Zur Abgeltung der Kosten für Strom und Internet zahlt sie für jeden "
                "Monat, in dem mindestens vier Tage mobil gearbeitet wurde, eine Pauschale von 20 "
                "Euro. Weitergehende Ansprüche auf Erstattung von Aufwendungen bestehen nicht.",
            ),
            (
                "p",
                "(3) Während der mobilen Arbeit gelten die Regeln zu Arbeitszeit und "
                "Erreichbarkeit wie im Betrieb. Vertrauliche Unterlagen sind so aufzubewahren, "
                "dass Dritte, auch Familien~angehörige, keinen Einblick nehmen können. Dienstliche "
                "Daten dürfen ausschließlich auf den von der Arbeitgeberin bereitgestellten "
                "Geräten gespeichert werden. Die Nutzung öffentlicher WLAN-Netze ist nur über die "
                "verschlüsselte VPN-Verbindung des Unternehmens gestattet.",
            ),
            (
                "p",
                "(4) Die Vereinbarung über mobiles Arbeiten kann von beiden Seiten mit einer "
                "Ankündigungs~frist von einem Monat zum Monatsende beendet werden, ohne dass der "
                "übrige Arbeitsvertrag davon berührt wird. Für Unfälle bei der mobilen Arbeit "
                "besteht der Schutz der gesetzlichen Unfall~versicherung im gleichen Umfang wie im "
                "Betrieb.",
            ),
            (
                "p",
                "(5) Die Arbeitnehmerin sorgt dafür, dass ihr Arbeitsplatz in der Wohnung den "
                "Anforderungen an Ergonomie und Arbeits~sicherheit genügt. Auf Wunsch stellt die "
                "Arbeitgeberin einen Monitor und eine Tastatur zur Verfügung; die Fachkraft für "
                "Arbeits~sicherheit berät bei der Einrichtung.",
            ),
            ("h", "§ 8 Nebentätigkeiten"),
            (
                "p",
                "Jede entgeltliche Nebentätigkeit bedarf der vorherigen schriftlichen Zustimmung "
                "der Arbeitgeberin. Die Zustimmung wird erteilt, wenn die Nebentätigkeit die "
                "Arbeitsleistung nicht beeinträchtigt, nicht für ein Wettbewerbs~unternehmen "
                "erfolgt und die Höchstgrenzen des Arbeits~zeit~gesetzes gewahrt bleiben. "
                "Ehrenamtliche Tätigkeiten, z. B. in einem Sportverein oder bei der Freiwilligen "
                "Feuerwehr, sind anzuzeigen, bedürfen aber keiner Zustimmung. Die Zustimmung kann "
                "widerrufen werden, wenn sich die Voraussetzungen nachträglich ändern. Eine "
                "Nebentätigkeit von mehr als zehn Stunden pro Woche ist in der Regel nicht "
                "zustimmungsfähig. Jede Änderung einer genehmigten Nebentätigkeit ist der "
                "Personal~abteilung mitzuteilen.",
            ),
            ("h", "§ 9 Verschwiegenheit und Datenschutz"),
            (
                "p",
                "(1) Die Arbeitnehmerin verpflichtet sich, über alle Betriebs- und "
                "Geschäfts~geheimnisse, insbesondere Kundenlisten, Frachtraten und "
                "Vertrags~konditionen, auch nach Beendigung des Arbeitsverhältnisses "
                "Stillschweigen zu bewahren. Dies gilt auch gegenüber Sub~unternehmern und anderen "
                "Kunden der Arbeitgeberin.",
            ),
            (
                "p",
                "(2) Die Arbeitnehmerin wird gesondert auf die Vertraulichkeit personen~bezogener "
                "Daten verpflichtet. Die Verpflichtungserklärung ist diesem Vertrag als Anlage 3 "
                "beigefügt.",
            ),
            (
                "p",
                "(3) Bei Beendigung des Arbeitsverhältnisses sind alle geschäftlichen Unterlagen, "
                "Dateien und Kopien vollständig herauszugeben; ein Zurück~behaltungs~recht besteht "
                "nicht.",
            ),
            ("h", "§ 10 Beendigung des Arbeitsverhältnisses"),
            ("p", "(1) Nach Ablauf der Probezeit gilt für beide Seiten eine Kündigungsfrist von"),
        ],
        # ---------------------------------------------------------------- Seite 5
        [
            (
                "pc",
                "drei Monaten zum Ende eines Kalender~vierteljahres. Verlängert sich die "
                "Kündigungsfrist für die Arbeitgeberin aufgrund gesetzlicher Vorschriften, "
                "insbesondere nach § 622 Abs. 2 BGB, so gilt die verlängerte Frist auch für eine "
                "Kündigung durch die Arbeitnehmerin.",
            ),
            (
                "p",
                "(2) Die Kündigung bedarf der Schriftform; eine Kündigung per E-Mail, Fax oder "
                "Messenger-Nachricht ist unwirksam.",
            ),
            (
                "p",
                "(3) Das Arbeitsverhältnis endet, ohne dass es einer Kündigung bedarf, spätestens "
                "mit Ablauf des Monats, in dem die Arbeitnehmerin die Regel~alters~grenze der "
                "gesetzlichen Renten~versicherung erreicht.",
            ),
            (
                "p",
                "(4) Nach Ausspruch einer Kündigung ist die Arbeitgeberin berechtigt, die "
                "Arbeitnehmerin unter Fortzahlung der Vergütung und unter Anrechnung noch offener "
                "Urlaubs~ansprüche von der Arbeitsleistung freizustellen. Bei Beendigung des "
                "Arbeitsverhältnisses sind sämtliche Arbeitsmittel, insbesondere Laptop, "
                "Mobiltelefon, Zugangskarte und Schlüssel, unaufgefordert zurückzugeben.",
            ),
            ("h", "§ 11 Ausschlussfristen"),
            (
                "p",
                "(1) Alle Ansprüche aus dem Arbeitsverhältnis verfallen, wenn sie nicht innerhalb "
                "von drei Monaten nach ihrer Fälligkeit in Textform gegenüber der anderen "
                "Vertragspartei geltend gemacht werden. Lehnt die andere Partei den Anspruch ab "
                "oder äußert sie sich nicht innerhalb von zwei Wochen, so verfällt er, wenn er "
                "nicht innerhalb von weiteren drei Monaten gerichtlich geltend gemacht wird.",
            ),
            (
                "p",
                "(2) Dies gilt nicht für Ansprüche auf den gesetzlichen Mindestlohn, für Ansprüche "
                "aus vorsätzlicher Pflichtverletzung sowie für Schadensersatz~ansprüche wegen "
                "Verletzung des Lebens, des Körpers oder der Gesundheit.",
            ),
            ("h", "§ 12 Schlussbestimmungen"),
            (
                "p",
                "(1) Änderungen und Ergänzungen dieses Vertrages bedürfen der Textform. Mündliche "
                "Nebenabreden bestehen nicht. Betriebliche Übungen begründen keinen Anspruch, "
                "soweit dieser Vertrag nichts anderes bestimmt.",
            ),
            (
                "p",
                "(2) Sollte eine Bestimmung dieses Vertrages unwirksam sein oder werden, bleibt "
                "die Wirksamkeit der übrigen Bestimmungen unberührt. An die Stelle der unwirksamen "
                "Bestimmung tritt die gesetzliche Regelung.",
            ),
            (
                "p",
                "(3) Die Arbeitnehmerin bestätigt, je eine Ausfertigung dieses Vertrages sowie der "
                "Anlagen 1 (Stellen~beschreibung), 2 (Betriebs~vereinbarung Gleitzeit) und 3 "
                "(Verpflichtung auf die Vertraulichkeit) erhalten zu haben.",
            ),
            (
                "sig",
                [
                    "Mannheim, den 12. Februar 2026",
                    "Tobias Randegger, Geschäftsführer, für die Sonnenfeld Logistik GmbH",
                    "Miriam Ostertag, Arbeitnehmerin",
                ],
            ),
        ],
    ],
)

WAERMEPUMPE = Doc(
    filename="bedienungsanleitung_waermepumpe.pdf",
    header="Kühnlein Haustechnik – Bedienungsanleitung Aerovia LW 9",
    footer_left="Dok.-Nr. KH-BA-0912 · 3. Auflage 02/2026",
    title="Bedienungsanleitung Luft-Wasser-Wärmepumpe Aerovia LW 9",
    author="Kühnlein Haustechnik GmbH (fiktiv), Technische Dokumentation",
    subject="Betrieb, Sicherheitshinweise, technische Daten, Wartung und Fehlercodes",
    ligatures=True,
    pages=[
        # ---------------------------------------------------------------- Seite 1
        [
            ("title", "Bedienungsanleitung Luft-Wasser-Wärmepumpe Aerovia LW 9"),
            (
                "sub",
                "Für Betreiberinnen und Betreiber · 3. Auflage, Februar 2026 · "
                "Originalbetriebsanleitung · Bitte vor Gebrauch vollständig lesen",
            ),
            ("h", "1 Zu dieser Anleitung"),
            (
                "p",
                "Diese Anleitung richtet sich an die Betreiber der Wärmepumpe, also an die "
                "Personen, die das Gerät im Alltag nutzen. Sie beschreibt die Bedienung am "
                "Innengerät, die Pflege, die regelmäßigen Kontrollen und das Verhalten bei "
                "Störungen. Installation, Inbetrieb~nahme und Reparaturen sind in der separaten "
                "Installations~anleitung beschrieben und dürfen nur von einem zugelassenen "
                "Fachbetrieb durchgeführt werden. Bewahren Sie diese Anleitung in der Nähe des "
                "Innengeräts auf und geben Sie sie bei einem Eigentümer~wechsel an die neuen "
                "Bewohner weiter.",
            ),
            (
                "p",
                "Die Warnhinweise in dieser Anleitung sind nach der Schwere der Gefahr abgestuft. "
                "GEFAHR kennzeichnet eine unmittelbar drohende Gefahr, die zu schweren "
                "Verletzungen oder zum Tod führt. WARNUNG weist auf eine mögliche Gefahr mit "
                "denselben Folgen hin. VORSICHT kennzeichnet Gefahren, die zu leichten "
                "Verletzungen führen können, und HINWEIS steht für mögliche Sachschäden oder "
                "nützliche Zusatz~informationen.",
            ),
            ("h", "2 Sicherheitshinweise"),
            (
                "p",
                "GEFAHR – Brennbares Kältemittel. Die Aerovia LW 9 arbeitet mit dem natürlichen "
                "Kältemittel R290 (Propan). Propan ist schwerer als Luft und kann bei einer "
                "Undichtigkeit zusammen mit Luft ein zündfähiges Gemisch bilden. Im Schutzbereich "
                "mit einem Radius von 1,5 Metern um das Außengerät dürfen sich keine Zündquellen "
                "befinden, z. B. offene Flammen, Grillgeräte, Steckdosen oder Lichtschalter. "
                "Ebenso dürfen in diesem Bereich keine Kellerschächte, Lichtschächte oder "
                "Bodenabläufe liegen, in denen sich ausgetretenes Gas sammeln könnte.",
            ),
            (
                "p",
                "Wenn Sie Gasgeruch in der Nähe des Außengeräts bemerken, betätigen Sie dort keine "
                "elektrischen Schalter und benutzen Sie kein Feuerzeug. Verlassen Sie den "
                "Schutzbereich, halten Sie andere Personen fern und informieren Sie den "
                "Kundendienst über die kostenfreie Notrufnummer 0800 5843 900.",
            ),
            (
                "p",
                "WARNUNG – Elektrische Spannung. Öffnen Sie niemals die Verkleidung des Innen- "
                "oder Außengeräts. Auch nach dem Abschalten können Kondensatoren im "
                "Frequenz~umrichter noch bis zu zehn Minuten gefährliche Spannung führen.",
            ),
            (
                "p",
                "VORSICHT – Heiße Oberflächen. Rohrleitungen des Heizkreises und des "
                "Warmwasser~speichers können Temperaturen über 60 °C erreichen. Das Gerät darf von "
                "Kindern ab 8 Jahren und von Personen mit eingeschränkten körperlichen oder "
                "geistigen Fähigkeiten nur unter Aufsicht bedient werden. Kinder dürfen nicht mit "
                "dem Gerät spielen; Reinigung und Pflege dürfen nicht von Kindern ohne Aufsicht "
                "durchgeführt werden.",
            ),
            (
                "p",
                "HINWEIS – Bestimmungsgemäße Verwendung. Die Wärmepumpe ist ausschließlich zur "
                "Beheizung von Wohngebäuden und zur Erwärmung von Trinkwasser in Verbindung mit "
                "einem geeigneten Speicher bestimmt. Luftansaugung und Luftauslass des Außengeräts "
                "dürfen nicht durch Hecken, Mülltonnen oder Brennholz verdeckt werden. Verändern "
                "Sie den Aufstellort nicht eigenmächtig; die Abstände zu Fenstern und "
                "Nachbar~grundstücken hat der Fachbetrieb bei der Planung festgelegt.",
            ),
        ],
        # ---------------------------------------------------------------- Seite 2
        [
            ("h", "3 Gerätebeschreibung"),
            (
                "p",
                "Die Aerovia LW 9 ist eine Luft-Wasser-Wärmepumpe in Monoblock-Bauweise. Das "
                "Außengerät enthält den vollständigen Kältekreis mit Verdichter, Verdampfer und "
                "Expansions~ventil; zum Innengerät führen nur wasserführende Leitungen. Das "
                "Innengerät enthält das Hydraulik~modul, die Regelung, einen elektrischen Heizstab "
                "als Reserve und das Bedienfeld. Die Wärmepumpe entzieht der Außenluft auch bei "
                "tiefen Temperaturen Wärme und gibt sie an den Heizkreis und an den "
                "Warmwasser~speicher ab. Der Einfluss der Außentemperatur auf die Effizienz ist "
                "erheblich: Je geringer der Unterschied zwischen Außenluft und Vorlauf, desto "
                "weniger Strom benötigt das Gerät.",
            ),
            (
                "p",
                "Das Bedienfeld besteht aus einem 4,3 Zoll großen Farbdisplay mit Touch~funktion "
                "und einem Drehknopf. Durch Drehen wählen Sie Menüpunkte aus, durch Drücken "
                "bestätigen Sie die Auswahl. Die Taste mit dem Haussymbol führt aus jedem Menü "
                "zurück zum Startbildschirm. Nach fünf Minuten ohne Eingabe wird die "
                "Display~beleuchtung gedimmt; nach 30 Minuten wird das Bedienfeld automatisch "
                "gesperrt. Zum Entsperren halten Sie den Drehknopf drei Sekunden lang gedrückt.",
            ),
            (
                "p",
                "Der Startbildschirm zeigt die Außentemperatur, die Vorlauftemperatur, die "
                "Speicher~temperatur und die aktive Betriebsart. Ein grünes Blattsymbol erscheint, "
                "solange die Wärmepumpe ausschließlich mit dem Verdichter heizt; ein "
                "orange~farbenes Flammensymbol zeigt an, dass der Heizstab zugeschaltet ist. Eine "
                "Schneeflocke bedeutet, dass gerade abgetaut wird. Während der Abtauung, die meist "
                "drei bis acht Minuten dauert, steht der Ventilator still.",
            ),
            ("h", "4 Technische Daten"),
            (
                "table",
                [0.6, 0.4],
                ["Merkmal", "Wert"],
                [
                    ["Heizleistung bei A7/W35", "9,2 kW"],
                    ["Leistungszahl (COP) bei A7/W35", "4,8"],
                    ["Maximale Vorlauftemperatur", "70 °C"],
                    ["Einsatzbereich Außentemperatur (Heizen)", "−25 °C bis +35 °C"],
                    ["Kältemittel / Füllmenge", "R290 / 0,9 kg"],
                    ["Schallleistungspegel Außengerät (Nennbetrieb)", "54 dB(A)"],
                    ["Schallleistungspegel Außengerät (Flüstermodus)", "50 dB(A)"],
                    ["Elektrischer Anschluss Verdichter", "400 V, dreiphasig, 50 Hz"],
                    ["Heizstab (Reserve)", "bis 6 kW in drei Stufen"],
                    ["Gewicht Außengerät", "118 kg"],
                    ["Abmessungen Außengerät (H × B × T)", "1.080 × 1.250 × 520 mm"],
                ],
            ),
            (
                "p",
                "Die angegebenen Werte wurden nach EN 14511 bzw. EN 12102 ermittelt. Im Betrieb "
                "können sie je nach Anlagen~hydraulik, Aufstellort und Witterung abweichen. Das "
                "Typenschild mit der Seriennummer befindet sich auf der rechten Seitenwand des "
                "Außengeräts, unten neben dem Kondensat~ablauf. Über die SG-Ready-Schnittstelle "
                "kann der Netzbetreiber oder ein Energie~manager die Wärmepumpe bei günstigem "
                "Strompreis in einen verstärkten Betrieb schalten.",
            ),
        ],
        # ---------------------------------------------------------------- Seite 3
        [
            ("h", "5 Bedienung"),
            ("h2", "5.1 Betriebsarten"),
            (
                "p",
                "Im Menü Betriebsart stehen fünf Betriebsarten zur Auswahl. Im Automatikbetrieb "
                "regelt die Wärmepumpe Heizung und Warmwasser nach den eingestellten "
                "Zeit~programmen und der Außentemperatur; diese Betriebsart ist für den Alltag "
                "empfohlen. Im Betrieb Nur Warmwasser bleibt die Heizung ausgeschaltet, etwa im "
                "Sommer. Die Betriebsart Urlaub senkt die Raumtemperatur für einen wählbaren "
                "Zeitraum auf 15 °C ab und setzt die Warmwasser~bereitung aus; der Frostschutz "
                "bleibt aktiv. Der Handbetrieb hält eine konstante Vorlauftemperatur und ist nur "
                "für den Fachbetrieb gedacht. Mit Standby wird das Gerät bis auf den Frostschutz "
                "abgeschaltet.",
            ),
            ("h2", "5.2 Heizkurve und Raumtemperatur"),
            (
                "p",
                "Die Vorlauftemperatur wird über eine Heizkurve an die Außentemperatur angepasst. "
                "Ist es Ihnen dauerhaft zu kühl oder zu warm, verschieben Sie die Heizkurve unter "
                "Einstellungen > Heizen > Parallel~verschiebung in Schritten von 1 K. Ändern Sie "
                "die Einstellung höchstens einmal am Tag und beobachten Sie die Wirkung mindestens "
                "24 Stunden lang, denn eine Fußboden~heizung reagiert sehr träge. Der werkseitige "
                "Fußpunkt der Heizkurve liegt bei 28 °C Vorlauftemperatur bei 20 °C "
                "Außentemperatur, die Steilheit beträgt 0,6. Bei Heizkörpern ist meist eine "
                "Steilheit zwischen 1,0 und 1,4 erforderlich. Steigt die gemittelte "
                "Außentemperatur über die werkseitige Heizgrenze von 16 °C, wechselt die Regelung "
                "automatisch in den Sommerbetrieb.",
            ),
            ("h2", "5.3 Warmwasser"),
            (
                "p",
                "Die Warmwasser~temperatur ist werkseitig auf 48 °C eingestellt. Höhere Werte sind "
                "möglich, senken aber die Effizienz deutlich. Zum Schutz vor Legionellen heizt die "
                "Wärmepumpe den Speicher jeden Mittwoch um 2:00 Uhr mithilfe des Heizstabs auf 62 "
                "°C auf. Diese Funktion sollte nur in Absprache mit dem Fachbetrieb verändert "
                "werden. Über die Taste Warmwasser-Boost können Sie einmalig eine Aufheizung "
                "außerhalb der Zeitprogramme starten, z. B. wenn Gäste im Haus sind.",
            ),
            ("h2", "5.4 Flüstermodus"),
            (
                "p",
                "Der Flüstermodus begrenzt die Drehzahl von Verdichter und Ventilator und senkt "
                "den Schallleistungs~pegel des Außengeräts um 4 dB. Werkseitig ist er täglich "
                "zwischen 22:00 Uhr und 6:00 Uhr aktiv. Bei sehr niedrigen Außentemperaturen kann "
                "die Heizleistung im Flüstermodus nicht ausreichen; der Heizstab schaltet sich "
                "dann bei Bedarf zu.",
            ),
            ("h2", "5.5 App und Fernzugriff"),
            (
                "p",
                "Mit der App Kühnlein Connect bedienen Sie die Wärmepumpe über das Smartphone. "
                "Dazu verbinden Sie das Innengerät über WLAN (2,4 GHz) mit Ihrem Heimnetz. Den "
                "Kopplungscode finden Sie im Menü Einstellungen > Netzwerk. Die App zeigt außerdem "
                "den Strom~verbrauch und die erzeugte Wärmemenge der letzten zwölf Monate an.",
            ),
            ("h2", "5.6 Nutzung von Solarstrom"),
            (
                "p",
                "Ist eine Photovoltaik~anlage mit Energiezähler angeschlossen, kann die Wärmepumpe "
                "überschüssigen Solarstrom nutzen. Meldet der Zähler einen Überschuss von "
                "mindestens 1,5 kW, erhöht die Regelung die Warmwasser~temperatur um bis zu 7 K "
                "und die Raumtemperatur um bis zu 1 K. Sie aktivieren die Funktion unter "
                "Einstellungen > Energie > PV-Überschuss.",
            ),
        ],
        # ---------------------------------------------------------------- Seite 4
        [
            ("h", "6 Pflege und Wartung"),
            (
                "p",
                "Eine regelmäßig gepflegte Wärmepumpe arbeitet effizienter und leiser. Einige "
                "Kontrollen können Sie selbst durchführen; alle Arbeiten am Kältekreis und an "
                "elektrischen Bauteilen sind dem Fachbetrieb vorbehalten. Schalten Sie das Gerät "
                "vor jeder Reinigung über das Bedienfeld in den Standby und warten Sie, bis der "
                "Ventilator vollständig stillsteht.",
            ),
            (
                "table",
                [0.55, 0.25, 0.2],
                ["Tätigkeit", "Intervall", "durch"],
                [
                    [
                        "Laub und Schmutz vom Verdampfer (Lamellen) entfernen",
                        "monatlich im Herbst",
                        "Betreiber",
                    ],
                    [
                        "Kondensatablauf auf freien Abfluss prüfen",
                        "vor jeder Heizperiode",
                        "Betreiber",
                    ],
                    [
                        "Anlagendruck am Manometer ablesen (Soll 1,5 bis 2,0 bar)",
                        "alle drei Monate",
                        "Betreiber",
                    ],
                    [
                        "Schmutzfilter im Heizungsrücklauf reinigen",
                        "jährlich",
                        "Betreiber oder Fachbetrieb",
                    ],
                    ["Sicherheitsventil des Speichers anlüften", "halbjährlich", "Betreiber"],
                    [
                        "Dichtheitsprüfung des Kältekreises und Inspektion",
                        "alle 24 Monate",
                        "Fachbetrieb",
                    ],
                ],
            ),
            (
                "p",
                "Reinigen Sie die Lamellen des Verdampfers nur mit einem weichen Handfeger oder "
                "mit einem schwachen Wasserstrahl aus dem Gartenschlauch. Verwenden Sie keinen "
                "Hochdruckreiniger, da die dünnen Aluminium~lamellen sehr leicht verbiegen. "
                "Verbogene Lamellen verringern den Luftdurchsatz und damit die Leistung. Die "
                "Oberfläche der Verkleidung reinigen Sie mit einem feuchten Tuch ohne scheuernde "
                "Mittel.",
            ),
            (
                "p",
                "Im Winter muss das Außengerät frei von Schnee bleiben. Halten Sie an der Ansaug- "
                "und an der Ausblasseite einen Bereich von mindestens 30 Zentimetern schneefrei. "
                "Die Wärmepumpe taut ihren Verdampfer regelmäßig automatisch ab; dabei kann "
                "kurzzeitig eine Dampfwolke entstehen, das ist normal. Eisbildung am Boden unter "
                "dem Gerät weist dagegen auf einen verstopften Kondensatablauf hin.",
            ),
            (
                "p",
                "Sinkt der Anlagendruck unter 1,0 bar, füllen Sie Heizwasser nach oder beauftragen "
                "Sie den Fachbetrieb. Verwenden Sie dafür den mitgelieferten Füllschlauch mit "
                "Systemtrenner; schließen Sie das Heizsystem niemals direkt an die "
                "Trinkwasser~leitung an. Ein häufiger Druckverlust, d. h. mehr als 0,3 bar "
                "innerhalb eines Monats, deutet auf eine Undichtigkeit oder ein defektes "
                "Ausdehnungs~gefäß hin.",
            ),
            (
                "p",
                "HINWEIS: Die Wartungs~meldung W05 erscheint automatisch ca. 23 Monate nach der "
                "letzten quittierten Inspektion. Sie können die Meldung für 30 Tage zurückstellen, "
                "aber nicht dauerhaft ausblenden. Bei der Inspektion prüft der Fachbetrieb den "
                "Kältekreis mit einem Gaswarngerät auf Dichtheit, kontrolliert die elektrischen "
                "Anschlüsse, reinigt den Verdampfer und liest die Betriebsdaten aus. Das Ergebnis "
                "wird im Kundenportal dokumentiert.",
            ),
            (
                "p",
                "Schalten Sie die Wärmepumpe bei längerer Abwesenheit im Winter nicht aus, sondern "
                "wählen Sie die Betriebsart Urlaub, damit der Frostschutz aktiv bleibt. Nach einem "
                "Stromausfall startet das Gerät selbstständig mit einer Verzögerung von bis zu "
                "fünf Minuten.",
            ),
            (
                "p",
                "Kontrollieren Sie bei der Sichtprüfung auch die Rohr~isolierung zwischen "
                "Außengerät und Hauswand. Beschädigte oder von Vögeln angepickte Isolierung führt "
                "zu Wärmeverlusten und im Winter zu Eis an den Leitungen; lassen Sie sie vom "
                "Fachbetrieb erneuern.",
            ),
        ],
        # ---------------------------------------------------------------- Seite 5
        [
            ("h", "7 Störungen und Fehlercodes"),
            (
                "p",
                "Bei einer Störung zeigt das Display einen Fehlercode mit einem roten Dreieck an. "
                "Codes mit dem Buchstaben E bezeichnen Störungen, bei denen der Verdichter "
                "abgeschaltet wird; Codes mit W sind Warnungen, der Betrieb läuft eingeschränkt "
                "weiter. Viele Störungen lassen sich durch einen Neustart beheben: Schalten Sie "
                "die Wärmepumpe dazu über das Menü aus, warten Sie zwei Minuten und schalten Sie "
                "sie wieder ein. Tritt derselbe Fehler innerhalb von 24 Stunden erneut auf, "
                "verständigen Sie den Kundendienst.",
            ),
            (
                "table",
                [0.1, 0.42, 0.48],
                ["Code", "Bedeutung", "Was Sie tun können"],
                [
                    [
                        "E01",
                        "Hochdruckstörung im Kältekreis",
                        "Heizkreisventile öffnen, Schmutzfilter prüfen, Neustart",
                    ],
                    [
                        "E04",
                        "Niederdruckstörung",
                        "Verdampfer von Laub und Schnee befreien, Neustart",
                    ],
                    [
                        "E12",
                        "Außentemperaturfühler defekt",
                        "Kundendienst rufen; Notbetrieb mit Heizstab läuft",
                    ],
                    [
                        "E17",
                        "Durchfluss im Heizkreis zu gering",
                        "Anlagendruck prüfen, Thermostatventile öffnen",
                    ],
                    [
                        "E23",
                        "Kommunikationsfehler Innengerät/Außengerät",
                        "Sicherungen prüfen, Kundendienst rufen",
                    ],
                    [
                        "E31",
                        "Abtauung mehrfach fehlgeschlagen",
                        "Eis entfernen lassen, Kondensatablauf prüfen",
                    ],
                    ["W05", "Wartung fällig", "Termin mit dem Fachbetrieb vereinbaren"],
                    ["W09", "Anlagendruck unter 1,0 bar", "Heizwasser nachfüllen"],
                ],
            ),
            ("h", "8 Kundendienst und Garantie"),
            (
                "p",
                "Der Kundendienst der Kühnlein Haustechnik GmbH ist montags bis freitags von 7:00 "
                "bis 18:00 Uhr unter 0800 5843 900 erreichbar; außerhalb dieser Zeiten ist eine "
                "Notruf~bereitschaft geschaltet. Halten Sie bei einem Anruf die Seriennummer "
                "bereit; sie beginnt mit den Buchstaben KH und steht auf dem Typenschild. Anfragen "
                "können Sie auch per E-Mail an service@kuehnlein-haustechnik.example richten.",
            ),
            (
                "p",
                "Kühnlein gewährt eine Herstellergarantie von fünf Jahren auf das Außengerät und "
                "von zwei Jahren auf das Innengerät, wenn die Wärmepumpe innerhalb von drei "
                "Monaten nach der Inbetriebnahme im Kundenportal registriert wird und die "
                "vorgeschriebenen Inspektionen nachweislich durchgeführt werden. Auf den "
                "Verdichter gilt unter denselben Bedingungen eine verlängerte Garantie von zehn "
                "Jahren.",
            ),
            ("h", "9 Entsorgung"),
            (
                "p",
                "Das Gerät enthält wiederverwertbare Werkstoffe und brennbares Kältemittel. Es "
                "darf nicht über den Hausmüll oder den Sperrmüll entsorgt werden. Die Rücknahme "
                "erfolgt über Ihren Fachbetrieb, der das Kältemittel fachgerecht absaugt. Die "
                "Verpackung aus Holz, Pappe und Folie können Sie über die örtliche "
                "Wertstoff~sammlung entsorgen.",
            ),
        ],
    ],
)

BIBLIOTHEK = Doc(
    filename="gebuehrenordnung_stadtbibliothek.pdf",
    header="Stadt Falkenried – Satzung über die Benutzung der Stadtbibliothek und die Gebühren",
    footer_left="Amtsblatt der Stadt Falkenried Nr. 47/2025",
    title="Bibliothekssatzung der Stadt Falkenried (Benutzungs- und Gebührenordnung)",
    author="Stadt Falkenried (fiktiv), Kulturamt – Stadtbibliothek",
    subject="Anmeldung, Leihfristen, Vormerkung, Haftung, Gebührenverzeichnis, Datenschutz",
    pages=[
        # ---------------------------------------------------------------- Seite 1
        [
            (
                "title",
                "Satzung über die Benutzung der Stadtbibliothek Falkenried und die Erhebung von "
                "Gebühren (Bibliothekssatzung)",
            ),
            (
                "sub",
                "Beschlossen vom Gemeinderat am 18. November 2025 · veröffentlicht im Amtsblatt "
                "Nr. 47/2025",
            ),
            (
                "p",
                "Aufgrund von § 4 der Gemeindeordnung für Baden-Württemberg sowie der §§ 2 und 13 "
                "des Kommunal~abgaben~gesetzes hat der Gemeinderat der Stadt Falkenried am 18. "
                "November 2025 folgende Satzung beschlossen:",
            ),
            ("h", "§ 1 Aufgaben und Benutzungsverhältnis"),
            (
                "p",
                "(1) Die Stadtbibliothek Falkenried ist eine öffentliche Einrichtung der Stadt "
                "Falkenried. Sie dient der allgemeinen Bildung, der Information, der "
                "Lese~förderung und der Freizeit~gestaltung.",
            ),
            (
                "p",
                "(2) Jede Person ist im Rahmen dieser Satzung berechtigt, die Stadtbibliothek zu "
                "benutzen. Die Nutzung der Räume, das Lesen vor Ort und die Teilnahme an den "
                "offenen Veranstaltungen sind ohne Bibliotheksausweis möglich und gebührenfrei.",
            ),
            (
                "p",
                "(3) Zwischen der Stadtbibliothek und ihren Nutzerinnen und Nutzern wird ein "
                "öffentlich-rechtliches Benutzungs~verhältnis begründet.",
            ),
            ("h", "§ 2 Anmeldung und Bibliotheksausweis"),
            (
                "p",
                "(1) Für die Ausleihe von Medien ist ein Bibliotheksausweis erforderlich. Bei der "
                "Anmeldung ist ein gültiger Personalausweis oder ein Reisepass zusammen mit einer "
                "Melde~bescheinigung vorzulegen. Mit ihrer Unterschrift erkennen die Nutzerinnen "
                "und Nutzer diese Satzung an.",
            ),
            (
                "p",
                "(2) Kinder und Jugendliche unter 16 Jahren benötigen für die Anmeldung die "
                "schriftliche Einwilligung einer erziehungs~berechtigten Person. Diese "
                "verpflichtet sich zugleich zur Haftung für Schäden und zur Zahlung anfallender "
                "Gebühren.",
            ),
            (
                "p",
                "(3) Der Bibliotheksausweis ist nicht übertragbar und bleibt Eigentum der Stadt. "
                "Sein Verlust sowie Änderungen des Namens oder der Anschrift sind unverzüglich "
                "anzuzeigen. Für Schäden, die durch den Missbrauch eines verlorenen Ausweises "
                "entstehen, haftet die eingetragene Person bis zum Eingang der Verlustmeldung.",
            ),
            ("h", "§ 3 Ausleihe und Leihfristen"),
            (
                "p",
                "(1) Medien werden für die in Absatz 2 genannten Fristen ausgeliehen. Je "
                "Bibliotheksausweis dürfen höchstens 30 Medien gleichzeitig entliehen werden, "
                "davon höchstens fünf Konsolenspiele.",
            ),
            (
                "p",
                "(2) Die Leihfrist beträgt für Bücher, Hörbücher und Noten vier Wochen, für "
                "Zeitschriften und Gesellschafts~spiele zwei Wochen sowie für DVDs, Blu-ray-Discs "
                "und Konsolenspiele eine Woche.",
            ),
            (
                "p",
                "(3) Die Leihfrist kann vor ihrem Ablauf höchstens zweimal um die jeweils gleiche "
                "Dauer verlängert werden, sofern das Medium nicht von einer anderen Person "
                "vorgemerkt ist. Die Verlängerung ist am Ausleihschalter, telefonisch oder im "
                "Online-Konto möglich. Wer eine E-|Mail-Adresse hinterlegt hat, wird drei Tage vor "
                "Ablauf der Leihfrist benachrichtigt; ein Anspruch auf diese Erinnerung besteht "
                "nicht.",
            ),
        ],
        # ---------------------------------------------------------------- Seite 2
        [
            ("h", "§ 4 Vormerkungen und Fernleihe"),
            (
                "p",
                "(1) Entliehene Medien können vorgemerkt werden. Für jede Vormerkung wird eine "
                "Gebühr nach § 9 Nr. 9 erhoben. Die Bibliothek benachrichtigt die vormerkende "
                "Person, sobald das Medium bereitliegt. Medien, die nicht innerhalb von sieben "
                "Öffnungstagen abgeholt werden, gehen an die nächste vormerkende Person oder "
                "zurück in den Bestand.",
            ),
            (
                "p",
                "(2) Medien, die nicht im Bestand vorhanden sind, können über den Leihverkehr aus "
                "anderen Bibliotheken beschafft werden (Fernleihe). Leihfrist und "
                "Benutzungs~bedingungen legt die gebende Bibliothek fest; eine Verlängerung ist "
                "nur mit deren Zustimmung möglich.",
            ),
            ("h", "§ 5 Digitale Angebote und Internetplätze"),
            (
                "p",
                "(1) Inhaberinnen und Inhaber eines gültigen Bibliotheksausweises können die "
                "digitale Ausleihe eBib Falkenried nutzen. E-Books und E-Audios werden für 14 Tage "
                "bereitgestellt und sind nach Ablauf der Frist automatisch nicht mehr nutzbar; "
                "Versäumnis~gebühren fallen daher nicht an.",
            ),
            (
                "p",
                "(2) Die öffentlichen Internet~arbeitsplätze dürfen je Person und Tag bis zu zwei "
                "Stunden genutzt werden. Das Aufrufen von Inhalten, die gegen Strafgesetze oder "
                "den Jugendschutz verstoßen, ist untersagt. Ausdrucke sind nach § 9 Nr. 13 "
                "gebührenpflichtig.",
            ),
            ("h", "§ 6 Behandlung der Medien und Haftung"),
            (
                "p",
                "(1) Die Medien sind sorgfältig zu behandeln und vor Veränderung, Beschmutzung und "
                "Beschädigung zu schützen. Notizen, Unterstreichungen oder Markierungen sind nicht "
                "gestattet.",
            ),
            (
                "p",
                "(2) Vor jeder Ausleihe ist der Zustand der Medien zu prüfen; erkennbare Mängel "
                "sind dem Personal sofort mitzuteilen. Andernfalls wird vermutet, dass die Medien "
                "in einwandfreiem Zustand übergeben wurden.",
            ),
            (
                "p",
                "(3) Für verlorene oder beschädigte Medien ist Schadensersatz zu leisten. Die Höhe "
                "bemisst sich nach dem Wieder~beschaffungs~wert; zusätzlich wird eine "
                "Bearbeitungs~gebühr nach § 9 Nr. 12 erhoben. Die Bibliothek kann verlangen, dass "
                "ein gleichwertiges Ersatz~exemplar beschafft wird.",
            ),
            (
                "p",
                "(4) Die Stadt haftet nicht für Schäden, die durch die Nutzung entliehener "
                "Datenträger an Geräten der Nutzerinnen und Nutzer entstehen.",
            ),
            ("h", "§ 7 Verhalten in der Bibliothek"),
            (
                "p",
                "(1) Jede Person hat sich in den Räumen der Bibliothek so zu verhalten, dass "
                "andere nicht gestört werden. Essen ist nur im Lesecafé im Erdgeschoss erlaubt; "
                "Getränke in verschließbaren Flaschen dürfen mitgebracht werden. Tiere dürfen "
                "nicht mitgebracht werden; ausgenommen sind Assistenzhunde.",
            ),
            (
                "p",
                "(2) Taschen und Rucksäcke, die größer als das Format DIN A4 sind, werden in den "
                "Schließfächern im Eingangsbereich abgelegt. Das Pfand für ein Schließfach beträgt "
                "1 Euro.",
            ),
            (
                "p",
                "(3) Das Hausrecht übt die Leitung der Stadtbibliothek oder eine von ihr "
                "beauftragte Person aus.",
            ),
            ("h", "§ 8 Gebührenpflicht"),
            (
                "p",
                "(1) Für die Benutzung der Stadtbibliothek werden Gebühren nach § 9 erhoben. "
                "Gebührenschuldner ist, wer die Leistung in Anspruch nimmt; bei Minderjährigen "
                "haften die Erziehungs~berechtigten als Gesamtschuldner. (2) Die Gebühren "
                "entstehen mit der Inanspruchnahme der Leistung und werden sofort fällig.",
            ),
        ],
        # ---------------------------------------------------------------- Seite 3
        [
            ("h", "§ 9 Gebührenverzeichnis"),
            ("p", "(1) Für die Leistungen der Stadtbibliothek werden folgende Gebühren erhoben:"),
            (
                "table",
                [0.08, 0.6, 0.32],
                ["Nr.", "Leistung", "Gebühr"],
                [
                    ["1", "Jahresgebühr für Erwachsene", "18,00 Euro"],
                    [
                        "2",
                        "Jahresgebühr ermäßigt (Schülerinnen und Schüler ab 18 Jahren, "
                        "Studierende, Auszubildende, Inhaber des Falkenried-Passes)",
                        "9,00 Euro",
                    ],
                    [
                        "3",
                        "Kinder und Jugendliche bis zur Vollendung des 18. Lebensjahres",
                        "gebührenfrei",
                    ],
                    ["4", "Familienausweis (zwei Erwachsene mit ihren Kindern)", "27,00 Euro"],
                    [
                        "5",
                        "Versäumnisgebühr je Medium und Öffnungstag nach Ablauf der Leihfrist",
                        "0,20 Euro, höchstens 10,00 Euro je Medium",
                    ],
                    ["6", "erste schriftliche Mahnung", "2,00 Euro"],
                    ["7", "zweite schriftliche Mahnung", "4,00 Euro"],
                    ["8", "dritte Mahnung mit Postzustellungsurkunde", "8,00 Euro"],
                    ["9", "Vormerkung je Medium", "1,00 Euro"],
                    ["10", "Fernleihe je bestellter Titel", "2,50 Euro"],
                    ["11", "Ersatz eines verlorenen Bibliotheksausweises", "3,00 Euro"],
                    [
                        "12",
                        "Bearbeitungsgebühr bei Verlust oder Beschädigung eines Mediums",
                        "5,00 Euro",
                    ],
                    [
                        "13",
                        "Ausdruck oder Kopie DIN A4, schwarz-weiß bzw. farbig",
                        "0,10 Euro bzw. 0,50 Euro",
                    ],
                ],
            ),
            (
                "p",
                "(2) Die Jahresgebühr gilt für zwölf Monate ab dem Tag der Zahlung. Bei einer "
                "Kündigung des Benutzungs~verhältnisses vor Ablauf dieses Zeitraums wird die "
                "Jahresgebühr weder ganz noch anteilig erstattet.",
            ),
            (
                "p",
                "(3) Versäumnisgebühren nach Nr. 5 werden auch dann erhoben, wenn keine Mahnung "
                "verschickt wurde. Tage, an denen die Bibliothek geschlossen ist, werden nicht "
                "mitgezählt. Die Mahngebühren nach Nr. 6 bis 8 werden zusätzlich zu den "
                "Versäumnisgebühren erhoben. Auf Medien, die mit einem Institutions~ausweis nach § "
                "10 Abs. 2 entliehen wurden, werden keine Versäumnis~gebühren erhoben.",
            ),
            (
                "p",
                "(4) Für Veranstaltungen der Stadtbibliothek, z. B. Autorenlesungen oder "
                "Workshops, kann die Bibliotheks~leitung Eintrittsentgelte festsetzen, die nicht "
                "Gegenstand dieser Satzung sind.",
            ),
            (
                "p",
                "(5) Gebühren können bar, mit Girocard oder am Kassen~automaten im Foyer bezahlt "
                "werden. Die Jahresgebühren nach Nr. 1, 2 und 4 werden bei der Anmeldung und "
                "danach jeweils bei der Verlängerung des Ausweises fällig.",
            ),
            (
                "p",
                "(6) Für den Verlust eines Schließfach~schlüssels wird der tatsächlich entstandene "
                "Aufwand, mindestens jedoch 15 Euro, in Rechnung gestellt.",
            ),
            (
                "p",
                "(7) Die Gebührensätze werden spätestens alle fünf Jahre überprüft und bei Bedarf "
                "durch Beschluss des Gemeinderats angepasst.",
            ),
            (
                "p",
                "(8) Für die Geräte im Makerspace, z. B. den 3D-Drucker oder den Schneideplotter, "
                "wird ein Material~entgelt nach Verbrauch erhoben; die aktuellen Preise hängen im "
                "Makerspace aus.",
            ),
        ],
        # ---------------------------------------------------------------- Seite 4
        [
            ("h", "§ 10 Befreiung von der Jahresgebühr"),
            (
                "p",
                "(1) Von der Jahresgebühr befreit sind Vorlesepatinnen und Vorlesepaten, die "
                "ehrenamtlich für die Stadtbibliothek tätig sind, sowie Inhaberinnen und Inhaber "
                "der Ehrenamtskarte des Landes.",
            ),
            (
                "p",
                "(2) Schulen, Kindertagesstätten und andere Bildungs~einrichtungen mit Sitz in "
                "Falkenried erhalten auf Antrag einen gebührenfreien Institutions~ausweis. Die "
                "Leihfrist für Medien, die auf diesen Ausweis entliehen werden, beträgt sechs "
                "Wochen.",
            ),
            (
                "p",
                "(3) Im Übrigen können Gebühren im Einzelfall ganz oder teilweise erlassen werden, "
                "wenn ihre Erhebung nach Lage des Einzelfalls unbillig wäre.",
            ),
            ("h", "§ 11 Ausschluss von der Benutzung"),
            (
                "p",
                "(1) Wer gegen diese Satzung schwerwiegend oder wiederholt verstößt, kann ganz "
                "oder teilweise, dauernd oder befristet von der Benutzung ausgeschlossen werden.",
            ),
            (
                "p",
                "(2) Solange Gebühren oder Schadensersatz von mehr als 25 Euro offen sind, ist die "
                "Ausleihe gesperrt; Medien können dann auch nicht verlängert werden.",
            ),
            (
                "p",
                "(3) Rückstände werden nach den Vorschriften des "
                "Landes~verwaltungs~vollstreckungs~gesetzes beigetrieben.",
            ),
            ("h", "§ 12 Datenschutz"),
            (
                "p",
                "(1) Die Stadtbibliothek erhebt und speichert die für die Benutzung erforderlichen "
                "personen~bezogenen Daten, insbesondere Name, Anschrift, Geburtsdatum und, soweit "
                "angegeben, E-Mail-Adresse und Telefonnummer.",
            ),
            (
                "p",
                "(2) Angaben darüber, welche Medien entliehen wurden, werden zwei Wochen nach der "
                "Rückgabe gelöscht, sofern keine Gebühren oder Schadensersatz~forderungen offen "
                "sind.",
            ),
            (
                "p",
                "(3) Die Daten des Benutzungs~verhältnisses werden gelöscht, wenn der "
                "Bibliotheksausweis zwei Jahre lang nicht genutzt wurde und keine Forderungen mehr "
                "bestehen.",
            ),
            ("h", "§ 13 Inkrafttreten"),
            (
                "p",
                "(1) Diese Satzung tritt am 1. Januar 2026 in Kraft. (2) Gleichzeitig tritt die "
                "Benutzungs- und Gebührenordnung der Stadtbibliothek Falkenried vom 7. Juli 2014 "
                "außer Kraft.",
            ),
            (
                "p",
                "Hinweis: Verstöße gegen Verfahrensvorschriften der Gemeindeordnung für "
                "Baden-|Württemberg beim Zustandekommen dieser Satzung können nur innerhalb eines "
                "Jahres nach der Bekanntmachung schriftlich und unter Angabe des Sachverhalts "
                "gegenüber der Stadt Falkenried geltend gemacht werden; danach gilt die Satzung "
                "als von Anfang an wirksam zustande gekommen.",
            ),
            ("sig", ["Falkenried, den 19. November 2025", "Sabine Hollerbach, Bürgermeisterin"]),
        ],
    ],
)

DOCUMENTS = [REISEKOSTEN, ARBEITSVERTRAG, WAERMEPUMPE, BIBLIOTHEK]

if __name__ == "__main__":
    sys.exit(main())
