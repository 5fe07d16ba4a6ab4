"""Read files into pages of raw text, with clear errors for bad files.

.pdf, .txt and .md here; DOCX, ODT, HTML and e-mail in ingest.formats (cited by section,
not page), PDF tables in ingest.formats.pdf_tables.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import unicodedata
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from charset_normalizer import from_bytes
from pypdf import PageObject, PasswordType, PdfReader
from pypdf.errors import DependencyError
from pypdf.generic import IndirectObject, NullObject

from ingest.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedPdfError,
    IngestError,
    LimitExceededError,
    NoTextLayerError,
    UnsafeNameError,
    UnsupportedFileError,
    format_page_ranges,
)
from ingest.formats import eml as eml_format
from ingest.formats.docx import docx_blocks
from ingest.formats.html import html_blocks
from ingest.formats.odt import odt_blocks
from ingest.formats.pdf_tables import TableFinder, has_rulings
from ingest.images import IMAGE_SUFFIXES, load_image_pages, sniff_image
from ingest.ocr import OcrOptions, ocr_pdf_pages
from rag.types import LoadedDocument, PageText

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".pdf", ".txt", ".md", ".docx", ".odt", ".html", ".htm", ".eml",
                      *IMAGE_SUFFIXES)
MAX_NAME_CHARS = 200

# ---------------------------------------------------------------------------------------
# file names
# ---------------------------------------------------------------------------------------

_WINDOWS_UNSAFE = re.compile(r'[<>:"|?*]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT")
                                                     for i in range(1, 10)}


def sanitize_source_name(name: str) -> str:
    """Return a safe display/citation name for an uploaded or local file name.

    The result is the final path component only, URL-decoded, NFC-normalised, without
    control or format characters, never ``.``/``..`` and never containing a separator.
    Raises UnsafeNameError when nothing usable is left.
    """
    raw = name
    # Decode a few times: double-encoded names ("%252F") must not smuggle a separator through.
    for _ in range(3):
        decoded = urllib.parse.unquote(name)
        if decoded == name:
            break
        name = decoded
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = _WINDOWS_UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name)
    name = re.sub(r"\.{2,}", ".", name)
    # Leading dots would hide the file; trailing dots/spaces are dropped by Windows anyway.
    name = name.strip(" .")
    if not name:
        shown = "".join(ch if ch.isprintable() else "?" for ch in raw)[:80] or "(leer)"
        raise UnsafeNameError(
            raw, "Dateiname ist leer oder unzulässig", "file name is empty or unsafe", name=shown
        )
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    if stem.upper() in _WINDOWS_RESERVED:
        name = "_" + name
    if len(name) > MAX_NAME_CHARS:
        keep = f".{suffix}" if suffix and len(suffix) <= 10 else ""
        name = name[: MAX_NAME_CHARS - len(keep)].rstrip(" .") + keep
    return name


# ---------------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------------


def load_file(
    path: Path,
    *,
    max_file_mb: int = 200,
    max_pages: int = 2000,
    pdf_password: str | None = None,
    source: str | None = None,
    max_unpacked_mb: int = 500,
    attachment: str | None = None,
    ocr: OcrOptions | None = None,
) -> LoadedDocument:
    """Read one file into pages of raw text.

    ``source`` is the name shown to users (e.g. the upload's name when ``path`` is a temp
    file); it is sanitised and its suffix decides the file type (an image named .pdf is
    read as the image it is). ``attachment`` names an attachment of the e-mail ``path``
    (one of its ``LoadedDocument.attachments``): that attachment is read instead, shown as
    "brief.eml › anhang.pdf". ``ocr``: how scanned pages and images are read (OCR).
    """
    path = Path(path)
    display = sanitize_source_name(source if source is not None else path.name)
    if attachment is not None:
        mail = display.split(eml_format.SEPARATOR)[0]
        data = _read_limited(path, max_file_mb, mail)
        inner = eml_format.attachment_bytes(data, attachment, path=path, name=mail,
                                            sanitize=sanitize_source_name)
        shown = eml_format.attachment_source(mail, attachment)
        if not inner:
            raise EmptyFileError(path, name=shown)
        return _load_bytes(inner, Path(attachment).suffix.lower(), path=path, name=shown,
                           max_pages=max_pages, pdf_password=pdf_password,
                           max_unpacked_mb=max_unpacked_mb, nested=True, ocr=ocr)
    suffix = Path(display).suffix.lower() or path.suffix.lower()
    _check_suffix(suffix, path, display)
    data = _read_limited(path, max_file_mb, display)
    return _load_bytes(data, suffix, path=path, name=display, max_pages=max_pages,
                       pdf_password=pdf_password, max_unpacked_mb=max_unpacked_mb, ocr=ocr)


def mail_attachments(path: Path, *, max_file_mb: int = 200) -> list[str]:
    """Names of the attachments of the e-mail ``path`` (each is ingested on its own with
    ``load_file(path, attachment=name)``); [] for other files or an unreadable mail, whose
    error the mail's own ingest reports."""
    path = Path(path)
    if path.suffix.lower() != ".eml":
        return []
    try:
        data = _read_limited(path, max_file_mb, path.name)
        msg = eml_format.parse(data, path=path, name=path.name)
        return _readable(eml_format.attachment_names(msg, sanitize_source_name))
    except IngestError:
        return []


