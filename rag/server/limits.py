"""A bound on request bodies. FastAPI reads a whole multipart form (spooled to disk) before
the endpoint checks each file's size, so without it one request could fill the disk.
(FastAPI's own ``max_body_size`` answers in plain text; our errors are JSON in German.)"""

from __future__ import annotations

import json
from typing import Any

from rag.server.errors import GermanHTTPException, body


class BodyLimit:
    """Pure ASGI middleware: 413 with a JSON error once a request body exceeds
    ``max_bytes``, by its Content-Length up front, else while it streams in."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    def message(self) -> str:
        return (f"Die Anfrage ist zu groß (mehr als {self.max_bytes / 2**20:.0f} MB); weniger "
                "oder kleinere Dateien je Anfrage senden.")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or ()).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            data = json.dumps(body(self.message(), "request_too_large"),
                              ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(data)).encode()),
                                    (b"connection", b"close")]})
            await send({"type": "http.response.body", "body": data})
            return
        seen = 0

        async def counting_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # An HTTPException passes FastAPI's body parsing and reaches our handler.
                    raise GermanHTTPException(413, self.message())
            return message

        await self.app(scope, counting_receive, send)
