"""E-mail (.eml, RFC 5322) via the standard library: header lines, body text and the names
of the attachments. Each attachment is ingested as a document of its own, named
"brief.eml › anhang.pdf" (see ``attachment_source``)."""

from __future__ import annotations

import email
import re
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from pathlib import Path

from ingest.errors import CorruptFileError, EmptyFileError, IngestError
from ingest.formats.html import html_blocks
from ingest.formats.structure import Outline
from rag.types import PageText

SEPARATOR = " › "
_HEADERS = (("From", "Von"), ("To", "An"), ("Cc", "Cc"), ("Date", "Datum"),
            ("Subject", "Betreff"))
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")


def attachment_source(mail_source: str, attachment: str) -> str:
    """The name an attachment is shown and cited under: "brief.eml › anhang.pdf"."""
    return f"{mail_source}{SEPARATOR}{attachment}"


def parse(data: bytes, *, path: Path, name: str) -> EmailMessage:
    try:
        msg = email.message_from_bytes(data, policy=policy.default)
    except Exception as exc:  # the parser is lenient; this is rare
        raise CorruptFileError(path, "E-Mail nicht lesbar", "e-mail not readable",
                               name=name) from exc
    if not isinstance(msg, EmailMessage) or not (msg.keys() or msg.get_payload()):
        raise CorruptFileError(path, "keine E-Mail-Datei", "not an e-mail file", name=name)
    return msg  # type: ignore[return-value]


def eml_blocks(data: bytes, *, path: Path, name: str,
               sanitize: Sanitize) -> tuple[list[PageText], list[str]]:
    """(blocks of the mail's header lines and body, names of its attachments)."""
    msg = parse(data, path=path, name=name)
    outline = Outline()
    head = [f"{de}: {' '.join(str(msg[en]).split())}" for en, de in _HEADERS if msg[en]]
    if head:
        outline.block("\n".join(head), "E-Mail-Kopf")
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is not None:
        try:
            content = body.get_content()
        except (LookupError, ValueError):  # unknown charset: replace what cannot be read
            content = (body.get_payload(decode=True) or b"").decode("utf-8", errors="replace")
        if body.get_content_subtype() == "html":
            raw = content.encode("utf-8") if isinstance(content, str) else content
            try:
                blocks = html_blocks(raw, path=path, name=name)
            except IngestError:
                blocks = []
            outline.blocks.extend(blocks)
        else:
            for para in _PARAGRAPHS.split(str(content).replace("\r\n", "\n")):
                outline.paragraph(para)
    names = attachment_names(msg, sanitize)
    if len(outline.blocks) <= (1 if head else 0) and not names:
        raise EmptyFileError(path, "E-Mail enthält keinen Text", "e-mail contains no text",
                             name=name)
    return outline.blocks, names


Sanitize = Callable[[str], str]  # a file name as shown to users (raises IngestError)


def _attachments(msg: EmailMessage, sanitize: Sanitize) -> list[tuple[str, EmailMessage]]:
    out: list[tuple[str, EmailMessage]] = []
    seen: set[str] = set()
    for part in msg.iter_attachments():
        filename = part.get_filename()
        if not filename:
            continue  # inline parts without a name (logos, signatures)
        try:
            shown = sanitize(filename)
        except IngestError:
            continue
        stem, dot, suffix = shown.rpartition(".")
        base, n = shown, 2
        while shown.lower() in seen:  # two attachments with one name stay apart
            shown = f"{stem} ({n}).{suffix}" if dot else f"{base} ({n})"
            n += 1
        seen.add(shown.lower())
        out.append((shown, part))  # type: ignore[arg-type]
    return out


def attachment_names(msg: EmailMessage, sanitize: Sanitize) -> list[str]:
    return [shown for shown, _ in _attachments(msg, sanitize)]


def attachment_bytes(data: bytes, attachment: str, *, path: Path, name: str,
                     sanitize: Sanitize) -> bytes:
    """The decoded bytes of the attachment shown as ``attachment``."""
    msg = parse(data, path=path, name=name)
    for shown, part in _attachments(msg, sanitize):
        if shown == attachment:
            return part.get_payload(decode=True) or b""
    raise IngestError(path, f"Anhang {attachment} nicht gefunden",
                      f"attachment {attachment} not found", name=name)
