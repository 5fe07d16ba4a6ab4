"""Rendered prompts and token ids match ../shared/spec/german_rag_eval.md, for all four tasks
in both formats (exact strings, written out by hand from the spec)."""

from __future__ import annotations

import pytest

from rag.eval.german_rag.scoring import build_request
from rag.eval.german_rag.tasks import TASKS, make_example, render, split_trailing_whitespace
from tests.support.paths import SHARED
from tests.support.tiny_llm import tiny_llama_dir

ROWS = {
    "task1": {"context": "Der Rhein fließt durch Köln.", "choice_a": "Wo liegt Bonn?",
              "choice_b": "Durch welche Stadt fließt der Rhein?", "choice_c": "Wer?",
              "choice_d": "Wann?", "target": "B"},
    "task2": {"question": "Wo fließt der Rhein?", "choice_a": "Kontext eins.",
              "choice_b": "Kontext zwei.", "choice_c": "Der Rhein fließt durch Köln.",
              "choice_d": "Kontext vier.", "target": "C"},
    "task3": {"question": "Wo fließt der Rhein?", "answer": "Durch Köln.", "target": "J"},
    "task4": {"context": "Der Rhein fließt durch Köln.", "question": "Wie alt ist Bonn?",
              "target": "N"},
}

INSTR = {
    "task1": "Welche der folgenden Fragen (A oder B oder C oder D) lässt sich anhand des "
             "Kontext beantworten?",
    "task2": "Auf Basis welcher der folgenden Kontexte (A oder B oder C oder D) lässt sich die "
             "Frage beantworten?",
    "task3": "Beantwortet die Antwort wirklich die Frage? Antworte mit J für ja oder N für "
             "nein.",
    "task4": "Lässt sich die Frage mithilfe der Informationen aus dem Kontext beantworten? "
             "Antworte mit J für ja oder N für nein.",
}

BODY = {
    "task1": "Kontext:\nDer Rhein fließt durch Köln.\n\nFragen:\nA: Wo liegt Bonn?\n"
             "B: Durch welche Stadt fließt der Rhein?\nC: Wer?\nD: Wann?\n\nAntwort:",
    "task2": "Frage: Wo fließt der Rhein?\n\nKontexte:\n\nA:\nKontext eins.\n\nB:\n"
             "Kontext zwei.\n\nC:\nDer Rhein fließt durch Köln.\n\nD:\nKontext vier.\n\n"
             "Antwort:",
    "task3": "Die Frage: Wo fließt der Rhein?\n\nDie Antwort: Durch Köln.\n\nAuswahl (J/N):",
    "task4": "Kontext:\nDer Rhein fließt durch Köln.\n\nDie Frage: Wie alt ist Bonn?\n\n"
             "Auswahl (J/N):",
}

GOLD = {"task1": 1, "task2": 2, "task3": 0, "task4": 1}
SYSTEM = "Du bist ein freundlicher und hilfreicher deutscher KI-Assistent."
HEAD = "<|begin_of_text|>"
USER = "<|start_header_id|>user<|end_header_id|>\n\n"
SYS = "<|start_header_id|>system<|end_header_id|>\n\n"
ASSISTANT = "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_llama_dir(tmp_path_factory))


@pytest.mark.parametrize("task", sorted(TASKS))
def test_raw_prompt_is_the_spec_string(task):
    ex = make_example(TASKS[task], 0, ROWS[task])
    # Four newlines between instruction and body: "\n\n".join over an instruction ending in \n\n.
    assert render(ex, "raw") == INSTR[task] + "\n\n\n\n" + BODY[task]
    assert render(ex, "raw", system_prompt=SYSTEM) == (
        SYSTEM + "\n\n" + INSTR[task] + "\n\n\n\n" + BODY[task]
    )
    assert ex.gold == GOLD[task]
    assert ex.choices == (("A", "B", "C", "D") if task in ("task1", "task2") else ("J", "N"))


@pytest.mark.parametrize("task", sorted(TASKS))
def test_chat_prompt_is_the_spec_string(task, tokenizer):
    ex = make_example(TASKS[task], 0, ROWS[task])
    user = INSTR[task] + "\n\n" + BODY[task]
    assert render(ex, "chat", tokenizer) == HEAD + USER + user + ASSISTANT
    assert render(ex, "chat", tokenizer, SYSTEM) == (
        HEAD + SYS + SYSTEM + "<|eot_id|>" + USER + user + ASSISTANT
    )


@pytest.mark.parametrize("task", sorted(TASKS))
def test_raw_tokens_single_bos_bare_letters(task, tokenizer):
    ex = make_example(TASKS[task], 0, ROWS[task])
    prompt = render(ex, "raw")
    req = build_request(prompt, ex.choices, tokenizer)
    assert req.context[0] == 128000 and req.context[1] != 128000
    assert list(req.context) == tokenizer.encode(prompt)  # raw prompts end in ':', nothing moves
    letters = {"A": 32, "B": 33, "C": 34, "D": 35, "J": 41, "N": 45}
    assert req.choices == tuple((letters[c],) for c in ex.choices)


@pytest.mark.parametrize("task", sorted(TASKS))
def test_chat_tokens_double_bos_and_moved_newlines(task, tokenizer):
    ex = make_example(TASKS[task], 0, ROWS[task])
    prompt = render(ex, "chat", tokenizer)
    assert prompt.endswith("<|end_header_id|>\n\n")
    req = build_request(prompt, ex.choices, tokenizer)
    # The template writes <|begin_of_text|> and encode() adds another one.
    assert req.context[:2] == (128000, 128000)
    assert req.context[-1] == 128007  # <|end_header_id|>; the "\n\n" moved into the choices
    letters = {"A": 32, "B": 33, "C": 34, "D": 35, "J": 41, "N": 45}
    assert req.choices == tuple((271, letters[c]) for c in ex.choices)


def test_trailing_whitespace_moves_into_choices():
    assert split_trailing_whitespace("Antwort:", ("A", "B")) == ("Antwort:", ["A", "B"])
    assert split_trailing_whitespace("x \n\n", ("J",)) == ("x", [" \n\nJ"])


def test_context_eos_is_dropped(tokenizer):
    # lighteval strips a trailing EOS (here <|eot_id|>) from the encoded context.
    req = build_request("Frage<|eot_id|>", ("A",), tokenizer)
    assert req.context == (128000, 23376, 425)  # "Frage" without the 128009


def test_real_row_of_the_offline_set(tokenizer):
    import pyarrow.parquet as pq

    path = SHARED / "data/wikipedia-de-dpr/ger-rag-eval-format-dev/task4_test.parquet"
    if not path.exists():
        pytest.skip("offline dev set not present")
    row = pq.read_table(path).slice(0, 1).to_pylist()[0]
    ex = make_example(TASKS["task4"], 0, row)
    assert render(ex, "raw") == (
        INSTR["task4"] + "\n\n\n\nKontext:\n" + row["context"] + "\n\nDie Frage: "
        + row["question"] + "\n\nAuswahl (J/N):"
    )
    assert ex.choices[ex.gold] == row["target"]
