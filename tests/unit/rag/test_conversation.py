"""Follow-up rewriting: heuristic without an LLM, the LLM (tiny Llama-3) when there is one."""

from __future__ import annotations

import pytest
from transformers import LogitsProcessorList

from rag.components.llm.base import approx_token_count
from rag.components.llm.transformers_backend import TransformersLLM
from rag.conversation import (
    condense_question,
    looks_like_follow_up,
    rewrite_heuristic,
    rewrite_messages,
    trim_history,
)
from tests.support.forced_logits import ForcedTokens, plan_for
from tests.support.tiny_llama import EOT_ID
from tests.support.tiny_llm import tiny_llama_dir

FIRST = "Wie lang ist die Kündigungsfrist im Arbeitsvertrag?"
HISTORY = [
    {"role": "user", "content": FIRST},
    {"role": "assistant", "content": "Die Kündigungsfrist beträgt drei Monate [1]."},
]


@pytest.mark.parametrize(
    "question",
    ["Und wie lange gilt das?", "Aber für Azubis?", "Was ist mit Teilzeitkräften?",
     "Gilt das auch für Azubis?", "Und danach?", "Wo steht das?"],
)
def test_follow_ups_are_recognised(question: str) -> None:
    assert looks_like_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [FIRST, "Wie hoch ist die Tagespauschale bei Dienstreisen ins Ausland?",
     "Welche Gebühr kostet ein verlorener Bibliotheksausweis in der Stadtbibliothek?"],
)
def test_standalone_questions_are_not_follow_ups(question: str) -> None:
    assert not looks_like_follow_up(question)


def test_heuristic_adds_the_last_standalone_question() -> None:
    assert rewrite_heuristic("Und wie lange gilt das?", HISTORY) == (
        f"Wie lange gilt das? (Bezug: {FIRST})")
    # A chain of follow-ups still points to the question that started it.
    longer = [*HISTORY, {"role": "user", "content": "Und für Azubis?"},
              {"role": "assistant", "content": "Einen Monat [2]."}]
    assert rewrite_heuristic("Gilt das auch in der Probezeit?", longer) == (
        f"Gilt das auch in der Probezeit? (Bezug: {FIRST})")


def test_heuristic_keeps_standalone_questions() -> None:
    q = "Wie hoch ist die Tagespauschale bei Dienstreisen ins Ausland?"
    assert rewrite_heuristic(q, HISTORY) == q
    assert condense_question("Und das?", [], llm=None) == "Und das?"
    assert condense_question("Und wie lange gilt das?", HISTORY) == (
        f"Wie lange gilt das? (Bezug: {FIRST})")


def test_history_is_bounded_by_tokens_newest_first() -> None:
    history = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"Nachricht {i} " * 10}
               for i in range(10)]
    per_turn = approx_token_count(history[0]["content"].strip())
    kept = trim_history(history, 3 * per_turn + 1)
    assert [t["content"] for t in kept] == [h["content"].strip() for h in history[-3:]]
    assert trim_history(history, 0) == []
    # Roles other than user/assistant and empty turns are not history.
    assert trim_history([{"role": "system", "content": "x"}, {"role": "user", "content": " "}],
                        100) == []


def test_rewrite_prompt_quotes_history_as_data() -> None:
    system, user = rewrite_messages("Und wie lange gilt das?", HISTORY)
    assert system["role"] == "system" and "Beantworte die Frage nicht" in system["content"]
    assert user["content"] == (
        f"Gesprächsverlauf:\nNutzer: {FIRST}\n"
        "Assistent: Die Kündigungsfrist beträgt drei Monate.\n\n"
        "Folgefrage: Und wie lange gilt das?\n\nUmformulierte Frage:"
    )


def _forced_llm(tmp_path_factory: pytest.TempPathFactory, text: str) -> TransformersLLM:
    model_dir = str(tiny_llama_dir(tmp_path_factory))
    plain = TransformersLLM(model_dir)
    plan = plan_for(plain.tokenizer, text, EOT_ID)
    return TransformersLLM(model_dir, extra_generate_kwargs={
        "logits_processor": LogitsProcessorList([ForcedTokens(plan)])})


def test_llm_rewrites_follow_ups(tmp_path_factory: pytest.TempPathFactory) -> None:
    llm = _forced_llm(tmp_path_factory,
                      "Umformulierte Frage: „Wie lange gilt die Kündigungsfrist?“\nDanke.")
    assert condense_question("Und wie lange gilt das?", HISTORY, llm=llm) == (
        "Wie lange gilt die Kündigungsfrist?")
    # Without history the LLM is not asked at all.
    assert condense_question("Und wie lange gilt das?", None, llm=llm) == (
        "Und wie lange gilt das?")


def test_empty_llm_output_falls_back_to_the_heuristic(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    llm = _forced_llm(tmp_path_factory, "")
    assert condense_question("Und wie lange gilt das?", HISTORY, llm=llm) == (
        f"Wie lange gilt das? (Bezug: {FIRST})")
