"""How documents are identified."""

from __future__ import annotations

import hashlib


def doc_id_for(source: str) -> str:
    """Documents are identified by their (sanitised) file name, case-insensitively."""
    return hashlib.sha1(source.casefold().encode("utf-8")).hexdigest()[:16]
