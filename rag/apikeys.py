"""API keys of ``rag serve``: full-access keys from ``RAG_API_KEYS`` and limited keys in a
keys file next to the store (managed with ``rag keys create|list|revoke``).

A limited key reads ``qk_<id>_<secret>``; the file keeps only its id, the SHA-256 of the
whole key, the collections it may use (``*`` = all) and its access (``read`` or ``write``).
The secret is 32 random bytes, so a plain SHA-256 cannot be brute-forced; a slow password
hash (scrypt) would only add its cost to every request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from rag.paths import api_keys_path
from rag.settings import Settings, check_collection_name

Access = Literal["read", "write"]
ALL = "*"


@dataclass(frozen=True)
class KeyRecord:
    id: str
    name: str
    sha256: str
    collections: tuple[str, ...]  # ("*",) = every collection
    access: Access
    created_at: str = ""

    def to_json(self) -> dict:
        d = asdict(self)
        d["collections"] = list(self.collections)
        return d


@dataclass(frozen=True)
class Principal:
    """Who is calling: what the key allows."""

    key_id: str
    collections: tuple[str, ...] = (ALL,)
    access: Access = "write"

    def may_use(self, collection: str) -> bool:
        return ALL in self.collections or collection in self.collections

    @property
    def may_write(self) -> bool:
        return self.access == "write"


FULL = Principal("env")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass
class KeyFile:
    path: Path
    records: list[KeyRecord] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as exc:
            raise ValueError(f"Schlüsseldatei {path} ist nicht lesbar: {exc}") from exc
        recs = [KeyRecord(r["id"], r.get("name", ""), r["sha256"], tuple(r["collections"]),
                          r["access"], r.get("created_at", "")) for r in data.get("keys", [])]
        return cls(path, recs)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        body = json.dumps({"keys": [r.to_json() for r in self.records]}, indent=2,
                          ensure_ascii=False)
        # Only the owner may read even the hashes.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(body)
        os.replace(tmp, self.path)  # atomic: a running server reads the old or new file

    def create(self, name: str, collections: list[str], access: Access) -> tuple[str, KeyRecord]:
        """A new key (shown once) and its record; saved to the file."""
        if access not in ("read", "write"):
            raise ValueError("Zugriff muss 'read' oder 'write' sein")
        cols = tuple(dict.fromkeys(collections)) or (ALL,)
        for c in cols:
            if c != ALL:
                check_collection_name(c)
        key_id = secrets.token_hex(4)
        while any(r.id == key_id for r in self.records):
            key_id = secrets.token_hex(4)
        key = f"qk_{key_id}_{secrets.token_urlsafe(32)}"
        rec = KeyRecord(key_id, name, _digest(key), cols, access,
                        datetime.now(UTC).isoformat(timespec="seconds"))
        self.records.append(rec)
        self.save()
        return key, rec

    def revoke(self, key_id: str) -> bool:
        before = len(self.records)
        self.records = [r for r in self.records if r.id != key_id]
        if len(self.records) == before:
            return False
        self.save()
        return True

    def lookup(self, key: str) -> KeyRecord | None:
        digest = _digest(key)
        found = None
        for r in self.records:  # compare every record: timing does not reveal which matched
            if hmac.compare_digest(r.sha256, digest):
                found = r
        return found


class KeyChecker:
    """Checks a bearer key against RAG_API_KEYS and the keys file (re-read when it changes,
    so `rag keys revoke` takes effect without a restart)."""

    def __init__(self, settings: Settings) -> None:
        raw = settings.server.api_keys.get_secret_value()
        self._env = [_digest(k.strip()) for k in raw.split(",") if k.strip()]
        self.path = api_keys_path(settings)
        self._file: KeyFile | None = None
        self._stat: tuple[int, int] | None = None

    def _keys_file(self) -> KeyFile:
        try:
            st = self.path.stat()
            stat = (st.st_mtime_ns, st.st_size)
        except OSError:
            stat = None
        if self._file is None or stat != self._stat:
            self._file, self._stat = KeyFile.load(self.path), stat
        return self._file

    @property
    def configured(self) -> bool:
        """Any key at all: without one the server must stay on loopback."""
        return bool(self._env) or bool(self._keys_file().records)

    def check(self, key: str) -> Principal | None:
        digest = _digest(key)
        if any(hmac.compare_digest(d, digest) for d in self._env):
            return FULL
        rec = self._keys_file().lookup(key)
        if rec is None:
            return None
        return Principal(rec.id, rec.collections, rec.access)
