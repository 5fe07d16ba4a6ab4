"""Bearer keys: ``Authorization: Bearer KEY`` on every endpoint but /healthz.

Without any key configured the server is open, but only on loopback (``rag serve`` binds
there and says so); a server bound elsewhere refuses everyone until a key exists.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from rag.apikeys import FULL, Principal
from rag.server.errors import ApiError

_bearer = HTTPBearer(auto_error=False,
                     description="API-Schlüssel (RAG_API_KEYS oder `rag keys create`)")

LOOPBACK = ("127.0.0.1", "::1", "localhost")
LOOPBACK_CLIENTS = ("127.0.0.1", "::1")


def principal(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    res = request.app.state.resources
    checker = res.keys
    if not checker.configured:
        # Open only to this machine: also when uvicorn was started by hand on another
        # address, a caller from elsewhere is refused.
        client = request.client.host if request.client else ""
        if res.settings.server.host in LOOPBACK and client in LOOPBACK_CLIENTS:
            return FULL
        raise ApiError(401, "Es ist kein API-Schlüssel eingerichtet: Zugriff nur von diesem "
                            "Rechner aus. RAG_API_KEYS setzen oder `rag keys create` "
                            "ausführen.", "no_keys")
    if creds is None or not creds.credentials:
        raise ApiError(401, "Nicht angemeldet: API-Schlüssel fehlt "
                            "(Authorization: Bearer SCHLÜSSEL).", "missing_key")
    found = checker.check(creds.credentials)
    if found is None:
        raise ApiError(401, "Der API-Schlüssel ist ungültig oder gesperrt.", "invalid_key")
    return found


Caller = Annotated[Principal, Depends(principal)]


def allow(who: Principal, collection: str, *, write: bool = False) -> None:
    """403 unless ``who`` may use ``collection`` (and write to it when ``write``)."""
    if not who.may_use(collection):
        raise ApiError(403, f"Dieser API-Schlüssel hat keinen Zugriff auf die Sammlung "
                            f"„{collection}“.", "forbidden")
    if write and not who.may_write:
        raise ApiError(403, "Dieser API-Schlüssel darf nur lesen (suchen und fragen), nicht "
                            "hochladen oder löschen.", "forbidden")
