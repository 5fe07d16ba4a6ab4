"""Score requests through an OpenAI-compatible completions server that returns prompt
log-probabilities (vLLM), so a deployment can be validated where it runs.

We send token ids, not text, so the server sees exactly lighteval's tokens (double BOS in chat
mode included). One prompt per choice: (context + choice) left-truncated to the server's
max length; the choice's score is the sum of the logprobs of its tokens in the prompt.
Two ways to ask for those logprobs:
- ``echo``: ``echo=true, logprobs=1, max_tokens=0`` -> ``choices[i].logprobs.token_logprobs``
  (first entry null). Servers that refuse max_tokens=0 are retried with 1 (the generated
  token is ignored).
- ``prompt_logprobs``: vLLM's extra parameter -> ``choices[i].prompt_logprobs``, one
  ``{token_id: {"logprob": x, ...}}`` per prompt token (first entry null).
The server computes log_softmax its own way (vLLM: float32), so figures can differ from the
in-process bf16 run in the last digits and in ties.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rag.eval.german_rag.scoring import ScoreRequest

MODES = ("echo", "prompt_logprobs")


class ServerError(RuntimeError):
    pass


class OpenAIScorer:
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        batch_size: int = 16,
        max_length: int | None = None,
        mode: str = "echo",
        concurrency: int = 4,
        timeout: float = 600.0,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown logprob mode {mode!r}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.batch_size = max(1, batch_size)
        self.mode = mode
        self.concurrency = max(1, concurrency)
        self.timeout = timeout
        self._echo_max_tokens = 0
        self.max_length = max_length or self._server_max_length()

    # --- http ----------------------------------------------------------------------------

    def _request(self, method: str, path: str, body: dict | None = None) -> Any:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.api_key:
            req.add_header("Authorization", f"Bearer {self.api_key}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            raise ServerError(f"HTTP {exc.code} von {self.base_url}{path}: {detail}") from exc
        except urllib.error.URLError as exc:
            raise ServerError(f"Server {self.base_url} nicht erreichbar: {exc.reason}") from exc

    def _server_max_length(self) -> int | None:
        """vLLM lists ``max_model_len`` under /models; other servers may not."""
        try:
            listing = self._request("GET", "/models")
        except ServerError:
            return None
        for entry in listing.get("data", []):
            if entry.get("id") == self.model and entry.get("max_model_len"):
                return int(entry["max_model_len"])
        return None

    # --- scoring -------------------------------------------------------------------------

    def score(self, requests: Sequence[ScoreRequest], desc: str = "") -> list[list[float]]:
        from tqdm import tqdm

        prompts: list[tuple[int, int, list[int], int]] = []  # (request, choice, ids, n choice)
        for r, req in enumerate(requests):
            for c, choice in enumerate(req.choices):
                ids = list(req.context + choice)
                if self.max_length:
                    ids = ids[-self.max_length:]
                prompts.append((r, c, ids, len(choice)))
        # Longest first, as in-process: similar lengths share a request.
        prompts.sort(key=lambda p: len(p[2]), reverse=True)
        chunks = [prompts[i:i + self.batch_size] for i in range(0, len(prompts), self.batch_size)]
        out: list[list[float | None]] = [[None] * len(r.choices) for r in requests]
        bar = tqdm(total=len(prompts), desc=desc, unit="seq", leave=False, dynamic_ncols=True)
        with ThreadPoolExecutor(self.concurrency) as pool:
            for chunk, sums in zip(chunks, pool.map(self._score_chunk, chunks), strict=True):
                for (r, c, _, _), value in zip(chunk, sums, strict=True):
                    out[r][c] = value
                bar.update(len(chunk))
        bar.close()
        return [[float(v) for v in row] for row in out]  # type: ignore[arg-type]

    def _score_chunk(self, chunk: list[tuple[int, int, list[int], int]]) -> list[float]:
        body: dict[str, Any] = {
            "model": self.model,
            "prompt": [ids for _, _, ids, _ in chunk],
            "temperature": 0.0,
        }
        if self.mode == "echo":
            body.update(echo=True, logprobs=1, max_tokens=self._echo_max_tokens)
            try:
                resp = self._request("POST", "/completions", body)
            except ServerError as exc:
                if self._echo_max_tokens != 0 or "HTTP 400" not in str(exc):
                    raise
                self._echo_max_tokens = 1
                body["max_tokens"] = 1
                resp = self._request("POST", "/completions", body)
        else:
            body.update(prompt_logprobs=1, max_tokens=1)
            resp = self._request("POST", "/completions", body)
        choices = sorted(resp.get("choices", []), key=lambda c: c.get("index", 0))
        if len(choices) != len(chunk):
            raise ServerError(f"{len(chunk)} Prompts gesendet, {len(choices)} Antworten erhalten")
        return [
            sum(prompt_token_logprobs(choice, ids, self.mode)[-n:])
            for choice, (_, _, ids, n) in zip(choices, chunk, strict=True)
        ]


def prompt_token_logprobs(choice: dict, ids: Sequence[int], mode: str) -> list[float]:
    """Log-probability of every prompt token after the first, from one response choice."""
    n = len(ids)
    if mode == "echo":
        lp = (choice.get("logprobs") or {}).get("token_logprobs")
        if not lp or len(lp) < n:
            raise ServerError(
                "Der Server liefert keine Prompt-Logprobs (echo); --logprob-api prompt_logprobs "
                "versuchen"
            )
        values = lp[1:n]
    else:
        entries = choice.get("prompt_logprobs")
        if not entries or len(entries) < n:
            raise ServerError("Der Server liefert kein prompt_logprobs (vLLM-Erweiterung)")
        values = []
        for tok, entry in zip(ids[1:], entries[1:n], strict=True):
            hit = (entry or {}).get(str(tok))
            if hit is None:
                raise ServerError(f"prompt_logprobs ohne Eintrag für Token {tok}")
            values.append(hit["logprob"] if isinstance(hit, dict) else hit)
    if any(v is None for v in values):
        raise ServerError("Prompt-Logprobs enthalten null")
    return [float(v) for v in values]