def _readable(attachments: list[str]) -> list[str]:
    return [a for a in attachments if Path(a).suffix.lower() in SUPPORTED_SUFFIXES]


def _check_suffix(suffix: str, path: Path, name: str) -> None:
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(ohne Endung)"
        allowed = ", ".join(SUPPORTED_SUFFIXES)
        raise UnsupportedFileError(
            path,
            f"Dateityp {shown} wird nicht unterstützt; erlaubt sind {allowed}",
            f"file type {suffix or '(none)'} not supported; allowed: {allowed}",
            name=name,
        )


def _load_bytes(
    data: bytes, suffix: str, *, path: Path, name: str, max_pages: int,
    pdf_password: str | None, max_unpacked_mb: int, nested: bool = False,
    ocr: OcrOptions | None = None,
) -> LoadedDocument:
    _check_suffix(suffix, path, name)
    sha = hashlib.sha256(data).hexdigest()
    warnings: list[str] = []
    attachments: list[str] = []
    ocr = ocr or OcrOptions()
    image = sniff_image(data) if suffix in (".pdf", *IMAGE_SUFFIXES) else None
    if image is not None:
        pages = load_image_pages(data, ocr, path=path, name=name, max_pages=max_pages,
                                 warnings=warnings, kind=image, renamed=suffix == ".pdf")
    elif suffix in IMAGE_SUFFIXES:
        raise CorruptFileError(path, "keine Bilddatei (PNG, JPEG oder TIFF)",
                               "not an image file (PNG, JPEG or TIFF)", name=name)
    elif suffix == ".pdf":
        pages = list(
            _pdf_pages(data, path=path, name=name, max_pages=max_pages,
                       pdf_password=pdf_password, warnings=warnings, textless_ok=True)
        )
        pages = ocr_pdf_pages(data, pages, ocr, path=path, name=name, warnings=warnings)
    elif suffix == ".docx":
        pages = docx_blocks(data, path=path, name=name, max_unpacked_mb=max_unpacked_mb)
    elif suffix == ".odt":
        pages = odt_blocks(data, path=path, name=name, max_unpacked_mb=max_unpacked_mb)
    elif suffix in (".html", ".htm"):
        pages = html_blocks(data, path=path, name=name)
    elif suffix == ".eml":
        pages, attachments = eml_format.eml_blocks(data, path=path, name=name,
                                                   sanitize=sanitize_source_name)
        if nested and attachments:  # a forwarded mail's own attachments: not followed
            warnings.append(f"Anhänge der angehängten E-Mail nicht gelesen: "
                            f"{', '.join(attachments)} (attachments of an attached e-mail "
                            "are not read)")
            attachments = []
        skipped = [a for a in attachments if a not in _readable(attachments)]
        if skipped:  # logos, spreadsheets: the mail itself still counts
            warnings.append(f"Anhänge übersprungen, Dateityp nicht unterstützt: "
                            f"{', '.join(skipped)} (attachments skipped: file type not "
                            "supported)")
            attachments = _readable(attachments)
    else:
        pages = [PageText(1, _text_file(data, path=path, name=name, warnings=warnings))]
    return LoadedDocument(path=path, source=name, sha256=sha, pages=pages, warnings=warnings,
                          attachments=attachments)


