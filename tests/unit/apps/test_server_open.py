"""`rag serve` without any API key: it binds to loopback only, says so, and serves this
machine without a key (a real server process)."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from tests.support.quelle_server import quelle_server, server_env


def own_address() -> str | None:
    """A non-loopback address of this machine, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET: nothing is sent, only a route chosen
            addr = s.getsockname()[0]
        except OSError:
            return None
    return None if addr.startswith("127.") else addr


def test_without_keys_only_loopback(tmp_path: Path) -> None:
    store, log = tmp_path / "store", tmp_path / "server.log"
    with quelle_server(store, log, host="0.0.0.0", env=server_env(store)) as url:
        assert url.startswith("http://127.0.0.1:")
        text = log.read_text("utf-8")
        assert "Kein API-Schlüssel eingerichtet" in text and "nur lokal auf 127.0.0.1" in text
        models = httpx.get(f"{url}/v1/models", timeout=60)
        assert models.status_code == 200
        assert {m["id"] for m in models.json()["data"]} == {"quelle:quelle"}
        other = own_address()
        if other is not None:  # the port is not open on the machine's other addresses
            port = int(url.rsplit(":", 1)[1])
            with socket.socket() as s:
                s.settimeout(5)
                assert s.connect_ex((other, port)) != 0
