"""The whole answering path on the real demo index: extractive and the transformers backend
(tiny Llama-3 told what to say), including streaming and follow-ups."""

from __future__ import annotations

from pathlib import Path

import pytest
from transformers import LogitsProcessorList

from rag.answering import answer_question, prepare, stream_answer
from rag.components.llm.extractive_backend import ExtractiveBackend
from rag.components.llm.transformers_backend import TransformersLLM
from rag.settings import REFUSAL, Settings
from rag.types import Answer
from tests.conftest import base_settings, load_qa, make_settings
from tests.support.forced_logits import ForcedTokens, plan_for
from tests.support.tiny_llama import EOT_ID
from tests.support.tiny_llm import tiny_llama_dir

QUESTION = next(r for r in load_qa() if r.get("doc") and r["kind"] == "direct")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_llama_dir(tmp_path_factory)


def saying(model_dir: Path, text: str) -> TransformersLLM:
    plain = TransformersLLM(str(model_dir))
    plan = plan_for(plain.tokenizer, text, EOT_ID)
    return TransformersLLM(str(model_dir), extra_generate_kwargs={
        "logits_processor": LogitsProcessorList([ForcedTokens(plan)])})


def settings_of(index) -> Settings:  # noqa: ANN001
    return index.settings


def test_extractive_backend_answers_with_citations(corpus_index) -> None:  # noqa: ANN001
    settings = settings_of(corpus_index).override(llm_backend="extractive")
    a = answer_question(QUESTION["question"], index=corpus_index, settings=settings)
    assert a.backend == "extractive"
    assert a.answerable and a.citations
    assert QUESTION["doc"] in {c.source for c in a.citations}
    assert set(a.to_json()) == {"answer", "answerable", "confidence", "citations"}
    assert 0.0 <= a.to_json()["confidence"] <= 1.0
    # The extractive answer chooses from more passages than top_k (answer_passages).
    assert a.retrieved and len(a.retrieved) <= settings.answering.passages


def test_generated_answer_is_checked_against_the_prompt_sources(
    corpus_index, model_dir: Path,  # noqa: ANN001
) -> None:
    llm = saying(model_dir, "Spätestens zehn Arbeitstage vorher [1]. Siehe auch [2, 42].")
    a = answer_question(QUESTION["question"], index=corpus_index,
                        settings=settings_of(corpus_index), llm=llm)
    assert a.answer == "Spätestens zehn Arbeitstage vorher [1]. Siehe auch [2]."
    assert a.answerable and a.unknown_markers == [42]
    assert [c.n for c in a.citations] == [1, 2]
    assert a.citations[0].source == a.retrieved[0].chunk.source
    assert a.citations[0].page == a.retrieved[0].chunk.page_start
    assert a.backend == llm.name


def test_refusal_has_no_citations(corpus_index, model_dir: Path) -> None:  # noqa: ANN001
    llm = saying(model_dir, REFUSAL)
    a = answer_question("Wie heißt der Hund des Hausmeisters?", index=corpus_index,
                        settings=settings_of(corpus_index), llm=llm)
    assert a.to_json() | {"confidence": None} == {"answer": REFUSAL, "answerable": False,
                                                  "confidence": None, "citations": []}
    assert 0.0 <= a.confidence <= 1.0  # the evidence, assessed for a generating backend too
    assert a.retrieved  # what was searched is still there for the UI


def test_stream_yields_pieces_then_the_answer(corpus_index, model_dir: Path) -> None:  # noqa: ANN001
    text = "Zehn Arbeitstage vor Reiseantritt [1]."
    llm = saying(model_dir, text)
    items = list(stream_answer(QUESTION["question"], index=corpus_index,
                               settings=settings_of(corpus_index), llm=llm))
    *pieces, final = items
    assert isinstance(final, Answer) and all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == text == final.answer
    assert [c.n for c in final.citations] == [1]


def test_follow_up_is_rewritten_before_retrieval(corpus_index) -> None:  # noqa: ANN001
    settings = settings_of(corpus_index).override(llm_backend="extractive")
    history = [{"role": "user", "content": QUESTION["question"]},
               {"role": "assistant", "content": "Zehn Arbeitstage [1]."}]
    p = prepare("Und wer genehmigt das?", index=corpus_index, settings=settings,
                history=history)
    assert isinstance(p.backend, ExtractiveBackend) and p.prompt is None
    assert p.standalone == f"Wer genehmigt das? (Bezug: {QUESTION['question']})"
    assert QUESTION["doc"] in {h.chunk.source for h in p.hits}


def test_prompt_holds_the_retrieved_sources(corpus_index, model_dir: Path) -> None:  # noqa: ANN001
    llm = TransformersLLM(str(model_dir))
    p = prepare(QUESTION["question"], index=corpus_index, settings=settings_of(corpus_index),
                llm=llm)
    assert p.prompt is not None and p.prompt.sources == p.hits
    user = p.prompt.messages[1]["content"]
    assert f'datei="{p.hits[0].chunk.source}"' in user
    assert user.endswith(f"Frage: {QUESTION['question']}")


def test_empty_store_refuses_without_asking_the_model(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    from rag.index import Index

    settings = make_settings(tmp_path, llm_backend="extractive")
    a = answer_question("Wie lang ist die Kündigungsfrist?", index=Index(settings, embedder),
                        settings=settings)
    assert a.to_json() == {"answer": REFUSAL, "answerable": False, "confidence": 0.0,
                           "citations": []}


def test_base_settings_default_backend_is_extractive_without_gpu_or_server() -> None:
    from rag.components.llm.factory import cuda_available, describe_backend

    backend, reason = describe_backend(base_settings())
    if cuda_available():
        assert backend == "transformers" and "GPU" in reason
    else:
        assert backend == "extractive" and "RAG_LLM_BASE_URL" in reason
    assert describe_backend(base_settings(llm_base_url="http://x:8000/v1"))[0] in (
        "openai", "transformers")
    assert describe_backend(base_settings(llm_backend="openai")) == (
        "openai", "Fest eingestellt mit RAG_LLM_BACKEND=openai.")
