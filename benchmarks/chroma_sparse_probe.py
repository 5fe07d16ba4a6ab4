"""Does the installed chromadb's sparse vector index (``SparseVectorIndexConfig``) and its
``Search`` API work, embedded and against a `chroma run` server?

Stores Quelle's own German BM25 term weights (rag.components.keyword: our stemming and
compound splitting) as sparse vectors in a collection with a sparse index on key "sparse",
then asks ``collection.search(Search().rank(Knn(query=<sparse query>, key="sparse")))``.
Prints per client kind: created / added / searched, and the top hits or the error.

    python benchmarks/chroma_sparse_probe.py [--server-only | --embedded-only]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import traceback
from pathlib import Path

import chromadb

DOCS = {
    "a": "Die Kündigungsfrist beträgt in der Probezeit zwei Wochen.",
    "b": "Für Dienstreisen mit dem eigenen Fahrzeug gibt es 0,30 Euro je Kilometer.",
    "c": "Die Wärmepumpe muss einmal im Jahr gewartet werden.",
}


def sparse(text: str, vocab: dict[str, int]) -> chromadb.SparseVector:
    """Term frequencies of our German analyzer's terms (enough to probe the API)."""
    from rag.components.keyword.analyzer import GermanAnalyzer

    counts: dict[int, float] = {}
    for term in GermanAnalyzer().tokens(text):
        i = vocab.setdefault(term, len(vocab))
        counts[i] = counts.get(i, 0.0) + 1.0
    idx = sorted(counts)
    return chromadb.SparseVector(indices=idx, values=[counts[i] for i in idx])


def probe(client, label: str) -> None:  # noqa: ANN001
    from chromadb import K, Knn, Schema, Search, SparseVectorIndexConfig

    print(f"--- {label} (chromadb {chromadb.__version__})")
    vocab: dict[str, int] = {}
    try:  # the Search API alone, with a dense Knn, on a plain collection
        plain = client.get_or_create_collection("search-probe", embedding_function=None)
        plain.add(ids=["x", "y"], embeddings=[[1.0, 0.0], [0.0, 1.0]], documents=["x", "y"])
        res = plain.search(Search().rank(Knn(query=[1.0, 0.0])).limit(1))
        print("Search API with a dense Knn: ok ->", res["ids"][0])
    except Exception as exc:  # noqa: BLE001
        print(f"Search API with a dense Knn: FAILED {type(exc).__name__}: {exc}")
    try:
        schema = Schema().create_index(config=SparseVectorIndexConfig(), key="sparse")
        col = client.get_or_create_collection("sparse-probe", schema=schema,
                                              embedding_function=None)
        print("create collection with sparse index: ok")
    except Exception as exc:  # noqa: BLE001 - the probe reports every outcome
        print(f"create collection with sparse index: FAILED {type(exc).__name__}: {exc}")
        return
    try:
        col.add(ids=list(DOCS), documents=list(DOCS.values()),
                embeddings=[[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]],
                metadatas=[{"sparse": sparse(t, vocab)} for t in DOCS.values()])
        print("add with sparse vectors in metadata: ok")
    except Exception as exc:  # noqa: BLE001
        print(f"add with sparse vectors: FAILED {type(exc).__name__}: {exc}")
        return
    try:
        q = sparse("Wie lange ist die Kündigungsfrist in der Probezeit?", vocab)
        res = col.search(Search().rank(Knn(query=q, key="sparse")).limit(3)
                         .select(K.DOCUMENT, K.SCORE))
        print("search (Knn on the sparse key): ok ->", list(zip(res["ids"][0],
                                                                  res["scores"][0], strict=False)))
    except Exception as exc:  # noqa: BLE001
        print(f"search: FAILED {type(exc).__name__}: {exc}")
        traceback.print_exc(limit=1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--server-only", action="store_true")
    ap.add_argument("--embedded-only", action="store_true")
    args = ap.parse_args()
    settings = chromadb.config.Settings(anonymized_telemetry=False)
    with tempfile.TemporaryDirectory() as tmp:
        if not args.server_only:
            probe(chromadb.PersistentClient(path=f"{tmp}/emb", settings=settings), "embedded")
        if args.embedded_only:
            return
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        log = Path(tmp) / "chroma.log"
        with log.open("w") as out:
            proc = subprocess.Popen([shutil.which("chroma") or "chroma", "run", "--path",
                                     f"{tmp}/srv", "--host", "127.0.0.1", "--port", str(port)],
                                    stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        try:
            for _ in range(120):
                try:
                    client = chromadb.HttpClient(host="127.0.0.1", port=port,
                                                 settings=settings)
                    client.heartbeat()
                    break
                except Exception:  # noqa: BLE001 - not up yet
                    time.sleep(0.5)
            probe(client, "chroma run server")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)


if __name__ == "__main__":
    main()
