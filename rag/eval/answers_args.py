"""Arguments of ``rag eval answers`` (argparse only: built on every ``rag`` start)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Prüft die Antworten selbst: ob die Gold-Antwort in der Antwort und im ersten "
        "zitierten Satz steht, ob die Gold-Seite zitiert wird und ob unbeantwortbare Fragen "
        "abgelehnt werden, je Fragenart. Die Dokumente neben der Datei werden in einen "
        "temporären Speicher eingelesen."
    )
    p.add_argument("--dataset", type=Path, required=True, help="Gold-Datei wie corpora/qa.jsonl")
    p.add_argument("--split", choices=("fit", "test"), default=None,
                   help="nur Fragen dieses Teils (Standard: alle)")
    p.add_argument("--backend", choices=("extractive", "transformers", "openai"), default=None,
                   help="Antwort-Backend (Standard: RAG_LLM_BACKEND)")
    p.add_argument("--json", action="store_true", help="Kennzahlen und Zeilen als JSON")
