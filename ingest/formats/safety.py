"""Guards for zip+XML formats (DOCX, ODT): zip bombs and XML entity tricks are refused
before a reader library sees the file."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from ingest.errors import CorruptFileError, LimitExceededError

_XML_SUFFIXES = (".xml", ".rels")


def open_zip(data: bytes, *, path: Path, name: str, kind: str,
             max_unpacked_mb: int) -> zipfile.ZipFile:
    """The archive, after checking its unpacked size and every XML part.

    Raises LimitExceededError for a zip bomb (more than ``max_unpacked_mb`` unpacked; the
    sizes in the directory bound what zipfile will ever inflate) and CorruptFileError for
    a broken archive or an XML part with a DTD or entities (billion laughs, external
    entities): office XML never needs them.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CorruptFileError(path, f"keine gültige {kind}-Datei (ZIP-Archiv beschädigt)",
                               f"not a valid {kind} file (broken ZIP archive)",
                               name=name) from exc
    total = sum(i.file_size for i in infos)
    limit = max_unpacked_mb * 1024 * 1024
    if total > limit:
        raise LimitExceededError(
            path,
            f"entpackt {total / 2**20:.0f} MB groß (ZIP-Bombe?); erlaubt sind höchstens "
            f"{max_unpacked_mb} MB (RAG_MAX_UNPACKED_MB)",
            f"unpacks to {total / 2**20:.0f} MB (zip bomb?); at most {max_unpacked_mb} MB "
            "allowed",
            name=name)
    for info in infos:
        if info.filename.lower().endswith(_XML_SUFFIXES):
            check_xml(archive.read(info), path=path, name=name, part=info.filename)
    return archive


def check_xml(blob: bytes, *, path: Path, name: str, part: str) -> None:
    """Parse ``blob`` with defusedxml: no DTD, no entity declarations, no external refs."""
    try:
        DET.fromstring(blob, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise CorruptFileError(
            path,
            f"unsicheres XML in {part} (DTD/Entitäten, z. B. XML-Bombe) abgelehnt",
            f"unsafe XML in {part} (DTD/entities, e.g. an XML bomb) refused",
            name=name) from exc
    except DET.ParseError as exc:
        raise CorruptFileError(path, f"XML-Teil {part} ist beschädigt",
                               f"XML part {part} is broken", name=name) from exc
