"""Small German DOCX, ODT, HTML, e-mail and table-PDF files written by the tests."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

# --------------------------------------------------------------------------- DOCX


def make_docx(path: Path) -> Path:
    """Travel rules of a fictional works council: numbered headings, a table, umlauts, ß,
    and a header/footer whose text must not be ingested."""
    import docx

    d = docx.Document()
    section = d.sections[0]
    section.header.paragraphs[0].text = "KOPFZEILE Wendelin Gießerei vertraulich"
    section.footer.paragraphs[0].text = "FUSSZEILE Seite 1"
    d.add_heading("Betriebsvereinbarung Dienstreisen der Wendelin Gießerei", level=0)
    d.add_paragraph("Diese Vereinbarung schließen Geschäftsführung und Betriebsrat der "
                    "Wendelin Gießerei in Lüdenscheid.")
    d.add_heading("1 Geltungsbereich", level=1)
    d.add_paragraph("Sie gilt für alle Beschäftigten, die außerhalb des Werks tätig werden.")
    d.add_paragraph("Auszubildende sind eingeschlossen, sofern die Reise der Ausbildung dient.")
    d.add_heading("2 Pauschalen", level=1)
    d.add_heading("2.1 Verpflegung", level=2)
    d.add_paragraph("Für Verpflegung gelten die folgenden Sätze.")
    d.add_paragraph("Belege für Mahlzeiten müssen nicht eingereicht werden.")
    d.add_paragraph("Die Sätze werden jährlich überprüft.")
    d.add_paragraph("Über Ausnahmen entscheidet die Personalabteilung.")
    table = d.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ["", "Inland", "Ausland"], strict=True):
        cell.text = text
    for row in (["Tagegeld", "28 Euro", "laut BMF-Tabelle"],
                ["Übernachtungsgeld", "20 Euro", "laut BMF-Tabelle"],
                ["Frühstücksabzug", "5,60 Euro", "20 Prozent des Tagegelds"]):
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    d.add_heading("2.2 Fahrtkosten", level=2)
    d.add_paragraph("Wer den eigenen Pkw nutzt, erhält 0,30 Euro je gefahrenem Kilometer.")
    d.save(str(path))
    return path


# --------------------------------------------------------------------------- ODT


def make_odt(path: Path) -> Path:
    """A tenancy addendum with a cost table (header row declared as such)."""
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableHeaderRows, TableRow
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Nachtrag zum Mietvertrag Bärenstraße 7"))
    doc.text.addElement(P(text="Zwischen der Vermieterin Jördis Haßler und dem Mieter Ömer "
                               "Kötter wird folgender Nachtrag geschlossen."))
    doc.text.addElement(H(outlinelevel=1, text="§ 1 Stellplatz"))
    doc.text.addElement(P(text="Der Mieter mietet zusätzlich den Tiefgaragenstellplatz Nr. 14."))
    doc.text.addElement(H(outlinelevel=1, text="§ 2 Monatliche Beträge"))
    doc.text.addElement(P(text="Die monatlichen Beträge ändern sich wie folgt."))
    table = Table(name="Betraege")
    table.addElement(TableColumn(numbercolumnsrepeated=3))

    def row(cells: list[str]) -> TableRow:
        r = TableRow()
        for text in cells:
            c = TableCell()
            c.addElement(P(text=text))
            r.addElement(c)
        return r

    head = TableHeaderRows()
    head.addElement(row(["Posten", "Bisher", "Neu"]))
    table.addElement(head)
    table.addElement(row(["Grundmiete", "712 Euro", "712 Euro"]))
    table.addElement(row(["Stellplatzmiete", "0 Euro", "65 Euro"]))
    table.addElement(row(["Nebenkostenvorauszahlung", "180 Euro", "195 Euro"]))
    doc.text.addElement(table)
    doc.text.addElement(H(outlinelevel=1, text="§ 3 Schlussbestimmungen"))
    doc.text.addElement(P(text="Alle übrigen Regelungen des Mietvertrags gelten unverändert."))
    doc.save(str(path))
    return path


# --------------------------------------------------------------------------- HTML

HTML = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Bürgeramt Grünwaldau</title>
<link rel="stylesheet" href="https://example.invalid/style.css">
<script src="https://example.invalid/tracker.js"></script></head>
<body>
<nav><ul><li><a href="/">Startseite</a></li><li><a href="/rathaus">Rathaus</a></li>
<li><a href="/impressum">Impressum</a></li><li><a href="/login">Anmelden</a></li></ul></nav>
<main><article>
<h1>Bürgeramt Grünwaldau</h1>
<p>Das Bürgeramt im Erdgeschoß des Rathauses ist die erste Anlaufstelle für Pässe,
Ausweise und Meldeangelegenheiten.</p>
<h2>1 Öffnungszeiten</h2>
<p>Termine können telefonisch oder online vereinbart werden; ohne Termin ist mit
Wartezeiten zu rechnen.</p>
<table><thead><tr><th>Wochentag</th><th>Vormittag</th><th>Nachmittag</th></tr></thead>
<tbody>
<tr><td>Montag</td><td>8 bis 12 Uhr</td><td>geschlossen</td></tr>
<tr><td>Donnerstag</td><td>8 bis 12 Uhr</td><td>14 bis 18 Uhr</td></tr>
<tr><td>Freitag</td><td>7 bis 11 Uhr</td><td>geschlossen</td></tr>
</tbody></table>
<h2>2 Gebühren</h2>
<p>Ein Personalausweis für Personen ab 24 Jahren kostet 37 Euro; die Gebühr ist bei
Antragstellung zu zahlen.</p>
</article></main>
<footer><p>© 2026 Gemeinde Grünwaldau · Datenschutz · Barrierefreiheit · Kontakt</p></footer>
<img src="https://example.invalid/pixel.gif">
</body></html>
"""


