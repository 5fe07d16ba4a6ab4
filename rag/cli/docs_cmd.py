"""``rag docs list [--json]`` and ``rag docs delete SOURCE``."""

from __future__ import annotations

import argparse

from rag.cli.common import add_collection_arg, fail, print_json, settings_from_args
from rag.components.store import StoreError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("docs", help="Dokumente im Speicher verwalten")
    dsub = p.add_subparsers(dest="docs_command", required=True)
    lp = dsub.add_parser("list", help="Dokumente auflisten")
    lp.add_argument("--json", action="store_true")
    add_collection_arg(lp)
    lp.set_defaults(func=run_list)
    dp = dsub.add_parser("delete", help="ein Dokument löschen")
    dp.add_argument("source", metavar="SOURCE", help="Dateiname wie in `rag docs list`")
    add_collection_arg(dp)
    dp.set_defaults(func=run_delete)


def run_list(args: argparse.Namespace) -> int:
    from rag.components.store.chroma import read_registry

    try:
        docs = sorted(read_registry(settings_from_args(args)), key=lambda d: d.source.lower())
    except StoreError as exc:
        return fail(str(exc))
    rows = [{"source": d.source, "pages": d.pages, "chunks": d.chunks,
             "ingested_at": d.ingested_at, "embedding_model": d.embedding_model} for d in docs]
    if args.json:
        print_json(rows)
    elif not rows:
        print("Der Speicher ist leer.")
    else:
        for r in rows:
            print(f"{r['source']}: {r['pages']} S., {r['chunks']} Abschnitte, "
                  f"eingelesen {r['ingested_at']}, Modell {r['embedding_model']}")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from rag.index import Index
    from rag.text.ids import doc_id_for

    try:
        index = Index(settings_from_args(args))
        with index.write_lock():
            removed = index.delete_document(doc_id_for(args.source))
    except StoreError as exc:
        return fail(str(exc))
    if removed is None:
        return fail(f"'{args.source}' ist nicht im Speicher (not in the store)", 2)
    print(f"gelöscht: {removed.source}")
    return 0
