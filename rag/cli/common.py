"""Helpers shared by the CLI subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rag.settings import Settings, check_collection_name, get_settings


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def add_collection_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--collection", default=None, metavar="NAME",
                        help="Sammlung (Standard: RAG_COLLECTION, sonst 'quelle')")


def settings_from_args(args: Any) -> Settings:
    """Settings from env/.env with per-call overrides from CLI flags (never the defaults).

    Raises ValueError for an invalid collection name."""
    overrides = {}
    if getattr(args, "collection", None) is not None:
        overrides["collection"] = check_collection_name(args.collection)
    for flag, field in (("k", "top_k"), ("mode", "retrieval_mode")):
        value = getattr(args, flag, None)
        if value is not None:
            overrides[field] = value
    base = get_settings()
    return base.override(**overrides) if overrides else base


def fail(message: str, code: int = 1) -> int:
    print(f"Fehler: {message}", file=sys.stderr)
    return code
