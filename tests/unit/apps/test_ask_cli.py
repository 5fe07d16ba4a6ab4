"""`rag ask` as a user runs it: plain output with sources, --stream, --show-prompt."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import load_qa
from tests.support.tiny_llm import tiny_llama_dir

QUESTION = next(r for r in load_qa() if r.get("doc") and r["kind"] == "direct")


def rag_ask(args: list[str], store: Path, rc: int = 0, **env: str
            ) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "RAG_STORE_DIR": str(store), "RAG_EMBEDDING_SOURCE": "offline",
                "RAG_LLM_BACKEND": "extractive", **env}
    full_env.pop("RAG_CHROMA_HOST", None)
    proc = subprocess.run([sys.executable, "-m", "rag", "ask", *args], capture_output=True,
                          text=True, env=full_env, timeout=600)
    assert proc.returncode == rc, proc.stderr[-2000:]
    return proc


def test_plain_output_lists_the_cited_sources(corpus_index) -> None:  # noqa: ANN001
    out = rag_ask([QUESTION["question"], "--stream"], corpus_index.settings.store.dir).stdout
    answer, _, sources = out.partition("\n\nQuellen:\n")
    assert answer.strip()
    lines = sources.strip().splitlines()
    assert lines and all(re.fullmatch(r"\[\d+\] .+, S\. \d+", ln) for ln in lines)
    assert any(QUESTION["doc"] in ln for ln in lines)


def test_show_prompt_prints_the_chat_template_output(
    corpus_index, tmp_path_factory: pytest.TempPathFactory,  # noqa: ANN001
) -> None:
    model = tiny_llama_dir(tmp_path_factory)
    proc = rag_ask([QUESTION["question"], "--show-prompt", "--backend", "transformers", "-k", "2"],
                   corpus_index.settings.store.dir, RAG_LLM_MODEL=str(model))
    prompt = proc.stdout
    assert prompt.startswith(
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
        "Du bist ein freundlicher und hilfreicher deutscher KI-Assistent.")
    assert prompt.endswith("<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n\n")
    assert prompt.count("<quelle nr=") == 2
    assert "Prompt-Tokens" in proc.stderr


def test_server_down_is_one_clear_line(corpus_index) -> None:  # noqa: ANN001
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/v1"  # closed again below: nobody listens
    proc = rag_ask([QUESTION["question"], "--backend", "openai"], corpus_index.settings.store.dir,
                   rc=1, RAG_LLM_BASE_URL=url, RAG_LLM_TIMEOUT_S="5")
    assert proc.stdout == ""
    err = proc.stderr.strip().splitlines()
    assert err[-1].startswith("Fehler: Der Sprachmodell-Server unter " + url)
    assert "Traceback" not in proc.stderr


def test_generated_answer_without_markers_says_so_and_names_passages(
    corpus_index, tmp_path_factory: pytest.TempPathFactory,  # noqa: ANN001
) -> None:
    # The tiny random Llama writes token soup without any [n]: the user must learn that the
    # answer cites nothing, and which passages it was given.
    model = tiny_llama_dir(tmp_path_factory)
    proc = rag_ask([QUESTION["question"], "--backend", "transformers", "-k", "2"],
                   corpus_index.settings.store.dir, RAG_LLM_MODEL=str(model),
                   RAG_LLM_MAX_NEW_TOKENS="12")
    answer, _, note = proc.stdout.partition("\n\nHinweis: Das Modell hat keine Quelle zitiert. "
                                            "Gefundene Passagen:\n")
    assert answer.strip() and "Quellen:" not in proc.stdout
    lines = note.strip().splitlines()
    assert 1 <= len(lines) <= 2 and all(re.fullmatch(r"- .+, S\. \d+", ln) for ln in lines)
