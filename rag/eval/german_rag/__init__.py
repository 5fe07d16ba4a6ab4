"""Ger-RAG-eval (lighteval's ``german_rag_eval``) reproduced exactly: tasks, prompts,
log-likelihood scoring with transformers or an OpenAI-compatible server, and the report.

The runner's names are loaded on first use, so that ``rag --help`` (which reads the
argument definitions in ``args``) does not import the scorers.
"""

from __future__ import annotations

import importlib
from typing import Any

_RUNNER = ("EvalConfig", "evaluate_task", "prepare", "run")
__all__ = list(_RUNNER)


def __getattr__(name: str) -> Any:
    if name in _RUNNER:
        return getattr(importlib.import_module("rag.eval.german_rag.runner"), name)
    raise AttributeError(name)
