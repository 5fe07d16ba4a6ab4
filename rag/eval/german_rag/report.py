"""Output of ``rag eval german-rag``: the model card's table, JSON, per-row details."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from rag.eval.german_rag.scoring import TaskResult, average
from rag.eval.german_rag.tasks import TASKS
from rag.settings import get_settings

if TYPE_CHECKING:
    from rag.settings import Settings


def _fmt(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def results_table(results: Sequence[TaskResult]) -> str:
    """Markdown table as on the model card (lighteval's layout: task, metric, value, ±, stderr)."""
    rows = [
        (f"{TASKS[r.task].name} ({r.task})", "acc", _fmt(r.acc, 3), _fmt(r.stderr, 4), str(r.n))
        for r in results
    ]
    if results:
        acc, err = average(results)
        label = "average" if len(results) == 4 else f"average ({len(results)} von 4 Aufgaben)"
        rows.append((label, "acc", _fmt(acc, 3), _fmt(err, 4), str(sum(r.n for r in results))))
    head = ("Task", "Metric", "Value", "Stderr", "n")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    lines = [
        f"|{head[0]:<{widths[0]}}|{head[1]:<{widths[1]}}|{head[2]:>{widths[2]}}|   |"
        f"{head[3]:>{widths[3]}}|{head[4]:>{widths[4]}}|",
        f"|{'-' * widths[0]}|{'-' * widths[1]}|{'-' * (widths[2] - 1)}:|---|"
        f"{'-' * (widths[3] - 1)}:|{'-' * (widths[4] - 1)}:|",
    ]
    for task, metric, value, err, n in rows:
        lines.append(
            f"|{task:<{widths[0]}}|{metric:<{widths[1]}}|{value:>{widths[2]}}|±  |"
            f"{err:>{widths[3]}}|{n:>{widths[4]}}|"
        )
    return "\n".join(lines)


def results_json(results: Sequence[TaskResult]) -> dict:
    out: dict = {r.task: {"acc": r.acc, "stderr": r.stderr, "n": r.n} for r in results}
    if results:
        acc, err = average(results)
        out["average"] = {"acc": acc, "stderr": err}
    return out


def write_details(results: Sequence[TaskResult], fh: IO[str]) -> None:
    for r in results:
        choices = TASKS[r.task].choices
        for row in r.rows:
            line = {
                "task": row.task,
                "row": row.row,
                "pred": choices[row.pred],
                "gold": choices[row.gold],
                "logprobs": row.logprobs,
                "context_tokens": row.context_tokens,
            }
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def save_details(results: Sequence[TaskResult], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        write_details(results, fh)


def quality_page_file(settings: Settings) -> Path:
    """Where ``rag eval german-rag --save`` writes and the app's quality page reads."""
    return settings.store.dir / "german_rag_eval.json"


def save_for_quality_page(results: Sequence[TaskResult], args: Any) -> Path:
    """Write the result where the app's quality page looks (the store folder), atomically."""
    path = quality_page_file(get_settings())
    path.parent.mkdir(parents=True, exist_ok=True)
    data = results_json(results)
    data["_meta"] = {
        "model": str(args.model),
        "backend": str(getattr(args, "backend", "")),
        "limit": getattr(args, "limit", None),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return path
