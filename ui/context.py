"""What every page needs: the session's settings and the open index (or why it is not open)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.components.store import EmbeddingMismatchError
from rag.settings import Settings
from ui import resources, state

if TYPE_CHECKING:
    from rag.index import Index


@dataclass
class PageContext:
    settings: Settings
    index: Index | None
    error: str | None = None
    mismatch: bool = False  # the collection was built with another embedding model


def load() -> PageContext:
    settings = state.session_settings()
    try:
        return PageContext(settings, resources.index(settings))
    except EmbeddingMismatchError as exc:
        return PageContext(settings, None, str(exc), mismatch=True)
    except Exception as exc:  # store unreachable, model missing: say so instead of a traceback
        return PageContext(settings, None,
                           f"Der Dokumentenspeicher kann nicht geöffnet werden: {exc}")
