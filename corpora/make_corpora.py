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
page of every fact is fixed by the ``[[page]]`` tables of the source files.

The texts live in ``corpora/sources/``, one TOML file per PDF: ``NAME.toml``
renders ``NAME.pdf``, and every ``*.toml`` there is rendered (in name order).
They are data for this script, not demo documents; their suffix keeps ingest
(``.pdf``, ``.txt``, ``.md``) from picking them up when ``corpora/`` is scanned.
A source file looks like this::

    header = "..."        # running header on every page
    footer_left = "..."   # footer text left of "Seite X von Y"
    title = "..."         # PDF metadata: title, author, subject
    author = "..."
    subject = "..."
    ligatures = true      # optional (default false): "fi", "fl" as U+FB01, U+FB02

    [[page]]              # one per PDF page, in order

    [[page.block]]        # one per block, holding a single key: the block's kind
    h = "1 Geltungsbereich"

    [[page.block]]
    p = "Diese Richtlinie regelt ..."

Block kinds:

* ``title`` (large bold title), ``sub`` (small grey line under the title),
  ``h`` / ``h2`` (section / sub-section heading), ``p`` (paragraph), ``pc``
  (paragraph continuing from the previous page, no gap): a string;
* ``ul`` (bullet list), ``sig`` (signature block, one string per line): a list
  of strings;
* ``table``: a table with ``widths`` (column widths as fractions of the text
  width), ``header`` (list of strings) and ``rows`` (list of lists of strings),
  written as ``table.widths = [...]`` etc.;
* ``gap``: vertical space in points.

Line breaks and runs of white space inside a string count as one space (the
script breaks lines itself), so long texts are written as multi-line strings
wrapped at any space; a source line break never goes inside a word, e.g. next
to a ``~`` or ``|``.

Markup inside texts:

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
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"

FONT_DIRS = [
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/local/share/fonts",
    "/Library/Fonts",
]
FONT_FILES = {"Body": "DejaVuSans.ttf", "Bold": "DejaVuSans-Bold.ttf"}

# Build environment of the committed PDFs: the byte-for-byte comparison in
# tests/unit/corpora/test_corpora.py only applies when these match the local environment.
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


# Blocks as loaded from the source files (see the module docstring):
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


# ---------------------------------------------------------------------------
# Source files (corpora/sources/*.toml)
# ---------------------------------------------------------------------------

TEXT_KINDS = ("title", "sub", "h", "h2", "p", "pc")
LIST_KINDS = ("ul", "sig")
DOC_KEYS = {"header", "footer_left", "title", "author", "subject"}


class SourceError(ValueError):
    pass


def fold(s: str) -> str:
    """Line breaks and runs of white space in a source string count as one space."""
    return " ".join(s.split())


def _text(value, where: str) -> str:
    if not isinstance(value, str):
        raise SourceError(f"{where}: expected a string, got {value!r}")
    return fold(value)


def _texts(value, where: str) -> list[str]:
    if not isinstance(value, list):
        raise SourceError(f"{where}: expected a list of strings, got {value!r}")
    return [_text(v, where) for v in value]


def parse_block(raw: dict, where: str) -> tuple:
    if len(raw) != 1:
        raise SourceError(f"{where}: a block holds exactly one key (its kind), got {sorted(raw)}")
    ((kind, value),) = raw.items()
    where = f"{where} ({kind})"
    if kind in TEXT_KINDS:
        return (kind, _text(value, where))
    if kind in LIST_KINDS:
        return (kind, _texts(value, where))
    if kind == "table":
        if not isinstance(value, dict) or set(value) != {"widths", "header", "rows"}:
            raise SourceError(f"{where}: a table needs exactly widths, header and rows")
        widths, header = value["widths"], _texts(value["header"], where)
        if not isinstance(widths, list) or len(widths) != len(header):
            raise SourceError(f"{where}: widths must list one fraction per header column")
        if not all(isinstance(w, (int, float)) and not isinstance(w, bool) for w in widths):
            raise SourceError(f"{where}: widths must be numbers, got {widths!r}")
        if not isinstance(value["rows"], list):
            raise SourceError(f"{where}: rows must be a list of rows")
        rows = []
        for row in value["rows"]:
            cells = _texts(row, where)
            if len(cells) != len(header):
                raise SourceError(f"{where}: row {cells!r} does not have {len(header)} cells")
            rows.append(cells)
        return (kind, widths, header, rows)
    if kind == "gap":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise SourceError(f"{where}: gap must be a number of points, got {value!r}")
        return (kind, value)
    raise SourceError(f"{where}: unknown block kind")


def load_doc(path: Path) -> Doc:
    """One document from its source file; ``NAME.toml`` renders ``NAME.pdf``."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise SourceError(f"{path}: {e}") from None
    unknown = set(data) - DOC_KEYS - {"ligatures", "page"}
    if unknown:
        raise SourceError(f"{path}: unknown keys {sorted(unknown)}")
    missing = DOC_KEYS - set(data)
    if missing:
        raise SourceError(f"{path}: missing keys {sorted(missing)}")
    ligatures = data.get("ligatures", False)
    if not isinstance(ligatures, bool):
        raise SourceError(f"{path}: ligatures must be true or false")
    pages = []
    for no, page in enumerate(data.get("page", []), start=1):
        if set(page) - {"block"}:
            raise SourceError(f"{path} page {no}: only [[page.block]] tables belong in a page")
        blocks = page.get("block", [])
        where = f"{path.name} page {no} block"
        pages.append([parse_block(b, f"{where} {i}") for i, b in enumerate(blocks, start=1)])
    if not pages:
        raise SourceError(f"{path}: no [[page]]")
    return Doc(
        filename=path.stem + ".pdf",
        pages=pages,
        ligatures=ligatures,
        **{k: _text(data[k], f"{path.name}: {k}") for k in sorted(DOC_KEYS)},
    )


def load_documents(folder: Path = SOURCES) -> list[Doc]:
    paths = sorted(folder.glob("*.toml"))
    if not paths:
        raise SourceError(f"no source files (*.toml) in {folder}")
    return [load_doc(p) for p in paths]


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
    for doc in load_documents():
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


if __name__ == "__main__":
    sys.exit(main())
