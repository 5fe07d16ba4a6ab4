"""The OpenAI-compatible backend against a real loopback HTTP server.

No vLLM here (no GPU, no hub), so the test starts a small completions server that runs the
tiny Llama-3 with transformers and answers in vLLM's response formats (``echo`` +
``logprobs`` and ``prompt_logprobs``) with the model's real log-probabilities. The backend's
scores must equal the in-process backend's.
"""

from __future__ import annotations

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rag.eval import german_rag
from rag.eval.german_rag import EvalConfig, prepare
from rag.eval.german_rag import args as german_rag_args
from rag.eval.german_rag.hf import TransformersScorer
from rag.eval.german_rag.server import OpenAIScorer, ServerError
from tests.support.tiny_llm import tiny_llama_dir

SERVED = "tiny-llama3"
ROWS1 = [{"context": f"Der Rhein fließt durch Köln. Absatz {i}.", "choice_a": "Wo liegt Bonn?",
          "choice_b": "Wodurch fließt der Rhein?", "choice_c": "Wer?", "choice_d": "Wann?",
          "target": "ABCD"[i % 4]} for i in range(3)]
ROWS4 = [{"context": "Der Rhein fließt durch Köln.", "question": f"Frage {i}?",
          "target": "JN"[i % 2]} for i in range(3)]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, model, tokenizer, max_model_len: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.model, self.tokenizer, self.max_model_len = model, tokenizer, max_model_len
        self.reject_zero_max_tokens = False
        self.drop_logprobs = False
        self.lock = threading.Lock()
        self.bodies: list[dict] = []


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def _send(self, code: int, payload: dict) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            self._send(200, {"object": "list", "data": [
                {"id": SERVED, "object": "model", "max_model_len": self.server.max_model_len}]})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        if self.path != "/v1/completions":
            self._send(404, {"error": "not found"})
            return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.bodies.append(body)
        if body.get("max_tokens") == 0 and self.server.reject_zero_max_tokens:
            self._send(400, {"error": {"message": "max_tokens must be at least 1"}})
            return
        prompts = body["prompt"]
        if prompts and isinstance(prompts[0], int):
            prompts = [prompts]
        choices = [self._choice(k, ids, body) for k, ids in enumerate(prompts)]
        self._send(200, {"object": "text_completion", "model": SERVED, "choices": choices})

    def _choice(self, index: int, ids: list[int], body: dict) -> dict:
        import torch

        srv = self.server
        with srv.lock, torch.no_grad():
            logits = srv.model(torch.tensor([ids])).logits[0].float()
        lp = torch.log_softmax(logits, dim=-1)
        prompt_lp = [None] + [lp[i - 1, ids[i]].item() for i in range(1, len(ids))]
        tokens = srv.tokenizer.convert_ids_to_tokens(ids)
        gen_id = int(lp[-1].argmax())
        choice: dict = {"index": index, "finish_reason": "length", "text": ""}
        n_gen = int(body.get("max_tokens") or 0)
        if body.get("echo") and body.get("logprobs") is not None and not srv.drop_logprobs:
            token_lps = list(prompt_lp)
            top = [None] + [{tokens[i]: prompt_lp[i]} for i in range(1, len(ids))]
            toks = list(tokens)
            if n_gen:  # a generated token after the prompt, as vLLM returns it
                token_lps.append(lp[-1, gen_id].item())
                toks.append(srv.tokenizer.convert_ids_to_tokens(gen_id))
                top.append({toks[-1]: token_lps[-1]})
            choice["logprobs"] = {"tokens": toks, "token_logprobs": token_lps,
                                  "top_logprobs": top, "text_offset": list(range(len(toks)))}
        else:
            choice["logprobs"] = None
        if body.get("prompt_logprobs") is not None:
            entries: list = [None]
            for i in range(1, len(ids)):
                best = int(lp[i - 1].argmax())
                entry = {str(ids[i]): {"logprob": prompt_lp[i], "rank": 1,
                                       "decoded_token": tokens[i]}}
                entry.setdefault(str(best), {"logprob": lp[i - 1, best].item(), "rank": 1,
                                             "decoded_token": ""})
                entries.append(entry)
            choice["prompt_logprobs"] = entries
        return choice


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    return tiny_llama_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def model_tok(tiny_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return AutoModelForCausalLM.from_pretrained(tiny_dir).eval(), AutoTokenizer.from_pretrained(
        tiny_dir
    )


@pytest.fixture()
def server(model_tok):
    model, tok = model_tok
    srv = _Server(model, tok, max_model_len=8192)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _url(srv: _Server) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}/v1"


