"""Arguments of ``rag eval retrieval`` (argparse only: built on every ``rag`` start)."""

from __future__ import annotations

import argparse
from pathlib import Path

QUESTION_FIELDS = ("question", "imperative_formal", "imperative_informal")
MODES = ("dense", "bm25", "hybrid")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Misst die Suche auf einem Datensatz mit bekannten Antworten: DPR-Format "
        "(*.jsonl.gz mit context/question, Gold = eigene Passage) oder corpora/qa.jsonl "
        "(Gold = Datei + Seite; die PDFs neben der Datei werden eingelesen). Indexiert in "
        "einen temporären Speicher; der eigene Speicher bleibt unberührt."
    )
    p.add_argument("--dataset", type=Path, required=True, help="DPR-.jsonl(.gz) oder qa.jsonl")
    p.add_argument(
        "--limit",
        type=int,
        default=None,
        metavar="N",
        help="nur N zufällig gezogene Fragen (fester Seed, reproduzierbar)",
    )
    p.add_argument("--seed", type=int, default=13, help="Seed für --limit (Standard: 13)")
    p.add_argument(
        "--mode", choices=MODES, default="hybrid", help="Suchverfahren (Standard: hybrid)"
    )
    p.add_argument(
        "--questions",
        choices=QUESTION_FIELDS,
        default="question",
        help="Fragefeld im DPR-Format (Standard: question)",
    )
    p.add_argument("--k", type=int, default=10, help="Suchtiefe für die Kennzahlen (Standard: 10)")
    p.add_argument("--json", action="store_true", help="nur die Kennzahlen als JSON ausgeben")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="Passagen-Vektoren (DPR) neu berechnen statt aus dem Cache (RAG_CACHE_DIR) zu laden",
    )
