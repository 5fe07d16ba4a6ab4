"""Errors raised while reading a file; each names the file and the reason in German and English.

``str(err)`` is one line: ``"bericht.pdf: PDF ist verschlüsselt; Passwort nötig
(PDF is encrypted; password required)"``. The UI shows it as is; logs get the same line.
"""

from __future__ import annotations

from pathlib import Path


def format_page_ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "1–3, 7"."""
    out: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}–{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)


class IngestError(Exception):
    """A file that cannot be ingested. Subclasses carry a default reason."""

    reason_de: str = "Datei kann nicht gelesen werden"
    reason_en: str = "file cannot be read"

    def __init__(
        self,
        path: str | Path,
        reason_de: str | None = None,
        reason_en: str | None = None,
        *,
        name: str | None = None,
    ) -> None:
        self.path = str(path)
        # Uploads live in temp files; ``name`` lets callers show the user's file name instead.
        self.name = name or Path(self.path).name or self.path
        if reason_de is not None:
            self.reason_de = reason_de
        if reason_en is not None:
            self.reason_en = reason_en
        super().__init__(str(self))

    @property
    def reason(self) -> str:
        """The bilingual reason without the file name."""
        return f"{self.reason_de} ({self.reason_en})"

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


class UnsupportedFileError(IngestError):
    reason_de = "Dateityp wird nicht unterstützt; erlaubt sind .pdf, .txt, .md"
    reason_en = "file type not supported; allowed: .pdf, .txt, .md"


class EmptyFileError(IngestError):
    reason_de = "Datei ist leer"
    reason_en = "file is empty"


class CorruptFileError(IngestError):
    reason_de = "Datei ist beschädigt"
    reason_en = "file is corrupt"


class EncryptedPdfError(IngestError):
    reason_de = "PDF ist verschlüsselt; Passwort nötig"
    reason_en = "PDF is encrypted; password required"


class NoTextLayerError(IngestError):
    reason_de = "keine Textebene; OCR nötig"
    reason_en = "no text layer; OCR needed"


class LimitExceededError(IngestError):
    reason_de = "Datei überschreitet ein Limit"
    reason_en = "file exceeds a limit"


class UnsafeNameError(IngestError):
    reason_de = "Dateiname ist unzulässig"
    reason_en = "file name is not allowed"


# How a user turns OCR on; part of every message that refuses a scan.
OCR_HOW_TO = ("Texterkennung installieren: sudo apt-get install tesseract-ocr tesseract-ocr-deu "
              "tesseract-ocr-eng (oder scripts/setup.sh als root ausführen)")


class OcrUnavailableError(IngestError):
    """A scan (or image) that needs OCR while Tesseract is missing or switched off."""

    reason_de = f"gescannte Datei ohne Textebene; Texterkennung (OCR) fehlt. {OCR_HOW_TO}"
    reason_en = "scanned file without text layer; OCR (Tesseract) not available"


class OcrFailedError(IngestError):
    reason_de = "Texterkennung (OCR) fehlgeschlagen"
    reason_en = "OCR failed"