def make_html(path: Path) -> Path:
    path.write_text(HTML, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- e-mail


def make_eml(path: Path, attachment: tuple[str, bytes, str, str]) -> Path:
    """A mail with a plain body and one attachment ``(name, bytes, maintype, subtype)``."""
    msg = EmailMessage()
    msg["From"] = "Hildegard Strauß <h.strauss@verein.example>"
    msg["To"] = "Vorstand <vorstand@verein.example>"
    msg["Subject"] = "Einladung zum Sommerfest am Mühlenteich"
    msg["Date"] = "Mon, 01 Jun 2026 09:30:00 +0200"
    msg.set_content(
        "Liebe Vorstandsmitglieder,\n\n"
        "das Sommerfest des Heimatvereins findet am 27. Juni ab 15 Uhr am Mühlenteich "
        "statt. Für Grillgut sorgt die Fleischerei Bößenecker.\n\n"
        "Das Programm mit allen Zeiten hängt an. Bitte gebt bis zum 20. Juni Bescheid, "
        "wer beim Aufbau hilft.\n\n"
        "Viele Grüße\nHildegard\n")
    name, data, maintype, subtype = attachment
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    path.write_bytes(msg.as_bytes())
    return path


def programme_docx() -> bytes:
    """The attachment: a programme table in a DOCX."""
    import docx

    d = docx.Document()
    d.add_heading("Programm Sommerfest", level=1)
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Uhrzeit"
    table.rows[0].cells[1].text = "Programmpunkt"
    for time, what in (("15 Uhr", "Begrüßung durch den Bürgermeister"),
                       ("16 Uhr", "Entenrennen auf dem Mühlenteich"),
                       ("19 Uhr", "Tanz mit der Kapelle Blechschaden")):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = time, what
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- bombs

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>
"""


def _rezip(src: Path, dst: Path, replace: dict[str, bytes], extra: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info)))
        for name, data in extra.items():
            zout.writestr(name, data)
    return dst


def make_xml_bomb_docx(path: Path, tmp: Path) -> Path:
    """A DOCX whose main part is the billion-laughs XML bomb."""
    good = make_docx(tmp / "vorlage.docx")
    return _rezip(good, path, {"word/document.xml": BILLION_LAUGHS}, {})


def make_zip_bomb_docx(path: Path, tmp: Path, unpacked_mb: int) -> Path:
    """A DOCX with an extra member of ``unpacked_mb`` MB of zeros (a few KB packed)."""
    good = make_docx(tmp / "vorlage2.docx")
    return _rezip(good, path, {}, {"word/media/fuellung.bin": bytes(unpacked_mb * 2**20)})


# --------------------------------------------------------------------------- PDF table


def make_table_pdf(path: Path) -> Path:
    """A ruled fee table that starts on page 1 and continues on page 2 without repeating
    its header row; prose before and after it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    story = [Paragraph("Gebührenverzeichnis der Musikschule Hölzlberg", styles["Title"]),
             Paragraph("Die folgenden Entgelte gelten ab dem 1. September 2026 für alle "
                       "Unterrichtsfächer der Musikschule.", styles["BodyText"]),
             Spacer(1, 320)]
    rows = [["Fach", "Einzelunterricht", "Gruppenunterricht"]]
    instruments = ["Klavier", "Violine", "Gitarre", "Querflöte", "Schlagzeug", "Cello",
                   "Trompete", "Saxophon", "Akkordeon", "Gesang", "Harfe", "Posaune",
                   "Klarinette", "Kontrabass", "Blockflöte", "Orgel", "Mandoline", "Zither",
                   "Oboe", "Fagott", "Tuba", "Hackbrett", "Ukulele", "Bratsche"]
    for i, name in enumerate(instruments):
        rows.append([name, f"{60 + i} Euro im Monat", f"{30 + i} Euro im Monat"])
    table = Table(rows, repeatRows=0, colWidths=[120, 150, 150])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, (0, 0, 0)),
                               ("FONTNAME", (0, 0), (-1, -1), "Helvetica")]))
    story += [table, Spacer(1, 12),
              Paragraph("Geschwister erhalten eine Ermäßigung von zehn Prozent.",
                        styles["BodyText"])]
    SimpleDocTemplate(str(path), pagesize=A4, invariant=1,
                      title="Gebührenverzeichnis").build(story)
    return path
