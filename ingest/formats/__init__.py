"""Readers for formats beyond PDF and plain text (DOCX, ODT, HTML, e-mail, PDF tables).

Formats without pages give one block per heading, paragraph and table row, each with a
section label for citations (see ``structure.Outline``).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from ingest.errors import IngestError


def require(module: str, package: str, *, path: Path, name: str) -> ModuleType:
    """Import a reader library lazily; a missing one fails this file with a clear reason."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise IngestError(
            path,
            f"zum Lesen fehlt das Paket '{package}' (pip install {package}; "
            "scripts/setup.sh installiert es)",
            f"the package '{package}' is needed to read this file", name=name) from exc
