"""A real `rag serve` on loopback for the tests (a subprocess on a free port)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.support.paths import REPO
from tests.support.servers import wait_until_up


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(store: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "RAG_STORE_DIR": str(store), "RAG_EMBEDDING_SOURCE": "offline",
           "RAG_LLM_BACKEND": "extractive", "PYTHONPATH": str(REPO)}
    for name in ("RAG_CHROMA_HOST", "RAG_COLLECTION", "RAG_API_KEYS", "RAG_API_KEYS_FILE"):
        env.pop(name, None)
    env.update(extra)
    return env


@contextmanager
def quelle_server(store: Path, log: Path, *, workers: int = 1, host: str = "127.0.0.1",
                  env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Start `python -m rag serve` and yield its base URL once /healthz answers."""
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rag", "serve", "--host", host, "--port", str(port),
             "--workers", str(workers)],
            env=dict(env) if env is not None else server_env(store), stdout=out,
            stderr=subprocess.STDOUT, cwd=store.parent, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/healthz", proc, log, "rag serve", lambda r: r.status == 200,
                      timeout_s=300)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: uvicorn's workers too
            proc.wait(10)
