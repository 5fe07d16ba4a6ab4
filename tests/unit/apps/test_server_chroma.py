"""`rag serve` with two workers against a `chroma run` server (scripts/test.sh starts one;
skipped without RAG_TEST_CHROMA_HOST): upload → job → search → ask → delete, and every
worker sees the same collection."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from tests.conftest import corpus_files, load_qa, server_params
from tests.support.quelle_server import quelle_server, server_env
from tests.unit.apps.test_server import Server

pytestmark = [pytest.mark.server, pytest.mark.timeout(1200)]
KEY = "chroma-test-schluessel"


def test_two_workers_on_a_chroma_server(tmp_path: Path) -> None:
    params = server_params()
    if params is None:
        if os.environ.get("CI"):
            pytest.fail("CI must provide a Chroma server (RAG_TEST_CHROMA_HOST)")
        pytest.skip("no Chroma server (set RAG_TEST_CHROMA_HOST/PORT; scripts/test.sh does)")
    store = tmp_path / "store"
    collection = f"srv{os.getpid()}"
    env = server_env(store, RAG_API_KEYS=KEY, RAG_CHROMA_HOST=params[0],
                     RAG_CHROMA_PORT=str(params[1]))
    with quelle_server(store, tmp_path / "server.log", workers=2, env=env) as url:
        srv = Server(url, store, env)
        srv.http.headers["Authorization"] = f"Bearer {KEY}"
        doc = next(p for p in corpus_files() if p.name == "arbeitsvertrag.pdf")
        job = srv.ingest(collection, [doc])
        assert job["ok"], job
        row = next(r for r in load_qa() if r.get("doc") == doc.name and r["kind"] == "direct")
        # New connections each time: both workers answer, from the one Chroma server.
        for _ in range(4):
            with httpx.Client(base_url=url, timeout=300,
                              headers={"Authorization": f"Bearer {KEY}"}) as c:
                hits = c.post("/v1/search", json={"query": row["question"],
                                                  "collection": collection}).json()
                assert hits and hits[0]["source"] == doc.name
        answer = srv.http.post("/v1/ask", json={"question": row["question"],
                                                "collection": collection}).json()
        assert answer["citations"] and answer["citations"][0]["source"] == doc.name
        assert srv.http.delete(f"/v1/collections/{collection}").status_code == 200
        assert srv.http.get(f"/v1/collections/{collection}/documents").json() == []
