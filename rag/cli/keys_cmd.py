"""``rag keys create|list|revoke``: API keys of ``rag serve`` limited to collections and to
read or write access (stored hashed next to the store; RAG_API_KEYS_FILE moves it)."""

from __future__ import annotations

import argparse

from rag.cli.common import fail, print_json, settings_from_args


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("keys", help="API-Schlüssel für `rag serve` verwalten")
    ksub = p.add_subparsers(dest="keys_command", required=True)
    cp = ksub.add_parser("create", help="neuen Schlüssel anlegen (wird nur einmal gezeigt)")
    cp.add_argument("--name", default="", help="Bezeichnung, z. B. wer ihn nutzt")
    cp.add_argument("--collection", dest="key_collections", action="append", default=None,
                    metavar="NAME", help="erlaubte Sammlung (mehrfach möglich; Standard: alle)")
    cp.add_argument("--access", choices=("read", "write"), default="read",
                    help="read = suchen und fragen; write = auch hochladen und löschen")
    cp.add_argument("--json", action="store_true")
    cp.set_defaults(func=run_create)
    lp = ksub.add_parser("list", help="Schlüssel auflisten (ohne Geheimnis)")
    lp.add_argument("--json", action="store_true")
    lp.set_defaults(func=run_list)
    rp = ksub.add_parser("revoke", help="Schlüssel sperren")
    rp.add_argument("key_id", metavar="ID", help="Kennung aus `rag keys list`")
    rp.set_defaults(func=run_revoke)


def _file(args: argparse.Namespace):  # noqa: ANN202
    from rag.apikeys import KeyFile
    from rag.paths import api_keys_path

    return KeyFile.load(api_keys_path(settings_from_args(args)))


def run_create(args: argparse.Namespace) -> int:
    try:
        key, rec = _file(args).create(args.name, args.key_collections or [], args.access)
    except (ValueError, OSError) as exc:
        return fail(str(exc))
    if args.json:
        print_json({"key": key, **rec.to_json()})
    else:
        print(key)
        print(f"Kennung {rec.id}, Sammlungen {', '.join(rec.collections)}, Zugriff {rec.access}. "
              "Der Schlüssel wird nur jetzt angezeigt.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    try:
        records = _file(args).records
    except (ValueError, OSError) as exc:
        return fail(str(exc))
    rows = [{k: v for k, v in r.to_json().items() if k != "sha256"} for r in records]
    if args.json:
        print_json(rows)
    elif not rows:
        print("Keine Schlüssel angelegt.")
    else:
        for r in rows:
            print(f"{r['id']}  {r['access']:5}  {','.join(r['collections'])}  {r['name']}  "
                  f"{r['created_at']}")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    try:
        ok = _file(args).revoke(args.key_id)
    except (ValueError, OSError) as exc:
        return fail(str(exc))
    if not ok:
        return fail(f"Schlüssel '{args.key_id}' gibt es nicht", 2)
    print(f"gesperrt: {args.key_id}")
    return 0
