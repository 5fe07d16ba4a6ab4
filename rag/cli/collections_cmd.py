"""``rag collections list [--json]`` and ``rag collections delete NAME --yes``."""

from __future__ import annotations

import argparse

from rag.cli.common import fail, print_json, settings_from_args
from rag.components.store import StoreError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("collections", help="Sammlungen auflisten und löschen")
    csub = p.add_subparsers(dest="collections_command", required=True)
    lp = csub.add_parser("list", help="Sammlungen mit Dokumentzahl und Embedding-Modell")
    lp.add_argument("--json", action="store_true")
    lp.set_defaults(func=run_list)
    dp = csub.add_parser("delete", help="eine Sammlung mit allen Dokumenten löschen")
    dp.add_argument("collection", metavar="NAME")
    dp.add_argument("--yes", action="store_true", help="Löschen bestätigen (sonst nur Hinweis)")
    dp.set_defaults(func=run_delete)


def collection_rows(settings) -> list[dict]:  # noqa: ANN001 - Settings
    from rag.components.store.chroma import collection_model, list_collections, read_registry

    rows = []
    for name in list_collections(settings):
        scoped = settings.override(collection=name)
        docs = read_registry(scoped)
        rows.append({"name": name, "documents": len(docs),
                     "chunks": sum(d.chunks for d in docs),
                     "embedding_model": collection_model(settings, name)})
    return rows


def run_list(args: argparse.Namespace) -> int:
    try:
        rows = collection_rows(settings_from_args(args))
    except StoreError as exc:
        return fail(str(exc))
    if args.json:
        print_json(rows)
    elif not rows:
        print("Es gibt noch keine Sammlung.")
    else:
        for r in rows:
            print(f"{r['name']}: {r['documents']} Dokument(e), {r['chunks']} Abschnitte, "
                  f"Modell {r['embedding_model']}")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from rag.index import delete_collection

    settings = settings_from_args(args)
    if not args.yes:
        return fail(f"Die Sammlung '{args.collection}' samt allen Dokumenten löschen? "
                    "Zum Bestätigen --yes angeben.", 2)
    try:
        existed = delete_collection(settings)
    except StoreError as exc:
        return fail(str(exc))
    if not existed:
        return fail(f"Sammlung '{args.collection}' gibt es nicht (no such collection)", 2)
    print(f"Sammlung gelöscht: {args.collection}")
    return 0
