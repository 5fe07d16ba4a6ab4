"""``rag serve [--host H] [--port P] [--workers N]``: Quelle as an HTTP service."""

from __future__ import annotations

import argparse
import os
import sys

from rag.cli.common import add_collection_arg, settings_from_args

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="HTTP-Schnittstelle starten (auch OpenAI-kompatibel)")
    p.add_argument("--host", default=None, help="Adresse (Standard: RAG_SERVER_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="Port (Standard: RAG_SERVER_PORT, 8080)")
    p.add_argument("--workers", type=int, default=None,
                   help="Prozesse (Standard: RAG_SERVER_WORKERS, 1)")
    add_collection_arg(p)  # the default collection of requests that name none
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from rag.apikeys import KeyChecker

    settings = settings_from_args(args)
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    workers = args.workers or settings.server.workers
    if not KeyChecker(settings).configured:
        if host not in LOOPBACK:
            print(f"Hinweis: Kein API-Schlüssel eingerichtet (RAG_API_KEYS oder `rag keys "
                  f"create`): der Server lauscht nur lokal auf 127.0.0.1 statt auf {host}.",
                  file=sys.stderr)
            host = "127.0.0.1"
        else:
            print("Hinweis: Kein API-Schlüssel eingerichtet; der Server ist offen, aber nur "
                  "lokal erreichbar.", file=sys.stderr)
    # The workers read their settings from the environment (uvicorn starts them anew).
    os.environ["RAG_SERVER_HOST"] = host
    os.environ["RAG_SERVER_WORKERS"] = str(workers)  # each worker takes its share of cores
    if args.collection:
        os.environ["RAG_COLLECTION"] = args.collection
    print(f"Quelle-API auf http://{host}:{port} (Doku: /docs), {workers} Prozess(e).",
          file=sys.stderr)
    # A busy worker answers uvicorn's health check late (its requests hold both cores):
    # the default 5 s would have it killed mid-request. Keep-alive beyond the clients'
    # pause between requests avoids closing a connection a client is reusing.
    uvicorn.run("rag.server.app:create_app", factory=True, host=host, port=port,
                workers=workers, log_level="info", access_log=False,
                timeout_worker_healthcheck=120, timeout_keep_alive=30)
    return 0
