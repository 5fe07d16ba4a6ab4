"""Where the tests find the repository and the shared data next to it."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPORA = REPO / "corpora"
SHARED = REPO.parent / "shared"
