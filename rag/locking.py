"""Coordination between processes sharing one store: the write lock and the registry stamp."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rag.components.store import StoreError
from rag.paths import write_lock_path
from rag.settings import Settings


class StoreBusyError(StoreError):
    pass


_held = threading.local()  # lock files this thread holds (the lock is re-entrant per thread)


@contextmanager
def store_write_lock(settings: Settings) -> Iterator[None]:
    """One writer per store; a second one gets a clear 'busy' error instead of waiting.

    The lock file lives in the store folder, so writers must share it (also in server
    mode). Re-entrant within one thread (a caller may take it before the model loads, then
    :meth:`rag.index.Index.write_lock` again); other threads and processes get the busy error.
    """
    settings.store.dir.mkdir(parents=True, exist_ok=True)
    path = str(write_lock_path(settings))
    held: set[str] = _held.__dict__.setdefault("paths", set())
    if path in held:
        yield
        return
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StoreBusyError(
                "Ein anderer Ingest schreibt gerade in diesen Speicher; bitte später erneut "
                f"versuchen. (Store busy: {settings.store.dir})"
            ) from exc
        held.add(path)
        try:
            yield
        finally:
            held.discard(path)
    finally:
        os.close(fd)


class RegistryStamp:
    """A generation counter of the document registry, kept in a file next to the store.

    Reading the registry from Chroma costs ~10 ms at 100 documents, and every search reads
    it twice (before and after, to detect a concurrent switch). Writers bump this counter
    around every registry change like a seqlock: odd while a change is in progress, even
    when done. A reader may reuse a registry it read while the counter stayed at the same
    even value; a counter that stays odd (a writer killed mid-change) only disables reuse.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> int:
        try:
            return int(self.path.read_text(encoding="ascii") or 0)
        except (OSError, ValueError):
            return 0

    def _write(self, value: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(str(value), encoding="ascii")
        os.replace(tmp, self.path)  # atomic: a reader sees the old or the new number

    @contextmanager
    def changing(self) -> Iterator[None]:
        n = self.read()
        n = n + 1 if n % 2 == 0 else n + 2
        self._write(n)
        try:
            yield
        finally:
            self._write(n + 1)
