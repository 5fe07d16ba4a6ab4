"""The ``rag`` command line. Each subcommand lives in its own module with
``add_parser(subparsers)``; the parser sets ``func`` which returns the exit code."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from rag.settings import check_collection_name

# Order = order in --help.
_COMMANDS = ("ingest", "search", "ask", "docs", "collections", "eval", "serve", "keys")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag",
        description="Quelle: Fragen an deutsche Dokumente, mit Quellenangabe (Datei, Seite).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in _COMMANDS:
        importlib.import_module(f"rag.cli.{name}_cmd").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "collection", None) is not None:
        try:
            check_collection_name(args.collection)
        except ValueError as exc:
            print(f"Fehler: {exc}", file=sys.stderr)
            return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("Abgebrochen.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
