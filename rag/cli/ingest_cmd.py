"""``rag ingest PATH... [--prune] [--reindex] [--json]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rag.cli.common import add_collection_arg, fail, print_json, settings_from_args
from rag.components.store import StoreError

_LABELS = {
    "ingested": "neu",
    "replaced": "ersetzt",
    "unchanged": "unverändert",
    "failed": "Fehler",
    "pruned": "entfernt",
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="PDF-, Text-, Markdown- und Bilddateien einlesen "
                       "(Scans per Texterkennung)")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="Dateien oder Ordner")
    p.add_argument("--prune", action="store_true",
                   help="Dokumente entfernen, deren Dateien nicht mehr existieren")
    p.add_argument("--reindex", action="store_true",
                   help="Sammlung neu aufbauen (z. B. nach Wechsel des Embedding-Modells)")
    p.add_argument("--json", action="store_true", help="Ergebnis als JSON")
    add_collection_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ingest.pipeline import Ingestor, reindex

    if not args.paths and not (args.prune or args.reindex):
        return fail("keine Dateien angegeben (no paths given)", 2)
    settings = settings_from_args(args)
    paths: list[Path] = list(args.paths)
    try:
        if args.reindex:
            paths = reindex(settings, paths)
        ingestor = Ingestor(settings, page_progress=_ocr_progress(sys.stderr.isatty()))
        report = ingestor.run(paths, prune=args.prune, show_progress=sys.stderr.isatty())
    except StoreError as exc:
        return fail(str(exc))
    if args.json:
        print_json(report.to_json())
    else:
        for r in report.results:
            label = _LABELS[r.status]
            if r.status == "failed":
                print(f"{label}: {r.error}", file=sys.stderr)
            elif r.status == "pruned":
                print(f"{label}: {r.source}")
            else:
                print(f"{label}: {r.source} ({r.pages} S., {r.chunks} Abschnitte)")
            for w in r.warnings:
                print(f"  Warnung: {w}", file=sys.stderr)
    return 0 if report.ok else 2


def _ocr_progress(tty: bool):  # noqa: ANN202 - a PageProgress
    """Per-page OCR progress on stderr: a bar on a terminal, else one line per page."""
    bars: dict[str, object] = {}

    def report(source: str, done: int, total: int) -> None:
        if not tty:
            print(f"Texterkennung {source}: Seite {done} von {total}", file=sys.stderr,
                  flush=True)
            return
        from tqdm import tqdm

        bar = bars.get(source)
        if bar is None:
            bar = bars[source] = tqdm(total=total, unit="S.", file=sys.stderr,
                                      desc=f"OCR {source[:30]}", leave=False)
        bar.update(done - bar.n)  # type: ignore[attr-defined]
        if done >= total:
            bar.close()  # type: ignore[attr-defined]
            bars.pop(source, None)

    return report
