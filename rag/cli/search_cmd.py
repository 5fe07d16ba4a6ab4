"""``rag search "FRAGE" [-k 5] [--json]``."""

from __future__ import annotations

import argparse

from rag.cli.common import add_collection_arg, fail, print_json, settings_from_args
from rag.components.store import StoreError, make_filter


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="Passagen zu einer Frage finden")
    p.add_argument("query", metavar="FRAGE")
    p.add_argument("-k", type=int, default=None, help="Anzahl Treffer (Standard: RAG_TOP_K)")
    p.add_argument("--mode", choices=["dense", "bm25", "hybrid"], default=None)
    p.add_argument("--source", action="append", default=None,
                   help="nur in dieser Datei suchen (mehrfach möglich)")
    p.add_argument("--pages", default=None, metavar="VON-BIS", help="Seitenbereich, z. B. 2-4")
    p.add_argument("--json", action="store_true", help="Ergebnis als JSON")
    add_collection_arg(p)
    p.set_defaults(func=run)


def parse_pages(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    first, _, last = text.partition("-")
    return int(first), int(last or first)


def run(args: argparse.Namespace) -> int:
    from rag.index import Index

    settings = settings_from_args(args)
    try:
        index = Index(settings)
        hits = index.search(
            args.query, settings.retrieval.top_k,
            filters=make_filter(args.source, parse_pages(args.pages)),
        )
    except (StoreError, ValueError) as exc:
        return fail(str(exc))
    rows = [h.to_json(i) for i, h in enumerate(hits, start=1)]
    wheres = [h.chunk.where for h in hits]
    if args.json:
        print_json(rows)
    elif not rows:
        print("Keine Treffer.")
    else:
        for r, where in zip(rows, wheres, strict=True):
            text = " ".join(r["text"].split())
            where = where.replace("Seite ", "S. ", 1)
            ocr = f", OCR {r['ocr']['confidence']:.0f} %" if "ocr" in r else ""
            print(f"[{r['rank']}] {r['source']}, {where}{ocr} (Score {r['score']:.3f})")
            print(f"    {text[:300]}{'…' if len(text) > 300 else ''}")
    return 0
