"""``rag eval retrieval`` and ``rag eval german-rag``."""

from __future__ import annotations

import argparse
import importlib

# name: (runner module, its argument definitions, help)
_EVALS = {
    "retrieval": ("rag.eval.retrieval", "rag.eval.retrieval_args",
                  "Retrieval-Qualität messen (R@k, MRR, nDCG)"),
    "answers": ("rag.eval.answers", "rag.eval.answers_args",
                "Antwortqualität messen (Gold-Antwort enthalten, Ablehnungen)"),
    "german-rag": ("rag.eval.german_rag.runner", "rag.eval.german_rag.args",
                   "Ger-RAG-eval (lighteval german_rag_eval) ausführen"),
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="Qualität messen")
    esub = p.add_subparsers(dest="eval_command", required=True)
    for name, (module, args_module, help_text) in _EVALS.items():
        ep = esub.add_parser(name, help=help_text)
        # Imported lazily so `rag --help` does not pay for torch.
        ep.set_defaults(func=_runner(module))
        importlib.import_module(args_module).add_arguments(ep)


def _runner(module: str):  # noqa: ANN202
    def run(args: argparse.Namespace) -> int:
        return int(importlib.import_module(module).run(args))

    return run
