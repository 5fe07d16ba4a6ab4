"""Where a collection's files live next to the Chroma store (one definition for all)."""

from __future__ import annotations

from pathlib import Path

from rag.settings import Settings


def keyword_dir(settings: Settings) -> Path:
    """The collection's keyword index (written by ingest, read by every search)."""
    return settings.store.dir / "keyword" / settings.store.collection


def write_lock_path(settings: Settings) -> Path:
    """The lock file that lets one writer at a time into the collection."""
    return settings.store.dir.resolve() / f".{settings.store.collection}.write.lock"


def registry_stamp_path(settings: Settings) -> Path:
    """The registry's generation counter (see rag.locking.RegistryStamp)."""
    return settings.store.dir / f".{settings.store.collection}.registry.gen"


def uploads_dir(settings: Settings) -> Path:
    """Where the HTTP server keeps uploaded files of the collection (names sanitised)."""
    return settings.store.dir / "uploads" / settings.store.collection


def api_keys_path(settings: Settings) -> Path:
    """The hashed API keys of ``rag serve`` (``rag keys``); next to the store by default."""
    return settings.server.keys_file or settings.store.dir / "api-keys.json"