def iter_pdf_pages(
    path: Path,
    *,
    max_file_mb: int = 200,
    max_pages: int = 2000,
    pdf_password: str | None = None,
    source: str | None = None,
    warnings: list[str] | None = None,
) -> Iterator[PageText]:
    """Yield a PDF's pages one at a time so callers need not hold all page texts.

    Unreadable pages are skipped; warnings about them are appended to ``warnings`` when the
    iteration finishes. NoTextLayerError is raised at the end if no page had any text.
    """
    path = Path(path)
    name = sanitize_source_name(source if source is not None else path.name)
    data = _read_limited(path, max_file_mb, name)
    yield from _pdf_pages(data, path=path, name=name, max_pages=max_pages,
                          pdf_password=pdf_password,
                          warnings=warnings if warnings is not None else [])


def _read_limited(path: Path, max_file_mb: int, name: str) -> bytes:
    try:
        if not path.is_file():
            raise IngestError(path, "Datei nicht gefunden", "file not found", name=name)
        size = path.stat().st_size
        if size == 0:
            raise EmptyFileError(path, name=name)
        if size > max_file_mb * 1024 * 1024:
            raise LimitExceededError(
                path,
                f"Datei ist {size / 2**20:.1f} MB groß; erlaubt sind höchstens {max_file_mb} MB",
                f"file is {size / 2**20:.1f} MB; at most {max_file_mb} MB allowed",
                name=name,
            )
        return path.read_bytes()
    except OSError as exc:
        raise IngestError(path, "Datei nicht lesbar", f"file not readable: {exc.strerror}",
                          name=name) from exc


# ---------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------

_MAGIC = [
    (b"\x89PNG", "PNG-Bild", "PNG image"),
    (b"\xff\xd8\xff", "JPEG-Bild", "JPEG image"),
    (b"GIF8", "GIF-Bild", "GIF image"),
    (b"PK\x03\x04", "ZIP-Archiv, z. B. Word/Excel", "ZIP archive, e.g. Word/Excel"),
    (b"\xd0\xcf\x11\xe0", "altes Office-Dokument", "legacy Office document"),
    (b"{\\rtf", "RTF-Dokument", "RTF document"),
]

_CATALOG = re.compile(rb"(\d+)\s+(\d+)\s+obj\s*<<(?:(?!endobj).){0,4000}?/Type\s*/Catalog", re.S)
_STARTXREF = re.compile(rb"startxref\s+\d+")


def _pdf_pages(
    data: bytes,
    *,
    path: Path,
    name: str,
    max_pages: int,
    pdf_password: str | None,
    warnings: list[str],
    textless_ok: bool = False,
) -> Iterator[PageText]:
    """``textless_ok``: pages without text are the caller's (OCR's) to report."""
    _check_pdf_header(data, path, name)
    reader, repaired = _open_reader(data, path, name)
    _decrypt(reader, pdf_password, path, name)
    try:
        n = len(reader.pages)
    except Exception as exc:
        raise CorruptFileError(path, "PDF-Seitenbaum ist beschädigt", "PDF page tree is broken",
                               name=name) from exc
    if n == 0:
        raise EmptyFileError(path, "PDF hat keine Seiten", "PDF has no pages", name=name)
    if n > max_pages:
        raise LimitExceededError(
            path,
            f"PDF hat {n} Seiten; erlaubt sind höchstens {max_pages}",
            f"PDF has {n} pages; at most {max_pages} allowed",
            name=name,
        )
    if repaired:
        warnings.append(
            "PDF war beschädigt (abgeschnitten?) und wurde teilweise wiederhergestellt "
            "(PDF was damaged (truncated?) and partly recovered)"
        )
    failed: list[int] = []
    empty: list[int] = []
    tables = TableFinder(data, pdf_password)
    for i in range(n):
        number = i + 1
        try:
            page = reader.pages[i]
            if _content_missing(page):
                failed.append(number)
                continue
            text = _extract_page_text(page)
            if _draws_rulings(page):
                text = tables.page_text(number) or text
        except Exception as exc:  # pypdf raises many kinds on damaged objects
            log.debug("page %d of %s unreadable: %s", number, name, exc)
            failed.append(number)
            continue
        if not text.strip():
            empty.append(number)
        yield PageText(number, text)
    if len(failed) == n:
        raise CorruptFileError(path, "keine Seite des PDFs ist lesbar", "no page of the PDF is "
                               "readable", name=name)
    if len(failed) + len(empty) == n and not textless_ok:
        raise NoTextLayerError(path, name=name)
    if failed:
        warnings.append(
            f"Seiten {format_page_ranges(failed)} nicht lesbar und übersprungen "
            f"(pages {format_page_ranges(failed)} unreadable, skipped)"
        )
    if empty and not textless_ok:
        warnings.append(
            f"Seiten {format_page_ranges(empty)} ohne Textebene; OCR nötig "
            f"(pages {format_page_ranges(empty)} have no text layer; OCR needed)"
        )


