"""Generation on an OpenAI-compatible chat-completions server.

The production path: vLLM serving VAGOsolutions/Llama-3-SauerkrautLM-8b-Instruct; the
llama.cpp server and Ollama speak the same protocol. The server applies the model's chat
template, so we send plain messages. Failures become :class:`LLMError` with a German and an
English sentence that names the URL, because "connection refused" alone helps nobody.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from rag.components.llm.base import (
    MESSAGE_OVERHEAD_TOKENS,
    LLMError,
    Message,
    render_messages_as_json,
)
from rag.components.llm.tokens import TokenCounter, approx_token_count


class OpenAILLM:
    def __init__(
        self,
        base_url: str,
        *,
        model: str,
        api_key: str = "",
        timeout_s: float = 120.0,
        max_new_tokens: int = 512,
        temperature: float = 0.0,
        context_tokens: int = 8192,
        token_counter: TokenCounter = approx_token_count,
    ) -> None:
        from openai import OpenAI

        if not base_url:
            raise LLMError(
                "Für das openai-Backend fehlt RAG_LLM_BASE_URL (z. B. http://localhost:8000/v1). "
                "/ The openai backend needs RAG_LLM_BASE_URL."
            )
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"openai:{model}@{self.base_url}"
        self.timeout_s = timeout_s
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.context_tokens = context_tokens
        self._count = token_counter
        # No retries: a down server should say so within the timeout, not after three tries.
        self.client = OpenAI(
            base_url=self.base_url, api_key=api_key or "not-needed",
            timeout=timeout_s, max_retries=0,
        )

    # --- prompt --------------------------------------------------------------------------
    def render(self, messages: Sequence[Message]) -> str:
        # The server applies the model's chat template; this is exactly what it receives.
        return render_messages_as_json(messages)

    def count_tokens(self, text: str) -> int:
        return self._count(text)

    def count_prompt_tokens(self, messages: Sequence[Message]) -> int:
        # +1 BOS, + the assistant header the template appends.
        return 1 + MESSAGE_OVERHEAD_TOKENS + sum(
            self._count(m["content"]) + MESSAGE_OVERHEAD_TOKENS for m in messages
        )

    # --- generation ----------------------------------------------------------------------
    def _request(self, messages: Sequence[Message], max_new_tokens: int | None,
                 stream: bool) -> Any:
        return self.client.chat.completions.create(
            model=self.model,
            messages=list(messages),  # type: ignore[arg-type]
            max_tokens=max_new_tokens or self.max_new_tokens,
            temperature=self.temperature,
            stream=stream,
        )

    def generate(self, messages: Sequence[Message], *, max_new_tokens: int | None = None) -> str:
        try:
            resp = self._request(messages, max_new_tokens, stream=False)
        except Exception as exc:
            raise self._explain(exc) from exc
        if not resp.choices:
            raise LLMError(f"Leere Antwort vom Server {self.base_url}. / Empty response.")
        return resp.choices[0].message.content or ""

    def stream(
        self, messages: Sequence[Message], *, max_new_tokens: int | None = None
    ) -> Iterator[str]:
        try:
            chunks = self._request(messages, max_new_tokens, stream=True)
            try:
                for chunk in chunks:
                    if not chunk.choices:
                        continue
                    piece = chunk.choices[0].delta.content
                    if piece:
                        yield piece
            finally:
                chunks.close()
        except LLMError:
            raise
        except Exception as exc:
            raise self._explain(exc) from exc

    def _explain(self, exc: Exception) -> Exception:
        import openai

        url = self.base_url
        if isinstance(exc, openai.APITimeoutError):
            return LLMError(
                f"Der Sprachmodell-Server unter {url} hat nicht innerhalb von "
                f"{self.timeout_s:g} s geantwortet (RAG_LLM_TIMEOUT_S). / The LLM server at "
                f"{url} did not answer within {self.timeout_s:g} s."
            )
        if isinstance(exc, openai.APIConnectionError):
            return LLMError(
                f"Der Sprachmodell-Server unter {url} ist nicht erreichbar – läuft er? "
                f"(RAG_LLM_BASE_URL) / Cannot reach the LLM server at {url}: is it running? "
                f"({exc.__cause__ or exc})"
            )
        if isinstance(exc, openai.NotFoundError):
            return LLMError(
                f"Der Server unter {url} kennt das Modell '{self.model}' nicht "
                f"(RAG_LLM_SERVER_MODEL). / The server at {url} has no model '{self.model}'. "
                f"({exc})"
            )
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return LLMError(
                f"Der Server unter {url} lehnt den API-Schlüssel ab (RAG_LLM_API_KEY). / "
                f"The server at {url} rejected the API key."
            )
        if isinstance(exc, openai.APIStatusError):
            return LLMError(
                f"Der Sprachmodell-Server unter {url} meldet Fehler {exc.status_code}: "
                f"{exc.message} / The LLM server at {url} returned HTTP {exc.status_code}."
            )
        return exc
