"""The four Ger-RAG-eval tasks, their data and their prompts, exactly as lighteval renders them.

Strings and rendering rules are copied from lighteval 0.13
(``lighteval.tasks.multilingual.tasks.german_rag`` and its prompt manager); the parity test
checks them against lighteval itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HUB_DATASET = "deutsche-telekom/Ger-RAG-eval"
ALL_TASKS = ("task1", "task2", "task3", "task4")


@dataclass(frozen=True)
class TaskSpec:
    key: str  # dataset subset, e.g. "task1"
    name: str  # lighteval task name
    fields: tuple[str, ...]
    choices: tuple[str, ...]
    instruction: str
    body: Callable[[Mapping[str, Any]], str]


def _body1(r: Mapping[str, Any]) -> str:
    return (
        f"Kontext:\n{r['context']}\n\nFragen:\n"
        f"A: {r['choice_a']}\nB: {r['choice_b']}\nC: {r['choice_c']}\nD: {r['choice_d']}\n\n"
        "Antwort:"
    )


def _body2(r: Mapping[str, Any]) -> str:
    return (
        f"Frage: {r['question']}\n\nKontexte:\n\n"
        f"A:\n{r['choice_a']}\n\nB:\n{r['choice_b']}\n\nC:\n{r['choice_c']}\n\n"
        f"D:\n{r['choice_d']}\n\nAntwort:"
    )


def _body3(r: Mapping[str, Any]) -> str:
    return f"Die Frage: {r['question']}\n\nDie Antwort: {r['answer']}\n\nAuswahl (J/N):"


def _body4(r: Mapping[str, Any]) -> str:
    return f"Kontext:\n{r['context']}\n\nDie Frage: {r['question']}\n\nAuswahl (J/N):"


_ABCD = ("A", "B", "C", "D")
_JN = ("J", "N")
_CHOICE_FIELDS = ("choice_a", "choice_b", "choice_c", "choice_d")

TASKS: dict[str, TaskSpec] = {
    "task1": TaskSpec(
        "task1",
        "german_rag_eval:choose_question_by_context",
        ("context", *_CHOICE_FIELDS, "target"),
        _ABCD,
        "Welche der folgenden Fragen (A oder B oder C oder D) lässt sich anhand des Kontext "
        "beantworten?\n\n",
        _body1,
    ),
    "task2": TaskSpec(
        "task2",
        "german_rag_eval:choose_context_by_question",
        ("question", *_CHOICE_FIELDS, "target"),
        _ABCD,
        "Auf Basis welcher der folgenden Kontexte (A oder B oder C oder D) lässt sich die Frage "
        "beantworten?\n\n",
        _body2,
    ),
    "task3": TaskSpec(
        "task3",
        "german_rag_eval:question_answer_match",
        ("question", "answer", "target"),
        _JN,
        "Beantwortet die Antwort wirklich die Frage? Antworte mit J für ja oder N für nein.\n\n",
        _body3,
    ),
    "task4": TaskSpec(
        "task4",
        "german_rag_eval:context_question_match",
        ("context", "question", "target"),
        _JN,
        "Lässt sich die Frage mithilfe der Informationen aus dem Kontext beantworten? "
        "Antworte mit J für ja oder N für nein.\n\n",
        _body4,
    ),
}


@dataclass(frozen=True)
class Example:
    task: str
    row: int  # index in file order
    instruction: str
    body: str  # the query after the instruction (lighteval's query minus instruction)
    choices: tuple[str, ...]
    gold: int


def make_example(spec: TaskSpec, row: int, record: Mapping[str, Any]) -> Example:
    target = str(record["target"])
    return Example(
        task=spec.key,
        row=row,
        instruction=spec.instruction,
        body=spec.body(record),
        choices=spec.choices,
        gold=spec.choices.index(target),
    )


# --- rendering -------------------------------------------------------------------------


def render_raw(ex: Example, system_prompt: str | None = None) -> str:
    """lighteval 0.13 plain prompt: parts joined by a blank line (so 4 newlines after the
    instruction, which already ends in one blank line)."""
    parts = [system_prompt] if system_prompt else []
    parts += [ex.instruction, ex.body.strip()]
    return "\n\n".join(parts)


def render_chat(ex: Example, tokenizer: Any, system_prompt: str | None = None) -> str:
    """lighteval 0.13 chat prompt through the tokenizer's own chat template."""
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    messages.append({"role": "user", "content": ex.instruction + ex.body.strip()})
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def render(ex: Example, fmt: str, tokenizer: Any = None, system_prompt: str | None = None) -> str:
    if fmt == "raw":
        return render_raw(ex, system_prompt)
    if fmt == "chat":
        if tokenizer is None or not getattr(tokenizer, "chat_template", None):
            raise ValueError("Das Chat-Format braucht einen Tokenizer mit Chat-Template.")
        return render_chat(ex, tokenizer, system_prompt)
    raise ValueError(f"unknown prompt format: {fmt!r}")


def split_trailing_whitespace(prompt: str, choices: tuple[str, ...]) -> tuple[str, list[str]]:
    """lighteval moves the prompt's trailing whitespace into every choice (so a Llama-3 chat
    prompt ending in a blank line scores "\\n\\nA")."""
    stripped = prompt.rstrip()
    tail = prompt[len(stripped):]
    return stripped, [tail + c for c in choices]


# --- data ------------------------------------------------------------------------------


class DataError(RuntimeError):
    pass


def load_task_rows(data: str, task: str, limit: int | None = None) -> list[dict] | None:
    """Rows of ``task`` in file order, or None when the source has no such task.

    ``data`` is a local folder with ``taskN_test.parquet`` files or a hub dataset id.
    """
    path = Path(data).expanduser()
    if path.is_dir():
        file = path / f"{task}_test.parquet"
        if not file.is_file():
            return None
        import pyarrow.parquet as pq

        table = pq.read_table(file)
        if limit is not None:
            table = table.slice(0, limit)
        rows = table.to_pylist()
    else:
        rows = _load_hub_rows(data, task, limit)
        if rows is None:
            return None
    missing = [f for f in TASKS[task].fields if rows and f not in rows[0]]
    if missing:
        raise DataError(f"{task}: Spalten fehlen in den Daten: {', '.join(missing)}")
    return rows


def _load_hub_rows(repo: str, task: str, limit: int | None) -> list[dict] | None:
    try:
        import datasets
    except ImportError as exc:
        raise DataError(
            f"Um '{repo}' vom Hugging Face Hub zu laden, wird das Paket 'datasets' gebraucht "
            "(pip install datasets). Alternativ --data ORDNER mit taskN_test.parquet angeben."
        ) from exc
    try:
        configs = datasets.get_dataset_config_names(repo)
    except Exception as exc:  # noqa: BLE001 - hub errors come in many types
        raise DataError(f"Datensatz '{repo}' nicht erreichbar: {exc}") from exc
    if task not in configs:
        return None
    split = "test" if limit is None else f"test[:{limit}]"
    try:
        ds = datasets.load_dataset(repo, task, split=split)
    except Exception as exc:  # noqa: BLE001
        raise DataError(f"{repo}/{task} nicht ladbar: {exc}") from exc
    return [dict(r) for r in ds]