def _check_pdf_header(data: bytes, path: Path, name: str) -> None:
    # The spec allows junk before the header; readers accept it within the first KiB.
    if b"%PDF-" in data[:1024]:
        return
    for magic, de, en in _MAGIC:
        if data.startswith(magic):
            raise CorruptFileError(path, f"keine PDF-Datei, sondern {de}",
                                   f"not a PDF file but {en}", name=name)
    raise CorruptFileError(path, "keine PDF-Datei", "not a PDF file", name=name)


def _try_open(blob: bytes) -> PdfReader:
    reader = PdfReader(io.BytesIO(blob), strict=False)
    if not reader.is_encrypted:
        len(reader.pages)  # walks the page tree; broken trees fail here, not later
    return reader


def _open_reader(data: bytes, path: Path, name: str) -> tuple[PdfReader, bool]:
    """Open the PDF; on failure try to repair a truncated end. Returns (reader, repaired)."""
    try:
        return _try_open(data), False
    except Exception as first:
        for blob in _repair_candidates(data):
            try:
                return _try_open(blob), True
            except Exception:
                continue
        raise CorruptFileError(path, "PDF ist beschädigt oder abgeschnitten",
                               "PDF is damaged or truncated", name=name) from first


def _repair_candidates(data: bytes) -> Iterator[bytes]:
    # Cut inside the trailer: keep everything up to the last "startxref N" and close it.
    tail_start = max(0, len(data) - 4096)
    xrefs = list(_STARTXREF.finditer(data, tail_start))
    if xrefs:
        yield data[: xrefs[-1].end()] + b"\n%%EOF\n"
    # Cut earlier: point a fresh trailer at the catalog; "startxref 0" makes pypdf rebuild
    # the xref table by scanning for objects, so every complete page object is found.
    catalogs = list(_CATALOG.finditer(data))
    if catalogs:
        num, gen = catalogs[-1].group(1), catalogs[-1].group(2)
        yield data + b"\ntrailer\n<< /Root %s %s R >>\nstartxref\n0\n%%%%EOF\n" % (num, gen)


def _decrypt(reader: PdfReader, password: str | None, path: Path, name: str) -> None:
    if not reader.is_encrypted:
        return
    try:
        # Many PDFs are "encrypted" only with an owner password and open with "".
        if reader.decrypt("") != PasswordType.NOT_DECRYPTED:
            return
        if password and reader.decrypt(password) != PasswordType.NOT_DECRYPTED:
            return
    except DependencyError as exc:
        raise EncryptedPdfError(
            path,
            "PDF ist mit AES verschlüsselt; zum Entschlüsseln fehlt das Paket 'cryptography'",
            "PDF is AES-encrypted; the 'cryptography' package is needed to decrypt it",
            name=name,
        ) from exc
    except Exception as exc:
        raise EncryptedPdfError(
            path, "PDF-Verschlüsselung wird nicht unterstützt", "PDF encryption not supported",
            name=name,
        ) from exc
    if password:
        raise EncryptedPdfError(path, "PDF ist verschlüsselt; Passwort ist falsch",
                                "PDF is encrypted; wrong password", name=name)
    raise EncryptedPdfError(path, name=name)


