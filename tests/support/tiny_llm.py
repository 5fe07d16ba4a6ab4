"""The tiny random Llama-3 (tests/support/tiny_llama.py), built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tiny_llama import build_tiny_llama

CACHE_DIR = Path.home() / ".cache" / "quelle"


def tiny_llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The model folder; built on first use in this session's temp dir, then reused."""
    out = tmp_path_factory.getbasetemp() / "tiny-llama-3"
    if not (out / "QUELLE_TEST_MODEL.json").is_file():
        build_tiny_llama(out, CACHE_DIR)
    return out
