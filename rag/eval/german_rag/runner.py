"""``rag eval german-rag``: Ger-RAG-eval, computed exactly like lighteval 0.13.

Usage and the figures: docs/german_rag_eval.md; the rules: lighteval's german_rag_eval tasks.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rag.eval.german_rag.report import (
    results_json,
    results_table,
    save_details,
    save_for_quality_page,
)
from rag.eval.german_rag.scoring import RowResult, ScoreRequest, TaskResult, build_request
from rag.eval.german_rag.server import ServerError
from rag.eval.german_rag.tasks import (
    ALL_TASKS,
    TASKS,
    DataError,
    Example,
    load_task_rows,
    make_example,
    render,
)
from rag.settings import SYSTEM_PROMPT_DE


class Scorer(Protocol):
    def score(self, requests: Sequence[ScoreRequest], desc: str = "") -> list[list[float]]: ...


@dataclass
class EvalConfig:
    prompt_format: str = "auto"  # auto | raw | chat
    system_prompt: str | None = None


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def resolve_format(fmt: str, tokenizer: Any) -> str:
    """lighteval 0.13 uses the chat template whenever the tokenizer has one."""
    if fmt == "auto":
        return "chat" if getattr(tokenizer, "chat_template", None) else "raw"
    return fmt


def prepare(
    task: str, rows: Sequence[dict], tokenizer: Any, cfg: EvalConfig
) -> tuple[list[Example], list[str], list[ScoreRequest]]:
    spec = TASKS[task]
    fmt = resolve_format(cfg.prompt_format, tokenizer)
    examples = [make_example(spec, i, r) for i, r in enumerate(rows)]
    prompts = [render(ex, fmt, tokenizer, cfg.system_prompt) for ex in examples]
    pairs = zip(examples, prompts, strict=True)
    requests = [build_request(p, ex.choices, tokenizer) for ex, p in pairs]
    return examples, prompts, requests


def evaluate_task(
    task: str, rows: Sequence[dict], tokenizer: Any, scorer: Scorer, cfg: EvalConfig
) -> TaskResult:
    examples, _, requests = prepare(task, rows, tokenizer, cfg)
    scores = scorer.score(requests, desc=task)
    result = TaskResult(task)
    for ex, req, lps in zip(examples, requests, scores, strict=True):
        result.rows.append(RowResult(task, ex.row, ex.gold, lps, len(req.context)))
    return result


def parse_tasks(text: str) -> list[str]:
    tasks = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in tasks if t not in ALL_TASKS]
    if unknown or not tasks:
        raise DataError(
            f"Unbekannte Aufgabe(n): {', '.join(unknown) or '(leer)'}; erlaubt: "
            + ", ".join(ALL_TASKS)
        )
    return list(dict.fromkeys(tasks))


def _system_prompt(args: argparse.Namespace) -> str | None:
    if getattr(args, "quelle_system_prompt", False):
        return SYSTEM_PROMPT_DE
    return args.system_prompt


def _make_scorer(args: argparse.Namespace) -> tuple[Scorer, Any]:
    if args.backend == "openai":
        if not args.base_url:
            raise DataError("--backend openai braucht --base-url (z. B. http://localhost:8000/v1)")
        from transformers import AutoTokenizer

        from rag.eval.german_rag.server import OpenAIScorer

        tokenizer = AutoTokenizer.from_pretrained(args.tokenizer or args.model)
        scorer = OpenAIScorer(
            args.base_url,
            args.model,
            api_key=args.api_key,
            batch_size=args.batch_size,
            max_length=args.max_length,
            mode=args.logprob_api,
        )
        return scorer, tokenizer
    from rag.components.llm.hf_loading import load_causal_lm
    from rag.eval.german_rag.hf import TransformersScorer

    model, tokenizer = load_causal_lm(args.model, dtype=args.dtype, device=args.device)
    scorer = TransformersScorer(
        model,
        tokenizer,
        batch_size=args.batch_size,
        max_batch_tokens=args.max_batch_tokens,
        max_length=args.max_length,
    )
    return scorer, tokenizer


def run(args: argparse.Namespace) -> int:
    try:
        tasks = parse_tasks(args.tasks)
        data: dict[str, list[dict]] = {}
        skipped = []
        for task in tasks:
            rows = load_task_rows(args.data, task, args.limit)
            if rows is None or not rows:
                skipped.append(task)
            else:
                data[task] = rows
    except DataError as exc:
        _log(f"Fehler: {exc}")
        return 2
    for task in skipped:
        _log(f"{task} übersprungen: nicht in {args.data}")
    if not data:
        _log("Keine Aufgabe mit Daten; nichts zu tun.")
        return 2
    try:
        scorer, tokenizer = _make_scorer(args)
    except (DataError, RuntimeError, OSError) as exc:
        _log(f"Fehler: {exc}")
        return 2
    cfg = EvalConfig(args.prompt_format, _system_prompt(args))
    fmt = resolve_format(cfg.prompt_format, tokenizer)
    if fmt == "chat" and not getattr(tokenizer, "chat_template", None):
        _log("Fehler: --prompt-format chat, aber der Tokenizer hat kein Chat-Template.")
        return 2
    _log(
        f"Modell: {args.model} ({args.backend}), Format: {fmt}, "
        f"Systemprompt: {'ja' if cfg.system_prompt else 'nein'}, "
        f"Zeilen: {', '.join(f'{t}={len(r)}' for t, r in data.items())}"
    )
    results = []
    t0 = time.perf_counter()
    for task, rows in data.items():
        t1 = time.perf_counter()
        try:
            result = evaluate_task(task, rows, tokenizer, scorer, cfg)
        except ServerError as exc:
            _log(f"Fehler: {exc}")
            return 2
        dt = time.perf_counter() - t1
        _log(f"{task}: acc {result.acc:.3f} über {result.n} Zeilen ({result.n / dt:.1f} Zeilen/s)")
        results.append(result)
    _log(f"Gesamtzeit {time.perf_counter() - t0:.1f}s")
    if args.details:
        save_details(results, args.details)
    if getattr(args, "save", False):
        path = save_for_quality_page(results, args)
        _log(f"Ergebnis für die Qualitätsseite gespeichert: {path}")
    if args.json:
        print(json.dumps(results_json(results), indent=2))
    else:
        print(results_table(results))
        if skipped:
            print(f"\nÜbersprungen (keine Daten): {', '.join(skipped)}")
    return 0