def _content_missing(page: PageObject) -> bool:
    """True when the page refers to a content stream that is not in the file (truncated)."""
    ref = page.get("/Contents")
    if not isinstance(ref, IndirectObject):
        return False
    obj = ref.get_object()
    return obj is None or isinstance(obj, NullObject)


def _draws_rulings(page: PageObject) -> bool:
    try:
        contents = page.get_contents()
        return contents is not None and has_rulings(contents.get_data())
    except Exception:  # noqa: BLE001 - no table search then; the text stays
        return False


def _extract_page_text(page: PageObject) -> str:
    # Layout mode keeps table rows on one line (cells separated by runs of spaces), which
    # cleanup uses; plain mode puts every cell on its own line. Layout mode interleaves the
    # lines of multi-column pages, so such pages fall back to plain (content-stream order).
    try:
        text = page.extract_text(extraction_mode="layout")
    except Exception:
        return page.extract_text(extraction_mode="plain")
    if looks_multicolumn(text):
        return page.extract_text(extraction_mode="plain")
    return text




def looks_multicolumn(text: str) -> bool:
    """Heuristic on layout-mode text: many lines with prose on both sides of a wide gap."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) < 3:
        return False
    columnar = 0
    for ln in lines:
        parts = re.split(r"\s{3,}", ln)
        if sum(1 for p in parts if len(p.split()) >= 4) >= 2:
            columnar += 1
    return columnar >= 3 and columnar >= 0.25 * len(lines)


# ---------------------------------------------------------------------------------------
# text files
# ---------------------------------------------------------------------------------------

_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
]
_GERMAN = set("äöüÄÖÜß")
_EXPECTED_NON_ASCII = _GERMAN | set("€„“”‚‘’–—…°§«»·•×éèàç²³µ½")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode text file bytes; returns (text, encoding). Raises ValueError for binary data.

    Order: BOM, strict UTF-8, UTF-16/32 without BOM (charset-normalizer), then the legacy
    8-bit encoding whose result looks most like German text (cp1252 wins ties).
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            text = data.decode(enc, errors="replace")
            return text.removeprefix("\ufeff"), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        best = from_bytes(data).best()
        if best is not None and best.encoding.startswith(("utf_16", "utf_32")):
            return str(best), best.encoding
        raise ValueError("binary data")
    candidates: list[tuple[str, str]] = [
        ("cp1252", data.decode("cp1252", errors="replace")),
        ("cp850", data.decode("cp850")),
        ("mac_roman", data.decode("mac_roman")),
        ("utf-8", data.decode("utf-8", errors="replace")),
    ]
    best = from_bytes(data).best()
    if best is not None and best.encoding not in {c for c, _ in candidates}:
        candidates.append((best.encoding, str(best)))
    scored = [(_german_score(text), -i, enc, text) for i, (enc, text) in enumerate(candidates)]
    score, _, enc, text = max(scored)
    return text, enc


def _german_score(text: str) -> float:
    score = 0.0
    for i, ch in enumerate(text):
        if ch.isascii():
            if ch < " " and ch not in "\t\n\r\f":
                score -= 3
        elif ch in _GERMAN:
            # Umlauts sit inside words; a lone "Ä" between spaces is likely a mis-decoded symbol.
            inside = text[i - 1 : i].isalpha() or text[i + 1 : i + 2].isalpha()
            score += 2 if inside else 0.5
        elif ch == "\ufffd" or unicodedata.category(ch).startswith("C"):
            score -= 3
        elif ch not in _EXPECTED_NON_ASCII:
            score -= 1.5 if ch.isalpha() else 1  # letters rare in German ("ô", "Ñ")
    return score


def _text_file(data: bytes, *, path: Path, name: str, warnings: list[str]) -> str:
    try:
        text, enc = decode_text(data)
    except ValueError as exc:
        raise CorruptFileError(path, "keine Textdatei (Binärdaten)", "not a text file (binary "
                               "data)", name=name) from exc
    if "\ufffd" in text:
        warnings.append(
            f"Datei enthält ungültige Zeichen ({enc}); sie wurden ersetzt "
            f"(file contains invalid characters ({enc}); they were replaced)"
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise EmptyFileError(path, "Datei enthält keinen Text", "file contains no text",
                             name=name)
    return text
