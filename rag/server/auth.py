"""Bearer keys: ``Authorization: Bearer KEY`` on every endpoint but /healthz.

A browser cannot send a Bearer header to /docs; there the key is also taken as the
password of HTTP Basic (any user name), so the browser asks for it once.

Without any key configured the server is open, but only on loopback (``rag serve`` binds
there and says so); a server bound elsewhere refuses everyone until a key exists.
"""

from __future__ import annotations

import base64
import binascii
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


def docs_reader(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The key for /docs and /openapi.json: Bearer, or Basic with the key as password."""
    try:
        return principal(request, creds)
    except ApiError as exc:
        password = _basic_password(request.headers.get("authorization", ""))
        found = request.app.state.resources.keys.check(password) if password else None
        if found is not None:
            return found
        # WWW-Authenticate: Basic makes the browser ask for the key.
        raise ApiError(401, exc.message + " Im Browser: Benutzername beliebig, Passwort: "
                            "der API-Schlüssel.", exc.code, www_authenticate="Basic "
                            'realm="Quelle", charset="UTF-8"') from None


def _basic_password(header: str) -> str:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        return base64.b64decode(token.strip()).decode("utf-8").partition(":")[2]
    except (binascii.Error, UnicodeDecodeError):
        return ""


def allow(who: Principal, collection: str, *, write: bool = False) -> None:
    """403 unless ``who`` may use ``collection`` (and write to it when ``write``)."""
    if not who.may_use(collection):
        raise ApiError(403, f"Dieser API-Schlüssel hat keinen Zugriff auf die Sammlung "
                            f"„{collection}“.", "forbidden")
    if write and not who.may_write:
        raise ApiError(403, "Dieser API-Schlüssel darf nur lesen (suchen und fragen), nicht "
                            "hochladen oder löschen.", "forbidden")
