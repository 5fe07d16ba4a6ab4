"""Pick the answering backend from the settings (``RAG_LLM_BACKEND``).

``auto`` takes the best one this machine can run: a CUDA GPU runs the model in-process
(transformers); without one, a configured server (``RAG_LLM_BASE_URL``) is used; otherwise
Quelle answers extractively, which needs no LLM at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from rag.components.llm.base import LLM
from rag.components.llm.extractive_backend import ExtractiveBackend

if TYPE_CHECKING:
    from rag.components.embeddings.base import Embedder
    from rag.settings import Settings

BackendName = Literal["transformers", "openai", "extractive"]
Backend = LLM | ExtractiveBackend


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def describe_backend(settings: Settings) -> tuple[BackendName, str]:
    """``(backend, reason)``: which backend ``settings`` give and why, in German."""
    match settings.llm.backend:
        case "auto":
            if cuda_available():
                return "transformers", (
                    f"Eine CUDA-GPU ist vorhanden: {settings.llm.model} läuft direkt in Quelle "
                    "(transformers)."
                )
            if settings.llm.base_url:
                return "openai", (
                    f"Keine GPU, aber ein Sprachmodell-Server ist konfiguriert "
                    f"(RAG_LLM_BASE_URL={settings.llm.base_url})."
                )
            return "extractive", (
                "Keine GPU und kein Sprachmodell-Server (RAG_LLM_BASE_URL) konfiguriert: "
                "Quelle zitiert die passendsten Sätze aus den Dokumenten (extraktiv)."
            )
        case "transformers" | "openai" | "extractive" as chosen:
            return chosen, f"Fest eingestellt mit RAG_LLM_BACKEND={chosen}."
    raise ValueError(f"unknown llm_backend {settings.llm.backend!r}")


def make_llm(settings: Settings, *, embedder: Embedder | None = None) -> Backend:
    """The backend ``describe_backend`` names, ready to use (models load here, once)."""
    backend, _ = describe_backend(settings)
    match backend:
        case "transformers":
            from rag.components.llm.transformers_backend import TransformersLLM

            return TransformersLLM(
                settings.llm.model,
                quantization=settings.llm.quantization,
                max_new_tokens=settings.llm.max_new_tokens,
                temperature=settings.llm.temperature,
                context_tokens=settings.llm.context_tokens,
            )
        case "openai":
            from rag.components.llm.openai_backend import OpenAILLM
            from rag.components.llm.tokens import make_token_counter

            server_model = settings.llm.server_model or settings.llm.model
            counter, _ = make_token_counter(
                [settings.llm.server_model, settings.llm.model], settings.cache_dir
            )
            return OpenAILLM(
                settings.llm.base_url,
                model=server_model,
                api_key=settings.llm.api_key.get_secret_value(),
                timeout_s=settings.llm.timeout_s,
                max_new_tokens=settings.llm.max_new_tokens,
                temperature=settings.llm.temperature,
                context_tokens=settings.llm.context_tokens,
                token_counter=counter,
            )
        case "extractive":
            return ExtractiveBackend(settings, embedder)