def _requests(tok, fmt):
    reqs = []
    for task, rows in (("task1", ROWS1), ("task4", ROWS4)):
        reqs += prepare(task, rows, tok, EvalConfig(fmt))[2]
    return reqs


@pytest.mark.parametrize("mode", ["echo", "prompt_logprobs"])
@pytest.mark.parametrize("fmt", ["raw", "chat"])
def test_server_scores_equal_in_process_scores(server, model_tok, fmt, mode):
    model, tok = model_tok
    reqs = _requests(tok, fmt)
    local = TransformersScorer(model, tok).score(reqs)
    remote = OpenAIScorer(_url(server), SERVED, batch_size=3, mode=mode).score(reqs)
    for a, b in zip(local, remote, strict=True):
        assert b == pytest.approx(a, abs=1e-4)
        assert b.index(max(b)) == a.index(max(a))
    body = server.bodies[-1]
    assert isinstance(body["prompt"][0], list)  # token ids, so the server cannot re-tokenise
    if mode == "echo":
        assert (body["echo"], body["logprobs"], body["max_tokens"]) == (True, 1, 0)
    else:
        assert body["prompt_logprobs"] == 1


def test_server_max_len_truncates_like_lighteval(server, model_tok):
    model, tok = model_tok
    server.max_model_len = 30
    reqs = _requests(tok, "chat")
    scorer = OpenAIScorer(_url(server), SERVED)
    assert scorer.max_length == 30
    local = TransformersScorer(model, tok, max_length=30).score(reqs)
    for a, b in zip(local, scorer.score(reqs), strict=True):
        assert b == pytest.approx(a, abs=1e-4)
    assert max(len(ids) for ids in server.bodies[-1]["prompt"]) <= 30


def test_servers_refusing_max_tokens_zero_are_retried_with_one(server, model_tok):
    model, tok = model_tok
    server.reject_zero_max_tokens = True
    reqs = _requests(tok, "raw")[:2]
    got = OpenAIScorer(_url(server), SERVED).score(reqs)
    assert got[0] == pytest.approx(TransformersScorer(model, tok).score(reqs)[0], abs=1e-4)
    assert [b["max_tokens"] for b in server.bodies][-2:] == [0, 1]


def test_missing_prompt_logprobs_and_dead_servers_are_clear_errors(server, model_tok):
    _, tok = model_tok
    server.drop_logprobs = True
    with pytest.raises(ServerError, match="Prompt-Logprobs"):
        OpenAIScorer(_url(server), SERVED).score(_requests(tok, "raw")[:1])
    with pytest.raises(ServerError, match="nicht erreichbar"):
        OpenAIScorer("http://127.0.0.1:9/v1", SERVED, max_length=100).score(
            _requests(tok, "raw")[:1]
        )


def test_command_with_openai_backend(server, tiny_dir, tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(pa.Table.from_pylist(ROWS4), data / "task4_test.parquet")
    p = argparse.ArgumentParser()
    german_rag_args.add_arguments(p)
    args = p.parse_args(["--model", SERVED, "--tokenizer", str(tiny_dir), "--backend", "openai",
                         "--base-url", _url(server), "--data", str(data), "--json",
                         "--prompt-format", "chat"])
    assert german_rag.run(args) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["task4"]["n"] == 3 and set(res) == {"task4", "average"}
